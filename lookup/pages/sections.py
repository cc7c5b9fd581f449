"""What every page is made of: sections, and lists shown a page at a time.

A `Section` is one part of a page: the `Reading` it shows (its value shaped for the
page), or why it is missing. A failed section never stops the others, and "PERP
failed" is never an empty value. A page object offers its template what its sections
say together through `PageSections`.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Any

from lookup.pages import messages
from lookup.pages.fanout import NotLoaded
from lookup.reading.reader import Reading

MAX_PAGE_NUMBER = 10_000


# --- Sections ---------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """One part of a page: the reading it shows, or the error instead."""

    value: Any = None  # the reading's value as the page shows it (None: PERP has none)
    reading: Reading | None = None  # None: the section failed, or needed no read
    error: BaseException | None = None

    @classmethod
    def from_outcome(cls, outcome, shape=None):
        """From a fan-out Outcome holding a Reading; `shape` turns the value for the page."""
        if not outcome.ok:
            return cls(error=outcome.error)
        return cls.of(outcome.value, shape)

    @classmethod
    def of(cls, reading, shape=None):
        return cls(reading.value if shape is None else shape(reading.value), reading)

    @classmethod
    def not_loaded(cls, missing):
        return cls(error=NotLoaded(missing))

    @property
    def fetched_at(self):
        return self.reading.fetched_at if self.reading else None

    @property
    def stale_because(self):
        """PERP's failure when this is an older copy; None otherwise."""
        return self.reading.stale_because if self.reading else None

    @property
    def fresh_until(self):
        """When the reading's cached copy stops being fresh; None: not a cached copy."""
        return self.reading.fresh_until if self.reading else None

    @property
    def ok(self):
        return self.error is None

    @property
    def message(self):
        return messages.message_for(self.error) if self.error else ""

    @property
    def auth_failed(self):
        return messages.is_auth_failure(self.error) or messages.is_auth_failure(self.stale_because)

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


def customer_ids_of(*records):
    """The customer ids of these PERP records (Customer, Order, Invoice; None: skipped)."""
    return {record.customer_id for record in records if getattr(record, "customer_id", None)}


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


def window(number, size):
    """The `limit` and `offset` of page `number` of a list read `size` at a time."""
    return {"limit": size, "offset": (number - 1) * size}


def paged(number, size, *, sort_key=None):
    """A Section shape: PERP's Page as page `number` of a PagedList, sorted by `sort_key`."""

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
