"""The sign-in page, password sign-in (LOCAL_LOGIN), sign-out, and how long a session lasts."""

import io
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from lookup.auth.sessions import IDLE_NOTE, MAX_LIFETIME_NOTE, RENEWED_AT_KEY, SIGNED_IN_AT_KEY
from lookup.models import AuditEntry

PROJECT_DIR = Path(__file__).resolve().parents[2]
ISSUER = "https://id.printshop.test"


@pytest.fixture
def oidc_configured(settings):
    settings.AUTH_MODE = "oidc"
    settings.OIDC_OP_ISSUER = ISSUER
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{ISSUER}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{ISSUER}/token"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{ISSUER}/jwks"
    settings.OIDC_RP_CLIENT_ID = "perpdesk"
    return settings


@pytest.fixture
def local_login(settings):
    settings.LOCAL_LOGIN = True
    settings.AUTHENTICATION_BACKENDS = [
        "lookup.auth.oidc.OIDCBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    return settings


# --- The sign-in page ------------------------------------------------------------------
def test_it_sends_anonymous_visitors_to_the_sign_in_page(client, db):
    response = client.get("/customers/CUST-1001/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/customers/CUST-1001/"


def test_it_offers_only_sso_when_local_login_is_off(client, db, oidc_configured):
    response = client.get("/login/", {"next": "/orders/ORD-1/"})

    text = response.content.decode()
    assert response.status_code == 200
    assert "Sign in with SSO" in text
    assert 'href="/oidc/authenticate/?next=%2Forders%2FORD-1%2F"' in text
    assert 'type="password"' not in text


def test_it_refuses_posted_credentials_when_local_login_is_off(client, alice, oidc_configured):
    response = client.post("/login/", {"username": "alice", "password": "pw-for-tests"})

    assert response.status_code == 405
    assert "_auth_user_id" not in client.session


def test_it_does_not_pass_an_off_site_next_to_the_provider(client, db, oidc_configured):
    text = client.get("/login/", {"next": "https://evil.example/"}).content.decode()

    assert 'href="/oidc/authenticate/"' in text and "evil" not in text


def test_it_says_when_sign_in_is_not_configured(client, db):
    text = client.get("/login/").content.decode()

    assert "Sign-in is not configured" in text and "Sign in with SSO" not in text


def test_it_signs_in_with_a_password_when_local_login_is_on(client, alice, local_login):
    page = client.get("/login/").content.decode()
    before = client.session.session_key

    credentials = {"username": "alice", "password": "pw-for-tests", "next": "/orders/ORD-1/"}
    response = client.post("/login/?next=/orders/ORD-1/", credentials)

    assert 'type="password"' in page
    assert response.status_code == 302 and response["Location"] == "/orders/ORD-1/"
    assert client.session["_auth_user_id"] == str(alice.pk)
    assert client.session.session_key != before
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SIGN_IN)
    assert (entry.username, entry.kind) == ("alice", "password")


def test_it_sends_someone_with_access_on_from_the_sign_in_page(alice_client):
    response = alice_client.get("/login/", {"next": "/invoices/INV-1/"})

    assert response.status_code == 302 and response["Location"] == "/invoices/INV-1/"


def test_it_tells_a_signed_in_person_without_access_who_they_are(client, bob):
    client.force_login(bob)

    response = client.get("/", follow=True)

    assert response.redirect_chain[-1][0].startswith("/login/")
    assert "You are signed in as bob, but that account may not use perpdesk" in response.content.decode()


# --- Signing out -------------------------------------------------------------------------
def test_it_signs_out_by_post_only(alice_client):
    assert alice_client.get("/logout/").status_code == 405
    assert "_auth_user_id" in alice_client.session


def test_it_signs_out_and_audits_it(alice_client, alice):
    response = alice_client.post("/logout/")

    assert response.status_code == 302 and response["Location"] == "/login/"
    assert "_auth_user_id" not in alice_client.session
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SIGN_OUT)
    assert (entry.user, entry.outcome) == (alice, "ok")


def test_it_signs_out_at_the_provider_too(alice_client, oidc_configured):
    oidc_configured.OIDC_OP_END_SESSION_ENDPOINT = f"{ISSUER}/logout"
    session = alice_client.session
    session["oidc_id_token"] = "the.id.token"
    session.save()

    response = alice_client.post("/logout/")

    location = urlsplit(response["Location"])
    query = parse_qs(location.query)
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{ISSUER}/logout"
    assert query == {
        "client_id": ["perpdesk"],
        "post_logout_redirect_uri": ["http://testserver/login/"],
        "id_token_hint": ["the.id.token"],
    }
    assert "_auth_user_id" not in alice_client.session


def test_the_admins_log_out_button_uses_perpdesks_sign_out(alice_client):
    from django.urls import resolve, reverse

    assert resolve(reverse("admin:logout")).view_name == "auth:sign_out"
    assert resolve(reverse("admin:login")).view_name == "auth:sign_in"


