"""The cache access under the reading layer: shared by all of a page's threads."""

import threading
import time

import pytest
import redis

from lookup.fanout import run_concurrently
from lookup.reading import perp_reader
from tests.cache_support import perp_answers, redis_cache  # noqa: F401  (fixtures)

PAGE_THREADS = 8
PAGES = 5


def read_customer():
    return perp_reader().get_customer("CUST-1")


def read_pages(outcomes):
    for _ in range(PAGES):  # each page reads on fan-out threads of its own
        reads = {f"read{i}": read_customer for i in range(PAGE_THREADS)}
        outcomes.extend(run_concurrently(reads, workers=PAGE_THREADS).values())


@pytest.fixture
def pools_created(monkeypatch):
    created = []
    from_url = redis.ConnectionPool.from_url.__func__

    def counting_from_url(cls, *args, **kwargs):
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
    request_thread = threading.Thread(target=read_pages, args=(outcomes,))
    request_thread.start()
    request_thread.join(timeout=30)

    assert len(outcomes) == PAGES * PAGE_THREADS
    assert all(outcome.ok for outcome in outcomes)
    assert len(pools_created) <= 1


def test_threads_racing_to_the_first_read_build_one_backend(settings, monkeypatch):
    from lookup import cache_store

    settings.CACHES = settings.CACHES  # a settings change forgets the shared backend
    built = []
    create_connection = cache_store.caches.create_connection

    def slow_create_connection(alias):
        built.append(alias)
        time.sleep(0.05)  # widen the window in which a second thread could start one
        return create_connection(alias)

    monkeypatch.setattr(cache_store.caches, "create_connection", slow_create_connection)
    start = threading.Barrier(PAGE_THREADS)
    backends = []

    def first_read():
        start.wait()
        backends.append(cache_store._backend())

    threads = [threading.Thread(target=first_read) for _ in range(PAGE_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert len(built) == 1
    assert len(backends) == PAGE_THREADS
    assert all(backend is backends[0] for backend in backends)
