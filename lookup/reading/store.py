"""The cache as the reading layer uses it: a failing cache never fails a read.

Every backend failure becomes `CacheUnavailable`, which callers turn into "read PERP
directly"; the failure is logged at WARNING, at most once a minute per process, so a
Redis outage shows in the logs without flooding them. (django-redis is configured not
to ignore exceptions: perpdesk sees every failure and decides itself.)

On Redis (django-redis) the pairs of operations below are one round trip: a pipeline
on django-redis's raw redis-py client, keys and values made by its client's own
`make_key` and `encode`, so each side reads what the other wrote.
"""

import logging
import math
import threading
import time

import redis
from django.core.cache import caches
from django.core.signals import setting_changed
from django.dispatch import receiver
from django_redis.cache import RedisCache

logger = logging.getLogger(__name__)

WARNING_INTERVAL_SECONDS = 60.0

# Errors that mean "the cache server is not answering" rather than "this one value is bad".
_SERVER_ERRORS = (OSError, redis.RedisError)

# Compare-and-delete in one step: Django's cache API has none.
_DELETE_IF_EQUAL = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class CacheUnavailable(Exception):
    """The cache did not answer; the caller goes on without it."""


class _WarningLimiter:
    def __init__(self, interval):
        self.interval = interval
        self._lock = threading.Lock()
        self._last_at = -math.inf
        self._suppressed = 0

    def warn(self, message, *args):
        with self._lock:
            now = time.monotonic()
            if now - self._last_at < self.interval:
                self._suppressed += 1
                return
            suppressed, self._last_at, self._suppressed = self._suppressed, now, 0
        logger.warning(message + " (%d similar warnings suppressed)", *args, suppressed)


_warnings = _WarningLimiter(WARNING_INTERVAL_SECONDS)


_backend_lock = threading.Lock()
_shared_backend = None


def _backend():
    """One backend for the process, shared by all threads.

    `caches["default"]` gives each thread, and each fan-out task's copied context, a
    backend of its own: for django-redis a new client and a new redis-py `Redis` (whose
    construction was most of a cached read's CPU; the pool is shared either way).
    django-redis's backend (redis-py's pool) and LocMemCache are safe to share. The
    lock keeps a page's first fan-out threads from each building one.
    """
    global _shared_backend
    backend = _shared_backend
    if backend is None:
        with _backend_lock:
            if _shared_backend is None:
                _shared_backend = caches.create_connection("default")
            backend = _shared_backend
    return backend


@receiver(setting_changed)
def _follow_new_cache_settings(*, setting, **kwargs):
    global _shared_backend
    if setting == "CACHES":
        with _backend_lock:
            _shared_backend = None


def _unavailable(operation, error):
    _warnings.warn(
        "Cache unavailable on %s (%s: %s); reading PERP directly",
        operation, type(error).__name__, error,
    )
    return CacheUnavailable(operation)


def _guarded(operation, call):
    try:
        return call()
    except Exception as error:  # each backend raises its own types; none may fail a page
        raise _unavailable(operation, error) from error


def get(key):
    """The cached value, or None when absent or unreadable (an old or corrupt pickle)."""
    try:
        return _backend().get(key)
    except _SERVER_ERRORS as error:
        raise _unavailable("get", error) from error
    except Exception as error:  # unpickling raises many types; the next write replaces it
        _warnings.warn("Unreadable cache entry treated as a miss (%s)", type(error).__name__)
        return None


def get_many(keys):
    """{key: value} of the keys present; {} when one entry is unreadable (callers read
    them one by one then, which treats just that one as a miss)."""
    try:
        return _backend().get_many(keys)
    except _SERVER_ERRORS as error:
        raise _unavailable("get_many", error) from error
    except Exception as error:
        _warnings.warn("Unreadable cache entry in a batch read (%s)", type(error).__name__)
        return {}


def set(key, value, timeout):
    _guarded("set", lambda: _backend().set(key, value, math.ceil(timeout)))


def set_many(values, timeout):
    """Store {key: value}, in one round trip on Redis."""
    _guarded("set", lambda: _backend().set_many(values, math.ceil(timeout)))


def add(key, value, timeout):
    """Store only if absent, atomically; True when this call stored it."""
    return _guarded("add", lambda: _backend().add(key, value, math.ceil(timeout)))


def delete_many(keys):
    _guarded("delete", lambda: _backend().delete_many(keys))


def count(key, timeout):
    """Atomically add one to a counter that expires `timeout` after its first count."""
    if add(key, 1, timeout):
        return 1
    counted = _guarded("incr", lambda: _incr_existing(key))
    return counted if counted is not None else count(key, timeout)


def _incr_existing(key):
    try:
        return _backend().incr(key)
    except ValueError:  # it expired between add and incr
        return None


