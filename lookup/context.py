"""Per-request context that follows a request into the page fan-out's worker threads.

Worker threads run with a copy of the request's contextvars (see lookup.pages.fanout), so
what is set here for a request is visible to the PERP calls made on its behalf.
"""

from contextvars import ContextVar

request_id = ContextVar("perpdesk_request_id", default=None)
