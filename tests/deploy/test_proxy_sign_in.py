"""Proxy-mode header spellings through a real gunicorn, as production runs it.

WSGI turns X-Forwarded-Email and X_Forwarded_Email into the same HTTP_X_FORWARDED_EMAIL,
so Django alone cannot tell them apart: gunicorn must drop the underscore spelling
(header_map=drop, its default) or a client could pose as the proxy's header.
"""

import http.client

import pytest

from tests.support import gunicorn as gunicorn_harness

SAM = "sam@printshop.test"
PROXY_ENV = {
    "AUTH_MODE": "proxy",
    "PROXY_USER_HEADER": "X-Forwarded-Email",
    "PROXY_GROUPS_HEADER": "X-Forwarded-Groups",
    "TRUSTED_PROXIES": "127.0.0.1/32",
    "SECURE_SSL_REDIRECT": "false",
    "STATIC_MANIFEST": "false",  # no collectstatic here; pages render with plain names
    "GUNICORN_WORKERS": "1",
}


@pytest.fixture(scope="module")
def perpdesk_in_gunicorn(tmp_path_factory):
    work = tmp_path_factory.mktemp("proxy-gunicorn")
    env = {**PROXY_ENV, "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}"}
    migrated = gunicorn_harness.manage(env, "migrate", "--no-input")
    assert migrated.returncode == 0, migrated.stderr
    with gunicorn_harness.running(1, env, work) as [instance]:
        yield instance


def sign_in_probe(instance, headers):
    """GET /login/ with raw headers (repeats kept): 302 = signed in, 200 = not."""
    connection = http.client.HTTPConnection("127.0.0.1", instance.port, timeout=10)
    try:
        connection.putrequest("GET", "/login/")
        for name, value in headers:
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


pytestmark = pytest.mark.slow


def test_it_signs_in_with_the_proxys_header(perpdesk_in_gunicorn):
    headers = [("X-Forwarded-Email", SAM), ("X-Forwarded-Groups", "perp-support")]

    assert sign_in_probe(perpdesk_in_gunicorn, headers) == 302


def test_it_never_sees_the_underscore_spelling(perpdesk_in_gunicorn):
    headers = [("X_Forwarded_Email", SAM), ("X-Forwarded-Groups", "perp-support")]

    assert sign_in_probe(perpdesk_in_gunicorn, headers) == 200


def test_it_refuses_the_header_sent_twice(perpdesk_in_gunicorn):
    headers = [("X-Forwarded-Email", "mallory@elsewhere.test"), ("X-Forwarded-Email", SAM),
               ("X-Forwarded-Groups", "perp-support")]

    assert sign_in_probe(perpdesk_in_gunicorn, headers) == 200
    assert "several users in one value" in perpdesk_in_gunicorn.log()


def test_it_refuses_the_underscore_spelling_beside_the_real_one(perpdesk_in_gunicorn):
    headers = [("X-Forwarded-Email", SAM), ("X_Forwarded_Email", "mallory@elsewhere.test"),
               ("X-Forwarded-Groups", "perp-support")]

    # Dropped by gunicorn, the impostor cannot join onto the real value: sam signs in.
    assert sign_in_probe(perpdesk_in_gunicorn, headers) == 302
