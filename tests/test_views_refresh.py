"""Freshness on the pages and the Refresh button: POST /refresh/ with `next`."""

from datetime import timedelta

import pytest

from lookup import clock
from tests import perp_payloads as p
from tests.test_views_customer import serve_customer

URL = "/customers/CUST-1001/"


@pytest.fixture
def fake(perp):
    return p.FakePERP(perp)


def test_it_reads_the_page_again_past_the_cache_and_redirects_back(alice_client, fake):
    serve_customer(fake)
    alice_client.get(URL)
    alice_client.get(URL)
    assert fake.calls_to("/customers/CUST-1001") == 1  # the second view came from the cache

    response = alice_client.post("/refresh/", {"next": URL})

    assert response.status_code == 303
    assert response["Location"] == URL
    assert fake.calls_to("/customers/CUST-1001") == 2
    assert fake.calls_to("/customers/CUST-1001/vip-wallet") == 2


@pytest.mark.parametrize(
    "next_url, path",
    [
        ("/orders/ORD-50001/", "/orders/ORD-50001"),
        ("/invoices/INV-70001/", "/invoices/INV-70001"),
        ("/?q=PO-50001", "/orders/search?order_number=PO-50001"),
        (URL + "?orders_page=2", "/customers/CUST-1001"),
    ],
)
def test_it_refreshes_every_kind_of_page(alice_client, fake, next_url, path):
    serve_customer(fake)
    fake.ok("/orders/ORD-50001", p.order())
    fake.ok("/invoices/INV-70001", p.invoice())
    fake.ok("/orders/search?order_number=PO-50001", p.order())

    response = alice_client.post("/refresh/", {"next": next_url})

    assert response.status_code == 303
    assert response["Location"] == next_url
    assert fake.calls_to(path) == 1


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "", "/no/such/page/"],
)
def test_it_only_redirects_to_this_site(alice_client, fake, next_url):
    response = alice_client.post("/refresh/", {"next": next_url})

    assert response.status_code == 303
    location = response["Location"]
    assert location.startswith("/") and not location.startswith("//")
    assert location in ("/", next_url)


def test_it_needs_a_post(alice_client, perp):
    assert alice_client.get("/refresh/", {"next": URL}).status_code == 405
    assert len(perp.calls) == 0


def test_it_needs_the_csrf_token(alice, perp):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    response = client.post("/refresh/", {"next": URL})

    assert response.status_code == 403
    assert len(perp.calls) == 0


def test_it_shows_stale_wallet_when_perp_is_down(alice_client, fake, monkeypatch, settings):
    settings.TIME_ZONE = "UTC"
    serve_customer(fake)
    start = clock.now().replace(hour=14, minute=2, second=0, microsecond=0)
    monkeypatch.setattr(clock, "now", lambda: start)
    alice_client.get(URL)

    monkeypatch.setattr(clock, "now", lambda: start + timedelta(minutes=35))
    fake.fail("/customers/CUST-1001/vip-wallet", "unavailable")
    page = alice_client.get(URL).content.decode()

    assert "PERP is not answering — showing data from" in page
    assert ">14:02</time> (35 min ago)" in page
    assert "Cash back on PO-10003" in page
    assert "some of it older" in page
