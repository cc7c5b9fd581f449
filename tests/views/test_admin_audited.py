"""Reading the audit log is audited — the list with the filters used (free text only as
its keyed hash), and each row opened — and every refused attempt leaves a row: a Support
agent's 403 on the audit log or the user admin, and a signed-in person without the
lookup permission reaching a lookup page."""

import logging

import pytest
from django.http import QueryDict
from django.test import Client
from hypothesis import given, strategies as st

from lookup.admin import audit_log_filters
from lookup.audit import audit_term_digest
from lookup.models import AuditEntry
from tests.support.audit import AuditInsertsRefused
from tests.support.postgres_rerun import postgres_rerun_test

pytestmark = pytest.mark.django_db

AUDIT_LOG = "/lookup/auditentry/"
EMAIL = "alice.agent@printshop.test"
SEARCHED = "jane.doe@example.com"
Action, Outcome = AuditEntry.Action, AuditEntry.Outcome


@pytest.fixture
def seen_row(alice):
    return AuditEntry.objects.create(
        user=alice, username=EMAIL, action=Action.VIEW, kind="customer", object_ids="C-1", customer_id="C-1"
    )


@pytest.fixture
def auditor(client, carol, seen_row):
    client.force_login(carol)
    return client


def _reads():
    return list(AuditEntry.objects.filter(action=Action.AUDIT_LOG).order_by("id"))


def _refusals():
    return list(AuditEntry.objects.filter(outcome=Outcome.REFUSED).order_by("id"))


def _row_text(row):
    return " ".join(str(value) for value in AuditEntry.objects.filter(pk=row.pk).values().get().values())


# --- reading the log ----------------------------------------------------------------------
def test_listing_the_audit_log_leaves_a_row_naming_the_auditor(auditor, carol):
    response = auditor.get(AUDIT_LOG)

    assert response.status_code == 200
    [read] = _reads()
    assert (read.username, read.user, read.kind, read.outcome, read.filters) == ("carol", carol, "list", "ok", "")


def test_the_filters_are_recorded_with_free_text_only_as_its_keyed_hash(auditor):
    response = auditor.get(AUDIT_LOG, {"action": "view", "username": EMAIL, "q": SEARCHED, "at__year": "2026"})

    assert response.status_code == 200
    [read] = _reads()
    assert read.filters.split("&") == [
        "action=view",
        "at__year=2026",
        f"q=hmac:{audit_term_digest(SEARCHED)}",
        f"username=hmac:{audit_term_digest(EMAIL)}",
    ]
    assert read.term_digest == audit_term_digest(SEARCHED)  # found as a search would be
    assert SEARCHED not in _row_text(read) and EMAIL not in _row_text(read)


def test_opening_a_row_leaves_a_row_with_its_id(auditor, seen_row):
    response = auditor.get(f"{AUDIT_LOG}{seen_row.pk}/change/")

    assert response.status_code == 200
    [read] = _reads()
    assert (read.kind, read.object_ids) == ("entry", str(seen_row.pk))


def test_opening_a_rows_history_leaves_a_row_too(auditor, seen_row):
    response = auditor.get(f"{AUDIT_LOG}{seen_row.pk}/history/")

    assert response.status_code == 200
    [read] = _reads()
    assert (read.kind, read.object_ids) == ("history", str(seen_row.pk))


def test_the_list_tells_auditors_their_reading_is_recorded(auditor):
    page = auditor.get(AUDIT_LOG).content.decode()

    assert "Reading the audit log is recorded in it" in page


def test_opening_a_row_that_does_not_exist_reads_nothing_and_records_nothing(auditor):
    response = auditor.get(f"{AUDIT_LOG}999999/change/")

    assert response.status_code == 302
    assert _reads() == []


def test_a_filter_the_admin_refuses_reads_nothing_and_records_nothing(auditor):
    response = auditor.get(AUDIT_LOG, {"at__year": "abc"})

    assert response.status_code == 302 and response["Location"].endswith("?e=1")
    assert _reads() == []


def test_each_reading_is_one_row_however_often_the_log_is_read(auditor):
    for _ in range(3):
        auditor.get(AUDIT_LOG)

    listed = auditor.get(AUDIT_LOG).context["cl"].result_list

    assert len(_reads()) == 4
    assert sum(row.action == Action.AUDIT_LOG for row in listed) == 3  # the earlier readings


def test_the_log_is_not_shown_when_its_reading_cannot_be_recorded(carol, seen_row, caplog):
    staff = Client(raise_request_exception=False)
    staff.force_login(carol)
    refused = AuditInsertsRefused()
    refused.start()
    try:
        response = staff.get(AUDIT_LOG)
    finally:
        refused.stop()

    assert response.status_code == 503
    assert "C-1" not in response.content.decode()
    assert "AUDIT ROW NOT WRITTEN" in caplog.text


def test_static_files_leave_no_row(carol, seen_row, settings):
    settings.WHITENOISE_USE_FINDERS = True  # no collectstatic in the suite
    client = Client()
    client.force_login(carol)
    rows_before = AuditEntry.objects.count()

    response = client.get("/static/admin/css/base.css")

    assert response.status_code == 200
    assert AuditEntry.objects.count() == rows_before


