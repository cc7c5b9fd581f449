"""Sign-in, sign-out, the OpenID callback, and the pages for a refused or failed sign-in."""

import logging

from django.conf import settings
from django.contrib import admin, auth
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.views.decorators.http import require_POST
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from lookup.audit import Action, Outcome, audit_record
from lookup.auth.accounts import SignInRefused
from lookup.auth.oidc import SignInFailed, oidc_configured, provider_sign_out_url

logger = logging.getLogger(__name__)

NO_SIGN_IN_IN_PROGRESS = "no sign-in was in progress in this browser"


def _page_context(request, **extra):
    return {**admin.site.each_context(request), **extra}


def refusal_page(request, identity):
    """403: the provider knows the person, perpdesk does not let them in."""
    context = _page_context(
        request,
        title="No access to perpdesk",
        signed_in_as=identity.label,
        allowed_groups=sorted(settings.AUTH_GROUP_MAP),
        contact=settings.AUTH_ACCESS_CONTACT,
    )
    return render(request, "lookup/auth/refused.html", context, status=403)


def _failure_page(request, failure):
    logger.warning("Sign-in failed (%s): %s", failure.outcome, failure.reason)
    entry = audit_record(request=request, action=Action.SIGN_IN, outcome=failure.outcome, note=failure.reason)
    provider_unreachable = failure.outcome == Outcome.ERROR
    context = _page_context(
        request,
        title="Sign-in did not complete",
        provider_unreachable=provider_unreachable,
        reference=entry.request_id if entry else "",
        contact=settings.AUTH_ACCESS_CONTACT,
    )
    return render(request, "lookup/auth/failed.html", context, status=502 if provider_unreachable else 403)


class SignInView(LoginView):
    """The sign-in page: "Sign in with SSO", plus a password form only when LOCAL_LOGIN."""

    template_name = "registration/login.html"

    def get(self, request, *args, **kwargs):
        if admin.site.has_permission(request):
            return redirect(self.get_success_url())
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if not settings.LOCAL_LOGIN:
            return HttpResponseNotAllowed(["GET"])
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        user = self.request.user
        return {
            **super().get_context_data(**kwargs),
            **admin.site.each_context(self.request),
            "title": "Sign in",
            "local_login": settings.LOCAL_LOGIN,
            "sso_url": self._sso_url(),
            "proxy_mode": settings.AUTH_MODE == "proxy",
            "contact": settings.AUTH_ACCESS_CONTACT,
            "signed_in_without_access": user.get_username() if user.is_authenticated else "",
        }

    def _sso_url(self):
        if not oidc_configured():
            return ""
        next_url = self.get_redirect_url()  # "" unless same-site
        query = f"?{urlencode({'next': next_url})}" if next_url else ""
        return reverse("auth:oidc_authenticate") + query


@require_POST
def sign_out(request):
    """Ends the session here, then at the provider (or proxy) when it can be told."""
    destination = _sign_out_destination(request)
    if request.user.is_authenticated:
        audit_record(request=request, action=Action.SIGN_OUT)
    auth.logout(request)
    return redirect(destination)


def _sign_out_destination(request):
    if settings.AUTH_MODE == "proxy":
        elsewhere = settings.PROXY_LOGOUT_URL
    else:
        elsewhere = provider_sign_out_url(request)
    return elsewhere or resolve_url(settings.LOGOUT_REDIRECT_URL)


@method_decorator(login_not_required, name="dispatch")
class OIDCStartView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider with state, nonce and a PKCE challenge."""

    def get(self, request):
        if not oidc_configured():
            raise Http404("OpenID Connect sign-in is not configured")
        return super().get(request)


@method_decorator(login_not_required, name="dispatch")
class OIDCCallbackView(OIDCAuthenticationCallbackView):
    """The provider's redirect back: a refusal or failure is a page, never a 500."""

    def get(self, request):
        try:
            return super().get(request)
        except SignInRefused as refusal:
            _forget_tokens(request)
            return refusal_page(request, refusal.identity)
        except SignInFailed as failure:
            _forget_tokens(request)
            return _failure_page(request, failure)
        except SuspiciousOperation as exc:  # the state matches no sign-in this browser began
            return _failure_page(request, SignInFailed(f"sign-in answer rejected: {exc}"))

    def login_success(self):
        # Always log in, even when the same person is signed in already: a new
        # session key, and an audited sign-in. The library skips both in that case.
        auth.login(self.request, self.user)
        return super().login_success()

    def login_failure(self):
        error = self.request.GET.get("error", "")
        reason = f"the provider answered {error!r}" if error else NO_SIGN_IN_IN_PROGRESS
        return _failure_page(self.request, SignInFailed(reason))


def _forget_tokens(request):
    # The library keeps the ID token before deciding about the person; a session that
    # did not sign anyone in must not hold it.
    request.session.pop("oidc_id_token", None)
