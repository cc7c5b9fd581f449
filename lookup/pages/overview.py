"""Read side of the pages: one function per page gathers what it shows from PERP.

Each function reads PERP concurrently (lookup.pages.fanout), round by round along the
page's call graph, and returns ONE object for the template. Every part of a page is
a `Section`: PERP's value with when it was fetched, or why it is missing. A failed
section never stops the others, and "PERP failed" is never an empty value.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from functools import partial
from typing import Any

from django.conf import settings

from lookup.pages import messages
from lookup.pages.fanout import Fanout, NotLoaded
from lookup.perp.errors import PERPError
from lookup.perp import endpoints
from lookup.reading.reader import Read, perp_reader
from lookup.pages.search import Kind, SearchPlan, plan_search

MAX_PAGE_NUMBER = 10_000


# --- Sections ---------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """One part of a page: PERP's value (None: PERP has none) or the error instead."""

    value: Any = None
    fetched_at: datetime | None = None
    stale_because: PERPError | None = None  # PERP failed; this is an older copy
    error: BaseException | None = None
    fresh_until: datetime | None = None  # the Reading's: when its cached copy stops being fresh

    @classmethod
    def from_outcome(cls, outcome, shape=None):
        """From a fan-out Outcome holding a Reading; `shape` turns the value for the page."""
        if not outcome.ok:
            return cls(error=outcome.error)
        reading = outcome.value
        value = reading.value if shape is None else shape(reading.value)
        return cls(
            value, reading.fetched_at, reading.stale_because, fresh_until=reading.fresh_until,
        )

    @classmethod
    def not_loaded(cls, missing):
        return cls(error=NotLoaded(missing))

    @property
    def ok(self):
        return self.error is None

    @property
    def message(self):
        return messages.message_for(self.error) if self.error else ""

    @property
    def auth_failed(self):
        return messages.is_auth_failure(self.error) or messages.is_auth_failure(
            self.stale_because
        )

    @property
    def is_stale(self):
        return self.stale_because is not None

    @property
    def stale_reason(self):
        return messages.stale_reason_for(self.stale_because) if self.is_stale else ""


class PageSections:
    """What every page object offers its template, from its `sections` property."""

    @property
    def auth_failed(self):
        return any(section.auth_failed for section in self.sections)

    @property
    def fetched_at(self):
        """How old the page's data is: its oldest section's."""
        moments = [section.fetched_at for section in self.sections if section.fetched_at]
        return min(moments) if moments else None

    @property
    def is_stale(self):
        return any(section.is_stale for section in self.sections)

    @property
    def fresh_until(self):
        """When the page's first cached copy stops being fresh; None unless every section
        is a fresh cached copy (none failed, none stale, none read past the cache)."""
        sections = self.sections
        if not all(section.ok and not section.is_stale and section.fresh_until for section in sections):
            return None
        return min(section.fresh_until for section in sections)


# --- Paging -------------------------------------------------------------------------


