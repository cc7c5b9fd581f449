"""The issue's targets, each beside the figure it judges: printed as pass or miss,
never asserted (the smoke test checks that figures are sane, not that they pass)."""

from dataclasses import asdict, dataclass

COLD_LIMIT_FACTOR = 1.5  # cold page at most 1.5 x its critical path
SPEEDUP_FLOOR = 8.0  # at least 8 x faster than the same calls one after another
WARM_SHARE_FLOOR = 0.5  # warm page at least half the signed-in trivial view's requests per second
OPEN_BREAKER_PAGE_MS = 100.0


@dataclass(frozen=True)
class Check:
    target: str  # what the figure must be, in words and numbers
    met: bool

    @property
    def verdict(self):
        return "pass" if self.met else "MISS"


def evaluate(results):
    """{figure key: Check} for every target the results can be judged against."""
    cold, warm = results["cold_page"], results["warm_page"]
    stampede, outage = results["stampede"], results["outage"]
    cold_limit = COLD_LIMIT_FACTOR * cold["critical_path_ms"]
    per_instance = stampede["instances"]
    return {
        "cold_ms": Check(f"<= {cold_limit:g} ms ({COLD_LIMIT_FACTOR:g} x critical path)", cold["p50_ms"] <= cold_limit),
        "speedup": Check(f">= {SPEEDUP_FLOOR:g} x", results["speedup"] >= SPEEDUP_FLOOR),
        "warm_share": Check(
            f">= {WARM_SHARE_FLOOR:.0%} of signed-in trivial",
            warm["throughput_share_of_trivial"]["signed_in"] >= WARM_SHARE_FLOOR,
        ),
        "warm_calls": Check("0", warm["perp_calls"] == 0),
        "stampede_calls": Check(
            f"<= {per_instance} (1 per instance)", stampede["most_calls_for_one_resource"] <= per_instance
        ),
        "open_breaker_ms": Check(f"< {OPEN_BREAKER_PAGE_MS:g} ms", outage["open_max_ms"] < OPEN_BREAKER_PAGE_MS),
    }


def as_json(checks):
    return {key: {**asdict(check), "verdict": check.verdict} for key, check in checks.items()}
