"""CLI: python -m sandbox_perp --port 8765 [--host ...] [--key ...] [--dialect erp] [fault flags]."""

import argparse
import signal
import threading

from .constants import DEFAULT_KEY
from .dialects import DIALECTS
from .server import SandboxServer


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m sandbox_perp", description="Sandbox PERP API server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--key", default=DEFAULT_KEY, help="bearer key the API requires")
    parser.add_argument("--latency-ms", type=float, default=0, help="delay added to every API call")
    parser.add_argument("--failure-rate", type=float, default=0.0, help="share of API calls answered 503")
    parser.add_argument("--fail-endpoint", help='template always failing, e.g. "/api/customers/{id}/invoices"')
    parser.add_argument("--fail-status", type=int, default=503, help="status for --fail-endpoint")
    parser.add_argument("--non-json", action="store_true", help="answer every API call with HTML")
    parser.add_argument("--dialect", choices=DIALECTS, default="standard",
                        help="how answers are written: erp sends thousands separators, 40%%, "
                             "space-separated datetimes, sizes as text and ids of its own")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        server = SandboxServer(
            args.host, args.port, args.key, latency_ms=args.latency_ms, failure_rate=args.failure_rate,
            fail_endpoint=args.fail_endpoint, fail_status=args.fail_status, non_json=args.non_json,
            dialect=args.dialect, verbose=args.verbose)
    except ValueError as error:
        raise SystemExit(f"sandbox_perp: {error}") from None
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    with server:
        print(f"Sandbox PERP serving {server.base_url}", flush=True)
        try:
            stopped.wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
