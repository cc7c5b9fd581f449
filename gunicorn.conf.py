"""gunicorn for perpdesk, configured from the environment.

    gunicorn -c gunicorn.conf.py        (from the project directory)

A page waits on several PERP calls at once (its own fan-out threads), so the worker
spends most of a request waiting on the network: gthread workers serve other
requests from their thread pool meanwhile, without a process per waiting page.
"""

import gc
import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path


def _int(name, default):
    value = os.environ.get(name, "")
    try:
        return int(value) if value else default
    except ValueError:
        raise SystemExit(f"perpdesk: configuration error: {name} must be a whole number, not {value!r}")


def _json_logs():
    """LOG_FORMAT as perpdesk/settings.py reads it: json unless DEBUG says plain."""
    default = "plain" if os.environ.get("DEBUG", "").lower() in ("1", "true", "yes", "on") else "json"
    return os.environ.get("LOG_FORMAT", default) == "json"


wsgi_app = "perpdesk.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
worker_class = "gthread"
workers = _int("GUNICORN_WORKERS", max(2, multiprocessing.cpu_count()))
threads = _int("GUNICORN_THREADS", 8)
# Longer than PAGE_DEADLINE_SECONDS (8 s): a slow PERP must not get workers killed.
timeout = _int("GUNICORN_TIMEOUT", 30)
# On SIGTERM (a deploy) requests in flight get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Workers are replaced now and then, so a slow leak never grows without bound.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10
# The proxies allowed to say the request came over https: the same list perpdesk uses.
forwarded_allow_ips = os.environ.get("TRUSTED_PROXIES", "127.0.0.1/32,::1/128")
# Only X-Forwarded-Proto, which the nginx sample sets; the other two would pass through it.
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
# Its default path is per user, not per instance: two instances on a host would collide.
control_socket_disable = True
# perpdesk writes its own line per request (lookup.ops.request_log), without the query
# string gunicorn's access line holds (searched-for emails). GUNICORN_ACCESS_LOG=true
# adds gunicorn's line anyway, for looking into the proxy's headers.
_access_log = os.environ.get("GUNICORN_ACCESS_LOG", "").lower() in ("1", "true", "yes", "on")
accesslog = "-" if _access_log else None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
if _json_logs():
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "lookup.ops.log_format.JsonFormatter"}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
        },
        "root": {"level": "INFO", "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
            # With a logging dict gunicorn always logs access; a level above INFO keeps it quiet.
            "gunicorn.access": {
                "level": "INFO" if _access_log else "WARNING",
                "handlers": ["stderr"],
                "propagate": False,
            },
        },
    }

# prometheus_client keeps each worker's metrics in files here (lookup.ops.metrics). It must
# be empty when the master starts, or a scrape would add up the last run's counts.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="perpdesk-metrics-")
    # In the environment, not a variable: a config reload (SIGHUP) runs this file again.
    os.environ["PERPDESK_METRICS_DIR_IS_TEMPORARY"] = "1"


def on_starting(server):
    for stale in Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).glob("*.db"):
        stale.unlink()


def post_worker_init(worker):
    # What the worker has loaded (Django, perpdesk, settings, URLs) lives as long as it
    # does: frozen, the garbage collector's full passes no longer walk it. They took
    # several milliseconds of a first page view before.
    gc.freeze()


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if os.environ.get("PERPDESK_METRICS_DIR_IS_TEMPORARY"):
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
