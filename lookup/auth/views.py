"""Sign-in, sign-out, the OpenID start and callback, and the pages for a refused or
failed sign-in."""

import hashlib
import logging
import time

from django.conf import settings
from django.contrib import admin, auth
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.views import View
from django.views.decorators.http import require_POST
from mozilla_django_oidc.utils import generate_code_challenge
from mozilla_django_oidc.views import get_next_url

from lookup.reading import store as cache_store
from lookup.audit import Action, Outcome, audit_record
from lookup.auth.accounts import SignInRefused
from lookup.auth.flow import Flow, begin_flow, end_flow, flows_in
from lookup.auth.oidc import SignInFailed, oidc_configured, printable, provider_sign_out_url
from lookup.auth.renewal import start_renewals
from lookup.reading.store import CacheUnavailable
from lookup.ops.forwarded import client_address

logger = logging.getLogger(__name__)

NO_SIGN_IN_IN_PROGRESS = "no sign-in was in progress in this browser"
STATE_NOT_ISSUED = "the answer's state is not one this browser's sign-in was given"
# Failed sign-ins of anonymous visitors audited per client address and window; past
# it they are only logged, so that a script cannot fill the audit table.
ANONYMOUS_FAILURES_AUDITED = 10
ANONYMOUS_FAILURE_WINDOW = 600


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
    entry = None
    if request.user.is_authenticated or _anonymous_failure_may_be_audited(request):
        entry = audit_record(request=request, action=Action.SIGN_IN, outcome=failure.outcome, note=failure.reason)
    return _failed_page(request, failure.outcome == Outcome.ERROR, entry.request_id if entry else "")


def _failed_page(request, provider_unreachable=False, reference=""):
    """403 "sign-in failed, try again"; 502 when the provider could not be reached."""
    context = _page_context(
        request,
        title="Sign-in failed",
        provider_unreachable=provider_unreachable,
        reference=reference,
        contact=settings.AUTH_ACCESS_CONTACT,
    )
    return render(request, "lookup/auth/failed.html", context, status=502 if provider_unreachable else 403)


def _anonymous_failure_may_be_audited(request):
    address = hashlib.sha256(client_address(request).encode()).hexdigest()[:16]
    try:
        count = cache_store.count(f"perpdesk:auth:anonymous-failures:{address}", ANONYMOUS_FAILURE_WINDOW)
    except CacheUnavailable:  # no counter: a row too many beats a gap in the trail
        return True
    if count > ANONYMOUS_FAILURES_AUDITED:
        logger.warning("Failed sign-in not audited: more than %d from this address in %d s",
                       ANONYMOUS_FAILURES_AUDITED, ANONYMOUS_FAILURE_WINDOW)
        return False
    return True


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
class OIDCStartView(View):
    """Sends the browser to the provider with state, nonce and a PKCE (S256) challenge,
    kept for the callback in the browser's sign-in cookie (lookup.auth.flow), not in a
    session: an anonymous visit here writes nothing to the database."""

    http_method_names = ["get"]

    def get(self, request):
        if not oidc_configured():
            raise Http404("OpenID Connect sign-in is not configured")
        flow = Flow(
            state=get_random_string(32),
            nonce=get_random_string(32),
            code_verifier=get_random_string(64),
            next_url=get_next_url(request, "next") or "",
            started_at=time.time(),
        )
        response = HttpResponseRedirect(_authorization_url(request, flow))
        begin_flow(request, response, flow)
        return response


def _authorization_url(request, flow):
    params = {
        "response_type": "code",
        "scope": settings.OIDC_RP_SCOPES,
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "redirect_uri": request.build_absolute_uri(reverse("auth:oidc_callback")),
        "state": flow.state,
        "nonce": flow.nonce,
        "code_challenge": generate_code_challenge(flow.code_verifier, "S256"),
        "code_challenge_method": "S256",
    }
    endpoint = settings.OIDC_OP_AUTHORIZATION_ENDPOINT
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"


@method_decorator(login_not_required, name="dispatch")
class OIDCCallbackView(View):
    """The provider's redirect back. Only a state this browser's sign-in was given is
    acted on (and audited); anything else changes nothing: it never signs anyone out,
    and it writes no session. A refusal or failure is a page, never a 500."""

    http_method_names = ["get"]

    def get(self, request):
        state = request.GET.get("state", "")
        flows = flows_in(request)
        flow = flows.get(state)
        if flow is None:
            return _no_such_sign_in(request, sign_in_under_way=bool(flows))
        response = _finish_sign_in(request, flow)
        end_flow(request, response, state)
        return response


def _no_such_sign_in(request, *, sign_in_under_way):
    if request.user.is_authenticated:
        logger.info("Callback for no sign-in of this browser ignored (account %s)", request.user.pk)
        return redirect(resolve_url(settings.LOGIN_REDIRECT_URL))
    if sign_in_under_way:  # a sign-in perpdesk started here, answered with another state
        return _failure_page(request, SignInFailed(STATE_NOT_ISSUED))
    logger.info("Sign-in callback not audited: %s", NO_SIGN_IN_IN_PROGRESS)
    return _failed_page(request)


def _finish_sign_in(request, flow):
    error = request.GET.get("error")
    if error:  # the person stays as they were: signed in or not
        return _failure_page(request, SignInFailed(f"the provider answered {printable(error)[:40]!r}"))
    if not request.GET.get("code"):
        return _failure_page(request, SignInFailed("the provider's answer had no code"))
    try:
        user = auth.authenticate(request=request, nonce=flow.nonce, code_verifier=flow.code_verifier)
    except SignInRefused as refusal:
        return refusal_page(request, refusal.identity)
    except SignInFailed as failure:
        return _failure_page(request, failure)
    if user is None:
        return _failure_page(request, SignInFailed("the identity provider's answer was not accepted"))
    # Always a new login, even for the person signed in already: a new session key,
    # and an audited sign-in.
    auth.login(request, user)
    tokens = request.perpdesk_provider_tokens
    request.session["oidc_id_token"] = tokens.id_token  # the hint for signing out at the provider
    start_renewals(request, user, tokens)
    return redirect(flow.next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
