"""Verifying the identity token an authenticating proxy signs.

Google IAP (x-goog-iap-jwt-assertion), Cloudflare Access (Cf-Access-Jwt-Assertion) and
Pomerium (X-Pomerium-Jwt-Assertion) sign one per request; its signature is checked
against the proxy's published keys (PROXY_JWKS_URL), then its issuer, audience and times.

The token's header names its algorithm, so it is never believed on its own: the
algorithm must be one of PROXY_JWT_ALGORITHMS *and* the one the published key is for
(the key's `alg`, or what its type and curve imply). A token that claims ES256 against
an RSA key, or HS256 with the RSA public key as the "secret" (algorithm confusion), is
refused like any other bad token.
"""

from functools import lru_cache

import jwt
from django.conf import settings

REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat"]
# Signatures made with a private key, checked with a published public one. HMAC and
# "none" have no place with a JWKS: lookup.auth.checks refuses them in the setting.
PUBLIC_KEY_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES256K", "ES384", "ES512", "ES521", "EdDSA"}
)


class ProxyTokenInvalid(Exception):
    pass


@lru_cache(maxsize=4)
def _key_client(jwks_url, timeout):
    # One client per URL: it keeps the fetched keys, and fetches again for an unknown kid.
    return jwt.PyJWKClient(jwks_url, cache_keys=True, timeout=timeout)


def _token_algorithm(token):
    algorithm = jwt.get_unverified_header(token).get("alg")
    accepted = PUBLIC_KEY_ALGORITHMS.intersection(settings.PROXY_JWT_ALGORITHMS)
    if not isinstance(algorithm, str) or algorithm not in accepted:
        raise ProxyTokenInvalid(f"token algorithm {algorithm!r} is not one of PROXY_JWT_ALGORITHMS")
    return algorithm


def _signing_key(token, algorithm):
    key_client = _key_client(settings.PROXY_JWKS_URL, settings.PROXY_JWKS_TIMEOUT)
    key = key_client.get_signing_key_from_jwt(token)
    if key.algorithm_name != algorithm:
        raise ProxyTokenInvalid(
            f"token algorithm {algorithm!r} does not fit key {key.key_id!r} (a {key.algorithm_name} key)"
        )
    return key


def verified_proxy_claims(token):
    """The token's claims; raises ProxyTokenInvalid unless every check passes."""
    try:
        algorithm = _token_algorithm(token)
        key = _signing_key(token, algorithm)
        return jwt.decode(
            token,
            key,  # the PyJWK itself: PyJWT then verifies with the key's algorithm only
            algorithms=[algorithm],
            audience=settings.PROXY_JWT_AUDIENCE,
            issuer=settings.PROXY_JWT_ISSUER,
            leeway=settings.AUTH_CLOCK_SKEW,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError as exc:  # PyJWKClientError (keys unreachable, unknown kid) included
        raise ProxyTokenInvalid(str(exc)) from exc
