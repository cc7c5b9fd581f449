"""perpdesk's own database failing: a 503 page that says so, bounded waits, clean logs.

The first half makes the database fail inside Django (any DatabaseError, from a view,
the session or the user); the second talks to the real PostgreSQL through perpdesk's
own settings: refused, never answering, a statement past its timeout. The whole
request cycle under gunicorn is tests/deploy/test_db_faults.py.
"""

import logging
import time
import uuid
from contextlib import contextmanager

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import ConnectionHandler
from django.test import Client
from django.urls import path

from lookup.ops import db_unavailable, health
from lookup.checks import check_settings
from perpdesk.urls import handler500, urlpatterns as project_urls  # noqa: F401 (this URLconf's too)
from tests.support.postgres_faults import hanging_listener
from tests.support.services import require_postgres
from tests.support.settings_probe import settings_from

SECRET_DSN = 'connection to server at "db.internal" (10.0.0.7), port 5432 failed: password=hunter2'


class AuditRowRefused(DatabaseError):
    """As the audit trail raises when a page's row cannot be written."""


def _raised_from(error, cause):
    error.__cause__ = cause
    return error


FAILURES = {
    "operational": OperationalError(SECRET_DSN),
    "interface": InterfaceError("connection already closed"),
    "integrity": IntegrityError("null value in column"),
    "audit": _raised_from(AuditRowRefused("the audit row was not written"), OperationalError("Connection refused")),
}
_raised = {}


def _fails_with_database(request, failure):
    raise _raised.get(failure) or FAILURES[failure]


def _fails_otherwise(request):
    raise RuntimeError("a bug in perpdesk")


urlpatterns = [
    path("db-fails/<str:failure>/", _fails_with_database),
    path("bug/", _fails_otherwise),
    *project_urls,
]


def _client(user=None):
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def assert_database_unavailable_page(response):
    assert response.status_code == 503
    assert "perpdesk's database is unavailable" in response.content.decode()
    assert "Try again in a few seconds" in response.content.decode()
    assert response["Retry-After"] == str(db_unavailable.RETRY_AFTER_SECONDS)
    assert "no-store" in response["Cache-Control"]


@pytest.fixture
def break_database(monkeypatch):
    """From the call on, every connection attempt fails, as with PostgreSQL refusing."""

    def refuse(self):
        raise OperationalError(SECRET_DSN + "\nConnection refused")

    def break_it():
        monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", refuse)

    yield break_it
    monkeypatch.undo()


@pytest.fixture
def database_down(break_database):
    break_database()


# --- the 503 page --------------------------------------------------------------------


@pytest.mark.urls("tests.ops.test_db_faults")
@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_any_database_error_in_a_page_answers_the_database_unavailable_page(alice, failure):
    response = _client(alice).get(f"/db-fails/{failure}/")

    assert_database_unavailable_page(response)


@pytest.mark.urls("tests.ops.test_db_faults")
def test_other_errors_still_answer_the_plain_server_error_page(alice):
    response = _client(alice).get("/bug/")

    assert response.status_code == 500
    assert "Something went wrong in perpdesk" in response.content.decode()


def test_a_staff_page_answers_503_when_the_session_cannot_be_read(alice, break_database):
    signed_in = _client(alice)
    break_database()

    response = signed_in.get("/")

    assert_database_unavailable_page(response)


@pytest.mark.parametrize("path", ["/", "/customers/CUST-1/", "/orders/ORD-1/", "/invoices/INV-1/"])
def test_every_staff_page_answers_503_when_the_user_cannot_be_loaded(alice, monkeypatch, path):
    signed_in = _client(alice)

    def user_lookup_fails(*args, **kwargs):
        raise InterfaceError("connection already closed")

    monkeypatch.setattr("django.contrib.auth.get_user", user_lookup_fails)
    monkeypatch.setattr("django.contrib.auth.middleware.auth.get_user", user_lookup_fails)

    assert_database_unavailable_page(signed_in.get(path))


def test_a_staff_page_answers_503_when_the_session_cannot_be_saved(alice, monkeypatch, settings):
    settings.SESSION_SAVE_EVERY_REQUEST = True
    signed_in = _client(alice)

    def save_fails(self, must_create=False):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(SessionStore, "save", save_fails)

    assert_database_unavailable_page(signed_in.get("/"))


def test_the_page_renders_without_touching_the_database(database_down):
    # database_down: any query would raise while rendering it
    response = db_unavailable.database_unavailable_response()

    assert response.status_code == 503 and b"admin/css/base.css" in response.content


def test_a_probe_still_answers_while_the_database_is_down(database_down):
    assert _client().get("/healthz").status_code == 200
    assert _client().get("/readyz").status_code == 503


