"""LOG_FORMAT=json: one JSON object per line, for the log pipeline.

Fields passed with `extra=` become fields of the line (the PERP client's per-call
line, the request line). Only plain values are written: Django attaches the request
object to its own records, and its repr carries the query string.
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
}
PLAIN_TYPES = (str, int, float, bool, type(None))


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
            "request_id": request_id.get(),
            **extra_fields(record),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line)
