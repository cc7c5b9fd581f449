"""The reading layer: every PERP read perpdesk makes goes through `perp_reader()`.

A reader has the PERP client's eleven methods; each returns a `Reading` — the value
(None when PERP says "not found") plus when PERP produced it and, when PERP failed
and an older copy is served instead, the error that made it stale.

Reads are cached in CACHES["default"] (Redis in production: shared by all workers):
- a copy is fresh for its resource's PERP_FRESH_* seconds, then kept
  PERP_STALE_GRACE_SECONDS longer to be served when PERP fails;
- "not found" is kept PERP_NOT_FOUND_SECONDS; a bad response or an API error is
  remembered PERP_ERROR_SECONDS in the copy's place, with the copy (lookup.error_memory);
- concurrent readers of one expired key make one PERP call (lookup.singleflight);
- repeated unavailability opens a circuit breaker (lookup.breaker);
- the cache failing only means reading PERP directly (lookup.cache_store).
"""

import functools
import inspect
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from lookup import breaker, cache_store, clock, error_memory, singleflight
from lookup.cache_keys import reading_key
from lookup.cache_store import CacheUnavailable
from lookup.error_memory import REMEMBERED_ERRORS, is_remembered, last_copy
from lookup.perp.client import client_from_settings
from lookup.perp.errors import PERPBadResponse, PERPError, PERPUnavailable

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Resource:
    name: str  # in cache keys and metrics
    endpoint: str  # PERP's path, for the errors this layer raises itself
    freshness_setting: str = "PERP_FRESH_SECONDS"


RESOURCES = {
    "search_customer_by_email": Resource("customer_search", "/api/customers/search"),
    "get_customer": Resource("customer", "/api/customers/{customer_id}"),
    "get_vip_wallet": Resource("vip_wallet", "/api/customers/{customer_id}/vip-wallet"),
    "get_customer_orders": Resource("customer_orders", "/api/customers/{customer_id}/orders"),
    "get_customer_invoices": Resource(
        "customer_invoices", "/api/customers/{customer_id}/invoices"),
    "get_order": Resource("order", "/api/orders/{order_id}"),
    "search_order_by_number": Resource("order_search", "/api/orders/search"),
    "get_production_status": Resource(
        "production_status", "/api/orders/{order_id}/production",
        "PERP_FRESH_PRODUCTION_SECONDS"),
    "get_artwork": Resource(
        "artwork", "/api/orders/{order_id}/artwork", "PERP_FRESH_ARTWORK_SECONDS"),
    "get_invoice": Resource("invoice", "/api/invoices/{invoice_id}"),
    "search_invoice_by_number": Resource("invoice_search", "/api/invoices/search"),
}

READ_METHODS = tuple(RESOURCES)

# Failures after which the last good copy is served. A bad response too: PERP answering
# off-contract (a 500, an HTML error page) is a passing fault, and the last good copy
# says more than an error. Auth and API errors are not: they are PERP's definite answer
# (a key to fix, a request it refuses), and hiding them behind old data would delay
# the fix or contradict PERP.
STALE_WORTHY_ERRORS = (PERPUnavailable, PERPBadResponse)

# Called as observer(event, resource_name) for metrics. Events: "hit" (a fresh cached
# copy served), "miss" / "bypass" (PERP asked for lack of a fresh copy / for Refresh),
# "stale" (an expired copy served because PERP failed), "error" (the cache failed),
# "remembered" (PERP not asked: it failed this read moments ago).
CACHE_OBSERVERS = []


@dataclass(frozen=True)
class Reading:
    value: Any  # a lookup.perp.models value, or None for "not found"
    fetched_at: datetime  # when PERP produced this copy (aware, UTC)
    stale_because: PERPError | None = None  # PERP's failure when an older copy is served
    version: str = ""  # tells this copy from any other; "" for a copy read past the cache
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
        return Reading(self.value, self.fetched_at, stale_because, self.fetch_id, self.fresh_until)


