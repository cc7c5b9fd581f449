"""The warm path: a signed-in request reads its permissions and session from the cache,
and a change of groups (sign-in, renewal, admin) reaches the next request at once."""

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from lookup.auth.accounts import Identity, SignInRefused, account_at_renewal, account_for_sign_in
from lookup.auth.oidc import OIDCBackend
from lookup.auth.permissions import permissions_key
from lookup.auth.session_store import SessionStore
from tests.support.cache import CLOSED_PORT_REDIS, using_cache
from tests.support.settings_probe import settings_from

TRIVIAL_VIEW = "/bench/signed-in"
USERNAME = "proxy:alice@printshop.test"

pytestmark = pytest.mark.urls("bench.urls")


@pytest.fixture
def cached_warm_path(settings, cache_backend):
    settings.PERMISSION_CACHE_SECONDS = 300
    settings.SESSION_ENGINE = "lookup.auth.session_store"
    return cache_backend


@pytest.fixture
def support_agent(perpdesk_groups):  # noqa: F811
    user = User.objects.create_user(USERNAME)
    user.groups.set([Group.objects.get(name="Support")])
    return user


@pytest.fixture
def agent_client(client, support_agent):
    client.force_login(support_agent)
    assert client.get(TRIVIAL_VIEW).status_code == 200  # warms the session and permissions
    return client


def _queries_of(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(TRIVIAL_VIEW)
    return response, [query["sql"] for query in queries.captured_queries]


def test_a_warm_signed_in_view_reads_only_the_user_from_the_database(cached_warm_path, agent_client):
    response, queries = _queries_of(agent_client)

    assert response.status_code == 200
    assert len(queries) == 1 and 'FROM "auth_user"' in queries[0]


def test_without_the_caches_the_same_view_asks_for_the_session_and_the_permissions(settings, agent_client):
    settings.PERMISSION_CACHE_SECONDS = 0
    response, queries = _queries_of(agent_client)

    assert response.status_code == 200
    assert any("django_session" in sql for sql in queries)
    assert sum("auth_permission" in sql for sql in queries) == 2
    assert len(queries) == 4


def test_removing_someone_from_their_group_in_the_admin_takes_effect_on_the_next_request(
    cached_warm_path, agent_client, support_agent
):
    support_agent.groups.set([])  # what the admin's user form saves

    assert agent_client.get(TRIVIAL_VIEW).status_code == 403


def test_removing_a_member_from_the_group_s_side_takes_effect_on_the_next_request(
    cached_warm_path, agent_client, support_agent
):
    Group.objects.get(name="Support").user_set.remove(support_agent)

    assert agent_client.get(TRIVIAL_VIEW).status_code == 403


def test_clearing_a_group_s_members_takes_effect_on_the_next_request(cached_warm_path, agent_client):
    Group.objects.get(name="Support").user_set.clear()

    assert agent_client.get(TRIVIAL_VIEW).status_code == 403


def test_taking_a_permission_from_the_group_takes_effect_on_the_next_request(cached_warm_path, agent_client):
    Group.objects.get(name="Support").permissions.remove(Permission.objects.get(codename="lookup_customers"))

    assert agent_client.get(TRIVIAL_VIEW).status_code == 403


def test_deleting_the_group_takes_effect_on_the_next_request(cached_warm_path, agent_client):
    Group.objects.get(name="Support").delete()

    assert agent_client.get(TRIVIAL_VIEW).status_code == 403


def test_groups_removed_at_renewal_take_effect_on_the_next_request(cached_warm_path, agent_client, support_agent):
    request = RequestFactory().get("/")
    with pytest.raises(SignInRefused):
        account_at_renewal(
            request=request, user=support_agent, identity=Identity(USERNAME, "alice"), group_names=[]
        )

    assert agent_client.get(TRIVIAL_VIEW).status_code == 403


def test_groups_replaced_at_sign_in_take_effect_on_the_next_request(cached_warm_path, agent_client):
    Group.objects.create(name="Trainees")  # may sign in, may not look customers up
    request = RequestFactory().get("/")
    account_for_sign_in(request=request, identity=Identity(USERNAME, "alice"), group_names=["Trainees"])

    assert agent_client.get(TRIVIAL_VIEW).status_code == 403


def test_a_group_given_in_the_admin_takes_effect_on_the_next_request(cached_warm_path, client, perpdesk_groups):  # noqa: F811
    bob = User.objects.create_user("bob")
    client.force_login(bob)
    assert client.get(TRIVIAL_VIEW).status_code == 403

    bob.groups.add(Group.objects.get(name="Support"))

    assert client.get(TRIVIAL_VIEW).status_code == 200


def test_an_unreadable_cache_means_the_database_is_asked(settings, support_agent, caplog):
    settings.PERMISSION_CACHE_SECONDS = 300
    with using_cache(CLOSED_PORT_REDIS):
        user = User.objects.get(pk=support_agent.pk)
        with CaptureQueriesContext(connection) as queries:
            allowed = OIDCBackend().has_perm(user, "lookup.lookup_customers")

    assert allowed
    assert sum("auth_permission" in query["sql"] for query in queries.captured_queries) == 2
    assert "Permission cache unreadable" in caplog.text


def test_the_cached_set_is_the_one_the_database_gives(cached_warm_path, support_agent):
    from django.core.cache import cache

    user = User.objects.get(pk=support_agent.pk)
    OIDCBackend().get_all_permissions(user)

    kept = cache.get(permissions_key(user.pk))
    assert "lookup.lookup_customers" in kept and kept == _support_permissions()


def _support_permissions():
    codenames = Group.objects.get(name="Support").permissions.values_list("content_type__app_label", "codename")
    return {f"{label}.{codename}" for label, codename in codenames}


# --- Sessions on the shared cache -------------------------------------------------------
def test_on_redis_sessions_and_permissions_are_kept_in_the_cache():
    kept = settings_from({"CACHE_URL": "redis://127.0.0.1:6379/14"}, "SESSION_ENGINE", "PERMISSION_CACHE_SECONDS")

    assert kept["SESSION_ENGINE"] == "lookup.auth.session_store"
    assert kept["PERMISSION_CACHE_SECONDS"] > 0


def test_on_a_per_process_cache_sessions_and_permissions_stay_in_the_database():
    kept = settings_from({"CACHE_URL": "locmemcache://perpdesk"}, "SESSION_ENGINE", "PERMISSION_CACHE_SECONDS")

    assert kept["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"
    assert kept["PERMISSION_CACHE_SECONDS"] == 0


def test_a_session_on_the_cache_is_still_in_the_database_when_the_cache_loses_it(cached_warm_path, db):
    from django.core.cache import cache

    store = SessionStore()
    store["signed_in"] = "yes"
    store.save()
    cache.clear()  # Redis restarted

    assert SessionStore(store.session_key).load() == {"signed_in": "yes"}


def test_a_session_ends_in_the_database_while_the_cache_is_down(db, caplog):
    with using_cache(CLOSED_PORT_REDIS):
        store = SessionStore()
        store["signed_in"] = "yes"
        store.save()
        store.delete()

    assert not Session.objects.filter(session_key=store.session_key).exists()
    assert "Session not deleted from the cache" in caplog.text
