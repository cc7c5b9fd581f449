"""Order drafts (dates, statuses, line items in cents) and Order payloads."""

from dataclasses import dataclass, field
from datetime import timedelta

from . import catalog
from .constants import ANCHOR, FIRST_LINE_ITEM_NUMBER, FIRST_ORDER_NUMBER, FIRST_PO_NUMBER
from .formats import date_style, money, stamp

LINE_PRODUCTION_STATUS = {
    "pending": "pending", "on_hold": "on_hold", "cancelled": "cancelled",
    "ready_to_ship": "completed", "shipped": "completed", "delivered": "completed",
}


@dataclass
class LineDraft:
    product_name: str
    colour: str
    quantity: int
    unit_cents: int
    number: int = 0

    @property
    def total_cents(self):
        return self.quantity * self.unit_cents

    @property
    def line_item_id(self):
        return f"LI-{self.number}"


@dataclass
class OrderDraft:
    plan: object
    spec: object
    order_date: object
    estimated_ship: object
    actual_ship: object
    lines: list = field(default_factory=list)
    seq: int = 0

    @property
    def status(self):
        return self.spec.status

    @property
    def total_cents(self):
        return sum(line.total_cents for line in self.lines)

    @property
    def order_id(self):
        return f"ORD-{FIRST_ORDER_NUMBER + self.seq}"

    @property
    def order_number(self):
        return f"PO-{FIRST_PO_NUMBER + self.seq}"

    @property
    def style(self):
        return date_style(self.seq)


def draft_orders(rng, plan):
    return [_draft(rng, plan, spec) for spec in plan.orders]


def _draft(rng, plan, spec):
    low, high = catalog.ORDER_AGE_DAYS[spec.status]
    age = spec.age_days if spec.age_days is not None else rng.randint(low, high)
    order_date = ANCHOR - timedelta(days=age, hours=rng.randint(1, 10), minutes=rng.choice((0, 15, 30, 45)))
    actual_ship = None
    if spec.status in ("shipped", "delivered"):
        actual_ship = order_date + timedelta(days=rng.randint(5, min(12, age - 1)), hours=3)
    line_count = len(spec.artwork_statuses) if spec.artwork_statuses else rng.choice((1, 1, 2, 2, 3))
    return OrderDraft(
        plan=plan, spec=spec, order_date=order_date,
        estimated_ship=order_date + timedelta(days=10), actual_ship=actual_ship,
        lines=[_line(rng) for _ in range(line_count)],
    )


def _line(rng):
    name, (low, high), quantities, colour = rng.choice(catalog.PRODUCTS)
    unit_cents = rng.randint(low // 25, high // 25) * 25
    return LineDraft(name, colour, rng.choice(quantities), unit_cents)


def number_orders(drafts, *, first_seq=0, first_line_number=FIRST_LINE_ITEM_NUMBER):
    """Give ids in chronological order across all customers, so newer means higher
    (within `drafts`: orders numbered later start at `first_seq`)."""
    ordered = sorted(drafts, key=lambda d: (d.order_date, d.plan.number))
    line_number = first_line_number
    for seq, draft in enumerate(ordered, start=first_seq):
        draft.seq = seq
        for line in draft.lines:
            line.number = line_number
            line_number += 1
    return ordered


def order_payload(draft, rng):
    numeric = draft.seq % 9 == 4
    payload = {
        "order_id": draft.order_id,
        "order_number": draft.order_number,
        "customer_id": draft.plan.customer_id,
        "customer_name": draft.plan.name,
        "status": draft.status,
        "status_display": catalog.ORDER_STATUS_DISPLAY[draft.status],
        "order_date": stamp(draft.order_date, draft.style),
        "estimated_ship_date": stamp(draft.estimated_ship, draft.style),
        "actual_ship_date": stamp(draft.actual_ship, draft.style),
        "total_amount": money(draft.total_cents, as_number=draft.seq % 13 == 6),
        "currency": "USD",
        "line_items": [_line_payload(draft, line, numeric, rng) for line in draft.lines],
        "sales_rep": draft.plan.sales_rep,
        "internal_ref": f"WO-{draft.order_date:%y%m}-{draft.seq:05d}",
    }
    if draft.actual_ship is None and draft.seq % 2:
        del payload["actual_ship_date"]  # sometimes absent rather than null
    return payload


def _line_payload(draft, line, numeric, rng):
    status = LINE_PRODUCTION_STATUS.get(draft.status)
    if status is None:  # in production: lines progress independently
        status = rng.choice(("in_progress", "in_progress", "completed", "pending"))
    return {
        "line_item_id": line.line_item_id,
        "product_name": line.product_name,
        "quantity": line.quantity,
        "unit_price": money(line.unit_cents, as_number=numeric),
        "total_price": money(line.total_cents, as_number=numeric),
        "production_status": status,
    }
