"""perpdesk's benchmark: the customer 360 page under real gunicorn, against the sandbox PERP.

    .venv/bin/python -m bench            # full scale, about a minute
    .venv/bin/python -m bench --smoke    # tiny scale, for tests/test_bench_smoke.py

One run starts the sandbox PERP (a set latency per call) in this process and perpdesk
under gunicorn with production-like settings (Redis cache, DEBUG off), measures the
cold and warm 360 page, a stampede across two instances and a PERP outage, profiles
the warm page, prints a table with each figure beside its target and writes the JSON
(bench/results/latest.json by default).

Modules: scale (what a run does), servers (processes), site (perpdesk's settings,
database and signed-in staff), load (HTTP load), rounds (dependent PERP calls),
sequential (the one-after-another baseline), scenarios, profiling, targets, report.
"""
