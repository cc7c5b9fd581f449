"""How long a signed-in session lasts, and the audit row when it ends by itself.

Idle timeout: SESSION_COOKIE_AGE (= SESSION_IDLE_TIMEOUT), enforced by the session
store itself, and renewed by a request once the last renewal is SESSION_RENEW_SECONDS
old: saving the session on every request would cost every page a database write,
for an idle timeout exact to the second that nobody needs. Absolute lifetime: the
sign-in time is kept in the session and the session is ended once it is
SESSION_MAX_LIFETIME old, however active.

An idle expiry is audited when the browser comes back with the expired session's
cookie, or else by `manage.py daily_maintenance`, which deletes expired sessions
(as `clearsessions` does) only after writing their rows.
"""

import time
from importlib import import_module

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from lookup.audit import Action, Outcome, audit_record

SIGNED_IN_AT_KEY = "perpdesk_signed_in_at"
RENEWED_AT_KEY = "perpdesk_renewed_at"
IDLE_NOTE = "no request for SESSION_IDLE_TIMEOUT"
MAX_LIFETIME_NOTE = "SESSION_MAX_LIFETIME reached"


def note_sign_in(session):
    session[SIGNED_IN_AT_KEY] = session[RENEWED_AT_KEY] = time.time()


def renew_if_due(session):
    """Push the idle timeout back (a session save) when the last renewal is old enough."""
    now = time.time()
    if now - session.get(RENEWED_AT_KEY, 0) >= settings.SESSION_RENEW_SECONDS:
        session[RENEWED_AT_KEY] = now  # modified: the session middleware saves it


def past_max_lifetime(session):
    # A session without the stamp did not start with a perpdesk sign-in: end it.
    signed_in_at = session.get(SIGNED_IN_AT_KEY)
    return signed_in_at is None or time.time() - signed_in_at > settings.SESSION_MAX_LIFETIME


def record_idle_expiry_of_cookie(request):
    """Audit the idle expiry of the session the request's cookie still names, once.

    For an anonymous request whose session cookie loaded nothing. Only database-backed
    session stores keep an expired session to read who it was; the row is deleted here
    so that the next request (or the daily maintenance) does not record it again.
    """
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    model = _session_model()
    if model is None or not key.isalnum() or not request.session.is_empty():
        return
    expired = model.objects.filter(session_key=key, expire_date__lte=timezone.now()).first()
    if expired is None:
        return
    user_id = expired.get_decoded().get(auth.SESSION_KEY)
    expired.delete()
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    if user is not None:
        audit_record(request=request, action=Action.SIGN_OUT, outcome=Outcome.EXPIRED, user=user, note=IDLE_NOTE)


def audit_and_clear_expired_sessions(batch_size=500):
    """Write the idle-expiry row of every expired signed-in session, then delete them.
    Returns how many sessions were deleted (database stores; others just clear)."""
    model = _session_model()
    if model is None:
        import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
        return 0
    deleted = 0
    while batch := list(model.objects.filter(expire_date__lte=timezone.now())[:batch_size]):
        _audit_idle_expiries(batch)
        model.objects.filter(session_key__in=[row.session_key for row in batch]).delete()
        deleted += len(batch)
    return deleted


def _audit_idle_expiries(rows):
    user_ids = [row.get_decoded().get(auth.SESSION_KEY) for row in rows]
    users = get_user_model().objects.in_bulk([user_id for user_id in user_ids if user_id])
    request = HttpRequest()  # no client: the expiry happened without one
    for user_id in user_ids:
        user = users.get(_as_pk(user_id))
        if user is not None:
            audit_record(request=request, action=Action.SIGN_OUT, outcome=Outcome.EXPIRED, user=user, note=IDLE_NOTE)


def _as_pk(user_id):
    try:
        return get_user_model()._meta.pk.to_python(user_id)
    except (ValidationError, TypeError, ValueError):  # a value no primary key holds
        return None


def _session_model():
    store = import_module(settings.SESSION_ENGINE).SessionStore
    return store.get_model_class() if hasattr(store, "get_model_class") else None
