"""Per-person lookup limits: at most LOOKUP_RATE_LIMIT lookups per window, per account.

A lookup is a search, a customer, order or invoice page, or a Refresh. The count is a
fixed-window counter in the shared cache (lookup.ops.shared_counter: one round trip on
Redis), so every worker and instance adds to the same one; the key holds a keyed digest of the
account's id. Past the limit the person gets a 429 page with `Retry-After` (the end of the
window), an audit row with outcome "refused" (note "rate limited") and a WARNING line
naming the account id.

If the cache does not answer the lookup is allowed (fail open): the limit guards
against a runaway script or a misused account, and refusing every lookup during a Redis
outage would stop the whole support desk for it. The outage is logged (at most once a
minute per process).
"""

import logging
import math
import re
import threading
import time
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.crypto import salted_hmac

from lookup.ops import shared_counter
from lookup.audit import Action, Outcome, audit_record
from lookup.reading.store import CacheUnavailable

logger = logging.getLogger(__name__)

KEY_PREFIX = "perpdesk:ratelimit:v1"
TEMPLATE = "lookup/rate_limited.html"
OFF = "off"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# "120/m", "1000/h", "30/10s": a count, then per an optional number of s, m, h or d.
_RATE = re.compile(r"(?P<count>\d+)/(?P<multiple>\d*)(?P<unit>[smhd])")
_OUTAGE_WARNING_INTERVAL = 60.0


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse_rate(text):
    """`Rate` for "120/m"-style text; None for "off"; ValueError for anything else."""
    text = text.strip().lower()
    if text == OFF:
        return None
    match = _RATE.fullmatch(text.replace(" ", ""))
    if not match or int(match["count"]) < 1 or match["multiple"] and int(match["multiple"]) < 1:
        raise ValueError(text)
    seconds = int(match["multiple"] or 1) * _UNITS[match["unit"]]
    return Rate(int(match["count"]), seconds)


def settings_problems():
    try:
        parse_rate(settings.LOOKUP_RATE_LIMIT)
    except ValueError:
        yield "LOOKUP_RATE_LIMIT", 'must be lookups per period such as "120/m", "1000/h" or "30/10s", or "off".'


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int = 0  # this lookup's number in its window
    retry_after: int = 0  # seconds until the window ends (refused only)


def lookup_verdict(user, *, now=None):
    """Count one lookup for `user`, and say whether it is within the limit."""
    rate = parse_rate(settings.LOOKUP_RATE_LIMIT)
    if rate is None:
        return Verdict(True)
    now = time.time() if now is None else now
    window = int(now // rate.seconds)
    try:
        key = f"{KEY_PREFIX}:{_account_digest(user.pk)}:{rate.seconds}:{window}"
        # Outlives its window a little: a clock a second behind another instance's still counts in it.
        count = shared_counter.count(key, rate.seconds + 2)
    except CacheUnavailable:
        _outage_warnings.warn()
        return Verdict(True)
    if count <= rate.count:
        return Verdict(True, count)
    return Verdict(False, count, max(1, math.ceil((window + 1) * rate.seconds - now)))


def _account_digest(account_id):
    """The account in a key: keyed by SECRET_KEY, so two deployments sharing one Redis (whose
    account ids overlap) never share a count, and the key does not name the account."""
    return salted_hmac("perpdesk.ratelimit", str(account_id), algorithm="sha256").hexdigest()[:32]


class _OutageWarnings:
    """One "not enforced" warning a minute per process while the cache is down."""

    def __init__(self):
        self._lock = threading.Lock()
        self._last_at = -math.inf

    def warn(self):
        with self._lock:
            if time.monotonic() - self._last_at < _OUTAGE_WARNING_INTERVAL:
                return
            self._last_at = time.monotonic()
        logger.warning("lookup rate limit not enforced: the cache does not answer (lookups allowed)")


_outage_warnings = _OutageWarnings()

# The view's URL name -> what its refused row records.
_ACTIONS = {"search": Action.SEARCH, "refresh": Action.REFRESH}


def limit_lookups(counts=lambda request: True):
    """Decorate a lookup view: a request that `counts` is counted, and refused past the limit."""

    def decorate(view):
        @wraps(view)
        def limited(request, *args, **kwargs):
            if counts(request) and request.user.is_authenticated:
                verdict = lookup_verdict(request.user)
                if not verdict.allowed:
                    return _refused(request, verdict, kwargs)
            return view(request, *args, **kwargs)

        return limited

    return decorate


def _refused(request, verdict, kwargs):
    kind = request.resolver_match.url_name if request.resolver_match else ""
    logger.warning(
        "lookup rate limit: account %s refused (%s lookups in this window, limit %s)",
        request.user.pk, verdict.count, settings.LOOKUP_RATE_LIMIT,
        extra={"account_id": request.user.pk},
    )
    audit_record(
        request=request, action=_ACTIONS.get(kind, Action.VIEW), kind=kind, object_ids=kwargs.values(),
        customer_id=kwargs.get("customer_id", ""), search_term=request.GET.get("q", ""),
        outcome=Outcome.REFUSED, note="rate limited",
    )
    context = {
        **admin.site.each_context(request),
        "is_nav_sidebar_enabled": False,
        "title": "Too many lookups",
        "retry_after": verdict.retry_after,
        "rate": settings.LOOKUP_RATE_LIMIT,
    }
    response = TemplateResponse(request, TEMPLATE, context, status=429)
    response["Retry-After"] = str(verdict.retry_after)
    return response
