"""A PERP call's total deadline, enforced on the sockets that carry it.

requests' read timeout bounds each read from the socket, not the call: a body, or a
header line, that trickles a byte at a time never trips it. So while a call runs
(`running(deadline)`), every connection it sends a request on is watched by one thread
per process, which shuts the connection's socket down when the deadline passes: the
blocked read returns at once and the call fails as a timeout.

A watched connection is let go before it goes back to the pool, and one whose call ran
out is closed there instead, so a shut socket never carries the next call.
"""

import contextlib
import contextvars
import heapq
import itertools
import os
import socket
import threading
import time

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_current = contextvars.ContextVar("perp_call_deadline", default=None)


class Deadline:
    """When one call must be over, on the monotonic clock."""

    def __init__(self, seconds, *, clock=time.monotonic):
        self.seconds = seconds
        self.at = clock() + seconds
        self._clock = clock
        self.expired = False  # set by the watchdog when it shut this call's connections
        self.finished = False  # the call is over: nothing left to watch
        self.queued = False  # in the watchdog's queue
        self.connections = set()

    def remaining(self):
        return self.at - self._clock()

    def passed(self):
        return self.expired or self.remaining() <= 0

    def timeouts(self, connect, read):
        """requests' (connect, read) timeouts, neither beyond what is left of the call."""
        left = max(self.remaining(), 0.001)
        return min(connect, left), min(read, left)


@contextlib.contextmanager
def running(deadline):
    """Watch the connections of the requests sent inside this block until `deadline`."""
    token = _current.set(deadline)
    try:
        yield deadline
    finally:
        _current.reset(token)
        WATCHDOG.finish(deadline)


class _Watchdog:
    """One thread waking at the earliest watched deadline; started on first use."""

    def __init__(self):
        self._reset()
        # A forked worker starts with no watchdog thread and no lock held by one.
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self):
        self._wakeup = threading.Condition()
        self._queue = []  # (deadline.at, tie-breaker, deadline)
        self._order = itertools.count()
        self._thread = None

    def watch(self, deadline, connection):
        with self._wakeup:
            connection.perp_deadline = deadline
            deadline.connections.add(connection)
            if deadline.expired:
                _shut(connection)
            if not deadline.queued:
                deadline.queued = True
                heapq.heappush(self._queue, (deadline.at, next(self._order), deadline))
                if self._queue[0][2] is deadline:
                    self._wakeup.notify()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="perp-deadline", daemon=True)
                self._thread.start()

    def let_go(self, connection):
        """Stop watching `connection`; False when its call ran out (its socket is shut)."""
        with self._wakeup:
            deadline = getattr(connection, "perp_deadline", None)
            if deadline is None:
                return True
            connection.perp_deadline = None
            deadline.connections.discard(connection)
            return not deadline.expired

    def finish(self, deadline):
        with self._wakeup:
            deadline.finished = True
            for connection in deadline.connections:
                connection.perp_deadline = None
            deadline.connections.clear()

    def _run(self):
        with self._wakeup:
            while True:
                self._expire_due()
                timeout = self._queue[0][0] - time.monotonic() if self._queue else None
                self._wakeup.wait(timeout)

    def _expire_due(self):
        while self._queue and self._queue[0][0] <= time.monotonic():
            _, _, deadline = heapq.heappop(self._queue)
            if deadline.finished:
                continue
            deadline.expired = True
            for connection in deadline.connections:
                _shut(connection)


WATCHDOG = _Watchdog()


def _shut(connection):
    """Shut the socket down under whoever is blocked reading it (close alone does not
    wake a blocked recv). For TLS, the plain socket's shutdown: the TLS object stays
    with its reader, who sees the end of the stream."""
    sock = getattr(connection, "sock", None)
    if not isinstance(sock, socket.socket):
        sock = getattr(sock, "socket", None)  # TLS inside a TLS proxy
    if sock is None:
        return
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


class _Watched:
    """For the connection classes: watch the connection while a call's request runs."""

    def request(self, *args, **kwargs):
        deadline = _current.get()
        if deadline is not None:
            WATCHDOG.watch(deadline, self)
        return super().request(*args, **kwargs)

    def connect(self):
        super().connect()
        deadline = getattr(self, "perp_deadline", None)
        if deadline is not None and deadline.expired:  # ran out while connecting
            _shut(self)


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _LettingGo:
    """For the pool classes: a connection comes back unwatched, or closed if it ran out."""

    def _put_conn(self, conn):
        if conn is not None and not WATCHDOG.let_go(conn):
            conn.close()
            conn = None
        super()._put_conn(conn)


class _WatchedHTTPPool(_LettingGo, HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(_LettingGo, HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


WATCHED_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}
