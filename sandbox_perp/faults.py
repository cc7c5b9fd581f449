"""Fault knobs: latency, forced statuses, random 503s and non-JSON answers.

Random failures draw from their own RNG so the seeded dataset is never disturbed.
"""

import random
import re
import threading
from dataclasses import asdict, dataclass, replace

from . import dialects

ERROR_CODES = {
    401: "UNAUTHORIZED", 403: "FORBIDDEN", 429: "RATE_LIMITED", 500: "INTERNAL_ERROR",
    502: "BAD_GATEWAY", 503: "SERVICE_UNAVAILABLE", 504: "GATEWAY_TIMEOUT",
}


@dataclass(frozen=True)
class Faults:
    latency_ms: float = 0
    failure_rate: float = 0.0
    fail_endpoint: str | None = None
    fail_status: int = 503
    non_json: bool = False
    retry_after: int = 1  # seconds, sent with forced 429s
    dialect: str = "standard"  # how answers are written (sandbox_perp.dialects)


def error_code(status):
    return ERROR_CODES.get(status, "SANDBOX_FAULT")


def normalize_template(template):
    """Accept "/api/customers/{customer_id}/invoices" as well as "/api/customers/{id}/invoices"."""
    return re.sub(r"\{[^}/]*\}", "{id}", template.rstrip("/")) if template else None


class FaultState:
    def __init__(self, endpoints, seed=None, **initial):
        self._endpoints = frozenset(endpoints)
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._faults = Faults()
        self.update(**initial)

    @property
    def current(self):
        return self._faults  # frozen, so readers need no lock

    def snapshot(self):
        return asdict(self._faults)

    def update(self, **changes):
        """Change only the named knobs; raises ValueError (and changes nothing) on a bad value."""
        unknown = set(changes) - set(Faults.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown fault knob(s): {', '.join(sorted(unknown))}")
        cleaned = {name: _CLEANERS[name](value, self._endpoints) for name, value in changes.items()}
        with self._lock:
            self._faults = replace(self._faults, **cleaned)
        return self.snapshot()

    def reset(self):
        with self._lock:
            self._faults = Faults()
        return self.snapshot()

    def roll_failure(self):
        rate = self._faults.failure_rate
        if rate <= 0:
            return False
        with self._lock:
            return self._rng.random() < rate


def _latency(value, _endpoints):
    value = _number(value, "latency_ms")
    if value < 0:
        raise ValueError("latency_ms must be >= 0")
    return value


def _rate(value, _endpoints):
    value = _number(value, "failure_rate")
    if not 0 <= value <= 1:
        raise ValueError("failure_rate must be between 0 and 1")
    return value


def _endpoint(value, endpoints):
    if value in (None, ""):
        return None
    template = normalize_template(str(value))
    if template not in endpoints:
        raise ValueError(f"fail_endpoint must be one of: {', '.join(sorted(endpoints))}")
    return template


def _status(value, _endpoints):
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        raise ValueError("fail_status must be an HTTP status code")
    if not 400 <= int(value) <= 599:
        raise ValueError("fail_status must be an error status, 400 to 599")
    return int(value)


def _flag(value, _endpoints):
    if not isinstance(value, bool):
        raise ValueError("non_json must be true or false")
    return value


def _retry_after(value, _endpoints):
    value = _number(value, "retry_after")
    if value < 0:
        raise ValueError("retry_after must be >= 0")
    return int(value)


def _number(value, name):
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number") from None


_CLEANERS = {
    "latency_ms": _latency, "failure_rate": _rate, "fail_endpoint": _endpoint,
    "fail_status": _status, "non_json": _flag, "retry_after": _retry_after,
    "dialect": lambda value, _endpoints: dialects.check(value),
}
