"""The customer 360 page: /customers/<customer_id>/."""

import threading
import time
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from tests.support import perp_payloads as p
from tests.support.perp_payloads import serve_customer
from tests.support.page_html import as_sent_in, notices_in, parse

URL = "/customers/CUST-1001/"

SECTIONS = {
    # section name on the page: (PERP path, text only that section shows when it works)
    "Profile": ("/customers/CUST-1001", "Analytical Engines Ltd"),
    "Wallet": ("/customers/CUST-1001/vip-wallet", "Cash back on PO-10003"),
    "Orders": ("/customers/CUST-1001/orders", "PO-50002"),
    "Invoices": ("/customers/CUST-1001/invoices", "2026-0001"),
}


def test_it_shows_the_customer_360(alice_client, fake):
    serve_customer(fake)

    response = alice_client.get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "Ada Lovelace", "ada@example.com", "+1 555 0100", "Analytical Engines Ltd", "1 Engine Way",
        "Portland", "USD 12,345.50", "VIP · Gold", "USD 120.50", "Cash back on PO-10003",
        "PO-50002", "PO-50001", "In Production", "Delivered", "USD 90.00",
        "2026-0001", "Partial", "USD 50.00",
    ):
        assert text in page, text
    assert 'href="/orders/ORD-50002/"' in page
    assert 'href="/invoices/INV-70001/"' in page
    assert 'href="https://files.perp.test/invoices/INV-70001.pdf"' in page


def test_it_expands_active_orders_with_production_and_artwork(alice_client, fake):
    serve_customer(fake)

    page = alice_client.get(URL).content.decode()

    assert "40% complete" in page
    assert "Printing" in page and "Prepress" in page
    assert 'aria-current="step"' in page
    assert 'src="https://files.perp.test/art/thumb.png"' in page
    assert 'referrerpolicy="no-referrer"' in page
    assert fake.calls_to("/orders/ORD-50002/production") == 1
    assert fake.calls_to("/orders/ORD-50001/production") == 0  # delivered: not expanded


def test_it_expands_at_most_the_configured_number_of_active_orders(alice_client, fake, settings):
    settings.ACTIVE_ORDERS_EXPANDED = 2
    orders = [p.order(f"ORD-5000{n}", order_date=f"2026-10-2{n}T09:00:00Z") for n in range(1, 6)]
    serve_customer(fake, orders=orders)

    page = alice_client.get(URL).content.decode()

    expanded = [o["order_id"] for o in orders if fake.calls_to(f"/orders/{o['order_id']}/production")]
    assert sorted(expanded) == ["ORD-50004", "ORD-50005"]  # the most recent
    assert "More active orders on this page" in page


def test_it_shows_the_wallet_balance_chart_with_a_text_alternative(alice_client, fake):
    serve_customer(fake)

    page = alice_client.get(URL).content.decode()

    assert "<svg" in page and "<title" in page and "VIP wallet balance over time" in page
    assert "<polyline" in page
    assert "Balance USD 0.00 on 1 Jun 2026" in page
    assert "USD 120.50 now, over 3 transactions" in page


@pytest.mark.parametrize("section", SECTIONS)
@pytest.mark.parametrize("failure", p.FAILURES)
def test_it_shows_a_failed_section_and_the_rest_of_the_page(alice_client, fake, section, failure):
    serve_customer(fake)
    path, _ = SECTIONS[section]
    fake.fail(path, failure)

    response = alice_client.get(URL)

    assert response.status_code == 200
    p.assert_only_this_section_failed(response.content.decode(), section, failure, SECTIONS)


def test_it_shows_invoices_error_when_perp_times_out(alice_client, fake):
    serve_customer(fake)
    fake.fail("/customers/CUST-1001/invoices", "timeout")

    page = alice_client.get(URL).content.decode()

    assert notices_in(page)["Invoices"].startswith("PERP did not answer within 10 s")
    assert "No invoices yet" not in page