class PERPReader:
    """The PERP client's read methods, each answered through the cache."""

    def __init__(self, client, *, refresh=False):
        self._client = client
        self.refresh = refresh  # True: bypass fresh cached copies (the Refresh button)

    def __getattr__(self, name):
        if name not in RESOURCES:
            raise AttributeError(name)
        return BoundRead(RESOURCES[name], getattr(self._client, name), self.refresh)

    def fresh_copies(self, calls):
        """The cached copies among `calls` to use without asking PERP, in one cache round trip.

        `calls` maps names to functools.partial objects of this reader's methods (what
        a page hands its fan-out); the answer maps names to Readings: each fresh copy,
        and while the breaker is open each expired one too, marked stale (PERP would
        not be asked anyway; half-open, the reads go on to let one probe through).
        A warm page so reads its copies without a thread per read. The misses' fetch
        locks are tried in a second round trip (`_prepare_misses`).
        """
        if self.refresh:
            return {}
        reads = {
            name: (call.func, call.func.key(*call.args, **call.keywords))
            for name, call in calls.items()
            if isinstance(getattr(call, "func", None), BoundRead)
        }
        try:
            found = cache_store.get_many([key for _, key in reads.values()] + breaker.state_keys())
        except CacheUnavailable:
            return {}
        # Open, not half-open: then the first read through `_read` is the probe.
        stale_allowed = breaker.state_of(found) == breaker.OPEN
        copies, misses = {}, {}
        for name, (read, key) in reads.items():
            entry = found.get(key)
            if is_remembered(entry):
                _answer_remembered_later(name, read, key, entry, copies)
                continue
            copy = last_copy(entry)  # of a remembered failure past its time too
            if copy is not None and copy.is_fresh():
                notify_cache_event("hit", read.resource.name)
                copies[name] = copy.reading()
            elif copy is not None and stale_allowed:
                kept_from_perp = PERPUnavailable(read.resource.endpoint, "breaker_open", attempts=0)
                copies[name] = _serve_stale(read.resource, copy, kept_from_perp)
            else:
                misses[name] = (read, key, entry)
        copies.update(_prepare_misses(misses, breaker.closed_permit(found)))
        return copies


def _answer_remembered_later(name, read, key, memory, copies):
    """A remembered failure found by a page round's batch: its last copy now, if it is
    served stale; else the read's thread raises the error (no PERP call either way)."""
    stale = _stale_from_memory(memory)
    if stale is not None:
        notify_cache_event("remembered", read.resource.name)
        copies[name] = stale
    else:
        read.prepared[key] = _Prepared(memory)


@dataclass(frozen=True)
class _Prepared:
    """What a page round's batch found for a read it hands on to a thread to fetch."""

    cached: Any  # the cached entry (None: nothing cached)
    attempt: Any = None  # singleflight.Attempt, when the batch tried the fetch lock
    permit: Any = None  # breaker.Permit, when the batch found the breaker closed


def _prepare_misses(misses, permit):
    """Try the fetch locks of all `misses` ({name: (read, key, entry)}) in one round trip
    and leave each read what the batch found: its thread then only calls PERP.

    Returns the copies that another reader stored meanwhile (their locks given back).
    """
    if not misses:
        return {}
    try:
        attempts = singleflight.try_locks({key for _, key, _ in misses.values()})
    except CacheUnavailable:
        attempts = {}
    copies = {}
    for name, (read, key, cached) in misses.items():
        attempt = attempts.pop(key, None)  # a key read twice in a round: the second waits
        if attempt is not None and attempt.lock is not None and _stored_since(attempt.value, cached):
            singleflight.release(attempt.lock)
            _answer_stored(name, read, key, attempt.value, copies)
        else:
            read.prepared[key] = _Prepared(cached, attempt, permit)
    return copies


def _answer_stored(name, read, key, entry, copies):
    if is_remembered(entry):
        _answer_remembered_later(name, read, key, entry, copies)
    else:
        notify_cache_event("hit", read.resource.name)
        copies[name] = entry.reading()


