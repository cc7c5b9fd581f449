"""The search page: what the search box's text is looked up as (the plan), and the lookups.

`read` is the page as its view and the Refresh button get it: the text in its `q`
parameter planned, then every lookup the plan calls for read concurrently (`find`).

The plan is the one place that decides what a text can be.

PERP does not document its identifier formats, so perpdesk knows none of its own. The
operator may declare them in SEARCH_PATTERNS, one regular expression per kind; a text
that fits a kind's pattern is looked up as that kind only. A text that fits no pattern
is looked up as every kind that could apply, so with no patterns at all (the default)
any id-like text is searched completely. The steps:

1. clean what staff paste: surrounding quotes or <>, `mailto:`, a leading "#",
   "Order #..." / "Invoice #..." / "Customer #...", a perpdesk page URL
   (/customers/<id>/, /orders/<id>/, /invoices/<id>/) or a PERP web URL (PERP_WEB_URL);
   a word or URL narrows the kinds that could apply;
2. an email shape                      -> an email search only;
3. an identifier-like token            -> the kinds whose pattern it fits, or, fitting
                                          none, every kind that could apply;
4. anything else (spaces inside, control characters, symbols) -> a problem, no PERP call.
"""

import functools
import json
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings

from lookup.pages import messages
from lookup.pages.fanout import Fanout
from lookup.pages.sections import customer_ids_of
from lookup.perp import endpoints
from lookup.reading.reader import Read, perp_reader

TERM_PARAMETER = "q"  # the search page's query parameter: the text typed into the box
MAX_QUERY_LENGTH = 254  # the longest valid email address
CLEANING_ROUNDS = 4  # e.g. <mailto:...> is two steps; a bound keeps odd nesting cheap


class Kind(StrEnum):
    EMAIL = "email"
    CUSTOMER_ID = "customer_id"
    ORDER_ID = "order_id"
    ORDER_NUMBER = "order_number"
    INVOICE_ID = "invoice_id"
    INVOICE_NUMBER = "invoice_number"


ID_KINDS = (Kind.CUSTOMER_ID, Kind.ORDER_ID, Kind.ORDER_NUMBER, Kind.INVOICE_ID, Kind.INVOICE_NUMBER)
# What a word before the id ("Order #...") or a page URL's kind narrows the search to.
KINDS_OF_WORD = {
    "customer": (Kind.CUSTOMER_ID,),
    "order": (Kind.ORDER_ID, Kind.ORDER_NUMBER),
    "invoice": (Kind.INVOICE_ID, Kind.INVOICE_NUMBER),
}
# A page's URL names a record by its id, never by its number.
KIND_OF_PAGE = {
    "customers": (Kind.CUSTOMER_ID,),
    "orders": (Kind.ORDER_ID,),
    "invoices": (Kind.INVOICE_ID,),
}
PAGE_KINDS = (Kind.CUSTOMER_ID, Kind.ORDER_ID, Kind.INVOICE_ID)

EMAIL_SHAPE = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(\.[\w-]+)+")
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
WRAPPERS = {'"': '"', "'": "'", "“": "”", "‘": "’", "«": "»", "<": ">", "`": "`"}
WORD_BEFORE_ID = re.compile(
    r"(customer|order|invoice)(?:\s*[#:]\s*|\s+(?:no\.?|nr\.?|number)(?:\s*[#:])?\s*|\s+)(?P<rest>\S.*)",
    re.IGNORECASE,
)
PERPDESK_PAGE_PATH = re.compile(r"(?:.*/)?(?P<kind>customers|orders|invoices)/(?P<id>[^/]+)/?")

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


@dataclass(frozen=True)
class _Cleaned:
    term: str
    kinds: tuple[Kind, ...] = ID_KINDS  # the kinds that could apply


# --- The search page ------------------------------------------------------------------

# What each kind of lookup reads, and what it finds: (endpoint, its parameter, page kind, label).
LOOKUPS = {
    Kind.EMAIL: (endpoints.CUSTOMER_SEARCH, "email", "customer", "email"),
    Kind.CUSTOMER_ID: (endpoints.CUSTOMER, "customer_id", "customer", "customer id"),
    Kind.ORDER_ID: (endpoints.ORDER, "order_id", "order", "order id"),
    Kind.ORDER_NUMBER: (endpoints.ORDER_SEARCH, "order_number", "order", "order number"),
    Kind.INVOICE_ID: (endpoints.INVOICE, "invoice_id", "invoice", "invoice id"),
    Kind.INVOICE_NUMBER: (endpoints.INVOICE_SEARCH, "invoice_number", "invoice", "invoice number"),
}
ID_OF = {
    "customer": lambda customer: customer.customer_id,
    "order": lambda order: order.order_id,
    "invoice": lambda invoice: invoice.invoice_id,
}


@dataclass(frozen=True)
class Match:
    kind: str  # customer, order or invoice: the page it leads to
    id: str  # the id in that page's URL
    record: Any  # the Customer, Order or Invoice
    found_by: str  # e.g. "order number A-17"


