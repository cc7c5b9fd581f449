"""The cache access under the reading layer: shared by all of a page's threads."""

import threading
import time

import pytest
import redis

from lookup.reading import store as cache_store
from lookup.reading.store import CacheUnavailable
from tests.support.fanout import run_concurrently
from lookup.perp import endpoints
from lookup.reading.reader import Read, perp_reader
from tests.support.cache import CLOSED_PORT_REDIS, batch_answers, perp_answers, using_cache

PAGE_THREADS = 8
PAGES = 5


def read_customer():
    return perp_reader().read(Read(endpoints.CUSTOMER, customer_id="CUST-1"))


def read_pages(outcomes):
    for _ in range(PAGES):  # each page reads on fan-out threads of its own
        reads = {f"read{i}": read_customer for i in range(PAGE_THREADS)}
        outcomes.extend(run_concurrently(reads, workers=PAGE_THREADS).values())


PAGE_THREAD_NAMES = ("page-request", "perpdesk-fanout")


@pytest.fixture
def pools_created(monkeypatch):
    """Pools created by the test's page threads (a thread another test left behind may
    make its own: not this test's business)."""
    created = []
    from_url = redis.ConnectionPool.from_url.__func__

    def counting_from_url(cls, *args, **kwargs):
        if threading.current_thread().name.startswith(PAGE_THREAD_NAMES):
            created.append(cls)
        return from_url(cls, *args, **kwargs)

    monkeypatch.setattr(redis.ConnectionPool, "from_url", classmethod(counting_from_url))
    return created


@pytest.mark.redis
def test_page_threads_share_one_redis_connection_pool(perp, redis_cache, pools_created):
    perp_answers(perp)
    outcomes = []

    # A new thread starts with an empty context, like a request thread that has not
    # touched the cache yet (the fan-out copies the request thread's context).
    request_thread = threading.Thread(target=read_pages, args=(outcomes,), name="page-request")
    request_thread.start()
    request_thread.join(timeout=30)

    assert len(outcomes) == PAGES * PAGE_THREADS
    assert all(outcome.ok for outcome in outcomes)
    assert len(pools_created) <= 1


def test_threads_racing_to_the_first_read_build_one_backend(settings, monkeypatch):
    from lookup.reading import store as cache_store

    settings.CACHES = settings.CACHES  # a settings change forgets the shared backend
    built = []
    create_connection = cache_store.caches.create_connection

    def slow_create_connection(alias):
        built.append(alias)
        time.sleep(0.05)  # widen the window in which a second thread could start one
        return create_connection(alias)

    monkeypatch.setattr(cache_store.caches, "create_connection", slow_create_connection)
    start = threading.Barrier(PAGE_THREADS)
    stored = []

    def first_write(n):
        start.wait()
        stored.append(cache_store.add(f"race-{n}", n, 60))

    threads = [threading.Thread(target=first_write, args=(n,)) for n in range(PAGE_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert len(built) == 1
    assert stored == [True] * PAGE_THREADS
    keys = [f"race-{n}" for n in range(PAGE_THREADS)]
    assert cache_store.get_many(keys) == {key: n for n, key in enumerate(keys)}  # all in the one backend


# --- two operations in one round trip ------------------------------------------------


@pytest.mark.usefixtures("cache_backend")
def test_add_then_get_takes_a_free_key_and_reads_the_other_after_it():
    cache_store.set("value-key", "stored", 60)

    assert cache_store.add_then_get("lock-key", "token-1", 60, "value-key") == (True, "stored")
    assert cache_store.add_then_get("lock-key", "token-2", 60, "value-key") == (False, "stored")
    assert cache_store.get("lock-key") == "token-1"


@pytest.mark.usefixtures("cache_backend")
def test_add_then_get_of_a_missing_value_reads_none():
    assert cache_store.add_then_get("lock-key", "token", 60, "missing-key") == (True, None)


@pytest.mark.usefixtures("cache_backend")
def test_set_then_delete_if_equal_deletes_only_the_holders_token():
    cache_store.add("lock-key", "holder", 60)

    cache_store.set_then_delete_if_equal("value-key", "first", 60, "lock-key", "someone-else")
    assert (cache_store.get("value-key"), cache_store.get("lock-key")) == ("first", "holder")

    cache_store.set_then_delete_if_equal("value-key", "second", 60, "lock-key", "holder")
    assert (cache_store.get("value-key"), cache_store.get("lock-key")) == ("second", None)


def test_both_pairs_fail_as_cache_unavailable_when_redis_is_down():
    with using_cache(CLOSED_PORT_REDIS):
        with pytest.raises(CacheUnavailable):
            cache_store.add_then_get("lock-key", "token", 60, "value-key")
        with pytest.raises(CacheUnavailable):
            cache_store.set_then_delete_if_equal("value-key", "v", 60, "lock-key", "token")


@pytest.fixture
def redis_round_trips(monkeypatch):
    """Counts the commands and pipelines sent to Redis (a pipeline is one round trip)."""
    sent = []
    execute_command = redis.Redis.execute_command
    execute_pipeline = redis.client.Pipeline.execute

    def command(self, *args, **options):
        if not isinstance(self, redis.client.Pipeline):
            sent.append(args[0])
        return execute_command(self, *args, **options)

    def pipeline(self, *args, **kwargs):
        sent.append("PIPELINE")
        return execute_pipeline(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "execute_command", command)
    monkeypatch.setattr(redis.client.Pipeline, "execute", pipeline)
    return sent


@pytest.mark.redis
def test_a_miss_makes_four_round_trips_to_redis(perp, redis_cache, redis_round_trips):
    perp_answers(perp)

    read_customer()

    # Read; lock and look again; the breaker; store and unlock. No breaker reset:
    # nothing had failed.
    assert redis_round_trips == ["GET", "PIPELINE", "MGET", "PIPELINE"]


@pytest.mark.redis
def test_a_page_round_locks_its_misses_together_and_their_threads_only_fetch(
    perp, redis_cache, redis_round_trips
):
    perp_answers(perp, "CUST-1")
    perp_answers(perp, "CUST-2")
    reader = perp_reader()
    page_round = {customer_id: Read(endpoints.CUSTOMER, customer_id=customer_id) for customer_id in ("CUST-1", "CUST-2")}

    copies, sent = batch_answers(reader, page_round)
    batch = list(redis_round_trips)
    readings = [fetch() for fetch in sent.values()]

    assert copies == {} and [reading.value.customer_id for reading in readings] == ["CUST-1", "CUST-2"]
    # Copies and breaker state; both locks. Then each thread: store and unlock.
    assert batch == ["MGET", "PIPELINE"]
    assert redis_round_trips[len(batch):] == ["PIPELINE", "PIPELINE"]


@pytest.mark.redis
def test_a_warm_page_round_is_one_round_trip(perp, redis_cache, redis_round_trips):
    perp_answers(perp, "CUST-1")
    reader = perp_reader()
    reader.read(Read(endpoints.CUSTOMER, customer_id="CUST-1"))
    redis_round_trips.clear()

    copies, _ = batch_answers(reader, {"customer": Read(endpoints.CUSTOMER, customer_id="CUST-1")})

    assert list(copies) == ["customer"]
    assert redis_round_trips == ["MGET"]
