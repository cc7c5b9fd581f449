"""Proxy mode (AUTH_MODE=proxy): the user comes from the authenticating proxy in front,
believed only from TRUSTED_PROXIES; a signed proxy token is verified, not trusted.

The underscore spelling of the header is tested through a real gunicorn in
test_auth_proxy_gunicorn.py: WSGI folds it onto the same key, so only the server can drop it.
"""

import logging
from ipaddress import ip_network

import jwt
import pytest
from django.contrib.auth.models import User

from lookup.auth import proxy_jwt
from lookup.models import AuditEntry
from tests.support.auth import token_claims

PROXY = "127.0.0.1"
STRANGER = "203.0.113.9"
JWT_ISSUER = "https://proxy.printshop.test"
JWT_AUDIENCE = "/projects/42/apps/perpdesk"


@pytest.fixture(autouse=True)
def proxy_mode(settings, perpdesk_groups):
    settings.AUTH_MODE = "proxy"
    settings.AUTHENTICATION_BACKENDS = ["lookup.auth.proxy.ProxyBackend"]
    settings.TRUSTED_PROXIES = [ip_network("127.0.0.1/32"), ip_network("10.0.0.0/8")]
    settings.PROXY_USER_HEADER = "X-Forwarded-Email"
    settings.PROXY_GROUPS_HEADER = "X-Forwarded-Groups"
    settings.AUTH_GROUP_MAP = {"perp-support": "Support", "perp-audit": "Auditors"}
    return settings


@pytest.fixture
def jwt_mode(proxy_mode, jwks_url):
    proxy_mode.PROXY_JWT_HEADER = "X-Goog-IAP-JWT-Assertion"
    proxy_mode.PROXY_JWKS_URL = jwks_url
    proxy_mode.PROXY_JWT_ISSUER = JWT_ISSUER
    proxy_mode.PROXY_JWT_AUDIENCE = JWT_AUDIENCE
    proxy_mode.PROXY_JWT_GROUPS_CLAIM = "groups"
    proxy_jwt._key_client.cache_clear()  # its keys belong to this test's JWKS
    yield proxy_mode
    proxy_jwt._key_client.cache_clear()


def visit(client, peer=PROXY, **headers):
    """GET /login/: a 302 onwards means signed in with access, 200 means not signed in."""
    return client.get("/login/", REMOTE_ADDR=peer, **headers)


def as_sam(groups="perp-support"):
    return {"HTTP_X_FORWARDED_EMAIL": "sam@printshop.test", "HTTP_X_FORWARDED_GROUPS": groups}


def signed_in_username(client):
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id).username if user_id else None


# --- Plain headers ---------------------------------------------------------------------
def test_it_signs_in_whoever_a_trusted_proxy_names(client):
    response = visit(client, **as_sam())

    assert response.status_code == 302
    assert signed_in_username(client) == "proxy:sam@printshop.test"
    user = User.objects.get(username="proxy:sam@printshop.test")
    assert [g.name for g in user.groups.all()] == ["Support"]
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SIGN_IN)
    assert (entry.kind, entry.outcome) == ("proxy", "ok")


def test_it_keeps_one_session_while_the_proxy_names_the_same_person(client):
    visit(client, **as_sam())
    session_key = client.session.session_key

    visit(client, **as_sam())

    assert client.session.session_key == session_key
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SIGN_IN).count() == 1


def test_it_ignores_the_header_from_an_untrusted_peer_and_logs_it(client, caplog):
    with caplog.at_level(logging.WARNING, logger="lookup.auth.proxy"):
        response = visit(client, peer=STRANGER, **as_sam())

    assert response.status_code == 200 and signed_in_username(client) is None
    assert not User.objects.filter(username__startswith="proxy:").exists()
    assert f"Ignored X-Forwarded-Email header from {STRANGER}" in caplog.text


@pytest.mark.parametrize(
    "value",
    [
        "sam@printshop.test,alice@printshop.test",
        "sam@printshop.test, alice@printshop.test",
        "sam @x",
        "",
        "sam\x00",
    ],
)
def test_it_rejects_a_user_value_that_is_not_one_plain_identity(client, value, caplog):
    response = visit(client, HTTP_X_FORWARDED_EMAIL=value, HTTP_X_FORWARDED_GROUPS="perp-support")

    assert response.status_code == 200 and signed_in_username(client) is None
    assert "Proxy identity refused" in caplog.text