def delete_if_equal(key, value):
    """Delete `key` only while it still holds `value` (atomic on Redis, nearly so elsewhere)."""
    backend = _backend()
    if isinstance(backend, RedisCache):
        _guarded("delete", lambda: _redis_delete_if_equal(backend, key, value))
    elif _guarded("get", lambda: backend.get(key)) == value:
        _guarded("delete", lambda: backend.delete(key))


def add_then_get(add_key, add_value, timeout, key):
    """`add(add_key, ...)`, then `get(key)`: (added, value), in one round trip on Redis.

    The value is read after the add, so a lock taken this way sees what the previous
    holder stored before releasing it.
    """
    return add_then_get_many([(add_key, add_value, key)], timeout)[0]


def add_then_get_many(items, timeout):
    """add_then_get for each (add_key, add_value, key) of `items`, all in one round trip
    on Redis: a list of (added, value) in their order."""
    backend = _backend()
    if not isinstance(backend, RedisCache):
        return [(add(add_key, add_value, timeout), get(key)) for add_key, add_value, key in items]

    def send(pipe, full_key, encode):
        for add_key, add_value, key in items:
            pipe.set(full_key(add_key), encode(add_value), nx=True, ex=math.ceil(timeout))
            pipe.get(full_key(key))

    answers = _guarded("add", lambda: _redis_pipeline(backend, send))
    return [(bool(added), _loads(backend, raw)) for added, raw in zip(answers[::2], answers[1::2])]


def set_then_delete_if_equal(key, value, timeout, delete_key, delete_value):
    """`set(key, ...)`, then `delete_if_equal(delete_key, delete_value)`: one round trip on Redis."""
    backend = _backend()
    if not isinstance(backend, RedisCache):
        set(key, value, timeout)
        delete_if_equal(delete_key, delete_value)
        return

    def send(pipe, full_key, encode):
        pipe.set(full_key(key), encode(value), ex=math.ceil(timeout))
        pipe.eval(_DELETE_IF_EQUAL, 1, full_key(delete_key), encode(delete_value))

    _stores.write(backend, send)


class _StoreQueue:
    """Copies stored by several threads at once go to Redis in one pipeline (a group commit).

    A thread whose store finds no other in flight sends it at once, alone: a copy is
    never held back to wait for others. One that arrives while a pipeline is in flight
    queues, and when that pipeline is answered the first queued thread sends everything
    queued by then in one. So each copy is visible after at most the round trip already
    under way plus its own, and a page round whose answers arrive together (a second
    round's twenty) costs a few round trips instead of twenty. Each thread returns once
    its own copy is stored, or raises CacheUnavailable if its pipeline failed.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._queued = []
        self._in_flight = False

    def write(self, backend, send):
        store = _QueuedStore(send)
        with self._lock:
            self._queued.append(store)
            leads = not self._in_flight
            self._in_flight = True
        if not leads:
            store.settled.wait()
            leads = store.leads
        if leads:
            self._send_queued(backend)
        if store.error is not None:
            raise CacheUnavailable(store.error)

    def _send_queued(self, backend):
        with self._lock:
            batch, self._queued = self._queued, []
        try:
            _guarded("set", lambda: _redis_pipeline(backend, lambda *codec: [s.send(*codec) for s in batch]))
        except CacheUnavailable as error:
            for store in batch:
                store.error = str(error)
        finally:
            with self._lock:
                following = self._queued[0] if self._queued else None
                self._in_flight = following is not None
            for store in batch:
                store.settled.set()
            if following is not None:  # it sends what queued meanwhile, its own included
                following.leads = True
                following.settled.set()


class _QueuedStore:
    __slots__ = ("send", "settled", "leads", "error")

    def __init__(self, send):
        self.send = send
        self.settled = threading.Event()  # stored, failed, or this thread is to send the next batch
        self.leads = False
        self.error = None


_stores = _StoreQueue()


def redis_client():
    """The cache's raw redis-py client (what `django_redis.get_redis_connection` gives, of
    the process's shared backend), or None when the cache is not Redis."""
    backend = _backend()
    return backend.client.get_client(write=True) if isinstance(backend, RedisCache) else None


def _redis_delete_if_equal(backend, key, value):
    codec = backend.client
    codec.get_client(write=True).eval(_DELETE_IF_EQUAL, 1, codec.make_key(key), codec.encode(value))


def _redis_pipeline(backend, send):
    """The answers to the commands `send(pipe, full_key, encode)` queues, in one round trip."""
    codec = backend.client
    pipe = codec.get_client(write=True).pipeline(transaction=False)
    send(pipe, codec.make_key, codec.encode)
    return pipe.execute()


def _loads(backend, raw):
    if raw is None:
        return None
    try:
        return backend.client.decode(raw)
    except Exception as error:  # as in get(): an unreadable entry is a miss
        _warnings.warn("Unreadable cache entry treated as a miss (%s)", type(error).__name__)
        return None
