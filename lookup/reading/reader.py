"""The reading layer: every PERP read perpdesk makes goes through a `Reader`.

A page says which reads it needs as plain data — `Read(endpoints.CUSTOMER,
customer_id=...)`, named — and starts them as one round: `reader.start(reads,
fanout=...)` reads every fresh copy and the breaker's state in one cache round trip,
takes the misses' fetch locks in one more, and hands only the misses to the fan-out.
The `Round` then gives each read's `Reading` (or its error) by name. `reader.read(read)`
is one read on its own. A `Reading` is the value (None when PERP says "not found"),
when PERP produced it and, when PERP failed and an older copy is served instead, the
error that made it stale.

Reads are cached in CACHES["default"] (Redis in production: shared by all workers):
- a copy is fresh for its endpoint's freshness setting, then kept
  PERP_STALE_GRACE_SECONDS longer to be served when PERP fails;
- "not found" is kept PERP_NOT_FOUND_SECONDS; a bad response or an API error is
  remembered PERP_ERROR_SECONDS in the copy's place, with the copy (lookup.reading.error_memory);
- concurrent readers of one expired key make one PERP call (lookup.reading.singleflight);
- repeated unavailability opens a circuit breaker (lookup.reading.breaker);
- the cache failing only means reading PERP directly (lookup.reading.store).
"""

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from lookup.reading import breaker, error_memory, singleflight, store as cache_store

from lookup import clock
from lookup.reading.keys import reading_key
from lookup.reading.store import CacheUnavailable
from lookup.reading.error_memory import REMEMBERED_ERRORS, is_remembered, last_copy
from lookup.pages.fanout import Outcome
from lookup.perp.client import client_from_settings
from lookup.perp.endpoints import Endpoint
from lookup.perp.errors import PERPBadResponse, PERPError, PERPUnavailable

logger = logging.getLogger(__name__)

# Failures after which the last good copy is served. A bad response too: PERP answering
# off-contract (a 500, an HTML error page) is a passing fault, and the last good copy
# says more than an error. Auth and API errors are not: they are PERP's definite answer
# (a key to fix, a request it refuses), and hiding them behind old data would delay
# the fix or contradict PERP.
STALE_WORTHY_ERRORS = (PERPUnavailable, PERPBadResponse)

# Called as observer(event, name) for metrics, `name` an endpoint's. Events: "hit" (a
# fresh cached copy served), "miss" / "bypass" (PERP asked for lack of a fresh copy /
# for Refresh), "stale" (an expired copy served because PERP failed), "error" (the
# cache failed), "remembered" (PERP not asked: it failed this read moments ago).
CACHE_OBSERVERS = []


@dataclass(frozen=True, init=False)
class Read:
    """One read a page needs: an endpoint and its parameters, defaults filled in (so
    two Reads of the same thing are equal however their parameters were given)."""

    endpoint: Endpoint
    params: tuple  # ((name, value), ...) in the endpoint's order
    key: str = field(compare=False, repr=False)  # its cache key

    def __init__(self, endpoint, **params):
        params = endpoint.params(**params)
        object.__setattr__(self, "endpoint", endpoint)
        object.__setattr__(self, "params", tuple(params.items()))
        object.__setattr__(self, "key", reading_key(endpoint.name, params))


@dataclass(frozen=True)
class Reading:
    value: Any  # a lookup.perp.models value, or None for "not found"
    fetched_at: datetime  # when PERP produced this copy (aware, UTC)
    stale_because: PERPError | None = None  # PERP's failure when an older copy is served
    fresh_until: datetime | None = None  # when the cached copy stops being fresh; None: read past the cache

    @property
    def is_stale(self):
        return self.stale_because is not None

    @property
    def age(self):
        return clock.now() - self.fetched_at


@dataclass(frozen=True)
class CachedReading:
    """What the cache holds for one read (pickled: the models are frozen dataclasses)."""

    value: Any
    fetched_at: datetime
    fresh_until: datetime
    fetch_id: str  # tells a waiter that a newer copy has arrived

    def is_fresh(self):
        return clock.now() < self.fresh_until

    def reading(self, *, stale_because=None):
        return Reading(self.value, self.fetched_at, stale_because, self.fresh_until)


