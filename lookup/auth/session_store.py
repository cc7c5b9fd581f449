"""Sessions read from the shared cache, written through to the database (Django's
cached_db), so that a warm request costs no database round trip for its session and a
Redis restart signs nobody out.

Django's cached_db already survives a cache that fails to load or save (it reads the
database, or logs); asking whether a new key is taken (a new session) and deleting
(sign-out, a new session key at sign-in) would raise. Here the database answers the
first; for the second the database row goes first, as in Django, and a cache that
cannot be reached is a warning: the copy it may keep ends at its expiry (SESSION_IDLE_TIMEOUT) at the latest,
and its cookie was replaced at the sign-out.
"""

import logging

from django.contrib.sessions.backends import cached_db, db

logger = logging.getLogger(__name__)


class SessionStore(cached_db.SessionStore):
    def exists(self, session_key):
        try:
            return super().exists(session_key)
        except Exception as error:  # the cache is down: the database knows
            logger.warning("Session cache unreachable (%s): asking the database", type(error).__name__)
            return db.SessionStore.exists(self, session_key)

    def delete(self, session_key=None):
        session_key = session_key or self.session_key
        db.SessionStore.delete(self, session_key)
        if session_key is None:
            return
        try:
            self._cache.delete(self.cache_key_prefix + session_key)
        except Exception as error:  # the cache is down: the database row is gone already
            logger.warning("Session not deleted from the cache (%s)", type(error).__name__)
