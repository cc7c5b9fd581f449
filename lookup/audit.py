"""The audit trail: who looked at which customer, order or invoice, and who signed in.

`audit_record` writes one row and never makes a page fail: if the database refuses,
the failure is logged at ERROR and the page still answers. Rows hold kinds and ids,
never PERP's data, and a search term only as a keyed hash (`audit_term_digest`).
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
from lookup.proxy import client_address, parse_address, peer_is_trusted

Action = AuditEntry.Action
Outcome = AuditEntry.Outcome

logger = logging.getLogger(__name__)

_TERM_SALT = "perpdesk.audit.search-term"


def audit_term_digest(term):
    """The keyed hash stored for a search term: lets an investigator check "was X
    searched for?" without the log holding customers' emails in clear."""
    normalised = " ".join(str(term).split()).casefold()
    return salted_hmac(_TERM_SALT, normalised, algorithm="sha256").hexdigest()


def _save(entry):
    if transaction.get_connection().in_atomic_block:
        # A savepoint: a refused insert must not break the transaction the page is in.
        with transaction.atomic():
            entry.save()
    else:  # one INSERT in autocommit is atomic already; a transaction would cost two round trips
        entry.save()


def audit_record(
    *,
    request,
    action,
    kind="",
    object_ids=(),
    customer_id="",
    search_term="",
    outcome=Outcome.OK,
    note="",
    user=None,
    username="",
):
    """Write one audit row for `request`; returns it, or None when the database refused.

    `user` defaults to the signed-in user; `username` names someone who has no account
    (a refused sign-in). `object_ids` are the ids the page showed.
    """
    user = user or _signed_in_user(request)
    entry = AuditEntry(
        username=username or (user.get_username() if user else ""),
        user=user,
        action=action,
        kind=kind[:32],
        object_ids=", ".join(str(object_id) for object_id in object_ids),
        customer_id=str(customer_id or "")[:64],
        term_digest=audit_term_digest(search_term) if search_term else "",
        outcome=outcome,
        note=note[:200],
        client_ip=_client_ip(request),
        request_id=_request_id(request),
    )
    try:
        _save(entry)
    except DatabaseError:
        logger.exception(
            "AUDIT ROW NOT WRITTEN: %s %s by %s (request %s)",
            action, kind, entry.username, entry.request_id,
        )
        return None
    return entry


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
    # lookup.proxy's middleware strips X-Forwarded-For from untrusted peers; a request
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
