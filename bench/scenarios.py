"""What the benchmark measures, one function per scenario; each returns its figures.

Every scenario starts from a known cache (emptied, or filled by itself) and reads
the PERP calls it caused from the sandbox's stats and call log.
"""

import json
import math
import statistics
import time
from dataclasses import dataclass, field

from sandbox_perp import SandboxServer

from bench import ideal, load, rounds, sequential
from bench.scale import Scale
from bench.servers import Instance, flush_cache
from bench.site import CACHE_URL

STALE_MARK = b"pd-freshness-stale"  # the page says some of its data is older: PERP failed
WARM_SLICES = 4  # the warm page and the trivial views take turns this many times
HEALTHZ = "/healthz"
PAGES_UNTIL_OPEN_AT_MOST = 5


@dataclass
class Bench:
    scale: Scale
    sandbox: SandboxServer
    main: Instance  # cold page, warm page and trivial views are measured here
    second: Instance  # the stampede's other instance: same settings, same Redis
    outage: Instance  # the same, but its readings are fresh for stale_after_seconds only
    busy: Instance  # the same, but its 360 page lists and expands busy_active_orders orders
    cookies: list  # one signed-in session per client thread
    staff_cookies: list  # one signed-in session per member of staff at once
    customer_id: str
    burst_customer_ids: list  # distinct customers, cold at once
    busy_customer_id: str
    stale_after_seconds: float

    @property
    def page_path(self):
        return customer_path(self.customer_id)

    @property
    def signed_in_trivial_path(self):
        from django.urls import reverse

        from bench.urls import SIGNED_IN_TRIVIAL

        return reverse(SIGNED_IN_TRIVIAL)

    def page_url(self, instance):
        return instance.url + self.page_path

    def perp_calls(self):
        return sum(self.sandbox.stats().values())

    def start_cold(self):
        """Nothing cached (the breaker closed), PERP healthy, no calls counted yet."""
        flush_cache(CACHE_URL)
        self.heal_perp()
        self.sandbox.reset_stats()

    def heal_perp(self):
        self.sandbox.reset_faults()
        self.sandbox.set_faults(latency_ms=self.scale.latency_ms)


def customer_path(customer_id):
    return f"/customers/{customer_id}/"


def warm_up(bench):
    """Every worker of every instance loads its code and templates before anything is timed,
    and its request threads make a first view's PERP calls once (their fan-out threads then
    exist, as they do in a server that has been up a while)."""
    pages = [(bench.main, bench.page_path), (bench.second, bench.page_path), (bench.outage, bench.page_path),
             (bench.busy, customer_path(bench.busy_customer_id))]
    for instance, page_path in pages:
        for path in (HEALTHZ, bench.signed_in_trivial_path, page_path):
            load.run_load(instance.url, path, cookies=bench.cookies, seconds=bench.scale.warm_up_seconds,
                          max_requests=500)
    for _ in range(bench.scale.cold_warm_up_bursts):
        for instance in (bench.main, bench.second):
            bench.start_cold()
            load.burst([bench.page_url(instance)] * len(bench.cookies), bench.cookies)
    bench.start_cold()


# --- Cold page and the sequential baseline ------------------------------------------


def cold_page(bench):
    """The page with nothing cached, against the rounds of PERP calls it needed, and the
    workers' CPU per page. Also returns the last sample's calls, for the sequential
    baseline and the ideal client."""
    cpu_seconds = 0.0
    samples = []
    for _ in range(bench.scale.cold_samples):
        bench.start_cold()
        cpu_seconds += _workers_cpu(bench.main, lambda: samples.append(_cold_sample(bench)))
    times = [seconds for seconds, _ in samples]
    depth = statistics.mode(rounds.dependent_rounds(calls) for _, calls in samples)
    calls = samples[-1][1]
    figures = {
        "samples": len(samples),
        "p50_ms": _ms(statistics.median(times)),
        "min_ms": _ms(min(times)),
        "max_ms": _ms(max(times)),
        "perp_rounds": depth,
        "critical_path_ms": depth * bench.scale.latency_ms,
        "perp_calls": len(calls),
        "perp_calls_by_endpoint": rounds.calls_by_endpoint(calls),
        "cpu_ms_per_page": _per_request_ms(cpu_seconds, len(samples)),
    }
    return figures, calls