@pytest.mark.parametrize("value", ["mallory@elsewhere.test,sam@printshop.test", "sam@printshop.test\x07"])
def test_a_refused_user_value_is_not_written_to_the_log(client, value, caplog):
    visit(client, HTTP_X_FORWARDED_EMAIL=value, HTTP_X_FORWARDED_GROUPS="perp-support")

    assert "Proxy identity refused" in caplog.text
    assert "printshop.test" not in caplog.text and "elsewhere.test" not in caplog.text


def test_it_rejects_the_header_sent_twice(client):
    # Django's test client, like gunicorn and runserver, joins a repeated header with ","
    # (RFC 9110 5.3): build that request the way a WSGI server hands it over.
    from django.test.client import RequestFactory

    from lookup.auth.proxy import ProxyAssertionRejected, proxy_assertion

    joined = "mallory@x,sam@printshop.test"
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_EMAIL=joined)
    with pytest.raises(ProxyAssertionRejected, match="several users"):
        proxy_assertion(request)


def test_it_signs_out_when_the_proxy_stops_naming_anyone(client):
    visit(client, **as_sam())

    response = visit(client)

    assert response.status_code == 200 and signed_in_username(client) is None
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SIGN_OUT).count() == 1


def test_it_starts_a_new_session_when_the_proxy_names_someone_else(client):
    visit(client, **as_sam())
    first_key = client.session.session_key

    visit(client, HTTP_X_FORWARDED_EMAIL="ada@printshop.test", HTTP_X_FORWARDED_GROUPS="perp-audit")

    assert signed_in_username(client) == "proxy:ada@printshop.test"
    assert client.session.session_key != first_key


def test_it_applies_new_groups_the_proxy_sends(client):
    visit(client, **as_sam("perp-support"))

    visit(client, **as_sam("perp-support,perp-audit"))

    user = User.objects.get(username="proxy:sam@printshop.test")
    assert sorted(g.name for g in user.groups.all()) == ["Auditors", "Support"]


def test_it_refuses_someone_outside_the_allowed_groups_and_audits_it_once(client):
    first = visit(client, **as_sam("marketing"))
    second = visit(client, **as_sam("marketing"))

    assert first.status_code == second.status_code == 403
    assert "You are signed in as <strong>sam@printshop.test</strong>" in first.content.decode()
    assert AuditEntry.objects.filter(outcome=AuditEntry.Outcome.REFUSED).count() == 1


def test_it_ends_the_session_of_someone_who_lost_the_group(client):
    visit(client, **as_sam("perp-support"))

    response = visit(client, **as_sam(""))

    assert response.status_code == 403 and signed_in_username(client) is None
    assert not User.objects.get(username="proxy:sam@printshop.test").groups.exists()


def test_it_gives_default_groups_when_the_proxy_sends_none(client, proxy_mode):
    proxy_mode.PROXY_GROUPS_HEADER = ""
    proxy_mode.PROXY_DEFAULT_GROUPS = ["Support"]

    visit(client, HTTP_X_FORWARDED_EMAIL="sam@printshop.test")

    assert signed_in_username(client) == "proxy:sam@printshop.test"


def test_it_does_nothing_in_oidc_mode(client, proxy_mode):
    proxy_mode.AUTH_MODE = "oidc"

    assert visit(client, **as_sam()).status_code == 200
    assert signed_in_username(client) is None


# --- Signed proxy tokens -------------------------------------------------------------------
def proxy_token(key, **overrides):
    claims = token_claims(issuer=JWT_ISSUER, audience=JWT_AUDIENCE, subject="accounts.google.com:1234")
    claims.update({"email": "sam@printshop.test", "groups": ["perp-support"], **overrides})
    return key.sign(claims)


def test_it_signs_in_with_a_valid_proxy_token(client, jwt_mode, signing_key):
    response = visit(client, HTTP_X_GOOG_IAP_JWT_ASSERTION=proxy_token(signing_key))

    assert response.status_code == 302
    assert signed_in_username(client) == "proxy:sam@printshop.test"


@pytest.mark.parametrize(
    "overrides, logged",
    [
        ({"iss": "https://evil.example"}, "Invalid issuer"),
        ({"aud": "/projects/42/apps/other"}, "Audience doesn't match"),
        ({"exp": 1_000_000_000, "iat": 999_999_000}, "Signature has expired"),
    ],
)
def test_it_refuses_a_proxy_token_that_does_not_check_out(
    client, jwt_mode, signing_key, overrides, logged, caplog
):
    response = visit(client, HTTP_X_GOOG_IAP_JWT_ASSERTION=proxy_token(signing_key, **overrides))

    assert response.status_code == 200 and signed_in_username(client) is None
    assert logged in caplog.text


