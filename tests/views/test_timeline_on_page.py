"""The timeline on the customer 360 page: /customers/<customer_id>/, PERP mocked over HTTP."""

import pytest

from tests.support import perp_payloads as p
from tests.support.page_html import parse
from tests.support.perp_payloads import serve_customer

URL = "/customers/CUST-1001/"
PAGE_READS = [  # what the page reads without a timeline: serve_customer's customer, one active order
    "/customers/CUST-1001", "/customers/CUST-1001/vip-wallet", "/customers/CUST-1001/orders",
    "/customers/CUST-1001/invoices", "/orders/ORD-50002/production", "/orders/ORD-50002/artwork",
]


def timeline_of(page):
    sections = [section for section in parse(page).find_all("section")
                if section.get("aria-labelledby") == "pd-timeline"]
    assert len(sections) == 1, "no timeline section, or more than one"
    return sections[0]


def rows_of(timeline):
    return [[cell.text for cell in row.find_all("td")] for row in timeline.find("tbody").find_all("tr")]


def test_it_shows_what_the_page_read_as_one_timeline_newest_first(alice_client, fake):
    serve_customer(fake)

    timeline = timeline_of(alice_client.get(URL).content.decode())

    assert timeline.find("h2").text.startswith("Timeline fetched ")
    assert timeline.find("p", cls="pd-timeline-covers").text == (
        "Built from what this page read: both orders, the only invoice, "
        "production and artwork of 1 active order and the wallet's 3 transactions."
    )
    rows = rows_of(timeline)
    assert len(rows) == 13
    assert rows[:3] == [
        ["27 Nov 2026", "Invoice 2026-0001", "Due · USD 50.00 outstanding"],
        ["30 Oct 2026, 09:00", "Order PO-50002", "Placed · USD 90.00"],
        ["29 Oct 2026, 11:00", "Order PO-50002", "Printing started"],
    ]
    assert rows[-2:] == [
        ["1 Aug 2026, 10:00", "VIP wallet", "Debit -USD 30.00 · Applied to PO-10002"],
        ["1 Jun 2026, 10:00", "VIP wallet", "Credit +USD 100.00 · Cash back on PO-10001"],
    ]
    assert {link.href for link in timeline.find_all("a")} == {
        "/orders/ORD-50002/", "/orders/ORD-50001/", "/invoices/INV-70001/", "#pd-wallet",
    }


def test_it_makes_no_perp_call_of_its_own(alice_client, fake):
    serve_customer(fake)

    alice_client.get(URL)

    assert sorted(fake.requested) == sorted(PAGE_READS)


def test_its_wallet_links_lead_to_the_wallet_section_of_the_same_page(alice_client, fake):
    serve_customer(fake)

    page = parse(alice_client.get(URL).content.decode())

    assert [heading for heading in page.find_all("h2") if heading.get("id") == "pd-wallet"]


def test_a_failed_section_is_named_and_the_others_still_shown(alice_client, fake):
    serve_customer(fake)
    fake.fail("/customers/CUST-1001/invoices", "unavailable")
    fake.fail("/orders/ORD-50002/artwork", "timeout")

    timeline = timeline_of(alice_client.get(URL).content.decode())

    assert timeline.find("p", cls="pd-timeline-failed").text == (
        "Not in the timeline, as these sections failed (see their notices above): "
        "Invoices, Artwork of order PO-50002."
    )
    shown = timeline.text
    assert "Invoice 2026-0001" not in shown and "Artwork approved" not in shown
    assert "Printing started" in shown and "Cash back on PO-10003" in shown
    assert "invoice" not in timeline.find("p", cls="pd-timeline-covers").text


def test_it_shows_timeline_entries_at_most_and_says_how_many_more(alice_client, fake, settings):
    settings.TIMELINE_ENTRIES = 5
    serve_customer(fake)

    timeline = timeline_of(alice_client.get(URL).content.decode())

    assert len(rows_of(timeline)) == 5
    assert "8 older entries are not shown: see the sections above." in timeline.text


def test_hostile_strings_and_odd_ids_from_perp_are_shown_as_text(alice_client, fake):
    hostile = '<img src=x onerror="alert(1)">'
    orders = [p.order("..", order_number=hostile, status="delivered", order_date="2026-10-01T09:00:00Z")]
    serve_customer(fake, orders=orders, invoices=[p.invoice(invoice_number=hostile, due_date="soon")])

    page = alice_client.get(URL).content.decode()
    timeline = timeline_of(page)

    assert timeline.find_all("img") == []
    assert f"Order {hostile}" in timeline.text and f"Invoice {hostile}" in timeline.text
    assert {link.href for link in timeline.find_all("a")} == {"/invoices/INV-70001/", "#pd-wallet"}
    assert "1 event is not shown: PERP sent no date for it that perpdesk could read." in timeline.text
    assert "None" not in timeline.text


def test_a_customer_with_nothing_yet_gets_an_empty_timeline_that_says_so(alice_client, fake):
    fake.ok("/customers/CUST-1001", p.customer())
    fake.not_found("/customers/CUST-1001/vip-wallet")
    fake.ok("/customers/CUST-1001/orders", p.orders_page([]))
    fake.ok("/customers/CUST-1001/invoices", p.invoices_page([]))

    timeline = timeline_of(alice_client.get(URL).content.decode())

    assert timeline.find("p", cls="pd-timeline-covers").text == (
        "Built from what this page read: no orders, no invoices and no VIP wallet."
    )
    assert timeline.find("p", cls="pd-empty").text == "Nothing dated in what this page read."


@pytest.mark.usefixtures("cache_backend")
def test_a_kept_page_shows_the_same_timeline(alice_client, fake):
    serve_customer(fake)
    first = rows_of(timeline_of(alice_client.get(URL).content.decode()))

    kept = rows_of(timeline_of(alice_client.get(URL).content.decode()))

    assert kept == first
    assert sorted(fake.requested) == sorted(PAGE_READS)  # the second view read nothing from PERP