def _cold_sample(bench):
    answer = load.get(bench.page_url(bench.main), bench.cookies[0])
    _expect_page(answer, "cold page")
    return answer.seconds, bench.sandbox.calls()


def ideal_client(bench, calls):
    """The cold page's floor: its calls, round by round, made by a plain client of its own."""
    paths = [[ideal.call_path(call) for call in one_round] for one_round in rounds.in_rounds(calls)]
    with ideal.IdealClient(bench.sandbox.root_url, bench.sandbox.key) as client:
        client.run(paths)  # opens its connections and threads, untimed
        before = client.cpu_seconds()
        times = [client.run(paths) for _ in range(bench.scale.ideal_samples)]
        after = client.cpu_seconds()
    cpu_seconds = float("nan") if before is None or after is None else after - before
    return {
        "samples": len(times),
        "perp_calls": sum(len(one_round) for one_round in paths),
        "rounds": [len(one_round) for one_round in paths],
        "p50_ms": _ms(statistics.median(times)),
        "min_ms": _ms(min(times)),
        "cpu_ms_per_run": _per_request_ms(cpu_seconds, len(times)),
    }


def sequential_baseline(bench, calls):
    """The cold page's calls again, one after another, by perpdesk's PERP client."""
    times = [
        sequential.replay_one_after_another(calls, base_url=bench.sandbox.base_url, api_key=bench.sandbox.key)
        for _ in range(bench.scale.sequential_samples)
    ]
    return {"samples": len(times), "perp_calls": len(calls), "p50_ms": _ms(statistics.median(times))}


# --- Warm page ---------------------------------------------------------------------


def warm_page(bench):
    """The cached page at the set concurrency, beside two trivial views of the same server:
    one signed in as the page is (its ceiling: the target is judged against it) and the
    anonymous /healthz.

    They take turns, so a neighbour's load on the machine weighs on all alike.
    """
    _expect_page(load.get(bench.page_url(bench.main), bench.cookies[0]), "warm page, first view")
    signed_in_trivial = load.get(bench.main.url + bench.signed_in_trivial_path, bench.cookies[0])
    _expect_page(signed_in_trivial, "signed-in trivial view")
    bench.sandbox.reset_stats()
    no_session = [None] * len(bench.cookies)  # probes send no cookie
    runs = {
        "page": _WarmRun(bench.page_path, bench.cookies),
        "signed_in": _WarmRun(bench.signed_in_trivial_path, bench.cookies),
        "healthz": _WarmRun(HEALTHZ, no_session),
    }
    for _ in range(WARM_SLICES):
        for run in runs.values():
            run.slice(bench)
    calls = bench.perp_calls()
    page = runs.pop("page")
    return {
        "concurrency": len(bench.cookies),
        "page": page.figures(),
        "trivial_views": {name: {"path": run.path, **run.figures()} for name, run in runs.items()},
        "throughput_share_of_trivial": {
            name: round(page.result.requests_per_second / run.result.requests_per_second, 3)
            for name, run in runs.items()
        },
        "perp_calls": calls,
        "perp_calls_per_view": round(calls / max(page.result.requests, 1), 4),
    }


@dataclass
class _WarmRun:
    """One path's warm load, added up over its slices, and its workers' CPU time."""

    path: str
    cookies: list
    result: load.LoadResult = field(default_factory=load.LoadResult)
    cpu_seconds: float = 0.0

    def slice(self, bench):
        self.cpu_seconds += _workers_cpu(
            bench.main, lambda: self.result.add(_warm_slice(bench, self.path, self.cookies))
        )

    def figures(self):
        return {**self.result.figures(), "cpu_ms_per_request": _per_request_ms(self.cpu_seconds, self.result.requests)}


