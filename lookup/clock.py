"""The reading layer's notion of "now", in one function so tests can move time.

Freshness and the circuit breaker read time only through `now()`; a test
monkeypatches `lookup.clock.now` instead of sleeping.
"""

from datetime import datetime, timezone


def now():
    return datetime.now(timezone.utc)
