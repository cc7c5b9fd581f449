"""Customer plans (who exists, which orders they will get) and Customer payloads."""

import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta

from . import catalog
from .constants import (
    ANCHOR, BENCH_CUSTOMER_ID, BUSY_ACTIVE_ORDERS, BUSY_CUSTOMER_ID, EMPTY_CUSTOMER_ID, FIRST_CUSTOMER_NUMBER,
    NO_INVOICES_CUSTOMER_ID, PAGING_CUSTOMER_ID, RANDOM_CUSTOMER_COUNT, SHOWCASE_CUSTOMER_ID,
)
from .formats import date_style, money, stamp


@dataclass
class OrderSpec:
    """What one future order must look like; None fields are left to chance."""

    status: str
    age_days: int | None = None
    invoice_status: str | None = None
    artwork_statuses: list | None = None


@dataclass
class CustomerPlan:
    number: int
    name: str
    email: str
    phone: str
    company_name: str | None
    billing_address: dict | None
    vip_tier: str | None
    created_at: object
    sales_rep: str | None
    has_wallet: bool = True
    invoiced: bool = True
    orders: list = field(default_factory=list)

    @property
    def customer_id(self):
        return f"CUST-{self.number}"


def plan_customers(rng):
    """The scripted special customers first, then randomly drawn ones."""
    used_emails = set()
    plans = [_random_plan(rng, n, used_emails) for n in _numbers()]
    by_id = {plan.customer_id: plan for plan in plans}
    _script_specials(rng, by_id)
    return plans


def _numbers():
    specials = 5
    return range(FIRST_CUSTOMER_NUMBER, FIRST_CUSTOMER_NUMBER + specials + RANDOM_CUSTOMER_COUNT)


def _random_plan(rng, number, used_emails):
    first, last = rng.choice(catalog.FIRST_NAMES), rng.choice(catalog.LAST_NAMES)
    is_vip = rng.random() < 0.3
    order_count = 0 if rng.random() < 0.12 else rng.randint(1, 8)
    return CustomerPlan(
        number=number,
        name=f"{first} {last}",
        email=_email(rng, number, first, last, used_emails),
        phone=_phone(rng),
        company_name=rng.choice(catalog.COMPANIES) if rng.random() < 0.6 else None,
        billing_address=_address(rng) if rng.random() < 0.85 else None,
        vip_tier=rng.choice(catalog.VIP_TIERS) if is_vip else None,
        created_at=ANCHOR - timedelta(days=rng.randint(430, 2000), hours=rng.randint(0, 23)),
        sales_rep=rng.choice(catalog.SALES_REPS),
        has_wallet=is_vip or rng.random() < 0.6,
        orders=[OrderSpec(_weighted_status(rng)) for _ in range(order_count)],
    )


def _script_specials(rng, by_id):
    paging = by_id[PAGING_CUSTOMER_ID]
    paging.vip_tier, paging.has_wallet = "platinum", True
    paging.orders = [OrderSpec(_weighted_status(rng)) for _ in range(42)]

    bench = by_id[BENCH_CUSTOMER_ID]
    bench.vip_tier, bench.has_wallet = "gold", True
    active = ["pending", "in_production", "in_production", "in_production", "in_production",
              "on_hold", "on_hold", "ready_to_ship", "ready_to_ship", "pending"]
    bench.orders = [OrderSpec(s) for s in active] + [OrderSpec("delivered") for _ in range(3)]

    empty = by_id[EMPTY_CUSTOMER_ID]
    empty.vip_tier, empty.has_wallet, empty.orders = None, False, []

    no_invoices = by_id[NO_INVOICES_CUSTOMER_ID]
    no_invoices.vip_tier, no_invoices.invoiced = None, False
    no_invoices.orders = [OrderSpec("pending"), OrderSpec("in_production"), OrderSpec("delivered")]

    showcase = by_id[SHOWCASE_CUSTOMER_ID]
    showcase.vip_tier, showcase.has_wallet = "silver", True
    showcase.orders = _showcase_orders()


