"""A pooled PostgreSQL connection is checked before it is handed out, without a round trip.

Django's own check for pooled connections (CONN_HEALTH_CHECKS) has the pool send an
empty query each time: a round trip on every request, and one that lookup.ops.db_deadline
cannot watch. An idle connection's socket has nothing to read unless the server closed
it (a restart, a terminated backend: PostgreSQL sends its FATAL and closes) or the
connection was cut: then it is readable, and the pool discards it and hands out
another (or opens one, within DATABASE_POOL_TIMEOUT). So after the database comes back
no request gets a dead connection. A partition shows nothing here; the query deadline
covers it.

A database that refused or hung is asked again every RECONNECT_SECONDS while it is
away, instead of psycopg_pool's doubling delays (1, 2, 4 … s): pages come back within
about a second of the database, not after the longest delay reached during the outage.
"""

import select

from django.db import connection

try:
    from psycopg_pool.base import AttemptWithBackoff
except ImportError:  # no pool installed: DATABASE_POOL_MAX_SIZE=0 (a system check says so)
    AttemptWithBackoff = None

RECONNECT_SECONDS = 0.5
if AttemptWithBackoff is not None:
    AttemptWithBackoff.INITIAL_DELAY = RECONNECT_SECONDS
    AttemptWithBackoff.DELAY_BACKOFF = 1.0

# perpdesk sends no LISTEN: an idle connection that has something to read is closing.
_NOTHING_TO_WAIT_FOR = 0


class IdleConnectionDead(Exception):
    """Raised to the pool, which discards the connection."""


def check_idle_connection(conn):
    if conn.closed or conn.broken:
        raise IdleConnectionDead("the connection is closed")
    readable, _, _ = select.select([conn.fileno()], [], [], _NOTHING_TO_WAIT_FOR)
    if readable:
        conn.close()  # closed, the pool replaces it instead of putting it back
        raise IdleConnectionDead("the server closed the idle connection")


def use_idle_check(sender, connection, **kwargs):
    """connection_created receiver: give the connection's pool the check (once)."""
    pool = getattr(connection, "pool", None) if connection.vendor == "postgresql" else None
    # psycopg_pool keeps its check in `_check`; Django offers only its round-trip one.
    if pool is not None and getattr(pool, "_check", None) is None:
        pool._check = check_idle_connection


def hand_back_connection():
    """Give this thread's pooled connection back to the pool before a page waits on PERP.

    A page needs the database before its PERP reads (the session, the user) and after
    them (the audit row), never while PERP answers, which can take seconds. Held through
    that wait, DATABASE_POOL_MAX_SIZE slow pages would leave every other request of the
    worker waiting for a connection, and failing with the 503 page past
    DATABASE_POOL_TIMEOUT. Handed back, the audit row takes one again from the pool (no
    new connection is opened). Unpooled, or inside a transaction, nothing happens.
    """
    if connection.vendor == "postgresql" and connection.pool is not None and not connection.in_atomic_block:
        connection.close()
