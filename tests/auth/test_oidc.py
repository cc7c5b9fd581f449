"""OpenID Connect sign-in at the Django level: the provider's token, userinfo and key
endpoints answered by `responses`, the ID tokens signed here with a test RSA key.

The whole flow against a real provider in a real browser is in test_auth_browser.py.
"""

import base64
import hashlib
from urllib.parse import parse_qsl

import pytest
import requests
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core import signing
from django.test import RequestFactory

from lookup.auth.accounts import issuer_tag
from lookup.auth.flow import cookie_name, flows_in
from lookup.auth.oidc import OIDCBackend
from lookup.auth.views import ANONYMOUS_FAILURES_AUDITED
from lookup.models import AuditEntry
from tests.support.auth import token_claims
from tests.support.oidc_fake import (
    ADA,
    CLIENT_ID,
    ISSUER,
    SAM,
    TOKEN_URL,
    USERINFO_URL,
    JWKS_URL,
    callback,
    sam_userinfo,
    sign_in,
    start_sign_in,
)

pytestmark = pytest.mark.usefixtures("oidc_settings")  # perpdesk signs in at the fake provider


# The client and the fake provider are built once per test, not per example.
settings_profile_for_client = hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

def test_it_signs_in_and_lands_on_the_search_page(client, provider):
    response = sign_in(client, provider)

    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(username=SAM)
    assert [g.name for g in user.groups.all()] == ["Support"]
    assert user.email == "sam@printshop.test" and not user.has_usable_password()
    assert client.get("/").wsgi_request.user == user


