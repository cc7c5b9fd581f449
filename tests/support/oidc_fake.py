"""A fake OpenID provider for Django-level tests: its token, userinfo and key endpoints
answered by `responses`, ID tokens signed with the test RSA key; and the steps of a
sign-in through perpdesk's views. The fixtures (`provider`, and `oidc_settings`, which
a module asks for with pytestmark) are in tests/auth/conftest.py.
"""

from urllib.parse import parse_qsl, urlsplit

import responses

from lookup.auth.accounts import issuer_tag
from tests.support.auth import token_claims


ISSUER = "https://id.printshop.test"
CLIENT_ID = "perpdesk"
TOKEN_URL = f"{ISSUER}/token"
USERINFO_URL = f"{ISSUER}/userinfo"
JWKS_URL = f"{ISSUER}/jwks"
SAM = f"oidc:{issuer_tag(ISSUER)}:sam"
ADA = f"oidc:{issuer_tag(ISSUER)}:ada"


class FakeProvider:
    """The provider's back-channel endpoints, answering what each test sets up."""

    def __init__(self, mock, key):
        self.mock = mock
        self.key = key
        mock.get(JWKS_URL, json={"keys": [key.public_jwk()]})

    def answers(self, *, id_token, userinfo, refresh_token="rt-1"):
        tokens = {"id_token": id_token, "access_token": "at", "token_type": "Bearer"}
        if refresh_token:
            tokens["refresh_token"] = refresh_token
        self.mock.upsert(responses.POST, TOKEN_URL, json=tokens)
        self.mock.upsert(responses.GET, USERINFO_URL, json=userinfo)

    def renews(self, *, userinfo=None, refresh_token="rt-2", status=200, error=None, subject="sam"):
        """What the token endpoint answers a refresh-token grant from now on."""
        if status != 200:
            self.mock.upsert(responses.POST, TOKEN_URL, status=status, json={"error": error or "server_error"})
            return
        id_token = self.id_token(None, subject=subject)
        self.answers(id_token=id_token, userinfo=userinfo or sam_userinfo(), refresh_token=refresh_token)

    def token_requests(self):
        return [dict(parse_qsl(call.request.body)) for call in self.mock.calls if call.request.url == TOKEN_URL]

    def id_token(self, sent_nonce, key=None, subject="sam", **overrides):
        claims = token_claims(issuer=ISSUER, audience=CLIENT_ID, subject=subject, nonce=sent_nonce)
        claims.update(overrides)
        return (key or self.key).sign({k: v for k, v in claims.items() if v is not None})


def start_sign_in(client, **query):
    response = client.get("/oidc/authenticate/", query)
    assert response.status_code == 302
    return dict(parse_qsl(urlsplit(response["Location"]).query))


def callback(client, state):
    return client.get("/oidc/callback/", {"code": "the-code", "state": state})


def sam_userinfo(**overrides):
    claims = {"sub": "sam", "email": "sam@printshop.test", "name": "Sam Support", "groups": ["perp-support"]}
    return {**claims, **overrides}


def sign_in(client, provider, userinfo=None, **token_overrides):
    params = start_sign_in(client)
    id_token = provider.id_token(params["nonce"], **token_overrides)
    provider.answers(id_token=id_token, userinfo=userinfo or sam_userinfo())
    return callback(client, params["state"])
