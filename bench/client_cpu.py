"""python -m bench.client_cpu [--calls N]: CPU per PERP call of perpdesk's client, beside
a bare urllib3 call, against the sandbox PERP in this process (no latency).

Each figure is the calling thread's CPU time (time.thread_time) over N calls of one
endpoint, on a connection opened before timing, so the sandbox's own threads are not
counted. The best of three rounds, in microseconds per call.
"""

import argparse
import json
import time

import urllib3

from sandbox_perp import BENCH_CUSTOMER_ID, SandboxServer

from lookup.perp.client import PERPClient

KEY = "client-cpu-key"
ROUNDS = 3


def perpdesk_call(server):
    client = PERPClient(base_url=server.base_url, api_key=KEY)
    return lambda: client.get_customer(BENCH_CUSTOMER_ID)


def urllib3_call(server):
    pool = urllib3.HTTPConnectionPool("127.0.0.1", server.port, maxsize=1)
    headers = {"Authorization": f"Bearer {KEY}", "Accept": "application/json"}
    path = f"/api/customers/{BENCH_CUSTOMER_ID}"
    return lambda: json.loads(pool.request("GET", path, headers=headers).data)


def microseconds_per_call(call, calls):
    call()  # opens the connection
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.thread_time()
        for _ in range(calls):
            call()
        best = min(best, (time.thread_time() - started) / calls)
    return round(best * 1e6)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.client_cpu", description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    args = parser.parse_args(argv)
    with SandboxServer(port=0, key=KEY, latency_ms=0) as server:
        figures = {
            "perpdesk PERPClient.get_customer": microseconds_per_call(perpdesk_call(server), args.calls),
            "bare urllib3 + json.loads": microseconds_per_call(urllib3_call(server), args.calls),
        }
    for name, microseconds in figures.items():
        print(f"{name:<36} {microseconds:>6} us CPU per call")


if __name__ == "__main__":
    main()