def test_it_asks_for_pkce_s256_state_and_nonce_and_proves_the_verifier(client, provider):
    params = start_sign_in(client)
    provider.answers(id_token=provider.id_token(params["nonce"]), userinfo=sam_userinfo())
    callback(client, params["state"])

    assert params["code_challenge_method"] == "S256"
    assert len(params["state"]) >= 32 and len(params["nonce"]) >= 32
    token_request = next(call.request for call in provider.mock.calls if call.request.url == TOKEN_URL)
    verifier = dict(parse_qsl(token_request.body))["code_verifier"]
    digest = hashlib.sha256(verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert challenge == params["code_challenge"]


def test_it_bounds_every_call_to_the_provider_with_a_timeout(client, provider, settings):
    settings.OIDC_TIMEOUT = 4.5
    sign_in(client, provider)

    assert {call.request.url for call in provider.mock.calls} == {TOKEN_URL, USERINFO_URL, JWKS_URL}
    assert all(call.request.req_kwargs["timeout"] == 4.5 for call in provider.mock.calls)


def test_it_gives_the_session_a_new_key_at_sign_in(client, provider):
    planted = client.session  # a session the browser had before (or an attacker gave it)
    planted["planted"] = True
    planted.save()
    key_before = planted.session_key

    sign_in(client, provider)

    assert client.session.session_key != key_before
    assert client.session["_auth_user_id"]


def test_it_audits_the_sign_in(client, provider):
    sign_in(client, provider)

    entry = AuditEntry.objects.get(action=AuditEntry.Action.SIGN_IN)
    assert (entry.username, entry.kind, entry.outcome) == (SAM, "oidc", "ok")
    assert entry.client_ip == "127.0.0.1" and entry.request_id


def test_it_maps_the_audit_group_to_auditors(client, provider):
    sign_in(client, provider, userinfo=sam_userinfo(groups=["perp-support", "perp-audit"]))

    user = User.objects.get(username=SAM)
    assert sorted(g.name for g in user.groups.all()) == ["Auditors", "Support"]
    assert user.has_perm("lookup.view_audit_log")


def test_it_replaces_groups_on_every_sign_in(client, provider):
    sign_in(client, provider, userinfo=sam_userinfo(groups=["perp-audit"]))
    client.logout()

    sign_in(client, provider, userinfo=sam_userinfo(groups=["perp-support"]))

    assert [g.name for g in User.objects.get(username=SAM).groups.all()] == ["Support"]


def test_it_reads_groups_from_the_configured_claim(client, provider, settings):
    settings.OIDC_GROUPS_CLAIM = "roles"
    sign_in(client, provider, userinfo=sam_userinfo(groups=[], roles=["perp-support"]))

    assert User.objects.get(username=SAM).groups.filter(name="Support").exists()


def test_it_never_makes_anyone_staff_or_superuser(client, provider):
    User.objects.create(username=SAM, is_staff=True, is_superuser=True)

    sign_in(client, provider, userinfo=sam_userinfo(is_staff=True, is_superuser=True))

    user = User.objects.get(username=SAM)
    assert not user.is_staff and not user.is_superuser


def test_it_never_hands_out_a_group_with_powers_outside_perpdesk(client, provider, settings):
    from django.contrib.auth.models import Group, Permission

    admins = Group.objects.create(name="Admins")
    admins.permissions.add(Permission.objects.get(codename="change_user"))
    settings.AUTH_GROUP_MAP = {"perp-support": "Support", "it-admins": "Admins"}

    sign_in(client, provider, userinfo=sam_userinfo(groups=["perp-support", "it-admins"]))

    assert [g.name for g in User.objects.get(username=SAM).groups.all()] == ["Support"]


def test_it_matches_people_on_sub_not_on_email(client, provider, alice):
    sign_in(client, provider, userinfo=sam_userinfo(email=alice.email))

    assert client.session["_auth_user_id"] == str(User.objects.get(username=SAM).pk)
    assert client.session["_auth_user_id"] != str(alice.pk)


def test_it_refuses_a_person_outside_the_allowed_groups(client, provider, caplog):
    response = sign_in(client, provider, userinfo=sam_userinfo(groups=["marketing"]))

    assert response.status_code == 403
    text = response.content.decode()
    assert "You are signed in as <strong>sam@printshop.test</strong> at the identity provider" in text
    assert "not in a group allowed to use perpdesk" in text and "Ask your team lead" in text
    assert not User.objects.filter(username=SAM).exists()
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.get(outcome=AuditEntry.Outcome.REFUSED)
    assert (entry.username, entry.action) == (SAM, "sign_in")
    assert "Sign-in refused for an identity without an account" in caplog.text


def test_it_takes_the_groups_away_from_someone_who_left_them(client, provider):
    sign_in(client, provider)
    client.logout()

    response = sign_in(client, provider, userinfo=sam_userinfo(groups=[]))

    assert response.status_code == 403
    assert not User.objects.get(username=SAM).groups.exists()


def test_it_refuses_a_deactivated_account(client, provider):
    User.objects.create(username=SAM, is_active=False)

    response = sign_in(client, provider)

    assert response.status_code == 403 and "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "overrides, reason",
    [
        ({"iss": "https://evil.example"}, "Invalid issuer"),
        ({"aud": "another-app"}, "Audience doesn't match"),
        ({"aud": ["another-app", CLIENT_ID], "azp": "another-app"}, "ID token is for another party"),
        ({"exp": 1_000_000_000, "iat": 999_999_000}, "Signature has expired"),
        ({"iat": None}, 'missing the "iat" claim'),
        ({"nonce": "not-the-nonce"}, "Nonce verification failed"),
    ],
)
def test_it_refuses_an_id_token_that_does_not_check_out(client, provider, overrides, reason):
    response = sign_in(client, provider, **overrides)

    assert response.status_code == 403
    assert "Sign-in failed" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(username=SAM).exists()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SIGN_IN)
    assert entry.outcome == AuditEntry.Outcome.REFUSED and reason in entry.note


def test_it_refuses_a_token_signed_with_another_key(client, provider, stranger_key):
    response = sign_in(client, provider, key=stranger_key)

    assert response.status_code == 403 and "_auth_user_id" not in client.session
    assert "Signature verification failed" in AuditEntry.objects.get().note


