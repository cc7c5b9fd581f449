"""perpdesk's own deadline on PostgreSQL round trips (lookup.ops.db_deadline).

A database that stops answering on an open connection while its kernel still
acknowledges packets (a frozen server process, a middlebox black-holing replies) is
played by tests/support/postgres_faults.py's "freeze": between perpdesk and the real PostgreSQL,
every socket stays open and nothing is passed on. Queries, the health check of a kept
connection and commits then fail at the deadline instead of hanging; under gunicorn the
page answers 503 and the next one works once the database answers again.
"""

import logging
import os
import socket
import threading
import time

import pytest
from django.db import OperationalError
from django.db.utils import ConnectionHandler

from lookup.ops import db_deadline, db_unavailable
from lookup.ops.db_deadline import DEADLINE_MARGIN_SECONDS, QueryDeadlinePassed
from tests.support import gunicorn as harness
from tests.support.deployment import database_of_its_own, migrate_with_agent, signed_in_agent
from tests.support.postgres_faults import FORWARD, FREEZE, faulty_postgres
from tests.support.services import require_postgres
from tests.support.settings_probe import settings_from

STATEMENT_TIMEOUT = 1
DEADLINE = STATEMENT_TIMEOUT + DEADLINE_MARGIN_SECONDS
SLACK = 0.75  # a loaded 2-core machine's scheduling, on top of the deadline


# --- the watchdog alone, on a socket pair ----------------------------------------------


class _WatchOnly(db_deadline._Watch):
    def __init__(self, seconds):
        super().__init__(connection=None)
        self.seconds = seconds


def _blocked_read(seconds, answer_after=None):
    """(what a read blocked under a watch of `seconds` got, how long it waited)."""
    ours, theirs = socket.socketpair()
    watch = _WatchOnly(seconds)
    try:
        started = time.monotonic()
        db_deadline.WATCHDOG.start(watch, os.dup(ours.fileno()))
        if answer_after is not None:
            time.sleep(answer_after)
            theirs.sendall(b"answer")
        data = ours.recv(16)
        elapsed = time.monotonic() - started
        cut = db_deadline.WATCHDOG.stop(watch)
    finally:
        ours.close()
        theirs.close()
    return data, elapsed, cut


def test_the_watchdog_cuts_a_read_blocked_past_its_deadline():
    data, elapsed, cut = _blocked_read(0.3)

    assert (data, cut) == (b"", True)
    assert 0.3 <= elapsed < 0.3 + SLACK


def test_the_watchdog_leaves_a_read_that_is_answered_in_time():
    data, elapsed, cut = _blocked_read(1.0, answer_after=0.2)

    assert (data, cut) == (b"answer", False)
    assert elapsed < 1.0


def test_a_round_trip_that_ended_is_not_cut_afterwards():
    ours, theirs = socket.socketpair()
    try:
        watch = _WatchOnly(0.2)
        db_deadline.WATCHDOG.start(watch, os.dup(ours.fileno()))
        assert db_deadline.WATCHDOG.stop(watch) is False
        time.sleep(0.4)  # past the deadline the round trip had

        theirs.sendall(b"later")
        assert ours.recv(16) == b"later"
    finally:
        ours.close()
        theirs.close()


