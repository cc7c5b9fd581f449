"""Two perpdesk instances on one PostgreSQL and one Redis behave as one deployment.

Two gunicorn processes (two workers each) on their own ports, in front of the sandbox
PERP (in this process, with latency so requests overlap): a session, a refresh, a
single PERP call for a page wanted everywhere at once, and the circuit breaker are
all shared. Both run on the PostgreSQL pool, and one instance under load holds no more
connections than its workers times DATABASE_POOL_MAX_SIZE.
"""

import re
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
import redis
import requests

from sandbox_perp.server import SandboxServer
from tests.support import gunicorn as harness
from tests.support.deployment import database_of_its_own, migrate_with_agent, signed_in_agent
from tests.support.services import require_postgres, require_redis

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

SANDBOX_KEY = "scale-out-sandbox-key"
CACHE_URL = "redis://127.0.0.1:6379/14"
PASSWORD = "scale-out-password-1"
FETCHED = re.compile(r'class="pd-fetched">fetched <time datetime="([^"]+)"')
CUSTOMER_ENDPOINTS = {
    "/api/customers/{id}",
    "/api/customers/{id}/vip-wallet",
    "/api/customers/{id}/orders",
    "/api/customers/{id}/invoices",
}


@pytest.fixture(scope="module")
def sandbox():
    with SandboxServer(port=0, key=SANDBOX_KEY) as server:
        yield server


@pytest.fixture(scope="module")
def database_url():
    """A database of its own on the shared PostgreSQL, dropped afterwards."""
    with database_of_its_own("perpdesk_scaleout") as url:
        yield url


@pytest.fixture(scope="module")
def shared_cache():
    require_redis()
    client = redis.Redis.from_url(CACHE_URL)
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture(scope="module")
def deployment_env(sandbox, database_url, shared_cache):
    """What every instance runs with; the database migrated once, with one support agent."""
    env = {
        "DATABASE_URL": database_url,
        "CACHE_URL": CACHE_URL,
        "PERP_API_URL": sandbox.base_url,
        "PERP_API_KEY": SANDBOX_KEY,
        "LOCAL_LOGIN": "true",
        # Plain http between the test and gunicorn, as if nginx had ended TLS.
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "STATIC_MANIFEST": "false",  # no collectstatic: hashed names are test_deploy_*'s business
        "PERP_MAX_RETRIES": "0",
        "METRICS_ALLOWED_NETWORKS": "127.0.0.1/32",
    }
    migrate_with_agent(env, PASSWORD)
    return env


@pytest.fixture(scope="module")
def deployment(deployment_env, tmp_path_factory):
    """Instances A and B."""
    with harness.running(2, deployment_env, tmp_path_factory.mktemp("scale-out")) as instances:
        yield instances


@pytest.fixture(scope="module")
def agent(deployment):
    """A requests session signed in on instance A."""
    a, _ = deployment
    return signed_in_agent(a.url, PASSWORD)


@pytest.fixture
def perp_counts(sandbox):
    sandbox.reset_stats()

    def counts():
        return {endpoint: calls for endpoint, calls in sandbox.stats().items() if calls}

    return counts


def copy_of(session):
    other = requests.Session()
    other.cookies.update(session.cookies)
    return other


def fetched_at(page):
    return FETCHED.search(page).group(1)


def test_a_session_started_on_one_instance_is_valid_on_the_other(deployment, agent):
    a, b = deployment

    response = agent.get(f"{b.url}/", allow_redirects=False)

    assert response.status_code == 200
    assert "agent" in response.text


def test_a_page_wanted_on_both_instances_at_once_costs_one_call_per_endpoint(deployment, agent, sandbox, perp_counts):
    a, b = deployment
    sandbox.set_faults(latency_ms=400)
    try:
        with ThreadPoolExecutor(6) as pool:
            pages = list(pool.map(
                lambda base: copy_of(agent).get(f"{base}/customers/CUST-1003/"), [a.url, b.url] * 3
            ))
    finally:
        sandbox.reset_faults()

    assert [page.status_code for page in pages] == [200] * 6
    assert perp_counts() == dict.fromkeys(CUSTOMER_ENDPOINTS, 1)
    assert len({fetched_at(page.text) for page in pages}) == 1


def test_a_refresh_on_one_instance_is_what_the_other_shows(deployment, agent, perp_counts):
    a, b = deployment
    first = fetched_at(agent.get(f"{a.url}/customers/CUST-1004/").text)
    time.sleep(0.01)

    refreshed = agent.post(
        f"{a.url}/refresh/",
        data={"next": "/customers/CUST-1004/", "csrfmiddlewaretoken": agent.cookies["csrftoken"]},
    )
    calls_after_refresh = perp_counts()
    on_b = agent.get(f"{b.url}/customers/CUST-1004/")

    assert refreshed.status_code == 200 and fetched_at(refreshed.text) > first
    assert fetched_at(on_b.text) == fetched_at(refreshed.text)
    assert perp_counts() == calls_after_refresh  # B read nothing from PERP itself


