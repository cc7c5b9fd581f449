"""The audit trail: who looked at which customer, order or invoice, who read the audit
log, who was refused, and who signed in.

It fails closed. A page that shows customer data is sent only once its row is written:
`audit_required` raises `AuditNotWritten` (a `DatabaseError`) when the database refuses
the row, and the request gets the "database unavailable" page instead of the data. An id
a row could not hold (`id_is_storable`) is refused before PERP is asked. Rows that show
nothing — sign-in, sign-out, a refusal — are written by `audit_record`, which logs a
refused write at ERROR and lets the request go on: signing out must work while the
database is down.

Rows hold kinds and ids, never PERP's data, and a search term or free-text filter only
as a keyed hash (`audit_term_digest`). Text from PERP that PostgreSQL could not store
(NUL) is kept escaped, and text longer than its column ends in "…".
"""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from lookup.context import request_id as request_id_var
from lookup.models import AuditEntry
from lookup.ops.forwarded import client_address, parse_address, peer_is_trusted
from lookup.ticket import ticket_reference

Action = AuditEntry.Action
Outcome = AuditEntry.Outcome

logger = logging.getLogger(__name__)

_TERM_SALT = "perpdesk.audit.search-term"
# The longest id a page may be asked for: the audit column that holds a customer's id.
ID_MAX_LENGTH = AuditEntry._meta.get_field("customer_id").max_length
TRUNCATED = "…"
# The rows that hold the ticket a lookup was made for (lookup.ticket).
TICKET_ACTIONS = frozenset({Action.SEARCH, Action.VIEW, Action.REFRESH})


class AuditNotWritten(DatabaseError):
    """The row a page needs could not be written: the page must not be shown."""


def audit_term_digest(term):
    """The keyed hash stored for a search term: lets an investigator check "was X
    searched for?" without the log holding customers' emails in clear."""
    normalised = " ".join(str(term).split()).casefold()
    return salted_hmac(_TERM_SALT, normalised, algorithm="sha256").hexdigest()