@dataclass(frozen=True)
class FailedLookup:
    label: str  # e.g. "order number A-17"
    error: BaseException

    @property
    def message(self):
        return messages.message_for(self.error)


@dataclass(frozen=True)
class SearchResult:
    text: str  # as typed, untrimmed: the audit trail keeps its hash
    plan: SearchPlan
    matches: list = field(default_factory=list)
    failures: list = field(default_factory=list)

    @property
    def query(self):
        return self.plan.query

    @property
    def problem(self):
        return self.plan.problem

    @property
    def single_match(self):
        """The one match to go straight to; None while a failed lookup might hide another."""
        return self.matches[0] if len(self.matches) == 1 and not self.failures else None

    @property
    def auth_failed(self):
        return any(messages.is_auth_failure(failure.error) for failure in self.failures)

    @property
    def nothing_found(self):
        return not self.problem and not self.matches and not self.failures

    @property
    def customer_ids(self):
        """The customers whose PERP data this search read."""
        return customer_ids_of(*(match.record for match in self.matches))


def read(query, *, refresh=False):
    """The search page for its query string `query`: the SearchResult of its text, or
    None when it has none (the empty search page: nothing to look up)."""
    if TERM_PARAMETER not in query:
        return None
    return find(query[TERM_PARAMETER], refresh=refresh)


def find(text, *, refresh=False):
    """Every lookup the text's shape calls for, concurrently; matches without duplicates."""
    plan = plan_search(text)
    if plan.problem:
        return SearchResult(text, plan)
    reader = perp_reader(refresh=refresh)
    reads = {lookup: _lookup_read(lookup) for lookup in plan.lookups}
    with Fanout() as fanout:
        outcomes = reader.start(reads, fanout=fanout).outcomes()
    return SearchResult(text, plan, *_matches_and_failures(outcomes))


def _lookup_read(lookup):
    endpoint, parameter, _, _ = LOOKUPS[lookup.kind]
    return Read(endpoint, **{parameter: lookup.term})


def _matches_and_failures(outcomes):
    matches, failures = {}, []
    for lookup, outcome in outcomes.items():
        _, _, kind, label = LOOKUPS[lookup.kind]
        found_by = f"{label} {lookup.term}"
        if not outcome.ok:
            failures.append(FailedLookup(found_by, outcome.error))
        elif outcome.value.value is not None:
            record = outcome.value.value
            match = Match(kind, ID_OF[kind](record), record, found_by)
            matches.setdefault((match.kind, match.id), match)  # found two ways: once
    return list(matches.values()), failures


# --- The plan -----------------------------------------------------------------------


def plan_search(text, *, patterns=None, web_url=None):
    """Decide which PERP lookups the search text calls for.

    `patterns` ({Kind: compiled regex}) and `web_url` default to the settings."""
    query = (text or "").strip()[: MAX_QUERY_LENGTH + 1]
    shown = query[:MAX_QUERY_LENGTH]
    if len(query) > MAX_QUERY_LENGTH:
        return SearchPlan(shown, problem=TOO_LONG)
    patterns = search_patterns() if patterns is None else patterns
    web_url = settings.PERP_WEB_URL if web_url is None else web_url
    cleaned = _clean(query, web_url)
    problem = _problem(cleaned.term)
    if problem:
        return SearchPlan(shown, problem=problem)
    return SearchPlan(shown, lookups=_lookups(cleaned, patterns))


def _problem(term):
    if not term:
        return EMPTY
    if any(not character.isprintable() for character in term):
        return NOT_AN_IDENTIFIER
    if "@" in term:
        return None if EMAIL_SHAPE.fullmatch(term) else NOT_AN_EMAIL
    if not TOKEN_SHAPE.fullmatch(term):
        return NOT_AN_IDENTIFIER
    return None


def _lookups(cleaned, patterns):
    term = cleaned.term
    if "@" in term:
        return (Lookup(Kind.EMAIL, term),)
    fitting = [kind for kind in cleaned.kinds if kind in patterns and patterns[kind].fullmatch(term)]
    return tuple(Lookup(kind, term) for kind in fitting or cleaned.kinds)


# --- Cleaning what staff paste ----------------------------------------------------------


def _clean(query, web_url):
    cleaned = _Cleaned(query)
    for _ in range(CLEANING_ROUNDS):
        step = _clean_once(cleaned, web_url)
        if step == cleaned:
            break
        cleaned = step
    return cleaned


def _clean_once(cleaned, web_url):
    term = cleaned.term.strip()
    if len(term) >= 2 and WRAPPERS.get(term[0]) == term[-1]:
        return _Cleaned(term[1:-1], cleaned.kinds)
    if term[:7].lower() == "mailto:":
        return _Cleaned(unquote(term[7:].partition("?")[0]), cleaned.kinds)
    if term.startswith("#"):
        return _Cleaned(term[1:], cleaned.kinds)
    from_url = _from_web_url(term, web_url) or _from_page_url(term)
    if from_url:
        return from_url
    worded = WORD_BEFORE_ID.fullmatch(term)
    if worded:
        kinds = KINDS_OF_WORD[worded.group(1).lower()]
        return _Cleaned(worded.group("rest"), tuple(k for k in cleaned.kinds if k in kinds) or kinds)
    return _Cleaned(term, cleaned.kinds)


