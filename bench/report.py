"""The run's results: a table on stdout, and JSON on disk. Both name the machine."""

import json
import os
import platform
from pathlib import Path

from bench.profiling import CACHED_READS, TEMPLATES
from bench.targets import floor_figures


def machine():
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": _cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def rows(results, checks):
    """(scenario, figure, value, target, verdict) for the table, targets beside their figures."""

    def judged(key):
        return (checks[key].target, checks[key].verdict)

    return [
        *_cold_rows(results, judged),
        *_ideal_rows(results, judged),
        *_warm_rows(results["warm_page"], floor_figures(results), judged),
        *_crowd_rows(results, judged),
        *_busy_rows(results, judged),
        *_stampede_rows(results["stampede"], judged),
        *_outage_rows(results["outage"], judged),
        *_profile_rows(results["profile"]),
    ]


def _cold_rows(results, judged):
    cold, seq = results["cold_page"], results["sequential_baseline"]
    latency = results["config"]["latency_ms"]
    return [
        ("cold page", f"time, p50 of {cold['samples']} (min-max)",
         f"{cold['p50_ms']:.0f} ms ({cold['min_ms']:.0f}-{cold['max_ms']:.0f})", *judged("cold_ms")),
        ("cold page", "critical path: PERP rounds x latency",
         f"{cold['perp_rounds']} x {latency:g} = {cold['critical_path_ms']:g} ms", "", ""),
        ("cold page", "PERP calls per view", f"{cold['perp_calls']}", "", ""),
        ("sequential", f"same {seq['perp_calls']} calls one by one, p50", f"{seq['p50_ms']:.0f} ms", "", ""),
        ("sequential", "cold page speed-up over it", f"{results['speedup']:.1f} x", *judged("speedup")),
    ]


def _ideal_rows(results, judged):
    ideal, cold, floor = results["ideal_client"], results["cold_page"], floor_figures(results)
    shape = " + ".join(str(size) for size in ideal["rounds"])
    return [
        ("ideal client", f"same {ideal['perp_calls']} calls in rounds of {shape}, p50 of {ideal['samples']}",
         f"{ideal['p50_ms']:.0f} ms (min {ideal['min_ms']:.0f})", "", ""),
        ("cold page", "time as a multiple of the ideal client's", f"{floor['cold_vs_ideal']:.2f} x",
         *judged("cold_vs_ideal")),
        ("cold page", "worker CPU per page / ideal client's per run",
         f"{_number(cold['cpu_ms_per_page'], '.1f')} / {_number(ideal['cpu_ms_per_run'], '.1f')} ms "
         f"({_number(floor['cold_cpu_vs_ideal'], '.1f')} x)", *judged("cold_cpu_vs_ideal")),
    ]


def _crowd_rows(results, judged):
    burst, staff = results["cold_burst"], results["staff_on_warm_pages"]
    return [
        ("burst", f"{burst['customers']} distinct cold customers at once: pages/s",
         f"{burst['pages_per_second']:.1f} (median of {burst['samples']})", *judged("burst_pages_per_second")),
        ("burst", "p50 / p95, PERP calls", f"{burst['p50_ms']:.0f} / {burst['p95_ms']:.0f} ms, {burst['perp_calls']}",
         "", ""),
        ("burst", "PERP connections opened (the last burst)", f"{burst['perp_connections_opened']}", "", ""),
        ("staff", f"{staff['staff']} at once on {staff['pages']} warm pages: p50 / p95",
         f"{_number(staff['p50_ms'], '.1f')} / {_number(staff['p95_ms'], '.1f')} ms", "", ""),
        ("staff", "req/s, PERP calls", f"{staff['requests_per_second']:.0f} ({staff['requests']} req), "
         f"{staff['perp_calls']}", "", ""),
    ]


def _busy_rows(results, judged):
    busy, config, staff = results["busy_customer"], results["config"], results["staff_on_warm_pages"]
    cold, warm = busy["cold"], busy["warm"]
    return [
        ("busy", f"{config['busy_customer_id']}, {config['busy_active_orders']} active orders expanded: "
         f"cold p50 of {cold['samples']}",
         f"{cold['p50_ms']:.0f} ms, {cold['perp_calls']} calls in {cold['perp_rounds']} rounds, "
         f"CPU {_number(cold['cpu_ms_per_page'], '.1f')} ms", "", ""),
        ("busy", "warm, one client: p50 / p95, CPU/req",
         f"{_number(warm['p50_ms'], '.1f')} / {_number(warm['p95_ms'], '.1f')} ms, "
         f"{_number(warm['cpu_ms_per_request'], '.2f')} ms", "", ""),
        ("busy", "PERP calls on warm views: staff / busy",
         f"{staff['perp_calls']} / {warm['perp_calls']}", *judged("warm_calls_elsewhere")),
    ]


