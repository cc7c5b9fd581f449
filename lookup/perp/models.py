"""PERP's data models as typed, immutable values (PERP_API.md, "Data models").

Money is Decimal, dates are `date` or aware `datetime`, statuses stay the text PERP
sent (an unknown one is shown as it is). Undocumented fields land in `extra`.
"""

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal

from lookup.perp import fields as f

Moment = date | datetime

ACTIVE_ORDER_EXCLUDED_STATUSES = frozenset({"shipped", "delivered", "cancelled"})


def _extra(cls, data):
    return f.extra(data, {field_.name for field_ in fields(cls)})


@dataclass(frozen=True)
class Address:
    address1: str | None
    address2: str | None
    city: str | None
    state: str | None
    zip: str | None
    country: str | None

    @classmethod
    def from_json(cls, data):
        return cls(**{name: f.text(data, name) for name in (
            "address1", "address2", "city", "state", "zip", "country")})


@dataclass(frozen=True)
class Customer:
    customer_id: str
    name: str | None
    email: str | None
    phone: str | None
    company_name: str | None
    is_vip: bool
    vip_tier: str | None
    lifetime_value: Decimal | None
    total_orders: int | None
    created_at: Moment | None
    last_order_date: Moment | None
    billing_address: Address | None
    extra: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data):
        return cls(
            customer_id=f.identifier(data, "customer_id"),
            name=f.text(data, "name"),
            email=f.text(data, "email"),
            phone=f.text(data, "phone"),
            company_name=f.text(data, "company_name"),
            is_vip=f.flag(data, "is_vip"),
            vip_tier=f.text(data, "vip_tier"),
            lifetime_value=f.money(data, "lifetime_value"),
            total_orders=f.number(data, "total_orders"),
            created_at=f.when(data, "created_at"),
            last_order_date=f.when(data, "last_order_date"),
            billing_address=f.nested(data, "billing_address", Address.from_json),
            extra=_extra(cls, data),
        )


@dataclass(frozen=True)
class OrderLine:
    line_item_id: str | None
    product_name: str | None
    quantity: int | None
    unit_price: Decimal | None
    total_price: Decimal | None
    production_status: str | None

    @classmethod
    def from_json(cls, data):
        return cls(
            line_item_id=f.text(data, "line_item_id"),
            product_name=f.text(data, "product_name"),
            quantity=f.number(data, "quantity"),
            unit_price=f.money(data, "unit_price"),
            total_price=f.money(data, "total_price"),
            production_status=f.text(data, "production_status"),
        )


@dataclass(frozen=True)
class Order:
    order_id: str
    order_number: str | None
    customer_id: str | None
    customer_name: str | None
    status: str | None
    status_display: str | None
    order_date: Moment | None
    estimated_ship_date: Moment | None
    actual_ship_date: Moment | None
    total_amount: Decimal | None
    currency: str | None
    line_items: list[OrderLine]
    extra: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_active(self):
        return (self.status or "").lower() not in ACTIVE_ORDER_EXCLUDED_STATUSES

    @classmethod
    def from_json(cls, data):
        return cls(
            order_id=f.identifier(data, "order_id"),
            order_number=f.text(data, "order_number"),
            customer_id=f.text(data, "customer_id"),
            customer_name=f.text(data, "customer_name"),
            status=f.text(data, "status"),
            status_display=f.text(data, "status_display"),
            order_date=f.when(data, "order_date"),
            estimated_ship_date=f.when(data, "estimated_ship_date"),
            actual_ship_date=f.when(data, "actual_ship_date"),
            total_amount=f.money(data, "total_amount"),
            currency=f.text(data, "currency"),
            line_items=f.items(data, "line_items", OrderLine.from_json),
            extra=_extra(cls, data),
        )


@dataclass(frozen=True)
class ProductionStage:
    stage_name: str | None
    stage_display: str | None
    status: str | None
    started_at: Moment | None
    completed_at: Moment | None
    estimated_completion: Moment | None

    @classmethod
    def from_json(cls, data):
        return cls(
            stage_name=f.text(data, "stage_name"),
            stage_display=f.text(data, "stage_display"),
            status=f.text(data, "status"),
            started_at=f.when(data, "started_at"),
            completed_at=f.when(data, "completed_at"),
            estimated_completion=f.when(data, "estimated_completion"),
        )


@dataclass(frozen=True)
class ProductionStatus:
    order_id: str
    order_number: str | None
    overall_status: str | None
    completion_percentage: Decimal | None
    current_stage: str | None
    stages: list[ProductionStage]
    estimated_ship_date: Moment | None
    notes: str | None
    extra: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data):
        return cls(
            order_id=f.identifier(data, "order_id"),
            order_number=f.text(data, "order_number"),
            overall_status=f.text(data, "overall_status"),
            completion_percentage=f.percentage(data, "completion_percentage"),
            current_stage=f.text(data, "current_stage"),
            stages=f.items(data, "stages", ProductionStage.from_json),
            estimated_ship_date=f.when(data, "estimated_ship_date"),
            notes=f.text(data, "notes"),
            extra=_extra(cls, data),
        )


@dataclass(frozen=True)
class ArtworkFile:
    url: str | None
    filename: str | None
    file_size: int | None
    dpi: int | None
    format: str | None
    width: int | None
    height: int | None

    @classmethod
    def from_json(cls, data):
        return cls(
            url=f.text(data, "url"),
            filename=f.text(data, "filename"),
            file_size=f.number(data, "file_size"),
            dpi=f.number(data, "dpi"),
            format=f.text(data, "format"),
            width=f.number(data, "width"),
            height=f.number(data, "height"),
        )


