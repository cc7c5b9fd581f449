"""LOG_FORMAT=json: one JSON object per line, for the log pipeline; and what every
line, json or plain, carries: the id of the request it was written for.

Fields passed with `extra=` become fields of the line (the PERP client's per-call
line, the request line). Only plain values are written: Django attaches the request
object to its own records, and its repr carries the query string.

The request id is the request's context (lookup.context), which the page fan-out's
threads share. Django writes some lines after the middleware, and so that context,
has finished: django.request's line for a 5xx a view returned (not raised). Those
records carry the request itself, on which lookup.ops.request_id left the id.
Imports nothing from Django: gunicorn's master process uses it too.
"""

import json
import logging
from datetime import datetime, timezone

from lookup.context import request_id

# Attributes every LogRecord has; anything else on a record came from `extra=`.
STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
    "request_id",  # a field of every line, stamped by RequestIdFilter
}
PLAIN_TYPES = (str, int, float, bool, type(None))
# Where lookup.ops.request_id.RequestIdMiddleware leaves the id on the request.
REQUEST_ATTRIBUTE = "perpdesk_request_id"


def request_id_of(record):
    """The id of the request `record` was logged for, or None outside any request."""
    stamped = getattr(record, "request_id", None)
    if stamped:
        return stamped
    return request_id.get() or getattr(getattr(record, "request", None), REQUEST_ATTRIBUTE, None)


class RequestIdFilter(logging.Filter):
    """On a handler: stamps every record it writes with its request's id, as it is logged."""

    def filter(self, record):
        record.request_id = request_id_of(record)
        return True


class OneLineWarning(logging.Filter):
    """On a logger: its records become one WARNING line, without a traceback. For
    django.security.DisallowedHost, which logs a bad Host header (scanners, probes
    without a Host in ALLOWED_HOSTS) as an ERROR with the whole stack."""

    def filter(self, record):
        record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        record.exc_info = record.exc_text = None
        return True


def extra_fields(record):
    return {
        name: value
        for name, value in vars(record).items()
        if name not in STANDARD_ATTRIBUTES and not name.startswith("_") and isinstance(value, PLAIN_TYPES)
    }


class JsonFormatter(logging.Formatter):
    def format(self, record):
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id_of(record),
            **extra_fields(record),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line)


class PlainFormatter(logging.Formatter):
    """LOG_FORMAT=plain: a line for people, with the request id in brackets ("-": none)."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def formatMessage(self, record):
        rid = request_id_of(record) or "-"
        return f"{record.asctime} {record.levelname} {record.name} [{rid}] {record.message}"
