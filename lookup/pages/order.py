"""The order page: the order, its production, artwork and invoices."""

from dataclasses import dataclass
from functools import partial

from django.conf import settings

from lookup.pages.attention import for_order_page
from lookup.pages.fanout import Fanout
from lookup.pages.sections import INVOICE_DATE, PageSections, Section, customer_ids_of
from lookup.perp import endpoints
from lookup.reading.reader import Read, perp_reader


@dataclass(frozen=True)
class OrderInvoices:
    """The order's invoices, found among the customer's most recent ones."""

    items: list
    searched: int  # how many of the customer's invoices were looked through
    complete: bool  # False: the customer has more invoices than were searched


@dataclass(frozen=True)
class OrderPage(PageSections):
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
    def customer_id(self):
        """The order's customer; "" while unknown."""
        return self.order.value.customer_id if self.order.value else ""

    @property
    def customer_ids(self):
        """The customers whose PERP data this page read."""
        return customer_ids_of(self.order.value)

    @property
    def attention(self):
        """What needs attention on this order (lookup.pages.attention)."""
        return for_order_page(self)


def read(order_id, query=None, *, refresh=False):
    """The page of `order_id` (the order page reads no query parameter from `query`);
    `refresh`: every copy read again from PERP."""
    reader = perp_reader(refresh=refresh)
    with Fanout() as fanout:
        first = reader.start({
            "order": Read(endpoints.ORDER, order_id=order_id),
            "production": Read(endpoints.PRODUCTION_STATUS, order_id=order_id),
            "artwork": Read(endpoints.ARTWORK, order_id=order_id),
        }, fanout=fanout).outcomes()
        order = Section.from_outcome(first["order"])
        invoices = _order_invoices(fanout, reader, order)
    return OrderPage(
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
    recent = Read(endpoints.CUSTOMER_INVOICES, customer_id=order.value.customer_id, limit=limit, offset=0)
    outcome = reader.start({"invoices": recent}, fanout=fanout).outcomes()["invoices"]
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