def _warm_rows(warm, floor, judged):
    page, trivial, share = warm["page"], warm["trivial_views"], warm["throughput_share_of_trivial"]
    return [
        ("warm page", f"p50 / p95 at concurrency {warm['concurrency']}",
         f"{_number(page['p50_ms'], '.1f')} / {_number(page['p95_ms'], '.1f')} ms", "", ""),
        ("warm page", "req/s, worker CPU per request", _throughput(page), "", ""),
        ("trivial view", f"signed in {trivial['signed_in']['path']}: req/s, CPU/req",
         _throughput(trivial["signed_in"]), "", ""),
        ("trivial view", f"anonymous {trivial['healthz']['path']}: req/s, CPU/req",
         _throughput(trivial["healthz"]), "", ""),
        ("warm page", "throughput, share of signed-in trivial", f"{share['signed_in']:.0%}", *judged("warm_share")),
        ("warm page", f"throughput, share of {trivial['healthz']['path']}", f"{share['healthz']:.0%}",
         *judged("warm_share_healthz")),
        ("trivial view", f"signed-in CPU/req as a multiple of {trivial['healthz']['path']}'s",
         f"{_number(floor['trivial_cpu_vs_healthz'], '.1f')} x", *judged("trivial_cpu_vs_healthz")),
        ("warm page", "PERP calls (per view)", f"{warm['perp_calls']} ({warm['perp_calls_per_view']:g})",
         *judged("warm_calls")),
    ]


def _throughput(run):
    """Requests per second, then the workers' CPU per request: "36 (409 req), 46.10 ms"."""
    return (f"{run['requests_per_second']:.0f} ({run['requests']} req), "
            f"{_number(run['cpu_ms_per_request'], '.2f')} ms")


def _stampede_rows(stampede, judged):
    return [
        ("stampede", f"{stampede['requests']} at once on {stampede['instances']} instances: 200s",
         f"{stampede['answered_200']}/{stampede['requests']}, p50 {stampede['p50_ms']:.0f} ms", "", ""),
        ("stampede", f"PERP calls ({stampede['resources_read']} resources)", f"{stampede['perp_calls']}", "", ""),
        ("stampede", "most PERP calls for one resource", f"{stampede['most_calls_for_one_resource']}",
         *judged("stampede_calls")),
        ("stampede", "calls repeated after the first answered", f"{stampede['repeats_after_first_answer']}", "", ""),
    ]


def _outage_rows(outage, judged):
    stale = "" if outage["first_page_stale"] else ", NOT stale"
    return [
        ("outage", "first stale page (retries, breaker opens)",
         f"{outage['first_page_ms']:.0f} ms, {outage['first_page_perp_calls']} calls{stale}", "", ""),
        ("outage", f"breaker open: {outage['open_pages']} pages p50 / max",
         f"{outage['open_p50_ms']:.1f} / {outage['open_max_ms']:.1f} ms, {outage['open_perp_calls']} calls",
         *judged("open_breaker_ms")),
    ]


def _profile_rows(profile):
    phases, owners = profile["share_by_phase"], profile["self_time_share_by_owner"]
    return [
        ("profile", "warm page in-process (pyinstrument)", f"{profile['ms_per_request']:.1f} ms/request", "", ""),
        ("profile", "time: templates / cached reads / rest", _shares_of(phases, TEMPLATES, CACHED_READS), "", ""),
        ("profile", "self time: django / perpdesk's own / rest", _shares_of(owners, "django", "perpdesk"), "", ""),
    ]


def _number(value, spec):
    return "n/a" if value is None else format(value, spec)


def _shares_of(shares, *names):
    """The named shares, then the rest: "61% / 24% / 15%"."""
    named = [shares.get(name, 0.0) for name in names]
    return " / ".join(f"{share:.0%}" for share in [*named, 1 - sum(named)])


def table(results, checks):
    m, config = results["machine"], results["config"]
    header = (
        f"perpdesk benchmark: {m['nproc']} CPU ({m['cpu_model']}), Python {m['python']}; "
        f"PERP latency {config['latency_ms']:g} ms/call; gunicorn {config['workers']} workers x "
        f"{config['threads']} threads; {config['database']['server']}; customer {config['customer_id']}"
    )
    lines = [("scenario", "figure", "value", "target", ""), *rows(results, checks)]
    widths = [max(len(str(line[i])) for line in lines) for i in range(4)]
    body = ["  ".join(str(cell).ljust(width) for cell, width in zip(line, widths + [0])).rstrip() for line in lines]
    rule = "-" * max(len(line) for line in body)
    return "\n".join([header, rule, body[0], rule, *body[1:], rule])


def write_json(results, path):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, sort_keys=False) + "\n")
    return path
