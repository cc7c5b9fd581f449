"""Single flight: concurrent readers of one missing or expired key make one PERP call,
within a process (threads) and across processes sharing Redis."""

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.test import override_settings

from lookup.reading import singleflight
from lookup.reading.keys import reading_key
from lookup.perp.errors import PERPUnavailable
from lookup.perp import endpoints
from lookup.reading.reader import Read, perp_reader
from sandbox_perp.server import SandboxServer
from tests.support.cache import customer_json, customer_url, envelope, perp_answers, perp_calls, redis_config

REPO = Path(__file__).resolve().parents[2]
SLOW_PERP_SECONDS = 0.3
CUSTOMER_KEY = reading_key("customer", {"customer_id": "CUST-1"})


def slow_perp_answers(perp, name="Ada Lovelace"):
    def answer(request):
        time.sleep(SLOW_PERP_SECONDS)
        return 200, {}, json.dumps(envelope(customer_json(name=name)))

    perp.add_callback("GET", customer_url(), callback=answer, content_type="application/json")


def read_concurrently(count, read):
    start = threading.Barrier(count)
    results, errors = [], []

    def worker():
        start.wait()
        try:
            results.append(read())
        except Exception as error:  # collected and asserted on below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results, errors


def test_ten_threads_reading_a_missing_key_make_one_perp_call(perp, cache_backend):
    slow_perp_answers(perp)

    results, errors = read_concurrently(10, lambda: perp_reader().read(Read(endpoints.CUSTOMER, customer_id="CUST-1")))

    assert errors == []
    assert len(results) == 10
    assert {reading.value.name for reading in results} == {"Ada Lovelace"}
    assert perp_calls(perp) == 1


def test_a_reader_that_missed_just_before_another_stored_makes_no_second_call(
    perp, cache_backend, monkeypatch
):
    perp_answers(perp)
    take_lock = singleflight.try_lock
    raced = []

    def lock_after_another_reader_finished(key):
        monkeypatch.setattr(singleflight, "try_lock", take_lock)
        # Between this reader's miss and its lock, another reader fetches and stores.
        raced.append(perp_reader().read(Read(endpoints.CUSTOMER, customer_id="CUST-1")))
        return take_lock(key)

    monkeypatch.setattr(singleflight, "try_lock", lock_after_another_reader_finished)

    reading = perp_reader().read(Read(endpoints.CUSTOMER, customer_id="CUST-1"))

    assert reading.value == raced[0].value
    assert perp_calls(perp) == 1


def test_ten_threads_reading_an_expired_key_make_one_perp_call(perp, cache_backend, frozen_clock):
    perp_answers(perp)
    perp_reader().read(Read(endpoints.CUSTOMER, customer_id="CUST-1"))
    frozen_clock.advance(121)
    perp.reset()
    slow_perp_answers(perp, name="Ada King")

    results, errors = read_concurrently(10, lambda: perp_reader().read(Read(endpoints.CUSTOMER, customer_id="CUST-1")))

    assert errors == []
    assert {reading.value.name for reading in results} == {"Ada King"}
    assert perp_calls(perp) == 1


def test_refreshing_threads_share_one_perp_call(perp, cache_backend):
    perp_answers(perp)
    perp_reader().read(Read(endpoints.CUSTOMER, customer_id="CUST-1"))
    perp.reset()
    slow_perp_answers(perp, name="Ada King")

    results, errors = read_concurrently(5, lambda: perp_reader(refresh=True).read(Read(endpoints.CUSTOMER, customer_id="CUST-1")))

    assert errors == []
    assert {reading.value.name for reading in results} == {"Ada King"}
    assert perp_calls(perp) == 1


def test_a_lock_is_released_only_by_its_holder(cache_backend):
    lock = singleflight.try_lock(CUSTOMER_KEY).lock
    assert singleflight.try_lock(CUSTOMER_KEY).lock is None

    singleflight.release(singleflight.Lock(lock.key, token="someone-else"))
    assert singleflight.try_lock(CUSTOMER_KEY).lock is None

    singleflight.release(lock)
    assert singleflight.try_lock(CUSTOMER_KEY).lock is not None


