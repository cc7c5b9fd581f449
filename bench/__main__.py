"""python -m bench [--smoke] [options]: run the benchmark, print the table, write the JSON.

The customer 360 page under gunicorn (production settings, PostgreSQL, Redis) against the
sandbox PERP: cold, warm, a stampede over two instances and a PERP outage; see bench/__init__.py.
"""

import argparse
import tempfile
from dataclasses import asdict
from pathlib import Path

from sandbox_perp import (
    BENCH_CUSTOMER_ID, BUSY_ACTIVE_ORDERS, BUSY_CUSTOMER_ID, HOSTILE_CUSTOMER_ID, get_dataset,
)

from bench import database, profiling, report, scenarios, servers, site, targets
from bench.scale import Scale

RESULTS_DIR = Path(__file__).resolve().parent / "results"
OUTAGE_FRESH_SECONDS = 1


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Benchmark perpdesk's customer 360 page under gunicorn."
    )
    parser.add_argument("--smoke", action="store_true", help="tiny scale: every scenario in seconds")
    parser.add_argument("--latency-ms", type=float, help="sandbox PERP delay per call (default 50)")
    parser.add_argument("--concurrency", type=int, help="client threads of the warm runs (default 16)")
    parser.add_argument(
        "--warm-seconds", type=float, help="seconds of load on the warm page, and on each trivial view (default 10)"
    )
    parser.add_argument("--workers", type=int, help="gunicorn workers per instance (default: max(2, CPUs))")
    parser.add_argument("--threads", type=int, help="gunicorn threads per worker (default 8)")
    parser.add_argument(
        "--database-url", default=database.DEFAULT_URL,
        help=f"PostgreSQL database of the run, dropped and created afresh; its name must start with "
        f"{database.NAME_PREFIX} (default {database.DEFAULT_URL})",
    )
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "latest.json", help="where the JSON goes")
    return parser.parse_args(argv)


def scale_from(args):
    base = Scale.smoke() if args.smoke else Scale()
    return base.overridden(
        latency_ms=args.latency_ms, concurrency=args.concurrency, warm_seconds=args.warm_seconds,
        workers=args.workers, threads=args.threads,
    )


def run(scale, database_url, profile_path):
    """Start everything, measure every scenario, stop everything: the results."""
    servers.require_redis(site.CACHE_URL)
    database_in_use = {"server": database.recreate(database_url), "url": database.shown(database_url)}
    with tempfile.TemporaryDirectory(prefix="perpdesk-bench-") as workdir, servers.sandbox(scale.latency_ms) as perp:
        settings = site.settings_env(
            perp_url=perp.base_url, perp_key=perp.key, database_url=database_url, workdir=workdir
        )
        site.configure(settings)
        site.prepare_database_and_static()
        session_keys = site.signed_in_sessions(max(scale.concurrency, scale.staff))
        cookies = [site.session_cookie(key) for key in session_keys]
        servers.flush_cache(site.CACHE_URL)
        env = site.server_env(settings, workers=scale.workers, threads=scale.threads)
        one_worker = {**env, "GUNICORN_WORKERS": "1"}
        envs = {
            "main": env, "second": env, "outage": site.quickly_stale(one_worker, OUTAGE_FRESH_SECONDS),
            "busy": site.expanding(one_worker, BUSY_ACTIVE_ORDERS),
        }
        with servers.instances(envs, workdir) as started:
            bench = scenarios.Bench(
                scale=scale, sandbox=perp, **started,
                cookies=cookies[: scale.concurrency], staff_cookies=cookies[: scale.staff],
                customer_id=BENCH_CUSTOMER_ID, burst_customer_ids=burst_customer_ids(scale.burst_customers),
                busy_customer_id=BUSY_CUSTOMER_ID, stale_after_seconds=OUTAGE_FRESH_SECONDS,
            )
            return measure(bench, session_keys[0], profile_path, database_in_use)


def burst_customer_ids(count):
    """`count` seeded customers with orders, in id order: not the benchmark's own page, the
    busy one nor the hostile one."""
    dataset = get_dataset()
    left_out = {BENCH_CUSTOMER_ID, BUSY_CUSTOMER_ID, HOSTILE_CUSTOMER_ID}
    with_orders = sorted(cid for cid, orders in dataset.orders_by_customer.items() if orders and cid not in left_out)
    if len(with_orders) < count:
        raise SystemExit(f"bench: the sandbox seeds {len(with_orders)} customers with orders, not {count}")
    return with_orders[:count]


def measure(bench, session_key, profile_path, database_in_use):
    """Every scenario in turn; the warm page is profiled while its copies are fresh."""
    scenarios.warm_up(bench)
    cold, cold_calls = scenarios.cold_page(bench)
    baseline = scenarios.sequential_baseline(bench, cold_calls)
    ideal_client = scenarios.ideal_client(bench, cold_calls)
    warm = scenarios.warm_page(bench)
    profile = profiling.profile_page(
        bench.page_path, session_key=session_key, requests=bench.scale.profile_requests, report_path=profile_path
    )
    burst = scenarios.cold_burst(bench)
    staff = scenarios.staff_on_warm_pages(bench)  # on the burst's pages, cached by it
    busy = scenarios.busy_customer(bench)
    stampede = scenarios.stampede(bench)
    outage = scenarios.outage(bench)
    return {
        "machine": report.machine(),
        "config": _config(bench, database_in_use),
        "cold_page": cold,
        "sequential_baseline": baseline,
        "speedup": round(baseline["p50_ms"] / cold["p50_ms"], 2),
        "ideal_client": ideal_client,
        "warm_page": warm,
        "cold_burst": burst,
        "staff_on_warm_pages": staff,
        "busy_customer": busy,
        "stampede": stampede,
        "outage": outage,
        "profile": profile,
    }


def _config(bench, database_in_use):
    return {
        **asdict(bench.scale),
        "customer_id": bench.customer_id,
        "burst_customer_ids": bench.burst_customer_ids,
        "busy_customer_id": bench.busy_customer_id,
        "busy_active_orders": BUSY_ACTIVE_ORDERS,
        "database": database_in_use,
        "cache": site.CACHE_URL,
        "outage_fresh_seconds": bench.stale_after_seconds,
    }


def main(argv=None):
    args = parse_args(argv)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    results = run(scale_from(args), args.database_url, args.output.with_name(args.output.stem + "-profile.txt"))
    checks = targets.evaluate(results)
    results["floor"] = targets.floor_figures(results)
    results["targets"] = targets.as_json(checks)
    print(report.table(results, checks))
    print(f"JSON written to {report.write_json(results, args.output)}")
    print(f"Profile of the warm page: {results['profile']['report']}")


if __name__ == "__main__":
    main()
