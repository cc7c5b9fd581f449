"""What the search box's text can be: the one place that decides it from its shape.

PERP's real identifier formats are unknown; the sandbox uses CUST-1001 (customer id),
ORD-50001 (order id), PO-10001 (order number), INV-70001 (invoice id) and 2026-0001
(invoice number). The rules, first match wins:

1. an email shape                   -> email search only
2. a known prefix (CUST-, ORD-, ...) -> that kind only (the prefix upper-cased)
3. year-dash-sequence (2026-0001)   -> invoice number only
4. bare digits (10001)              -> every kind, as typed and with each known prefix
5. any other identifier-like token  -> every kind, as typed
6. anything else (spaces inside, control characters, symbols) -> a problem, no PERP call

A leading "#" is ignored ("#PO-10001" is what people paste from e-mails).
"""

import re
from dataclasses import dataclass
from enum import StrEnum

MAX_QUERY_LENGTH = 254  # the longest valid email address


class Kind(StrEnum):
    EMAIL = "email"
    CUSTOMER_ID = "customer_id"
    ORDER_ID = "order_id"
    ORDER_NUMBER = "order_number"
    INVOICE_ID = "invoice_id"
    INVOICE_NUMBER = "invoice_number"


ID_KINDS = (Kind.CUSTOMER_ID, Kind.ORDER_ID, Kind.ORDER_NUMBER, Kind.INVOICE_ID, Kind.INVOICE_NUMBER)

PREFIXES = {
    "CUST-": Kind.CUSTOMER_ID,
    "ORD-": Kind.ORDER_ID,
    "PO-": Kind.ORDER_NUMBER,
    "INV-": Kind.INVOICE_ID,
}

EMAIL_SHAPE = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(\.[\w-]+)+")
INVOICE_NUMBER_SHAPE = re.compile(r"\d{4}-\d{1,8}")
DIGITS_SHAPE = re.compile(r"\d{1,20}")
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")

EMPTY = "Type an email address, order number, invoice number or customer id."
TOO_LONG = f"That is longer than any email address or id ({MAX_QUERY_LENGTH} characters at most)."
NOT_AN_IDENTIFIER = (
    "That cannot be an email address, order number, invoice number or customer id: "
    "use letters, digits, dashes, dots or underscores, without spaces."
)
NOT_AN_EMAIL = "That looks like an email address but is not a complete one."


@dataclass(frozen=True)
class Lookup:
    kind: Kind
    term: str  # what is sent to PERP


@dataclass(frozen=True)
class SearchPlan:
    query: str  # the text as typed, trimmed and capped, for showing back
    lookups: tuple[Lookup, ...] = ()
    problem: str | None = None  # why no PERP call can be made


def plan_search(text):
    """Decide which PERP lookups the search text calls for, from its shape alone."""
    query = (text or "").strip()[: MAX_QUERY_LENGTH + 1]
    shown = query[:MAX_QUERY_LENGTH]
    problem = _problem(query)
    if problem:
        return SearchPlan(shown, problem=problem)
    return SearchPlan(shown, lookups=tuple(_lookups(query.removeprefix("#"))))


def _problem(query):
    if not query or query == "#":
        return EMPTY
    if len(query) > MAX_QUERY_LENGTH:
        return TOO_LONG
    if any(not character.isprintable() for character in query):
        return NOT_AN_IDENTIFIER
    if "@" in query:
        return None if EMAIL_SHAPE.fullmatch(query) else NOT_AN_EMAIL
    if not TOKEN_SHAPE.fullmatch(query.removeprefix("#")):
        return NOT_AN_IDENTIFIER
    return None


def _lookups(token):
    if "@" in token:
        return [Lookup(Kind.EMAIL, token)]
    kind = _prefixed_kind(token)
    if kind:
        return [Lookup(kind, _upper_prefix(token))]
    if INVOICE_NUMBER_SHAPE.fullmatch(token):
        return [Lookup(Kind.INVOICE_NUMBER, token)]
    as_typed = [Lookup(kind, token) for kind in ID_KINDS]
    if DIGITS_SHAPE.fullmatch(token):
        return as_typed + [Lookup(kind, prefix + token) for prefix, kind in PREFIXES.items()]
    return as_typed


def _prefixed_kind(token):
    upper = token.upper()
    for prefix, kind in PREFIXES.items():
        if upper.startswith(prefix) and len(token) > len(prefix):
            return kind
    return None


def _upper_prefix(token):
    prefix, _, rest = token.partition("-")
    return f"{prefix.upper()}-{rest}"
