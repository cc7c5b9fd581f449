"""What needs attention, listed at the top of the customer and order pages.

Judged only from what the page already read: no PERP call of its own. One rule per kind
of problem; each takes one record the page shows, today's date and where that record is
on the page (its anchor), and returns the items it finds. A rule finds nothing in what it
cannot judge: a date PERP sent unreadably (AsSent) or not at all, a status PERP does not
document. `for_customer_page` and `for_order_page` apply the rules to a page and say
which parts of it could not be judged (not expanded here, or their section failed).

Dates are compared by day in TIME_ZONE: a date has passed from the day after it.

An invoice is overdue when PERP says so (status "overdue"), or when it is still open
("sent" or "partial"), its amount due reads as more than zero and its due date has
passed: PERP may not have moved it to "overdue" yet. A draft, paid or cancelled
invoice, or one in a status PERP does not document, is never judged overdue by date.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from lookup import clock
from lookup.pages import anchors
from lookup.perp.fields import AsSent

LATE_ORDER = "late-order"
STAGE_ON_HOLD = "stage-on-hold"
STAGE_LATE = "stage-late"
ARTWORK_WAITING = "artwork-waiting"
INVOICE_OVERDUE = "invoice-overdue"

UNFINISHED_STAGE_STATUSES = frozenset({"pending", "in_progress"})  # on_hold has its own rule
OPEN_INVOICE_STATUSES = frozenset({"sent", "partial"})
# Artwork statuses that wait on the customer: what the item says, and its "since" dates.
ARTWORK_WAITING_ON_CUSTOMER = {
    "submitted": ("proof submitted, not yet approved", ("submitted_date",)),
    "revision_requested": ("revision requested", ("revision_requested_date", "reviewed_date")),
    "rejected": ("rejected", ("rejected_date", "reviewed_date")),
}

COULD_NOT_BE_READ = "could not be read"


@dataclass(frozen=True)
class Subject:
    """What an item is about, as the page names it: "Order" and PERP's order number."""

    noun: str
    name: Any  # PERP's text (possibly AsSent); escaped when shown


@dataclass(frozen=True)
class Item:
    kind: str  # one of the kinds above; also the item's CSS class
    subject: Subject
    part: Any  # the stage or artwork item concerned (PERP's text), or None
    problem: str  # perpdesk's words
    anchor: str  # the id of its place on the page
    since: date | datetime | None = None  # the date the problem is measured from
    since_label: str = "since"  # how that date is introduced: "since", "expected", "due"
    amount: Decimal | None = None  # an invoice's amount due
    currency: str | None = None


@dataclass(frozen=True)
class NotJudged:
    """A part of the page the rules could not look at, and why."""

    what: str  # "Production of order"
    name: Any  # PERP's text, or "" when `what` says it all
    reason: str
    anchor: str


@dataclass(frozen=True)
class Group:
    """The items about one record, shown as one line: a busy customer's ten late orders
    make ten lines, not thirty."""

    subject: Subject
    items: list


@dataclass(frozen=True)
class Attention:
    items: list
    not_judged: list

    @property
    def groups(self):
        """The items by record, in the order their first item was found."""
        groups = {}
        for item in self.items:
            key = (item.subject.noun, str(item.subject.name))
            groups.setdefault(key, Group(item.subject, [])).items.append(item)
        return list(groups.values())


def current_day():
    """Today in TIME_ZONE, by the clock tests can fix (lookup.clock)."""
    return timezone.localtime(clock.now()).date()


# --- The rules ----------------------------------------------------------------------------


def late_order(order, subject, anchor, today):
    """An active order (as the page marks it: Order.is_active) not shipped by its estimated
    ship date. An order with a shipping date, even an unreadable one, is not late."""
    estimated = _moment(order.estimated_ship_date)
    unshipped = bool(_status(order.status)) and order.is_active and not order.actual_ship_date
    if not unshipped or not _has_passed(estimated, today):
        return []
    return [Item(LATE_ORDER, subject, None, "not shipped by its estimated ship date", anchor,
                 since=estimated, since_label="estimated")]


def stages_on_hold(production, subject, anchor, today):
    """Production stages PERP has put on hold (PERP gives no date for the hold)."""
    return [
        Item(STAGE_ON_HOLD, subject, _stage_name(stage), "stage on hold", anchor)
        for stage in production.stages if _status(stage.status) == "on_hold"
    ]


def late_stages(production, subject, anchor, today):
    """Unfinished production stages past their expected completion: one item, naming the
    first of them (a late stage makes the ones after it late too)."""
    late = [
        stage for stage in production.stages
        if _status(stage.status) in UNFINISHED_STAGE_STATUSES and not stage.completed_at
        and _has_passed(_moment(stage.estimated_completion), today)
    ]
    if not late:
        return []
    problem = "stage past its expected completion"
    if len(late) > 1:
        problem += f", and {len(late) - 1} later stage{'s' if len(late) > 2 else ''}"
    return [Item(STAGE_LATE, subject, _stage_name(late[0]), problem, anchor,
                 since=_moment(late[0].estimated_completion), since_label="expected")]


