"""perpdesk's own database failing: a 503 page that says so, not the generic 500.

Django hands every uncaught exception of a request — from a view, a template, the
audit trail, or the session and user the middleware loads and saves — to the project's
500 handler (`handler500` in perpdesk.urls). `server_error` answers a database error
of any kind — `DatabaseError` or `InterfaceError`: refused, timed out, a statement
cancelled, a lost connection, a row the database would not write — with `lookup/database_unavailable.html` and `Retry-After`,
and anything else with the plain 500 page.

The page is rendered without the request: the context processors would load the
session and the user, from the database that just failed. Django closes a connection
that failed at the end of the request, and checks a kept one before reusing it
(CONN_HEALTH_CHECKS; a pooled one the pool discards once it failed), so pages come
back on their own when the database does. A pool that has no free connection within
DATABASE_POOL_TIMEOUT (psycopg_pool.PoolTimeout, an OperationalError) is the same 503.

One WARNING line says what happened, by kind of failure only: a driver's message can
name hosts and ports. Django's own "Service Unavailable" record for it, with the
traceback, is dropped by `DatabaseUnavailableRecords` (a filter on django.request), and
so is its record of /readyz answering 503 (lookup.ops.health logs why).
"""

import logging
import sys

from django.db import Error as DatabaseFault  # DatabaseError and InterfaceError alike
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.views import defaults

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10
TEMPLATE = "lookup/database_unavailable.html"

# (SQLSTATE or words in the driver's message, what to log). First match wins.
_SQLSTATE_REASONS = {
    "57014": "a statement ran past DATABASE_STATEMENT_TIMEOUT",
    "57P01": "the server is shutting down",
    "57P02": "the server is shutting down",
    "57P03": "the server is starting up",
    "53300": "the server has no connection slots left",
}
_MESSAGE_REASONS = (
    ("timeout expired", "no answer within DATABASE_CONNECT_TIMEOUT"),
    # psycopg_pool.PoolTimeout: every connection of the worker's pool stayed in use.
    ("couldn't get a connection", "no free pooled connection within DATABASE_POOL_TIMEOUT"),
    ("query deadline", "no answer within the query deadline (lookup.ops.db_deadline)"),
    ("connection refused", "connection refused"),
    ("could not translate host name", "host name not found"),
    ("closed the connection", "the server closed the connection"),
    ("connection is lost", "the connection was lost"),
    ("connection already closed", "the connection was lost"),
    ("password authentication failed", "the database refused perpdesk's credentials"),
)


def failure_reason(error):
    """What went wrong, in words that name no host, user or password."""
    causes = list(_causes(error))
    for cause in causes:
        sqlstate = getattr(cause, "sqlstate", None)
        if sqlstate in _SQLSTATE_REASONS:
            return _SQLSTATE_REASONS[sqlstate]
        text = str(cause).lower()
        for words, reason in _MESSAGE_REASONS:
            if words in text:
                return reason
    sqlstates = [cause.sqlstate for cause in causes if getattr(cause, "sqlstate", None)]
    return f"SQLSTATE {sqlstates[0]}" if sqlstates else "no detail"


def _causes(error, depth=5):
    """The error, the driver's error Django wrapped, and what a wrapper such as the
    audit trail's raised it from."""
    while error is not None and depth:
        yield error
        error, depth = error.__cause__ or error.__context__, depth - 1


def database_unavailable_response():
    """The 503 page; renders without touching the database."""
    response = HttpResponse(render_to_string(TEMPLATE), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


def server_error(request, template_name="500.html"):
    """handler500: a database failure is a 503 saying so; anything else the 500 page."""
    error = sys.exc_info()[1]
    if not isinstance(error, DatabaseFault):
        return defaults.server_error(request, template_name)
    logger.warning(
        "Database unavailable (%s: %s): answered 503", type(error).__name__, failure_reason(error),
        extra={"db_error": type(error).__name__, "db_reason": failure_reason(error)},
    )
    return database_unavailable_response()


class DatabaseUnavailableRecords(logging.Filter):
    """Drops django.request's ERROR record (and traceback) of a 503 that a database
    failure caused — the 503 page, or /readyz saying the database is down — as each
    has logged its own WARNING line saying what happened."""

    def filter(self, record):
        if getattr(record, "status_code", None) != 503:
            return True
        exc_info = record.exc_info
        if exc_info and isinstance(exc_info[1], DatabaseFault):
            return False
        match = getattr(getattr(record, "request", None), "resolver_match", None)
        return not (match and match.url_name == "readyz")