class BoundRead:
    """One of the reader's methods: called, a Reading through the cache."""

    def __init__(self, resource, method, refresh):
        self.resource = resource
        self._method = method
        self._refresh = refresh
        # {key: _Prepared} for the calls a page round's batch (fresh_copies) left to fetch.
        self.prepared = {}

    def key(self, *args, **kwargs):
        """The call's cache key (remembered: a page makes the same two dozen on every view)."""
        try:
            return _remembered_key(
                self.resource.name, self._method, args, tuple(kwargs.items()),
                settings.SECRET_KEY, settings.PERP_API_URL,  # what reading_key depends on
            )
        except TypeError:  # an unhashable argument
            return _make_key(self.resource.name, self._method, args, kwargs)

    def __call__(self, *args, **kwargs):
        key = self.key(*args, **kwargs)
        call = lambda: self._method(*args, **kwargs)  # noqa: E731
        prepared = self.prepared.pop(key, None)
        if prepared is None:
            return _read(self.resource, call, key, self._refresh)
        return _fetch_once(self.resource, key, call, prepared.cached, self._refresh, prepared)


def perp_reader(*, refresh=False):
    return PERPReader(client_from_settings(), refresh=refresh)


@functools.lru_cache(maxsize=4096)
def _remembered_key(resource_name, method, args, kwargs_items, secret_key, perp_api_url):
    return _make_key(resource_name, method, args, dict(kwargs_items))


def _make_key(resource_name, method, args, kwargs):
    return reading_key(resource_name, _call_params(method, args, kwargs))


def _call_params(method, args, kwargs):
    """The call's arguments by name, defaults filled in: one key however they were passed."""
    function = getattr(method, "__func__", None)
    if function is None:
        bound = _signature(method).bind(*args, **kwargs)
    else:  # a bound method: its function's signature, cached, with the instance first
        bound = _signature(function).bind(method.__self__, *args, **kwargs)
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    if function is not None:
        del arguments[next(iter(arguments))]
    return arguments


@functools.lru_cache(maxsize=64)
def _signature(function):
    """The client method's signature (inspect builds one per call otherwise: a page makes dozens)."""
    return inspect.signature(function)


def _read(resource, call, key, refresh):
    try:
        cached = cache_store.get(key)
    except CacheUnavailable:
        notify_cache_event("error", resource.name)
        return Reading(call(), clock.now())
    if cached is not None and cached.is_fresh() and not refresh:
        notify_cache_event("hit", resource.name)
        return cached.reading()
    return _fetch_once(resource, key, call, cached, refresh)


def _fetch_once(resource, key, call, cached, refresh, prepared=None):
    """Fetch, unless another reader already is: then wait for its copy. `prepared`: the
    lock attempt and breaker permit a page round's batch already made for this read."""
    if is_remembered(cached) and not refresh:
        return _from_memory(resource, cached)
    permit = prepared.permit if prepared else None
    attempt = prepared.attempt if prepared else None
    if attempt is None:
        try:
            attempt = singleflight.try_lock(key)
        except CacheUnavailable:
            return _fetch_and_store(resource, key, call, cached, refresh, lock=None, permit=permit)
    if attempt.lock is None:
        waited = _wait_for_other_reader(resource, key, cached)
        if waited is not None:
            return waited
    elif not refresh and _stored_since(attempt.value, cached):
        # Without this look the holder that just finished and a reader that missed a
        # moment before it stored would both call PERP for the same thing.
        singleflight.release(attempt.lock)
        return _answer(resource, attempt.value)
    return _fetch_and_store(resource, key, call, cached, refresh, lock=attempt.lock, permit=permit)


def _stored_since(entry, cached):
    """True when `entry` is a fresh copy, or a failure to remember, that another reader
    stored after we read `cached`."""
    return entry is not None and _is_newer(entry, cached) and (entry.is_fresh() or is_remembered(entry))


def _wait_for_other_reader(resource, key, cached):
    """Its copy; the stale copy if it is slow; None if it failed: then ask PERP ourselves."""
    outcome = singleflight.wait_for_holder(key, is_newer=lambda entry: _is_newer(entry, cached))
    if outcome.value is not None and not _past_memory(outcome.value):
        return _answer(resource, outcome.value)
    if outcome.holder_still_busy and last_copy(cached) is not None:
        wait_seconds = settings.PERP_CACHE_WAIT_SECONDS
        slow = PERPUnavailable(resource.endpoint, "timeout", timeout=wait_seconds)
        return _serve_stale(resource, last_copy(cached), slow)
    return None  # the holder failed (unavailability is not cached) or vanished