@dataclass(frozen=True)
class _Prepared:
    """What a round's batch found for a read it hands on to a thread to fetch."""

    cached: Any  # the cached entry (None: nothing cached)
    attempt: Any = None  # singleflight.Attempt, when the batch tried the fetch lock
    permit: Any = None  # breaker.Permit, when the batch found the breaker closed


class Round:
    """A round of reads under way: a page takes each outcome when it needs it, so the
    reads that depend on one answer start as soon as that one is in."""

    def __init__(self, fanout, copies, futures):
        self._fanout = fanout
        self._copies = copies  # {name: Reading} answered by the round's batch
        self._futures = futures  # {name: Future} of the reads sent to the fan-out

    def outcomes(self, *names):
        """{name: fan-out Outcome of a Reading or an error}, waiting for those still
        being read; every read of the round when no name is given."""
        names = names or (*self._copies, *self._futures)
        read = self._fanout.outcomes({name: self._futures[name] for name in names if name in self._futures})
        return {name: Outcome(value=self._copies[name]) if name in self._copies else read[name] for name in names}


class Reader:
    """PERP's endpoints, each read answered through the cache."""

    def __init__(self, client, *, refresh=False):
        self._client = client
        self.refresh = refresh  # True: bypass fresh cached copies (the Refresh button)

    def read(self, read):
        """One Read's Reading, on this thread; raises a lookup.perp.errors error."""
        return _read(read.endpoint, self._asker(read), read.key, self.refresh)

    def start(self, reads, *, fanout):
        """Start a round of `reads` ({name: Read}): the Round answers each by name.

        Each fresh copy comes from one cache round trip, with the breaker's state; while
        the breaker is open each expired copy too, marked stale (PERP would not be asked
        anyway; half-open, the reads go on to let one probe through). The misses' fetch
        locks are tried in one more round trip, and only the misses go to `fanout`'s
        threads, which then just call PERP. A warm page so starts no thread at all.
        """
        copies, prepared = self._batch(reads)
        futures = fanout.start({
            name: self._task(read, prepared.get(name)) for name, read in reads.items() if name not in copies
        })
        return Round(fanout, copies, futures)

    def _task(self, read, prepared):
        if prepared is None:
            return lambda: self.read(read)
        return lambda: _fetch_once(
            read.endpoint, read.key, self._asker(read), prepared.cached, self.refresh, prepared
        )

    def _asker(self, read):
        return lambda: self._client.get(read.endpoint, **dict(read.params))

    def _batch(self, reads):
        """({name: Reading} of the copies to use without asking PERP, {name: _Prepared}
        of what the batch found for the others)."""
        copies, prepared = {}, {}
        if self.refresh:
            return copies, prepared
        try:
            found = cache_store.get_many([read.key for read in reads.values()] + breaker.state_keys())
        except CacheUnavailable:
            return copies, prepared
        # Open, not half-open: then the first read through `_read` is the probe.
        stale_allowed = breaker.state_of(found) == breaker.OPEN
        misses = {}
        for name, read in reads.items():
            entry = found.get(read.key)
            if is_remembered(entry):
                _answer_remembered_later(name, read, entry, copies, prepared)
                continue
            copy = last_copy(entry)  # of a remembered failure past its time too
            if copy is not None and copy.is_fresh():
                notify_cache_event("hit", read.endpoint.name)
                copies[name] = copy.reading()
            elif copy is not None and stale_allowed:
                kept_from_perp = PERPUnavailable(read.endpoint.path, "breaker_open", attempts=0)
                copies[name] = _serve_stale(read.endpoint, copy, kept_from_perp)
            else:
                misses[name] = (read, entry)
        _prepare_misses(misses, breaker.closed_permit(found), copies, prepared)
        return copies, prepared


def perp_reader(*, refresh=False):
    return Reader(client_from_settings(), refresh=refresh)


def _answer_remembered_later(name, read, memory, copies, prepared):
    """A remembered failure found by a round's batch: its last copy now, if it is served
    stale; else the read's thread raises the error (no PERP call either way)."""
    stale = _stale_from_memory(memory)
    if stale is not None:
        notify_cache_event("remembered", read.endpoint.name)
        copies[name] = stale
    else:
        prepared[name] = _Prepared(memory)


