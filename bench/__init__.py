"""perpdesk's benchmark: the customer 360 page under real gunicorn, against the sandbox PERP.

    .venv/bin/python -m bench            # full scale, about a minute
    .venv/bin/python -m bench --smoke    # tiny scale, for tests/integration/test_bench_smoke.py

One run starts the sandbox PERP (a set latency per call) in this process and perpdesk
under gunicorn with production-like settings (PostgreSQL, Redis cache, DEBUG off),
measures the cold and warm 360 page (the warm one beside a signed-in trivial view and
/healthz), a stampede across two instances and a PERP outage, profiles the warm page,
prints a table with each figure beside its target and writes the JSON
(bench/results/latest.json by default). It needs Redis on 127.0.0.1:6379 and
PostgreSQL on 127.0.0.1:5432, where it drops and creates the database perpdesk_bench.

Modules: scale (what a run does), servers (processes), database (the run's PostgreSQL
database), site (perpdesk's settings, migrations and signed-in staff), settings and
urls (perpdesk's, plus the signed-in trivial view), load (HTTP load), rounds (dependent
PERP calls), sequential (the one-after-another baseline), scenarios, profiling,
targets, report.
"""
