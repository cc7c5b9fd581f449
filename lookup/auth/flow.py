"""A sign-in at the provider under way in one browser: its state, nonce, PKCE verifier
and where to go afterwards, kept in a signed cookie until the provider sends the browser back.

Not in the session: an anonymous visitor to /oidc/authenticate/ would otherwise cost
a session row each time, without bound. The cookie is signed (it cannot be forged or
altered), HttpOnly, SameSite=Lax (sent on the provider's redirect back, a top-level
navigation), expires with FLOW_MAX_AGE, and holds at most MAX_FLOWS sign-ins (tabs).
A callback is believed only for a state this browser's cookie holds.
"""

import time
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core import signing

FLOW_MAX_AGE = 600  # seconds a person may take at the provider's sign-in page
MAX_FLOWS = 4
_SALT = "perpdesk.auth.sign-in-flow"


@dataclass(frozen=True)
class Flow:
    state: str
    nonce: str
    code_verifier: str
    next_url: str
    started_at: float


def cookie_name():
    # "__Host-": only ever set by this host, over https, for the whole site.
    return "__Host-perpdesk_signin" if settings.SESSION_COOKIE_SECURE else "perpdesk_signin"


def flows_in(request):
    """The sign-ins under way in the request's browser, by state (empty if none or forged)."""
    raw = request.COOKIES.get(cookie_name())
    if not raw:
        return {}
    try:
        flows = [_flow(item) for item in signing.loads(raw, salt=_SALT, max_age=FLOW_MAX_AGE)]
    except (signing.BadSignature, TypeError, ValueError):
        return {}
    oldest_allowed = time.time() - FLOW_MAX_AGE
    return {flow.state: flow for flow in flows if flow.started_at >= oldest_allowed}


def _flow(item):
    flow = Flow(**item)
    texts = (flow.state, flow.nonce, flow.code_verifier, flow.next_url)
    if not all(isinstance(text, str) for text in texts) or not isinstance(flow.started_at, (int, float)):
        raise TypeError("not a sign-in flow")
    return flow


def begin_flow(request, response, flow):
    """Add `flow` to the browser's cookie (the oldest dropped past MAX_FLOWS)."""
    flows = list(flows_in(request).values())[-(MAX_FLOWS - 1):] + [flow]
    _store(response, flows)


def end_flow(request, response, state):
    """Drop `state` from the browser's cookie: a state is good for one callback only."""
    remaining = [flow for flow in flows_in(request).values() if flow.state != state]
    if remaining:
        _store(response, remaining)
    elif cookie_name() in request.COOKIES:
        response.delete_cookie(cookie_name(), samesite="Lax")


def _store(response, flows):
    value = signing.dumps([asdict(flow) for flow in flows], salt=_SALT, compress=True)
    response.set_cookie(
        cookie_name(),
        value,
        max_age=FLOW_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
