"""PERP's data models as typed, immutable values (PERP_API.md, "Data models").

Money is Decimal, dates are `date` or aware `datetime`, statuses stay the text PERP
sent (an unknown one is shown as it is). Each model's `RULES` is its one table of
how every documented field is read (lookup.perp.fields); a field PERP sent in a form
its rule cannot read is kept as PERP's text (`AsSent`). Top-level records also keep
undocumented fields in `extra` and what was missing, unreadable or extra in `fields`.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

from lookup.perp import fields as f
from lookup.perp.fields import AsSent, FieldReport

Moment = date | datetime

ACTIVE_ORDER_EXCLUDED_STATUSES = frozenset({"shipped", "delivered", "cancelled"})


class _Record:
    """A top-level record: parsed from its table, carrying its FieldReport."""

    @classmethod
    def from_json(cls, data):
        return f.parse(cls, data)

    @property
    def unread(self):
        """Paths of the fields kept as PERP's text (or dropped list items); no values."""
        return self.fields.unreadable


@dataclass(frozen=True)
class Address:
    address1: str | None
    address2: str | None
    city: str | None
    state: str | None
    zip: str | None
    country: str | None

    RULES: ClassVar = {
        "address1": f.text(),
        "address2": f.text(required=False),
        "city": f.text(),
        "state": f.text(),
        "zip": f.text(),
        "country": f.text(),
    }


@dataclass(frozen=True)
class Customer(_Record):
    customer_id: str
    name: str | None
    email: str | None
    phone: str | None
    company_name: str | None
    is_vip: bool | AsSent
    vip_tier: str | None
    lifetime_value: Decimal | AsSent | None
    total_orders: int | AsSent | None
    created_at: Moment | AsSent | None
    last_order_date: Moment | AsSent | None
    billing_address: Address | AsSent | None
    extra: dict = field(default_factory=dict, compare=False, repr=False)
    fields: FieldReport = field(default_factory=FieldReport, compare=False, repr=False)

    RULES: ClassVar = {
        "customer_id": f.Identifier(),
        "name": f.text(),
        "email": f.text(),
        "phone": f.text(),
        "company_name": f.text(required=False),
        "is_vip": f.flag(),
        "vip_tier": f.text(required=False),
        "lifetime_value": f.amount(),
        "total_orders": f.count(),
        "created_at": f.moment(),
        "last_order_date": f.moment(),
        "billing_address": f.Nested(Address, required=False, expected="an address"),
    }


@dataclass(frozen=True)
class OrderLine:
    line_item_id: str | None
    product_name: str | None
    quantity: int | AsSent | None
    unit_price: Decimal | AsSent | None
    total_price: Decimal | AsSent | None
    production_status: str | None

    RULES: ClassVar = {
        "line_item_id": f.text(),
        "product_name": f.text(),
        "quantity": f.count(),
        "unit_price": f.amount(),
        "total_price": f.amount(),
        "production_status": f.text(),
    }


@dataclass(frozen=True)
class Order(_Record):
    order_id: str
    order_number: str | None
    customer_id: str | None
    customer_name: str | None
    status: str | None
    status_display: str | None
    order_date: Moment | AsSent | None
    estimated_ship_date: Moment | AsSent | None
    actual_ship_date: Moment | AsSent | None
    total_amount: Decimal | AsSent | None
    currency: str | None
    line_items: list[OrderLine]
    extra: dict = field(default_factory=dict, compare=False, repr=False)
    fields: FieldReport = field(default_factory=FieldReport, compare=False, repr=False)

    RULES: ClassVar = {
        "order_id": f.Identifier(),
        "order_number": f.text(),
        "customer_id": f.text(),
        "customer_name": f.text(),
        "status": f.text(),
        "status_display": f.text(),
        "order_date": f.moment(),
        "estimated_ship_date": f.moment(),
        "actual_ship_date": f.moment(required=False),
        "total_amount": f.amount(),
        "currency": f.text(),
        "line_items": f.Items(OrderLine),
    }

    @property
    def is_active(self):
        return (self.status or "").lower() not in ACTIVE_ORDER_EXCLUDED_STATUSES


