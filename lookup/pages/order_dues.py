"""What has been paid and what is due on each order, from the invoices a page already read.

PERP has no amounts due per order: an order's are the sums of its invoices' `amount_paid`
and `amount_due`, as PERP sent them, per currency. Only the invoices the page read are
looked at (on the customer page, the page of invoices shown), so an order none of them
belongs to has amounts that are not known here, never "nothing due". They are not known
either when the invoices could not be read, or when one of the order's invoices has an
amount perpdesk could not read.
"""

from dataclasses import dataclass
from decimal import Decimal

NO_INVOICE_READ = "no invoice of this order among those shown"
INVOICES_NOT_READ = "the invoices could not be read"
AMOUNT_NOT_READ = "an invoice's amount could not be read"


@dataclass(frozen=True)
class Amounts:
    currency: str | None
    paid: Decimal
    due: Decimal


@dataclass(frozen=True)
class OrderDue:
    amounts: tuple = ()  # Amounts, one per currency, by currency
    unknown_because: str = ""  # why they cannot be known; "" when they are

    @property
    def known(self):
        return not self.unknown_because


@dataclass(frozen=True)
class Dues:
    """Every order's amounts from one list of invoices."""

    invoices: tuple  # the invoices read; None: they could not be read

    def for_order(self, order_id):
        if self.invoices is None:
            return OrderDue(unknown_because=INVOICES_NOT_READ)
        return order_due([invoice for invoice in self.invoices if invoice.order_id == order_id])


def dues_of(invoices_section):
    """The Dues of a page's invoices section (a PagedList of Invoice, or a failure)."""
    if not invoices_section.ok:
        return Dues(None)
    return Dues(tuple(invoices_section.value.items))


def order_due(invoices):
    """One order's amounts from its invoices (all of them of that order)."""
    if not invoices:
        return OrderDue(unknown_because=NO_INVOICE_READ)
    totals = {}
    for invoice in invoices:
        paid, due = invoice.amount_paid, invoice.amount_due
        if not (_is_amount(paid) and _is_amount(due)):
            return OrderDue(unknown_because=AMOUNT_NOT_READ)
        before = totals.get(invoice.currency, (Decimal(0), Decimal(0)))
        totals[invoice.currency] = (before[0] + paid, before[1] + due)
    return OrderDue(tuple(
        Amounts(currency, paid, due) for currency, (paid, due) in sorted(totals.items(), key=_by_currency)
    ))


def _is_amount(value):
    return isinstance(value, Decimal)


def _by_currency(entry):
    return entry[0] or ""
