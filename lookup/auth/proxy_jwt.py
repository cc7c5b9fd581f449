"""Verifying the identity token an authenticating proxy signs.

Google IAP (x-goog-iap-jwt-assertion), Cloudflare Access (Cf-Access-Jwt-Assertion) and
Pomerium (X-Pomerium-Jwt-Assertion) sign one per request; its signature is checked
against the proxy's published keys (PROXY_JWKS_URL), then its issuer, audience and times.
"""

from functools import lru_cache

import jwt
from django.conf import settings

REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat"]


class ProxyTokenInvalid(Exception):
    pass


@lru_cache(maxsize=4)
def _key_client(jwks_url, timeout):
    # One client per URL: it keeps the fetched keys, and fetches again for an unknown kid.
    return jwt.PyJWKClient(jwks_url, cache_keys=True, timeout=timeout)


def verified_proxy_claims(token):
    """The token's claims; raises ProxyTokenInvalid unless every check passes."""
    try:
        key_client = _key_client(settings.PROXY_JWKS_URL, settings.PROXY_JWKS_TIMEOUT)
        key = key_client.get_signing_key_from_jwt(token)
        return jwt.decode(
            token,
            key.key,
            algorithms=settings.PROXY_JWT_ALGORITHMS,
            audience=settings.PROXY_JWT_AUDIENCE,
            issuer=settings.PROXY_JWT_ISSUER,
            leeway=settings.AUTH_CLOCK_SKEW,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError as exc:  # PyJWKClientError (keys unreachable, unknown kid) included
        raise ProxyTokenInvalid(str(exc)) from exc