def test_it_never_shows_a_failed_orders_list_as_no_orders(alice_client, fake):
    serve_customer(fake)
    fake.fail("/customers/CUST-1001/orders", "unavailable")

    page = alice_client.get(URL).content.decode()

    assert notices_in(page)["Orders"].startswith("PERP is unavailable (HTTP 503)")
    assert "No orders yet" not in page


def test_it_says_no_orders_yet_for_an_empty_list(alice_client, fake):
    serve_customer(fake, orders=[], invoices=[])

    page = alice_client.get(URL).content.decode()

    assert "No orders yet" in page
    assert "No invoices yet" in page
    assert 'class="pd-error"' not in page


@pytest.mark.parametrize("path", ["/customers/CUST-1001/orders", "/customers/CUST-1001/invoices"])
def test_it_treats_a_list_not_found_as_empty(alice_client, fake, path):
    serve_customer(fake)
    fake.fail(path, "not_found")

    page = alice_client.get(URL).content.decode()

    assert "No orders yet" in page or "No invoices yet" in page
    assert 'class="pd-error"' not in page


def test_it_says_no_vip_wallet_when_perp_has_none(alice_client, fake):
    serve_customer(fake)
    fake.fail("/customers/CUST-1001/vip-wallet", "not_found")

    page = alice_client.get(URL).content.decode()

    assert "No VIP wallet" in page
    assert 'class="pd-error"' not in page


def test_it_answers_404_with_the_search_box_for_an_unknown_customer(alice_client, fake):
    serve_customer(fake)
    fake.fail("/customers/CUST-1001", "not_found")

    response = alice_client.get(URL)

    assert response.status_code == 404
    page = response.content.decode()
    assert "PERP has no customer with the id" in page
    assert 'name="q"' in page


def test_it_shows_the_sign_in_banner_when_perp_refuses_the_key(alice_client, fake):
    for path, _ in SECTIONS.values():
        fake.fail(path, "unauthorized")

    response = alice_client.get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert "perpdesk cannot sign in to PERP." in page
    assert "Please tell an administrator." in page


@pytest.mark.parametrize("section", ["Production", "Artwork"])
@pytest.mark.parametrize("failure", ["api_error", "timeout"])
def test_it_shows_an_expanded_order_error_and_the_rest(alice_client, fake, section, failure):
    serve_customer(fake)
    fake.fail(f"/orders/ORD-50002/{section.lower()}", failure)

    page = alice_client.get(URL).content.decode()

    assert notices_in(page)[section].startswith(p.FAILURES[failure])
    other = "40% complete" if section == "Artwork" else "files.perp.test/art/thumb.png"
    assert other in page
    assert "Cash back on PO-10003" in page


def test_it_pages_orders_and_invoices_independently(alice_client, fake):
    serve_customer(fake)
    offsets = {}

    def page_of(kind, items):
        def handler(request):
            query = parse_qs(urlsplit(request.url).query)
            offsets[kind] = (int(query["limit"][0]), int(query["offset"][0]))
            return 200, p.envelope({kind: items, "pagination": {
                "total": 42, "limit": 10, "offset": offsets[kind][1], "has_more": True}})
        return handler

    fake.on("/customers/CUST-1001/orders", page_of("orders", [p.order("ORD-50030")]))
    fake.on("/customers/CUST-1001/invoices", page_of("invoices", [p.invoice()]))
    fake.ok("/orders/ORD-50030/production", p.production("ORD-50030"))
    fake.ok("/orders/ORD-50030/artwork", p.artwork("ORD-50030"))

    page = alice_client.get(URL + "?orders_page=3&invoices_page=2").content.decode()

    assert offsets == {"orders": (10, 20), "invoices": (10, 10)}
    assert "Orders 21–21 of 42" in page
    assert "Invoices 11–11 of 42" in page
    assert "?orders_page=4&amp;invoices_page=2" in page
    assert "?orders_page=2&amp;invoices_page=2" in page


@pytest.mark.parametrize("value", ["abc", "-3", "0", "", "1e9", "99999999999999999999"])
def test_it_reads_an_odd_page_number_as_a_valid_page(alice_client, fake, value):
    serve_customer(fake)

    response = alice_client.get(URL + f"?orders_page={value}")

    assert response.status_code == 200


