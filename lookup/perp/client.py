"""PERP's REST API over HTTP: `get(endpoint, **params)` for the endpoints that
lookup.perp.endpoints declares, and one short method per endpoint by its name.

The only module in perpdesk that imports `requests`. Every method returns a typed
value from `lookup.perp.models`, None when PERP says "not found", or raises one of
`lookup.perp.errors`. One shared client (and connection pool) per process:
`client_from_settings()`.
"""

import functools
import logging
import random
import re
import time
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import quote, urlencode

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

from lookup.context import request_id
from lookup.perp import body, endpoints
from lookup.perp.deadline import WATCHED_POOLS, Deadline, running
from lookup.perp.errors import (
    PERPAPIError,
    PERPAuthError,
    PERPBadResponse,
    PERPError,
    PERPUnavailable,
)
from lookup.perp.fields import FieldReport, ShapeError

logger = logging.getLogger("perpdesk.perp")

NOT_FOUND_CODES = frozenset({"CUSTOMER_NOT_FOUND", "ORDER_NOT_FOUND", "INVOICE_NOT_FOUND"})
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
OUTCOMES = {
    PERPAuthError: "auth_error",
    PERPAPIError: "api_error",
    PERPUnavailable: "unavailable",
    PERPBadResponse: "bad_response",
}
# Only a plain token goes into a header; anything else could break the request.
REQUEST_ID_PATTERN = re.compile(r"[!-~]{1,200}")


@dataclass(frozen=True)
class CallRecord:
    """What one logical call to PERP did, after all its attempts."""

    endpoint: str  # the path template of a lookup.perp.endpoints declaration
    status: int | str | None  # final HTTP status, or "timeout" / "connection" / "not_sent"
    outcome: str  # ok, not_found, auth_error, api_error, unavailable, bad_response
    duration_ms: int
    attempts: int
    # For a parsed answer: the fields missing, kept as PERP's text, or undocumented.
    fields: FieldReport | None = None


_RECORD_LOG_FIELDS = tuple(field.name for field in dataclass_fields(CallRecord) if field.name != "fields")

# Callables taking a CallRecord, called after every logical call (metrics, request stats).
CALL_OBSERVERS = []


@dataclass
class _Trace:
    endpoint: str
    started: float
    attempts: int = 0
    status: int | str | None = None
    fields: FieldReport | None = None


