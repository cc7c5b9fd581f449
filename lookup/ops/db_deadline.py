"""A deadline, on perpdesk's side, for every round trip to PostgreSQL.

statement_timeout is PostgreSQL's own: a frozen server process, or a middlebox that
black-holes its replies while the peer's kernel still acknowledges packets, never sends
the cancel, and TCP keepalives and tcp_user_timeout see nothing wrong. A query would
wait in recv() until gunicorn killed the worker.

So each PostgreSQL connection (`connection_created`) is watched while it waits on the
server: every query (an execute wrapper), Django's health check of a kept connection
(`is_usable`, which runs before a request's first query) and commit and rollback. One
thread per process shuts down the socket of a round trip still running at its deadline,
DATABASE_STATEMENT_TIMEOUT plus DEADLINE_MARGIN_SECONDS (none when the timeout is 0).
The blocked call fails at once: a query as `QueryDeadlinePassed`, which the request
answers with the 503 page (lookup.ops.db_unavailable); a health check as a connection Django
drops and opens again (within DATABASE_CONNECT_TIMEOUT). Django closes a connection that
failed, so the next request starts on a new one.

A round trip costs no thread or timer: it records its deadline on its connection's watch
with a dup of the socket (the watchdog can then never shut a socket that libpq closed
and another connection's socket got the number of). The watchdog is woken only when a
deadline comes before its next look, which, with one deadline for every connection, is
the first round trip after it found none running.

Not watched: opening the connection, which is bounded by DATABASE_CONNECT_TIMEOUT and
is the whole setup (perpdesk/settings.py passes the time zone with it, so Django sends
no SET TIME ZONE before `connection_created`), and reads from server-side cursors
(QuerySet.iterator()), which perpdesk does not use.
"""

import functools
import logging
import math
import os
import socket
import threading
import time

from django.conf import settings
from django.db import Error as DatabaseFault, OperationalError

logger = logging.getLogger(__name__)

# PostgreSQL's statement_timeout should end a slow statement first: its cancel is a clean
# error that leaves the connection usable. Its timer starts when the statement reaches the
# server, ours when it is sent, so the cancel gets this long to come back before perpdesk
# gives up on the connection.
DEADLINE_MARGIN_SECONDS = 1.0

# Django's calls that wait on the server without going through the execute wrappers.
_WATCHED_METHODS = ("is_usable", "_commit", "_rollback")


class QueryDeadlinePassed(OperationalError):
    """PostgreSQL did not answer within the query deadline: perpdesk cut the connection."""


def deadline_seconds():
    """How long one round trip may take; None: no deadline (statement timeout 0)."""
    timeout = settings.DATABASE_STATEMENT_TIMEOUT
    return timeout + DEADLINE_MARGIN_SECONDS if timeout > 0 else None


def watch_connection(sender, connection, **kwargs):
    """connection_created receiver: watch a PostgreSQL connection's round trips."""
    if connection.vendor != "postgresql":
        return
    seconds = deadline_seconds()
    watch = getattr(connection, "query_deadline", None)
    if watch is None:
        if seconds is None:
            return
        watch = connection.query_deadline = _Watch(connection)
        # First in the list: `with connection.execute_wrapper(...)` pops the last one.
        connection.execute_wrappers.insert(0, watch.execute)
        for name in _WATCHED_METHODS:
            setattr(connection, name, watch.around(getattr(connection, name)))
    watch.seconds = seconds  # a reconnect reads the setting again


class _Watch:
    """One Django connection's round trip in progress, as the watchdog sees it."""

    def __init__(self, connection):
        self.connection = connection
        self.seconds = None
        self.at = None  # when the round trip in progress must be over; None: none runs
        self.fd = None  # a dup of the connection's socket while a round trip runs
        self.expired = False  # the watchdog shut the socket

    def execute(self, execute, sql, params, many, context):
        """The execute wrapper."""
        return self._run(execute, sql, params, many, context)

    def around(self, method):
        """`method` of the connection, watched."""
        return functools.wraps(method)(functools.partial(self._run, method))

    def _run(self, call, *args, **kwargs):
        fd = self._socket() if self.seconds is not None and self.at is None else None
        if fd is None:  # no deadline, nested, or no open connection: nothing to wait on
            return call(*args, **kwargs)
        WATCHDOG.start(self, fd)
        try:
            return call(*args, **kwargs)
        except DatabaseFault as error:
            if self.expired:
                raise QueryDeadlinePassed(
                    f"no answer from the database within the query deadline ({self.seconds:g} s)"
                ) from error
            raise
        finally:
            if WATCHDOG.stop(self):
                logger.warning(
                    "The database did not answer within %g s (DATABASE_STATEMENT_TIMEOUT plus %g s): "
                    "connection cut", self.seconds, DEADLINE_MARGIN_SECONDS,
                )

    def _socket(self):
        pg_connection = self.connection.connection
        if pg_connection is None:
            return None
        try:
            return os.dup(pg_connection.fileno())
        except (self.connection.Database.Error, OSError):  # closed or lost: the call says so
            return None


class _Watchdog:
    """One thread looking at the round trips running when the earliest deadline is due;
    started on first use."""

    def __init__(self):
        self._reset()
        # A forked worker starts with no watchdog thread and no lock held by one.
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self):
        self._wakeup = threading.Condition()
        self._running = set()
        self._next_look = math.inf  # when the thread looks again; inf: when woken
        self._thread = None

    def start(self, watch, fd):
        at = time.monotonic() + watch.seconds
        with self._wakeup:
            watch.at, watch.fd, watch.expired = at, fd, False
            self._running.add(watch)
            if at < self._next_look:
                self._next_look = at
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._run, name="db-deadline", daemon=True)
                    self._thread.start()
                self._wakeup.notify()

    def stop(self, watch):
        """The round trip is over: True when the watchdog cut it."""
        with self._wakeup:
            self._running.discard(watch)
            fd, watch.fd, watch.at = watch.fd, None, None
        os.close(fd)
        return watch.expired

    def _run(self):
        with self._wakeup:
            while True:
                now = time.monotonic()
                waiting = []
                for watch in self._running:
                    if watch.expired:
                        continue
                    if watch.at <= now:
                        watch.expired = True
                        _shut(watch.fd)
                    else:
                        waiting.append(watch.at)
                self._next_look = min(waiting, default=math.inf)
                self._wakeup.wait(None if self._next_look == math.inf else self._next_look - now)


WATCHDOG = _Watchdog()


def _shut(fd):
    """Shut the socket down under the thread blocked on it (close alone does not wake a
    blocked wait); the fd itself is closed by its round trip."""
    try:
        sock = socket.socket(fileno=fd)
    except OSError:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already shut
    finally:
        sock.detach()
