"""The admin's own views answer hostile addresses with a clear 4xx, never a 500: the "view
on site" shortcut for perpdesk's table-less `Access`, and filter or search parameters
PostgreSQL cannot hold (NUL) or cannot read (junk dates, pages, orderings).

SQLite stores a NUL byte where PostgreSQL refuses it, so the whole module runs a second
time on the real PostgreSQL (tests/support/postgres_rerun.py).
"""

import pytest
from django.contrib.auth.models import Group, User
from hypothesis import HealthCheck, given, settings, strategies as st
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session

from lookup.models import Access, AuditEntry
from tests.support.postgres_rerun import postgres_rerun_test

pytestmark = pytest.mark.django_db

AUDIT_LOG = "/lookup/auditentry/"
USERS = "/auth/user/"
GROUPS = "/auth/group/"


@pytest.fixture
def auditor(client, carol):
    AuditEntry.objects.create(username="alice", action="view", kind="customer", object_ids="C-1")
    client.force_login(carol)
    return client


def _view_on_site(model, object_id):
    return f"/r/{ContentType.objects.get_for_model(model).pk}/{object_id}/"


# --- "view on site" ---------------------------------------------------------------------
def test_view_on_site_for_the_permission_only_model_is_not_found(alice_client):
    response = alice_client.get(_view_on_site(Access, 1))

    assert response.status_code == 404
    assert b"Page not found" in response.content


@pytest.mark.parametrize("object_id", ["1", "%00", "abc", "1%00"])
def test_view_on_site_is_not_found_for_models_without_a_page(alice_client, alice, object_id):
    for model in (User, Group, Session, AuditEntry):
        assert alice_client.get(_view_on_site(model, object_id)).status_code == 404, model


def test_view_on_site_of_an_unknown_kind_is_not_found(alice_client):
    assert alice_client.get("/r/999999/1/").status_code == 404


def test_view_on_site_still_needs_the_lookup_permission(client, bob):
    client.force_login(bob)

    response = client.get(_view_on_site(Access, 1))

    assert response.status_code == 302 and response["Location"].startswith("/login/")


# --- NUL in a filter or search ----------------------------------------------------------
NUL_PARAMETERS = ["q=%00", "q=jane%00doe", "username=%00", "kind=a%00b", "%00=1", "action=view&q=x%00"]


@pytest.mark.parametrize("query", NUL_PARAMETERS)
def test_the_audit_log_refuses_a_nul_in_a_filter_or_search_with_a_clear_page(auditor, query):
    response = auditor.get(f"{AUDIT_LOG}?{query}")

    assert response.status_code == 400
    assert "cannot be searched for" in response.content.decode()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.AUDIT_LOG).exists()  # nothing was read


@pytest.mark.parametrize("path", [USERS, GROUPS])
@pytest.mark.parametrize("query", ["q=%00", "username=%00", "is_staff__exact=%00", "groups__id__exact=%00"])
def test_the_user_and_group_admin_refuse_a_nul_too(admin_client, path, query):
    response = admin_client.get(f"{path}?{query}")

    assert response.status_code == 400
    assert "cannot be searched for" in response.content.decode()


# --- junk that is not NUL: the admin's own answers, never a 500 --------------------------
JUNK_FILTERS = [
    "at__year=abc",
    "at__year=2026&at__month=13",
    "at__year=2026&at__month=2&at__day=31",
    "at__year=99999999",
    "at__year=-1",
    "at__gte=2026-02-31",
    "at__gte=not-a-date",
    "p=junk",
    "p=99999999999999999999",
    "o=junk",
    "o=99.-42",
    "username=" + "x" * 400,
    "q=" + "%F0%9F%98%80" * 50,
    "q=%ED%A0%80",  # a lone surrogate's UTF-8: Django decodes it as replacement characters
    "outcome=ok%27%3B--",
]


@pytest.mark.parametrize("query", JUNK_FILTERS)
def test_the_audit_log_answers_junk_filters_without_a_server_error(auditor, query):
    response = auditor.get(f"{AUDIT_LOG}?{query}")

    assert response.status_code in (200, 302, 400), response.status_code
    if response.status_code == 302:  # the admin's "wrong filter" answer
        assert response["Location"].endswith("?e=1")


@pytest.mark.parametrize("query", ["date_joined__gte=junk", "is_active__exact=maybe", "q=%ED%A0%80", "o=junk"])
def test_the_user_admin_answers_junk_filters_without_a_server_error(admin_client, query):
    response = admin_client.get(f"{USERS}?{query}")

    assert response.status_code in (200, 302, 400), response.status_code


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(["q", "username", "kind", "action", "outcome", "at__year", "at__month", "p", "o"]),
    value=st.text(st.characters(exclude_categories=("Cs",)), max_size=60),
)
def test_any_text_in_an_audit_log_filter_is_answered_without_a_server_error(auditor, name, value):
    response = auditor.get(AUDIT_LOG, {name: value})

    assert response.status_code in (200, 302, 400), response.status_code
    assert (response.status_code == 400) == ("\x00" in value)


@pytest.mark.parametrize(
    "path",
    [
        f"{AUDIT_LOG}%00/change/",
        f"{AUDIT_LOG}1%00/change/",
        f"{AUDIT_LOG}abc/history/",
        f"{USERS}%00/change/",
        f"{USERS}%00/password/",
        f"{GROUPS}1%00/change/",
    ],
)
def test_a_record_address_holding_junk_is_a_clear_answer(admin_client, path):
    response = admin_client.get(path)

    assert response.status_code in (302, 404), response.status_code


# --- the same on the real PostgreSQL -----------------------------------------------------
test_it_passes_on_postgresql = postgres_rerun_test(__file__, at_least=40)