def artwork_waiting(artwork, subject, anchor, today):
    """Artwork waiting on the customer: a proof not approved, a revision asked for, a rejection."""
    items = []
    for item in artwork.artwork_items:
        waiting = ARTWORK_WAITING_ON_CUSTOMER.get(_status(item.status))
        if waiting:
            problem, date_fields = waiting
            since = next(filter(None, (_moment(getattr(item, name)) for name in date_fields)), None)
            part = f"Artwork for {item.product_name}" if item.product_name else "Artwork"
            items.append(Item(ARTWORK_WAITING, subject, part, problem, anchor, since=since))
    return items


def overdue_invoice(invoice, subject, anchor, today):
    """An invoice PERP calls overdue, or an open one with money due past its due date."""
    status = _status(invoice.status)
    due_date = _moment(invoice.due_date)
    amount_due = invoice.amount_due if isinstance(invoice.amount_due, Decimal) else None
    owed_late = status in OPEN_INVOICE_STATUSES and amount_due is not None and amount_due > 0 \
        and _has_passed(due_date, today)
    if status != "overdue" and not owed_late:
        return []
    return [Item(INVOICE_OVERDUE, subject, None, "overdue", anchor, since=due_date, since_label="due",
                 amount=amount_due, currency=invoice.currency)]


# --- The pages ---------------------------------------------------------------------------


def for_customer_page(sections, *, on=None):
    """What needs attention among the orders and invoices on a customer page
    (lookup.pages.customer.CustomerSections); `on`: today, if not the clock's."""
    on = on or current_day()
    items, not_judged = [], []
    if sections.orders.ok:
        for row in sections.order_rows:
            _judge_order_row(row, on, items, not_judged)
    else:
        not_judged.append(NotJudged("The orders", "", COULD_NOT_BE_READ, "pd-orders"))
    if sections.invoices.ok:
        items.extend(_invoice_items(sections.invoices.value.items, on))
    else:
        not_judged.append(NotJudged("The invoices", "", COULD_NOT_BE_READ, "pd-invoices"))
    return Attention(items, not_judged)


def _judge_order_row(row, on, items, not_judged):
    order = row.order
    subject = Subject("Order", order.order_number or order.order_id)
    items.extend(late_order(order, subject, anchors.anchor(anchors.ORDER, order.order_id), on))
    if row.expanded is None:
        if order.is_active:
            not_judged.append(NotJudged("Production and artwork of order", subject.name,
                                        "not expanded on this page: see the order's page",
                                        anchors.anchor(anchors.ORDER, order.order_id)))
        return
    expansion = anchors.anchor(anchors.ORDER_EXPANDED, order.order_id)
    _judge_work(row.expanded.production, row.expanded.artwork, subject, expansion, on, items)
    for name, section in (("Production", row.expanded.production), ("Artwork", row.expanded.artwork)):
        if not section.ok:
            not_judged.append(NotJudged(f"{name} of order", subject.name, COULD_NOT_BE_READ, expansion))


def for_order_page(page, *, on=None):
    """What needs attention on an order page (lookup.pages.order.OrderPage)."""
    on = on or current_day()
    order = page.order.value
    subject = Subject("Order", (order.order_number if order else None) or page.order_id)
    items, not_judged = [], []
    if order:
        items.extend(late_order(order, subject, "pd-order", on))
    _judge_work(page.production, page.artwork, subject, None, on, items)
    if page.invoices.ok and page.invoices.value:
        items.extend(_invoice_items(page.invoices.value.items, on))
    parts = (("The order", page.order, "pd-order"), ("Production", page.production, "pd-production"),
             ("Artwork", page.artwork, "pd-artwork"), ("The order's invoices", page.invoices, "pd-order-invoices"))
    for what, section, anchor in parts:
        if not section.ok:
            not_judged.append(NotJudged(what, "", COULD_NOT_BE_READ, anchor))
    return Attention(items, not_judged)


def _judge_work(production, artwork, subject, anchor, on, items):
    """The production and artwork rules; `anchor` None: each section's own heading."""
    if production.ok and production.value:
        for rule in (stages_on_hold, late_stages):
            items.extend(rule(production.value, subject, anchor or "pd-production", on))
    if artwork.ok and artwork.value:
        items.extend(artwork_waiting(artwork.value, subject, anchor or "pd-artwork", on))


def _invoice_items(invoices, on):
    items = []
    for invoice in invoices:
        subject = Subject("Invoice", invoice.invoice_number or invoice.invoice_id)
        items.extend(overdue_invoice(invoice, subject, anchors.anchor(anchors.INVOICE, invoice.invoice_id), on))
    return items


# --- Reading PERP's values tolerantly -----------------------------------------------------


def _status(status):
    """A status PERP sent as text, lower case; "" when missing or unreadable."""
    if not isinstance(status, str) or isinstance(status, AsSent):
        return ""
    return status.strip().lower()


def _moment(value):
    """A date or datetime; None for a missing or unreadable one (AsSent)."""
    return value if isinstance(value, date) else None


def _day(moment):
    if isinstance(moment, datetime):
        return timezone.localtime(moment).date()
    return moment


def _has_passed(moment, today):
    return moment is not None and _day(moment) < today


def _stage_name(stage):
    return stage.stage_display or stage.stage_name or "A stage"
