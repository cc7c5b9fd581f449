"""Failed reads remembered briefly, so a broken endpoint is asked once per
PERP_ERROR_SECONDS, not once per view.

The reading layer stores a `RememberedFailure` under the read's own cache key, in
place of its copy, when PERP answers a bad response or an API error. It holds the
error's class, endpoint, code and detail only — never the key and never PERP's data
or PERP's own message text, which may quote it — plus when perpdesk first saw the
failure, and the last good copy, which still answers as it did before (a bad response
is served stale from it, an API error is not). Until `until` readers answer from it
without asking PERP; Refresh asks anyway (and a Refresh that fails while the copy is
still fresh leaves that copy to everyone else). One past `until` stays cached one
period more: a failure that persists keeps the moment it was first seen.

Not remembered: PERPAuthError (once the key is fixed, every page must work at once,
and a refused key is one fault of every endpoint, not of one) and PERPUnavailable
(the circuit breaker already spaces out calls to a PERP that is not answering).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from lookup import clock
from lookup.perp.errors import PERPAPIError, PERPBadResponse

REMEMBERED_ERRORS = (PERPBadResponse, PERPAPIError)


@dataclass(frozen=True)
class RememberedFailure:
    error_class: str  # "PERPBadResponse" or "PERPAPIError"
    endpoint: str
    code: str  # the API error's code, or the bad response's reason
    detail: str  # the bad response's detail (perpdesk's words); "" for an API error
    first_seen: datetime
    until: datetime  # PERP is asked again from then on
    fetch_id: str  # tells a waiter that this is newer than what it saw
    last_copy: Any = None  # the CachedReading PERP last answered well, or None

    def is_current(self):
        return clock.now() < self.until

    def is_fresh(self):
        """Never a fresh copy: readers that look for one pass it by."""
        return False

    def error(self):
        """The remembered error, rebuilt, with `first_seen` set."""
        if self.error_class == "PERPAPIError":
            error = PERPAPIError(self.endpoint, self.code, "")
        else:
            error = PERPBadResponse(self.endpoint, self.detail, reason=self.code)
        error.first_seen = self.first_seen
        return error


def remember(error, *, previous, fetch_id, seconds):
    """A RememberedFailure of `error` (also given its `first_seen`), keeping the last copy
    from `previous` (the cached entry, or None)."""
    now = clock.now()
    earlier = previous if isinstance(previous, RememberedFailure) else None
    memory = RememberedFailure(
        error_class=type(error).__name__,
        endpoint=error.endpoint,
        code=_code(error),
        detail=error.detail if isinstance(error, PERPBadResponse) else "",
        first_seen=earlier.first_seen if earlier and _same_failure(earlier, error) else now,
        until=now + timedelta(seconds=seconds),
        fetch_id=fetch_id,
        last_copy=last_copy(previous),
    )
    error.first_seen = memory.first_seen
    return memory


def is_remembered(entry):
    """True for a failure PERP is not to be asked about again yet."""
    return isinstance(entry, RememberedFailure) and entry.is_current()


def last_copy(entry):
    """The copy in a cached entry: the entry itself, or a remembered failure's last copy."""
    return entry.last_copy if isinstance(entry, RememberedFailure) else entry


def keep_seconds(memory, seconds, copy_keep_until):
    """How long the cache keeps `memory`: its period and one more, and at least as long
    as its last copy would have been kept (`copy_keep_until`, or None)."""
    keep_until = memory.until + timedelta(seconds=seconds)
    if copy_keep_until is not None:
        keep_until = max(keep_until, copy_keep_until)
    return (keep_until - clock.now()).total_seconds()


def _code(error):
    return error.code if isinstance(error, PERPAPIError) else error.reason


def _same_failure(memory, error):
    return memory.error_class == type(error).__name__ and memory.code == _code(error)
