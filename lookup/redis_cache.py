"""Django's Redis cache backend, keeping one redis-py client per connection pool.

Django builds a new `redis.Redis` for every cache operation; in redis-py 8 that
builds its whole response-callback table each time, which was most of a cached
read's CPU (a PERP read makes about six cache operations). A redis-py client is
thread-safe and holds no connection of its own, so one per pool is enough.
"""

import threading

from django.core.cache.backends import redis as django_redis


class _ReusingClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self._clients_lock = threading.Lock()

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            with self._clients_lock:
                client = self._clients.get(index) or self._new_client(index)
        return client

    def _new_client(self, index):
        client = self._client(connection_pool=self._get_connection_pool(index))
        self._clients[index] = client
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusingClient
