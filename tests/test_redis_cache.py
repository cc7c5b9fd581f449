"""perpdesk's Redis cache backend: Django's, with one redis-py client per pool."""

import pytest

from lookup.redis_cache import RedisCache
from tests.services import require_redis

pytestmark = pytest.mark.redis


@pytest.fixture
def backend():
    cache = RedisCache(require_redis(), {})
    cache.clear()
    yield cache
    cache.clear()


def test_it_stores_and_reads_like_djangos_backend(backend):
    backend.set("greeting", {"text": "hello"}, timeout=30)
    assert backend.add("greeting", "other") is False
    assert backend.get("greeting") == {"text": "hello"}


def test_it_reuses_one_client_for_every_operation(backend):
    assert backend._cache.get_client() is backend._cache.get_client(write=True)


def test_production_settings_use_it_for_redis_urls():
    from tests.settings_probe import settings_from

    caches = settings_from({"CACHE_URL": "redis://127.0.0.1:6379/3"}, "CACHES")["CACHES"]
    assert caches["default"]["BACKEND"] == "lookup.redis_cache.RedisCache"
    assert caches["default"]["OPTIONS"]["socket_timeout"] == 0.25
