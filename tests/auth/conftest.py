"""Fixtures of the sign-in tests: signing keys, a JWKS on loopback, perpdesk's groups, and
the fake OpenID provider (their helpers are in tests/support/auth.py and oidc_fake.py)."""

import threading
from http.server import ThreadingHTTPServer

import pytest
import responses

from tests.support.auth import JwksHandler, ensure_perpdesk_groups, new_signing_key
from tests.support.oidc_fake import CLIENT_ID, ISSUER, JWKS_URL, TOKEN_URL, USERINFO_URL, FakeProvider


@pytest.fixture(scope="session")
def signing_key():
    """The key the fake provider or proxy signs with; its public half is in the JWKS."""
    return new_signing_key("test-key-1")


@pytest.fixture(scope="session")
def stranger_key():
    """A key nobody published: tokens signed with it must be refused."""
    return new_signing_key("test-key-1")  # same kid, other key: only the signature differs


@pytest.fixture(scope="session")
def jwks_url(signing_key):
    """http://127.0.0.1:<port>/jwks serving the public half of `signing_key`."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), JwksHandler)
    server.jwks = {"keys": [signing_key.public_jwk()]}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/jwks"
    server.shutdown()
    server.server_close()


@pytest.fixture
def perpdesk_groups(db):
    ensure_perpdesk_groups()


@pytest.fixture
def oidc_settings(settings, perpdesk_groups):
    """perpdesk signing in at the fake provider (modules ask with pytestmark)."""
    settings.AUTH_MODE = "oidc"
    settings.AUTHENTICATION_BACKENDS = ["lookup.auth.oidc.OIDCBackend"]
    settings.OIDC_OP_ISSUER = ISSUER
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{ISSUER}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = TOKEN_URL
    settings.OIDC_OP_USER_ENDPOINT = USERINFO_URL
    settings.OIDC_OP_JWKS_ENDPOINT = JWKS_URL
    settings.OIDC_OP_END_SESSION_ENDPOINT = f"{ISSUER}/logout"
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = "secret"
    settings.AUTH_GROUP_MAP = {"perp-support": "Support", "perp-audit": "Auditors"}
    return settings


@pytest.fixture
def provider(signing_key):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeProvider(mock, signing_key)
