"""The audit trail: what a row holds, that a row a page needs is written or the page
fails (`audit_required`) while sign-in and sign-out rows never stop the request
(`audit_record`), text a row could not hold, and the read-only audit log in the admin."""

import logging
from datetime import timedelta
from io import StringIO
from ipaddress import ip_network

import pytest
from django.core.management import call_command
from django.db import DatabaseError, transaction
from django.test import RequestFactory
from django.utils import timezone

from hypothesis import given, strategies as st

from lookup.audit import (
    ID_MAX_LENGTH, Action, AuditNotWritten, Outcome, audit_record, audit_required, audit_term_digest,
    id_is_storable, recent_lookups, storable_text, text_is_storable,
)
from lookup.context import request_id
from lookup.models import AuditEntry


def a_request(user=None, **meta):
    request = RequestFactory().get("/customers/CUST-1001/", **meta)
    if user is not None:
        request.user = user
    return request


# --- audit_record ----------------------------------------------------------------------
def test_it_records_who_when_what_where_and_which_request(alice):
    token = request_id.set("req-1234abcd")
    try:
        entry = audit_record(
            request=a_request(alice, REMOTE_ADDR="192.0.2.7"),
            action=Action.VIEW,
            kind="customer",
            object_ids=["CUST-1001"],
            customer_id="CUST-1001",
        )
    finally:
        request_id.reset(token)

    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.username, stored.user) == ("alice", alice)
    assert (stored.action, stored.kind) == ("view", "customer")
    assert (stored.object_ids, stored.customer_id, stored.outcome) == ("CUST-1001", "CUST-1001", "ok")
    assert (stored.client_ip, stored.request_id) == ("192.0.2.7", "req-1234abcd")
    assert timezone.now() - stored.at < timedelta(seconds=5) and stored.at.utcoffset() == timedelta(0)


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_row_is_one_insert_without_opening_one(alice, monkeypatch):
    opened = []
    atomic = transaction.atomic
    monkeypatch.setattr(transaction, "atomic", lambda *args, **kwargs: opened.append(args) or atomic(*args, **kwargs))

    entry = audit_record(request=a_request(alice), action=Action.VIEW, kind="customer", object_ids=["C-1"])

    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    assert opened == []


def test_inside_a_transaction_a_row_is_written_under_a_savepoint(alice, monkeypatch):
    opened = []
    atomic = transaction.atomic
    monkeypatch.setattr(transaction, "atomic", lambda *args, **kwargs: opened.append(args) or atomic(*args, **kwargs))

    with atomic():
        entry = audit_record(request=a_request(alice), action=Action.VIEW, kind="customer", object_ids=["C-1"])

    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    assert len(opened) == 1


def test_it_keeps_several_ids_and_the_outcome(alice):
    entry = audit_record(
        request=a_request(alice), action=Action.SEARCH, kind="order", object_ids=["ORD-1", "ORD-2"],
        outcome=Outcome.NOT_FOUND,
    )

    assert (entry.object_ids, entry.outcome) == ("ORD-1, ORD-2", "not_found")


def test_it_makes_up_one_request_id_per_request_when_none_is_set(alice):
    request = a_request(alice)

    first = audit_record(request=request, action=Action.VIEW)
    second = audit_record(request=request, action=Action.REFRESH)

    assert first.request_id and first.request_id == second.request_id
    assert audit_record(request=a_request(alice), action=Action.VIEW).request_id != first.request_id


def test_it_never_stores_a_search_term_in_clear(alice):
    entry = audit_record(
        request=a_request(alice),
        action=Action.SEARCH,
        kind="email",
        search_term="Jane.Doe@Example.com ",
        object_ids=["CUST-1001"],
    )

    row = AuditEntry.objects.filter(pk=entry.pk).values().get()
    assert not any("jane" in str(value).lower() for value in row.values())
    assert entry.term_digest == audit_term_digest("jane.doe@example.com")
    assert entry.term_digest != audit_term_digest("john@example.com")


