"""lookup.ops.db_pool: a pooled connection the server closed while idle is never handed
out, and a live one is handed out without a round trip."""

import time
import uuid

import psycopg
import pytest
from django.db.utils import ConnectionHandler

from lookup.ops.db_pool import IdleConnectionDead, check_idle_connection
from tests.support.services import require_postgres
from tests.support.settings_probe import settings_from

pytestmark = pytest.mark.postgres


def _terminate(pid=None, application_name=None):
    with psycopg.connect(require_postgres(), autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = %s OR application_name = %s",
            (pid, application_name),
        )
    time.sleep(0.2)  # the FATAL and the close reach the client's socket


def test_a_live_idle_connection_passes_without_a_round_trip():
    with psycopg.connect(require_postgres(), autocommit=True) as conn:
        conn.execute("SELECT 1")
        sent_before = conn.pgconn.transaction_status

        check_idle_connection(conn)

        assert not conn.closed and conn.pgconn.transaction_status == sent_before


def test_an_idle_connection_the_server_ended_fails_the_check_and_is_closed():
    conn = psycopg.connect(require_postgres(), autocommit=True)
    _terminate(conn.info.backend_pid)

    with pytest.raises(IdleConnectionDead):
        check_idle_connection(conn)

    assert conn.closed


@pytest.fixture
def pooled(django_db_blocker):
    alias = f"pooled_{uuid.uuid4().hex}"
    url = f"{require_postgres()}?application_name={alias}"
    databases = settings_from({"DATABASE_URL": url}, "DATABASES")["DATABASES"]
    connection = ConnectionHandler({"default": databases["default"], alias: databases["default"]})[alias]
    with django_db_blocker.unblock():
        yield connection
        connection.close()
        connection.close_pool()


def _backend_pid(connection):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_after_the_server_ended_the_pooled_connections_the_next_request_gets_a_new_one(pooled):
    first = _backend_pid(pooled)  # the first checkout gives the pool its check
    pooled.close()  # the request ends: back to the pool
    _terminate(application_name=pooled.alias)  # every connection of the pool (a restart)

    after = _backend_pid(pooled)  # no OperationalError: no dead one was handed out

    assert after != first