def test_it_refuses_an_unsigned_or_symmetric_token(client, provider, settings):
    settings.OIDC_ALLOW_UNSECURED_JWT = True  # the library's own escape hatch: ignored here
    params = start_sign_in(client)
    claims = token_claims(issuer=ISSUER, audience=CLIENT_ID, nonce=params["nonce"])
    import jwt

    provider.answers(id_token=jwt.encode(claims, None, algorithm="none"), userinfo=sam_userinfo())
    response = callback(client, params["state"])

    assert response.status_code == 403 and "_auth_user_id" not in client.session


def test_it_refuses_userinfo_about_someone_else(client, provider):
    response = sign_in(client, provider, userinfo=sam_userinfo(sub="ada"))

    assert response.status_code == 403
    assert not User.objects.filter(username__in=[SAM, ADA]).exists()


def test_it_refuses_a_forged_state(client, provider):
    params = start_sign_in(client)
    provider.answers(id_token=provider.id_token(params["nonce"]), userinfo=sam_userinfo())

    response = callback(client, "forged-state-from-another-browser")

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    assert not any(call.request.url == TOKEN_URL for call in provider.mock.calls)
    assert AuditEntry.objects.get().outcome == AuditEntry.Outcome.REFUSED


def test_it_refuses_a_callback_no_sign_in_was_started_for_without_writing_anything(client, provider):
    response = callback(client, "some-state")

    assert response.status_code == 403 and "Sign-in failed" in response.content.decode()
    assert not AuditEntry.objects.exists() and not Session.objects.exists()
    assert not provider.mock.calls


def test_it_shows_the_providers_refusal(client, provider):
    params = start_sign_in(client)

    response = client.get("/oidc/callback/", {"error": "access_denied", "state": params["state"]})

    assert response.status_code == 403
    assert AuditEntry.objects.get().note == "the provider answered 'access_denied'"


def test_it_says_so_when_the_provider_does_not_answer(client, provider):
    params = start_sign_in(client)
    provider.mock.post(TOKEN_URL, body=requests.ConnectTimeout("timed out"))

    response = callback(client, params["state"])

    assert response.status_code == 502
    assert "did not answer perpdesk in time" in response.content.decode()
    assert AuditEntry.objects.get().outcome == AuditEntry.Outcome.ERROR


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/steal", "//evil.example/", "http://testserver.evil/"]
)
def test_it_keeps_next_on_site(client, provider, next_url):
    params = start_sign_in(client, next=next_url)
    provider.answers(id_token=provider.id_token(params["nonce"]), userinfo=sam_userinfo())

    response = callback(client, params["state"])

    assert response.status_code == 302 and response["Location"] == "/"


def test_it_returns_to_the_page_that_asked_for_sign_in(client, provider):
    params = start_sign_in(client, next="/customers/CUST-1001/")
    provider.answers(id_token=provider.id_token(params["nonce"]), userinfo=sam_userinfo())

    response = callback(client, params["state"])

    assert response["Location"] == "/customers/CUST-1001/"


def test_the_backend_ignores_calls_that_are_not_the_callback(rf, provider):
    request = rf.get("/login/", {"code": "c", "state": "s"})

    assert OIDCBackend().authenticate(request, username="sam", password="pw") is None
    assert not provider.mock.calls


def test_the_sign_in_start_is_not_found_when_oidc_is_not_configured(client, settings):
    settings.OIDC_OP_ISSUER = ""

    assert client.get("/oidc/authenticate/").status_code == 404


# --- Anonymous requests cannot write to the database at will ------------------------------
def test_starting_sign_ins_writes_no_session_and_no_audit_row(client, provider):
    for _ in range(60):
        assert client.get("/login/").status_code == 200
        start_sign_in(client)

    assert Session.objects.count() == 0 and AuditEntry.objects.count() == 0


def test_anonymous_callbacks_with_an_error_write_nothing(client, provider):
    for number in range(60):
        response = client.get("/oidc/callback/", {"error": "access_denied", "state": f"state-{number}"})
        assert response.status_code == 403

    assert Session.objects.count() == 0 and AuditEntry.objects.count() == 0


