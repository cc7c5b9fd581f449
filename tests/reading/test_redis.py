"""The cache on Redis: django-redis's backend, its failures seen, one client per process."""

import threading

import pytest
from django.core.cache import cache

from lookup.reading import store as cache_store
from lookup.reading.store import CacheUnavailable
from tests.support.cache import CLOSED_PORT_REDIS, using_cache
from tests.support.settings_probe import settings_from


@pytest.mark.redis
def test_values_written_in_one_round_trip_read_back_through_djangos_cache_api(redis_cache):
    cache_store.set_then_delete_if_equal("copy", {"name": "Ada"}, 60, "lock", "token")
    cache.set("other", ["from", "django"], 60)

    assert cache.get("copy") == {"name": "Ada"}
    assert cache_store.add_then_get("lock", "token", 60, "other") == (True, ["from", "django"])


@pytest.mark.redis
def test_every_thread_uses_the_one_redis_client_of_the_process(redis_cache):
    clients = []

    def first_use():
        clients.append(cache_store.redis_client())

    threads = [threading.Thread(target=first_use) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert len(clients) == 4 and all(client is clients[0] for client in clients)
    assert clients[0].connection_pool is cache_store.redis_client().connection_pool


def test_a_local_memory_cache_has_no_redis_client():
    assert cache_store.redis_client() is None


@pytest.mark.usefixtures("fresh_warning_limit")
def test_a_redis_that_does_not_answer_is_seen_not_ignored(caplog):
    with using_cache(CLOSED_PORT_REDIS):
        with pytest.raises(CacheUnavailable):
            cache_store.get("anything")
        with pytest.raises(CacheUnavailable):
            cache_store.get_many(["anything"])

    assert "Cache unavailable on get" in caplog.text


def test_production_settings_use_django_redis_for_redis_urls():
    caches = settings_from({"CACHE_URL": "redis://127.0.0.1:6379/3"}, "CACHES")["CACHES"]

    assert caches["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    assert caches["default"]["OPTIONS"]["SOCKET_TIMEOUT"] == 0.25
    assert caches["default"]["OPTIONS"]["SOCKET_CONNECT_TIMEOUT"] == 0.25
    assert caches["default"]["OPTIONS"]["IGNORE_EXCEPTIONS"] is False
