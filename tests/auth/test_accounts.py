"""Accounts keyed on who vouched for the person (lookup.auth.accounts): OpenID accounts on
issuer and subject, carried over from the old "oidc:<sub>" keys by a data migration;
proxy accounts compared case-insensitively (one person, one account, one audit trail)."""

import importlib
from ipaddress import ip_network

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import RequestFactory

from lookup.auth.accounts import Identity, SignInRefused, account_for_sign_in, issuer_tag
from lookup.models import AuditEntry

ISSUER = "https://id.printshop.test"
migration = importlib.import_module("lookup.auth.migrations.0002_accounts_keyed_on_issuer")


@pytest.fixture
def request_from_proxy():
    return RequestFactory().get("/", REMOTE_ADDR="127.0.0.1")


def proxy_sign_in(request, user, groups=("Support",)):
    identity = Identity(username=f"proxy:{user}", label=user, email=user)
    return account_for_sign_in(request=request, identity=identity, group_names=set(groups))


# --- Proxy mode: one person, one account ---------------------------------------------------
def test_a_proxy_user_spelt_in_another_case_is_the_same_account(perpdesk_groups, request_from_proxy):
    first = proxy_sign_in(request_from_proxy, "Sam@PrintShop.test")
    again = proxy_sign_in(request_from_proxy, "sam@printshop.test")

    assert first.pk == again.pk
    assert User.objects.get().username == "proxy:sam@printshop.test"


def test_an_account_made_before_names_were_folded_is_still_found(perpdesk_groups, request_from_proxy):
    older = User.objects.create(username="proxy:Sam@PrintShop.test")

    assert proxy_sign_in(request_from_proxy, "SAM@printshop.TEST").pk == older.pk
    assert User.objects.count() == 1


def test_a_refused_proxy_identity_is_logged_without_its_email(perpdesk_groups, request_from_proxy, caplog):
    with pytest.raises(SignInRefused, match="none of the allowed groups"):
        proxy_sign_in(request_from_proxy, "sam@printshop.test", groups=())

    assert "Sign-in refused for an identity without an account" in caplog.text
    assert "sam@printshop.test" not in caplog.text
    assert AuditEntry.objects.get().username == "proxy:sam@printshop.test"  # the auditor sees who


def test_proxy_mode_signs_in_one_account_whatever_case_the_proxy_sends(client, perpdesk_groups, settings):
    settings.AUTH_MODE = "proxy"
    settings.AUTHENTICATION_BACKENDS = ["lookup.auth.proxy.ProxyBackend"]
    settings.TRUSTED_PROXIES = [ip_network("127.0.0.1/32")]
    settings.PROXY_USER_HEADER = "X-Forwarded-Email"
    settings.PROXY_GROUPS_HEADER = ""
    settings.PROXY_DEFAULT_GROUPS = ["Support"]

    for spelling in ("sam@printshop.test", "Sam@Printshop.test", "SAM@PRINTSHOP.TEST"):
        assert client.get("/login/", HTTP_X_FORWARDED_EMAIL=spelling).status_code == 302

    assert list(User.objects.values_list("username", flat=True)) == ["proxy:sam@printshop.test"]
    assert {entry.user_id for entry in AuditEntry.objects.filter(action="sign_in")} == {User.objects.get().pk}


# --- OpenID accounts: the data migration ----------------------------------------------------
def test_the_migration_keys_old_accounts_on_the_configured_issuer(db, settings):
    settings.OIDC_OP_ISSUER = ISSUER
    sam = User.objects.create(username="oidc:sam")
    keyed = User.objects.create(username=f"oidc:{issuer_tag(ISSUER)}:ada")
    local = User.objects.create(username="admin")

    migration.key_accounts_on_issuer(apps, None)

    sam.refresh_from_db(), keyed.refresh_from_db(), local.refresh_from_db()
    assert sam.username == f"oidc:{issuer_tag(ISSUER)}:sam"
    assert keyed.username == f"oidc:{issuer_tag(ISSUER)}:ada" and local.username == "admin"


def test_the_migration_leaves_old_accounts_alone_without_an_issuer(db, settings):
    settings.OIDC_OP_ISSUER = ""
    User.objects.create(username="oidc:sam")

    migration.key_accounts_on_issuer(apps, None)

    assert User.objects.get().username == "oidc:sam"


def test_the_migration_can_be_reversed(db, settings):
    settings.OIDC_OP_ISSUER = ISSUER
    User.objects.create(username="oidc:sam")

    migration.key_accounts_on_issuer(apps, None)
    migration.unkey_accounts(apps, None)

    assert User.objects.get().username == "oidc:sam"


def test_the_migration_ends_sessions_signed_in_at_the_provider_only(db):
    sam, alice = User.objects.create(username="oidc:sam"), User.objects.create(username="alice")
    for user, backend in ((sam, "lookup.auth.oidc.OIDCBackend"), (alice, "django.contrib.auth.backends.ModelBackend")):
        session = SessionStore()
        session.update({"_auth_user_id": str(user.pk), "_auth_user_backend": backend})
        session.create()

    migration.end_provider_sessions(apps, None)

    [kept] = Session.objects.all()
    assert kept.get_decoded()["_auth_user_id"] == str(alice.pk)
