"""The PERP client's error family, one class per outcome of PERP_API.md's table.

"Not found" is not an error: every client method returns None for it.
`permanent` errors are never retried; the others are retried by the client and
may be answered from a stale cached copy by the reading layer.
"""


class PERPError(Exception):
    permanent = True

    def __init__(self, endpoint, detail=""):
        self.endpoint = endpoint  # the endpoint template, e.g. /api/customers/{customer_id}
        self.detail = detail
        # When perpdesk first saw this failure, if the reading layer remembered it
        # (lookup.reading.error_memory); None for a failure seen just now.
        self.first_seen = None
        super().__init__(f"{endpoint}: {detail}" if detail else endpoint)


class PERPAuthError(PERPError):
    """PERP refused the key (401): a configuration fault, never retried."""


class PERPAPIError(PERPError):
    """PERP answered `success: false` with a code other than not-found."""

    def __init__(self, endpoint, code, message):
        self.code = code
        self.message = message
        super().__init__(endpoint, f"{code}: {message}")


class PERPUnavailable(PERPError):
    """PERP did not answer usefully after the retries: timeout, refused, 429/502/503/504."""

    permanent = False

    def __init__(
        self, endpoint, reason, *, status=None, timeout=None, attempts=1, retry_after=None
    ):
        self.reason = reason  # "timeout", "connection" or "status"
        self.status = status
        self.timeout = timeout  # seconds waited, for "did not answer within N s"
        self.attempts = attempts
        self.retry_after = retry_after  # seconds PERP asked us to wait (Retry-After), if any
        what = f"{reason} {status}" if status else reason
        super().__init__(endpoint, f"{what} after {attempts} attempt(s)")


class PERPBadResponse(PERPError):
    """PERP answered something that is not the contract: other 5xx, non-JSON, wrong shape,
    or an answer perpdesk refuses to read (too large, nested too deep)."""

    def __init__(self, endpoint, detail="", *, reason="unreadable"):
        self.reason = reason  # "unreadable", or "too_large": over PERP_MAX_RESPONSE_BYTES
        super().__init__(endpoint, detail)
