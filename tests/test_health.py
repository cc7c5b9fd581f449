"""/healthz and /readyz: probes need no sign-in, tell dependencies apart, reveal nothing."""

import pytest
from django.db import OperationalError

from lookup import breaker

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
    monkeypatch.setattr("lookup.health.breaker_state", lambda: breaker.OPEN)

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
def test_it_is_not_ready_when_the_cache_is_down(client, settings):
    settings.CACHES = DEAD_REDIS

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["cache"] == "down"
    assert b"127.0.0.1:9" not in response.content


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