def _warm_slice(bench, path, cookies):
    scale = bench.scale
    return load.run_load(
        bench.main.url, path, cookies=cookies,
        seconds=scale.warm_seconds / WARM_SLICES, max_requests=scale.warm_max_requests // WARM_SLICES,
    )


def _workers_cpu(instance, run):
    """CPU seconds the instance's workers spent while `run` ran (nan where unknown)."""
    before = instance.workers_cpu_seconds()
    run()
    after = instance.workers_cpu_seconds()
    return float("nan") if before is None or after is None else after - before


def _per_request_ms(cpu_seconds, requests):
    """None where the CPU time is unknown (no /proc)."""
    return None if math.isnan(cpu_seconds) else round(cpu_seconds / max(requests, 1) * 1000, 2)


# --- Many at once: a burst of cold customers, staff on warm pages ------------------------


def cold_burst(bench):
    """Distinct customers, nothing cached, all asked for at the same moment."""
    urls = [bench.main.url + customer_path(customer_id) for customer_id in bench.burst_customer_ids]
    pages_per_second, times = [], []
    for _ in range(bench.scale.burst_samples):
        bench.start_cold()
        answers = load.burst(urls, bench.staff_cookies)
        for answer in answers:
            _expect_page(answer, "cold burst")
        last = max(answer.seconds for answer in answers)  # all started at once, behind one gate
        pages_per_second.append(len(answers) / last)
        times.extend(answer.seconds for answer in answers)
    return {
        "customers": len(urls),
        "samples": bench.scale.burst_samples,
        "pages_per_second": round(statistics.median(pages_per_second), 1),
        "p50_ms": _ms(load.percentile(times, 0.50)),
        "p95_ms": _ms(load.percentile(times, 0.95)),
        "perp_calls": len(bench.sandbox.calls()),  # the last sample's
        # New connections to PERP in the last sample: those a too small pool threw away
        # after an earlier burst are opened again.
        "perp_connections_opened": bench.sandbox.connections_accepted(),
    }


def staff_on_warm_pages(bench):
    """Every member of staff at once, each on one of the burst's customers' pages, cached."""
    paths = [customer_path(bench.burst_customer_ids[n % len(bench.burst_customer_ids)])
             for n in range(len(bench.staff_cookies))]
    for path in set(paths):
        _expect_page(load.get(bench.main.url + path, bench.staff_cookies[0]), "staff, first view")
    bench.sandbox.reset_stats()
    result = load.run_load_on(
        bench.main.url, paths, cookies=bench.staff_cookies,
        seconds=bench.scale.staff_seconds, max_requests=bench.scale.warm_max_requests,
    )
    return {"staff": len(paths), "pages": len(set(paths)), **result.figures(), "perp_calls": bench.perp_calls()}


# --- The customer with many active orders ----------------------------------------------


def busy_customer(bench):
    """A page with every one of many active orders expanded: cold, then warm."""
    url = bench.busy.url + customer_path(bench.busy_customer_id)
    samples, cpu_seconds = [], 0.0
    for _ in range(bench.scale.busy_cold_samples):
        bench.start_cold()
        cpu_seconds += _workers_cpu(bench.busy, lambda: samples.append(load.get(url, bench.cookies[0])))
    for answer in samples:
        _expect_page(answer, "busy customer, cold")
    calls = bench.sandbox.calls()
    bench.sandbox.reset_stats()
    warm = load.LoadResult()
    warm_cpu = _workers_cpu(bench.busy, lambda: warm.add(load.run_load(
        bench.busy.url, customer_path(bench.busy_customer_id), cookies=bench.cookies[:1],
        seconds=bench.scale.busy_warm_seconds, max_requests=bench.scale.warm_max_requests,
    )))
    return {
        "cold": {
            "samples": len(samples),
            "p50_ms": _ms(statistics.median(answer.seconds for answer in samples)),
            "perp_calls": len(calls),
            "perp_rounds": rounds.dependent_rounds(calls),
            "cpu_ms_per_page": _per_request_ms(cpu_seconds, len(samples)),
        },
        "warm": {
            **warm.figures(),
            "cpu_ms_per_request": _per_request_ms(warm_cpu, warm.requests),
            "perp_calls": bench.perp_calls(),
        },
    }


