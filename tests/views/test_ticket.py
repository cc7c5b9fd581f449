"""Ticket context: a page opened from a helpdesk link with ?ticket=<reference> records the
reference on its audit row and on those of the lookups after it in the same flow, shows
"for ticket …" in the header, and never passes the reference on to PERP or the cache."""

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from hypothesis import given, strategies as st

from lookup.audit import audit_term_digest
from lookup.models import AuditEntry
from lookup.pages import customer as customer_page
from lookup.ticket import FORBIDDEN, MAX_LENGTH, SESSION_KEY, InvalidReference, parse_reference
from tests.support import perp_payloads as payloads
from tests.support.page_html import parse

pytestmark = pytest.mark.django_db

Action = AuditEntry.Action
CUSTOMER = "/customers/CUST-1001/"
AUDIT_LOG = "/lookup/auditentry/"


def _lookup_rows():
    rows = AuditEntry.objects.filter(action__in=[Action.SEARCH, Action.VIEW, Action.REFRESH])
    return [(row.action, row.ticket) for row in rows.order_by("id")]


def _header_ticket(response):
    """What the header says about the ticket context: (its text, the end link) or None."""
    [header] = [each for each in parse(response.content.decode()).find_all("header") if each.get("id") == "header"]
    shown = header.find_all(cls="pd-ticket")
    if not shown:
        return None
    links = shown[0].find_all("a")
    return shown[0].text, links[0].href if links else None


@pytest.fixture
def customer(fake):
    return payloads.serve_customer(fake).nothing_matches("CUST-1001")  # searched for by its id


# --- the reference --------------------------------------------------------------------
@pytest.mark.parametrize("text, reference", [
    ("12345", "12345"), ("  ZD-77 \n", "ZD-77"), ("#4521 / billing", "#4521 / billing"), ("", ""), ("   ", ""),
    ("x" * MAX_LENGTH, "x" * MAX_LENGTH),
])
def test_it_takes_a_short_printable_reference_trimmed(text, reference):
    assert parse_reference(text) == reference


@pytest.mark.parametrize("text, reason", [
    ("x" * (MAX_LENGTH + 1), "longer than 64 characters"),
    ("12\x0034", "control or invisible character"),
    ("12\n34", "control or invisible character"),
    ("12\u202e34", "control or invisible character"),  # a right-to-left override
    ("<b>12</b>", "character it cannot have"),
    ('12" onmouseover="x', "character it cannot have"),
    ("jane@example.com", "character it cannot have"),  # an email is never kept in clear
    ("a&amp;b", "character it cannot have"),
])
def test_it_refuses_a_reference_it_could_not_show_or_keep_safely(text, reason):
    with pytest.raises(InvalidReference, match=reason):
        parse_reference(text)


@given(st.text(max_size=80))
def test_any_text_is_a_usable_reference_or_refused_with_a_reason(text):
    try:
        reference = parse_reference(text)
    except InvalidReference as error:
        assert str(error).startswith("The ticket reference in this link ")
        return
    assert reference == text.strip()
    assert len(reference) <= MAX_LENGTH and reference.isprintable() and not FORBIDDEN.intersection(reference)
    assert parse_reference(reference) == reference


SAFE = st.text(st.characters(categories=["L", "N"]) | st.sampled_from(" -_#/.:+"), min_size=1, max_size=MAX_LENGTH)


@given(SAFE.map(str.strip).filter(bool))
def test_every_reference_of_letters_digits_and_punctuation_is_taken_as_it_is(reference):
    assert parse_reference(reference) == reference


# --- the flow -------------------------------------------------------------------------
def test_a_link_with_a_ticket_records_it_on_that_view_and_the_lookups_after_it(alice_client, customer):
    opened = alice_client.get(CUSTOMER, {"ticket": "ZD-4521"})
    assert opened.status_code == 302 and opened["Location"] == CUSTOMER  # the address loses it

    alice_client.get(opened["Location"])
    alice_client.get("/", {"q": "CUST-1001"}, follow=True)  # the search box, as staff use it
    alice_client.post("/refresh/", {"next": CUSTOMER})

    assert _lookup_rows() == [
        (Action.VIEW, "ZD-4521"), (Action.SEARCH, "ZD-4521"), (Action.VIEW, "ZD-4521"), (Action.REFRESH, "ZD-4521"),
    ]


