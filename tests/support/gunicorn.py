"""Real gunicorn processes, started with gunicorn.conf.py as production starts them.

The process handling is the benchmark's (bench.servers); this module adds what the
tests need: a production environment with throwaway secrets. For the deploy and
scale-out tests: `running(count, env, log_dir)` starts `count`
instances on free loopback ports with PRODUCTION_ENV plus `env`, waits until each
answers /healthz, and stops them afterwards. The child environment is built from
scratch: the test process's own settings (tests/settings.py) never leak into it.
"""

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from bench.servers import start_instance, stop_instance, wait_until_healthy
from bench.site import OIDC_ENV  # an identity provider never contacted unless a test signs in

BASE_DIR = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
# Nothing listens on the discard port: PERP is down unless a test points it elsewhere.
PERP_DOWN_URL = "http://127.0.0.1:9/api"

# perpdesk/settings.py in production, with throwaway secrets.
PRODUCTION_ENV = {
    **OIDC_ENV,
    "DJANGO_SETTINGS_MODULE": "perpdesk.settings",
    "DEBUG": "false",
    "SECRET_KEY": "gunicorn-harness-secret-key-not-used-anywhere-else-0123456789",
    "PERP_API_URL": PERP_DOWN_URL,
    "PERP_API_KEY": "harness-perp-key",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "GUNICORN_WORKERS": "2",
    "GUNICORN_THREADS": "4",
    "GUNICORN_GRACEFUL_TIMEOUT": "5",
}
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")


def child_env(env):
    """PRODUCTION_ENV overlaid with `env`; a value of None removes the variable."""
    merged = {name: os.environ[name] for name in INHERITED if name in os.environ}
    merged.update(PRODUCTION_ENV)
    merged.update(env)
    return {name: value for name, value in merged.items() if value is not None}


def manage(env, *args, timeout=180):
    """`manage.py <args>` with an instance's environment; the CompletedProcess."""
    return subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=BASE_DIR,
        env=child_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@contextmanager
def running(count, env, log_dir, *, extra_args=()):
    """`count` healthy instances sharing `env`; stopped on the way out."""
    instances = []
    try:
        for _ in range(count):
            instances.append(
                start_instance("perpdesk", child_env(env), log_dir, extra_args=extra_args)
            )
        for instance in instances:
            wait_until_healthy(instance)
        yield instances
    finally:
        for instance in instances:
            stop_instance(instance)