def test_failed_sign_ins_from_one_address_are_audited_a_bounded_number_of_times(client, provider, caplog):
    for _ in range(ANONYMOUS_FAILURES_AUDITED + 15):
        params = start_sign_in(client)
        client.get("/oidc/callback/", {"error": "access_denied", "state": params["state"]})

    assert AuditEntry.objects.count() == ANONYMOUS_FAILURES_AUDITED
    assert Session.objects.count() == 0
    assert "Failed sign-in not audited" in caplog.text


def test_a_callback_with_an_error_does_not_sign_a_signed_in_person_out(alice_client, alice):
    response = alice_client.get("/oidc/callback/", {"error": "login_required", "state": "from-another-site"})

    assert response.status_code == 302 and response["Location"] == "/"
    assert alice_client.session["_auth_user_id"] == str(alice.pk)
    assert not AuditEntry.objects.filter(action="sign_out").exists()


def test_the_providers_refusal_of_a_sign_in_again_leaves_the_person_signed_in(alice_client, alice, provider):
    params = start_sign_in(alice_client)

    response = alice_client.get("/oidc/callback/", {"error": "access_denied", "state": params["state"]})

    assert response.status_code == 403
    assert alice_client.session["_auth_user_id"] == str(alice.pk)
    assert AuditEntry.objects.get(action="sign_in", outcome="refused").user == alice


def test_a_state_is_good_for_one_callback_only(client, provider):
    params = start_sign_in(client)
    provider.answers(id_token=provider.id_token(params["nonce"]), userinfo=sam_userinfo(groups=[]))
    assert callback(client, params["state"]).status_code == 403  # refused: still anonymous

    replayed = callback(client, params["state"])

    assert replayed.status_code == 403
    assert len(provider.token_requests()) == 1


def test_the_sign_in_cookie_is_http_only_and_short_lived(client, provider, settings):
    settings.SESSION_COOKIE_SECURE = True
    client.get("/oidc/authenticate/")

    cookie = client.cookies["__Host-perpdesk_signin"]
    assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Lax"
    assert cookie["path"] == "/" and cookie["max-age"] == 600


def test_a_tampered_sign_in_cookie_is_no_sign_in(client, provider):
    params = start_sign_in(client)
    value = client.cookies[cookie_name()].value
    client.cookies[cookie_name()] = value[:-3] + ("A" if value[-3] != "A" else "B") + value[-2:]

    response = callback(client, params["state"])

    assert response.status_code == 403 and not provider.token_requests()


# --- Every row tells the truth ------------------------------------------------------------
@pytest.mark.parametrize("error", ["invalid_grant", "invalid_request", "unauthorized_client"])
def test_a_code_the_token_endpoint_refuses_is_a_refusal_not_an_unreachable_provider(client, provider, error):
    params = start_sign_in(client)
    provider.mock.upsert("POST", TOKEN_URL, status=400, json={"error": error, "error_description": "code replayed"})

    response = callback(client, params["state"])

    text = response.content.decode()
    assert response.status_code == 403
    assert "Sign-in failed" in text and "Try again" in text and "did not answer" not in text
    entry = AuditEntry.objects.get()
    assert entry.outcome == "refused" and entry.note == f"the identity provider refused: {error}"


def test_a_provider_failing_with_a_server_error_is_unreachable(client, provider):
    params = start_sign_in(client)
    provider.mock.upsert("POST", TOKEN_URL, status=503, body="down")

    response = callback(client, params["state"])

    assert response.status_code == 502
    assert AuditEntry.objects.get().outcome == "error"


# --- Claims perpdesk cannot store -------------------------------------------------------------
@pytest.mark.parametrize("sub", ["sa\x00m", "sam\n", "\x1b[31msam", "s" * 256])
def test_a_subject_perpdesk_cannot_store_gets_the_sign_in_refusal_page(client, provider, sub):
    response = sign_in(client, provider, userinfo=sam_userinfo(sub=sub), sub=sub)

    assert response.status_code == 403 and "Sign-in failed" in response.content.decode()
    assert not User.objects.exists() and "_auth_user_id" not in client.session
    assert "cannot store" in AuditEntry.objects.get().note


