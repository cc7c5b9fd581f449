"""Copies stored at once share Redis round trips, and each is there when its store returns."""

import threading
import time

import pytest
import redis

from lookup.reading import singleflight
from lookup.reading import store as cache_store
from lookup.reading.store import CacheUnavailable

STORES = 20
ROUND_TRIP_SECONDS = 0.02  # long enough that stores arriving together find one in flight


@pytest.fixture
def pipelines(monkeypatch):
    """The pipelines sent to Redis, each as the number of commands in it, slowed down."""
    sent = []
    send = cache_store._redis_pipeline

    def slow_counted(backend, queue):
        def counting(pipe, full_key, encode):
            queue(pipe, full_key, encode)
            sent.append(len(pipe.command_stack))

        time.sleep(ROUND_TRIP_SECONDS)
        return send(backend, counting)

    monkeypatch.setattr(cache_store, "_redis_pipeline", slow_counted)
    return sent


def store_at_once(count, store):
    """`store(n)` on `count` threads released together: {n: what it returned or raised}."""
    gate = threading.Barrier(count)
    outcomes = {}

    def run(n):
        gate.wait()
        try:
            outcomes[n] = store(n)
        except Exception as error:
            outcomes[n] = error

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.redis
def test_copies_stored_at_once_share_round_trips_and_each_is_there_when_its_store_returns(
    redis_cache, pipelines
):
    locks = {n: singleflight.try_lock(f"copy-{n}").lock for n in range(STORES)}
    pipelines.clear()

    def store_copy(n):
        singleflight.store_and_release(locks[n], f"copy-{n}", {"copy": n}, 60)
        return cache_store.get(f"copy-{n}"), cache_store.get(locks[n].key)  # as soon as its store returned

    outcomes = store_at_once(STORES, store_copy)

    assert outcomes == {n: ({"copy": n}, None) for n in range(STORES)}  # stored, its lock released
    assert sum(pipelines) == 2 * STORES  # a set and a release each, every one sent
    assert len(pipelines) < STORES / 2 and max(pipelines) > 2


@pytest.mark.redis
def test_a_copy_stored_alone_is_sent_at_once_in_one_round_trip(redis_cache, pipelines):
    lock = singleflight.try_lock("alone").lock
    pipelines.clear()

    started = time.monotonic()
    singleflight.store_and_release(lock, "alone", "copy", 60)

    assert pipelines == [2]  # its set and its lock's release
    assert time.monotonic() - started < 1
    assert cache_store.get("alone") == "copy"


@pytest.mark.redis
def test_every_store_of_a_failed_round_trip_fails_and_the_next_is_sent(redis_cache, monkeypatch, fresh_warning_limit):
    send = cache_store._redis_pipeline

    def refused(backend, queue):
        time.sleep(ROUND_TRIP_SECONDS)
        raise redis.ConnectionError("refused")

    monkeypatch.setattr(cache_store, "_redis_pipeline", refused)
    failed = store_at_once(8, lambda n: cache_store.set_then_delete_if_equal(f"k{n}", n, 60, f"lock{n}", "t"))
    monkeypatch.setattr(cache_store, "_redis_pipeline", send)

    assert all(isinstance(outcome, CacheUnavailable) for outcome in failed.values())
    cache_store.set_then_delete_if_equal("after", "stored", 60, "lock-after", "t")
    assert cache_store.get("after") == "stored"
