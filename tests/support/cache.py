"""Helpers for the cache and reading-layer tests: cache configurations, the clock behind
the `frozen_clock` fixture, PERP answers for one customer, a fan-out that runs nothing.
The fixtures themselves (`cache_backend`, `redis_cache`, `frozen_clock`,
`fresh_warning_limit`) are in tests/conftest.py.
"""

from datetime import timedelta

import responses
from django.test import override_settings

from tests.support.perp_payloads import PERP
from tests.support.services import require_redis

LOCMEM = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "cache-tests"}
REDIS_BACKEND = "django_redis.cache.RedisCache"
FAIL_FAST = {"SOCKET_CONNECT_TIMEOUT": 0.25, "SOCKET_TIMEOUT": 0.25}
CLOSED_PORT = "redis://127.0.0.1:1/0"
CLOSED_PORT_REDIS = {"BACKEND": REDIS_BACKEND, "LOCATION": CLOSED_PORT, "OPTIONS": FAIL_FAST}


def redis_config():
    return {"BACKEND": REDIS_BACKEND, "LOCATION": require_redis(), "OPTIONS": FAIL_FAST}


def using_cache(config):
    """override_settings(CACHES=...): Django's setting_changed handler drops old connections."""
    return override_settings(CACHES={"default": config})


class FrozenClock:
    def __init__(self, start):
        self.current = start

    def now(self):
        return self.current

    def advance(self, seconds):
        self.current += timedelta(seconds=seconds)


def envelope(data):
    return {"success": True, "data": data, "timestamp": "2026-11-24T14:02:00Z"}


def customer_json(customer_id="CUST-1", name="Ada Lovelace"):
    return {
        "customer_id": customer_id,
        "name": name,
        "email": "ada@example.com",
        "is_vip": False,
        "lifetime_value": "1234.50",
        "created_at": "2024-01-02T03:04:05Z",
    }


def customer_url(customer_id="CUST-1"):
    return f"{PERP}/customers/{customer_id}"


def perp_answers(perp, customer_id="CUST-1", name="Ada Lovelace"):
    """From now on PERP answers with this customer (replacing any earlier answer)."""
    body = envelope(customer_json(customer_id, name))
    perp.upsert(responses.GET, customer_url(customer_id), json=body)


def perp_answers_with(perp, customer_id="CUST-1", **response):
    perp.upsert(responses.GET, customer_url(customer_id), **response)


def perp_is_down(perp, customer_id="CUST-1", status=503):
    perp_answers_with(perp, customer_id, status=status, json={"success": False})


def perp_calls(perp, customer_id="CUST-1"):
    """Requests sent for one customer, retries included."""
    url = customer_url(customer_id)
    return sum(1 for call in perp.calls if call.request.url.split("?")[0] == url)


class HeldFanout:
    """A fan-out that runs nothing: it keeps the tasks a round leaves to threads."""

    def __init__(self):
        self.sent = {}

    def start(self, tasks):
        self.sent.update(tasks)
        return {}

    def outcomes(self, futures):
        return {}


def batch_answers(reader, reads):
    """({name: Reading} a round's batch answered by itself, {name: task} it left to the
    fan-out's threads, not run)."""
    fanout = HeldFanout()
    page_round = reader.start(reads, fanout=fanout)
    answered = [name for name in reads if name not in fanout.sent]
    return {name: outcome.value for name, outcome in page_round.outcomes(*answered).items()}, fanout.sent