def test_a_forked_worker_gets_a_watchdog_of_its_own():
    _blocked_read(0.1)  # the parent's thread is running
    child = os.fork()
    if child == 0:  # pragma: no cover (the child's result is its exit status)
        try:
            data, elapsed, cut = _blocked_read(0.2)
            os._exit(0 if (data, cut) == (b"", True) and elapsed < 0.2 + SLACK else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(child, 0)

    assert os.waitstatus_to_exitcode(status) == 0


# --- real PostgreSQL connections, configured as perpdesk/settings.py does ---------------


@pytest.fixture(scope="module")
def perpdesk_databases():
    """DATABASES as perpdesk/settings.py builds it for PostgreSQL with a 1 s statement
    timeout, unpooled (a kept connection per thread; the pooled case is further down)."""
    return settings_from(
        {"DATABASE_URL": require_postgres(), "DATABASE_STATEMENT_TIMEOUT": str(STATEMENT_TIMEOUT),
         "DATABASE_CONNECT_TIMEOUT": "2", "DATABASE_POOL_MAX_SIZE": "0"},
        "DATABASES",
    )["DATABASES"]


@pytest.fixture
def database(settings):
    settings.DATABASE_STATEMENT_TIMEOUT = STATEMENT_TIMEOUT  # the deadline's, as in the child
    with faulty_postgres(5432) as proxy:
        yield proxy


@pytest.fixture
def connect(perpdesk_databases, database, django_db_blocker):
    """A Django connection through the stand-in, opened by its first query (pytest-django
    guards only its own test database: these are connections of their own)."""
    opened = []

    def connect_through(proxy=database):
        databases = {"default": {**perpdesk_databases["default"], "PORT": proxy.port}}
        connection = ConnectionHandler(databases)["default"]
        connection.inc_thread_sharing()  # _timed calls it from a thread of its own
        opened.append(connection)
        return connection

    with django_db_blocker.unblock():
        yield connect_through
        for connection in opened:
            connection.close()


def _select(connection, sql="SELECT 1"):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def _timed(call, give_up_after=DEADLINE + 5):
    """(what `call` raised or None, how long it took), in a thread of its own: a call
    that hangs fails the test instead of holding it forever."""
    outcome = []

    def run():
        started = time.monotonic()
        try:
            call()
        except Exception as error:
            outcome.append((error, time.monotonic() - started))
        else:
            outcome.append((None, time.monotonic() - started))

    caller = threading.Thread(target=run, daemon=True)
    caller.start()
    caller.join(give_up_after)
    if not outcome:
        pytest.fail(f"still waiting on the database after {give_up_after} s: no deadline cut it")
    return outcome[0]


@pytest.mark.postgres
def test_a_query_on_a_frozen_database_fails_at_the_deadline_instead_of_hanging(database, connect, caplog):
    connection = connect()
    assert _select(connection) == 1
    database.set_mode(FREEZE)

    with caplog.at_level(logging.WARNING, logger="lookup.ops.db_deadline"):
        error, elapsed = _timed(lambda: _select(connection))

    assert isinstance(error, QueryDeadlinePassed) and isinstance(error, OperationalError)
    assert DEADLINE <= elapsed < DEADLINE + SLACK
    assert db_unavailable.failure_reason(error) == "no answer within the query deadline (lookup.ops.db_deadline)"
    assert [r.getMessage() for r in caplog.records] == [
        "The database did not answer within 2 s (DATABASE_STATEMENT_TIMEOUT plus 1 s): connection cut"
    ]


@pytest.mark.postgres
def test_the_health_check_of_a_kept_connection_gives_up_at_the_deadline(database, connect):
    connection = connect()
    _select(connection)
    connection.close_if_unusable_or_obsolete()  # a request ended: the next one checks it first
    database.set_mode(FREEZE)

    error, elapsed = _timed(connection.close_if_health_check_failed)

    assert error is None
    assert DEADLINE <= elapsed < DEADLINE + SLACK
    assert connection.connection is None  # dropped: the request's query opens a new one


@pytest.mark.postgres
def test_a_commit_on_a_frozen_database_fails_at_the_deadline(database, connect):
    connection = connect()
    connection.set_autocommit(False)
    _select(connection, "SELECT txid_current()")
    database.set_mode(FREEZE)

    error, elapsed = _timed(connection.commit)

    assert isinstance(error, QueryDeadlinePassed)
    assert elapsed < DEADLINE + SLACK


@pytest.mark.postgres
def test_the_next_query_works_once_the_database_answers_again(database, connect):
    connection = connect()
    _select(connection)
    database.set_mode(FREEZE)
    assert isinstance(_timed(lambda: _select(connection))[0], QueryDeadlinePassed)

    database.set_mode(FORWARD)
    connection.close_if_unusable_or_obsolete()  # as Django does when the request ends

    assert _select(connection, "SELECT 2") == 2


@pytest.fixture
def pooled(database, django_db_blocker):
    """A pooled connection through the stand-in, as perpdesk/settings.py configures it,
    on a pool of its own (Django keeps one pool per alias for the process)."""
    databases = settings_from(
        {"DATABASE_URL": database.url(require_postgres()), "DATABASE_STATEMENT_TIMEOUT": str(STATEMENT_TIMEOUT),
         "DATABASE_CONNECT_TIMEOUT": "2"},
        "DATABASES",
    )["DATABASES"]
    alias = f"pooled_{os.getpid()}_{time.monotonic_ns()}"
    connection = ConnectionHandler({"default": databases["default"], alias: databases["default"]})[alias]
    connection.inc_thread_sharing()
    with django_db_blocker.unblock():
        yield connection
        connection.close()
        connection.close_pool()


@pytest.mark.postgres
def test_a_pooled_connection_frozen_between_requests_is_cut_at_the_deadline_and_replaced(database, pooled):
    assert pooled.pool is not None
    _select(pooled)
    pooled.close()  # the request ends: back to the pool, handed out again unchecked
    database.set_mode(FREEZE)

    error, elapsed = _timed(lambda: _select(pooled))
    pooled.close()  # the request ends: the pool drops the broken connection
    database.set_mode(FORWARD)

    assert isinstance(error, QueryDeadlinePassed)
    assert DEADLINE <= elapsed < DEADLINE + SLACK
    assert _select(pooled, "SELECT 2") == 2


@pytest.mark.postgres
def test_a_slow_query_under_the_deadline_is_not_cut(connect):
    connection = connect()

    error, elapsed = _timed(lambda: _select(connection, "SELECT pg_sleep(0.9)"))

    assert error is None and elapsed >= 0.9
    assert _select(connection) == 1


@pytest.mark.postgres
def test_postgresql_s_own_timeout_ends_a_long_statement_first_and_keeps_the_connection(connect):
    connection = connect()
    _select(connection)
    kept = connection.connection

    error, elapsed = _timed(lambda: _select(connection, "SELECT pg_sleep(5)"))

    assert isinstance(error, OperationalError) and not isinstance(error, QueryDeadlinePassed)
    assert db_unavailable.failure_reason(error) == "a statement ran past DATABASE_STATEMENT_TIMEOUT"
    assert STATEMENT_TIMEOUT <= elapsed < DEADLINE
    assert _select(connection) == 1 and connection.connection is kept


@pytest.mark.postgres
def test_a_new_connection_needs_no_round_trip_after_connecting(connect):
    connection = connect()

    connection.ensure_connection()

    # the zone came with the connection, so Django sent no SET TIME ZONE (unwatched)
    assert connection.connection.info.parameter_status("TimeZone") == connection.timezone_name == "UTC"


@pytest.mark.postgres
def test_no_deadline_when_the_statement_timeout_is_0(connect, settings):
    settings.DATABASE_STATEMENT_TIMEOUT = 0
    connection = connect()

    _select(connection)

    assert not hasattr(connection, "query_deadline")
    assert connection.execute_wrappers == []


@pytest.mark.postgres
def test_a_reconnect_is_watched_once_not_twice(connect):
    connection = connect()
    _select(connection)
    connection.close()

    _select(connection)

    assert connection.execute_wrappers == [connection.query_deadline.execute]


def test_other_databases_are_not_watched(db):
    from django.db import connection  # the suite's SQLite

    connection.ensure_connection()

    assert not hasattr(connection, "query_deadline")


# --- under gunicorn: the page, and the next one ------------------------------------------

PASSWORD = "db-deadline-agent-password"
CONNECT_TIMEOUT = 2


@pytest.fixture(scope="module")
def frozen_server(tmp_path_factory):
    """One gunicorn worker thread, on a migrated database of its own behind the stand-in."""
    with database_of_its_own("perpdesk_dbdeadline") as url:
        migrate_with_agent({"DATABASE_URL": url, "LOCAL_LOGIN": "true"}, PASSWORD)
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        with faulty_postgres(port) as proxy:
            env = {
                "DATABASE_URL": proxy.url(url),
                "DATABASE_STATEMENT_TIMEOUT": str(STATEMENT_TIMEOUT),
                "DATABASE_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
                "LOCAL_LOGIN": "true",
                "SECURE_SSL_REDIRECT": "false",
                "SECURE_COOKIES": "false",
                "STATIC_MANIFEST": "false",
                "GUNICORN_WORKERS": "1",
                "GUNICORN_THREADS": "1",  # one kept connection: the one that freezes
            }
            with harness.running(1, env, tmp_path_factory.mktemp("db-deadline")) as [instance]:
                yield instance, proxy


@pytest.mark.postgres
@pytest.mark.slow
def test_a_page_on_a_frozen_database_answers_503_in_seconds_and_the_next_works_again(frozen_server):
    server, database = frozen_server
    agent = signed_in_agent(server.url, PASSWORD)
    assert agent.get(f"{server.url}/", timeout=30).status_code == 200
    log_start = len(server.log())
    database.set_mode(FREEZE)
    try:
        started = time.monotonic()
        response = agent.get(f"{server.url}/", timeout=30)
        elapsed = time.monotonic() - started
    finally:
        database.set_mode(FORWARD)

    assert response.status_code == 503
    assert "perpdesk's database is unavailable" in response.text
    assert response.headers["Retry-After"].isdigit()
    # the kept connection's check cut at the deadline, then a new one given up on connecting
    assert elapsed < DEADLINE + CONNECT_TIMEOUT + 2 * SLACK
    log = server.log()[log_start:]
    assert "connection cut" in log and "WORKER TIMEOUT" not in log
    assert agent.get(f"{server.url}/", timeout=30).status_code == 200
