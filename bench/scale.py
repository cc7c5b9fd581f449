"""How big a run is: the full benchmark, or the smoke test's tiny one."""

import os
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Scale:
    latency_ms: float = 50  # the sandbox's delay on every PERP call
    # gunicorn.conf.py's defaults on this machine, set explicitly so a report says what ran.
    workers: int = max(2, os.cpu_count() or 1)  # per instance
    threads: int = 8  # per worker
    warm_up_seconds: float = 1.0  # of page and trivial view on each instance, before timing
    cold_warm_up_bursts: int = 3  # first views at once, the cache emptied before each, per instance
    concurrency: int = 16  # client threads of the warm runs
    warm_seconds: float = 10.0  # each warm run (page, trivial view) stops after this...
    warm_max_requests: int = 50_000  # ...or this many requests, whichever comes first
    cold_samples: int = 9  # cold pages, the cache emptied before each (the p50 of 5 wandered too much)
    sequential_samples: int = 3
    stampede_requests: int = 50
    outage_open_pages: int = 10  # pages timed once the breaker is open
    profile_requests: int = 30
    ideal_samples: int = 20  # runs of the ideal client (its CPU is counted in clock ticks)
    burst_customers: int = 16  # distinct cold customers asked for at once
    burst_samples: int = 3
    staff: int = 64  # concurrent staff on the burst's customers' warm pages
    staff_seconds: float = 5.0
    busy_cold_samples: int = 5  # the customer with 40 active orders, cold...
    busy_warm_seconds: float = 2.0  # ...and warm, one client

    @classmethod
    def smoke(cls):
        """Every scenario, in seconds: for the test suite, not for its figures."""
        return cls(
            latency_ms=5, workers=1, threads=4, warm_up_seconds=0.2, cold_warm_up_bursts=1, concurrency=4,
            warm_seconds=1.5,
            warm_max_requests=60, cold_samples=2, sequential_samples=1,
            stampede_requests=8, outage_open_pages=3, profile_requests=3,
            ideal_samples=2, burst_customers=4, burst_samples=1, staff=8, staff_seconds=0.5,
            busy_cold_samples=1, busy_warm_seconds=0.3,
        )

    def overridden(self, **changes):
        """This scale with the given fields changed (None values are ignored)."""
        return replace(self, **{name: value for name, value in changes.items() if value is not None})
