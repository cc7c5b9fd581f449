"""A counter every worker and instance adds to, in one cache round trip where it can.

On Redis a count is one script call (INCR, and EXPIRE when it is the first), through a
redis-py client of its own on the cache's server and timeouts: Django's cache API
needs three round trips for the same (add; then exists and incr), and every lookup
counts once. Elsewhere (local memory: a laptop, the tests) it is `cache_store.count`.
Either way a cache that does not answer raises `CacheUnavailable`.
"""

import math
from functools import lru_cache

import redis
from django.conf import settings

from lookup import cache_store
from lookup.cache_store import CacheUnavailable

REDIS_BACKENDS = ("lookup.redis_cache.RedisCache", "django.core.cache.backends.redis.RedisCache")

_COUNT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


def count(key, timeout):
    """Add one to `key`, which expires `timeout` seconds after its first count; the new count."""
    config = settings.CACHES["default"]
    if config["BACKEND"] not in REDIS_BACKENDS:
        return cache_store.count(key, timeout)
    options = config.get("OPTIONS", {})
    script = _script(_first_server(config["LOCATION"]), options.get("socket_connect_timeout"),
                     options.get("socket_timeout"))
    try:
        return int(script(keys=[key], args=[math.ceil(timeout)]))
    except (OSError, redis.RedisError) as error:
        raise CacheUnavailable("count") from error


def _first_server(location):
    """Django's RedisCache writes to the first of several servers."""
    servers = location.split(",") if isinstance(location, str) else location
    return servers[0].strip()


@lru_cache(maxsize=4)
def _script(url, connect_timeout, timeout):
    client = redis.Redis.from_url(url, socket_connect_timeout=connect_timeout, socket_timeout=timeout)
    return client.register_script(_COUNT)
