"""perpdesk's pages in headless Chromium against a PERP speaking an unfamiliar dialect (the
sandbox's "erp": thousands separators, "40%", space-separated datetimes, sizes as text,
"Y"/"N", extra fields, ids of its own), with perpdesk's default search settings: every
section shows, and what PERP sent in a form perpdesk cannot read is shown as PERP's text,
marked, with a title saying so."""

import re

import pytest
from playwright.sync_api import expect

from sandbox_perp import BENCH_CUSTOMER_ID, PAGING_CUSTOMER_ID, SandboxServer, get_dataset
from tests.support.browser import SANDBOX_KEY, screenshot, search_for

pytestmark = [pytest.mark.browser, pytest.mark.integration]

COULD_NOT_READ = "PERP sent an answer perpdesk could not read"
SECTIONS = ("Profile", "VIP wallet", "Orders", "Invoices")


@pytest.fixture(scope="module")
def sandbox():
    """This module's PERP: the sandbox in its erp dialect (browser_support's perpdesk reads it)."""
    with SandboxServer(port=0, key=SANDBOX_KEY, dialect="erp") as server:
        yield server


def erp_id(customer_id):
    return customer_id.removeprefix("CUST-")


def test_every_section_of_the_360_shows_against_the_erp_dialect(signed_in_page, perpdesk):
    page = signed_in_page
    page.goto(perpdesk.at(f"/customers/{erp_id(BENCH_CUSTOMER_ID)}/"))

    assert page.get_by_role("heading", level=1).inner_text().startswith("Connor Smith")
    for name in SECTIONS:
        expect(page.get_by_role("region", name=name)).to_be_visible()
    expect(page.get_by_text(COULD_NOT_READ)).to_have_count(0)
    expect(page.locator(".pd-error")).to_have_count(0)
    stepper = page.locator("tr.pd-expansion .pd-production").first
    assert re.fullmatch(r"\d{1,3}% complete", stepper.locator(".pd-percent").inner_text())
    screenshot(page, "dialect-erp-customer-360")


def test_a_value_perp_sent_in_a_form_perpdesk_cannot_read_is_shown_as_its_text_marked(signed_in_page, perpdesk):
    page = signed_in_page
    page.goto(perpdesk.at(f"/customers/{erp_id(PAGING_CUSTOMER_ID)}/"))

    vip = page.get_by_role("region", name="Profile").locator(".pd-as-sent", has_text="Y")
    expect(vip).to_be_visible()
    assert vip.get_attribute("title").startswith("As sent by PERP")
    lifetime_value = get_dataset().customers[PAGING_CUSTOMER_ID]["lifetime_value"]
    whole, cents = lifetime_value.split(".")
    assert f"{int(whole):,}.{cents}" in page.get_by_role("region", name="Profile").inner_text()


def test_the_order_page_shows_file_sizes_sent_as_text(signed_in_page, perpdesk):
    page = signed_in_page
    order = get_dataset().orders_by_customer[BENCH_CUSTOMER_ID][0]
    page.goto(perpdesk.at(f"/orders/{order['order_id']}/"))

    artwork = page.get_by_role("region", name="Artwork")
    expect(artwork).to_be_visible()
    sizes = artwork.locator(".pd-as-sent", has_text=re.compile(r"^\d+ bytes$"))
    expect(sizes.first).to_be_visible()
    expect(page.get_by_text(COULD_NOT_READ)).to_have_count(0)
    screenshot(page, "dialect-erp-order")


def test_the_search_box_finds_an_invoice_number_of_the_dialects_own_shape(signed_in_page, perpdesk):
    page = signed_in_page
    invoice = get_dataset().invoices_by_customer[PAGING_CUSTOMER_ID][0]
    year, sequence = invoice["invoice_number"].split("-")
    erp_number = f"INV-{int(sequence):03d}-{int(year) - 2025:03d}"

    search_for(page, erp_number)

    assert page.url == perpdesk.at(f"/invoices/{invoice['invoice_id']}/")
    assert page.get_by_role("heading", level=1).inner_text().startswith(f"Invoice {erp_number}")
