"""The customer page's timeline: what the page read, as one list of events, newest first.

Built only from the page's own sections (no PERP call of its own): orders placed and
shipped, production stages started and completed, artwork submitted, approved,
rejected or sent back, invoices issued and due, wallet credits and debits. What is
still to come (an invoice due next week) is listed apart, soonest first, above what
has happened: newest first must not put next month's due date at the top.

An optional date that is absent means the event has not happened (a stage not
started, an order not shipped). An event whose date PERP sent unreadably, or without
the date it must have (an order's, an invoice's, a transaction's), is left out and
counted, and the page says how many.
"""

from dataclasses import dataclass
from datetime import date
from functools import cached_property

from django.conf import settings
from django.utils import timezone

from lookup import clock
from django.utils.html import format_html

from lookup.pages.sections import newest_first_key
from lookup.templatetags.perpdesk import money, page_url, signed_money

WALLET_ANCHOR = "#pd-wallet"  # the wallet section of the same page

# An artwork item's dates, each an event of its own: (field, what the entry says).
ARTWORK_EVENTS = (
    ("submitted_date", "submitted"),
    ("approved_date", "approved"),
    ("rejected_date", "rejected"),
    ("revision_requested_date", "sent back for changes"),
)
TRANSACTION_KINDS = {"credit": "Credit", "debit": "Debit"}


@dataclass(frozen=True)
class Record:
    """The record an entry belongs to, and links to."""

    kind: str  # "order" or "invoice" (their perpdesk pages), or "wallet" (its section above)
    record_id: str
    label: str  # built with format_html: PERP's number escaped

    @cached_property  # a record has an entry per event: its URL is reversed once
    def url(self):
        """Its perpdesk page; "" for an id no URL can hold."""
        if self.kind == "wallet":
            return WALLET_ANCHOR
        return page_url(self.kind, self.record_id)


@dataclass(frozen=True)
class Entry:
    moment: object  # a date or an aware datetime once dated; None or AsSent while a candidate
    kind: str  # where it comes from: order, production, artwork, invoice, wallet
    text: str  # what happened, built with format_html: PERP's parts escaped
    record: Record


@dataclass(frozen=True)
class Timeline:
    entries: list  # what has happened, newest first, at most TIMELINE_ENTRIES
    left_out: int  # older dated entries beyond TIMELINE_ENTRIES
    undated: int  # events left out for want of a readable date
    covers: str  # what it is built from, e.g. "the newest 10 orders, ..."
    failed: list  # names of the sections it lacks because they failed
    fetched_at: object = None  # the oldest copy it is built from (for {% fetched %})
    upcoming: list = ()  # dated after today, soonest first, at most TIMELINE_ENTRIES
    anything_read: bool = True  # False: every section it is built from failed


NEWEST_FIRST = newest_first_key(lambda entry: entry.moment)


def customer_timeline(sections):
    """The timeline of a customer page (lookup.pages.customer.CustomerSections)."""
    candidates = [*_order_events(sections), *_invoice_events(sections), *_wallet_events(sections)]
    dated = sorted((entry for entry in candidates if _is_dated(entry)), key=NEWEST_FIRST, reverse=True)
    upcoming = [entry for entry in dated if _is_after_today(entry.moment)]
    dated = dated[len(upcoming):]
    shown = max(settings.TIMELINE_ENTRIES, 0)
    sources = _sources(sections)
    moments = [section.fetched_at for section in sources if section.fetched_at]
    return Timeline(
        entries=dated[:shown],
        left_out=max(len(dated) - shown, 0),
        undated=len(candidates) - len(dated),
        covers=_covers(sections),
        failed=_failed(sections),
        fetched_at=min(moments) if moments else None,
        upcoming=upcoming[::-1][:shown],
        anything_read=any(section.ok for section in (sections.orders, sections.invoices, sections.wallet)),
    )


def _is_after_today(moment):
    """A datetime still ahead, or a date after today (in TIME_ZONE, as pages show dates)."""
    now = clock.now()
    if hasattr(moment, "tzinfo"):  # a datetime
        return moment > now
    return moment > timezone.localtime(now).date()


def _is_dated(entry):
    return isinstance(entry.moment, date)  # a datetime is a date too; AsSent and None are not


def _sources(sections):
    return [sections.orders, sections.invoices, sections.wallet, *sections.expanded_sections]


# --- Events, by source ----------------------------------------------------------------


def _order_events(sections):
    for row in sections.order_rows:
        order = row.order
        record = Record("order", order.order_id, format_html("Order {}", order.order_number or order.order_id))
        placed = format_html("Placed · {}", money(order.total_amount, order.currency)) \
            if order.total_amount is not None else "Placed"
        yield Entry(order.order_date, "order", placed, record)
        if order.actual_ship_date is not None:
            yield Entry(order.actual_ship_date, "order", "Shipped", record)
        if row.expanded:
            yield from _production_events(row.expanded.production, record)
            yield from _artwork_events(row.expanded.artwork, record)


