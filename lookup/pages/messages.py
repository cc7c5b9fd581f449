"""The one table that turns what went wrong into words for support staff.

Each row: (error class, a test on the error, the message). The first matching row
wins, so the more specific rows come first. Views and templates never build error
text of their own; they show `message_for(error)`.
"""

from lookup.pages.fanout import NotLoaded, SectionTimedOut
from lookup.perp.errors import (
    PERPAPIError,
    PERPAuthError,
    PERPBadResponse,
    PERPError,
    PERPUnavailable,
)

CANNOT_SIGN_IN = (
    "perpdesk cannot sign in to PERP (PERP refused its API key). "
    "Please tell an administrator."
)
GENERIC = "perpdesk could not read this from PERP"


def _seconds(value):
    return f"{value:g} s"


def _always(error):
    return True


MESSAGES = (
    (SectionTimedOut, _always, lambda e: f"PERP did not answer within {_seconds(e.seconds)}"),
    (NotLoaded, _always, lambda e: f"not loaded, because {e.missing} could not be read"),
    (PERPAuthError, _always, lambda e: CANNOT_SIGN_IN),
    (
        PERPUnavailable,
        lambda e: e.reason == "timeout" and e.timeout,
        lambda e: f"PERP did not answer within {_seconds(e.timeout)}",
    ),
    (
        PERPUnavailable,
        lambda e: e.reason == "breaker_open",
        lambda e: "PERP has not been answering; perpdesk is giving it a minute before asking again",
    ),
    (
        PERPUnavailable,
        lambda e: e.status == 429,
        lambda e: "PERP is too busy to answer (rate limited); try again in a minute",
    ),
    (
        PERPUnavailable,
        lambda e: e.reason == "status",
        lambda e: f"PERP is unavailable (HTTP {e.status})",
    ),
    (PERPUnavailable, _always, lambda e: "PERP could not be reached"),
    (PERPAPIError, _always, lambda e: f"PERP returned an error {e.code}"),
    (
        PERPBadResponse,
        lambda e: e.reason == "too_large",
        lambda e: "PERP's answer was too large",
    ),
    (PERPBadResponse, _always, lambda e: "PERP sent an answer perpdesk could not read"),
    (PERPError, _always, lambda e: GENERIC),
)

# What a section says when it shows an older copy because PERP failed just now.
STALE_REASONS = (
    (PERPUnavailable, "PERP is not answering"),
    (PERPAuthError, "perpdesk cannot sign in to PERP"),
    (PERPBadResponse, "PERP's answers cannot be read"),
    (PERPAPIError, "PERP returned an error"),
    (PERPError, "PERP could not be read"),
)


def message_for(error):
    """Staff-facing text for an error from PERP, the page fan-out, or (rarely) a bug."""
    for error_class, applies, message in MESSAGES:
        if isinstance(error, error_class) and applies(error):
            return message(error)
    return GENERIC


def stale_reason_for(error):
    for error_class, reason in STALE_REASONS:
        if isinstance(error, error_class):
            return reason
    return "PERP could not be read"


def is_auth_failure(error):
    return isinstance(error, PERPAuthError)
