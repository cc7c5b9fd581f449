"""The cache failing never fails a read: with Redis unreachable, reads go straight to
PERP with a (rate-limited) warning, and caching resumes when Redis is back."""

import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.core.cache import cache


from lookup.reading.breaker import breaker_state
from lookup.reading.keys import reading_key
from lookup.perp import endpoints
from lookup.reading.reader import Read, perp_reader
from tests.support.cache import (
    CLOSED_PORT_REDIS,
    perp_answers,
    perp_calls,
    perp_is_down,
    redis_config,
    using_cache,
)

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.usefixtures("fresh_warning_limit")


def cache_warnings(caplog):
    return [
        record for record in caplog.records
        if record.name == "lookup.reading.store" and record.levelname == "WARNING"
    ]


@pytest.fixture
def redis_down():
    with using_cache(CLOSED_PORT_REDIS):
        yield


def test_it_reads_perp_directly_when_redis_is_unreachable(perp, redis_down, caplog):
    perp_answers(perp)

    readings = [perp_reader().read(Read(endpoints.CUSTOMER, customer_id="CUST-1")) for _ in range(3)]

    assert [r.value.name for r in readings] == ["Ada Lovelace"] * 3
    assert not any(r.is_stale for r in readings)
    assert perp_calls(perp) == 3


def test_it_warns_once_not_on_every_read(perp, redis_down, caplog):
    perp_answers(perp)

    for _ in range(3):
        perp_reader().read(Read(endpoints.CUSTOMER, customer_id="CUST-1"))

    [warning] = cache_warnings(caplog)
    assert "Cache unavailable" in warning.getMessage()


def test_it_reports_the_cache_error_to_observers(perp, redis_down, monkeypatch):
    events = []
    monkeypatch.setattr("lookup.reading.reader.CACHE_OBSERVERS", [lambda *event: events.append(event)])
    perp_answers(perp)

    perp_reader().read(Read(endpoints.CUSTOMER, customer_id="CUST-1"))

    assert events == [("error", "customer")]


def test_it_still_raises_perps_own_failure_when_redis_is_unreachable(perp, redis_down):
    from lookup.perp.errors import PERPUnavailable

    perp_is_down(perp)

    with pytest.raises(PERPUnavailable):
        perp_reader().read(Read(endpoints.CUSTOMER, customer_id="CUST-1"))


def test_the_breaker_reads_closed_when_redis_is_unreachable(redis_down):
    assert breaker_state() == "closed"


def test_an_unreachable_redis_costs_a_read_little_time(perp, redis_down):
    perp_answers(perp)

    started = time.monotonic()
    perp_reader().read(Read(endpoints.CUSTOMER, customer_id="CUST-1"))

    assert time.monotonic() - started < 1.0


@pytest.mark.redis
def test_it_degrades_when_redis_stops_mid_run_and_recovers(perp, redis_cache, caplog):
    perp_answers(perp)
    first = perp_reader().read(Read(endpoints.CUSTOMER, customer_id="CUST-1"))

    with using_cache(CLOSED_PORT_REDIS):  # Redis goes away
        during = perp_reader().read(Read(endpoints.CUSTOMER, customer_id="CUST-1"))
    after = perp_reader().read(Read(endpoints.CUSTOMER, customer_id="CUST-1"))  # Redis is back, its copy intact

    assert during.value == first.value
    assert after == first
    assert perp_calls(perp) == 2
    assert len(cache_warnings(caplog)) == 1


@pytest.mark.redis
def test_it_replaces_an_entry_it_cannot_read(perp, redis_cache, caplog):
    key = reading_key("customer", {"customer_id": "CUST-1"})
    unreadable = b"cno_such_module\nGone\n."  # a pickle of a class that no longer exists
    raw_redis = redis.Redis.from_url(redis_config()["LOCATION"])
    raw_redis.set(cache.make_key(key), unreadable)
    perp_answers(perp)

    assert perp_reader().read(Read(endpoints.CUSTOMER, customer_id="CUST-1")).value.name == "Ada Lovelace"
    assert perp_reader().read(Read(endpoints.CUSTOMER, customer_id="CUST-1")).value.name == "Ada Lovelace"
    assert perp_calls(perp) == 1
    with pytest.raises(ModuleNotFoundError):
        pickle.loads(unreadable)


def test_settings_make_a_redis_cache_fail_fast():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(REPO),
           "CACHE_URL": "redis://127.0.0.1:6379/15"}
    script = "import django; django.setup(); from django.conf import settings; " \
             "print(settings.CACHES['default']['OPTIONS'])"

    printed = subprocess.run([sys.executable, "-c", script], env=env, cwd=REPO,
                             capture_output=True, text=True, timeout=60, check=True).stdout

    assert "'SOCKET_CONNECT_TIMEOUT': 0.25" in printed
    assert "'SOCKET_TIMEOUT': 0.25" in printed
    assert "'IGNORE_EXCEPTIONS': False" in printed
