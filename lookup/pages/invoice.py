"""The invoice page: the invoice, then its order and customer for their names."""

from dataclasses import dataclass

from lookup.pages.fanout import Fanout
from lookup.pages.sections import PageSections, Section, customer_ids_of
from lookup.perp import endpoints
from lookup.reading.reader import Read, perp_reader


@dataclass(frozen=True)
class InvoicePage(PageSections):
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
    def customer_id(self):
        """The invoice's customer; "" while unknown."""
        return self.invoice.value.customer_id if self.invoice.value else ""

    @property
    def customer_ids(self):
        """The customers whose PERP data this page read."""
        return customer_ids_of(self.invoice.value, self.customer.value)


def read(invoice_id, query=None, *, refresh=False):
    """The page of `invoice_id` (the invoice page reads no query parameter from `query`);
    `refresh`: every copy read again from PERP."""
    reader = perp_reader(refresh=refresh)
    with Fanout() as fanout:
        outcome = reader.start(
            {"invoice": Read(endpoints.INVOICE, invoice_id=invoice_id)}, fanout=fanout
        ).outcomes()["invoice"]
        invoice = Section.from_outcome(outcome)
        related = _invoice_related(fanout, reader, invoice)
    return InvoicePage(invoice_id=invoice_id, invoice=invoice, **related)


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
    outcomes = reader.start(reads, fanout=fanout).outcomes()
    return {
        name: Section.from_outcome(outcomes[name]) if name in outcomes else Section()
        for name in ("order", "customer")
    }