def test_it_offers_a_friendly_way_back_from_a_page_past_the_end(alice_client, fake):
    serve_customer(fake)
    fake.ok("/customers/CUST-1001/orders", p.orders_page([], total=12, offset=90))

    page = alice_client.get(URL + "?orders_page=10").content.decode()

    assert "No orders on page 10" in page
    assert "No orders yet" not in page


def test_it_highlights_overdue_invoices(alice_client, fake):
    serve_customer(fake, invoices=[p.invoice(status="overdue")])

    page = alice_client.get(URL).content.decode()

    assert 'class="pd-overdue"' in page
    assert "tone-danger" in page


def test_it_shows_an_unknown_status_as_text_with_a_neutral_badge(alice_client, fake):
    serve_customer(fake, orders=[p.order(status="lost_in_space", status_display=None)])

    page = alice_client.get(URL).content.decode()

    badges = [badge for badge in parse(page).find_all("span", cls="pd-badge") if badge.text == "Lost in space"]
    assert badges and all("tone-neutral" in badge.classes for badge in badges)


def test_it_reads_round_one_concurrently(alice_client, fake):
    # Each of the four first-round reads waits until all four have started.
    barrier = threading.Barrier(4, timeout=3)
    data = {
        "/customers/CUST-1001": p.customer(),
        "/customers/CUST-1001/vip-wallet": p.wallet(),
        "/customers/CUST-1001/orders": p.orders_page([]),
        "/customers/CUST-1001/invoices": p.invoices_page([]),
    }
    for path, payload in data.items():
        fake.on(path, lambda request, payload=payload: (barrier.wait(), (200, p.envelope(payload)))[1])

    page = alice_client.get(URL).content.decode()

    assert 'class="pd-error"' not in page
    assert "Ada Lovelace" in page and "No VIP wallet" not in page


def test_it_reads_production_and_artwork_of_active_orders_concurrently(alice_client, fake):
    orders = [p.order("ORD-50001"), p.order("ORD-50002")]
    serve_customer(fake, orders=orders)
    barrier = threading.Barrier(4, timeout=3)
    for order in orders:
        for part, build in (("production", p.production), ("artwork", p.artwork)):
            payload = build(order["order_id"])
            fake.on(f"/orders/{order['order_id']}/{part}",
                    lambda request, payload=payload: (barrier.wait(), (200, p.envelope(payload)))[1])

    page = alice_client.get(URL).content.decode()

    assert 'class="pd-error"' not in page
    assert parse(page).text.count("40% complete") == 2  # shown; the copy buttons' texts are attributes


def test_it_shows_sections_past_the_deadline_as_timed_out(alice_client, fake, settings):
    settings.PAGE_DEADLINE_SECONDS = 0.3
    serve_customer(fake)
    release = threading.Event()
    fake.on("/customers/CUST-1001/invoices",
            lambda request: (release.wait(5), (200, p.envelope(p.invoices_page([]))))[1])

    started = time.monotonic()
    try:
        page = alice_client.get(URL).content.decode()
    finally:
        release.set()

    assert time.monotonic() - started < 2
    assert "<strong>Invoices:</strong> PERP did not answer within 0.3 s" in page
    assert "Ada Lovelace" in page and "PO-50002" in page


def test_it_links_to_perp_when_configured(alice_client, fake, settings):
    settings.PERP_WEB_URL = "https://perp.example.com/{kind}/{id}"
    serve_customer(fake)

    page = alice_client.get(URL).content.decode()

    assert 'href="https://perp.example.com/customers/CUST-1001"' in page
    assert 'href="https://perp.example.com/orders/ORD-50002"' in page
    assert 'rel="noopener noreferrer"' in page


def test_it_has_no_perp_link_when_not_configured(alice_client, fake, settings):
    settings.PERP_WEB_URL = ""
    serve_customer(fake)

    assert "Open in PERP" not in alice_client.get(URL).content.decode()