@dataclass(frozen=True)
class ArtworkFiles:
    original: ArtworkFile | None
    preview: ArtworkFile | None
    thumbnail: ArtworkFile | None

    @classmethod
    def from_json(cls, data):
        return cls(**{name: f.nested(data, name, ArtworkFile.from_json) for name in (
            "original", "preview", "thumbnail")})


@dataclass(frozen=True)
class ProofSheet:
    url: str | None
    filename: str | None
    file_size: int | None
    generated_date: Moment | None
    includes_mockup: bool

    @classmethod
    def from_json(cls, data):
        return cls(
            url=f.text(data, "url"),
            filename=f.text(data, "filename"),
            file_size=f.number(data, "file_size"),
            generated_date=f.when(data, "generated_date"),
            includes_mockup=f.flag(data, "includes_mockup"),
        )


@dataclass(frozen=True)
class ArtworkItem:
    artwork_id: str | None
    line_item_id: str | None
    product_name: str | None
    status: str | None
    submitted_date: Moment | None
    reviewed_date: Moment | None
    approved_date: Moment | None
    rejected_date: Moment | None
    revision_requested_date: Moment | None
    notes: str | None
    files: ArtworkFiles | None
    proof_sheet: ProofSheet | None

    @classmethod
    def from_json(cls, data):
        return cls(
            artwork_id=f.text(data, "artwork_id"),
            line_item_id=f.text(data, "line_item_id"),
            product_name=f.text(data, "product_name"),
            status=f.text(data, "status"),
            submitted_date=f.when(data, "submitted_date"),
            reviewed_date=f.when(data, "reviewed_date"),
            approved_date=f.when(data, "approved_date"),
            rejected_date=f.when(data, "rejected_date"),
            revision_requested_date=f.when(data, "revision_requested_date"),
            notes=f.text(data, "notes"),
            files=f.nested(data, "files", ArtworkFiles.from_json),
            proof_sheet=f.nested(data, "proof_sheet", ProofSheet.from_json),
        )


@dataclass(frozen=True)
class Artwork:
    order_id: str
    artwork_items: list[ArtworkItem]
    extra: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data):
        return cls(
            order_id=f.identifier(data, "order_id"),
            artwork_items=f.items(data, "artwork_items", ArtworkItem.from_json),
            extra=_extra(cls, data),
        )


@dataclass(frozen=True)
class WalletTransaction:
    transaction_id: str | None
    type: str | None
    amount: Decimal | None
    description: str | None
    date: Moment | None

    @classmethod
    def from_json(cls, data):
        return cls(
            transaction_id=f.text(data, "transaction_id"),
            type=f.text(data, "type"),
            amount=f.money(data, "amount"),
            description=f.text(data, "description"),
            date=f.when(data, "date"),
        )


@dataclass(frozen=True)
class VIPWallet:
    customer_id: str
    balance: Decimal | None
    currency: str | None
    last_transaction_date: Moment | None
    transactions: list[WalletTransaction]
    extra: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data):
        return cls(
            customer_id=f.identifier(data, "customer_id"),
            balance=f.money(data, "balance"),
            currency=f.text(data, "currency"),
            last_transaction_date=f.when(data, "last_transaction_date"),
            transactions=f.items(data, "transactions", WalletTransaction.from_json),
            extra=_extra(cls, data),
        )


@dataclass(frozen=True)
class InvoiceLine:
    description: str | None
    quantity: int | None
    unit_price: Decimal | None
    total: Decimal | None

    @classmethod
    def from_json(cls, data):
        return cls(
            description=f.text(data, "description"),
            quantity=f.number(data, "quantity"),
            unit_price=f.money(data, "unit_price"),
            total=f.money(data, "total"),
        )


@dataclass(frozen=True)
class Invoice:
    invoice_id: str
    invoice_number: str | None
    customer_id: str | None
    order_id: str | None
    invoice_date: Moment | None
    due_date: Moment | None
    total_amount: Decimal | None
    amount_paid: Decimal | None
    amount_due: Decimal | None
    currency: str | None
    status: str | None
    line_items: list[InvoiceLine]
    pdf_url: str | None
    extra: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_overdue(self):
        return (self.status or "").lower() == "overdue"

    @classmethod
    def from_json(cls, data):
        return cls(
            invoice_id=f.identifier(data, "invoice_id"),
            invoice_number=f.text(data, "invoice_number"),
            customer_id=f.text(data, "customer_id"),
            order_id=f.text(data, "order_id"),
            invoice_date=f.when(data, "invoice_date"),
            due_date=f.when(data, "due_date"),
            total_amount=f.money(data, "total_amount"),
            amount_paid=f.money(data, "amount_paid"),
            amount_due=f.money(data, "amount_due"),
            currency=f.text(data, "currency"),
            status=f.text(data, "status"),
            line_items=f.items(data, "line_items", InvoiceLine.from_json),
            pdf_url=f.text(data, "pdf_url"),
            extra=_extra(cls, data),
        )


@dataclass(frozen=True)
class Pagination:
    total: int | None
    limit: int | None
    offset: int | None
    has_more: bool

    @classmethod
    def from_json(cls, data):
        return cls(
            total=f.number(data, "total"),
            limit=f.number(data, "limit"),
            offset=f.number(data, "offset"),
            has_more=f.flag(data, "has_more"),
        )


@dataclass(frozen=True)
class Page:
    """One page of a customer's orders or invoices."""

    items: list
    pagination: Pagination

    @classmethod
    def reader(cls, list_key, parse_item):
        def from_json(data):
            pagination = f.nested(data, "pagination", Pagination.from_json)
            if list_key not in data:
                raise f.ShapeError(f"{list_key} is missing")
            return cls(
                items=f.items(data, list_key, parse_item),
                pagination=pagination or Pagination(None, None, None, False),
            )

        return from_json
