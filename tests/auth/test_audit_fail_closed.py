"""The audit trail fails closed: a page that shows customer data is sent only once its
audit row is written. If the database refuses the row, staff get the 503 "database
unavailable" page and no PERP data; an id a row could not hold (a NUL byte, longer than
the audit column) is refused with a 400 before PERP is asked.

SQLite stores a NUL byte where PostgreSQL refuses it, so the whole module runs a second
time on the real PostgreSQL (tests/support/postgres_rerun.py).
"""

from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings, strategies as st

from lookup.audit import ID_MAX_LENGTH, id_is_storable
from lookup.models import AuditEntry
from tests.support import perp_payloads as p
from tests.support.audit import AuditInsertsRefused
from tests.support.postgres_rerun import postgres_rerun_test
from tests.support.perp_payloads import serve_customer

pytestmark = pytest.mark.django_db

NAME = "Ada Lovelace"  # the customer's name in tests/support/perp_payloads.py: PERP data on the page


@pytest.fixture
def staff(alice):
    """Alice's browser, seeing the error pages real staff see instead of the exception."""
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    return client


@pytest.fixture
def audit_inserts_refused():
    refused = AuditInsertsRefused()
    refused.start()
    yield refused
    refused.stop()


def _assert_database_unavailable_without_perp_data(response):
    page = response.content.decode()
    assert response.status_code == 503
    assert response.has_header("Retry-After")
    assert "database" in page.lower()
    assert NAME not in page and "CUST-1001" not in page and "ORD-50001" not in page


# --- the database refuses the row ---------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    ["/customers/CUST-1001/", "/orders/ORD-50001/", "/invoices/INV-70001/", "/?q=CUST-1001"],
)
def test_a_page_whose_audit_row_is_refused_is_the_503_page_without_perp_data(
    staff, fake, audit_inserts_refused, caplog, path
):
    serve_customer(fake).nothing_matches("CUST-1001")
    fake.ok("/orders/ORD-50001", p.order())
    fake.ok("/invoices/INV-70001", p.invoice())

    response = staff.get(path)

    _assert_database_unavailable_without_perp_data(response)
    assert "AUDIT ROW NOT WRITTEN" in caplog.text
    assert not AuditEntry.objects.exclude(action=AuditEntry.Action.SIGN_IN).exists()


def test_a_refresh_whose_audit_row_is_refused_is_the_503_page(staff, fake, audit_inserts_refused):
    serve_customer(fake)

    response = staff.post("/refresh/", {"next": "/customers/CUST-1001/"})

    assert response.status_code == 503 and response.has_header("Retry-After")


def test_signing_out_still_works_when_its_row_is_refused(staff, audit_inserts_refused, caplog):
    response = staff.post("/logout/")

    assert response.status_code == 302 and "_auth_user_id" not in staff.session
    assert "AUDIT ROW NOT WRITTEN" in caplog.text


def test_the_page_answers_again_once_rows_can_be_written(staff, fake, audit_inserts_refused):
    serve_customer(fake)
    assert staff.get("/customers/CUST-1001/").status_code == 503

    audit_inserts_refused.stop()
    response = staff.get("/customers/CUST-1001/")

    assert response.status_code == 200 and NAME in response.content.decode()
    assert AuditEntry.objects.get(action=AuditEntry.Action.VIEW).customer_id == "CUST-1001"


# --- ids a row could not hold: refused before PERP is asked -----------------------------
UNUSABLE_IDS = ["CUST\x001001", "\x00", "a" * (ID_MAX_LENGTH + 1)]


@pytest.mark.parametrize("kind", ["customers", "orders", "invoices"])
@pytest.mark.parametrize("identifier", UNUSABLE_IDS, ids=["nul-inside", "nul-only", "too-long"])
def test_an_id_no_row_could_hold_is_refused_before_perp_is_asked(staff, perp, kind, identifier):
    response = staff.get(f"/{kind}/{quote(identifier, safe='')}/")

    assert response.status_code == 400
    page = response.content.decode()
    assert "cannot be a" in page and "PERP was not asked" in page
    assert "\x00" not in page
    assert len(perp.calls) == 0
    row = AuditEntry.objects.get(action=AuditEntry.Action.VIEW)
    assert (row.action, row.kind, row.outcome) == ("view", kind.removesuffix("s"), "refused")
    assert "\x00" not in row.object_ids and len(row.customer_id) <= ID_MAX_LENGTH


def test_an_id_as_long_as_the_column_is_looked_up(staff, fake):
    longest = "C" * ID_MAX_LENGTH
    fake.nothing_under(f"/customers/{longest}")

    response = staff.get(f"/customers/{longest}/")

    assert response.status_code == 404  # PERP was asked, and has no such customer
    assert fake.calls_to(f"/customers/{longest}") == 1
    assert AuditEntry.objects.get(action=AuditEntry.Action.VIEW).object_ids == longest


def test_a_refresh_of_an_unusable_id_asks_perp_nothing(staff, perp):
    response = staff.post("/refresh/", {"next": f"/orders/{quote(UNUSABLE_IDS[0])}/"})

    assert response.status_code == 303
    assert len(perp.calls) == 0


# Any text a URL's path segment can carry (a surrogate cannot reach Django from a URL).
PATH_IDS = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="/"), min_size=1, max_size=160)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(identifier=PATH_IDS)
def test_every_id_is_either_recorded_as_asked_or_refused_unasked(staff, fake, identifier):
    AuditEntry.objects.all().delete()
    calls_before = len(fake.requested)
    fake.nothing_under(f"/customers/{identifier}")  # PERP has no customers here

    response = staff.get(f"/customers/{quote(identifier, safe='')}/")

    assert response.status_code in (400, 404), response.status_code  # PERP has no customers here
    if id_is_storable(identifier):
        assert AuditEntry.objects.get().object_ids == identifier
    else:
        assert response.status_code == 400 and len(fake.requested) == calls_before
        assert AuditEntry.objects.get().outcome == "refused"


# --- the same on the real PostgreSQL -----------------------------------------------------
test_it_passes_on_postgresql = postgres_rerun_test(__file__, at_least=20)