@pytest.mark.urls("tests.ops.test_db_faults")
def test_it_logs_one_warning_naming_the_failure_but_no_host_or_password(alice, caplog):
    client = _client(alice)
    caplog.clear()

    with caplog.at_level(logging.INFO):
        client.get("/db-fails/operational/")

    problems = [r for r in caplog.records if r.levelno >= logging.WARNING and r.name != "perpdesk.request"]
    assert [r.getMessage() for r in problems] == ["Database unavailable (OperationalError: no detail): answered 503"]
    assert all(record.exc_info is None for record in problems)
    assert "hunter2" not in caplog.text and "db.internal" not in caplog.text


def test_readiness_failing_on_the_database_is_logged_once_by_the_probe(database_down, caplog):
    with caplog.at_level(logging.INFO):
        assert _client().get("/readyz").status_code == 503

    problems = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert problems == ["readiness: the database does not answer (OperationalError: connection refused)"]


def test_django_s_own_record_of_the_503_is_dropped_but_not_other_errors():
    only_others = db_unavailable.DatabaseUnavailableRecords()

    def record(status, error):
        entry = logging.LogRecord("django.request", logging.ERROR, "", 0, "x", (), (type(error), error, None))
        entry.status_code = status
        return entry

    assert not only_others.filter(record(503, OperationalError("down")))
    assert only_others.filter(record(500, RuntimeError("bug")))


# --- the real PostgreSQL, through perpdesk's settings ----------------------------------


@pytest.fixture(autouse=True)
def _real_connections_allowed(request, django_db_blocker):
    """pytest-django guards Django's own test database; these tests open connections of their own."""
    if request.node.get_closest_marker("postgres"):
        with django_db_blocker.unblock():
            yield
    else:
        yield


def _perpdesk_connection(database_url, **env):
    """A connection to `database_url` configured as perpdesk/settings.py configures it,
    unpooled: the pool opens its connections with the same options (see the pooled
    tests below)."""
    env = {"DATABASE_URL": database_url, "DATABASE_POOL_MAX_SIZE": "0", **env}
    databases = settings_from(env, "DATABASES")["DATABASES"]
    return ConnectionHandler(databases)["default"]


@contextmanager
def _pooled_connection(database_url, **env):
    """A pooled connection configured as perpdesk/settings.py does, on a pool of its own
    (Django keeps one pool per alias for the process)."""
    databases = settings_from({"DATABASE_URL": database_url, **env}, "DATABASES")["DATABASES"]
    alias = f"pooled_{uuid.uuid4().hex}"
    connection = ConnectionHandler({"default": databases["default"], alias: databases["default"]})[alias]
    try:
        yield connection
    finally:
        connection.close()
        connection.close_pool()


def _fails_within(connection, sql, seconds):
    started = time.monotonic()
    with pytest.raises(DatabaseError) as failure:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    connection.close()
    elapsed = time.monotonic() - started
    assert elapsed < seconds, f"took {elapsed:.1f} s"
    return failure.value, elapsed


@pytest.mark.postgres
def test_the_settings_give_postgresql_a_connect_and_a_statement_timeout():
    options = settings_from(
        {"DATABASE_URL": "postgres://u:p@db.internal:5432/perpdesk?options=-c%20search_path%3Dapp",
         "DATABASE_CONNECT_TIMEOUT": "4", "DATABASE_STATEMENT_TIMEOUT": "2.5"},
        "DATABASES",
    )["DATABASES"]["default"]["OPTIONS"]

    assert options["connect_timeout"] == 4
    assert options["tcp_user_timeout"] == 4000
    assert options["options"] == "-c search_path=app -c statement_timeout=2500 -c TimeZone=UTC"


@pytest.mark.postgres
def test_a_connection_opened_by_perpdesk_carries_its_timeouts():
    connection = _perpdesk_connection(require_postgres())
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            [statement_timeout] = cursor.fetchone()
        parameters = connection.connection.info.get_parameters()
    finally:
        connection.close()

    assert statement_timeout == "5s"
    assert (parameters["connect_timeout"], parameters["tcp_user_timeout"], parameters["keepalives_idle"]) == (
        "3", "3000", "3"
    )


@pytest.mark.postgres
def test_a_statement_past_the_statement_timeout_is_cancelled_by_postgresql():
    connection = _perpdesk_connection(require_postgres(), DATABASE_STATEMENT_TIMEOUT="1")

    error, elapsed = _fails_within(connection, "SELECT pg_sleep(10)", seconds=4)

    assert isinstance(error, OperationalError) and elapsed >= 1
    assert db_unavailable.failure_reason(error) == "a statement ran past DATABASE_STATEMENT_TIMEOUT"


@pytest.mark.postgres
def test_connecting_to_a_database_that_never_answers_gives_up_at_the_connect_timeout():
    with hanging_listener() as port:
        connection = _perpdesk_connection(f"postgres://postgres@127.0.0.1:{port}/test", DATABASE_CONNECT_TIMEOUT="2")

        error, elapsed = _fails_within(connection, "SELECT 1", seconds=5)

    assert elapsed >= 1.9
    assert db_unavailable.failure_reason(error) == "no answer within DATABASE_CONNECT_TIMEOUT"