def test_the_breaker_opened_by_failures_on_one_instance_is_open_on_the_other(
    deployment, agent, sandbox, shared_cache, perp_counts
):
    a, b = deployment
    sandbox.set_faults(failure_rate=1.0)
    try:
        for _ in range(5):
            agent.get(f"{a.url}/customers/CUST-1005/")
            if requests.get(f"{a.url}/readyz").json()["perp"]["breaker"] == "open":
                break
        sandbox.reset_stats()

        on_b = agent.get(f"{b.url}/customers/CUST-1006/")
        ready_b = requests.get(f"{b.url}/readyz")
        metrics_b = requests.get(f"{b.url}/metrics").text
    finally:
        sandbox.reset_faults()
        shared_cache.flushdb()  # closes the breaker for whatever runs next

    assert ready_b.status_code == 200 and ready_b.json()["perp"] == {"breaker": "open"}
    assert 'perpdesk_perp_breaker_state{state="open"} 1.0' in metrics_b
    assert on_b.status_code == 200
    assert perp_counts() == {}  # B did not even try PERP


def test_an_instance_stopped_mid_page_finishes_the_page(deployment_env, agent, sandbox, tmp_path):
    """SIGTERM (a deploy) lets requests in flight finish within GUNICORN_GRACEFUL_TIMEOUT."""
    with harness.running(1, deployment_env, tmp_path) as [c]:
        sandbox.set_faults(latency_ms=1500)
        try:
            with ThreadPoolExecutor(1) as pool:
                page = pool.submit(copy_of(agent).get, f"{c.url}/customers/CUST-1007/")
                time.sleep(0.5)
                c.process.terminate()
                response = page.result(timeout=10)
        finally:
            sandbox.reset_faults()
        c.process.wait(10)

    assert response.status_code == 200
    assert fetched_at(response.text)  # PERP's data, not a timed-out section
    assert c.process.returncode == 0


# --- PostgreSQL connections: a bounded pool per worker, whatever the thread count --------
BOUNDED_APP = "perpdesk-bounded"
BOUNDED_WORKERS, BOUNDED_POOL, BOUNDED_THREADS = 2, 2, 8


def _connections_of(application_name, database_url):
    database = database_url.rsplit("/", 1)[1]
    with psycopg.connect(require_postgres(), autocommit=True) as connection:
        return connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
            (database, application_name),
        ).fetchone()[0]


def test_both_instances_run_on_the_pool(deployment, database_url, agent):
    a, b = deployment
    for instance in (a, b):
        assert copy_of(agent).get(f"{instance.url}/", allow_redirects=False).status_code == 200

    # two instances x two workers x DATABASE_POOL_MAX_SIZE (4), whatever their 8 threads do
    assert 0 < _connections_of("", database_url) <= 2 * 2 * 4


def test_an_instance_holds_at_most_workers_times_pool_size_connections_under_load(
    deployment_env, database_url, agent, sandbox, tmp_path
):
    env = {
        **deployment_env,
        "DATABASE_URL": f"{database_url}?application_name={BOUNDED_APP}",
        "DATABASE_POOL_MAX_SIZE": str(BOUNDED_POOL),
        "DATABASE_POOL_TIMEOUT": "30",  # requests past the pool wait their turn here
        "GUNICORN_WORKERS": str(BOUNDED_WORKERS),
        "GUNICORN_THREADS": str(BOUNDED_THREADS),
    }
    requests_at_once = 3 * BOUNDED_WORKERS * BOUNDED_THREADS  # more than its threads
    with harness.running(1, env, tmp_path) as [c]:
        sandbox.set_faults(latency_ms=150)
        seen, done = [], []
        try:
            with ThreadPoolExecutor(requests_at_once + 1) as pool:
                def sample():
                    while not done:
                        seen.append(_connections_of(BOUNDED_APP, database_url))
                        time.sleep(0.05)

                sampler = pool.submit(sample)
                pages = list(pool.map(
                    lambda n: copy_of(agent).get(f"{c.url}/customers/CUST-{1010 + n % 8}/", timeout=60),
                    range(requests_at_once),
                ))
                done.append(True)
                sampler.result()
        finally:
            sandbox.reset_faults()

    assert [page.status_code for page in pages] == [200] * requests_at_once
    assert 0 < max(seen) <= BOUNDED_WORKERS * BOUNDED_POOL


def test_pages_waiting_on_a_slow_perp_do_not_hold_the_pool(deployment_env, agent, sandbox, tmp_path):
    # One connection for four threads, and PERP slower than the pool's wait: a page that
    # kept its connection while PERP answers would leave the other three the 503 page.
    env = {
        **deployment_env,
        "DATABASE_POOL_MAX_SIZE": "1",
        "DATABASE_POOL_TIMEOUT": "1",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "4",
    }
    with harness.running(1, env, tmp_path) as [c]:
        sandbox.set_faults(latency_ms=1500)
        try:
            with ThreadPoolExecutor(4) as pool:
                pages = list(pool.map(
                    lambda n: copy_of(agent).get(f"{c.url}/customers/CUST-{1020 + n}/", timeout=60),
                    range(4),
                ))
        finally:
            sandbox.reset_faults()

    assert [page.status_code for page in pages] == [200] * 4