@dataclass(frozen=True)
class ProductionStage:
    stage_name: str | None
    stage_display: str | None
    status: str | None
    started_at: Moment | AsSent | None
    completed_at: Moment | AsSent | None
    estimated_completion: Moment | AsSent | None

    RULES: ClassVar = {
        "stage_name": f.text(),
        "stage_display": f.text(),
        "status": f.text(),
        "started_at": f.moment(required=False),
        "completed_at": f.moment(required=False),
        "estimated_completion": f.moment(required=False),
    }


@dataclass(frozen=True)
class ProductionStatus(_Record):
    order_id: str
    order_number: str | None
    overall_status: str | None
    completion_percentage: Decimal | AsSent | None
    current_stage: str | None
    stages: list[ProductionStage]
    estimated_ship_date: Moment | AsSent | None
    notes: str | None
    extra: dict = field(default_factory=dict, compare=False, repr=False)
    fields: FieldReport = field(default_factory=FieldReport, compare=False, repr=False)

    RULES: ClassVar = {
        "order_id": f.Identifier(),
        "order_number": f.text(),
        "overall_status": f.text(),
        "completion_percentage": f.percentage(),
        "current_stage": f.text(),
        "stages": f.Items(ProductionStage),
        "estimated_ship_date": f.moment(),
        "notes": f.text(required=False),
    }


@dataclass(frozen=True)
class ArtworkFile:
    url: str | None
    filename: str | None
    file_size: int | AsSent | None  # bytes; "2 MB" is kept as PERP's text
    dpi: int | AsSent | None
    format: str | None
    width: int | AsSent | None
    height: int | AsSent | None

    RULES: ClassVar = {
        "url": f.text(),
        "filename": f.text(),
        "file_size": f.count(expected="a number of bytes"),
        "dpi": f.count(),
        "format": f.text(),
        "width": f.count(required=False),
        "height": f.count(required=False),
    }


@dataclass(frozen=True)
class ArtworkFiles:
    original: ArtworkFile | AsSent | None
    preview: ArtworkFile | AsSent | None
    thumbnail: ArtworkFile | AsSent | None

    RULES: ClassVar = {
        "original": f.Nested(ArtworkFile),
        "preview": f.Nested(ArtworkFile),
        "thumbnail": f.Nested(ArtworkFile),
    }


@dataclass(frozen=True)
class ProofSheet:
    url: str | None
    filename: str | None
    file_size: int | AsSent | None
    generated_date: Moment | AsSent | None
    includes_mockup: bool | AsSent

    RULES: ClassVar = {
        "url": f.text(),
        "filename": f.text(),
        "file_size": f.count(expected="a number of bytes"),
        "generated_date": f.moment(),
        "includes_mockup": f.flag(),
    }


@dataclass(frozen=True)
class ArtworkItem:
    artwork_id: str | None
    line_item_id: str | None
    product_name: str | None
    status: str | None
    submitted_date: Moment | AsSent | None
    reviewed_date: Moment | AsSent | None
    approved_date: Moment | AsSent | None
    rejected_date: Moment | AsSent | None
    revision_requested_date: Moment | AsSent | None
    notes: str | None
    files: ArtworkFiles | AsSent | None
    proof_sheet: ProofSheet | AsSent | None

    RULES: ClassVar = {
        "artwork_id": f.text(),
        "line_item_id": f.text(),
        "product_name": f.text(),
        "status": f.text(),
        "submitted_date": f.moment(),
        "reviewed_date": f.moment(required=False),
        "approved_date": f.moment(required=False),
        "rejected_date": f.moment(required=False),
        "revision_requested_date": f.moment(required=False),
        "notes": f.text(required=False),
        "files": f.Nested(ArtworkFiles),
        "proof_sheet": f.Nested(ProofSheet, required=False),
    }


@dataclass(frozen=True)
class Artwork(_Record):
    order_id: str
    artwork_items: list[ArtworkItem]
    extra: dict = field(default_factory=dict, compare=False, repr=False)
    fields: FieldReport = field(default_factory=FieldReport, compare=False, repr=False)

    RULES: ClassVar = {
        "order_id": f.Identifier(),
        "artwork_items": f.Items(ArtworkItem),
    }


