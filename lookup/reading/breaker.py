"""A circuit breaker per PERP, kept in the shared cache so every worker agrees.

closed: reads call PERP. After PERP_BREAKER_FAILURES consecutive "PERP unavailable"
answers within PERP_BREAKER_WINDOW_SECONDS it opens: for PERP_BREAKER_OPEN_SECONDS
reads get the stale copy at once (or fail fast) instead of each waiting out PERP's
timeouts. Then it is half-open: one probe call is let through (an atomic `add`
picks it); success closes the breaker, another "unavailable" opens it again.

Only "unavailable" counts: any other answer, even an error, shows PERP is there.
When the cache itself is down there is no shared state, so the breaker stays closed.
"""

from dataclasses import dataclass

from django.conf import settings

from lookup.reading import store as cache_store

from lookup import clock
from lookup.reading.keys import breaker_key
from lookup.reading.store import CacheUnavailable

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half_open"


@dataclass(frozen=True)
class Permit:
    is_probe: bool = False  # this call is the half-open probe: its outcome decides
    # Closed with no failure counted when admitted: an answer has nothing to reset. (A
    # failure another worker counts meanwhile then stays counted, as if it came later.)
    clean: bool = False


def breaker_state():
    """CLOSED, OPEN or HALF_OPEN (waiting for its probe): for pages and metrics."""
    try:
        opened_until = cache_store.get(_open_until_key())
    except CacheUnavailable:
        return CLOSED
    return _state(opened_until)


def _state(opened_until):
    if opened_until is None:
        return CLOSED
    return OPEN if clock.now().timestamp() < opened_until else HALF_OPEN


def breaker_is_open():
    """True while reads are kept from PERP: open, or half-open awaiting its probe."""
    return breaker_state() != CLOSED


def state_keys():
    """The keys `state_of` and `closed_permit` judge by: a caller may read them in a batch."""
    return [_open_until_key(), _failures_key()]


def state_of(found):
    """The state, from {key: value} as a get_many of `state_keys()` (and others) found them."""
    return _state(found.get(_open_until_key()))


def closed_permit(found):
    """The Permit of a closed breaker, judged from what a get_many found; None otherwise."""
    if state_of(found) != CLOSED:
        return None
    return Permit(clean=_failures_key() not in found)


def admit():
    """A Permit to call PERP, or None: the caller serves stale data or fails fast."""
    try:
        found = cache_store.get_many(state_keys())
    except CacheUnavailable:
        return Permit()
    permit = closed_permit(found)
    if permit is not None:
        return permit
    if state_of(found) == OPEN:
        return None
    try:
        won = cache_store.add(_probe_key(), "probe", settings.PERP_CACHE_LOCK_SECONDS)
    except CacheUnavailable:
        return Permit()
    return Permit(is_probe=True) if won else None


def record_answer(permit=None):
    """PERP answered (with data, "not found" or an error of its own): close."""
    if permit is not None and permit.clean:
        return
    try:
        cache_store.delete_many([_failures_key(), _open_until_key(), _probe_key()])
    except CacheUnavailable:
        pass


def record_unavailable(permit):
    try:
        if permit.is_probe or _failures_reached_limit():
            _open()
    except CacheUnavailable:
        pass


def _failures_reached_limit():
    failures = cache_store.count(_failures_key(), settings.PERP_BREAKER_WINDOW_SECONDS)
    return failures >= settings.PERP_BREAKER_FAILURES


def _open():
    open_seconds = settings.PERP_BREAKER_OPEN_SECONDS
    opened_until = clock.now().timestamp() + open_seconds
    # Kept past the open period so it reads as half-open; unprobed for a whole window
    # longer, it expires and the breaker closes by itself.
    keep_seconds = open_seconds + settings.PERP_BREAKER_WINDOW_SECONDS
    cache_store.set(_open_until_key(), opened_until, keep_seconds)
    cache_store.delete_many([_failures_key(), _probe_key()])


def _open_until_key():
    return breaker_key("open_until")


def _failures_key():
    return breaker_key("failures")


def _probe_key():
    return breaker_key("probe")
