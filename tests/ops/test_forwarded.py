"""Forwarded headers count only from TRUSTED_PROXIES (lookup.ops.forwarded)."""

import ipaddress

import pytest
from django.test import RequestFactory

from lookup.ops.forwarded import TrustedProxyMiddleware, client_address
from tests.support.settings_probe import settings_from

NGINX = "127.0.0.1"
STRANGER = "203.0.113.7"


def seen_by_the_app(**meta):
    """The request as the middleware after TrustedProxyMiddleware gets it."""
    seen = {}

    def app(request):
        seen["request"] = request

    TrustedProxyMiddleware(app)(RequestFactory().get("/", **meta))
    return seen["request"]


def test_it_believes_https_from_the_proxy():
    request = seen_by_the_app(REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_PROTO="https")

    assert request.is_secure()


def test_it_ignores_a_forged_https_from_anyone_else():
    request = seen_by_the_app(REMOTE_ADDR=STRANGER, HTTP_X_FORWARDED_PROTO="https")

    assert not request.is_secure()


def test_it_drops_every_forwarded_header_from_anyone_else():
    request = seen_by_the_app(
        REMOTE_ADDR=STRANGER,
        HTTP_X_FORWARDED_FOR="10.0.0.1",
        HTTP_X_FORWARDED_HOST="evil.example.com",
        HTTP_X_FORWARDED_PORT="443",
        HTTP_FORWARDED="for=10.0.0.1;proto=https",
        HTTP_X_REAL_IP="10.0.0.1",
    )

    assert not any(name in request.META for name in (
        "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT", "HTTP_FORWARDED", "HTTP_X_REAL_IP",
    ))
    assert client_address(request) == STRANGER


def test_it_believes_a_proxy_on_a_configured_network(settings):
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("10.20.0.0/16")]

    assert seen_by_the_app(REMOTE_ADDR="10.20.3.4", HTTP_X_FORWARDED_PROTO="https").is_secure()
    assert not seen_by_the_app(REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_PROTO="https").is_secure()


def test_it_recognises_an_ipv4_proxy_on_a_dual_stack_socket():
    assert seen_by_the_app(REMOTE_ADDR="::ffff:127.0.0.1", HTTP_X_FORWARDED_PROTO="https").is_secure()


def test_it_takes_the_client_address_from_the_proxy():
    request = seen_by_the_app(REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR=f"10.9.9.9, {STRANGER}")

    # The left part is whatever the client wrote: only the proxy's own entry counts.
    assert client_address(request) == STRANGER


def test_it_redirects_a_forged_https_request_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    forged = client.get("/login/", REMOTE_ADDR=STRANGER, HTTP_X_FORWARDED_PROTO="https")
    proxied = client.get("/login/", REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_PROTO="https")

    assert forged.status_code == 301 and forged["Location"].startswith("https://")
    assert proxied.status_code == 200


def test_it_trusts_loopback_by_default():
    values = settings_from({"TRUSTED_PROXIES": None}, "TRUSTED_PROXIES")

    assert values["TRUSTED_PROXIES"] == ["127.0.0.1/32", "::1/128"]


@pytest.mark.parametrize("value", ["10.0.0.1/8", "nginx.internal", "10.0.0.0/33"])
def test_it_refuses_a_trusted_proxy_that_is_not_a_network(value):
    errors = settings_from({"TRUSTED_PROXIES": value})["SETTINGS_ERRORS"]

    assert "TRUSTED_PROXIES is not valid: expected comma-separated networks such as 10.0.0.0/8,::1/128." in errors