# --- Stampede and outage -----------------------------------------------------------


def stampede(bench):
    """Many requests at once for one uncached customer, over two instances sharing Redis."""
    bench.start_cold()
    count = bench.scale.stampede_requests
    urls = [bench.page_url(instance) for instance in (bench.main, bench.second)] * count
    answers = load.burst(urls[:count], bench.cookies)
    calls = bench.sandbox.calls()
    times = [answer.seconds for answer in answers]
    return {
        "requests": count,
        "instances": 2,
        "answered_200": sum(1 for answer in answers if answer.status == 200),
        "p50_ms": _ms(statistics.median(times)),
        "max_ms": _ms(max(times)),
        "perp_calls": len(calls),
        "perp_calls_by_endpoint": rounds.calls_by_endpoint(calls),
        "resources_read": len({rounds.resource_of(call) for call in calls}),
        "most_calls_for_one_resource": rounds.most_calls_for_one_resource(calls),
        "repeats_after_first_answer": rounds.repeats_after_answer(calls),
    }


def outage(bench):
    """PERP down (every call a 503) and the cached copies stale: the first page, then
    pages once the circuit breaker is open."""
    bench.start_cold()
    _expect_page(load.get(bench.page_url(bench.outage), bench.cookies[0]), "outage, priming page")
    time.sleep(bench.stale_after_seconds + 0.2)
    bench.sandbox.set_faults(failure_rate=1.0)
    try:
        return _pages_during_outage(bench)
    finally:
        bench.heal_perp()
        flush_cache(CACHE_URL)  # closes the breaker


def _pages_during_outage(bench):
    bench.sandbox.reset_stats()
    first = _outage_page(bench)
    first_calls = bench.perp_calls()
    pages_until_open = 1
    while not _breaker_open(bench) and pages_until_open < PAGES_UNTIL_OPEN_AT_MOST:
        _outage_page(bench)
        pages_until_open += 1
    bench.sandbox.reset_stats()
    open_pages = [_outage_page(bench) for _ in range(bench.scale.outage_open_pages)]
    times = [answer.seconds for answer in open_pages]
    return {
        "first_page_ms": _ms(first.seconds),
        "first_page_stale": STALE_MARK in first.body,
        "first_page_perp_calls": first_calls,
        "pages_until_breaker_open": pages_until_open,
        "breaker_open": _breaker_open(bench),
        "open_pages": len(open_pages),
        "open_p50_ms": _ms(statistics.median(times)),
        "open_max_ms": _ms(max(times)),
        "open_pages_stale": sum(1 for answer in open_pages if STALE_MARK in answer.body),
        "open_perp_calls": bench.perp_calls(),
    }


def _outage_page(bench):
    answer = load.get(bench.page_url(bench.outage), bench.cookies[0])
    _expect_page(answer, "outage page")
    return answer


def _breaker_open(bench):
    answer = load.get(bench.outage.url + "/readyz")  # 200 or 503, a JSON body either way
    return json.loads(answer.body)["perp"]["breaker"] == "open"


def _expect_page(answer, what):
    if answer.status != 200:
        raise RuntimeError(f"{what}: HTTP {answer.status}, expected 200")


def _ms(seconds):
    return round(seconds * 1000, 1)
