"""Start-up refuses bad production settings with one clear line naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from lookup.checks import check_settings
from tests.support.gunicorn import OIDC_ENV
from tests.support.settings_probe import settings_from

PROJECT_DIR = Path(__file__).resolve().parents[2]
GOOD_PRODUCTION_ENV = {
    **OIDC_ENV,
    "DEBUG": "false",
    "SECRET_KEY": "x" * 50,
    "PERP_API_URL": "https://perp.example.com/api",
    "PERP_API_KEY": "a-real-key",
    "ALLOWED_HOSTS": "perpdesk.example.com",
}


def _run(args, **overrides):
    env = {k: v for k, v in os.environ.items() if k not in GOOD_PRODUCTION_ENV}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(GOOD_PRODUCTION_ENV)
    env.update(overrides)
    env = {k: v for k, v in env.items() if v is not None}
    return subprocess.run(
        [sys.executable, *args], cwd=PROJECT_DIR, env=env, capture_output=True, text=True,
        timeout=60,
    )


def _messages(**settings):
    with override_settings(**settings):
        return [error.msg for error in check_settings()]


def test_it_accepts_complete_production_settings():
    result = _run(["manage.py", "check"])
    assert result.returncode == 0, result.stderr


def test_it_stops_start_up_when_perp_api_key_is_missing():
    result = _run(["manage.py", "check"], PERP_API_KEY=None)
    assert result.returncode != 0
    assert "PERP_API_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_it_stops_gunicorn_start_up_with_one_line_per_problem():
    result = _run(["-c", "import perpdesk.wsgi"], PERP_API_KEY=None, SECRET_KEY=None)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "perpdesk: configuration error: SECRET_KEY is not set: give it a long random value.",
        "perpdesk: configuration error: PERP_API_KEY is not set: "
        "perpdesk cannot call PERP without it.",
    ]


def test_it_stops_gunicorn_start_up_when_sign_in_is_not_configured():
    result = _run(["-c", "import perpdesk.wsgi"], OIDC_RP_CLIENT_ID=None)
    assert result.returncode == 2
    assert "OIDC_RP_CLIENT_ID is not set" in result.stderr


def test_it_names_an_unparsable_value_without_echoing_it():
    result = _run(["manage.py", "check"], PERP_READ_TIMEOUT="soon", DATABASE_URL="pg://secret@x")
    assert result.returncode != 0
    assert "PERP_READ_TIMEOUT is not valid: expected a number of seconds." in result.stderr
    assert "DATABASE_URL is not valid" in result.stderr
    assert "secret" not in result.stderr and "Traceback" not in result.stderr


def test_it_allows_embedded_defaults_with_debug_on():
    assert _messages(DEBUG=True, PERP_API_KEY="sandbox-key") == []


def test_it_requires_an_http_perp_url():
    assert "PERP_API_URL must be an http(s) URL such as https://perp.example.com/api." in (
        _messages(PERP_API_URL="ftp://perp.example.com")
    )


def test_it_requires_positive_timeouts():
    assert "PERP_READ_TIMEOUT must be a positive number of seconds." in (
        _messages(PERP_READ_TIMEOUT=0)
    )


def test_it_rejects_a_short_secret_key_in_production():
    assert "SECRET_KEY is too short: use at least 32 random characters." in (
        _messages(DEBUG=False, SECRET_KEY="short")
    )


@pytest.mark.parametrize("name", ["PERP_FRESH_SECONDS", "PERP_BREAKER_OPEN_SECONDS"])
def test_it_requires_positive_cache_times(name):
    assert f"{name} must be a positive number of seconds." in _messages(**{name: 0})


def test_it_requires_at_least_one_breaker_failure():
    assert "PERP_BREAKER_FAILURES must be at least 1." in _messages(PERP_BREAKER_FAILURES=0)


def test_unpooled_worker_threads_keep_their_database_connection_between_requests():
    unpooled = {"DATABASE_URL": "postgres://perpdesk@db.internal:5432/perpdesk", "DATABASE_POOL_MAX_SIZE": "0"}
    default = settings_from(unpooled, "DATABASES")
    chosen = settings_from({**unpooled, "DATABASE_CONN_MAX_AGE": "0"}, "DATABASES")

    assert "pool" not in default["DATABASES"]["default"]["OPTIONS"]
    assert default["DATABASES"]["default"]["CONN_MAX_AGE"] == 60
    assert default["DATABASES"]["default"]["CONN_HEALTH_CHECKS"] is True
    assert chosen["DATABASES"]["default"]["CONN_MAX_AGE"] == 0


def test_pooled_connections_are_not_kept_per_thread_nor_checked_by_a_round_trip():
    pooled = settings_from({"DATABASE_URL": "postgres://perpdesk@db.internal:5432/perpdesk"}, "DATABASES")

    assert pooled["DATABASES"]["default"]["OPTIONS"]["pool"]["max_size"] == 4
    assert pooled["DATABASES"]["default"]["CONN_MAX_AGE"] == 0
    assert pooled["DATABASES"]["default"]["CONN_HEALTH_CHECKS"] is False


@pytest.mark.parametrize(
    "value, message",
    [({"DATABASE_POOL_MAX_SIZE": -1}, "DATABASE_POOL_MAX_SIZE must be 0 (no pool) or a positive number"),
     ({"DATABASE_POOL_TIMEOUT": 0}, "DATABASE_POOL_TIMEOUT must be a positive number of seconds."),
     ({"PERMISSION_CACHE_SECONDS": -5}, "PERMISSION_CACHE_SECONDS must be 0 (not kept) or a positive")],
)
def test_bad_pool_and_permission_cache_values_are_reported(value, message):
    assert any(text.startswith(message) for text in _messages(**value))