@pytest.mark.postgres
def test_a_closed_port_is_refused_at_once():
    connection = _perpdesk_connection("postgres://postgres:hunter2@127.0.0.1:1/test")

    error, _ = _fails_within(connection, "SELECT 1", seconds=1)

    assert db_unavailable.failure_reason(error) == "connection refused"


@pytest.mark.postgres
def test_postgresql_connections_are_pooled_by_default_with_a_bounded_size():
    default = settings_from({"DATABASE_URL": "postgres://u@db.internal/perpdesk"}, "DATABASES")["DATABASES"]["default"]

    assert default["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 4, "timeout": 3.0}
    assert default["CONN_MAX_AGE"] == 0


@pytest.mark.postgres
def test_a_pooled_connection_carries_the_same_timeouts():
    with _pooled_connection(require_postgres(), DATABASE_STATEMENT_TIMEOUT="2") as connection:
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            [statement_timeout] = cursor.fetchone()

    assert statement_timeout == "2s"


@pytest.mark.postgres
def test_a_refusing_database_behind_the_pool_fails_within_the_pool_timeout():
    with _pooled_connection("postgres://postgres:hunter2@127.0.0.1:1/test", DATABASE_POOL_TIMEOUT="1") as connection:
        error, elapsed = _fails_within(connection, "SELECT 1", seconds=3)

    assert isinstance(error, OperationalError) and elapsed >= 0.9
    assert db_unavailable.failure_reason(error) == "no free pooled connection within DATABASE_POOL_TIMEOUT"


@pytest.mark.postgres
@pytest.mark.urls("tests.ops.test_db_faults")
def test_a_pool_with_no_free_connection_answers_the_database_unavailable_page(alice):
    with _pooled_connection(require_postgres(), DATABASE_POOL_MAX_SIZE="1", DATABASE_POOL_TIMEOUT="0.5") as holder:
        holder.ensure_connection()  # the pool's one connection, held
        waiter = ConnectionHandler({"default": holder.settings_dict, holder.alias: holder.settings_dict})[holder.alias]
        error, elapsed = _fails_within(waiter, "SELECT 1", seconds=3)
    _raised["operational"] = error  # the PoolTimeout, as Django raised it
    try:
        response = _client(alice).get("/db-fails/operational/")
    finally:
        _raised.clear()

    assert elapsed >= 0.4
    assert db_unavailable.failure_reason(error) == "no free pooled connection within DATABASE_POOL_TIMEOUT"
    assert_database_unavailable_page(response)


@pytest.mark.postgres
@pytest.mark.urls("tests.ops.test_db_faults")
def test_a_real_statement_timeout_answers_the_database_unavailable_page(alice):
    connection = _perpdesk_connection(require_postgres(), DATABASE_STATEMENT_TIMEOUT="0.5")
    _raised["operational"], _ = _fails_within(connection, "SELECT pg_sleep(5)", seconds=3)
    try:
        response = _client(alice).get("/db-fails/operational/")
    finally:
        _raised.clear()

    assert_database_unavailable_page(response)


@pytest.mark.postgres
def test_readiness_checks_the_real_database(monkeypatch):
    monkeypatch.setattr(health, "connection", _perpdesk_connection(require_postgres()))

    assert health.DatabaseProbe().state(timeout=2) == "ok"


@pytest.mark.postgres
def test_readiness_answers_within_its_budget_while_the_database_never_answers(monkeypatch):
    probe = health.DatabaseProbe()
    with hanging_listener() as port:
        monkeypatch.setattr(health, "connection", _perpdesk_connection(f"postgres://postgres@127.0.0.1:{port}/test"))
        started = time.monotonic()
        first = probe.state(timeout=0.5)
        others = [probe.state(timeout=0.5) for _ in range(10)]  # the first check still waits on libpq
        elapsed = time.monotonic() - started

    assert first == "down" and others == ["down"] * 10
    assert elapsed < 1.0


# --- the settings --------------------------------------------------------------------


@pytest.mark.parametrize(
    "setting, value, message",
    [
        ("DATABASE_CONNECT_TIMEOUT", 1, "DATABASE_CONNECT_TIMEOUT must be at least 2 seconds (PostgreSQL's shortest)."),
        ("DATABASE_STATEMENT_TIMEOUT", -1,
         "DATABASE_STATEMENT_TIMEOUT must be 0 (no limit) or a positive number of seconds."),
        ("READYZ_TIMEOUT", 0, "READYZ_TIMEOUT must be a positive number of seconds."),
    ],
)
def test_a_bad_timeout_stops_start_up_with_one_line(settings, setting, value, message):
    setattr(settings, setting, value)

    assert message in [error.msg for error in check_settings()]


def test_no_statement_timeout_is_allowed(settings):
    settings.DATABASE_STATEMENT_TIMEOUT = 0

    assert not [error for error in check_settings() if "DATABASE_STATEMENT_TIMEOUT" in error.msg]