@override_settings(PERP_CACHE_LOCK_SECONDS=1)
def test_a_crashed_holder_blocks_others_only_until_its_lock_expires(cache_backend):
    assert singleflight.try_lock(CUSTOMER_KEY).lock is not None  # and never released

    time.sleep(1.2)

    assert singleflight.try_lock(CUSTOMER_KEY).lock is not None


@override_settings(PERP_CACHE_WAIT_SECONDS=0.2)
def test_a_waiter_calls_perp_itself_when_the_holder_takes_too_long(perp, cache_backend):
    singleflight.try_lock(CUSTOMER_KEY)  # a holder stuck on PERP
    perp_answers(perp)

    reading = perp_reader().read(Read(endpoints.CUSTOMER, customer_id="CUST-1"))

    assert reading.value.name == "Ada Lovelace"
    assert perp_calls(perp) == 1


@override_settings(PERP_CACHE_WAIT_SECONDS=0.2)
def test_a_waiter_shows_the_stale_copy_when_the_holder_takes_too_long(
    perp, cache_backend, frozen_clock
):
    perp_answers(perp)
    first = perp_reader().read(Read(endpoints.CUSTOMER, customer_id="CUST-1"))
    frozen_clock.advance(121)
    singleflight.try_lock(CUSTOMER_KEY)  # a holder stuck on PERP

    reading = perp_reader().read(Read(endpoints.CUSTOMER, customer_id="CUST-1"))

    assert reading.value == first.value
    assert isinstance(reading.stale_because, PERPUnavailable)
    assert reading.stale_because.reason == "timeout"
    assert perp_calls(perp) == 1


def test_a_waiter_calls_perp_itself_when_the_holder_fails(perp, cache_backend):
    lock = singleflight.try_lock(CUSTOMER_KEY).lock
    perp_answers(perp)
    results = []
    waiter = threading.Thread(target=lambda: results.append(perp_reader().read(Read(endpoints.CUSTOMER, customer_id="CUST-1"))))
    waiter.start()
    time.sleep(0.2)
    assert results == []  # still waiting for the holder

    singleflight.release(lock)  # the holder gives up without storing a copy
    waiter.join(timeout=5)

    assert results[0].value.name == "Ada Lovelace"
    assert perp_calls(perp) == 1


# --- Two processes sharing Redis --------------------------------------------------

CHILD_SCRIPT = """
import sys
import django

django.setup()
from lookup.perp import endpoints
from lookup.reading.reader import Read, perp_reader

print("ready", flush=True)
sys.stdin.readline()
reading = perp_reader().read(Read(endpoints.CUSTOMER, customer_id="CUST-1001"))
print(reading.value.customer_id, flush=True)
"""


@pytest.fixture
def slow_sandbox():
    server = SandboxServer(port=0, key="sandbox-test-key").start()
    server.set_faults(latency_ms=500)
    yield server
    server.stop()


def start_child(sandbox):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PYTHONPATH": str(REPO),
        "CACHE_URL": redis_config()["LOCATION"],
        "PERP_API_URL": sandbox.base_url,
        "PERP_API_KEY": sandbox.key,
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-c", CHILD_SCRIPT],
        cwd=REPO, env=env, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


@pytest.mark.redis
@pytest.mark.integration
@pytest.mark.slow
def test_two_processes_sharing_redis_make_one_perp_call(redis_cache, slow_sandbox):
    children = [start_child(slow_sandbox) for _ in range(2)]
    for child in children:
        assert child.stdout.readline().strip() == "ready", child.stderr.read()
    slow_sandbox.reset_stats()

    for child in children:
        child.stdin.write("go\n")
        child.stdin.flush()
    outputs = [child.communicate(timeout=30) for child in children]

    assert [out.strip() for out, _ in outputs] == ["CUST-1001", "CUST-1001"], outputs
    assert slow_sandbox.stats()["/api/customers/{id}"] == 1
