"""Request-time sign-in rules: session lifetimes, renewal with the provider, and proxy
mode's sign-in."""

import logging

from django.conf import settings
from django.contrib import auth

from lookup.audit import Action, Outcome, audit_record
from lookup.auth.proxy import sign_in_from_proxy
from lookup.auth.renewal import renew_with_provider_if_due
from lookup.auth.sessions import (
    MAX_LIFETIME_NOTE,
    past_max_lifetime,
    record_idle_expiry_of_cookie,
    renew_if_due,
)
from lookup.auth.views import refusal_page

logger = logging.getLogger(__name__)


class SessionLifetimeMiddleware:
    """Ends a session SESSION_MAX_LIFETIME after its sign-in, however active it has been;
    renews the idle timeout of the others, and audits one that expired idle
    (lookup.auth.sessions)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and past_max_lifetime(request.session):
            logger.info("Session of account %s reached SESSION_MAX_LIFETIME: signed out", request.user.pk)
            audit_record(request=request, action=Action.SIGN_OUT, outcome=Outcome.EXPIRED, note=MAX_LIFETIME_NOTE)
            auth.logout(request)
        elif request.user.is_authenticated:
            renew_if_due(request.session)
        elif settings.SESSION_COOKIE_NAME in request.COOKIES:
            record_idle_expiry_of_cookie(request)
        return self.get_response(request)


class ProviderRenewalMiddleware:
    """In OIDC mode, re-checks the signed-in person with the provider every
    OIDC_RENEW_SECONDS (lookup.auth.renewal); a refused person gets the refusal page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.AUTH_MODE == "oidc" and request.user.is_authenticated:
            refusal = renew_with_provider_if_due(request)
            if refusal is not None:
                return refusal_page(request, refusal.identity)
        return self.get_response(request)


class ProxySignInMiddleware:
    """In proxy mode, signs the request in as whoever the trusted proxy asserts."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.AUTH_MODE == "proxy":
            refusal = sign_in_from_proxy(request)
            if refusal is not None:
                return refusal_page(request, refusal.identity)
        return self.get_response(request)
