"""A TCP stand-in between perpdesk and the real PostgreSQL that can fail on demand.

`FaultyPostgres(upstream_port)` listens on a free loopback port and, by `mode`:
- "forward": passes bytes both ways to PostgreSQL (the database is fine);
- "hang": accepts new connections and never answers them, as a partitioned database
  looks to a connection being opened; those already open are cut, as the kernel cuts
  them once its unacknowledged packets time out (libpq's tcp_user_timeout: a user-space
  stand-in cannot withhold TCP acknowledgements itself);
- "refuse": stops listening, so connecting is refused (PostgreSQL down, port closed);
- "freeze": keeps every socket open, old and new, and passes nothing on either way, as
  a frozen server process (or a middlebox that black-holes replies) looks while the
  peer's kernel still acknowledges packets; what was held back flows on unfreezing.
Switching back to "forward" is the database returning.

`hanging_listener()` is the plain "accepts and never answers" server.
"""

import socket
import threading
from contextlib import contextmanager

FORWARD, HANG, REFUSE, FREEZE = "forward", "hang", "refuse", "freeze"


class FaultyPostgres:
    def __init__(self, upstream_port, upstream_host="127.0.0.1"):
        self.upstream = (upstream_host, upstream_port)
        self.mode = FORWARD
        self._lock = threading.Lock()
        self._open = []  # every socket, closed at stop
        self._flowing = threading.Event()  # cleared while frozen
        self._flowing.set()
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._listener = None
        self._listen()

    def url(self, base_url):
        """`base_url` (postgres://user@127.0.0.1:5432/name) pointed at this port instead."""
        scheme, rest = base_url.split("://", 1)
        credentials, _, location = rest.rpartition("@")
        _, _, database = location.partition("/")
        return f"{scheme}://{credentials + '@' if credentials else ''}127.0.0.1:{self.port}/{database}"

    def set_mode(self, mode):
        with self._lock:
            self.mode = mode
        if mode == FREEZE:
            self._flowing.clear()
        else:
            self._flowing.set()
        if mode in (HANG, REFUSE):
            self._cut_open_connections()
        if mode == REFUSE:
            self._close_listener()
        elif self._listener is None:
            self._listen()

    def stop(self):
        self._flowing.set()
        self._close_listener()
        self._cut_open_connections()

    # --- internals -------------------------------------------------------------------

    def _listen(self):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _cut_open_connections(self):
        with self._lock:
            for sock in self._open:
                _close(sock)
            self._open.clear()

    def _close_listener(self):
        listener, self._listener = self._listener, None
        if listener is not None:
            _close(listener)

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # closed: "refuse"
                return
            with self._lock:
                self._open.append(client)
                mode = self.mode
            if mode in (FORWARD, FREEZE):
                threading.Thread(target=self._forward, args=(client,), daemon=True).start()
            # "hang": the connection is accepted and never read from or answered

    def _forward(self, client):
        try:
            upstream = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            _close(client)
            return
        upstream.settimeout(None)
        with self._lock:
            self._open.append(upstream)
        threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()
        self._pump(client, upstream)

    def _pump(self, source, target):
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            self._flowing.wait()  # frozen: held back, the socket left open
            if not data:
                _close(source)
                _close(target)
                return
            try:
                target.sendall(data)
            except OSError:
                _close(source)
                return


def _close(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked reading it; the peer sees the end
    except OSError:
        pass
    sock.close()


@contextmanager
def faulty_postgres(upstream_port):
    proxy = FaultyPostgres(upstream_port)
    try:
        yield proxy
    finally:
        proxy.stop()


@contextmanager
def hanging_listener():
    """A port that accepts connections and never says a word: yields the port."""
    with faulty_postgres(upstream_port=9) as proxy:  # the discard port: never forwarded to
        proxy.set_mode(HANG)
        yield proxy.port
