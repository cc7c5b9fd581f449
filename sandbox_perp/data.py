"""The seeded dataset: built once, lazily, from random.Random(SEED); read-only afterwards."""

import random
import threading

from . import hostile
from .artwork import artwork_id, artwork_payload
from .constants import HOSTILE_CUSTOMER_ID, SEED
from .customers import busy_plan, customer_payload, plan_customers
from .invoices import draft_invoices, invoice_payload
from .orders import draft_orders, number_orders, order_payload
from .production import production_payload
from .wallets import wallet_payload


class Dataset:
    """Payloads keyed by id, plus the secondary indexes the API searches and lists by."""

    def __init__(self):
        self.customers = {}
        self.customer_ids_by_email = {}
        self.wallets = {}  # customers without a wallet are absent
        self.orders = {}
        self.order_ids_by_number = {}
        self.orders_by_customer = {}  # newest first
        self.production = {}
        self.artwork = {}
        self.artwork_art = {}  # artwork_id -> (product name, colour) for generated images
        self.invoices = {}
        self.invoice_ids_by_number = {}
        self.invoices_by_customer = {}  # newest first

    def add_customer(self, customer, wallet):
        cid = customer["customer_id"]
        self.customers[cid] = customer
        self.customer_ids_by_email[customer["email"].lower()] = cid
        self.orders_by_customer[cid] = []
        self.invoices_by_customer[cid] = []
        if wallet is not None:
            self.wallets[cid] = wallet

    def add_order(self, order, production, artwork):
        oid = order["order_id"]
        self.orders[oid] = order
        self.order_ids_by_number[order["order_number"]] = oid
        self.orders_by_customer[order["customer_id"]].append(order)
        self.production[oid] = production
        self.artwork[oid] = artwork

    def add_invoice(self, invoice):
        self.invoices[invoice["invoice_id"]] = invoice
        self.invoice_ids_by_number[invoice["invoice_number"]] = invoice["invoice_id"]
        self.invoices_by_customer[invoice["customer_id"]].append(invoice)


def build_dataset(seed=SEED):
    rng = random.Random(seed)
    plans = plan_customers(rng) + [hostile.hostile_plan()]
    drafts = {plan.customer_id: draft_orders(rng, plan) for plan in plans}
    hostile.poison_lines(drafts[HOSTILE_CUSTOMER_ID])
    orders = number_orders([order for plan_orders in drafts.values() for order in plan_orders])
    invoices = draft_invoices(rng, orders)

    dataset = Dataset()
    for plan in plans:
        plan_orders = drafts[plan.customer_id]
        dataset.add_customer(customer_payload(plan, plan_orders), wallet_payload(rng, plan, plan_orders))
    _add_orders(dataset, rng, orders)
    for invoice in reversed(invoices):
        dataset.add_invoice(invoice_payload(invoice))
    _poison_hostile(dataset)
    _add_busy_customer(dataset, random.Random(seed + 1), orders)
    return dataset


def _add_busy_customer(dataset, rng, orders):
    """The busy customer's orders numbered after everyone else's: from a generator of its
    own, so the customers seeded before it kept every id and value."""
    plan = busy_plan(rng)
    drafts = number_orders(
        draft_orders(rng, plan), first_seq=len(orders),
        first_line_number=1 + max(line.number for order in orders for line in order.lines),
    )
    dataset.add_customer(customer_payload(plan, drafts), wallet_payload(rng, plan, drafts))
    _add_orders(dataset, rng, drafts)


def _add_orders(dataset, rng, orders):
    """`orders` oldest first: each customer's list is kept newest first."""
    for order in reversed(orders):
        dataset.add_order(order_payload(order, rng), production_payload(order, rng), artwork_payload(order, rng))
        for line in order.lines:
            dataset.artwork_art[artwork_id(line)] = (line.product_name, line.colour)


def _poison_hostile(dataset):
    for order in dataset.orders_by_customer[HOSTILE_CUSTOMER_ID]:
        hostile.poison_order(order)
        hostile.poison_production(dataset.production[order["order_id"]])
        hostile.poison_artwork(dataset.artwork[order["order_id"]])
    for n, invoice in enumerate(dataset.invoices_by_customer[HOSTILE_CUSTOMER_ID]):
        hostile.poison_invoice(invoice, n)
    hostile.poison_wallet(dataset.wallets[HOSTILE_CUSTOMER_ID])


_dataset = None
_lock = threading.Lock()


def get_dataset():
    global _dataset
    with _lock:
        if _dataset is None:
            _dataset = build_dataset()
        return _dataset