def busy_plan(rng):
    """The customer with BUSY_ACTIVE_ORDERS active orders (and two delivered), not invoiced."""
    used_emails = set()
    plan = _random_plan(rng, int(BUSY_CUSTOMER_ID.split("-")[1]), used_emails)
    plan.vip_tier, plan.has_wallet, plan.invoiced = "gold", True, False
    plan.email = f"busy.{plan.number}@{plan.email.partition('@')[2]}"  # no seeded customer's
    active = [catalog.ACTIVE_ORDER_STATUSES[n % len(catalog.ACTIVE_ORDER_STATUSES)] for n in range(BUSY_ACTIVE_ORDERS)]
    plan.orders = [OrderSpec(status) for status in active] + [OrderSpec("delivered") for _ in range(2)]
    return plan


def _showcase_orders():
    return [
        OrderSpec("pending", 1, "draft", ["pending", "submitted", "revision_requested"]),
        OrderSpec("in_production", 5, "sent", ["approved"]),
        OrderSpec("on_hold", 8, "partial", ["rejected", "approved"]),
        OrderSpec("ready_to_ship", 10, "paid", ["approved"]),
        OrderSpec("shipped", 15, "sent", ["approved"]),
        OrderSpec("delivered", 45, "paid", ["approved"]),
        OrderSpec("cancelled", 30, "cancelled", ["rejected"]),
        OrderSpec("delivered", 90, "overdue", ["approved", "approved"]),
    ]


def _weighted_status(rng):
    statuses = list(catalog.ORDER_STATUS_WEIGHTS)
    return rng.choices(statuses, weights=list(catalog.ORDER_STATUS_WEIGHTS.values()))[0]


def _email(rng, number, first, last, used_emails):
    ascii_name = unicodedata.normalize("NFKD", f"{first}.{last}").encode("ascii", "ignore").decode()
    local = ascii_name.replace("'", "").replace(" ", "")
    domain = rng.choice(catalog.EMAIL_DOMAINS)
    if number % 7 == 0:  # mixed case, to prove search is case-insensitive
        domain = domain.capitalize()
    else:
        local = local.lower()
    email = f"{local}@{domain}"
    if email.lower() in used_emails:
        email = f"{local}{number}@{domain}"
    used_emails.add(email.lower())
    return email


def _phone(rng):
    area, line = rng.randint(201, 989), rng.randint(100, 199)
    if rng.random() < 0.5:
        return f"({area}) 555-{line:04d}"
    return f"+1-{area}-555-{line:04d}"


def _address(rng):
    city, state, zip_code = rng.choice(catalog.CITIES)
    address = {
        "address1": f"{rng.randint(10, 9999)} {rng.choice(catalog.STREETS)}",
        "city": city, "state": state, "zip": zip_code, "country": "US",
    }
    roll = rng.random()
    if roll < 0.3:
        address["address2"] = f"Suite {rng.randint(1, 9)}00"
    elif roll < 0.6:
        address["address2"] = None
    return address


def customer_payload(plan, orders):
    """`orders` are this customer's OrderDrafts, which give the order totals and dates."""
    style = date_style(plan.number)
    billed = [o for o in orders if o.status != "cancelled"]
    last_order = max((o.order_date for o in orders), default=None)
    return {
        "customer_id": plan.customer_id,
        "name": plan.name,
        "email": plan.email,
        "phone": plan.phone,
        "company_name": plan.company_name,
        "is_vip": plan.vip_tier is not None,
        "vip_tier": plan.vip_tier,
        "lifetime_value": money(sum(o.total_cents for o in billed), as_number=plan.number % 9 == 0),
        "total_orders": len(orders),
        "created_at": stamp(plan.created_at, style),
        "last_order_date": stamp(last_order, style),
        "billing_address": plan.billing_address,
        "sales_rep": plan.sales_rep,
    }
