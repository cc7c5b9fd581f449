"""How long a signed-in session lasts.

Idle timeout: SESSION_COOKIE_AGE (= SESSION_IDLE_TIMEOUT), enforced by the session
store itself, and renewed by a request once the last renewal is SESSION_RENEW_SECONDS
old: saving the session on every request would cost every page a database write,
for an idle timeout exact to the second that nobody needs. Absolute lifetime: the sign-in time is kept in the session and the session is ended once it
is SESSION_MAX_LIFETIME old, however active.
"""

import time

from django.conf import settings

SIGNED_IN_AT_KEY = "perpdesk_signed_in_at"
RENEWED_AT_KEY = "perpdesk_renewed_at"


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
