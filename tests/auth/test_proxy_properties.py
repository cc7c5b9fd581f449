"""What an authenticating proxy sends is outside data: whatever arrives in the identity
headers, perpdesk either reads one plain identity or refuses with its own exception,
never anything else (which would be a 500)."""

import base64
import json

from django.test import RequestFactory, override_settings
from hypothesis import HealthCheck, given, settings, strategies as st

from lookup.auth import proxy_jwt
from lookup.auth.proxy import ProxyAssertionRejected, proxy_assertion
from lookup.auth.proxy_jwt import ProxyTokenInvalid, verified_proxy_claims

ISSUER = "https://proxy.printshop.test"
AUDIENCE = "/projects/42/apps/perpdesk"
ALGORITHMS = ["RS256", "ES256", "HS256", "PS256", "EdDSA", "none", "", "RS256 ", "rs256"]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@st.composite
def token_shaped(draw):
    header = draw(st.fixed_dictionaries(
        {"alg": st.sampled_from(ALGORITHMS) | JSON_VALUES, "kid": st.sampled_from(["test-key-1"]) | JSON_VALUES},
        optional={"typ": st.just("JWT"), "crit": JSON_VALUES, "b64": st.booleans()},
    ))
    claims = draw(st.dictionaries(st.sampled_from(["iss", "aud", "exp", "iat", "email", "groups"]), JSON_VALUES))
    signature = draw(st.binary(max_size=80))
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}.{b64(signature)}"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(token=token_shaped() | st.text(max_size=200))
def test_any_token_is_either_verified_or_refused_as_invalid(jwks_url, token):
    proxy_jwt._key_client.cache_clear()
    with override_settings(PROXY_JWKS_URL=jwks_url, PROXY_JWT_ISSUER=ISSUER, PROXY_JWT_AUDIENCE=AUDIENCE,
                           PROXY_JWT_ALGORITHMS=["RS256", "ES256", "HS256"]):
        try:
            verified_proxy_claims(token)
        except ProxyTokenInvalid:
            pass
        else:
            raise AssertionError(f"an unsigned token was believed: {token!r}")


HEADER_TEXT = st.text(st.characters(codec="latin-1"), max_size=60)  # what WSGI hands over


@settings(max_examples=300, deadline=None)
@given(user=HEADER_TEXT, groups=HEADER_TEXT)
def test_plain_headers_give_one_plain_identity_or_a_refusal(user, groups):
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_EMAIL=user,
                                   HTTP_X_FORWARDED_GROUPS=groups)
    with override_settings(PROXY_USER_HEADER="X-Forwarded-Email", PROXY_GROUPS_HEADER="X-Forwarded-Groups",
                           PROXY_JWT_HEADER=""):
        try:
            assertion = proxy_assertion(request)
        except ProxyAssertionRejected:
            return

    assert assertion.user and assertion.user == assertion.user.strip()
    assert not any(char == "," or char.isspace() or not char.isprintable() for char in assertion.user)
    assert all(group and group == group.strip() and "," not in group for group in assertion.provider_groups)
