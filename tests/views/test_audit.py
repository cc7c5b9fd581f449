"""Every search, page view and refresh leaves an audit row; the search page lists the
person's own recent lookups from the trail."""

import pytest

from lookup.models import AuditEntry
from tests.support import perp_payloads as payloads

pytestmark = pytest.mark.django_db

EMAIL = "jane.doe@example.com"


def _rows(action):
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def test_it_audits_a_customer_page_view(alice_client, fake):
    fake.ok("/customers/CUST-1", payloads.customer("CUST-1")).nothing_under("/customers/CUST-1")
    alice_client.get("/customers/CUST-1/")
    [row] = _rows(AuditEntry.Action.VIEW)
    assert (row.kind, row.object_ids, row.customer_id, row.outcome) == (
        "customer", "CUST-1", "CUST-1", AuditEntry.Outcome.OK)
    assert row.username == "alice"


def test_it_audits_a_missing_customer_as_not_found(alice_client, fake):
    fake.nothing_under("/customers/CUST-404")
    alice_client.get("/customers/CUST-404/")
    [row] = _rows(AuditEntry.Action.VIEW)
    assert row.outcome == AuditEntry.Outcome.NOT_FOUND


def test_it_audits_an_order_page_with_its_customer(alice_client, fake):
    fake.ok("/orders/ORD-1", payloads.order("ORD-1", customer_id="CUST-9"))
    fake.nothing_under("/orders/ORD-1", "/customers/CUST-9")
    alice_client.get("/orders/ORD-1/")
    [row] = _rows(AuditEntry.Action.VIEW)
    assert (row.kind, row.object_ids, row.customer_id) == ("order", "ORD-1", "CUST-9")


def test_it_audits_an_invoice_page_with_its_customer(alice_client, fake):
    fake.ok("/invoices/INV-1", payloads.invoice("INV-1", customer_id="CUST-9"))
    fake.nothing_under("/orders/ORD-50001", "/customers/CUST-9")
    alice_client.get("/invoices/INV-1/")
    [row] = _rows(AuditEntry.Action.VIEW)
    assert (row.kind, row.object_ids, row.customer_id) == ("invoice", "INV-1", "CUST-9")


def test_it_audits_an_email_search_without_the_email_in_clear(alice_client, fake):
    fake.ok(f"/customers/search?email={EMAIL}", payloads.customer("CUST-7", email=EMAIL))
    alice_client.get("/", {"q": EMAIL})
    [row] = _rows(AuditEntry.Action.SEARCH)
    assert row.object_ids == "customer:CUST-7"
    assert row.term_digest and EMAIL not in row.term_digest
    assert not any(EMAIL in str(value) for value in vars(row).values())


def test_it_audits_a_refresh(alice_client, fake):
    fake.ok("/customers/CUST-1", payloads.customer("CUST-1")).nothing_under("/customers/CUST-1")
    alice_client.post("/refresh/", {"next": "/customers/CUST-1/"})
    [row] = _rows(AuditEntry.Action.REFRESH)
    assert (row.kind, row.object_ids, row.customer_id) == ("customer", "CUST-1", "CUST-1")


def test_it_lists_the_persons_own_recent_lookups_on_the_search_page(alice_client, bob, fake):
    fake.ok("/customers/CUST-1", payloads.customer("CUST-1")).nothing_under("/customers/CUST-1")
    fake.ok("/customers/CUST-2", payloads.customer("CUST-2")).nothing_under("/customers/CUST-2")
    alice_client.get("/customers/CUST-1/")
    alice_client.get("/customers/CUST-2/")
    AuditEntry.objects.create(
        user=bob, username="bob", action=AuditEntry.Action.VIEW, kind="customer",
        object_ids="CUST-BOBS", customer_id="CUST-BOBS",
    )
    page = alice_client.get("/").content.decode()
    assert page.index('href="/customers/CUST-2/"') < page.index('href="/customers/CUST-1/"')
    assert "CUST-BOBS" not in page


def test_it_links_the_audit_log_for_auditors_only(client, alice, carol):
    client.force_login(carol)
    assert ">Audit log</a>" in client.get("/").content.decode()
    client.force_login(alice)
    assert ">Audit log</a>" not in client.get("/").content.decode()


def test_it_records_perps_own_spelling_of_the_customer_id(alice_client, fake):
    fake.ok("/customers/cust-1001", payloads.customer("CUST-1001")).nothing_under("/customers/cust-1001")

    first = alice_client.get("/customers/cust-1001/")
    kept = alice_client.get("/customers/cust-1001/")  # the page kept whole says the same

    assert first.status_code == kept.status_code == 200
    for row in _rows(AuditEntry.Action.VIEW):
        assert (row.object_ids, row.customer_id) == ("CUST-1001", "CUST-1001")
        assert row.note == "asked for as cust-1001"


def test_it_records_the_urls_spelling_while_perp_gives_none(alice_client, fake):
    fake.fail("/customers/cust-1001", "unavailable").nothing_under("/customers/cust-1001")

    alice_client.get("/customers/cust-1001/")

    [row] = _rows(AuditEntry.Action.VIEW)
    assert (row.object_ids, row.customer_id, row.note) == ("cust-1001", "cust-1001", "")


def test_a_view_whose_spelling_matches_perps_has_no_note(alice_client, fake):
    fake.ok("/customers/CUST-1", payloads.customer("CUST-1")).nothing_under("/customers/CUST-1")

    alice_client.get("/customers/CUST-1/")

    [row] = _rows(AuditEntry.Action.VIEW)
    assert row.note == ""