def test_it_refuses_a_proxy_token_with_a_bad_signature(client, jwt_mode, stranger_key, caplog):
    response = visit(client, HTTP_X_GOOG_IAP_JWT_ASSERTION=proxy_token(stranger_key))

    assert response.status_code == 200 and signed_in_username(client) is None
    assert "Signature verification failed" in caplog.text


def test_it_refuses_garbage_in_the_token_header(client, jwt_mode):
    assert visit(client, HTTP_X_GOOG_IAP_JWT_ASSERTION="not-a-token").status_code == 200
    assert signed_in_username(client) is None


def test_it_ignores_the_plain_user_header_when_tokens_are_expected(client, jwt_mode):
    assert visit(client, **as_sam()).status_code == 200
    assert signed_in_username(client) is None


def test_it_ignores_even_a_valid_token_from_an_untrusted_peer(client, jwt_mode, signing_key):
    response = visit(client, peer=STRANGER, HTTP_X_GOOG_IAP_JWT_ASSERTION=proxy_token(signing_key))

    assert response.status_code == 200 and signed_in_username(client) is None


def test_it_maps_groups_from_the_token_claim(client, jwt_mode, signing_key):
    visit(client, HTTP_X_GOOG_IAP_JWT_ASSERTION=proxy_token(signing_key, groups=["perp-audit"]))

    user = User.objects.get(username="proxy:sam@printshop.test")
    assert [g.name for g in user.groups.all()] == ["Auditors"]


# --- Algorithm confusion: the token's "alg" must fit the published key -------------------
def hmac_token_keyed_with(public_jwk_pem, claims, kid):
    """HS256 "signed" with the RSA public key as the secret, as an attacker who read the
    JWKS would make it (PyJWT itself refuses to build one)."""
    import base64
    import hashlib
    import hmac
    import json

    def b64(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    payload = b64(json.dumps(claims).encode())
    signature = hmac.new(public_jwk_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(signature)}"


def public_pem(signing_key):
    from cryptography.hazmat.primitives import serialization

    return signing_key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_it_refuses_a_proxy_token_whose_algorithm_does_not_fit_the_rsa_key(client, jwt_mode, signing_key, caplog):
    from cryptography.hazmat.primitives.asymmetric import ec

    claims = token_claims(issuer=JWT_ISSUER, audience=JWT_AUDIENCE, email="sam@printshop.test")
    elliptic = ec.generate_private_key(ec.SECP256R1())
    token = jwt.encode(claims, elliptic, algorithm="ES256", headers={"kid": signing_key.kid})

    response = visit(client, HTTP_X_GOOG_IAP_JWT_ASSERTION=token)

    assert response.status_code == 200 and signed_in_username(client) is None
    assert "token algorithm 'ES256' does not fit key 'test-key-1' (a RS256 key)" in caplog.text


def test_it_refuses_an_hmac_token_keyed_with_the_published_public_key(client, jwt_mode, signing_key, caplog):
    jwt_mode.PROXY_JWT_ALGORITHMS = ["RS256", "HS256"]  # even when HS256 is (wrongly) configured
    claims = token_claims(issuer=JWT_ISSUER, audience=JWT_AUDIENCE, email="sam@printshop.test")
    token = hmac_token_keyed_with(public_pem(signing_key), claims, signing_key.kid)

    response = visit(client, HTTP_X_GOOG_IAP_JWT_ASSERTION=token)

    assert response.status_code == 200 and signed_in_username(client) is None
    assert "token algorithm 'HS256' is not one of PROXY_JWT_ALGORITHMS" in caplog.text


def test_a_staff_page_sends_the_holder_of_a_mismatched_token_to_sign_in(client, jwt_mode, signing_key):
    claims = token_claims(issuer=JWT_ISSUER, audience=JWT_AUDIENCE, email="sam@printshop.test")
    token = signing_key.sign(claims, alg="PS256")  # an RSA key, but not the algorithm it is published for
    jwt_mode.PROXY_JWT_ALGORITHMS = ["RS256", "PS256"]

    response = client.get("/", REMOTE_ADDR=PROXY, HTTP_X_GOOG_IAP_JWT_ASSERTION=token)

    assert response.status_code == 302 and response["Location"].startswith("/login/")
