"""PERP's data is untrusted: its text is escaped, only its http(s) URLs become links or images."""

import pytest

from tests.support import perp_payloads as p
from tests.support.page_html import parse

SCRIPT = "<script>alert('perp')</script>"
BAD_URLS = [
    "javascript:alert(1)",
    " javascript:alert(2)",
    "JaVaScRiPt:alert(3)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCg0KTwvc2NyaXB0Pg==",
    "//evil.example/x.png",
    "vbscript:msgbox(5)",
    "http:\\\\evil.example\\x",
    "https://files.perp.test/a\nb.png",
]


def hostile_artwork(order_id, url):
    item = p.artwork_item(
        product_name=SCRIPT,
        notes='<img src=x onerror="alert(6)">',
        files={name: p.artwork_file(SCRIPT, url) for name in ("original", "preview", "thumbnail")},
        proof_sheet={"url": url, "filename": SCRIPT, "includes_mockup": False},
    )
    return p.artwork(order_id, [item])


def serve_hostile_customer(fake, url):
    fake.ok("/customers/CUST-1666", p.customer(
        "CUST-1666", name=SCRIPT, company_name='"><svg onload=alert(7)>', phone=SCRIPT,
        vip_tier=SCRIPT, billing_address={"address1": SCRIPT, "city": "</address><b>x"}))
    fake.ok("/customers/CUST-1666/vip-wallet", p.wallet("CUST-1666", currency=SCRIPT, transactions=[
        {"transaction_id": "TX", "type": SCRIPT, "amount": "1.00", "description": SCRIPT,
         "date": "2026-10-01T10:00:00Z"}]))
    fake.ok("/customers/CUST-1666/orders", p.orders_page([p.order(
        "ORD-50666", order_number=SCRIPT, status=SCRIPT, status_display=SCRIPT, currency=SCRIPT,
        customer_id="CUST-1666", customer_name=SCRIPT)]))
    fake.ok("/customers/CUST-1666/invoices", p.invoices_page([p.invoice(
        "INV-70666", invoice_number=SCRIPT, status=SCRIPT, pdf_url=url, customer_id="CUST-1666")]))
    fake.ok("/orders/ORD-50666/production", p.production("ORD-50666", notes=SCRIPT, stages=[
        {"stage_name": SCRIPT, "stage_display": SCRIPT, "status": SCRIPT}]))
    fake.ok("/orders/ORD-50666/artwork", hostile_artwork("ORD-50666", url))
    fake.ok("/orders/ORD-50666", p.order("ORD-50666", order_number=SCRIPT, customer_name=SCRIPT,
                                         customer_id="CUST-1666",
                                         line_items=[p.line_item(product_name=SCRIPT)]))
    fake.ok("/invoices/INV-70666", p.invoice("INV-70666", invoice_number=SCRIPT, pdf_url=url,
                                             order_id="ORD-50666", customer_id="CUST-1666",
                                             line_items=[{"description": SCRIPT}]))
    return fake


def _urls(elements):
    return [(e.tag, e.get("href") or e.get("src")) for e in elements if e.get("href") or e.get("src")]


def assert_safe(page):
    assert SCRIPT not in page
    document = parse(page)
    assert SCRIPT in document.text  # shown as text
    elements = document.find_all()
    assert not [e for e in elements if e.tag == "b"]
    assert [e.get("src") for e in elements if e.tag == "script"] == [
        "/static/admin/js/theme.js", "/static/lookup/perpdesk.js", "/static/lookup/keyboard.js"]
    for tag, url in _urls(elements):
        assert url.startswith(("/", "#", "https://files.perp.test/")), (tag, url)
        assert not url.startswith("//"), (tag, url)


def assert_no_inline_code(page):
    for element in parse(page).find_all():
        assert not [name for name in element.attrs if name.startswith("on")], (element.tag, element.attrs)
        assert "style" not in element.attrs, (element.tag, element.attrs)
        if element.tag == "script":
            assert element.get("src"), "an inline <script>"


@pytest.mark.parametrize("url", BAD_URLS)
@pytest.mark.parametrize("page_url", ["/customers/CUST-1666/", "/orders/ORD-50666/", "/invoices/INV-70666/"])
def test_it_escapes_perp_text_and_drops_unsafe_urls(alice_client, fake, url, page_url):
    serve_hostile_customer(fake, url)

    response = alice_client.get(page_url)

    assert response.status_code == 200
    assert_safe(response.content.decode())


def test_it_shows_safe_urls_as_links_and_images(alice_client, fake):
    serve_hostile_customer(fake, "https://files.perp.test/art/ok.png")

    page = alice_client.get("/orders/ORD-50666/").content.decode()

    document = parse(page)
    assert "https://files.perp.test/art/ok.png" in [image.get("src") for image in document.find_all("img")]
    links = [link for link in document.find_all("a") if link.href == "https://files.perp.test/art/ok.png"]
    assert links and all(link.get("target") == "_blank" and link.get("rel") == "noopener noreferrer" for link in links)


def test_every_image_has_alt_text_and_no_referrer(alice_client, fake):
    serve_hostile_customer(fake, "https://files.perp.test/art/ok.png")

    for url in ("/customers/CUST-1666/", "/orders/ORD-50666/"):
        page = alice_client.get(url).content.decode()
        images = parse(page).find_all("img")
        assert images
        for image in images:
            assert image.get("referrerpolicy") == "no-referrer"
            assert image.get("alt")


def test_it_has_no_inline_scripts_handlers_or_styles(alice_client, fake):
    serve_hostile_customer(fake, "https://files.perp.test/art/ok.png")

    for url in ("/", "/customers/CUST-1666/", "/orders/ORD-50666/", "/invoices/INV-70666/"):
        assert_no_inline_code(alice_client.get(url).content.decode())


@pytest.mark.parametrize("order_id", ["ORD/1", "", "a b", ".."])
def test_it_shows_an_id_that_cannot_be_a_url_without_a_link(alice_client, fake, order_id):
    fake.ok("/customers/CUST-1001", p.customer())
    fake.ok("/customers/CUST-1001/orders", p.orders_page([p.order(order_id or "x", order_number="PO-ODD")]))
    fake.ok("/customers/CUST-1001/invoices", p.invoices_page([p.invoice(order_id=order_id)]))
    fake.nothing_under("/customers/CUST-1001/vip-wallet", f"/orders/{order_id or 'x'}")

    response = alice_client.get("/customers/CUST-1001/")

    assert response.status_code == 200
    assert "PO-ODD" in response.content.decode()