# --- How long a session lasts --------------------------------------------------------------
def test_it_ends_a_session_after_its_maximum_lifetime(alice_client, alice, settings):
    settings.SESSION_MAX_LIFETIME = 3600
    session = alice_client.session
    session[SIGNED_IN_AT_KEY] = time.time() - 3601
    session.save()

    response = alice_client.get("/customers/CUST-1001/")

    assert response.status_code == 302 and response["Location"].startswith("/login/")
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SIGN_OUT)
    assert (entry.user, entry.outcome, entry.note) == (alice, "expired", MAX_LIFETIME_NOTE)


def test_it_keeps_a_session_within_its_lifetime(alice_client, settings):
    settings.SESSION_MAX_LIFETIME = 3600
    session = alice_client.session
    session[SIGNED_IN_AT_KEY] = time.time() - 3500
    session.save()

    assert alice_client.get("/login/").status_code == 302  # still signed in: sent on


def test_it_ends_a_session_left_idle_and_audits_it_when_the_browser_returns(alice_client, alice):
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))

    response = alice_client.get("/customers/CUST-1001/")
    alice_client.get("/login/")  # the cookie was dropped: recorded once

    assert response.status_code == 302 and response["Location"].startswith("/login/")
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SIGN_OUT)
    assert (entry.user, entry.outcome, entry.note) == (alice, "expired", IDLE_NOTE)
    assert not Session.objects.exists()


def test_a_cookie_naming_no_session_is_no_audit_row(client, db, settings):
    client.cookies[settings.SESSION_COOKIE_NAME] = "a" * 32

    assert client.get("/login/").status_code == 200

    assert not AuditEntry.objects.exists()


def test_the_daily_maintenance_audits_expired_sessions_then_deletes_them(alice_client, alice, carol):
    from django.core.management import call_command

    client_of_carol = Client()
    client_of_carol.force_login(carol)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    AuditEntry.objects.all().delete()
    out = io.StringIO()

    call_command("daily_maintenance", stdout=out)

    assert not Session.objects.exists()
    rows = AuditEntry.objects.filter(action="sign_out", outcome="expired", note=IDLE_NOTE)
    assert sorted(entry.username for entry in rows) == ["alice", "carol"]
    assert "Deleted 2 expired sessions" in out.getvalue()


def test_the_daily_maintenance_keeps_live_sessions_and_prunes_old_audit_rows(alice_client, settings):
    from django.core.management import call_command

    AuditEntry.objects.update(at=timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS + 1))

    call_command("daily_maintenance", stdout=io.StringIO())

    assert Session.objects.count() == 1 and not AuditEntry.objects.exists()


def test_the_daily_maintenance_forgets_sign_ins_at_the_provider_past_their_end(alice, db):
    from django.core.management import call_command

    from lookup.auth.models import ProviderSignIn

    now = timezone.now()
    for key, ends_at in (("ended", now - timedelta(seconds=1)), ("live", now + timedelta(hours=1))):
        ProviderSignIn.objects.create(
            key=key, user=alice, subject="sam", vouched_at=now, renew_after=now, ends_at=ends_at
        )

    call_command("daily_maintenance", stdout=io.StringIO())

    assert list(ProviderSignIn.objects.values_list("key", flat=True)) == ["live"]


def renewed_seconds_ago(client, seconds):
    session = client.session
    session[RENEWED_AT_KEY] = time.time() - seconds
    session.save()
    Session.objects.update(expire_date=timezone.now() + timedelta(seconds=60))


def test_a_request_renews_the_idle_timeout_once_the_last_renewal_is_a_minute_old(
    alice_client, settings
):
    renewed_seconds_ago(alice_client, 61)

    alice_client.get("/login/")

    remaining = Session.objects.get().expire_date - timezone.now()
    assert remaining > timedelta(seconds=settings.SESSION_IDLE_TIMEOUT - 60)


def test_requests_within_a_minute_of_the_last_renewal_do_not_write_the_session(alice_client):
    renewed_seconds_ago(alice_client, 30)

    alice_client.get("/login/")

    remaining = Session.objects.get().expire_date - timezone.now()
    assert remaining <= timedelta(seconds=60)


def test_its_session_cookie_is_secure_http_only_and_same_site_in_production(client, alice, local_login):
    client.post("/login/", {"username": "alice", "password": "pw-for-tests"})

    cookie = client.cookies["__Host-sessionid"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 30 * 60


def _settings_in_a_fresh_process(**env):
    overridden = ("DEBUG", "SECURE_COOKIES", "DJANGO_SETTINGS_MODULE")
    clean = {name: value for name, value in os.environ.items() if name not in overridden}
    code = (
        "import perpdesk.settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_NAME)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR, env={**clean, **env}, capture_output=True, text=True, timeout=60,
    )
    return result.stdout.split()


def test_the_quick_start_on_plain_http_gets_ordinary_cookies():
    assert _settings_in_a_fresh_process(DEBUG="true") == ["False", "False", "sessionid"]


def test_production_gets_secure_cookies_unless_told_otherwise():
    assert _settings_in_a_fresh_process(DEBUG="false") == ["True", "True", "__Host-sessionid"]
    assert _settings_in_a_fresh_process(DEBUG="false", SECURE_COOKIES="false")[:2] == ["False", "False"]
