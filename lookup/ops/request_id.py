"""Every request gets an id: in the logs, in the X-Request-ID response header and sent
on to PERP, so one support call can be followed from nginx to PERP.

The proxy's id is kept when the proxy is trusted and the id looks like one (nginx's
$request_id is 32 hex digits); otherwise perpdesk makes its own.
"""

import re
import uuid

from lookup.context import request_id
from lookup.ops.log_format import REQUEST_ATTRIBUTE
from lookup.ops.forwarded import peer_is_trusted

HEADER = "X-Request-ID"
# Goes into logs and an outgoing header: a short plain token, nothing to escape.
SANE_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")


def incoming_request_id(request):
    value = request.headers.get(HEADER, "")
    if peer_is_trusted(request) and SANE_ID.fullmatch(value):
        return value
    return None


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = incoming_request_id(request) or uuid.uuid4().hex
        # Also on the request: Django logs some lines after this context has ended.
        setattr(request, REQUEST_ATTRIBUTE, rid)
        token = request_id.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response[HEADER] = rid
        return response
