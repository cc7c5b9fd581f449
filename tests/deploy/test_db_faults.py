"""perpdesk's database failing under real gunicorn (gthread, gunicorn.conf.py), in front
of the real PostgreSQL through a stand-in that refuses, hangs or forwards on demand
(tests/support/postgres_faults.py): staff see the 503 page within the connect timeout, the
probes keep answering within their budgets, and pages come back with the database."""

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.support import gunicorn as harness
from tests.support.deployment import database_of_its_own, migrate_with_agent, signed_in_agent
from tests.support.postgres_faults import FORWARD, HANG, REFUSE, faulty_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

PASSWORD = "db-faults-agent-password"
DATABASE_PASSWORD = "never-logged-db-password"  # trust auth ignores it; the logs must not show it
CONNECT_TIMEOUT = 2
READYZ_TIMEOUT = 1.0
THREADS = 4


@pytest.fixture(scope="module")
def database_url():
    """A migrated database of its own, with one support agent; dropped afterwards."""
    with database_of_its_own("perpdesk_dbfaults") as url:
        migrate_with_agent({"DATABASE_URL": url, "LOCAL_LOGIN": "true"}, PASSWORD)
        yield url


@pytest.fixture(scope="module")
def database(database_url):
    """The stand-in in front of PostgreSQL."""
    port = int(database_url.rsplit(":", 1)[1].split("/")[0])
    with faulty_postgres(port) as proxy:
        yield proxy


@pytest.fixture(scope="module")
def server(database, database_url, tmp_path_factory):
    user, rest = database.url(database_url).split("://", 1)[1].split("@", 1)
    env = {
        "DATABASE_URL": f"postgres://{user}:{DATABASE_PASSWORD}@{rest}",
        "DATABASE_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
        "READYZ_TIMEOUT": str(READYZ_TIMEOUT),
        "LOCAL_LOGIN": "true",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "STATIC_MANIFEST": "false",
        "GUNICORN_WORKERS": "1",  # one process: every request meets the same threads
        "GUNICORN_THREADS": str(THREADS),
    }
    with harness.running(1, env, tmp_path_factory.mktemp("db-faults")) as [instance]:
        yield instance


@pytest.fixture(scope="module")
def agent(server):
    return signed_in_agent(server.url, PASSWORD)


@pytest.fixture
def mode(database, agent):
    """Set the database's mode for one test; it is back to forwarding afterwards."""
    yield database.set_mode
    database.set_mode(FORWARD)


def _timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def _log_lines(server, since):
    lines = []
    for line in server.log()[since:].splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            lines.append({"message": line})
    return lines


def assert_database_unavailable_page(response):
    assert response.status_code == 503
    assert "perpdesk's database is unavailable" in response.text
    assert response.headers["Retry-After"].isdigit()


def test_a_staff_page_answers_while_the_database_answers(server, agent):
    assert agent.get(f"{server.url}/").status_code == 200
    assert requests.get(f"{server.url}/readyz").json()["database"] == "ok"


def test_a_refusing_database_gives_staff_the_503_page_within_the_pool_timeout(server, agent, mode):
    log_start = len(server.log())
    mode(REFUSE)

    response, elapsed = _timed(lambda: agent.get(f"{server.url}/", timeout=30))
    readiness = requests.get(f"{server.url}/readyz", timeout=30)

    assert_database_unavailable_page(response)
    # the pool's cut connections are discarded unused; it waits DATABASE_POOL_TIMEOUT
    # (the connect timeout by default) for a new one (unpooled: at once, tests/ops)
    assert elapsed < CONNECT_TIMEOUT + 1.0
    assert readiness.status_code == 503 and readiness.json()["database"] == "down"
    assert requests.get(f"{server.url}/healthz", timeout=5).status_code == 200
    lines = _log_lines(server, log_start)
    assert any(
        line.get("message", "").startswith("Database unavailable (OperationalError: ") for line in lines
    ), lines
    assert not any(line.get("level") == "ERROR" for line in lines), lines
    assert DATABASE_PASSWORD not in server.log()


def test_pages_come_back_when_the_database_does(server, agent, mode):
    mode(REFUSE)
    assert agent.get(f"{server.url}/", timeout=30).status_code == 503

    mode(FORWARD)

    # every thread's kept connection was cut: each is checked and replaced, none is stuck
    assert [agent.get(f"{server.url}/", timeout=30).status_code for _ in range(2 * THREADS)] == [200] * 2 * THREADS
    assert requests.get(f"{server.url}/readyz", timeout=30).status_code == 200


def test_a_hanging_database_costs_a_page_the_connect_timeout_then_the_503_page(server, agent, mode):
    log_start = len(server.log())
    mode(HANG)

    response, elapsed = _timed(lambda: agent.get(f"{server.url}/", timeout=30))

    assert_database_unavailable_page(response)
    assert elapsed < CONNECT_TIMEOUT + 2.5
    messages = [line.get("message", "") for line in _log_lines(server, log_start)]
    # on the pool: the cut connections are discarded unused, a new one cannot be opened
    assert any("no free pooled connection within DATABASE_POOL_TIMEOUT" in message for message in messages), messages


def test_probes_of_a_hanging_database_answer_in_time_and_leave_threads_free(server, mode):
    mode(HANG)

    def readyz():
        return _timed(lambda: requests.get(f"{server.url}/readyz", timeout=30))

    first, elapsed = readyz()  # the check that finds the database hanging, within its budget
    assert first.status_code == 503 and first.json()["database"] == "down"
    assert READYZ_TIMEOUT <= elapsed < READYZ_TIMEOUT + 1.0

    def healthz():
        time.sleep(0.3)  # once the readiness probes are in
        return _timed(lambda: requests.get(f"{server.url}/healthz", timeout=30))

    with ThreadPoolExecutor(max_workers=4 * THREADS) as pool:
        readiness = [pool.submit(readyz) for _ in range(3 * THREADS)]
        health = [pool.submit(healthz) for _ in range(THREADS)]
        readiness, health = [f.result() for f in readiness], [f.result() for f in health]

    assert all(response.status_code == 503 for response, _ in readiness)
    assert max(elapsed for _, elapsed in readiness) < READYZ_TIMEOUT + 1.0
    assert all(response.status_code == 200 for response, _ in health)
    assert max(elapsed for _, elapsed in health) < 0.5


def test_pages_come_back_after_the_database_hung(server, agent, mode):
    mode(HANG)
    assert agent.get(f"{server.url}/", timeout=30).status_code == 503

    mode(FORWARD)

    assert agent.get(f"{server.url}/", timeout=30).status_code == 200
