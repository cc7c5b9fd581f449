"""Thread-safe count of calls per endpoint template, and an optional timed log of calls."""

import threading
from collections import deque
from dataclasses import dataclass


class CallCounter:
    def __init__(self, templates):
        self._templates = tuple(templates)
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(self._templates, 0)

    def record(self, template):
        with self._lock:
            self._counts[template] = self._counts.get(template, 0) + 1

    def snapshot(self):
        """Every known template (0 when never called) mapped to its call count."""
        with self._lock:
            return dict(self._counts)

    def reset(self):
        with self._lock:
            self._counts = dict.fromkeys(self._templates, 0)


@dataclass(frozen=True)
class Call:
    """One API call as the sandbox answered it: when it arrived and when its answer was ready."""

    template: str
    params: dict  # path parameters, e.g. {"id": "CUST-1002"}
    query: dict
    started: float  # time.monotonic() of this process
    ended: float


class CallLog:
    """The most recent API calls with their times, so a benchmark can tell calls made
    at once from calls made one after another. Only kept when asked for (log_calls)."""

    def __init__(self, limit=10_000):
        self._lock = threading.Lock()
        self._calls = deque(maxlen=limit)

    def record(self, call):
        with self._lock:
            self._calls.append(call)

    def snapshot(self):
        with self._lock:
            return list(self._calls)

    def reset(self):
        with self._lock:
            self._calls.clear()
