"""One log line per request: who, which page, how it ended, how long, what PERP cost.

The route is the URL pattern (`/customers/<str:customer_id>/`), never the filled path
or the query string: those carry customer ids and the emails staff search for.
The PERP and cache counts come from the client's and the reading layer's observers
into a `RequestStats` held in a contextvar; the page fan-out's threads run in a copy
of the request's context, so they add to the same object.
"""

import logging
import threading
import time
from collections import Counter
from contextvars import ContextVar

from django.utils.functional import empty

from lookup.pages import kept_pages
from lookup.perp.client import CALL_OBSERVERS
from lookup.perp import endpoints
from lookup.reading.reader import CACHE_OBSERVERS

logger = logging.getLogger("perpdesk.request")

CACHE_EVENTS = ("hit", "miss", "stale", "bypass", "remembered", "error")  # of PERP copies
COPY_RESOURCES = frozenset(endpoint.name for endpoint in endpoints.ALL)


class RequestStats:
    """PERP calls and cache events of one request; fed from several threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self.perp_calls = 0
        self.perp_ms = 0
        self.cache = Counter()

    def add_call(self, record):
        with self._lock:
            self.perp_calls += 1
            self.perp_ms += record.duration_ms

    def add_cache_event(self, event):
        with self._lock:
            self.cache[event] += 1


request_stats = ContextVar("perpdesk_request_stats", default=None)


def _count_call(record):
    stats = request_stats.get()
    if stats is not None:
        stats.add_call(record)


def _count_cache_event(event, resource):
    stats = request_stats.get()
    if stats is not None:
        # A kept page's events (lookup.pages.kept_pages) are not PERP copies'.
        stats.add_cache_event(event if resource in COPY_RESOURCES else f"{resource}_{event}")


CALL_OBSERVERS.append(_count_call)
CACHE_OBSERVERS.append(_count_cache_event)


def route_of(request):
    """The matched URL pattern, e.g. "/customers/<str:customer_id>/"; None if none matched."""
    match = getattr(request, "resolver_match", None)
    return None if match is None else "/" + match.route


def username_of(request):
    user = getattr(request, "user", None)
    # Not loaded for this request (a probe, a static file): don't open the session for it.
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.get_username() if user.is_authenticated else None


def request_fields(request, response, stats, duration_ms):
    return {
        "user": username_of(request),
        "method": request.method,
        "route": route_of(request),
        "status": response.status_code,
        "duration_ms": duration_ms,
        "perp_calls": stats.perp_calls,
        "perp_ms": stats.perp_ms,
        **{f"cache_{event}": stats.cache[event] for event in CACHE_EVENTS},
        "kept_page": stats.cache[f"{kept_pages.RESOURCE}_hit"] > 0,  # shown whole from an earlier view
    }


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        stats = RequestStats()
        token = request_stats.set(stats)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            request_stats.reset(token)
        duration_ms = round((time.perf_counter() - started) * 1000)
        fields = request_fields(request, response, stats, duration_ms)
        logger.info(
            "%s %s %s in %d ms, %d PERP call(s)",
            fields["method"],
            fields["route"] or "(no route)",
            fields["status"],
            duration_ms,
            stats.perp_calls,
            extra=fields,
        )
        return response
