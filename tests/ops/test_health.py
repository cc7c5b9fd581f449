"""/healthz and /readyz: probes need no sign-in, tell dependencies apart, reveal nothing."""

import threading
import time

import pytest
from django.db import OperationalError

from lookup.reading import breaker

from lookup.ops import health

DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens on the discard port
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
    }
}


@pytest.fixture
def database_down(monkeypatch):
    from django.db.backends.base.base import BaseDatabaseWrapper

    def refuse(self, *args, **kwargs):
        raise OperationalError('connection to server at "db.internal" failed: password=hunter2')

    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", refuse)


class HangingCheck:
    """The database check, hanging until `release` is set; counts the checks started."""

    def __init__(self):
        self.started = 0
        self.running, self.release, self.finished = threading.Event(), threading.Event(), threading.Event()

    def __call__(self, timeout):
        self.started += 1
        self.running.set()
        self.release.wait(10)
        self.finished.set()
        return "ok"


@pytest.fixture
def hanging_check(monkeypatch):
    check = HangingCheck()
    monkeypatch.setattr(health, "_database_state", check)
    yield check
    check.release.set()


def test_it_says_alive_without_touching_anything(client):
    # No django_db mark: any database access would fail the test.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_it_is_ready_when_database_and_cache_answer(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok", "cache": "ok", "perp": {"breaker": "closed"}}


@pytest.mark.django_db
def test_it_stays_ready_while_perp_is_down(client, monkeypatch):
    monkeypatch.setattr("lookup.ops.health.breaker_state", lambda: breaker.OPEN)

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["perp"] == {"breaker": "open"}


@pytest.mark.django_db
def test_it_is_not_ready_when_the_database_is_down(client, database_down):
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["database"] == "down"
    assert b"hunter2" not in response.content and b"db.internal" not in response.content


@pytest.mark.django_db
def test_it_stays_ready_with_the_cache_degraded_when_the_cache_is_down(client, settings):
    settings.CACHES = DEAD_REDIS

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["status"] == "ready" and response.json()["cache"] == "degraded"
    assert b"127.0.0.1:9" not in response.content


@pytest.mark.django_db
def test_it_is_not_ready_when_the_database_is_down_whatever_the_cache(client, settings, database_down):
    settings.CACHES = DEAD_REDIS

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "not ready", "database": "down", "cache": "degraded", "perp": {"breaker": "closed"},
    }


def test_a_database_check_past_its_budget_is_down_at_the_budget(hanging_check):
    probe = health.DatabaseProbe()

    started = time.monotonic()
    state = probe.state(timeout=0.3)

    assert state == "down"
    assert 0.3 <= time.monotonic() - started < 1.0


def test_while_a_check_runs_other_probes_answer_at_once_with_the_last_result(hanging_check):
    probe = health.DatabaseProbe()
    probe.state(timeout=0.1)  # "down", and the check goes on hanging

    started = time.monotonic()
    states = [probe.state(timeout=5) for _ in range(20)]

    assert states == ["down"] * 20
    assert time.monotonic() - started < 0.5
    assert hanging_check.started == 1  # one check at a time: the others never started one


def test_before_any_check_has_finished_other_probes_say_busy(hanging_check):
    probe = health.DatabaseProbe()
    first = threading.Thread(target=probe.state, kwargs={"timeout": 2})
    first.start()
    hanging_check.running.wait(1)

    assert probe.state(timeout=2) == "busy"
    first.join()


def test_it_is_ready_again_once_the_database_answers(hanging_check):
    probe = health.DatabaseProbe()
    assert probe.state(timeout=0.1) == "down"

    hanging_check.release.set()  # the database answers again

    assert _eventually(lambda: probe.state(timeout=1) == "ok")


def _eventually(condition, seconds=2.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
@pytest.mark.django_db
def test_it_needs_no_sign_in(client, path):
    response = client.get(path)

    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
@pytest.mark.django_db
def test_it_answers_probes_over_plain_http(client, settings, path):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get(path).status_code == 200
    assert client.get("/").status_code == 301


@pytest.mark.django_db
def test_it_is_never_cached(client):
    response = client.get("/readyz")

    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_it_is_not_audited(alice_client):
    from lookup.models import AuditEntry

    rows_before = AuditEntry.objects.count()  # alice's sign-in

    alice_client.get("/healthz")
    alice_client.get("/readyz")

    assert AuditEntry.objects.count() == rows_before
