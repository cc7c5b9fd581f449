"""The real PERP client against the sandbox PERP over real HTTP: both sides of PERP_API.md."""

import socket
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from lookup.perp import client as perp_client
from lookup.perp import models
from lookup.perp.client import PERPClient
from lookup.perp.errors import PERPAuthError, PERPBadResponse, PERPUnavailable
from sandbox_perp import (
    EMPTY_CUSTOMER_ID,
    HOSTILE_CUSTOMER_ID,
    PAGING_CUSTOMER_ID,
    SHOWCASE_CUSTOMER_ID,
    SandboxServer,
)

pytestmark = pytest.mark.integration

KEY = "contract-test-key"


@pytest.fixture(scope="module")
def sandbox():
    with SandboxServer(port=0, key=KEY) as server:
        yield server


@pytest.fixture
def sleeps(sandbox):
    sandbox.reset_faults()
    yield []
    sandbox.reset_faults()


@pytest.fixture
def client(sandbox, sleeps):
    return PERPClient(base_url=sandbox.base_url, api_key=KEY, connect_timeout=2,
                      read_timeout=5, max_retries=2, backoff_base=0, retry_after_cap=0.5,
                      pool_size=4, sleep=sleeps.append)


def all_pages(read_page):
    items, offset = [], 0
    while True:
        page = read_page(offset)
        items += page.items
        if not page.pagination.has_more:
            return items, page.pagination
        offset += len(page.items)


def first_order(client, customer_id=PAGING_CUSTOMER_ID):
    return client.get_customer_orders(customer_id, limit=1).items[0]


def first_invoice(client, customer_id=PAGING_CUSTOMER_ID):
    return client.get_customer_invoices(customer_id, limit=1).items[0]


# --- Every endpoint ----------------------------------------------------------------


def test_it_reads_a_customer(client):
    customer = client.get_customer(PAGING_CUSTOMER_ID)

    assert customer.customer_id == PAGING_CUSTOMER_ID
    assert isinstance(customer.lifetime_value, Decimal)
    assert customer.created_at.tzinfo is not None


def test_it_finds_a_customer_by_email(client):
    email = client.get_customer(PAGING_CUSTOMER_ID).email

    assert client.search_customer_by_email(email).customer_id == PAGING_CUSTOMER_ID


def test_it_reads_a_vip_wallet(client):
    wallet = client.get_vip_wallet(PAGING_CUSTOMER_ID)

    assert isinstance(wallet, models.VIPWallet)
    assert isinstance(wallet.balance, Decimal)


def test_it_pages_through_a_customer_with_many_orders(client):
    orders, pagination = all_pages(
        lambda offset: client.get_customer_orders(PAGING_CUSTOMER_ID, limit=7, offset=offset)
    )

    assert len(orders) == pagination.total >= 30
    assert len({order.order_id for order in orders}) == len(orders)
    assert all(order.customer_id == PAGING_CUSTOMER_ID for order in orders)


def test_it_pages_through_a_customer_with_many_invoices(client):
    invoices, pagination = all_pages(
        lambda offset: client.get_customer_invoices(PAGING_CUSTOMER_ID, offset=offset)
    )

    assert len(invoices) == pagination.total >= 30
    assert len({invoice.invoice_id for invoice in invoices}) == len(invoices)


def test_it_reads_an_empty_page_for_a_customer_without_orders(client):
    page = client.get_customer_orders(EMPTY_CUSTOMER_ID)

    assert page.items == []
    assert page.pagination.total == 0


def test_it_reads_an_order_and_finds_it_by_number(client):
    listed = first_order(client)

    order = client.get_order(listed.order_id)

    assert order == listed
    assert client.search_order_by_number(order.order_number) == order


def test_it_reads_production_and_artwork_of_an_order(client):
    order_id = first_order(client).order_id

    assert client.get_production_status(order_id).order_id == order_id
    assert client.get_artwork(order_id).order_id == order_id


def test_it_reads_an_invoice_and_finds_it_by_number(client):
    listed = first_invoice(client)

    invoice = client.get_invoice(listed.invoice_id)

    assert invoice == listed
    assert isinstance(invoice.amount_due, Decimal)
    assert client.search_invoice_by_number(invoice.invoice_number) == invoice


@pytest.mark.parametrize("customer_id", [SHOWCASE_CUSTOMER_ID, HOSTILE_CUSTOMER_ID])
def test_it_reads_everything_of_the_odd_customers(client, customer_id):
    orders, _ = all_pages(
        lambda offset: client.get_customer_orders(customer_id, limit=50, offset=offset)
    )
    invoices, _ = all_pages(
        lambda offset: client.get_customer_invoices(customer_id, limit=50, offset=offset)
    )

    assert client.get_customer(customer_id) is not None
    for order in orders:
        client.get_production_status(order.order_id)
        client.get_artwork(order.order_id)
    for invoice in invoices:
        assert client.get_invoice(invoice.invoice_id) == invoice


# --- Not found ---------------------------------------------------------------------


@pytest.mark.parametrize("method, argument", [
    ("search_customer_by_email", "nobody@nowhere.example"),
    ("get_customer", "CUST-0"),
    ("get_vip_wallet", "CUST-0"),
    ("get_vip_wallet", EMPTY_CUSTOMER_ID),
    ("get_customer_orders", "CUST-0"),
    ("get_customer_invoices", "CUST-0"),
    ("get_order", "ORD-0"),
    ("search_order_by_number", "PO-0"),
    ("get_production_status", "ORD-0"),
    ("get_artwork", "ORD-0"),
    ("get_invoice", "INV-0"),
    ("search_invoice_by_number", "0000-0000"),
])
def test_it_returns_none_when_perp_does_not_know_it(client, method, argument):
    assert getattr(client, method)(argument) is None