def _production_events(section, record):
    if not section.value:
        return
    for stage in section.value.stages:
        name = stage.stage_display or stage.stage_name or "A production stage"
        if stage.started_at is not None:
            yield Entry(stage.started_at, "production", format_html("{} started", name), record)
        if stage.completed_at is not None:
            yield Entry(stage.completed_at, "production", format_html("{} completed", name), record)


def _artwork_events(section, record):
    if not section.value:
        return
    for item in section.value.artwork_items:
        product = item.product_name or "a line"
        for field_name, happened in ARTWORK_EVENTS:
            moment = getattr(item, field_name)
            if moment is not None:
                yield Entry(moment, "artwork", format_html("Artwork {}: {}", happened, product), record)


def _invoice_events(sections):
    if not sections.invoices.ok:
        return
    for invoice in sections.invoices.value.items:
        record = Record(
            "invoice", invoice.invoice_id, format_html("Invoice {}", invoice.invoice_number or invoice.invoice_id)
        )
        issued = format_html("Issued · {}", money(invoice.total_amount, invoice.currency)) \
            if invoice.total_amount is not None else "Issued"
        due = format_html("Due · {} outstanding", money(invoice.amount_due, invoice.currency)) \
            if invoice.amount_due else "Due"
        yield Entry(invoice.invoice_date, "invoice", issued, record)
        yield Entry(invoice.due_date, "invoice", due, record)


def _wallet_events(sections):
    wallet = sections.wallet.value if sections.wallet.ok else None
    if not wallet:
        return
    record = Record("wallet", "", "VIP wallet")
    for transaction in wallet.transactions:
        kind = TRANSACTION_KINDS.get(str(transaction.type or "").lower(), "Transaction")
        about = format_html(" · {}", transaction.description) if transaction.description else ""
        text = format_html("{} {}{}", kind, signed_money(transaction, wallet.currency), about)
        yield Entry(transaction.date, "wallet", text, record)


# --- What it covers, and what it lacks ---------------------------------------------------


def _covers(sections):
    parts = [
        _list_covered(sections.orders, "order", "orders"),
        _list_covered(sections.invoices, "invoice", "invoices"),
        _expanded_covered(sections.expanded),
        _wallet_covered(sections.wallet),
    ]
    parts = [part for part in parts if part]
    if not parts:
        return "Nothing to show: every section it is built from failed."
    return f"Built from what this page read: {_and_joined(parts)}."


def _list_covered(section, singular, plural):
    if not section.ok:
        return ""
    paging = section.value.paging
    if not paging.shown:
        return f"no {plural}" if paging.number == 1 else f"no {plural} on page {paging.number}"
    if paging.number > 1:
        of_total = f" of {paging.total}" if paging.total is not None else ""
        return f"{plural} {paging.first}–{paging.last}{of_total}"
    if paging.has_next:
        return f"the newest {_count(paging.shown, singular, plural)}"
    if paging.shown == 1:
        return f"the only {singular}"
    return f"both {plural}" if paging.shown == 2 else f"all {paging.shown} {plural}"


def _expanded_covered(expanded):
    production = sum(1 for active in expanded.values() if active.production.ok)
    artwork = sum(1 for active in expanded.values() if active.artwork.ok)
    if production and artwork and production != artwork:
        return f"production of {production} and artwork of {_active_orders(artwork)}"
    if production == artwork:
        return f"production and artwork of {_active_orders(production)}" if production else ""
    return f"production of {_active_orders(production)}" if production else f"artwork of {_active_orders(artwork)}"


def _active_orders(number):
    return _count(number, "active order", "active orders")


def _wallet_covered(section):
    if not section.ok:
        return ""
    if section.value is None:
        return "no VIP wallet"
    if not section.value.transactions:
        return "no wallet transactions"
    return f"the wallet's {_count(len(section.value.transactions), 'transaction', 'transactions')}"


def _failed(sections):
    names = [name for name, section in (
        ("Orders", sections.orders), ("Invoices", sections.invoices), ("Wallet", sections.wallet),
    ) if not section.ok]
    for row in sections.order_rows:
        if row.expanded:
            number = row.order.order_number or row.order.order_id
            names += [
                format_html("{} of order {}", name, number)
                for name, section in (("Production", row.expanded.production), ("Artwork", row.expanded.artwork))
                if not section.ok
            ]
    return names


def _count(number, singular, plural):
    return f"{number} {singular if number == 1 else plural}"


def _and_joined(parts):
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
