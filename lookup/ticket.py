"""Ticket context: the helpdesk ticket a person's lookups are made for.

A helpdesk link adds `?ticket=<reference>` to a perpdesk page. The reference starts a
flow kept in the session: that page's audit row and those of the searches, page views
and Refreshes after it hold the reference (lookup.audit), and the pages' header says
"for ticket …". A new reference replaces the flow; `?ticket=` empty ends it, and so does
TICKET_CONTEXT_SECONDS without a lookup. The parameter is taken off the address at once
(a redirect), so it never reaches a page's reading of PERP, its cache keys or the links
people copy from the address bar, nor the Refresh button's target. A reference perpdesk
will not record ends the flow too, and the page says why (the admin's messages, kept in
a cookie: no session write).

The session is written only when the flow changes, and for the idle clock at most once
per SESSION_RENEW_SECONDS, as the session's own renewal is. One session has one flow:
two tabs share it.
"""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect

from lookup import clock
from lookup.models import AuditEntry

PARAMETER = "ticket"
SESSION_KEY = "perpdesk_ticket"
MAX_LENGTH = AuditEntry._meta.get_field("ticket").max_length
# Markup and entity characters, and "@": an email given as a reference would otherwise be
# kept in clear in the audit trail.
FORBIDDEN = frozenset("<>\"'`&@")
# The pages a helpdesk link opens; the Refresh button keeps the flow but cannot start one.
FLOW_PAGES = frozenset({"admin:search", "admin:customer", "admin:order", "admin:invoice"})
_MEMO = "perpdesk_ticket_reference"


class InvalidReference(ValueError):
    """A ticket reference perpdesk will not record; its message says why, for staff."""


def parse_reference(text):
    """The reference `text` names, trimmed; "" for none. Raises InvalidReference."""
    reference = str(text).strip()
    if len(reference) > MAX_LENGTH:
        raise InvalidReference(f"The ticket reference in this link is longer than {MAX_LENGTH} characters.")
    if not reference.isprintable():
        raise InvalidReference("The ticket reference in this link holds a control or invisible character.")
    if FORBIDDEN.intersection(reference):
        shown = " ".join(sorted(FORBIDDEN))
        raise InvalidReference(f"The ticket reference in this link holds a character it cannot have ({shown}).")
    return reference


def ticket_reference(request):
    """The reference of the request's flow, "" outside one; read once per request (the
    read may renew or end the flow)."""
    if not hasattr(request, _MEMO):
        setattr(request, _MEMO, _kept_reference(request))
    return getattr(request, _MEMO)


class TicketContextMiddleware:
    """Starts, replaces or ends the flow when a page is opened with `?ticket=`, then
    sends the browser to the same address without it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if PARAMETER not in request.GET or not _opens_a_flow(request):
            return None
        try:
            reference = parse_reference(request.GET[PARAMETER])
        except InvalidReference as error:
            reference = ""  # and the lookups that follow are not the earlier ticket's either
            messages.warning(request, f"{error} Lookups are not recorded for a ticket.")
        if reference:
            _start(request.session, reference)
        else:
            _end(request.session)
        return HttpResponseRedirect(_without_parameter(request))


def _opens_a_flow(request):
    match = request.resolver_match
    return (
        request.method in ("GET", "HEAD")
        and match is not None and match.view_name in FLOW_PAGES
        and request.user.is_authenticated
    )


def _kept_reference(request):
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)  # none on a row written outside a request
    if session is None or user is None or not user.is_authenticated:
        return ""
    kept = session.get(SESSION_KEY)
    if not isinstance(kept, dict):
        return ""
    idle = _now() - kept.get("seen", 0)
    if idle > settings.TICKET_CONTEXT_SECONDS:
        _end(session)
        return ""
    if idle >= settings.SESSION_RENEW_SECONDS:
        session[SESSION_KEY] = {**kept, "seen": _now()}
    return str(kept.get("reference", ""))


def _start(session, reference):
    kept = session.get(SESSION_KEY)
    if isinstance(kept, dict) and kept.get("reference") == reference:
        if _now() - kept.get("seen", 0) < settings.SESSION_RENEW_SECONDS:
            return  # the same link again, just now: nothing to write
    session[SESSION_KEY] = {"reference": reference, "seen": _now()}


def _end(session):
    session.pop(SESSION_KEY, None)  # a write only if there was a flow


def _without_parameter(request):
    query = request.GET.copy()
    query.pop(PARAMETER)
    return f"{request.path}?{query.urlencode()}" if query else request.path


def _now():
    return clock.now().timestamp()
