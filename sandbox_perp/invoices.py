"""Invoice drafts (one per order of invoiced customers) and Invoice payloads."""

from dataclasses import dataclass
from datetime import timedelta

from .constants import ANCHOR, FIRST_INVOICE_NUMBER
from .formats import date_style, money, stamp


@dataclass
class InvoiceDraft:
    order: object
    invoice_date: object
    due_date: object
    status: str
    paid_cents: int
    seq: int = 0
    number: str = ""

    @property
    def invoice_id(self):
        return f"INV-{FIRST_INVOICE_NUMBER + self.seq}"

    @property
    def total_cents(self):
        return self.order.total_cents

    @property
    def due_cents(self):
        return 0 if self.status == "cancelled" else self.total_cents - self.paid_cents


def draft_invoices(rng, orders):
    drafts = [_draft(rng, order) for order in orders if order.plan.invoiced]
    return _number(drafts)


def _draft(rng, order):
    invoice_date = order.order_date + timedelta(hours=1)
    due_date = invoice_date + timedelta(days=30)
    status = order.spec.invoice_status or _status(rng, order.status, due_date)
    return InvoiceDraft(order, invoice_date, due_date, status, _paid_cents(rng, status, order.total_cents))


def _status(rng, order_status, due_date):
    if order_status == "cancelled":
        return "cancelled"
    if order_status == "pending":
        return "draft"
    if due_date > ANCHOR:
        return rng.choices(("sent", "partial", "paid"), weights=(5, 2, 3))[0]
    return rng.choices(("paid", "partial", "overdue"), weights=(75, 10, 15))[0]


def _paid_cents(rng, status, total_cents):
    if status == "paid":
        return total_cents
    if status == "partial":
        return total_cents * rng.randint(30, 70) // 100
    return 0


def _number(drafts):
    """INV ids run in date order; invoice numbers restart at 0001 each year ("2026-0001")."""
    ordered = sorted(drafts, key=lambda d: (d.invoice_date, d.order.seq))
    per_year = {}
    for seq, draft in enumerate(ordered):
        year = draft.invoice_date.year
        per_year[year] = per_year.get(year, 0) + 1
        draft.seq, draft.number = seq, f"{year}-{per_year[year]:04d}"
    return ordered


def invoice_payload(draft):
    style = date_style(draft.seq)
    numeric = draft.seq % 7 == 5
    return {
        "invoice_id": draft.invoice_id,
        "invoice_number": draft.number,
        "customer_id": draft.order.plan.customer_id,
        "order_id": draft.order.order_id,
        "invoice_date": stamp(draft.invoice_date, style),
        "due_date": stamp(draft.due_date, style),
        "total_amount": money(draft.total_cents),
        "amount_paid": money(draft.paid_cents, as_number=numeric),
        "amount_due": money(draft.due_cents, as_number=numeric),
        "currency": "USD",
        "status": draft.status,
        "line_items": [_line(line) for line in draft.order.lines],
        "pdf_url": f"/files/invoices/{draft.invoice_id}.pdf",
        "payment_terms": "Net 30",
    }


def _line(line):
    return {
        "description": line.product_name,
        "quantity": line.quantity,
        "unit_price": money(line.unit_cents),
        "total": money(line.total_cents),
    }