def _prepare_misses(misses, permit, copies, prepared):
    """Try the fetch locks of all `misses` ({name: (read, entry)}) in one round trip and
    leave in `prepared` what the batch found for each: its thread then only calls PERP.
    The copies that another reader stored meanwhile go to `copies` (their locks given back).
    """
    if not misses:
        return
    try:
        attempts = singleflight.try_locks({read.key for read, _ in misses.values()})
    except CacheUnavailable:
        attempts = {}
    for name, (read, cached) in misses.items():
        attempt = attempts.pop(read.key, None)  # a key read twice in a round: the second waits
        if attempt is not None and attempt.lock is not None and _stored_since(attempt.value, cached):
            singleflight.release(attempt.lock)
            _answer_stored(name, read, attempt.value, copies, prepared)
        else:
            prepared[name] = _Prepared(cached, attempt, permit)


def _answer_stored(name, read, entry, copies, prepared):
    if is_remembered(entry):
        _answer_remembered_later(name, read, entry, copies, prepared)
    else:
        notify_cache_event("hit", read.endpoint.name)
        copies[name] = entry.reading()


def _read(endpoint, call, key, refresh):
    try:
        cached = cache_store.get(key)
    except CacheUnavailable:
        notify_cache_event("error", endpoint.name)
        return Reading(call(), clock.now())
    if cached is not None and cached.is_fresh() and not refresh:
        notify_cache_event("hit", endpoint.name)
        return cached.reading()
    return _fetch_once(endpoint, key, call, cached, refresh)


def _fetch_once(endpoint, key, call, cached, refresh, prepared=None):
    """Fetch, unless another reader already is: then wait for its copy. `prepared`: the
    lock attempt and breaker permit a page round's batch already made for this read."""
    if is_remembered(cached) and not refresh:
        return _from_memory(endpoint, cached)
    permit = prepared.permit if prepared else None
    attempt = prepared.attempt if prepared else None
    if attempt is None:
        try:
            attempt = singleflight.try_lock(key)
        except CacheUnavailable:
            return _fetch_and_store(endpoint, key, call, cached, refresh, lock=None, permit=permit)
    if attempt.lock is None:
        waited = _wait_for_other_reader(endpoint, key, cached)
        if waited is not None:
            return waited
    elif not refresh and _stored_since(attempt.value, cached):
        # Without this look the holder that just finished and a reader that missed a
        # moment before it stored would both call PERP for the same thing.
        singleflight.release(attempt.lock)
        return _answer(endpoint, attempt.value)
    return _fetch_and_store(endpoint, key, call, cached, refresh, lock=attempt.lock, permit=permit)


def _stored_since(entry, cached):
    """True when `entry` is a fresh copy, or a failure to remember, that another reader
    stored after we read `cached`."""
    return entry is not None and _is_newer(entry, cached) and (entry.is_fresh() or is_remembered(entry))


def _wait_for_other_reader(endpoint, key, cached):
    """Its copy; the stale copy if it is slow; None if it failed: then ask PERP ourselves."""
    outcome = singleflight.wait_for_holder(key, is_newer=lambda entry: _is_newer(entry, cached))
    if outcome.value is not None and not _past_memory(outcome.value):
        return _answer(endpoint, outcome.value)
    if outcome.holder_still_busy and last_copy(cached) is not None:
        wait_seconds = settings.PERP_CACHE_WAIT_SECONDS
        slow = PERPUnavailable(endpoint.path, "timeout", timeout=wait_seconds)
        return _serve_stale(endpoint, last_copy(cached), slow)
    return None  # the holder failed (unavailability is not cached) or vanished


def _answer(endpoint, entry):
    """What a newer entry another reader stored answers: its copy, or its failure."""
    if is_remembered(entry):
        return _from_memory(endpoint, entry)
    notify_cache_event("hit", endpoint.name)
    return entry.reading()


def _past_memory(entry):
    return isinstance(entry, error_memory.RememberedFailure) and not entry.is_current()


def _from_memory(endpoint, memory):
    """A remembered failure's answer, as the failure answered when it was new: its last
    copy served stale for a bad response, else the error raised."""
    notify_cache_event("remembered", endpoint.name)
    stale = _stale_from_memory(memory)
    if stale is None:
        raise memory.error()
    return stale


