"""perpdesk under real gunicorn with production settings: what only a real server shows."""

import json
import re

import pytest
import requests
from requests.adapters import HTTPAdapter

from tests.support import gunicorn as harness

pytestmark = pytest.mark.slow

STATIC_CSS = re.compile(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"')


class FromAddress(HTTPAdapter):
    """Connects from a given local address: 127.0.0.2 is loopback, but not a trusted proxy."""

    def __init__(self, address):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, source_address=(self.address, 0), **kwargs)


def stranger():
    session = requests.Session()
    session.mount("http://", FromAddress("127.0.0.2"))
    return session


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A migrated database and collected static files, as a deploy leaves them."""
    directory = tmp_path_factory.mktemp("site")
    env = {
        "DATABASE_URL": f"sqlite:///{directory / 'db.sqlite3'}",
        "STATIC_ROOT": str(directory / "static"),
        "METRICS_ALLOWED_NETWORKS": "127.0.0.1/32",
    }
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        result = harness.manage(env, *command)
        assert result.returncode == 0, result.stderr
    return env, directory


@pytest.fixture(scope="module")
def server(site):
    env, directory = site
    metrics_dir = directory / "metrics"
    metrics_dir.mkdir()
    with harness.running(1, {**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}, directory) as [instance]:
        instance.metrics_dir = metrics_dir
        yield instance


def test_it_ignores_a_forged_https_header_from_an_untrusted_peer(server):
    forged = stranger().get(f"{server.url}/login/", headers={"X-Forwarded-Proto": "https"}, allow_redirects=False)
    proxied = requests.get(f"{server.url}/login/", headers={"X-Forwarded-Proto": "https"}, allow_redirects=False)

    assert forged.status_code == 301 and forged.headers["Location"].startswith("https://")
    assert proxied.status_code == 200


def test_it_keeps_the_proxys_request_id_only(server):
    rid = "0123456789abcdef0123456789abcdef"

    from_proxy = requests.get(f"{server.url}/healthz", headers={"X-Request-ID": rid})
    from_stranger = stranger().get(f"{server.url}/healthz", headers={"X-Request-ID": rid})

    assert from_proxy.headers["X-Request-ID"] == rid
    assert from_stranger.headers["X-Request-ID"] != rid


def test_it_answers_probes_over_plain_http(server):
    assert requests.get(f"{server.url}/healthz", allow_redirects=False).status_code == 200
    assert requests.get(f"{server.url}/readyz", allow_redirects=False).status_code == 200
    assert requests.get(f"{server.url}/login/", allow_redirects=False).status_code == 301


def test_it_stays_ready_while_perp_is_down(server):
    response = requests.get(f"{server.url}/readyz")  # PERP_API_URL points at a closed port

    assert response.status_code == 200
    assert response.json()["perp"] == {"breaker": "closed"}


def test_it_is_not_ready_while_its_database_is_down(site):
    env, directory = site
    down = {**env, "DATABASE_URL": "postgres://perpdesk:s3cret-db-password@127.0.0.1:9/perpdesk"}
    with harness.running(1, down, directory) as [instance]:
        ready = requests.get(f"{instance.url}/readyz")
        alive = requests.get(f"{instance.url}/healthz")

    assert ready.status_code == 503
    assert ready.json()["database"] == "down" and ready.json()["cache"] == "ok"
    assert "s3cret" not in ready.text and "127.0.0.1:9" not in ready.text
    assert alive.status_code == 200


def test_it_serves_hashed_static_files_for_a_year(server):
    as_proxied = {"X-Forwarded-Proto": "https"}
    page = requests.get(f"{server.url}/login/", headers=as_proxied).text
    css = STATIC_CSS.search(page).group(1)

    response = requests.get(f"{server.url}{css}", headers=as_proxied)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "max-age=315360000, public, immutable"


def test_its_metrics_add_up_every_workers_count(server):
    def healthz_count():
        text = requests.get(f"{server.url}/metrics").text
        match = re.search(r'perpdesk_http_request_duration_seconds_count\{[^}]*route="/healthz"[^}]*\} (\S+)', text)
        return float(match.group(1)) if match else 0.0

    before = healthz_count()
    for _ in range(40):
        requests.get(f"{server.url}/healthz", headers={"Connection": "close"})

    assert [healthz_count() for _ in range(6)] == [before + 40] * 6
    assert len({path.stem.rsplit("_", 1)[-1] for path in server.metrics_dir.glob("histogram_*.db")}) == 2


def test_it_keeps_metrics_from_the_public(server):
    assert stranger().get(f"{server.url}/metrics").status_code == 404


def test_it_writes_its_log_as_json_lines_without_query_strings(server):
    response = requests.get(f"{server.url}/healthz", params={"q": "ada@example.com"})

    log = server.log()
    lines = [json.loads(line) for line in log.splitlines() if line.strip()]
    [request_line] = [line for line in lines if line.get("request_id") == response.headers["X-Request-ID"]]
    assert request_line["route"] == "/healthz" and request_line["status"] == 200
    assert any(line["logger"] == "gunicorn.error" for line in lines)
    assert not any(line["logger"] == "gunicorn.access" for line in lines)
    assert "ada@example.com" not in log and "ada%40example.com" not in log