class PERPClient:
    """PERP's eleven read endpoints. Safe to share between threads: it holds no per-call state."""

    def __init__(
        self,
        *,
        base_url,
        api_key,
        connect_timeout=3.05,
        read_timeout=10.0,
        max_retries=2,
        backoff_base=0.2,
        retry_after_cap=3.0,
        pool_size=32,
        max_response_bytes=4 * 1024 * 1024,
        call_deadline=15.0,
        sleep=time.sleep,
    ):
        self.base_url = _as_requests_sends(base_url).rstrip("/")
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_response_bytes = max_response_bytes  # after decompression
        self.call_deadline = call_deadline  # seconds for the whole call, retries included
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.retry_after_cap = retry_after_cap
        self._sleep = sleep
        self._transport = _Transport(self.base_url, api_key, pool_size)

    # --- The one way a request is made ------------------------------------------

    def get(self, endpoint, **params):
        """The answer of one of PERP's endpoints (lookup.perp.endpoints) to `params`:
        its parsed value, None for "not found"; raises a lookup.perp.errors error."""
        params = endpoint.params(**params)
        path_params = {name: params[name] for name in endpoint.path_params}
        query = {name: params[name] for name, _ in endpoint.query} or None
        return self._get(endpoint.path, path_params, query, endpoint.parse)

    # --- Each endpoint by name (Reference: PERP_API.md) -------------------------

    def search_customer_by_email(self, email):
        return self.get(endpoints.CUSTOMER_SEARCH, email=email)

    def get_customer(self, customer_id):
        return self.get(endpoints.CUSTOMER, customer_id=customer_id)

    def get_vip_wallet(self, customer_id):
        return self.get(endpoints.VIP_WALLET, customer_id=customer_id)

    def get_customer_orders(self, customer_id, limit=10, offset=0):
        return self.get(endpoints.CUSTOMER_ORDERS, customer_id=customer_id, limit=limit, offset=offset)

    def get_customer_invoices(self, customer_id, limit=10, offset=0):
        return self.get(endpoints.CUSTOMER_INVOICES, customer_id=customer_id, limit=limit, offset=offset)

    def get_order(self, order_id):
        return self.get(endpoints.ORDER, order_id=order_id)

    def search_order_by_number(self, order_number):
        return self.get(endpoints.ORDER_SEARCH, order_number=order_number)

    def get_production_status(self, order_id):
        return self.get(endpoints.PRODUCTION_STATUS, order_id=order_id)

    def get_artwork(self, order_id):
        return self.get(endpoints.ARTWORK, order_id=order_id)

    def get_invoice(self, invoice_id):
        return self.get(endpoints.INVOICE, invoice_id=invoice_id)

    def search_invoice_by_number(self, invoice_number):
        return self.get(endpoints.INVOICE_SEARCH, invoice_number=invoice_number)

    def _get(self, endpoint, path_params, query, parse):
        """GET an endpoint (its template as PERP documents it) and parse `data` on success."""
        trace = _Trace(endpoint, started=time.monotonic())
        outcome = "bad_response"  # only if something unforeseen escapes
        try:
            if not _sendable(path_params):
                trace.status = "not_sent"
                outcome = "not_found"
                return None
            with running(Deadline(self.call_deadline)) as deadline:
                response, content = self._send(trace, self._url(endpoint, path_params), query, deadline)
            value = _read(endpoint, response, content, parse)
            trace.fields = getattr(value, "fields", None)
            outcome = "not_found" if value is None else "ok"
            return value
        except PERPError as error:
            outcome = OUTCOMES[type(error)]
            raise
        finally:
            _report(trace, outcome)

    def _url(self, endpoint, path_params):
        segments = {name: quote(str(value), safe="") for name, value in path_params.items()}
        return self.base_url + endpoint.removeprefix("/api").format(**segments)

    def _send(self, trace, url, query, deadline):
        """(response, its body) of the first attempt that PERP did not ask us to retry,
        all attempts and pauses within `deadline`."""
        while True:
            trace.attempts += 1
            try:
                return self._attempt(trace, url, query, deadline)
            except PERPUnavailable as unavailable:
                pause = self._pause(trace.attempts, unavailable.retry_after)
                if trace.attempts > self.max_retries or pause >= deadline.remaining():
                    raise
                self._sleep(pause)

    def _attempt(self, trace, url, query, deadline):
        try:
            response = self._transport.send(
                url, query, timeout=deadline.timeouts(self.connect_timeout, self.read_timeout)
            )
            try:
                content = self._content(trace, response)
            finally:
                # After the whole body, the connection goes back to the pool; before it
                # (refused, aborted) it is closed.
                response.close()
        except requests.RequestException as e:
            raise self._failure(trace, deadline, e) from e
        if deadline.expired:  # cut short by the deadline, the answer may look complete
            raise self._failure(trace, deadline, None)
        return response, content

    def _content(self, trace, response):
        """The body, or the error the answer makes. Read whatever the status: a response
        closed unread takes its connection with it, and not-found answers are common."""
        trace.status = response.status_code
        try:
            content = body.read_capped(response, self.max_response_bytes)
        except body.TooLarge as e:
            raise PERPBadResponse(trace.endpoint, str(e), reason="too_large") from None
        if _classify(response) == "retry":
            raise PERPUnavailable(
                trace.endpoint,
                "status",
                status=response.status_code,
                attempts=trace.attempts,
                retry_after=_retry_after(response),
            )
        return content

    def _failure(self, trace, deadline, error):
        """The PERP error for a request that failed on the way (requests' exception, or
        None for an answer the deadline cut short)."""
        if deadline.passed():  # the watchdog cut it short, or a timeout capped to the deadline
            trace.status = "timeout"
            return PERPUnavailable(
                trace.endpoint, "timeout", timeout=deadline.seconds, attempts=trace.attempts
            )
        if isinstance(error, requests.Timeout):
            trace.status = "timeout"
            waited = (
                self.connect_timeout
                if isinstance(error, requests.ConnectTimeout)
                else self.read_timeout
            )
            return PERPUnavailable(trace.endpoint, "timeout", timeout=waited, attempts=trace.attempts)
        if isinstance(error, (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
            trace.status = "connection"
            return PERPUnavailable(trace.endpoint, "connection", attempts=trace.attempts)
        trace.status = type(error).__name__  # e.g. a body that does not decompress
        return PERPBadResponse(trace.endpoint, type(error).__name__)

    def _pause(self, attempts_made, retry_after):
        if retry_after is not None:
            return min(retry_after, self.retry_after_cap)
        # Exponential backoff with full jitter, so many threads do not retry in step.
        return self.backoff_base * 2 ** (attempts_made - 1) * random.random()


@functools.cache
def client_from_settings():
    """The process's one client: one connection pool shared by every thread."""
    return PERPClient(
        base_url=settings.PERP_API_URL,
        api_key=settings.PERP_API_KEY,
        connect_timeout=settings.PERP_CONNECT_TIMEOUT,
        read_timeout=settings.PERP_READ_TIMEOUT,
        max_retries=settings.PERP_MAX_RETRIES,
        backoff_base=settings.PERP_BACKOFF_BASE,
        retry_after_cap=settings.PERP_RETRY_AFTER_CAP,
        pool_size=settings.PERP_POOL_SIZE,
        max_response_bytes=settings.PERP_MAX_RESPONSE_BYTES,
        call_deadline=settings.PERP_CALL_DEADLINE_SECONDS,
    )


class _DeadlineAdapter(HTTPAdapter):
    """requests' adapter whose connections are watched for their call's deadline
    (lookup.perp.deadline)."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = WATCHED_POOLS

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):  # SOCKS pools have connections of their own
            manager.pool_classes_by_scheme = WATCHED_POOLS
        return manager


class _Transport:
    """requests' transport to PERP with what never changes between calls worked out once.

    A Session would, on every call, merge its settings and the environment's into the
    request, prepare the URL and headers, run hooks, and keep PERP's cookies for the
    next call; none of that changes anything here (no hooks, no cookies in the
    contract), and it was a third of a call's CPU. So each call is a PreparedRequest
    made from parts prepared once, handed to requests' adapter: its connection pool,
    proxies, TLS verification, timeouts and exceptions are requests' own. The adapter
    never follows a redirect (none is in the contract, and one must not carry the key
    elsewhere).
    """

    def __init__(self, base_url, api_key, pool_size):
        session = requests.Session()
        # Proxy variables are read once here: left to requests, every call would look them
        # (and ~/.netrc) up again.
        self.proxies = requests.utils.get_environ_proxies(base_url)
        self.verify = session.verify
        # requests' defaults (User-Agent, Accept-Encoding, Connection) and PERP's own.
        self.headers = {**session.headers, "Authorization": f"Bearer {api_key}", "Accept": "application/json"}
        session.close()
        # One PERP host; pool_maxsize is how many threads can hold a connection at once.
        self.adapter = _DeadlineAdapter(pool_connections=1, pool_maxsize=pool_size)

    def send(self, url, query, *, timeout):
        """The streamed requests.Response to GET `url` (its path segments quoted) with `query`."""
        request = requests.PreparedRequest()
        request.method = "GET"
        request.url = f"{url}?{urlencode(query)}" if query else url
        request.headers = CaseInsensitiveDict({**self.headers, **_request_headers()})
        return self.adapter.send(
            request,
            stream=True,  # the body is read within its bounds (lookup.perp.body)
            timeout=timeout,
            verify=self.verify,
            proxies=self.proxies,
        )


def _as_requests_sends(url):
    """`url` prepared by requests once (an IDNA host, its path quoted), so each call only
    appends quoted segments and a query to it."""
    try:
        return requests.Request("GET", url).prepare().url
    except requests.RequestException:
        return url  # each call then fails as requests fails such a URL


def _sendable(path_params):
    """False for an id that no path can carry as one segment: it cannot name a record."""
    return all(endpoints.is_one_segment(value) for value in path_params.values())


def _request_headers():
    rid = request_id.get()
    if isinstance(rid, str) and REQUEST_ID_PATTERN.fullmatch(rid):
        return {"X-Request-ID": rid}
    return {}


def _classify(response):
    """What PERP_API.md's table makes of a status code, before the body is read."""
    status = response.status_code
    if status == 401:
        return "auth"
    if status == 404:
        return "not_found"
    if status in RETRYABLE_STATUSES:
        return "retry"
    if 200 <= status < 300:
        return "envelope"
    if 400 <= status < 500:
        return "error_envelope"  # PERPAPIError if it carries PERP's error code, else bad
    return "bad"


def _read(endpoint, response, content, parse):
    kind = _classify(response)
    if kind == "not_found":
        return None
    if kind == "auth":
        raise PERPAuthError(endpoint, "PERP refused the API key (HTTP 401)")
    if kind == "bad":
        raise PERPBadResponse(endpoint, f"HTTP {response.status_code}")
    envelope = _envelope(endpoint, response.status_code, content)
    if envelope["success"] is True and kind == "envelope":
        return _data(endpoint, envelope, parse)
    code, message = _error(endpoint, envelope, response.status_code)
    if code in NOT_FOUND_CODES:
        return None
    raise PERPAPIError(endpoint, code, message)


def _envelope(endpoint, status, content):
    try:
        envelope = body.parse_json(content)
    except body.NotJSON as e:
        raise PERPBadResponse(endpoint, f"HTTP {status}: {e}") from None
    if not isinstance(envelope, dict) or not isinstance(envelope.get("success"), bool):
        raise PERPBadResponse(endpoint, f"HTTP {status}: not PERP's envelope")
    return envelope


def _data(endpoint, envelope, parse):
    data = envelope.get("data")
    if not isinstance(data, dict):
        raise PERPBadResponse(endpoint, "success without an object in data")
    try:
        return parse(data)
    except ShapeError as e:
        raise PERPBadResponse(endpoint, f"data: {e}") from e


def _error(endpoint, envelope, status):
    error = envelope.get("error")
    code = error.get("code") if isinstance(error, dict) else None
    if envelope["success"] is True or not isinstance(code, str) or not code:
        raise PERPBadResponse(endpoint, f"HTTP {status}: no error code in the envelope")
    message = error.get("message")
    return code, message if isinstance(message, str) else ""


def _retry_after(response):
    """Seconds PERP asked us to wait (Retry-After: seconds or an HTTP-date), or None."""
    value = response.headers.get("Retry-After", "").strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, (moment - datetime.now(timezone.utc)).total_seconds())


def _report(trace, outcome):
    record = CallRecord(
        endpoint=trace.endpoint,
        status=trace.status,
        outcome=outcome,
        duration_ms=round((time.monotonic() - trace.started) * 1000),
        attempts=trace.attempts,
        fields=trace.fields,
    )
    unreadable = record.fields.unreadable if record.fields else ()
    level = logging.INFO if outcome in ("ok", "not_found") and not unreadable else logging.WARNING
    logger.log(
        level,
        "PERP GET %s: %s (%s) in %d ms, %d attempt(s)%s",
        record.endpoint,
        record.outcome,
        record.status,
        record.duration_ms,
        record.attempts,
        # Paths of documented fields only, never their values.
        f"; kept as PERP's text: {', '.join(unreadable)}" if unreadable else "",
        extra={
            # Its plain fields as they are: asdict would deep-copy the field report too.
            **{f"perp_{name}": getattr(record, name) for name in _RECORD_LOG_FIELDS},
            "perp_unreadable": list(unreadable),
        },
    )
    for observer in CALL_OBSERVERS:
        try:
            observer(record)
        except Exception:
            # Metrics must never break a page; the failure is logged, not hidden.
            logger.exception("PERP call observer %r failed", observer)