def _stale_from_memory(memory):
    """The last copy a remembered failure serves stale; None when it answers with its error."""
    error = memory.error()
    if isinstance(error, STALE_WORTHY_ERRORS) and memory.last_copy is not None:
        return memory.last_copy.reading(stale_because=error)
    return None


def _is_newer(entry, cached):
    return cached is None or entry.fetch_id != cached.fetch_id


def _fetch_and_store(endpoint, key, call, cached, refresh, lock, permit=None):
    """PERP's answer, stored; `lock` (None: none held) is released either way."""
    try:
        value = _call_through_breaker(endpoint, call, refresh, permit)
    except REMEMBERED_ERRORS as error:
        _remember(endpoint, key, error, cached, lock)
        if not isinstance(error, STALE_WORTHY_ERRORS) or last_copy(cached) is None:
            raise
        return _serve_stale(endpoint, last_copy(cached), error)
    except STALE_WORTHY_ERRORS as error:
        singleflight.release(lock)
        if last_copy(cached) is None:
            raise
        return _serve_stale(endpoint, last_copy(cached), error)
    except BaseException:
        singleflight.release(lock)
        raise
    entry = _entry_for(endpoint, value)
    _store(endpoint, key, entry, lock)
    return entry.reading()


def _call_through_breaker(endpoint, call, refresh, permit=None):
    """`permit`: the closed breaker's, when a page round's batch read its state."""
    if permit is None:
        permit = breaker.admit()
    if permit is None:
        raise PERPUnavailable(endpoint.path, "breaker_open", attempts=0)
    notify_cache_event("bypass" if refresh else "miss", endpoint.name)
    try:
        value = call()
    except PERPUnavailable:
        breaker.record_unavailable(permit)
        raise
    except PERPError:
        breaker.record_answer(permit)
        raise
    breaker.record_answer(permit)
    return value


def _serve_stale(endpoint, cached, error):
    notify_cache_event("stale", endpoint.name)
    return cached.reading(stale_because=error)


def _entry_for(endpoint, value):
    fetched_at = clock.now()
    fresh_seconds = _fresh_seconds(endpoint, value)
    return CachedReading(
        value=value,
        fetched_at=fetched_at,
        fresh_until=fetched_at + timedelta(seconds=fresh_seconds),
        fetch_id=uuid.uuid4().hex,
    )


def _fresh_seconds(endpoint, value):
    if value is None:
        return settings.PERP_NOT_FOUND_SECONDS
    return getattr(settings, endpoint.freshness_setting)


def _keep_seconds(endpoint, value):
    # "Not found" is not kept for outages: a customer created since would stay hidden.
    if value is None:
        return settings.PERP_NOT_FOUND_SECONDS
    return _fresh_seconds(endpoint, value) + settings.PERP_STALE_GRACE_SECONDS


def _store(endpoint, key, entry, lock, seconds=None):
    try:
        if seconds is None:
            seconds = _keep_seconds(endpoint, entry.value)
        singleflight.store_and_release(lock, key, entry, seconds)
    except CacheUnavailable:
        notify_cache_event("error", endpoint.name)


def _remember(endpoint, key, error, cached, lock):
    """Keep `error` in the copy's place (with the copy) PERP_ERROR_SECONDS; `lock` released."""
    period = settings.PERP_ERROR_SECONDS
    memory = error_memory.remember(error, previous=cached, fetch_id=uuid.uuid4().hex, seconds=period)
    copy = memory.last_copy
    if copy is not None and copy.is_fresh():  # a Refresh failed: the others keep the fresh copy
        singleflight.release(lock)
        return
    copy_keep_until = None
    if copy is not None:
        copy_keep_until = copy.fetched_at + timedelta(seconds=_keep_seconds(endpoint, copy.value))
    _store(endpoint, key, memory, lock, error_memory.keep_seconds(memory, period, copy_keep_until))


def notify_cache_event(event, resource_name):
    """Tell CACHE_OBSERVERS; `resource_name` may also name a cached page part."""
    for observer in CACHE_OBSERVERS:
        try:
            observer(event, resource_name)
        except Exception:  # metrics must never break a read
            logger.warning("Cache observer %r failed on %s", observer, event, exc_info=True)
