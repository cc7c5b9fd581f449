"""perpdesk's pages against a PERP that speaks an unfamiliar dialect (the sandbox's "erp":
thousands separators, "40%", space-separated datetimes, sizes as text, "Y"/"N", extra
fields, ids of its own), over real HTTP, with perpdesk's DEFAULT search settings: every
section shows, and what cannot be read is shown as PERP's text, marked."""

import re

import pytest

from lookup.perp.client import client_from_settings
from sandbox_perp import BENCH_CUSTOMER_ID, PAGING_CUSTOMER_ID, SHOWCASE_CUSTOMER_ID, SandboxServer, get_dataset

pytestmark = pytest.mark.integration

KEY = "dialect-test-key"
COULD_NOT_READ = "PERP sent an answer perpdesk could not read"
SECTION_FAILED = 'class="pd-error"'
AS_SENT = re.compile(r'<span class="pd-as-sent" title="As sent by PERP[^"]*">([^<]*)</span>')


@pytest.fixture(scope="module")
def erp():
    with SandboxServer(port=0, key=KEY, dialect="erp") as server:
        yield server


@pytest.fixture
def against_erp(settings, erp):
    settings.PERP_API_URL, settings.PERP_API_KEY = erp.base_url, KEY
    client_from_settings.cache_clear()
    return erp


def erp_customer_id(customer_id):
    return customer_id.removeprefix("CUST-")


def erp_invoice_number(number):
    year, sequence = number.split("-")
    return f"INV-{int(sequence):03d}-{int(year) - 2025:03d}"


def page_of(client, path):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def assert_every_section_shows(page):
    assert COULD_NOT_READ not in page
    assert SECTION_FAILED not in page


@pytest.mark.parametrize("customer_id", [SHOWCASE_CUSTOMER_ID, BENCH_CUSTOMER_ID, PAGING_CUSTOMER_ID])
def test_every_section_of_a_customer_page_shows(alice_client, against_erp, customer_id):
    page = page_of(alice_client, f"/customers/{erp_customer_id(customer_id)}/")

    assert_every_section_shows(page)
    assert "VIP wallet" in page and "Orders" in page and "Invoices" in page


def test_it_reads_thousands_separators_as_amounts(alice_client, against_erp):
    lifetime_value = get_dataset().customers[PAGING_CUSTOMER_ID]["lifetime_value"]  # e.g. "21346.75"
    whole, cents = lifetime_value.split(".")

    page = page_of(alice_client, f"/customers/{erp_customer_id(PAGING_CUSTOMER_ID)}/")

    assert f"{int(whole):,}.{cents}" in page
    assert AS_SENT.search(page)  # is_vip came as "Y": shown as PERP's text, marked
    assert "Y" in AS_SENT.findall(page)


def test_it_shows_file_sizes_sent_as_text_as_that_text_marked(alice_client, against_erp):
    order = get_dataset().orders_by_customer[SHOWCASE_CUSTOMER_ID][0]

    page = page_of(alice_client, f"/orders/{order['order_id']}/")

    assert_every_section_shows(page)
    assert any(re.fullmatch(r"\d+ bytes", text) for text in AS_SENT.findall(page))


def test_every_section_of_an_order_in_production_shows(alice_client, against_erp):
    data = get_dataset()
    order = next(o for o in data.orders.values() if data.production[o["order_id"]]["completion_percentage"] not in (0, 100))

    page = page_of(alice_client, f"/orders/{order['order_id']}/")

    assert_every_section_shows(page)
    assert f"{data.production[order['order_id']]['completion_percentage']}%" in page


def test_every_section_of_an_invoice_page_shows(alice_client, against_erp):
    invoice = get_dataset().invoices_by_customer[PAGING_CUSTOMER_ID][0]

    page = page_of(alice_client, f"/invoices/{invoice['invoice_id']}/")

    assert_every_section_shows(page)
    assert erp_invoice_number(invoice["invoice_number"]) in page


@pytest.mark.parametrize(
    "query, lands_on",
    [
        (erp_invoice_number(get_dataset().invoices_by_customer[PAGING_CUSTOMER_ID][0]["invoice_number"]),
         f"/invoices/{get_dataset().invoices_by_customer[PAGING_CUSTOMER_ID][0]['invoice_id']}/"),
        ("SO10001", "/orders/ORD-50001/"),
        ("1001", "/customers/1001/"),
        ("Order #SO10001", "/orders/ORD-50001/"),
        (get_dataset().customers[PAGING_CUSTOMER_ID]["email"], "/customers/1001/"),
    ],
    ids=["invoice-number", "order-number", "customer-id", "pasted-order", "email"],
)
def test_the_default_search_finds_the_dialects_own_identifiers(alice_client, against_erp, query, lands_on):
    response = alice_client.get("/", {"q": query})

    assert response.status_code == 302, response.content.decode()[:500]
    assert response["Location"] == lands_on
