"""Sign-in at the OpenID provider: mozilla-django-oidc's code flow, verified strictly.

The library checks state, nonce, PKCE (S256) and the ID token's signature against
the provider's published keys (OIDC_OP_JWKS_ENDPOINT), every call bounded by
OIDC_TIMEOUT. It does not check who issued the token or for whom: `OIDCBackend`
adds issuer, audience (and azp), expiry and issue time, insists that userinfo is
about the same subject, and matches people on `sub`, never on email.
"""

from urllib.parse import urlencode

import jwt
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from django.shortcuts import resolve_url
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from lookup.audit import Outcome
from lookup.auth.accounts import Identity, account_for_sign_in
from lookup.auth.groups import claim_as_list, mapped_group_names

REQUIRED_ID_TOKEN_CLAIMS = ["iss", "aud", "exp", "iat", "sub"]
# How the refusal page names the person, best first (sub is always there).
LABEL_CLAIMS = ("email", "preferred_username", "name", "sub")
# Without any of these, perpdesk cannot sign anyone in at the provider.
REQUIRED_SETTINGS = (
    "OIDC_OP_ISSUER",
    "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT",
    "OIDC_RP_CLIENT_ID",
)


class SignInFailed(Exception):
    """The provider's answer could not be used: refused (unverifiable) or an error (unreachable)."""

    def __init__(self, reason, outcome=Outcome.REFUSED):
        super().__init__(reason)
        self.reason = reason
        self.outcome = outcome


def oidc_configured():
    return settings.AUTH_MODE == "oidc" and all(getattr(settings, name) for name in REQUIRED_SETTINGS)


def oidc_username(sub):
    return f"oidc:{sub}"


class OIDCBackend(OIDCAuthenticationBackend):
    def authenticate(self, request, **kwargs):
        # Only the callback view passes a nonce. Without this, any authenticate() call on
        # a request whose URL has ?code=&state= (a password form) would start a token exchange.
        if request is None or "nonce" not in kwargs:
            return None
        try:
            return super().authenticate(request, **kwargs)
        # requests' errors are OSErrors; only lookup.perp.client imports requests itself.
        except OSError as exc:
            raise SignInFailed(f"the identity provider did not answer: {exc}", Outcome.ERROR) from exc
        except (SuspiciousOperation, jwt.PyJWTError, KeyError, ValueError) as exc:
            raise SignInFailed(f"the identity provider's answer was not accepted: {exc}") from exc

    def get_payload_data(self, token, key):
        """The ID token's claims, once signature, issuer, audience and times check out.

        Replaces the library's version, which skips the audience and issuer and would
        accept alg "none" when OIDC_ALLOW_UNSECURED_JWT is set.
        """
        algorithm = jwt.get_unverified_header(token).get("alg")
        if algorithm != self.OIDC_RP_SIGN_ALGO:
            raise SignInFailed(f"token signed with {algorithm!r}, expected {self.OIDC_RP_SIGN_ALGO!r}")
        try:
            payload = jwt.decode(
                token,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.OIDC_OP_ISSUER,
                leeway=settings.AUTH_CLOCK_SKEW,
                options={"require": REQUIRED_ID_TOKEN_CLAIMS},
            )
        except jwt.InvalidTokenError as exc:
            raise SignInFailed(f"ID token rejected: {exc}") from exc
        self._check_authorized_party(payload)
        return payload

    def _check_authorized_party(self, payload):
        # OpenID Connect Core 3.1.3.7: with several audiences, azp must name this client.
        audiences = claim_as_list(payload["aud"])
        azp = payload.get("azp")
        if (len(audiences) > 1 or azp is not None) and azp != self.OIDC_RP_CLIENT_ID:
            raise SignInFailed(f"ID token is for another party (azp {azp!r})")

    def get_userinfo(self, access_token, id_token, payload):
        """The ID token's claims, plus the userinfo endpoint's when there is one."""
        if not self.OIDC_OP_USER_ENDPOINT:
            return dict(payload)
        userinfo = super().get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") != payload["sub"]:
            raise SignInFailed("userinfo describes another subject than the ID token")
        return {**payload, **userinfo}

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub:
            raise SignInFailed("the provider sent no subject")
        provider_groups = claim_as_list(claims.get(settings.OIDC_GROUPS_CLAIM))
        return account_for_sign_in(
            request=self.request,
            identity=_identity(claims),
            group_names=mapped_group_names(provider_groups),
        )

    def filter_users_by_claims(self, claims):
        return self.UserModel.objects.filter(username=oidc_username(claims.get("sub")))

    def get_user(self, user_id):
        # The library's version skips ModelBackend's is_active check.
        return ModelBackend.get_user(self, user_id)


def _identity(claims):
    label = next(claims[name] for name in LABEL_CLAIMS if claims.get(name))
    return Identity(
        username=oidc_username(claims["sub"]),
        label=str(label),
        email=str(claims.get("email") or ""),
        name=str(claims.get("name") or ""),
    )


def provider_sign_out_url(request):
    """The provider's end-session URL (RP-initiated logout), or "" when it has none.

    Call before ending the Django session: the ID token hint lives in it.
    """
    endpoint = settings.OIDC_OP_END_SESSION_ENDPOINT
    if not endpoint:
        return ""
    back_here = request.build_absolute_uri(resolve_url(settings.LOGOUT_REDIRECT_URL))
    params = {"client_id": settings.OIDC_RP_CLIENT_ID, "post_logout_redirect_uri": back_here}
    id_token = request.session.get("oidc_id_token")
    if id_token:
        params["id_token_hint"] = id_token
    separator = "&" if "?" in endpoint else "?"
    return f"{endpoint}{separator}{urlencode(params)}"