# --- refused attempts ---------------------------------------------------------------------
def test_a_support_agents_403_on_the_audit_log_leaves_a_refusal(alice_client, alice, seen_row, caplog):
    caplog.set_level(logging.INFO, logger="lookup.admin_guards")

    listing = alice_client.get(AUDIT_LOG, {"username": EMAIL})
    opening = alice_client.get(f"{AUDIT_LOG}{seen_row.pk}/change/")

    assert listing.status_code == 403 and opening.status_code == 403
    first, second = _refusals()
    assert (first.action, first.kind, first.username) == ("audit_log", "changelist", "alice")
    assert (second.action, second.kind, second.object_ids) == ("audit_log", "change", str(seen_row.pk))
    assert first.note == "no permission for this page"
    assert EMAIL not in _row_text(first)
    lines = [r.getMessage() for r in caplog.records if r.name == "lookup.admin_guards"]
    assert lines == [
        f"Refused account {alice.pk} at admin:lookup_auditentry_changelist: no permission for this page",
        f"Refused account {alice.pk} at admin:lookup_auditentry_change: no permission for this page",
    ]
    assert EMAIL not in caplog.text


@pytest.mark.parametrize(
    "path, kind", [("/auth/user/", "auth_user_changelist"), ("/auth/user/1/change/", "auth_user_change"),
                   ("/auth/group/", "auth_group_changelist")],
)
def test_a_support_agents_403_on_the_user_admin_leaves_a_refusal(alice_client, path, kind):
    assert alice_client.get(path).status_code == 403

    [refusal] = _refusals()
    assert (refusal.action, refusal.kind, refusal.username) == ("admin", kind, "alice")


@pytest.mark.parametrize(
    "path, action, kind, ids",
    [
        ("/customers/CUST-1/", "view", "customer", "CUST-1"),
        ("/orders/ORD-1/", "view", "order", "ORD-1"),
        ("/invoices/INV-1/", "view", "invoice", "INV-1"),
        (f"/?q={SEARCHED}", "search", "search", ""),
        (AUDIT_LOG, "audit_log", "changelist", ""),
    ],
)
def test_someone_without_the_lookup_permission_leaves_a_refusal(client, bob, perp, path, action, kind, ids):
    client.force_login(bob)

    response = client.get(path)

    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert len(perp.calls) == 0
    [refusal] = _refusals()
    assert (refusal.username, refusal.action, refusal.kind, refusal.object_ids) == ("bob", action, kind, ids)
    assert refusal.note == "no lookup permission"
    assert SEARCHED not in _row_text(refusal)
    if action == "search":
        assert refusal.term_digest == audit_term_digest(SEARCHED)


def test_a_refusal_of_an_id_holding_nul_is_recorded_escaped(client, bob, perp):
    client.force_login(bob)

    client.get("/customers/CUST%001/")

    [refusal] = _refusals()
    assert refusal.object_ids == "CUST\\x001" and refusal.kind == "customer"


def test_a_refused_refresh_leaves_a_refusal(client, bob, perp):
    client.force_login(bob)

    client.post("/refresh/", {"next": f"/?q={SEARCHED}"})

    [refusal] = _refusals()
    assert (refusal.action, refusal.username) == ("refresh", "bob")
    assert SEARCHED not in _row_text(refusal)


def test_an_address_that_names_no_page_leaves_no_refusal(client, bob):
    client.force_login(bob)

    client.get("/no/such/page/")

    assert _refusals() == []


def test_anonymous_visitors_leave_no_row(client, db):
    for path in ("/customers/CUST-1/", AUDIT_LOG, "/auth/user/"):
        client.get(path)

    assert not AuditEntry.objects.exists()


def test_a_permitted_lookup_is_no_refusal(alice_client, fake):
    fake.nothing_under("/customers/CUST-1")

    alice_client.get("/customers/CUST-1/")

    assert _refusals() == []


# --- the filters' description -------------------------------------------------------------
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["q", "username", "action", "kind", "at__year", "p", "o", "other"]) | st.text(max_size=20),
            st.text(max_size=40),
        ),
        max_size=6,
    )
)
def test_a_filter_value_is_recorded_in_clear_only_when_it_is_a_plain_word(pairs):
    query = QueryDict(mutable=True)
    for name, value in pairs:
        query.appendlist(name, value)

    recorded = audit_log_filters(query).split("&") if pairs else []

    assert len(recorded) == len(pairs)
    for name, value in pairs:
        hashed = f"hmac:{audit_term_digest(value)}"
        assert any(item.endswith(f"={value}") or item.endswith(f"={hashed}") for item in recorded)
    for item in recorded:
        _, _, shown = item.partition("=")
        assert shown.startswith("hmac:") or ("@" not in shown and " " not in shown and len(shown) <= 32)


# --- the same on the real PostgreSQL -----------------------------------------------------
test_it_passes_on_postgresql = postgres_rerun_test(__file__, at_least=25)