def test_claims_holding_nul_are_stored_without_it(client, provider):
    sign_in(client, provider, userinfo=sam_userinfo(email="sam@print\x00shop.test", name="Sam\x00 Support"))

    user = User.objects.get(username=SAM)
    assert (user.email, user.first_name) == ("sam@printshop.test", "Sam Support")


@settings_profile_for_client
@given(sub=st.text(min_size=1, max_size=300), email=st.text(max_size=60))
def test_no_subject_or_email_makes_the_callback_fail_with_a_500(client, provider, sub, email):
    client.cookies.clear()
    response = sign_in(client, provider, userinfo=sam_userinfo(sub=sub, email=email), sub=sub)

    assert response.status_code in (302, 403)
    for user in User.objects.all():
        assert "\x00" not in user.username + user.email and user.username.isprintable()


def test_a_refusal_warning_names_the_account_by_its_id_not_the_email(client, provider, caplog):
    sign_in(client, provider)
    client.logout()
    sam = User.objects.get(username=SAM)

    sign_in(client, provider, userinfo=sam_userinfo(groups=["marketing"]))

    [warning] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Sign-in refused")]
    assert warning == f"Sign-in refused for account {sam.pk}: in none of the allowed groups"
    assert "sam@printshop.test" not in caplog.text


# --- Accounts keyed on issuer and subject -----------------------------------------------------
def test_the_same_subject_at_another_provider_gets_another_account(client, provider, settings):
    sign_in(client, provider)
    client.logout()
    settings.OIDC_OP_ISSUER = "https://new-idp.printshop.test"

    sign_in(client, provider, iss="https://new-idp.printshop.test")

    new_account = User.objects.get(pk=client.session["_auth_user_id"])
    assert new_account.username == f"oidc:{issuer_tag('https://new-idp.printshop.test')}:sam"
    assert User.objects.filter(username=SAM).exists() and new_account.username != SAM


@pytest.mark.parametrize("answer", [[], "a string", {"id_token": 42}, {"access_token": "at"}])
def test_a_token_answer_of_the_wrong_shape_is_a_failed_sign_in_not_a_500(client, provider, answer):
    params = start_sign_in(client)
    provider.mock.upsert("POST", TOKEN_URL, json=answer)

    response = callback(client, params["state"])

    assert response.status_code == 403 and "_auth_user_id" not in client.session
    assert AuditEntry.objects.get().outcome == "refused"


# --- The sign-in cookie is outside data too ----------------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


def _request_with_sign_in_cookie(value):
    request = RequestFactory().get("/oidc/callback/")
    request.COOKIES[cookie_name()] = value
    return request


@hypothesis_settings(max_examples=200)
@given(value=st.text(max_size=400))
def test_a_sign_in_cookie_perpdesk_did_not_sign_holds_no_sign_in(value):
    assert flows_in(_request_with_sign_in_cookie(value)) == {}


@hypothesis_settings(max_examples=200)
@given(payload=json_values)
def test_a_signed_sign_in_cookie_of_another_shape_holds_no_sign_in(payload):
    value = signing.dumps(payload, salt="perpdesk.auth.sign-in-flow", compress=True)

    assert flows_in(_request_with_sign_in_cookie(value)) == {}


@hypothesis_settings(max_examples=100)
@given(fields=st.fixed_dictionaries(
    {name: json_values for name in ("state", "nonce", "code_verifier", "next_url", "started_at")}
))
def test_a_signed_sign_in_cookie_with_fields_of_the_wrong_types_holds_no_sign_in(fields):
    texts = [fields[name] for name in ("state", "nonce", "code_verifier", "next_url")]
    assume(not all(isinstance(text, str) for text in texts) or not isinstance(fields["started_at"], int))
    value = signing.dumps([fields], salt="perpdesk.auth.sign-in-flow", compress=True)

    assert flows_in(_request_with_sign_in_cookie(value)) == {}
