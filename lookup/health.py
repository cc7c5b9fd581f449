"""Probes for the load balancer and the orchestrator; no sign-in, not audited.

/healthz: the process answers (restart it if not). Touches nothing else.
/readyz: this instance can serve pages: its database and cache answer (take it out
of rotation if not). PERP's state is reported but never makes an instance unready:
PERP is shared by every instance, so a PERP outage would empty the whole pool, and
pages already show stale copies and "PERP did not answer" on their own.

Bodies name states only: no exception text, which could carry a host or a DSN.
"""

import logging

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from lookup import cache_store
from lookup.breaker import breaker_state
from lookup.cache_store import CacheUnavailable

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
    checks = {"database": _database_state(), "cache": _cache_state()}
    ready = all(state == "ok" for state in checks.values())
    body = {"status": "ready" if ready else "not ready", **checks, "perp": {"breaker": breaker_state()}}
    return JsonResponse(body, status=200 if ready else 503)


def _database_state():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        logger.warning("readiness: the database does not answer (%s)", type(error).__name__)
        return "down"
    return "ok"


def _cache_state():
    try:
        cache_store.set(PROBE_KEY, "ok", timeout=30)
        answered = cache_store.get(PROBE_KEY) == "ok"
    except CacheUnavailable:  # cache_store has logged why
        return "down"
    return "ok" if answered else "down"
