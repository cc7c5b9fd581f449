"""The order page: /orders/<order_id>/."""

import pytest

from tests.support import perp_payloads as p
from tests.support.page_html import as_sent_in, notices_in, parse

URL = "/orders/ORD-50002/"

SECTIONS = {
    # section name on the page: (PERP path, text only that section shows when it works)
    "Order": ("/orders/ORD-50002", "LI-900001"),
    "Production": ("/orders/ORD-50002/production", "Customer asked for matte finish"),
    "Artwork": ("/orders/ORD-50002/artwork", "Looks good"),
}


def serve_order(fake, *, invoices=None, total=None):
    fake.ok("/orders/ORD-50002", p.order("ORD-50002"))
    fake.ok("/orders/ORD-50002/production", p.production("ORD-50002"))
    fake.ok("/orders/ORD-50002/artwork", p.artwork("ORD-50002"))
    if invoices is None:
        invoices = [
            p.invoice("INV-70002", invoice_number="2026-0002", order_id="ORD-50002"),
            p.invoice("INV-70001", invoice_number="2026-0001", order_id="ORD-50001"),
        ]
    fake.ok("/customers/CUST-1001/invoices", p.invoices_page(invoices, total=total, limit=50))
    return fake


def test_it_shows_the_order(alice_client, fake):
    serve_order(fake)

    response = alice_client.get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "Order PO-50002", "In Production", "Vinyl Banner 3x6 ft", "USD 45.00", "USD 90.00",
        "LI-900001", "Ada Lovelace",
    ):
        assert text in page, text
    assert 'href="/customers/CUST-1001/"' in page  # breadcrumbs and header


def test_it_shows_the_production_timeline_with_dates_and_notes(alice_client, fake):
    serve_order(fake)

    page = alice_client.get(URL).content.decode()

    assert "40% complete" in page
    assert "Started 28 Oct 2026, 10:00" in page
    assert "Completed 29 Oct 2026, 10:00" in page
    assert "Expected 2 Nov 2026, 10:00" in page
    assert "Customer asked for matte finish" in page


def test_it_shows_every_artwork_item_with_its_files(alice_client, fake):
    serve_order(fake)

    page = alice_client.get(URL).content.decode()

    assert "Approved" in page and "Submitted" in page
    assert 'src="https://files.perp.test/art/thumb.png"' in page
    assert 'href="https://files.perp.test/art/preview.png"' in page
    assert 'href="https://files.perp.test/art/banner.pdf"' in page
    assert 'href="https://files.perp.test/art/proof.pdf"' in page
    assert "with mockup" in page
    assert "2.0\xa0MB" in page


def test_it_finds_the_orders_invoices_among_the_customers(alice_client, fake):
    serve_order(fake)

    page = alice_client.get(URL).content.decode()

    assert 'href="/invoices/INV-70002/"' in page
    assert 'href="/invoices/INV-70001/"' not in page  # another order's
    assert "most recent invoices were searched" not in page


def test_it_says_when_only_the_first_invoices_were_searched(alice_client, fake, settings):
    settings.ORDER_INVOICES_SEARCHED = 2
    serve_order(fake, total=75)

    page = alice_client.get(URL).content.decode()

    assert "Only the customer's 2 most recent invoices were searched" in page


def test_it_says_when_the_order_has_no_invoices(alice_client, fake):
    serve_order(fake, invoices=[])

    assert "No invoices for this order." in alice_client.get(URL).content.decode()


@pytest.mark.parametrize("section", SECTIONS)
@pytest.mark.parametrize("failure", p.FAILURES)
def test_it_shows_a_failed_section_and_the_rest_of_the_page(alice_client, fake, section, failure):
    serve_order(fake)
    path, _ = SECTIONS[section]
    fake.fail(path, failure)

    response = alice_client.get(URL)

    assert response.status_code == 200
    p.assert_only_this_section_failed(response.content.decode(), section, failure, SECTIONS)


@pytest.mark.parametrize("failure", p.FAILURES)
def test_it_shows_invoices_error_and_the_rest(alice_client, fake, failure):
    serve_order(fake)
    fake.fail("/customers/CUST-1001/invoices", failure)

    page = alice_client.get(URL).content.decode()

    assert notices_in(page)["Invoices"].startswith(p.FAILURES[failure])
    assert "No invoices for this order" not in page
    assert "Looks good" in page


def test_it_says_why_invoices_are_missing_when_the_order_failed(alice_client, fake):
    serve_order(fake)
    fake.fail("/orders/ORD-50002", "timeout")

    page = alice_client.get(URL).content.decode()

    assert notices_in(page)["Invoices"].startswith("not loaded, because the order could not be read")


def test_it_answers_404_for_an_unknown_order(alice_client, fake):
    fake.nothing_under("/orders/ORD-404")
    response = alice_client.get("/orders/ORD-404/")

    assert response.status_code == 404
    assert "PERP has no order with the id" in response.content.decode()


@pytest.mark.parametrize("part", ["production", "artwork"])
def test_it_says_so_when_perp_has_no_production_or_artwork(alice_client, fake, part):
    serve_order(fake)
    fake.fail(f"/orders/ORD-50002/{part}", "not_found")

    page = alice_client.get(URL).content.decode()

    assert "No production status for this order yet." in page or "No artwork submitted yet." in page
    assert 'class="pd-error"' not in page


def test_it_links_to_perp_when_configured(alice_client, fake, settings):
    settings.PERP_WEB_URL = "https://perp.example.com/{kind}/{id}"
    serve_order(fake)

    page = alice_client.get(URL).content.decode()

    assert 'href="https://perp.example.com/orders/ORD-50002"' in page


def test_it_has_copy_buttons_revealed_by_script(alice_client, fake):
    serve_order(fake)

    page = alice_client.get(URL).content.decode()

    copyables = [c for c in parse(page).find_all(cls="pd-copyable") if c.find("code").text == "ORD-50002"]
    assert copyables
    button = copyables[0].find("button")
    assert (button.get("data-copy"), button.text, "hidden" in button.attrs) == ("ORD-50002", "Copy", True)


def test_it_shows_an_order_whose_fields_perp_sent_in_other_forms(alice_client, fake):
    serve_order(fake)
    fake.ok("/orders/ORD-50002", p.order("ORD-50002", total_amount="1.090,00", line_items=[
        p.line_item(quantity="2.5", unit_price="45,00"), "LI-2"]))
    fake.ok("/orders/ORD-50002/production", p.production("ORD-50002", completion_percentage=40.0, stages=[
        {"stage_name": "printing", "status": "in_progress", "started_at": "2026-10-29 11:00:00.5"}]))
    fake.ok("/orders/ORD-50002/artwork", p.artwork("ORD-50002", items=[p.artwork_item(
        files={"original": p.artwork_file(file_size="2 MB", dpi="300 dpi"), "preview": "n/a"},
        proof_sheet={"url": "https://files.perp.test/p.pdf", "includes_mockup": "sometimes"})]))

    page = alice_client.get(URL).content.decode()

    assert 'class="pd-error"' not in page
    shown = [text for text, _ in as_sent_in(page)]
    for as_sent in ("1.090,00", "2.5", "45,00", "2 MB", "300 dpi", "n/a", "sometimes"):
        assert as_sent in shown, as_sent
    assert "Some line items PERP sent could not be read and are not shown." in page
    assert "40% complete" in page and "Started 29 Oct 2026, 11:00" in page
    assert "with mockup" not in page