def test_the_redirect_keeps_the_other_parameters(alice_client, perp):
    response = alice_client.get("/?q=jane%2Btag%40example.com&ticket=7")

    assert response.status_code == 302 and response["Location"] == "/?q=jane%2Btag%40example.com"


def test_the_header_says_which_ticket_and_how_to_end_it(alice_client, customer):
    page = alice_client.get(CUSTOMER, {"ticket": "ZD-4521"}, follow=True)

    assert _header_ticket(page) == ("for ticket ZD-4521 End ticket", "/?ticket=")
    assert _header_ticket(alice_client.get("/")) == ("for ticket ZD-4521 End ticket", "/?ticket=")


def test_without_a_ticket_the_header_says_nothing_of_one(alice_client, customer):
    page = alice_client.get(CUSTOMER)

    assert _header_ticket(page) is None
    assert _lookup_rows() == [(Action.VIEW, "")]


def test_a_new_ticket_replaces_the_flow(alice_client, customer):
    alice_client.get(CUSTOMER, {"ticket": "ZD-1"}, follow=True)
    alice_client.get(CUSTOMER, {"ticket": "ZD-2"}, follow=True)
    alice_client.get(CUSTOMER)

    assert _lookup_rows() == [(Action.VIEW, "ZD-1"), (Action.VIEW, "ZD-2"), (Action.VIEW, "ZD-2")]


def test_ending_the_ticket_ends_the_flow(alice_client, customer):
    alice_client.get(CUSTOMER, {"ticket": "ZD-1"}, follow=True)
    ended = alice_client.get("/?ticket=", follow=True)  # the header's End ticket link
    alice_client.get(CUSTOMER)

    assert ended.redirect_chain == [("/", 302)] and _header_ticket(ended) is None
    assert _lookup_rows() == [(Action.VIEW, "ZD-1"), (Action.VIEW, "")]


def test_the_flow_ends_after_ticket_context_seconds_without_a_lookup(alice_client, customer, frozen_clock, settings):
    alice_client.get(CUSTOMER, {"ticket": "ZD-1"}, follow=True)
    frozen_clock.advance(settings.TICKET_CONTEXT_SECONDS - 60)
    alice_client.get(CUSTOMER)  # a lookup in the flow: its idle clock starts again
    frozen_clock.advance(settings.TICKET_CONTEXT_SECONDS - 60)
    alice_client.get(CUSTOMER)
    frozen_clock.advance(settings.TICKET_CONTEXT_SECONDS + 1)
    late = alice_client.get(CUSTOMER)

    assert _lookup_rows() == [(Action.VIEW, "ZD-1")] * 3 + [(Action.VIEW, "")]
    assert _header_ticket(late) is None


def test_a_lookup_in_the_flow_writes_no_session(alice_client, customer):
    alice_client.get(CUSTOMER, {"ticket": "ZD-1"}, follow=True)

    with CaptureQueriesContext(connection) as queries:
        alice_client.get(CUSTOMER)
        alice_client.get(CUSTOMER, {"ticket": "ZD-1"}, follow=True)  # the same link again

    writes = [q["sql"] for q in queries if "django_session" in q["sql"] and not q["sql"].startswith("SELECT")]
    assert writes == []
    assert _lookup_rows() == [(Action.VIEW, "ZD-1")] * 3


@pytest.mark.parametrize("reference", ["<script>alert(1)</script>", "jane@example.com", "x" * 65, "ZD\x001"])
def test_an_unusable_reference_is_said_on_the_page_and_not_recorded(alice_client, customer, reference):
    alice_client.get(CUSTOMER, {"ticket": "ZD-1"}, follow=True)
    response = alice_client.get(CUSTOMER, {"ticket": reference}, follow=True)
    after = alice_client.get(CUSTOMER)

    assert response.redirect_chain == [(CUSTOMER, 302)] and response.status_code == 200
    [message] = parse(response.content.decode()).find("ul", cls="messagelist").find_all("li")
    assert message.text.startswith("The ticket reference in this link ")
    assert message.text.endswith("Lookups are not recorded for a ticket.")
    assert reference not in response.content.decode()
    assert _header_ticket(response) is None and _header_ticket(after) is None  # the earlier flow ended
    assert _lookup_rows() == [(Action.VIEW, "ZD-1"), (Action.VIEW, ""), (Action.VIEW, "")]