def text_is_storable(text):
    """False for text PostgreSQL refuses in a text column: NUL, or no UTF-8 form."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


def id_is_storable(identifier):
    """Whether an id asked for in a URL fits an audit row as it is: pages refuse the rest
    before asking PERP, so no lookup goes unaudited or is recorded under another id."""
    return len(identifier) <= ID_MAX_LENGTH and text_is_storable(identifier)


def storable_text(text, max_length=None):
    """`text` as a row can hold it: NUL and lone surrogates escaped, cut to `max_length`
    with a visible "…" (for text from PERP or from a refused request, never for the id
    a page was asked for)."""
    text = str(text)
    if not text_is_storable(text):
        text = text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")
    if max_length is not None and len(text) > max_length:
        text = text[: max_length - len(TRUNCATED)] + TRUNCATED
    return text


def _save(entry):
    if transaction.get_connection().in_atomic_block:
        # A savepoint: a refused insert must not break the transaction the page is in.
        with transaction.atomic():
            entry.save()
    else:  # one INSERT in autocommit is atomic already; a transaction would cost two round trips
        entry.save()


def audit_record(**fields):
    """Write one row for a request that shows no customer data (sign-in, sign-out, a
    refusal); returns it, or None when the database refused it (logged at ERROR).

    Takes the fields of `audit_required`.
    """
    try:
        return audit_required(**fields)
    except AuditNotWritten:
        return None


def audit_required(
    *,
    request,
    action,
    kind="",
    object_ids=(),
    customer_id="",
    search_term="",
    filters="",
    outcome=Outcome.OK,
    note="",
    user=None,
    username="",
):
    """Write one row for `request` and return it; raise `AuditNotWritten` if the database
    refuses it, so that what the row is about is not shown.

    `user` defaults to the signed-in user; `username` names someone who has no account
    (a refused sign-in). `object_ids` are the ids the page showed; `filters` how the
    audit log was filtered.
    """
    user = user or _signed_in_user(request)
    entry = AuditEntry(
        username=storable_text(username or (user.get_username() if user else ""), 150),
        user=user,
        action=action,
        kind=storable_text(kind, 32),
        object_ids=storable_text(", ".join(str(object_id) for object_id in object_ids)),
        customer_id=storable_text(customer_id or "", ID_MAX_LENGTH),
        term_digest=audit_term_digest(search_term) if search_term else "",
        filters=storable_text(filters),
        outcome=outcome,
        note=storable_text(note, 200),
        client_ip=_client_ip(request),
        request_id=_request_id(request),
        ticket=ticket_reference(request) if action in TICKET_ACTIONS else "",
    )
    try:
        _save(entry)
    except DatabaseError as error:
        logger.exception(
            "AUDIT ROW NOT WRITTEN: %s %s by %s (request %s)",
            action, kind, entry.username, entry.request_id,
        )
        raise AuditNotWritten(f"audit row not written: {error.__class__.__name__}") from error
    return entry


# What a refused request was after, by its route: perpdesk's pages are lookups; the
# audit log's routes are reads of it; anything else is an admin page.
_LOOKUP_ACTIONS = {
    "admin:search": Action.SEARCH,
    "admin:customer": Action.VIEW,
    "admin:order": Action.VIEW,
    "admin:invoice": Action.VIEW,
    "admin:refresh": Action.REFRESH,
}
AUDIT_LOG_ROUTE_PREFIX = "admin:lookup_auditentry_"


def audit_refusal(*, request, reason):
    """The row of a signed-in person refused a page: what they asked for, and why.
    None for an address that names no page (the admin's catch-all)."""
    match = request.resolver_match
    if match is None or match.url_name is None:
        return None
    name = match.view_name
    ids = [storable_text(value, ID_MAX_LENGTH) for value in match.kwargs.values()]
    action = _LOOKUP_ACTIONS.get(name)
    if action is None:
        action = Action.AUDIT_LOG if name.startswith(AUDIT_LOG_ROUTE_PREFIX) else Action.ADMIN
    kind = name.removeprefix(AUDIT_LOG_ROUTE_PREFIX).removeprefix("admin:")
    search_term = request.GET.get("q", "") if action in (Action.SEARCH, Action.AUDIT_LOG) else ""
    return audit_record(
        request=request, action=action, kind=kind, object_ids=ids, search_term=search_term,
        outcome=Outcome.REFUSED, note=reason,
    )


def recent_lookups(*, user, limit=10):
    """The user's latest distinct page views (customer, order, invoice), newest first."""
    views = AuditEntry.objects.filter(user=user, action=Action.VIEW, outcome=Outcome.OK)
    recent, seen = [], set()
    for entry in views.order_by("-at", "-id")[: limit * 5]:
        key = (entry.kind, entry.object_ids)
        if key not in seen:
            seen.add(key)
            recent.append(entry)
        if len(recent) == limit:
            break
    return recent


def audit_prune(*, older_than_days=None):
    """Delete rows older than the retention period; returns how many were deleted."""
    days = settings.AUDIT_RETENTION_DAYS if older_than_days is None else older_than_days
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = AuditEntry.objects.filter(at__lt=cutoff).delete()
    return deleted


def _signed_in_user(request):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _client_ip(request):
    # lookup.ops.forwarded's middleware strips X-Forwarded-For from untrusted peers; a request
    # that did not pass through it (a management command, a test) is checked here.
    peer = request.META.get("REMOTE_ADDR", "")
    address = parse_address(client_address(request) if peer_is_trusted(request) else peer)
    return str(address) if address else None


def _request_id(request):
    """The request's id (set by the request-id middleware), else one made up once for it."""
    current = request_id_var.get()
    if current:
        return str(current)[:64]
    if not hasattr(request, "perpdesk_audit_request_id"):
        request.perpdesk_audit_request_id = uuid.uuid4().hex
    return request.perpdesk_audit_request_id
