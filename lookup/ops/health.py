"""Probes for the load balancer and the orchestrator; no sign-in, not audited.

/healthz: the process answers (restart it if not). Touches nothing else: no database,
no cache, no session; it keeps answering while the database hangs.
/readyz: this instance can serve pages: its database answers (take it out of rotation
if not). The database check has its own budget (READYZ_TIMEOUT) and its own short
connect timeout, and at most one runs per process at a time: other /readyz requests
meanwhile answer with the last result ("busy" before there is one), so probes of a
hanging database can never hold every worker thread.
The cache is reported but never makes an instance unready: without Redis pages are
read straight from PERP (slower, not broken), and Redis is shared by every instance,
so failing readiness on it would take the whole pool out of rotation at once. It
shows as "degraded". PERP's state is reported likewise and never makes an instance
unready: PERP is shared by every instance too, and pages already show stale copies
and "PERP did not answer" on their own.

Bodies name states only: no exception text, which could carry a host or a DSN.
"""

import contextvars
import logging
import math
import threading

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import Error as DatabaseFault, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from lookup.reading import store as cache_store
from lookup.reading.breaker import breaker_state
from lookup.reading.store import CacheUnavailable
from lookup.ops.db_unavailable import failure_reason

logger = logging.getLogger(__name__)

PROBE_KEY = "perpdesk:readyz"


@login_not_required
@never_cache
@require_safe
def healthz(request):
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
@require_safe
def readyz(request):
    database = database_probe.state(timeout=settings.READYZ_TIMEOUT)
    ready = database == "ok"
    body = {
        "status": "ready" if ready else "not ready",
        "database": database,
        "cache": _cache_state(),
        "perp": {"breaker": breaker_state()},
    }
    return JsonResponse(body, status=200 if ready else 503)


class DatabaseProbe:
    """One database check at a time per process, each answered within its budget.

    The check runs in a thread of its own: a request waits for it at most `timeout`,
    whatever the driver does, and a check still running holds no worker thread.
    """

    def __init__(self):
        self._running = threading.Lock()
        self._last = None

    def state(self, *, timeout):
        """"ok", "down", or "busy" (a check is running and none has finished yet)."""
        if not self._running.acquire(blocking=False):
            return self._last or "busy"
        finished = threading.Event()
        # In a copy of the request's context: its log lines carry the request's id.
        check = contextvars.copy_context().run
        threading.Thread(target=check, args=(self._check, timeout, finished), daemon=True).start()
        if not finished.wait(timeout):
            logger.warning("readiness: the database did not answer within %s s", timeout)
            self._last = "down"
        return self._last

    def _check(self, timeout, finished):
        try:
            self._last = _database_state(timeout)
        except Exception:  # not the database's answer: a bug, which must not read as "ok"
            logger.exception("readiness: the database check failed")
            self._last = "down"
        finally:
            self._running.release()
            finished.set()


database_probe = DatabaseProbe()


def _database_state(timeout):
    probe = connection.copy(alias="readyz")  # a connection of its own, closed after
    if probe.vendor == "postgresql":
        probe.settings_dict["OPTIONS"]["connect_timeout"] = max(2, math.ceil(timeout))  # libpq's least
    try:
        with probe.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseFault as error:
        logger.warning(
            "readiness: the database does not answer (%s: %s)", type(error).__name__, failure_reason(error)
        )
        return "down"
    finally:
        probe.close()
    return "ok"


def _cache_state():
    """"ok", or "degraded": pages then read PERP directly (see the module's docstring)."""
    try:
        cache_store.set(PROBE_KEY, "ok", timeout=30)
        answered = cache_store.get(PROBE_KEY) == "ok"
    except CacheUnavailable:  # cache_store has logged why
        return "degraded"
    return "ok" if answered else "degraded"