def _from_page_url(term):
    """A perpdesk page's URL (absolute, or its path): the id from the path, decoded."""
    if not term.startswith("/") and not term.lower().startswith(("http://", "https://")):
        return None
    try:
        path = urlsplit(term).path
    except ValueError:
        return None
    page = PERPDESK_PAGE_PATH.fullmatch(path)
    if not page:
        return None
    return _Cleaned(unquote(page.group("id")), KIND_OF_PAGE[page.group("kind")])


def _from_web_url(term, web_url):
    """A link into PERP's web UI, as PERP_WEB_URL builds them."""
    pattern = _web_url_pattern(web_url)
    link = pattern.fullmatch(term) if pattern else None
    if not link:
        return None
    kind = (link.groupdict().get("kind") or "").lower()
    return _Cleaned(unquote(link.group("id")), KIND_OF_PAGE[kind] if kind else PAGE_KINDS)


@functools.lru_cache(maxsize=8)
def _web_url_pattern(web_url):
    if not web_url or "{id}" not in web_url:
        return None
    parts = re.split(r"(\{kind\}|\{id\})", web_url)
    groups = {"{kind}": "(?P<kind>customers|orders|invoices)", "{id}": "(?P<id>[^/?#&]+)"}
    seen, regex = set(), []
    for part in parts:
        if part in groups and part not in seen:
            seen.add(part)
            regex.append(groups[part])
        else:
            regex.append(re.escape(part))
    return re.compile("".join(regex) + r"/?(?:[?#&].*)?", re.IGNORECASE)


# --- The settings: SEARCH_PATTERNS and SEARCH_EXAMPLES -------------------------------------


def search_patterns():
    """{Kind: compiled regex} from SEARCH_PATTERNS; a bad setting is the system check's
    to report, so here it counts as none (every lookup is tried)."""
    try:
        return _compiled(_frozen(parse_kind_map(settings.SEARCH_PATTERNS)))
    except (ValueError, re.error):
        return {}


def search_examples():
    """{"customer" | "order" | "invoice": [example, ...]} from SEARCH_EXAMPLES, numbers
    before ids, for the search page; {} when unset or bad."""
    try:
        examples = parse_kind_map(settings.SEARCH_EXAMPLES)
    except ValueError:
        return {}
    grouped = {}
    for word, kinds in KINDS_OF_WORD.items():
        for kind in sorted(kinds, key=lambda kind: kind.endswith("_id")):
            if kind in examples:
                grouped.setdefault(word, []).append(examples[kind])
    return grouped


def parse_kind_map(value):
    """{kind: text} from `kind=text;kind=text`, a JSON object, or a dict (Python settings).

    Raises ValueError saying what is wrong, for the operator (never the whole value)."""
    if isinstance(value, dict):
        pairs = dict(value)
    elif not isinstance(value, str):
        raise ValueError("expected kind=value pairs separated by ';', or a JSON object")
    elif value.strip().startswith(("{", "[")):
        pairs = _json_object(value)
    else:
        pairs = _semicolon_pairs(value)
    for kind, text in pairs.items():
        if kind not in ID_KINDS:
            raise ValueError(f"{str(kind)[:40]!r} is not a kind; the kinds are {', '.join(ID_KINDS)}")
        if not isinstance(text, str) or not text:
            raise ValueError(f"{kind} needs a non-empty text")
    return pairs


def settings_problems():
    """(variable, problem) pairs for SEARCH_PATTERNS and SEARCH_EXAMPLES (lookup.checks)."""
    for name in ("SEARCH_PATTERNS", "SEARCH_EXAMPLES"):
        try:
            pairs = parse_kind_map(getattr(settings, name, ""))
        except ValueError as error:
            yield name, f"is not valid: {error}."
            continue
        if name == "SEARCH_PATTERNS":
            yield from _regex_problems(name, pairs)


def _regex_problems(name, pairs):
    for kind, pattern in pairs.items():
        try:
            re.compile(pattern)
        except re.error as error:
            yield name, f"is not valid: the pattern for {kind} is not a regular expression ({error})."


def _json_object(value):
    try:
        pairs = json.loads(value)
    except ValueError:
        raise ValueError("it looks like JSON but is not valid JSON") from None
    if not isinstance(pairs, dict):
        raise ValueError("expected a JSON object of kind: value")
    return pairs


def _semicolon_pairs(value):
    pairs = {}
    for item in value.split(";"):
        if not item.strip():
            continue
        kind, equals, text = item.partition("=")
        if not equals:
            raise ValueError(f"{kind.strip()[:40]!r} has no '='; write kind=value")
        pairs[kind.strip()] = text.strip()
    return pairs


def _frozen(pairs):
    return tuple(sorted(pairs.items()))


@functools.lru_cache(maxsize=8)
def _compiled(pairs):
    return {Kind(kind): re.compile(pattern) for kind, pattern in pairs}