def _answer(resource, entry):
    """What a newer entry another reader stored answers: its copy, or its failure."""
    if is_remembered(entry):
        return _from_memory(resource, entry)
    notify_cache_event("hit", resource.name)
    return entry.reading()


def _past_memory(entry):
    return isinstance(entry, error_memory.RememberedFailure) and not entry.is_current()


def _from_memory(resource, memory):
    """A remembered failure's answer, as the failure answered when it was new: its last
    copy served stale for a bad response, else the error raised."""
    notify_cache_event("remembered", resource.name)
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


def _fetch_and_store(resource, key, call, cached, refresh, lock, permit=None):
    """PERP's answer, stored; `lock` (None: none held) is released either way."""
    try:
        value = _call_through_breaker(resource, call, refresh, permit)
    except REMEMBERED_ERRORS as error:
        _remember(resource, key, error, cached, lock)
        if not isinstance(error, STALE_WORTHY_ERRORS) or last_copy(cached) is None:
            raise
        return _serve_stale(resource, last_copy(cached), error)
    except STALE_WORTHY_ERRORS as error:
        singleflight.release(lock)
        if last_copy(cached) is None:
            raise
        return _serve_stale(resource, last_copy(cached), error)
    except BaseException:
        singleflight.release(lock)
        raise
    entry = _entry_for(resource, value)
    _store(resource, key, entry, lock)
    return entry.reading()


def _call_through_breaker(resource, call, refresh, permit=None):
    """`permit`: the closed breaker's, when a page round's batch read its state."""
    if permit is None:
        permit = breaker.admit()
    if permit is None:
        raise PERPUnavailable(resource.endpoint, "breaker_open", attempts=0)
    notify_cache_event("bypass" if refresh else "miss", resource.name)
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


def _serve_stale(resource, cached, error):
    notify_cache_event("stale", resource.name)
    return cached.reading(stale_because=error)


def _entry_for(resource, value):
    fetched_at = clock.now()
    fresh_seconds = _fresh_seconds(resource, value)
    return CachedReading(
        value=value,
        fetched_at=fetched_at,
        fresh_until=fetched_at + timedelta(seconds=fresh_seconds),
        fetch_id=uuid.uuid4().hex,
    )


def _fresh_seconds(resource, value):
    if value is None:
        return settings.PERP_NOT_FOUND_SECONDS
    return getattr(settings, resource.freshness_setting)


def _keep_seconds(resource, value):
    # "Not found" is not kept for outages: a customer created since would stay hidden.
    if value is None:
        return settings.PERP_NOT_FOUND_SECONDS
    return _fresh_seconds(resource, value) + settings.PERP_STALE_GRACE_SECONDS


def _store(resource, key, entry, lock, seconds=None):
    try:
        if seconds is None:
            seconds = _keep_seconds(resource, entry.value)
        singleflight.store_and_release(lock, key, entry, seconds)
    except CacheUnavailable:
        notify_cache_event("error", resource.name)


def _remember(resource, key, error, cached, lock):
    """Keep `error` in the copy's place (with the copy) PERP_ERROR_SECONDS; `lock` released."""
    period = settings.PERP_ERROR_SECONDS
    memory = error_memory.remember(error, previous=cached, fetch_id=uuid.uuid4().hex, seconds=period)
    copy = memory.last_copy
    if copy is not None and copy.is_fresh():  # a Refresh failed: the others keep the fresh copy
        singleflight.release(lock)
        return
    copy_keep_until = None
    if copy is not None:
        copy_keep_until = copy.fetched_at + timedelta(seconds=_keep_seconds(resource, copy.value))
    _store(resource, key, memory, lock, error_memory.keep_seconds(memory, period, copy_keep_until))


def notify_cache_event(event, resource_name):
    """Tell CACHE_OBSERVERS; `resource_name` may also name a cached page part."""
    for observer in CACHE_OBSERVERS:
        try:
            observer(event, resource_name)
        except Exception:  # metrics must never break a read
            logger.warning("Cache observer %r failed on %s", observer, event, exc_info=True)
