"""Proxy mode: the authenticating proxy in front says who the person is.

What it says is believed only when the request's direct peer is in TRUSTED_PROXIES;
from anyone else the headers are ignored and the attempt logged. With
PROXY_JWT_HEADER set, the proxy's signed token is verified and the plain user header
is not read at all.

The user value must be one plain identity: a comma means the header came more than
once (servers join repeats with ", "), so it is refused. Header names spelt with
underscores (X_Forwarded_Email) would land on the same WSGI key as the real one;
gunicorn (header_map=drop, its default), nginx (underscores_in_headers off) and
runserver drop them before Django sees them — keep those defaults.
"""

import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.backends import ModelBackend

from lookup.audit import Action, audit_record
from lookup.auth.accounts import Identity, SignInRefused, account_for_sign_in
from lookup.auth.groups import claim_as_list, mapped_group_names
from lookup.auth.permissions import CachedPermissions
from lookup.auth.proxy_jwt import ProxyTokenInvalid, verified_proxy_claims
from lookup.ops.forwarded import peer_is_trusted

logger = logging.getLogger(__name__)

BACKEND_PATH = "lookup.auth.proxy.ProxyBackend"
# What the session was started for (user + groups), and what was last refused.
SIGNED_IN_AS_KEY = "perpdesk_proxy_assertion"
REFUSED_KEY = "perpdesk_proxy_refused"


class ProxyAssertionRejected(Exception):
    pass


@dataclass(frozen=True)
class ProxyAssertion:
    user: str
    provider_groups: tuple | None  # None: the proxy is not configured to send groups

    def fingerprint(self):
        groups = "" if self.provider_groups is None else "\n".join(sorted(self.provider_groups))
        return hashlib.sha256(f"{self.user}\0{groups}".encode()).hexdigest()

    def identity(self):
        return Identity(
            username=f"proxy:{self.user}",
            label=self.user,
            email=self.user if "@" in self.user else "",
        )

    def group_names(self):
        if self.provider_groups is None:
            return set(settings.PROXY_DEFAULT_GROUPS)
        return mapped_group_names(self.provider_groups)


class ProxyBackend(CachedPermissions, ModelBackend):
    """Authenticates what the proxy asserted; password logins are not its business."""

    def authenticate(self, request, proxy_assertion=None, **kwargs):
        if proxy_assertion is None:
            return None
        return account_for_sign_in(
            request=request,
            identity=proxy_assertion.identity(),
            group_names=proxy_assertion.group_names(),
        )


def sign_in_from_proxy(request):
    """Make request.user whoever the proxy asserts. Returns a SignInRefused, or None."""
    assertion = _believed_assertion(request)
    if assertion is None:
        _end_proxy_session(request, "the proxy no longer vouches for the person")
        return None
    fingerprint = assertion.fingerprint()
    if request.user.is_authenticated and request.session.get(SIGNED_IN_AS_KEY) == fingerprint:
        return None
    if request.session.get(REFUSED_KEY) == fingerprint:  # refused and audited already
        return SignInRefused(assertion.identity(), "refused earlier in this session")
    try:
        user = auth.authenticate(request, proxy_assertion=assertion)
    except SignInRefused as refusal:
        _end_proxy_session(request, "the proxy now asserts someone perpdesk refuses")
        request.session[REFUSED_KEY] = fingerprint
        return refusal
    auth.login(request, user)
    request.session[SIGNED_IN_AS_KEY] = fingerprint
    return None


def _believed_assertion(request):
    try:
        return proxy_assertion(request)
    except (ProxyAssertionRejected, ProxyTokenInvalid) as exc:
        logger.warning("Proxy identity refused from %s: %s", request.META.get("REMOTE_ADDR"), exc)
        return None


def proxy_assertion(request):
    """What the proxy says about this request's person, or None when no trusted proxy
    said anything. Raises ProxyAssertionRejected / ProxyTokenInvalid for a bad value."""
    header = settings.PROXY_JWT_HEADER or settings.PROXY_USER_HEADER
    raw = request.META.get(_meta_key(header))
    if raw is None:
        return None
    if not peer_is_trusted(request):
        peer = request.META.get("REMOTE_ADDR")
        logger.warning("Ignored %s header from %s: not one of TRUSTED_PROXIES", header, peer)
        return None
    if settings.PROXY_JWT_HEADER:
        return _from_token(raw)
    return ProxyAssertion(user=_single_value(raw), provider_groups=_groups_header(request))


def _from_token(token):
    claims = verified_proxy_claims(token)
    groups_claim = settings.PROXY_JWT_GROUPS_CLAIM
    groups = tuple(claim_as_list(claims.get(groups_claim))) if groups_claim else None
    user = _single_value(claims.get(settings.PROXY_JWT_USER_CLAIM))
    return ProxyAssertion(user=user, provider_groups=groups)


def _groups_header(request):
    if not settings.PROXY_GROUPS_HEADER:
        return None
    raw = request.META.get(_meta_key(settings.PROXY_GROUPS_HEADER), "")
    return tuple(group.strip() for group in raw.split(",") if group.strip())


def _single_value(value):
    if not isinstance(value, str) or not value.strip():
        raise ProxyAssertionRejected("no user in the assertion")
    value = value.strip()
    if "," in value:
        # The value itself is not told: it holds staff members' emails (no PII in logs).
        raise ProxyAssertionRejected(f"several users in one value ({value.count(',') + 1}): was the header repeated?")
    if any(char.isspace() or not char.isprintable() for char in value):
        raise ProxyAssertionRejected("the user value has spaces or control characters")
    return value


def _meta_key(header_name):
    return "HTTP_" + header_name.upper().replace("-", "_")


def _end_proxy_session(request, reason):
    if request.user.is_authenticated and request.session.get(auth.BACKEND_SESSION_KEY) == BACKEND_PATH:
        audit_record(request=request, action=Action.SIGN_OUT, note=reason)
        auth.logout(request)
