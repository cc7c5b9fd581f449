"""One PERP call per cache key at a time: across threads, workers and instances.

The first reader of a missing or expired key takes a lock (the cache's atomic `add`)
and calls PERP; the others poll the key until a newer value appears. The lock
expires on its own (PERP_CACHE_LOCK_SECONDS), so a holder that crashed delays the
others by at most that; a waiter gives up after PERP_CACHE_WAIT_SECONDS and reads
PERP itself, or serves the stale copy (the caller decides).
"""

import time
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from lookup.reading import store as cache_store
from lookup.reading.keys import lock_key
from lookup.reading.store import CacheUnavailable


@dataclass(frozen=True)
class Lock:
    key: str
    token: str  # proves ownership: only the holder's token releases it


@dataclass(frozen=True)
class Attempt:
    lock: Lock | None  # None while another reader holds it
    value: Any = None  # the key's value, read just after the lock was tried


@dataclass(frozen=True)
class WaitOutcome:
    value: Any = None  # the newer cached value, when the holder stored one in time
    holder_still_busy: bool = False  # the wait ran out while the holder was still fetching


def try_lock(key):
    """An Attempt at the lock on `key`, with `key`'s value read right after it (one
    round trip): what a holder that finished meanwhile stored. Raises CacheUnavailable."""
    return try_locks([key])[key]


def try_locks(keys):
    """try_lock for each of `keys`, all in one round trip: {key: Attempt}."""
    locks = {key: Lock(lock_key(key), uuid.uuid4().hex) for key in keys}
    items = [(lock.key, lock.token, key) for key, lock in locks.items()]
    answers = cache_store.add_then_get_many(items, settings.PERP_CACHE_LOCK_SECONDS)
    return {
        key: Attempt(lock if taken else None, value)
        for (key, lock), (taken, value) in zip(locks.items(), answers)
    }


def release(lock):
    """Give up the lock (None: nothing to give up)."""
    if lock is None:
        return
    try:
        cache_store.delete_if_equal(lock.key, lock.token)
    except CacheUnavailable:
        pass  # the lock expires by itself


def store_and_release(lock, key, value, timeout):
    """Store the fetched value, then release the lock (None: none held): one round trip.
    Raises CacheUnavailable; the lock then expires by itself."""
    if lock is None:
        cache_store.set(key, value, timeout)
    else:
        cache_store.set_then_delete_if_equal(key, value, timeout, lock.key, lock.token)


def wait_for_holder(key, *, is_newer):
    """Poll `key` until `is_newer(value)`, the holder leaves without one, or time runs out."""
    deadline = time.monotonic() + settings.PERP_CACHE_WAIT_SECONDS
    try:
        while True:
            # Lock first, then value: the holder stores before it releases.
            holder_gone = cache_store.get(lock_key(key)) is None
            value = cache_store.get(key)
            if value is not None and is_newer(value):
                return WaitOutcome(value=value)
            if holder_gone:
                return WaitOutcome()
            if time.monotonic() >= deadline:
                return WaitOutcome(holder_still_busy=True)
            time.sleep(settings.PERP_CACHE_POLL_SECONDS)
    except CacheUnavailable:
        return WaitOutcome()