@pytest.mark.parametrize("hostile_id", [
    f"{PAGING_CUSTOMER_ID}/orders", f"x/../{PAGING_CUSTOMER_ID}", "x?y#z", "..", "",
])
def test_it_keeps_a_hostile_id_in_one_path_segment(client, hostile_id):
    assert client.get_customer(hostile_id) is None


# --- Failures ----------------------------------------------------------------------


def test_it_raises_auth_error_for_a_wrong_key(sandbox):
    client = PERPClient(base_url=sandbox.base_url, api_key="wrong-key", sleep=pytest.fail)

    with pytest.raises(PERPAuthError) as raised:
        client.get_customer(PAGING_CUSTOMER_ID)

    assert "wrong-key" not in str(raised.value)


def test_it_retries_then_reports_perp_unavailable(client, sandbox, sleeps):
    sandbox.set_faults(fail_endpoint="/api/customers/{customer_id}", fail_status=503)

    with pytest.raises(PERPUnavailable) as raised:
        client.get_customer(PAGING_CUSTOMER_ID)

    assert (raised.value.status, raised.value.attempts) == (503, 3)
    assert len(sleeps) == 2


def test_it_honours_retry_after_from_perp(client, sandbox, sleeps):
    sandbox.set_faults(fail_endpoint="/api/orders/{order_id}", fail_status=429, retry_after=30)

    with pytest.raises(PERPUnavailable) as raised:
        client.get_order("ORD-50001")

    assert raised.value.status == 429
    assert sleeps == [0.5, 0.5]


def test_it_raises_bad_response_for_an_html_maintenance_page(client, sandbox):
    sandbox.set_faults(non_json=True)

    with pytest.raises(PERPBadResponse) as raised:
        client.get_invoice("INV-70001")

    assert raised.value.endpoint == "/api/invoices/{invoice_id}"


def test_it_raises_bad_response_for_a_500(client, sandbox):
    sandbox.set_faults(fail_endpoint="/api/customers/{customer_id}/orders", fail_status=500)

    with pytest.raises(PERPBadResponse):
        client.get_customer_orders(PAGING_CUSTOMER_ID)


def test_it_gives_up_waiting_after_the_read_timeout(sandbox):
    sandbox.set_faults(latency_ms=500)
    client = PERPClient(base_url=sandbox.base_url, api_key=KEY, read_timeout=0.1, max_retries=1,
                        backoff_base=0, sleep=lambda seconds: None)
    try:
        with pytest.raises(PERPUnavailable) as raised:
            client.get_customer(PAGING_CUSTOMER_ID)
    finally:
        sandbox.reset_faults()

    assert (raised.value.reason, raised.value.timeout, raised.value.attempts) == ("timeout", 0.1, 2)


def test_it_reports_a_refused_connection_as_unavailable():
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]
    client = PERPClient(base_url=f"http://127.0.0.1:{port}/api", api_key=KEY, max_retries=1,
                        backoff_base=0, sleep=lambda seconds: None)

    with pytest.raises(PERPUnavailable) as raised:
        client.get_customer(PAGING_CUSTOMER_ID)

    assert (raised.value.reason, raised.value.attempts) == ("connection", 2)


def test_it_serves_many_threads_from_one_client(client):
    order_ids = [order.order_id for order in
                 client.get_customer_orders(PAGING_CUSTOMER_ID, limit=40).items]

    with ThreadPoolExecutor(max_workers=16) as pool:
        orders = list(pool.map(client.get_order, order_ids))

    assert [order.order_id for order in orders] == order_ids


# --- A PERP that spells things its own way ------------------------------------------------

# What the "erp" dialect writes that perpdesk keeps as text by design: sizes in words, Y/N.
KEPT_AS_TEXT = {
    "artwork_items[].files.original.file_size", "artwork_items[].files.preview.file_size",
    "artwork_items[].files.thumbnail.file_size", "artwork_items[].proof_sheet.file_size",
    "is_vip", "artwork_items[].proof_sheet.includes_mockup", "pagination.has_more",
}


@pytest.fixture
def erp_dialect(sandbox):
    sandbox.set_faults(dialect="erp")
    yield
    sandbox.reset_faults()


@pytest.fixture
def records(monkeypatch):
    seen = []
    monkeypatch.setattr(perp_client, "CALL_OBSERVERS", [seen.append])
    return seen


def test_it_reads_every_endpoint_of_a_perp_with_other_spellings(client, erp_dialect, records):
    customer_id = PAGING_CUSTOMER_ID.removeprefix("CUST-")  # the dialect's own id format

    customer = client.get_customer(customer_id)
    wallet = client.get_vip_wallet(customer_id)
    order = client.get_customer_orders(customer_id, limit=5).items[0]
    invoice = client.get_customer_invoices(customer_id, limit=5).items[0]
    production = client.get_production_status(order.order_id)
    client.get_artwork(order.order_id)
    client.get_order(order.order_id), client.get_invoice(invoice.invoice_id)

    assert isinstance(customer.lifetime_value, Decimal) and isinstance(wallet.balance, Decimal)
    assert isinstance(order.total_amount, Decimal) and isinstance(invoice.amount_due, Decimal)
    assert isinstance(production.completion_percentage, Decimal)
    assert isinstance(customer.total_orders, int) and customer.created_at.tzinfo is not None
    assert [record.outcome for record in records] == ["ok"] * 8
    for record in records:
        assert set(record.fields.unreadable) <= KEPT_AS_TEXT, record
        assert record.fields.extra, f"{record.endpoint}: the dialect adds fields of its own"