@dataclass(frozen=True)
class Paging:
    number: int
    size: int
    shown: int  # items on this page
    total: int | None
    has_next: bool

    @classmethod
    def of(cls, page, number, size):
        pagination = page.pagination
        total = pagination.known_total
        offset = (number - 1) * size
        has_next = pagination.more or (total is not None and offset + len(page.items) < total)
        return cls(number, size, len(page.items), total, has_next)

    @property
    def first(self):
        return (self.number - 1) * self.size + 1 if self.shown else 0

    @property
    def last(self):
        return (self.number - 1) * self.size + self.shown

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def pages(self):
        if self.total is None:
            return None
        return max(1, -(-self.total // self.size))


@dataclass(frozen=True)
class PagedList:
    items: list
    paging: Paging
    unread: tuple = ()  # the Page's: e.g. "orders[]" when PERP sent one that could not be read


def page_number(text):
    """A 1-based page number from a query parameter; anything odd is page 1."""
    try:
        number = int(str(text).strip())
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGE_NUMBER)


def _paged(number, size, *, sort_key=None):
    def shape(page):
        if page is None:  # PERP has no list for this customer: nothing to show
            return PagedList([], Paging(number, size, 0, 0, False))
        items = sorted(page.items, key=sort_key, reverse=True) if sort_key else page.items
        return PagedList(items, Paging.of(page, number, size), page.unread)

    return shape


def newest_first_key(moment_of):
    """A sort key on a date that may be a date, an aware datetime, missing, or PERP's text
    (unreadable: sorted with the missing ones, last)."""

    def key(item):
        moment = moment_of(item)
        if isinstance(moment, datetime):
            return moment
        if isinstance(moment, date):
            return datetime.combine(moment, time.min, tzinfo=timezone.utc)
        return datetime.min.replace(tzinfo=timezone.utc)

    return key


ORDER_DATE = newest_first_key(lambda order: order.order_date)
INVOICE_DATE = newest_first_key(lambda invoice: invoice.invoice_date)
TRANSACTION_DATE = newest_first_key(lambda transaction: transaction.date)


def _read_round(fanout, reader, reads):
    """One round of a page's reads ({name: Read}), each one's Outcome once all are in."""
    return reader.start(reads, fanout=fanout).outcomes()


# --- Customer 360 ---------------------------------------------------------------------


@dataclass(frozen=True)
class ActiveOrder:
    """An active order expanded on the customer page with its production and artwork."""

    production: Section
    artwork: Section


@dataclass(frozen=True)
class OrderRow:
    order: Any  # lookup.perp.models.Order
    expanded: ActiveOrder | None


@dataclass(frozen=True)
class CustomerOverview(PageSections):
    customer_id: str
    profile: Section  # Customer; value None: no such customer
    wallet: Section  # VIPWallet; value None: the customer has no VIP wallet
    orders: Section  # PagedList of Order, newest first
    invoices: Section  # PagedList of Invoice, newest first
    expanded: dict = field(default_factory=dict)  # order_id -> ActiveOrder

    @property
    def sections(self):
        return (self.profile, self.wallet, self.orders, self.invoices, *self.expanded_sections)

    @property
    def expanded_sections(self):
        pairs = ((active.production, active.artwork) for active in self.expanded.values())
        return [section for pair in pairs for section in pair]

    @property
    def not_found(self):
        return self.profile.ok and self.profile.value is None

    @property
    def customer_ids(self):
        """The customers whose PERP data this page read."""
        return {self.customer_id}

    @property
    def customer(self):
        return self.profile.value

    @property
    def order_rows(self):
        if not self.orders.ok:
            return []
        return [
            OrderRow(order, self.expanded.get(order.order_id))
            for order in self.orders.value.items
        ]

    @property
    def active_orders_not_expanded(self):
        """Active orders on this page beyond ACTIVE_ORDERS_EXPANDED: see their order pages."""
        return [row.order for row in self.order_rows if row.order.is_active and not row.expanded]

    @property
    def currency(self):
        """The customer's currency (PERP gives none for lifetime value): their orders' one."""
        currencies = {row.order.currency for row in self.order_rows if row.order.currency}
        return currencies.pop() if len(currencies) == 1 else None

    @property
    def recent_transactions(self):
        wallet = self.wallet.value
        if not wallet:
            return []
        return sorted(wallet.transactions, key=TRANSACTION_DATE, reverse=True)[:10]


def customer_overview(*, customer_id, orders_page=1, invoices_page=1, refresh=False):
    """The customer 360 page: profile, wallet, orders (active ones expanded), invoices."""
    reader = perp_reader(refresh=refresh)
    size = settings.LIST_PAGE_SIZE
    with Fanout() as fanout:
        started = reader.start({
            "customer": Read(endpoints.CUSTOMER, customer_id=customer_id),
            "wallet": Read(endpoints.VIP_WALLET, customer_id=customer_id),
            "orders": Read(endpoints.CUSTOMER_ORDERS, customer_id=customer_id, **_window(orders_page, size)),
            "invoices": Read(
                endpoints.CUSTOMER_INVOICES, customer_id=customer_id, **_window(invoices_page, size)
            ),
        }, fanout=fanout)
        orders = Section.from_outcome(
            started.outcomes("orders")["orders"], _paged(orders_page, size, sort_key=ORDER_DATE)
        )
        expanded = _expand_active_orders(fanout, reader, orders)  # while the others are read
        first = started.outcomes("customer", "wallet", "invoices")
    return CustomerOverview(
        customer_id=customer_id,
        profile=Section.from_outcome(first["customer"]),
        wallet=Section.from_outcome(first["wallet"]),
        orders=orders,
        invoices=Section.from_outcome(
            first["invoices"], _paged(invoices_page, size, sort_key=INVOICE_DATE)
        ),
        expanded=expanded,
    )


def _window(page, size):
    return {"limit": size, "offset": (page - 1) * size}


def _expand_active_orders(fanout, reader, orders):
    """Round 2: production and artwork of the most recent active orders, all at once."""
    if not orders.ok:
        return {}
    active = [order for order in orders.value.items if order.is_active]
    active = active[: settings.ACTIVE_ORDERS_EXPANDED]  # the page is newest first
    reads = {}
    for order in active:
        order_id = order.order_id
        reads[f"production {order_id}"] = Read(endpoints.PRODUCTION_STATUS, order_id=order_id)
        reads[f"artwork {order_id}"] = Read(endpoints.ARTWORK, order_id=order_id)
    outcomes = _read_round(fanout, reader, reads)
    return {
        order.order_id: ActiveOrder(
            production=Section.from_outcome(outcomes[f"production {order.order_id}"]),
            artwork=Section.from_outcome(outcomes[f"artwork {order.order_id}"]),
        )
        for order in active
    }


# --- Order ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderInvoices:
    """The order's invoices, found among the customer's most recent ones."""

    items: list
    searched: int  # how many of the customer's invoices were looked through
    complete: bool  # False: the customer has more invoices than were searched


@dataclass(frozen=True)
class OrderOverview(PageSections):
    order_id: str
    order: Section  # Order; value None: no such order
    production: Section  # ProductionStatus
    artwork: Section  # Artwork
    invoices: Section  # OrderInvoices

    @property
    def sections(self):
        return (self.order, self.production, self.artwork, self.invoices)

    @property
    def not_found(self):
        return self.order.ok and self.order.value is None

    @property
    def customer_ids(self):
        """The customers whose PERP data this page read."""
        return _customer_ids(self.order.value)


def order_overview(*, order_id, refresh=False):
    """The order page: the order, its production, artwork and invoices."""
    reader = perp_reader(refresh=refresh)
    with Fanout() as fanout:
        first = _read_round(fanout, reader, {
            "order": Read(endpoints.ORDER, order_id=order_id),
            "production": Read(endpoints.PRODUCTION_STATUS, order_id=order_id),
            "artwork": Read(endpoints.ARTWORK, order_id=order_id),
        })
        order = Section.from_outcome(first["order"])
        invoices = _order_invoices(fanout, reader, order)
    return OrderOverview(
        order_id=order_id,
        order=order,
        production=Section.from_outcome(first["production"]),
        artwork=Section.from_outcome(first["artwork"]),
        invoices=invoices,
    )


def _order_invoices(fanout, reader, order):
    """Round 2: PERP has no invoices-by-order call, so search the customer's recent ones."""
    if not order.ok:
        return Section.not_loaded("the order")
    if order.value is None or not order.value.customer_id:
        return Section(value=OrderInvoices([], 0, True))
    limit = settings.ORDER_INVOICES_SEARCHED
    read = Read(endpoints.CUSTOMER_INVOICES, customer_id=order.value.customer_id, limit=limit, offset=0)
    outcome = _read_round(fanout, reader, {"invoices": read})["invoices"]
    return Section.from_outcome(outcome, partial(_invoices_of, order.value.order_id, limit))


def _invoices_of(order_id, limit, page):
    if page is None:
        return OrderInvoices([], 0, True)
    matching = [invoice for invoice in page.items if invoice.order_id == order_id]
    total = page.pagination.known_total
    complete = not page.pagination.more and (total is None or total <= len(page.items))
    return OrderInvoices(
        items=sorted(matching, key=INVOICE_DATE, reverse=True),
        searched=min(len(page.items), limit),
        complete=complete,
    )


# --- Invoice --------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceOverview(PageSections):
    invoice_id: str
    invoice: Section  # Invoice; value None: no such invoice
    order: Section  # the invoice's Order, for its number and status
    customer: Section  # the invoice's Customer, for their name

    @property
    def sections(self):
        return (self.invoice, self.order, self.customer)

    @property
    def not_found(self):
        return self.invoice.ok and self.invoice.value is None

    @property
    def customer_ids(self):
        """The customers whose PERP data this page read."""
        return _customer_ids(self.invoice.value, self.customer.value)


def invoice_overview(*, invoice_id, refresh=False):
    """The invoice page: the invoice, then its order and customer for their names."""
    reader = perp_reader(refresh=refresh)
    with Fanout() as fanout:
        read = Read(endpoints.INVOICE, invoice_id=invoice_id)
        invoice = Section.from_outcome(_read_round(fanout, reader, {"invoice": read})["invoice"])
        related = _invoice_related(fanout, reader, invoice)
    return InvoiceOverview(invoice_id=invoice_id, invoice=invoice, **related)


def _invoice_related(fanout, reader, invoice):
    if not invoice.ok:
        missing = Section.not_loaded("the invoice")
        return {"order": missing, "customer": missing}
    value = invoice.value
    reads = {}
    if value and value.order_id:
        reads["order"] = Read(endpoints.ORDER, order_id=value.order_id)
    if value and value.customer_id:
        reads["customer"] = Read(endpoints.CUSTOMER, customer_id=value.customer_id)
    outcomes = _read_round(fanout, reader, reads)
    return {
        name: Section.from_outcome(outcomes[name]) if name in outcomes else Section()
        for name in ("order", "customer")
    }


# --- Search -------------------------------------------------------------------------------

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
        return _customer_ids(*(match.record for match in self.matches))


def _customer_ids(*records):
    """The customer ids of these PERP records (Customer, Order, Invoice; None: skipped)."""
    return {record.customer_id for record in records if getattr(record, "customer_id", None)}


def search(*, query, refresh=False):
    """Every lookup the query's shape calls for, concurrently; matches without duplicates."""
    plan = plan_search(query)
    if plan.problem:
        return SearchResult(plan)
    reader = perp_reader(refresh=refresh)
    reads = {lookup: _lookup_read(lookup) for lookup in plan.lookups}
    with Fanout() as fanout:
        outcomes = _read_round(fanout, reader, reads)
    return SearchResult(plan, *_matches_and_failures(outcomes))


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
