"""How long a signed-in session lasts.

Idle timeout: SESSION_COOKIE_AGE (= SESSION_IDLE_TIMEOUT) renewed on every request
(SESSION_SAVE_EVERY_REQUEST), enforced by the session store itself. Absolute
lifetime: the sign-in time is kept in the session and the session is ended once it
is SESSION_MAX_LIFETIME old, however active.
"""

import time

from django.conf import settings

SIGNED_IN_AT_KEY = "perpdesk_signed_in_at"


def note_sign_in(session):
    session[SIGNED_IN_AT_KEY] = time.time()


def past_max_lifetime(session):
    # A session without the stamp did not start with a perpdesk sign-in: end it.
    signed_in_at = session.get(SIGNED_IN_AT_KEY)
    return signed_in_at is None or time.time() - signed_in_at > settings.SESSION_MAX_LIFETIME