@dataclass(frozen=True)
class WalletTransaction:
    transaction_id: str | None
    type: str | None
    amount: Decimal | AsSent | None
    description: str | None
    date: Moment | AsSent | None

    RULES: ClassVar = {
        "transaction_id": f.text(),
        "type": f.text(),
        "amount": f.amount(),
        "description": f.text(),
        "date": f.moment(),
    }


@dataclass(frozen=True)
class VIPWallet(_Record):
    customer_id: str
    balance: Decimal | AsSent | None
    currency: str | None
    last_transaction_date: Moment | AsSent | None
    transactions: list[WalletTransaction]
    extra: dict = field(default_factory=dict, compare=False, repr=False)
    fields: FieldReport = field(default_factory=FieldReport, compare=False, repr=False)

    RULES: ClassVar = {
        "customer_id": f.Identifier(),
        "balance": f.amount(),
        "currency": f.text(),
        "last_transaction_date": f.moment(required=False),
        "transactions": f.Items(WalletTransaction),
    }


@dataclass(frozen=True)
class InvoiceLine:
    description: str | None
    quantity: int | AsSent | None
    unit_price: Decimal | AsSent | None
    total: Decimal | AsSent | None

    RULES: ClassVar = {
        "description": f.text(),
        "quantity": f.count(),
        "unit_price": f.amount(),
        "total": f.amount(),
    }


@dataclass(frozen=True)
class Invoice(_Record):
    invoice_id: str
    invoice_number: str | None
    customer_id: str | None
    order_id: str | None
    invoice_date: Moment | AsSent | None
    due_date: Moment | AsSent | None
    total_amount: Decimal | AsSent | None
    amount_paid: Decimal | AsSent | None
    amount_due: Decimal | AsSent | None
    currency: str | None
    status: str | None
    line_items: list[InvoiceLine]
    pdf_url: str | None
    extra: dict = field(default_factory=dict, compare=False, repr=False)
    fields: FieldReport = field(default_factory=FieldReport, compare=False, repr=False)

    RULES: ClassVar = {
        "invoice_id": f.Identifier(),
        "invoice_number": f.text(),
        "customer_id": f.text(),
        "order_id": f.text(),
        "invoice_date": f.moment(),
        "due_date": f.moment(),
        "total_amount": f.amount(),
        "amount_paid": f.amount(),
        "amount_due": f.amount(),
        "currency": f.text(),
        "status": f.text(),
        "line_items": f.Items(InvoiceLine),
        "pdf_url": f.text(),
    }

    @property
    def is_overdue(self):
        return (self.status or "").lower() == "overdue"


@dataclass(frozen=True)
class Pagination:
    total: int | AsSent | None
    limit: int | AsSent | None
    offset: int | AsSent | None
    has_more: bool | AsSent

    RULES: ClassVar = {
        "total": f.count(),
        "limit": f.count(),
        "offset": f.count(),
        "has_more": f.flag(),
    }

    @property
    def known_total(self):
        """The total, when PERP gave one that could be read."""
        return self.total if type(self.total) is int else None

    @property
    def more(self):
        """True only when PERP said, readably, that more items follow."""
        return self.has_more is True


NO_PAGINATION = Pagination(None, None, None, False)


@dataclass(frozen=True)
class Page(_Record):
    """One page of a customer's orders or invoices."""

    items: list
    pagination: Pagination
    fields: FieldReport = field(default_factory=FieldReport, compare=False, repr=False)

    @classmethod
    def reader(cls, list_key, item_model):
        """A reader of `{list_key: [item_model], "pagination": Pagination}`."""
        return PageReader(list_key, getattr(item_model, "__self__", item_model))


class PageReader:
    """Reads a page: its list is `data`'s documented shape (essential); its pagination
    is not (an unreadable one reads as "no pagination")."""

    def __init__(self, list_key, item_model):
        self.list_key = list_key
        self.RULES = {list_key: f.Items(item_model, essential=True), "pagination": f.Nested(Pagination)}

    def __call__(self, data):
        return self.from_json(data)

    def from_json(self, data):
        values, _, report = f.read_fields(self.RULES, data)
        pagination = values["pagination"]
        return Page(
            items=values[self.list_key],
            pagination=pagination if isinstance(pagination, Pagination) else NO_PAGINATION,
            fields=report.freeze(),
        )