def test_a_reference_from_the_session_is_shown_escaped(alice_client, customer, frozen_clock):
    session = alice_client.session
    session[SESSION_KEY] = {"reference": "<b>ZD</b>", "seen": frozen_clock.now().timestamp()}
    session.save()

    page = alice_client.get(CUSTOMER).content.decode()

    assert "&lt;b&gt;ZD&lt;/b&gt;" in page and "<b>ZD</b>" not in page


def test_an_anonymous_link_writes_no_session(client, perp):
    response = client.get(CUSTOMER, {"ticket": "ZD-1"})

    assert response.status_code == 302 and "ticket%3DZD-1" in response["Location"]  # kept for after sign-in
    assert Session.objects.count() == 0


# --- the reference stays in perpdesk --------------------------------------------------
def test_the_reference_never_reaches_perp(alice_client, customer, perp):
    alice_client.get(CUSTOMER, {"ticket": "ZD-4521"}, follow=True)
    alice_client.get("/", {"q": "CUST-1001", "ticket": "ZD-4521"}, follow=True)
    alice_client.post("/refresh/", {"next": f"{CUSTOMER}?ticket=ZD-4521"})

    urls = [call.request.url for call in perp.calls]
    assert urls and not any("ticket" in url or "ZD-4521" in url for url in urls)


def test_a_ticket_makes_no_page_of_its_own_in_the_cache(alice_client, customer, perp):
    alice_client.get(CUSTOMER)  # kept whole: every copy on it is fresh
    calls = len(perp.calls)

    page = alice_client.get(CUSTOMER, {"ticket": "ZD-4521"}, follow=True)

    assert len(perp.calls) == calls  # the kept page, shown with the ticket's header
    assert _header_ticket(page)[0].startswith("for ticket ZD-4521")


def test_the_pages_read_no_ticket_from_their_query():
    asked = QueryDict("orders_page=2&ticket=ZD-4521")

    assert customer_page.page_numbers(asked).urlencode() == "orders_page=2"


# --- the audit log by ticket ----------------------------------------------------------
@pytest.fixture
def auditor(client, carol, alice):
    for ticket in ("ZD-1", "ZD-1", "ZD-2", "ZD 3", ""):
        AuditEntry.objects.create(user=alice, username="alice", action=Action.VIEW, kind="customer",
                                  object_ids="CUST-1", customer_id="CUST-1", ticket=ticket)
    client.force_login(carol)
    return client


def _audit_log_reads():
    return list(AuditEntry.objects.filter(action=Action.AUDIT_LOG).order_by("id"))


def test_the_audit_log_lists_one_tickets_rows(auditor):
    response = auditor.get(AUDIT_LOG, {"ticket": "ZD-1", "action": "view"})

    assert response.status_code == 200
    assert [row.ticket for row in response.context["cl"].result_list] == ["ZD-1", "ZD-1"]
    [read] = _audit_log_reads()
    assert read.filters == "action=view&ticket=ZD-1" and read.ticket == ""


def test_a_reference_unlike_an_id_is_recorded_only_as_its_keyed_hash(auditor):
    response = auditor.get(AUDIT_LOG, {"ticket": "ZD 3"})

    assert [row.ticket for row in response.context["cl"].result_list] == ["ZD 3"]
    [read] = _audit_log_reads()
    assert read.filters == f"ticket=hmac:{audit_term_digest('ZD 3')}"


def test_the_audit_log_has_a_ticket_box_that_keeps_the_other_filters(auditor):
    page = parse(auditor.get(AUDIT_LOG, {"action": "view", "ticket": "ZD-2"}).content.decode())

    [form] = page.find_all("form", cls="pd-ticket-filter")
    fields = {field.get("name"): field.get("value") for field in form.find_all("input")}
    assert fields == {"action": "view", "ticket": "ZD-2"}
    assert "ZD-2" in page.find("td", cls="field-ticket").text


def test_an_auditor_in_a_ticket_flow_reads_the_log_without_recording_the_ticket(auditor, fake):
    fake.nothing_under("/customers/CUST-404")
    auditor.get("/customers/CUST-404/", {"ticket": "ZD-9"}, follow=True)
    auditor.get(AUDIT_LOG)

    [read] = _audit_log_reads()
    assert read.ticket == ""
    assert AuditEntry.objects.filter(action=Action.VIEW, customer_id="CUST-404").get().ticket == "ZD-9"
