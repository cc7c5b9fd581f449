"""The "Copy reply" / "Copy note" buttons on the customer, order and invoice pages: where
they are, that their texts come from what the page read (no other PERP call), and that
hostile PERP text stays inside their attributes as text."""

from tests.support import perp_payloads as p
from tests.support.perp_payloads import serve_customer
from tests.support.page_html import parse

SCRIPT = "<script>alert('perp')</script>"
CUSTOMER_READS = {
    "/customers/CUST-1001", "/customers/CUST-1001/vip-wallet", "/customers/CUST-1001/orders",
    "/customers/CUST-1001/invoices", "/orders/ORD-50002/production", "/orders/ORD-50002/artwork",
}


def reply_buttons_in(page):
    return parse(page).find_all("button", cls="pd-reply")


def note_buttons_in(page):
    return parse(page).find_all("button", cls="pd-copy-note")


def serve_order(fake, order_id="ORD-50002", **fields):
    fake.ok(f"/orders/{order_id}", p.order(order_id, **fields))
    fake.ok(f"/orders/{order_id}/production", p.production(order_id))
    fake.ok(f"/orders/{order_id}/artwork", p.artwork(order_id))
    fake.ok("/customers/CUST-1001/invoices", p.invoices_page([p.invoice(order_id=order_id)], limit=50))
    return fake


def test_the_customer_page_has_replies_for_its_expanded_orders_wallet_and_invoices(alice_client, fake):
    serve_customer(fake)

    page = alice_client.get("/customers/CUST-1001/").content.decode()

    document = parse(page)
    expansion = document.find("tr", cls="pd-expansion")
    assert expansion.find("button", cls="pd-reply").get("data-reply-order") == "ORD-50002"
    assert [button.get("data-reply-order") for button in reply_buttons_in(page) if "data-reply-order" in button.attrs] \
        == ["ORD-50002"]  # the delivered order is not expanded
    assert [b.get("data-copy") for b in reply_buttons_in(page) if "data-reply-wallet" in b.attrs] == [
        "Your store credit balance is USD 120.50."]
    invoice_reply = next(b for b in reply_buttons_in(page) if "data-reply-invoice" in b.attrs)
    assert invoice_reply.get("data-copy").startswith("Invoice 2026-0001 for USD 90.00 is due on 27 Nov 2026")
    assert len(note_buttons_in(page)) == 3
    assert set(fake.requested) <= CUSTOMER_READS and len(fake.requested) == len(set(fake.requested))


def test_the_invoice_table_has_a_column_for_the_replies(alice_client, fake):
    serve_customer(fake)

    page = alice_client.get("/customers/CUST-1001/").content.decode()

    section = next(s for s in parse(page).find_all("section") if s.get("aria-labelledby") == "pd-invoices")
    head, row = section.find("thead").find("tr"), section.find("tbody").find("tr")
    cells = [child for child in row.children if getattr(child, "tag", None) in ("th", "td")]
    assert len(head.find_all("th")) == len(cells)
    assert head.find_all("th")[-1].text == "Replies"
    assert cells[-1].find("button", cls="pd-reply").get("data-reply-invoice") == "INV-70001"


def test_the_order_page_has_its_replies(alice_client, fake):
    serve_order(fake)

    page = alice_client.get("/orders/ORD-50002/").content.decode()

    orders = [b for b in reply_buttons_in(page) if b.get("data-reply-order") == "ORD-50002"]
    assert len(orders) == 1
    assert orders[0].get("data-copy") == (
        "Your order PO-50002 is in Printing (40% complete) and is expected to ship on 7 Nov 2026. "
        "Your artwork for Vinyl Banner 3x6 ft was approved on 28 Oct 2026.")
    note = note_buttons_in(page)[0]
    assert note.get("data-copy").endswith("perpdesk: /orders/ORD-50002/")
    assert note.get("data-copy-relative") == "/orders/ORD-50002/"


def test_the_notes_link_is_absolute_with_perpdesk_public_url(alice_client, fake, settings):
    settings.PERPDESK_PUBLIC_URL = "https://perpdesk.example.com"
    serve_order(fake)

    page = alice_client.get("/orders/ORD-50002/").content.decode()

    note = note_buttons_in(page)[0]
    assert note.get("data-copy").endswith("perpdesk: https://perpdesk.example.com/orders/ORD-50002/")
    assert "data-copy-relative" not in note.attrs


def test_the_invoice_page_has_its_replies(alice_client, fake):
    fake.ok("/invoices/INV-70001", p.invoice(status="overdue"))
    fake.ok("/orders/ORD-50001", p.order())
    fake.ok("/customers/CUST-1001", p.customer())

    page = alice_client.get("/invoices/INV-70001/").content.decode()

    reply = [b for b in reply_buttons_in(page) if b.get("data-reply-invoice") == "INV-70001"]
    assert [b.get("data-copy") for b in reply] == [
        "Invoice 2026-0001 for USD 90.00 was due on 27 Nov 2026; USD 40.00 has been paid. USD 50.00 is now overdue."]


def test_hostile_text_stays_inert_in_the_replies(alice_client, fake):
    fake.ok("/customers/CUST-1666", p.customer("CUST-1666", name=SCRIPT))
    fake.ok("/customers/CUST-1666/vip-wallet", p.wallet("CUST-1666", currency=SCRIPT))
    fake.ok("/customers/CUST-1666/orders", p.orders_page([p.order(
        "ORD-50666", order_number=SCRIPT, status_display=SCRIPT, customer_id="CUST-1666", customer_name=SCRIPT)]))
    fake.ok("/customers/CUST-1666/invoices", p.invoices_page([p.invoice(
        "INV-70666", invoice_number=SCRIPT, customer_id="CUST-1666")]))
    fake.ok("/orders/ORD-50666/production", p.production("ORD-50666", notes=SCRIPT, stages=[
        {"stage_name": "printing", "stage_display": '"><img src=x onerror=alert(1)>', "status": "in_progress"}]))
    fake.ok("/orders/ORD-50666/artwork", p.artwork("ORD-50666", [p.artwork_item(product_name=SCRIPT)]))

    page = alice_client.get("/customers/CUST-1666/").content.decode()

    assert SCRIPT not in page and "<img src=x" not in page
    copied = [button.get("data-copy") for button in parse(page).find_all("button", cls="pd-copy")]
    assert f"Your order {SCRIPT} is in \"><img src=x onerror=alert(1)> (40% complete)" in " ".join(copied)
    assert f"Your store credit balance is {SCRIPT} 120.50." in copied
    assert not [e for e in parse(page).find_all() if e.tag == "img" and e.get("src") == "x"]
