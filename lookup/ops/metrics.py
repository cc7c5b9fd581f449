"""Prometheus metrics at /metrics: PERP calls, cache outcomes, the breaker, page latency.

Several gunicorn workers each count their own share: with PROMETHEUS_MULTIPROC_DIR
set (gunicorn.conf.py sets it) prometheus_client keeps every worker's values in files
there and a scrape adds them up, whichever worker answers it. The breaker's state is
not counted but read at scrape time from the shared cache, so every instance reports
the same.

/metrics is never public: it answers METRICS_ALLOWED_NETWORKS or a request bearing
METRICS_TOKEN, and is a 404 to anyone else.
"""

import hmac
import os
import time

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from lookup.reading.breaker import CLOSED, HALF_OPEN, OPEN, breaker_state
from lookup.perp.client import CALL_OBSERVERS
from lookup.ops.forwarded import address_in, client_address
from lookup.reading.reader import CACHE_OBSERVERS
from lookup.ops.request_log import route_of

# Not registered anywhere: each scrape builds its registry (see scrape_registry).
PERP_CALL_SECONDS = Histogram(
    "perpdesk_perp_call_duration_seconds",
    "PERP calls, retries included, by endpoint template and outcome.",
    ["endpoint", "outcome"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20),
    registry=None,
)
PERP_RETRIES = Counter(
    "perpdesk_perp_retries",
    "Attempts beyond the first, by endpoint template.",
    ["endpoint"],
    registry=None,
)
CACHE_EVENTS = Counter(
    "perpdesk_cache_events",
    "PERP reads by what the cache did: hit, miss, stale, bypass, error, remembered (a recent failure answered).",
    ["event", "resource"],
    registry=None,
)
PERP_UNREADABLE_FIELDS = Counter(
    "perpdesk_perp_unreadable_fields",
    "Fields of PERP answers kept as PERP's text (or list items dropped), by endpoint and field path.",
    ["endpoint", "field"],
    registry=None,
)
PAGE_SECONDS = Histogram(
    "perpdesk_http_request_duration_seconds",
    "Responses by URL pattern, method and status.",
    ["route", "method", "status"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16),
    registry=None,
)
COUNTED = (PERP_CALL_SECONDS, PERP_RETRIES, PERP_UNREADABLE_FIELDS, CACHE_EVENTS, PAGE_SECONDS)

# Label values come from requests: only these methods get their own series.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _observe_perp_call(record):
    PERP_CALL_SECONDS.labels(record.endpoint, record.outcome).observe(record.duration_ms / 1000)
    if record.attempts > 1:
        PERP_RETRIES.labels(record.endpoint).inc(record.attempts - 1)
    # Paths of documented fields only (lookup.perp.models' tables): a bounded label set.
    for path in record.fields.unreadable if record.fields else ():
        PERP_UNREADABLE_FIELDS.labels(record.endpoint, path).inc()


def _observe_cache_event(event, resource):
    CACHE_EVENTS.labels(event, resource).inc()


CALL_OBSERVERS.append(_observe_perp_call)
CACHE_OBSERVERS.append(_observe_cache_event)


class PageMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        method = request.method if request.method in KNOWN_METHODS else "other"
        route = route_of(request) or "unmatched"
        PAGE_SECONDS.labels(route, method, str(response.status_code)).observe(time.perf_counter() - started)
        return response


class BreakerCollector(Collector):
    """perpdesk_perp_breaker_state{state=...}: 1 for the current state, 0 for the others."""

    def collect(self):
        current = breaker_state()
        family = GaugeMetricFamily(
            "perpdesk_perp_breaker_state", "PERP circuit breaker, shared by every instance.", labels=["state"]
        )
        for state in (CLOSED, OPEN, HALF_OPEN):
            family.add_metric([state], 1 if state == current else 0)
        yield family


def scrape_registry():
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)  # every worker's values, from the shared files
    else:
        for metric in COUNTED:
            registry.register(metric)
    registry.register(BreakerCollector())
    return registry


def _bears_token(request):
    expected = f"Bearer {settings.METRICS_TOKEN}".encode()
    given = request.headers.get("Authorization", "").encode()
    return bool(settings.METRICS_TOKEN) and hmac.compare_digest(given, expected)


def may_scrape(request):
    return _bears_token(request) or address_in(client_address(request), settings.METRICS_ALLOWED_NETWORKS)


@login_not_required
@never_cache
@require_safe
def metrics_view(request):
    if not may_scrape(request):
        raise Http404
    return HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)
