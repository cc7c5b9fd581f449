"""The issue's targets, each beside the figure it judges: printed as pass or miss,
never asserted (the smoke test checks that figures are sane, not that they pass)."""

from dataclasses import asdict, dataclass

COLD_LIMIT_FACTOR = 1.5  # cold page at most 1.5 x its critical path
SPEEDUP_FLOOR = 8.0  # at least 8 x faster than the same calls one after another
WARM_SHARE_FLOOR = 0.5  # warm page at least half the signed-in trivial view's requests per second
OPEN_BREAKER_PAGE_MS = 100.0
# Issue 14's: against the floor of this machine, measured in the same run.
IDEAL_CLIENT_TIME_FACTOR = 1.25  # cold page at most 1.25 x the ideal client's time
IDEAL_CLIENT_CPU_FACTOR = 4.0  # its workers' CPU at most 4 x the ideal client's
WARM_SHARE_OF_HEALTHZ_FLOOR = 0.6  # warm page at least 60 % of /healthz's requests per second
TRIVIAL_CPU_FACTOR = 2.5  # the signed-in trivial view at most 2.5 x /healthz's CPU per request
# "Today's" 16-customer burst: its pages per second in the first run that measured it
# (2026-12-01, 2 CPU Intel Xeon, before issue 14's point 2). The target is 1.5 x this.
BURST_BASELINE_DATE = "2026-12-01"
BURST_BASELINE_PAGES_PER_SECOND = 38.0
BURST_FACTOR = 1.5


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
        **_floor_checks(results),
    }


def _floor_checks(results):
    figures = floor_figures(results)
    warm = results["warm_page"]
    busy_warm_calls = results["busy_customer"]["warm"]["perp_calls"]
    burst_floor = BURST_FACTOR * BURST_BASELINE_PAGES_PER_SECOND
    return {
        "cold_vs_ideal": Check(
            f"<= {IDEAL_CLIENT_TIME_FACTOR:g} x", figures["cold_vs_ideal"] <= IDEAL_CLIENT_TIME_FACTOR
        ),
        "cold_cpu_vs_ideal": Check(
            f"<= {IDEAL_CLIENT_CPU_FACTOR:g} x", _at_most(figures["cold_cpu_vs_ideal"], IDEAL_CLIENT_CPU_FACTOR)
        ),
        "warm_share_healthz": Check(
            f">= {WARM_SHARE_OF_HEALTHZ_FLOOR:.0%} of /healthz",
            warm["throughput_share_of_trivial"]["healthz"] >= WARM_SHARE_OF_HEALTHZ_FLOOR,
        ),
        "trivial_cpu_vs_healthz": Check(
            f"<= {TRIVIAL_CPU_FACTOR:g} x", _at_most(figures["trivial_cpu_vs_healthz"], TRIVIAL_CPU_FACTOR)
        ),
        "warm_calls_elsewhere": Check(
            "0", results["staff_on_warm_pages"]["perp_calls"] == 0 and busy_warm_calls == 0
        ),
        "burst_pages_per_second": Check(
            f">= {burst_floor:g} ({BURST_FACTOR:g} x {BURST_BASELINE_PAGES_PER_SECOND:g} on {BURST_BASELINE_DATE})",
            results["cold_burst"]["pages_per_second"] >= burst_floor,
        ),
    }


def floor_figures(results):
    """Each figure as a multiple of its floor measured in the same run (None: CPU unknown)."""
    cold, ideal = results["cold_page"], results["ideal_client"]
    trivial = results["warm_page"]["trivial_views"]
    return {
        "cold_vs_ideal": round(cold["p50_ms"] / ideal["p50_ms"], 2),
        "cold_cpu_vs_ideal": _ratio(cold["cpu_ms_per_page"], ideal["cpu_ms_per_run"]),
        "trivial_cpu_vs_healthz": _ratio(
            trivial["signed_in"]["cpu_ms_per_request"], trivial["healthz"]["cpu_ms_per_request"]
        ),
    }


def _ratio(value, floor):
    return None if value is None or not floor else round(value / floor, 2)


def _at_most(ratio, limit):
    return ratio is not None and ratio <= limit


def as_json(checks):
    return {key: {**asdict(check), "verdict": check.verdict} for key, check in checks.items()}