def test_it_shows_when_each_section_was_fetched_and_offers_refresh(alice_client, fake):
    serve_customer(fake)

    page = alice_client.get(URL).content.decode()

    assert page.count('class="pd-fetched"') >= 4
    assert "PERP data from" in page
    assert 'action="/refresh/"' in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert f'name="next" value="{URL}"' in page


@pytest.mark.parametrize("customer_id", ["a b", "..", "%2F", "CUST-1001%3Cscript%3E", "ü"])
def test_it_never_fails_on_an_odd_id(alice_client, fake, customer_id):
    fake.nothing_under(f"/customers/{unquote(customer_id)}")

    response = alice_client.get(f"/customers/{customer_id}/")

    assert response.status_code in (200, 404)
    assert "<script>" not in response.content.decode()


def serve_odd_customer(fake):
    """A customer as a PERP with other habits sends it: readable odd spellings (thousands
    separators, "40%", space-separated datetimes) and fields no rule can read."""
    order = p.order("ORD-50002", order_date="2026-10-30 09:00:00", total_amount="1,090.00",
                    estimated_ship_date="next week", priority="rush")
    fake.ok("/customers/CUST-1001", p.customer(
        lifetime_value="12.345,60", total_orders="3.0", billing_address="1 Engine Way, Portland",
        created_at="2022-03-04 10:00:00", is_vip="sometimes", loyalty={"tier": {"deep": [1, [2, [3]]]}}))
    fake.ok("/customers/CUST-1001/vip-wallet", p.wallet(balance="1,042.50", transactions=[
        {"transaction_id": "TX-1", "type": "credit", "amount": "about 100",
         "description": "Cash back on PO-10003", "date": "2026-06-01 10:00"}]))
    fake.ok("/customers/CUST-1001/orders", p.orders_page([order, "ORD-50003"]))
    fake.ok("/customers/CUST-1001/invoices", p.invoices_page([p.invoice(amount_due="50,00", due_date="27/11/2026")]))
    fake.ok("/orders/ORD-50002/production", p.production("ORD-50002", completion_percentage="40%"))
    fake.ok("/orders/ORD-50002/artwork", p.artwork("ORD-50002", items=[p.artwork_item(files={
        "original": p.artwork_file(file_size="2 MB"), "preview": "n/a", "thumbnail": p.artwork_file()})]))
    return fake


def test_it_shows_every_section_of_a_customer_whose_perp_spells_things_differently(alice_client, fake):
    serve_odd_customer(fake)

    page = alice_client.get(URL).content.decode()

    assert "PERP sent an answer perpdesk could not read" not in page and 'class="pd-error"' not in page
    for readable in ("USD 1,042.50", "USD 1,090.00", "40% complete", "4 Mar 2022", "30 Oct 2026", "PO-50002"):
        assert readable in page, readable
    shown = as_sent_in(page)
    for as_sent in ("12.345,60", "1 Engine Way, Portland", "sometimes", "about 100", "next week", "50,00", "27/11/2026"):
        assert (as_sent, _expected(as_sent)) in shown, as_sent
    assert "Some orders PERP sent could not be read and are not shown." in page
    assert 'class="pd-chart"' not in page  # a history without one of its amounts would be wrong


def _expected(as_sent):
    return {"12.345,60": "an amount", "1 Engine Way, Portland": "an address", "sometimes": "true or false",
            "about 100": "an amount", "next week": "a date", "50,00": "an amount",
            "27/11/2026": "a date"}[as_sent]


def test_it_keeps_hostile_text_as_sent_escaped(alice_client, fake):
    serve_customer(fake)
    fake.ok("/customers/CUST-1001", p.customer(lifetime_value='<img src=x onerror="alert(1)">',
                                               billing_address=["<script>alert(1)</script>"]))

    page = alice_client.get(URL).content.decode()

    assert "<img src=x" not in page and "<script>alert(1)" not in page
    assert '<img src=x onerror="alert(1)">' in [text for text, _ in as_sent_in(page)]
