"""Freshness on the pages and the Refresh button: POST /refresh/ with `next`."""

from datetime import timedelta

import pytest

from lookup import clock
from lookup.audit import audit_term_digest
from lookup.models import AuditEntry
from tests.support import perp_payloads as p
from tests.support.perp_payloads import serve_customer

URL = "/customers/CUST-1001/"


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
    fake.ok("/orders/search?order_number=PO-50001", p.order()).nothing_matches("PO-50001")

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


# --- what the Refresh's audit row says -----------------------------------------------------
def _refresh_row():
    [row] = AuditEntry.objects.filter(action=AuditEntry.Action.REFRESH)
    return row


@pytest.mark.parametrize("next_url, kind", [
    ("/customers/CUST-404/", "customer"), ("/orders/ORD-404/", "order"), ("/invoices/INV-404/", "invoice"),
])
def test_a_refresh_of_something_perp_does_not_have_is_recorded_as_not_found(alice_client, fake, next_url, kind):
    fake.nothing_under(next_url.rstrip("/"))

    response = alice_client.post("/refresh/", {"next": next_url}, follow=True)

    assert response.status_code == 404  # the page shown after it says so too
    row = _refresh_row()
    assert (row.kind, row.outcome) == (kind, AuditEntry.Outcome.NOT_FOUND)


def test_a_refresh_of_a_search_records_its_hashed_term_and_matches(alice_client, fake):
    fake.ok("/orders/search?order_number=PO-50001", p.order()).nothing_matches("PO-50001")

    alice_client.post("/refresh/", {"next": "/?q=PO-50001"})

    row = _refresh_row()
    assert (row.kind, row.object_ids, row.outcome) == ("search", "order:ORD-50001", AuditEntry.Outcome.OK)
    assert row.term_digest == audit_term_digest("PO-50001")
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.SEARCH).exists()  # one row, the refresh's


def test_a_refresh_of_an_email_search_keeps_the_email_out_of_its_row(alice_client, fake):
    email = "jane.doe@example.com"
    fake.not_found(f"/customers/search?email={email}")

    alice_client.post("/refresh/", {"next": f"/?q={email}"})

    row = _refresh_row()
    assert row.outcome == AuditEntry.Outcome.NOT_FOUND and row.term_digest == audit_term_digest(email)
    assert email not in " ".join(str(value) for value in AuditEntry.objects.filter(pk=row.pk).values().get().values())


def test_a_refresh_records_perps_spelling_of_the_customer_id(alice_client, fake):
    fake.ok("/customers/cust-1001", p.customer("CUST-1001")).nothing_under("/customers/cust-1001")

    alice_client.post("/refresh/", {"next": "/customers/cust-1001/"})

    row = _refresh_row()
    assert (row.object_ids, row.customer_id, row.note) == ("CUST-1001", "CUST-1001", "asked for as cust-1001")


def test_a_refresh_of_an_order_records_its_customer(alice_client, fake):
    fake.ok("/orders/ORD-50001", p.order(customer_id="CUST-9"))
    fake.nothing_under("/orders/ORD-50001", "/customers/CUST-9")

    alice_client.post("/refresh/", {"next": "/orders/ORD-50001/"})

    row = _refresh_row()
    assert (row.kind, row.object_ids, row.customer_id, row.outcome) == ("order", "ORD-50001", "CUST-9", "ok")


def test_a_refresh_reads_the_id_the_page_address_spells_escaped(alice_client, fake):
    fake.ok("/orders/ORD 1", p.order("ORD 1")).nothing_under("/orders/ORD 1", "/customers/CUST-1001")

    alice_client.post("/refresh/", {"next": "/orders/ORD%201/"})

    assert fake.calls_to("/orders/ORD 1") == 1
    assert _refresh_row().object_ids == "ORD 1"


def test_a_refresh_of_the_empty_search_page_reads_and_records_nothing(alice_client, perp):
    alice_client.post("/refresh/", {"next": "/"})

    assert len(perp.calls) == 0
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.REFRESH).exists()
