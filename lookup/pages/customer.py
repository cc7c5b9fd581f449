"""The customer 360 page: profile, VIP wallet, orders (the active ones expanded with their
production and artwork) and invoices.

`read` is the page as its view and the Refresh button get it. A page made entirely of
fresh copies is kept whole (lookup.pages.kept_pages) and shown again until its first
copy stops being fresh or someone refreshes anything of that customer's; otherwise
`read_sections` reads the page's copies, round by round, and the page's head and body
are rendered from them.

Only what the page understands is part of what is kept: the orders' and invoices'
page numbers, as parsed. Any other parameter (a tracking tag pasted with a link, junk)
neither makes a page of its own nor shows up in the kept page's links, and a page past
the last one of its list is shown but not kept: a query string cannot fill the cache.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from lookup.pages import kept_pages
from lookup.pages.attention import for_customer_page
from lookup.pages.fanout import Fanout
from lookup.pages.order_dues import dues_of
from lookup.pages.sections import (
    INVOICE_DATE, ORDER_DATE, TRANSACTION_DATE, PageSections, Section, page_number, paged, window,
)
from lookup.pages.timeline import customer_timeline
from lookup.perp import endpoints
from lookup.reading.reader import Read, perp_reader

PAGE_PARAMETERS = ("orders_page", "invoices_page")  # the query parameters the page understands


# --- The page as shown ---------------------------------------------------------------


@dataclass(frozen=True)
class CustomerPage:
    """What lookup/customer.html shows inside the admin frame (pickled when kept)."""

    customer_id: str  # as the URL spells it
    title: str
    record_id: str = ""  # as PERP spells it in the customer's record; "" while unknown
    head_html: str = ""
    body_html: str = ""
    fetched_at: datetime | None = None  # the oldest copy's
    is_stale: bool = False
    auth_failed: bool = False
    not_found: bool = False
    breaker_open: bool | None = None  # known when the page was found kept; None: not read yet

    # Rendered by perpdesk's own templates, which escaped PERP's data then.
    @property
    def head(self):
        return mark_safe(self.head_html)

    @property
    def body(self):
        return mark_safe(self.body_html)

    @property
    def customer_ids(self):
        """The customers whose PERP data this page read."""
        return {self.customer_id}


def read(customer_id, query, *, refresh=False):
    """The page of `customer_id` with the page numbers `query` asks for: kept, or
    assembled (and kept while every copy on it is fresh).

    `refresh`: every copy read again from PERP, past the kept page; nothing is kept, as
    the Refresh that asks for it retires the customer's kept pages (lookup.views)."""
    numbers = page_numbers(query)
    if refresh:
        return _assembled(_sections_for(customer_id, numbers, refresh=True), numbers)
    variant = numbers.urlencode()
    found = kept_pages.read(customer_id, variant)
    if found.page is not None:
        return replace(found.page, breaker_open=found.breaker_open)
    sections = _sections_for(customer_id, numbers)
    page = _assembled(sections, numbers)
    if sections.fresh_until and not page.not_found and _within_range(sections):
        kept_pages.store(customer_id, variant, page, until=sections.fresh_until, generation=found.generation)
    return page


def page_numbers(query):
    """The page numbers `query` asks for, as a query of their own; page 1 left out."""
    numbers = QueryDict(mutable=True)
    for name in PAGE_PARAMETERS:
        number = page_number(query.get(name))
        if number != 1:
            numbers[name] = str(number)
    return numbers


def _sections_for(customer_id, numbers, *, refresh=False):
    return read_sections(
        customer_id=customer_id,
        orders_page=int(numbers.get("orders_page", 1)),
        invoices_page=int(numbers.get("invoices_page", 1)),
        refresh=refresh,
    )


def _within_range(sections):
    """Each list is on page 1 or on a page with something on it."""
    return all(paging.number == 1 or paging.shown for paging in _pagings(sections))


def _pagings(sections):
    for section in (sections.orders, sections.invoices):
        if section.value is not None:
            yield section.value.paging


def _assembled(sections, numbers):
    common = {
        "customer_id": sections.customer_id, "title": _title(sections), "fetched_at": sections.fetched_at,
        "record_id": getattr(sections.customer, "customer_id", "") or "",
        "is_stale": sections.is_stale, "auth_failed": sections.auth_failed,
    }
    if sections.not_found:
        return CustomerPage(**common, not_found=True)
    # The page numbers asked for: the paging links keep them, and no other parameter.
    context = {"page": sections, "page_query": numbers}
    context.update(attention=for_customer_page(sections), dues=dues_of(sections.invoices))
    context["timeline"] = customer_timeline(sections)
    return CustomerPage(
        **common,
        head_html=render_to_string("lookup/customer_head.html", context),
        body_html=render_to_string("lookup/customer_body.html", context),
    )


def _title(sections):
    customer = sections.customer
    if customer and customer.name:
        return customer.name
    return f"Customer {sections.customer_id}"


# --- The page's sections, read from PERP's copies -------------------------------------


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
class CustomerSections(PageSections):
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


def read_sections(*, customer_id, orders_page=1, invoices_page=1, refresh=False):
    """Every section of the page, the active orders' as soon as the orders are in."""
    reader = perp_reader(refresh=refresh)
    size = settings.LIST_PAGE_SIZE
    with Fanout() as fanout:
        started = reader.start({
            "customer": Read(endpoints.CUSTOMER, customer_id=customer_id),
            "wallet": Read(endpoints.VIP_WALLET, customer_id=customer_id),
            "orders": Read(endpoints.CUSTOMER_ORDERS, customer_id=customer_id, **window(orders_page, size)),
            "invoices": Read(
                endpoints.CUSTOMER_INVOICES, customer_id=customer_id, **window(invoices_page, size)
            ),
        }, fanout=fanout)
        orders = Section.from_outcome(
            started.outcomes("orders")["orders"], paged(orders_page, size, sort_key=ORDER_DATE)
        )
        expanded = _expand_active_orders(fanout, reader, orders)  # while the others are read
        first = started.outcomes("customer", "wallet", "invoices")
    return CustomerSections(
        customer_id=customer_id,
        profile=Section.from_outcome(first["customer"]),
        wallet=Section.from_outcome(first["wallet"]),
        orders=orders,
        invoices=Section.from_outcome(
            first["invoices"], paged(invoices_page, size, sort_key=INVOICE_DATE)
        ),
        expanded=expanded,
    )


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
    outcomes = reader.start(reads, fanout=fanout).outcomes()
    return {
        order.order_id: ActiveOrder(
            production=Section.from_outcome(outcomes[f"production {order.order_id}"]),
            artwork=Section.from_outcome(outcomes[f"artwork {order.order_id}"]),
        )
        for order in active
    }
