"""What needs attention, at the top of the customer and order pages, and the customer
page's amounts due per order: built from what the page reads, with no PERP call of their own."""

import pytest

from tests.support import perp_payloads as p
from tests.support.page_html import parse
from tests.support.perp_payloads import serve_customer

CUSTOMER_URL = "/customers/CUST-1001/"
ORDER_URL = "/orders/ORD-50002/"
CUSTOMER_READS = {
    "/customers/CUST-1001", "/customers/CUST-1001/vip-wallet", "/customers/CUST-1001/orders",
    "/customers/CUST-1001/invoices", "/orders/ORD-50002/production", "/orders/ORD-50002/artwork",
}


@pytest.fixture(autouse=True)
def _today(frozen_clock):
    """24 Nov 2026: the sample order's estimated ship date (7 Nov) and its printing
    stage's expected completion (2 Nov) have passed; the sample invoice is due 27 Nov."""


def attention_of(document):
    return document.find("section", cls="pd-attention")


def ids_in(document):
    return {element.get("id") for element in document.find_all() if element.get("id")}


def test_the_customer_page_opens_with_what_needs_attention_each_linked_to_its_place(alice_client, fake):
    serve_customer(fake, invoices=[p.invoice(status="overdue")])

    document = parse(alice_client.get(CUSTOMER_URL).content.decode())

    sections = document.find_all("section", cls="pd-section")
    assert "pd-attention" in sections[0].classes
    items = attention_of(document).find(cls="pd-attention-list").find_all("li")
    assert [item.text for item in items] == [
        "Order PO-50002: not shipped by its estimated ship date (estimated 7 Nov 2026);"
        " Printing: stage past its expected completion (expected 2 Nov 2026)",
        "Invoice 2026-0001: overdue, USD 50.00 due (due 27 Nov 2026)",
    ]
    targets = [link.href for item in items for link in item.find_all("a")]
    assert len(targets) == 3
    assert all(target.startswith("#") and target[1:] in ids_in(document) for target in targets)
    assert set(fake.requested) == CUSTOMER_READS


def test_the_customer_page_says_nothing_needs_attention_and_what_it_could_not_judge(alice_client, fake, settings):
    settings.ACTIVE_ORDERS_EXPANDED = 0
    serve_customer(fake, orders=[p.order("ORD-50002", estimated_ship_date="2026-12-07")])

    shown = attention_of(parse(alice_client.get(CUSTOMER_URL).content.decode()))

    assert shown.find(cls="pd-attention-none").text == "Nothing needs attention in what could be judged."
    assert [li.text for li in shown.find(cls="pd-attention-unjudged").find_all("li")] == [
        "Production and artwork of order PO-50002: not expanded on this page: see the order's page"]


def test_the_orders_table_shows_each_orders_amount_due_or_that_it_is_not_known(alice_client, fake):
    serve_customer(fake)  # one invoice, of the delivered order ORD-50001

    document = parse(alice_client.get(CUSTOMER_URL).content.decode())

    orders = next(t for t in document.find_all("table") if t.find("thead").text.startswith("Order"))
    head = [th.text for th in orders.find("thead").find_all("th")]
    assert head == ["Order", "Ordered", "Status", "Ships", "Total", "Due", "Links"]
    rows = {row.get("data-order-id"): row for row in orders.find("tbody").find_all("tr") if row.get("data-order-id")}
    due = {order_id: row.find_all("td")[4].text for order_id, row in rows.items()}
    assert due == {"ORD-50002": "Not known no invoice of this order among those shown",
                   "ORD-50001": "USD 50.00 due USD 40.00 paid"}
    assert all(len(row.find_all("th")) + len(row.find_all("td")) == len(head) for row in rows.values())
    expansion = orders.find("tr", cls="pd-expansion")
    assert expansion.find("td").get("colspan") == str(len(head))


def test_the_orders_amounts_are_not_known_when_the_invoices_failed(alice_client, fake):
    serve_customer(fake)
    fake.fail("/customers/CUST-1001/invoices", "unavailable")

    document = parse(alice_client.get(CUSTOMER_URL).content.decode())

    cells = [row.find_all("td")[4].text for row in document.find_all("tr") if row.get("data-order-id")]
    assert cells == ["Not known the invoices could not be read"] * 2
    unjudged = attention_of(document).find(cls="pd-attention-unjudged")
    assert [li.text for li in unjudged.find_all("li")] == ["The invoices: could not be read"]


def serve_order(fake, **order_fields):
    fake.ok("/orders/ORD-50002", p.order("ORD-50002", **order_fields))
    fake.ok("/orders/ORD-50002/production", p.production("ORD-50002"))
    fake.ok("/orders/ORD-50002/artwork", p.artwork("ORD-50002", items=[p.artwork_item(
        status="revision_requested", approved_date=None, revision_requested_date="2026-11-20T10:00:00Z")]))
    fake.ok("/customers/CUST-1001/invoices", p.invoices_page(
        [p.invoice("INV-70002", invoice_number="2026-0002", order_id="ORD-50002", due_date="2026-11-20")], limit=50))


def test_the_order_page_lists_what_needs_attention_near_the_top(alice_client, fake):
    serve_order(fake)

    document = parse(alice_client.get(ORDER_URL).content.decode())

    shown = attention_of(document)
    assert "pd-attention" in document.find_all("section", cls="pd-section")[0].classes
    items = shown.find(cls="pd-attention-list").find_all("li")
    assert [item.text for item in items] == [
        "Order PO-50002: not shipped by its estimated ship date (estimated 7 Nov 2026);"
        " Printing: stage past its expected completion (expected 2 Nov 2026);"
        " Artwork for Vinyl Banner 3x6 ft: revision requested (since 20 Nov 2026)",
        "Invoice 2026-0002: overdue, USD 50.00 due (due 20 Nov 2026)",
    ]
    links = [link.href for item in items for link in item.find_all("a")]
    assert links[:3] == ["#pd-order", "#pd-production", "#pd-artwork"]
    assert len(links) == 4 and all(link[1:] in ids_in(document) for link in links)
    assert set(fake.requested) == {"/orders/ORD-50002", "/orders/ORD-50002/production",
                                   "/orders/ORD-50002/artwork", "/customers/CUST-1001/invoices"}


def test_the_order_page_says_which_sections_it_could_not_judge(alice_client, fake):
    serve_order(fake, estimated_ship_date="2026-12-07")
    fake.fail("/orders/ORD-50002/artwork", "timeout")

    shown = attention_of(parse(alice_client.get(ORDER_URL).content.decode()))

    assert [li.find("a").href for li in shown.find(cls="pd-attention-unjudged").find_all("li")] == ["#pd-artwork"]
