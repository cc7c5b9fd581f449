"""A counter every worker and instance adds to, in one cache round trip where it can.

On Redis a count is one script call (INCR, and EXPIRE when it is the first) on the
cache's own redis-py client (django-redis's): Django's cache API needs three round
trips for the same (add; then exists and incr), and every lookup counts once.
Elsewhere (local memory: a laptop, the tests) it is `cache_store.count`. Either way a
cache that does not answer raises `CacheUnavailable`.
"""

import math
from functools import lru_cache

import redis

from lookup.reading import store as cache_store
from lookup.reading.store import CacheUnavailable

_COUNT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


def count(key, timeout):
    """Add one to `key`, which expires `timeout` seconds after its first count; the new count."""
    client = cache_store.redis_client()
    if client is None:
        return cache_store.count(key, timeout)
    try:
        return int(_script(client)(keys=[key], args=[math.ceil(timeout)]))
    except (OSError, redis.RedisError) as error:
        raise CacheUnavailable("count") from error


@lru_cache(maxsize=4)
def _script(client):
    return client.register_script(_COUNT)
