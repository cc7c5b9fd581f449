"""Sign-in at the OpenID provider: mozilla-django-oidc's code flow, verified strictly.

The library checks the nonce, PKCE (S256) and the ID token's signature against the
provider's published keys (OIDC_OP_JWKS_ENDPOINT), every call bounded by
OIDC_TIMEOUT (the state is checked by lookup.auth.views against lookup.auth.flow).
It does not check who issued the token or for whom: `OIDCBackend` adds issuer,
audience (and azp), expiry and issue time, insists that userinfo is about the same
subject, and matches people on issuer and `sub`, never on email. `renewed_claims`
asks the provider again (a refresh-token grant) for lookup.auth.renewal.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

import jwt
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from django.shortcuts import resolve_url
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from lookup.audit import Outcome
from lookup.auth.accounts import Identity, account_at_renewal, account_for_sign_in, issuer_tag
from lookup.auth.groups import claim_as_list, mapped_group_names
from lookup.auth.permissions import CachedPermissions

REQUIRED_ID_TOKEN_CLAIMS = ["iss", "aud", "exp", "iat", "sub"]
# How the refusal page names the person, best first (sub is always there).
LABEL_CLAIMS = ("email", "preferred_username", "name", "sub")
SUBJECT_MAX_LENGTH = 255
# Without any of these, perpdesk cannot sign anyone in at the provider.
REQUIRED_SETTINGS = (
    "OIDC_OP_ISSUER",
    "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT",
    "OIDC_RP_CLIENT_ID",
)
# What the library raises for an answer it cannot use (requests' errors are OSErrors).
UNUSABLE_ANSWER = (SuspiciousOperation, jwt.PyJWTError, AttributeError, KeyError, ValueError, TypeError)


class SignInFailed(Exception):
    """The provider's answer could not be used: refused (unverifiable) or an error (unreachable)."""

    def __init__(self, reason, outcome=Outcome.REFUSED):
        super().__init__(reason)
        self.reason = reason
        self.outcome = outcome


def oidc_configured():
    return settings.AUTH_MODE == "oidc" and all(getattr(settings, name) for name in REQUIRED_SETTINGS)


def oidc_username(sub):
    return f"oidc:{issuer_tag(settings.OIDC_OP_ISSUER)}:{sub}"


@dataclass(frozen=True)
class ProviderTokens:
    """What a sign-in leaves for the session: the subject, the ID token (the hint for
    signing out at the provider) and the refresh token (for renewals), if any."""

    subject: str
    id_token: str
    refresh_token: str


class OIDCBackend(CachedPermissions, OIDCAuthenticationBackend):
    def authenticate(self, request, **kwargs):
        # Only the callback view passes a nonce. Without this, any authenticate() call on
        # a request whose URL has ?code=&state= (a password form) would start a token exchange.
        if request is None or "nonce" not in kwargs:
            return None
        try:
            return super().authenticate(request, **kwargs)
        # requests' errors are OSErrors; only lookup.perp.client imports requests itself.
        except OSError as exc:
            raise provider_failure(exc) from exc
        except UNUSABLE_ANSWER as exc:
            raise SignInFailed(f"the identity provider's answer was not accepted: {exc}") from exc

    def get_token(self, payload):
        tokens = super().get_token(payload)
        self._refresh_token = tokens.get("refresh_token") or ""
        return tokens

    def store_tokens(self, access_token, id_token):
        # Kept on the backend until the person is let in: a refused sign-in leaves
        # nothing in the session (the library would store the ID token in it now).
        self._id_token = id_token

    def renewed_claims(self, refresh_token, subject):
        """What the provider says about `subject` now: (claims, the refresh token to use
        next). Raises SignInFailed: REFUSED when the provider will not renew, ERROR
        when it could not be asked."""
        grant = {
            "client_id": self.OIDC_RP_CLIENT_ID,
            "client_secret": self.OIDC_RP_CLIENT_SECRET,
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
        }
        try:
            tokens = self.get_token(grant)
            claims = self._renewal_claims(tokens, subject)
        except OSError as exc:
            raise provider_failure(exc) from exc
        except UNUSABLE_ANSWER as exc:
            raise SignInFailed(f"the identity provider's renewal was not accepted: {exc}") from exc
        return claims, self._refresh_token or refresh_token

    def _renewal_claims(self, tokens, subject):
        id_token, access_token = tokens.get("id_token"), tokens.get("access_token")
        if id_token:
            payload = self.get_payload_data(id_token, self._verification_key(id_token))
            if payload["sub"] != subject:
                raise SignInFailed("the renewed ID token is about another subject")
        elif self.OIDC_OP_USER_ENDPOINT and access_token:
            payload = {"sub": subject}
        else:
            raise SignInFailed("the provider's renewal said nothing about the person")
        return self.get_userinfo(access_token, id_token, payload)

    def _verification_key(self, token):
        # As the library's verify_token picks it (which also wants the sign-in's nonce).
        if self.OIDC_RP_SIGN_ALGO.startswith(("RS", "ES")):
            return self.OIDC_RP_IDP_SIGN_KEY or self.retrieve_matching_jwk(token)
        return self.OIDC_RP_CLIENT_SECRET

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
        user = account_for_sign_in(
            request=self.request,
            identity=_identity(claims),
            group_names=_group_names(claims),
        )
        self.request.perpdesk_provider_tokens = ProviderTokens(
            subject=claims["sub"], id_token=self._id_token, refresh_token=self._refresh_token
        )
        return user

    def filter_users_by_claims(self, claims):
        return self.UserModel.objects.filter(username=oidc_username(claims.get("sub")))

    def get_user(self, user_id):
        # The library's version skips ModelBackend's is_active check.
        return ModelBackend.get_user(self, user_id)


def account_after_renewal(request, user, claims):
    """`user` with groups re-mapped from renewed `claims`; SignInRefused when none is left."""
    return account_at_renewal(
        request=request, user=user, identity=_identity(claims), group_names=_group_names(claims)
    )


def _group_names(claims):
    return mapped_group_names(claim_as_list(claims.get(settings.OIDC_GROUPS_CLAIM)))


def _identity(claims):
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise SignInFailed("the provider sent no subject")
    if len(sub) > SUBJECT_MAX_LENGTH or not sub.isprintable():
        raise SignInFailed("the provider's subject holds characters perpdesk cannot store")
    label = next(printable(claims[name]) for name in LABEL_CLAIMS if printable(claims.get(name)))
    return Identity(
        username=oidc_username(sub),
        label=label,
        email=printable(claims.get("email")),
        name=printable(claims.get("name")),
    )


def printable(value):
    """A claim as text without NUL or other control characters (the database refuses NUL)."""
    if value is None:
        return ""
    return "".join(char for char in str(value) if char.isprintable())


def provider_failure(exc):
    """SignInFailed for an error calling the provider: a 4xx answer is a refusal (an
    invalid or replayed code, a revoked refresh token), the rest means unreachable."""
    status = getattr(getattr(exc, "response", None), "status_code", None)
    if status is not None and 400 <= status < 500:
        return SignInFailed(f"the identity provider refused: {_oauth_error(exc.response)}")
    if status is not None:
        return SignInFailed(f"the identity provider answered HTTP {status}", Outcome.ERROR)
    return SignInFailed(f"the identity provider did not answer: {exc}", Outcome.ERROR)


def _oauth_error(response):
    # RFC 6749 5.2: {"error": "invalid_grant", ...}; only the code is kept (no body text).
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        error = None
    if isinstance(error, str) and error.isascii() and error.isprintable():
        return error[:40]
    return f"HTTP {response.status_code}"


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