def test_it_believes_x_forwarded_for_only_from_a_trusted_proxy(alice, settings):
    settings.TRUSTED_PROXIES = [ip_network("10.0.0.0/8")]
    forwarded = "6.6.6.6, 198.51.100.4, 10.0.0.3"  # client-written, the real client, our proxy
    behind_proxy = a_request(alice, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    direct = a_request(alice, REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="6.6.6.6")

    assert audit_record(request=behind_proxy, action=Action.VIEW).client_ip == "198.51.100.4"
    assert audit_record(request=direct, action=Action.VIEW).client_ip == "198.51.100.9"


def test_it_names_someone_without_an_account(db):
    entry = audit_record(
        request=a_request(),
        action=Action.SIGN_IN,
        outcome=Outcome.REFUSED,
        username="oidc:olga",
        note="no group",
    )

    assert (entry.username, entry.user, entry.note) == ("oidc:olga", None, "no group")


def test_it_logs_loudly_and_carries_on_when_the_database_refuses(alice, monkeypatch, caplog):
    def refuse(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(AuditEntry, "save", refuse)

    with caplog.at_level(logging.ERROR, logger="lookup.audit"):
        entry = audit_record(request=a_request(alice), action=Action.VIEW, object_ids=["C-1"])

    assert entry is None
    [record] = [r for r in caplog.records if r.name == "lookup.audit"]
    assert record.levelno == logging.ERROR and "AUDIT ROW NOT WRITTEN" in record.getMessage()
    assert record.exc_info and "disk full" in str(record.exc_info[1])


def test_a_row_a_page_needs_raises_when_the_database_refuses_it(alice, monkeypatch, caplog):
    def refuse(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(AuditEntry, "save", refuse)

    with caplog.at_level(logging.ERROR, logger="lookup.audit"), pytest.raises(AuditNotWritten) as raised:
        audit_required(request=a_request(alice), action=Action.VIEW, object_ids=["C-1"])

    assert isinstance(raised.value, DatabaseError)  # the request gets the 503 page
    assert "disk full" not in str(raised.value)  # a driver's words stay in the log
    assert "AUDIT ROW NOT WRITTEN" in caplog.text


# --- text a row could not hold -------------------------------------------------------------
def test_it_keeps_a_nul_from_perp_escaped_and_marks_text_cut_to_its_column(alice):
    entry = audit_record(
        request=a_request(alice), action=Action.VIEW, kind="order", object_ids=["ORD\x001"],
        customer_id="C" * (ID_MAX_LENGTH + 10), note="n" * 300,
    )

    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.object_ids == "ORD\\x001"
    assert len(stored.customer_id) == ID_MAX_LENGTH and stored.customer_id.endswith("…")
    assert len(stored.note) == 200 and stored.note.endswith("…")


def test_an_id_is_storable_up_to_the_column_without_nul():
    assert id_is_storable("C" * ID_MAX_LENGTH)
    assert not id_is_storable("C" * (ID_MAX_LENGTH + 1))
    assert not id_is_storable("CUST\x001001")
    assert not id_is_storable("\ud800")
    assert id_is_storable("ö-ß 1/ä") and id_is_storable("😀")


@given(st.text(), st.one_of(st.none(), st.integers(min_value=1, max_value=300)))
def test_storable_text_is_always_storable_and_fits(text, max_length):
    stored = storable_text(text, max_length)

    assert text_is_storable(stored)
    assert max_length is None or len(stored) <= max_length
    if text_is_storable(text) and (max_length is None or len(text) <= max_length):
        assert stored == text  # what a row can hold is kept as it is


# --- recent_lookups ------------------------------------------------------------------------
def test_it_lists_a_persons_latest_distinct_page_views(alice, carol):
    request = a_request(alice)
    views = [("customer", "C-1"), ("order", "O-1"), ("customer", "C-1"), ("customer", "C-2")]
    for kind, object_id in views:
        audit_record(request=request, action=Action.VIEW, kind=kind, object_ids=[object_id])
    audit_record(request=request, action=Action.SEARCH, kind="email", object_ids=["C-9"])
    audit_record(request=request, action=Action.VIEW, kind="order", object_ids=["O-4"], outcome="not_found")
    audit_record(request=a_request(carol), action=Action.VIEW, kind="customer", object_ids=["C-7"])

    recent = recent_lookups(user=alice, limit=10)

    assert [(e.kind, e.object_ids) for e in recent] == [
        ("customer", "C-2"), ("customer", "C-1"), ("order", "O-1")
    ]
    assert len(recent_lookups(user=alice, limit=2)) == 2


# --- prune_audit ---------------------------------------------------------------------------
def test_prune_audit_deletes_rows_older_than_the_retention(alice, settings):
    settings.AUDIT_RETENTION_DAYS = 30
    old = audit_record(request=a_request(alice), action=Action.VIEW)
    recent = audit_record(request=a_request(alice), action=Action.VIEW)
    AuditEntry.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=31))
    AuditEntry.objects.filter(pk=recent.pk).update(at=timezone.now() - timedelta(days=29))
    out = StringIO()

    call_command("prune_audit", stdout=out)

    assert list(AuditEntry.objects.values_list("pk", flat=True)) == [recent.pk]
    assert "Deleted 1 audit rows older than 30 days." in out.getvalue()


def test_prune_audit_takes_another_retention_on_the_command_line(alice):
    entry = audit_record(request=a_request(alice), action=Action.VIEW)
    AuditEntry.objects.filter(pk=entry.pk).update(at=timezone.now() - timedelta(days=8))

    call_command("prune_audit", "--days", "7", stdout=StringIO())

    assert not AuditEntry.objects.exists()


# --- The audit log in the admin -----------------------------------------------------------
CHANGELIST = "/lookup/auditentry/"


@pytest.fixture
def audit_rows(alice):
    request = a_request(alice, REMOTE_ADDR="192.0.2.7")
    shown = [("customer", "C-1", "C-1"), ("order", "O-9", "C-2")]
    return [
        audit_record(request=request, action=Action.VIEW, kind=kind, object_ids=[id_], customer_id=customer)
        for kind, id_, customer in shown
    ]


def test_auditors_read_the_audit_log(client, carol, audit_rows):
    client.force_login(carol)

    response = client.get(CHANGELIST)

    assert response.status_code == 200
    assert {row.pk for row in response.context["cl"].result_list} >= {row.pk for row in audit_rows}


def test_auditors_find_rows_by_customer_person_and_date(client, carol, audit_rows):
    client.force_login(carol)
    today = timezone.now()

    by_customer = client.get(CHANGELIST, {"q": "C-2"}).context["cl"].result_list
    by_person = client.get(CHANGELIST, {"username": "alice"}).context["cl"].result_list
    by_date = client.get(
        CHANGELIST, {"at__year": today.year, "at__month": today.month, "at__day": today.day}
    ).context["cl"].result_list

    assert [row.customer_id for row in by_customer] == ["C-2"]
    assert {row.username for row in by_person} == {"alice"} and len(by_person) == 2
    assert len(by_date) >= 2


def test_auditors_see_a_row_but_cannot_change_or_delete_it(client, carol, audit_rows):
    client.force_login(carol)
    row = audit_rows[0]

    detail = client.get(f"{CHANGELIST}{row.pk}/change/")
    posted = client.post(f"{CHANGELIST}{row.pk}/change/", {"outcome": "error"})
    deleted = client.post(f"{CHANGELIST}{row.pk}/delete/", {"post": "yes"})
    added = client.post(f"{CHANGELIST}add/", {"action": "view"})
    bulk = client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [row.pk]})

    assert detail.status_code == 200 and b'name="_save"' not in detail.content
    assert posted.status_code == 403 and deleted.status_code == 403 and added.status_code == 403
    assert bulk.status_code in (200, 302, 403)
    assert AuditEntry.objects.get(pk=row.pk).outcome == "ok"
    assert AuditEntry.objects.filter(pk__in=[r.pk for r in audit_rows]).count() == 2


def test_the_audit_log_offers_no_actions(client, carol, audit_rows):
    client.force_login(carol)

    response = client.get(CHANGELIST)

    assert response.context["cl"].model_admin.get_actions(response.wsgi_request) == {}
    assert b"action-checkbox" not in response.content


def test_support_staff_cannot_read_the_audit_log(alice_client, audit_rows):
    assert alice_client.get(CHANGELIST).status_code == 403
    assert alice_client.get(f"{CHANGELIST}{audit_rows[0].pk}/change/").status_code == 403


def test_people_without_perpdesk_access_cannot_read_it_either(client, bob, audit_rows):
    client.force_login(bob)

    response = client.get(CHANGELIST)

    assert response.status_code == 302 and response["Location"].startswith("/login/")
