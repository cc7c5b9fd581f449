"""SandboxServer: the sandbox PERP on a background thread, for tests, benchmarks and the CLI."""

import socket
import threading
from http.server import ThreadingHTTPServer

from . import api, files
from .constants import DEFAULT_KEY
from .data import get_dataset
from .faults import FaultState
from .handler import SandboxHandler
from .state import SandboxState
from .stats import CallCounter, CallLog


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, address, state):
        self.state = state
        self._connections = set()
        self._connections_lock = threading.Lock()
        self.connections_accepted = 0  # since the last reset_stats()
        super().__init__(address, SandboxHandler)

    def process_request(self, request, client_address):
        with self._connections_lock:
            self._connections.add(request)
            self.connections_accepted += 1
        super().process_request(request, client_address)

    def reset_connection_count(self):
        with self._connections_lock:
            self.connections_accepted = 0

    def shutdown_request(self, request):
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request, client_address):
        """Clients dropping connections are normal under load; only report them when verbose."""
        if self.state.verbose:
            super().handle_error(request, client_address)

    def drop_connections(self):
        """Close idle keep-alive connections so a stopped server really stops answering."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class SandboxServer:
    """A fake PERP over real HTTP.

    >>> with SandboxServer(port=0, key="k") as srv:
    ...     srv.base_url        # "http://127.0.0.1:PORT/api"
    ...     srv.set_faults(latency_ms=50)
    ...     srv.stats()["/api/customers/{id}"]
    """

    def __init__(self, host="127.0.0.1", port=0, key=DEFAULT_KEY, *, latency_ms=0, failure_rate=0.0,
                 fail_endpoint=None, fail_status=503, non_json=False, dialect="standard", verbose=False,
                 fault_seed=None, log_calls=False):
        faults = FaultState(api.ENDPOINTS, seed=fault_seed, latency_ms=latency_ms, failure_rate=failure_rate,
                            fail_endpoint=fail_endpoint, fail_status=fail_status, non_json=non_json,
                            dialect=dialect)
        counter = CallCounter(api.ENDPOINTS + files.ROUTES)
        call_log = CallLog() if log_calls else None
        self._state = SandboxState(key=key, faults=faults, counter=counter, verbose=verbose, call_log=call_log)
        self._address = (host, port)
        self._httpd = None
        self._thread = None

    def start(self):
        if self._httpd is not None:
            return self
        get_dataset()  # build before the first request, so no request pays for it
        self._httpd = _HTTPServer(self._address, self._state)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"sandbox-perp-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.drop_connections()
        self._httpd.server_close()
        self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def host(self):
        return self._httpd.server_address[0] if self._httpd else self._address[0]

    @property
    def port(self):
        return self._httpd.server_address[1] if self._httpd else self._address[1]

    @property
    def root_url(self):
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self):
        """The PERP_API_URL to give a client."""
        return f"{self.root_url}/api"

    @property
    def key(self):
        return self._state.key

    @property
    def faults(self):
        return self._state.faults.snapshot()

    def set_faults(self, **changes):
        """Change the named knobs only (see faults.Faults); returns all knobs."""
        return self._state.faults.update(**changes)

    def reset_faults(self):
        return self._state.faults.reset()

    def stats(self):
        """Calls per endpoint template, e.g. {"/api/orders/{id}/production": 10, ...}."""
        return self._state.counter.snapshot()

    def calls(self):
        """The API calls since the last reset_stats(), oldest first, each a stats.Call with its
        start and end times; only with log_calls=True (the most recent 10 000 are kept)."""
        if self._state.call_log is None:
            raise RuntimeError("start the SandboxServer with log_calls=True to log calls")
        return self._state.call_log.snapshot()

    def connections_accepted(self):
        """TCP connections clients opened since the last reset_stats() (keep-alive reuse is none)."""
        return self._httpd.connections_accepted if self._httpd else 0

    def reset_stats(self):
        if self._httpd is not None:
            self._httpd.reset_connection_count()
        self._state.counter.reset()
        if self._state.call_log is not None:
            self._state.call_log.reset()
