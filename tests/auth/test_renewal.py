"""Renewal with the provider (lookup.auth.renewal): every OIDC_RENEW_SECONDS a signed-in
person is re-checked by a refresh-token grant and their groups re-mapped; the provider
answered by `responses`. End to end against the real provider: test_auth_browser.py."""

from datetime import timedelta

import pytest
import requests
from django.contrib.auth.models import User
from django.utils import timezone

from lookup.auth.models import ProviderSignIn
from lookup.models import AuditEntry
from tests.support.auth import renewal_due_now
from tests.support.oidc_fake import SAM, TOKEN_URL, callback, sam_userinfo, sign_in, start_sign_in
from tests.support.settings_probe import settings_from

pytestmark = pytest.mark.usefixtures("oidc_settings")  # perpdesk signs in at the fake provider


@pytest.fixture
def sam_client(client, provider):
    assert sign_in(client, provider).status_code == 302
    provider.mock.calls.reset()
    return client


def refresh_grants(provider):
    return [body for body in provider.token_requests() if body.get("grant_type") == "refresh_token"]


def signed_in(client):
    return "_auth_user_id" in client.session


def test_it_does_not_ask_the_provider_before_the_renewal_is_due(sam_client, provider):
    assert sam_client.get("/").status_code == 200

    assert not provider.mock.calls


def test_it_renews_with_the_refresh_token_and_re_maps_the_groups(sam_client, provider):
    provider.renews(userinfo=sam_userinfo(groups=["perp-support", "perp-audit"]), refresh_token="rt-2")
    renewal_due_now()

    response = sam_client.get("/")

    assert response.status_code == 200 and signed_in(sam_client)
    [grant] = refresh_grants(provider)
    assert grant["refresh_token"] == "rt-1" and grant["client_id"] == "perpdesk"
    assert sorted(g.name for g in User.objects.get(username=SAM).groups.all()) == ["Auditors", "Support"]
    row = ProviderSignIn.objects.get()
    assert row.refresh_token == "rt-2"  # rotated: the next renewal sends the new one
    assert row.renew_after > timezone.now() + timedelta(seconds=800)


def test_someone_removed_from_the_groups_loses_access_at_the_next_renewal(sam_client, provider):
    provider.renews(userinfo=sam_userinfo(groups=["marketing"]))
    renewal_due_now()

    response = sam_client.get("/customers/CUST-1001/")

    assert response.status_code == 403
    assert "not in a group allowed to use perpdesk" in response.content.decode()
    assert not signed_in(sam_client)
    assert not User.objects.get(username=SAM).groups.exists()
    entry = AuditEntry.objects.get(action="sign_in", outcome="refused")
    assert (entry.username, entry.note) == (SAM, "groups removed at renewal")
    assert not ProviderSignIn.objects.exists()
    assert sam_client.get("/").status_code == 302  # to the sign-in page


def test_a_refused_refresh_token_ends_the_session(sam_client, provider):
    provider.renews(status=400, error="invalid_grant")
    renewal_due_now()

    response = sam_client.get("/")

    assert response.status_code == 302 and response["Location"].startswith("/login/")
    entry = AuditEntry.objects.get(action="sign_out")
    assert entry.outcome == "refused" and entry.username == SAM
    assert "invalid_grant" in entry.note and entry.note.startswith("at renewal")


def test_a_renewal_about_another_subject_ends_the_session(sam_client, provider):
    provider.renews(subject="ada", userinfo=sam_userinfo(sub="ada"))
    renewal_due_now()

    sam_client.get("/")

    assert not signed_in(sam_client)
    assert "another subject" in AuditEntry.objects.get(action="sign_out").note


def test_an_unreachable_provider_postpones_the_renewal_then_ends_the_session(sam_client, provider, settings):
    provider.mock.upsert("POST", TOKEN_URL, body=requests.ConnectTimeout("timed out"))
    renewal_due_now()

    assert sam_client.get("/").status_code == 200 and signed_in(sam_client)
    row = ProviderSignIn.objects.get()
    assert timedelta(seconds=50) < row.renew_after - timezone.now() <= timedelta(seconds=60)
    assert not AuditEntry.objects.filter(action="sign_out").exists()

    unvouched_for = timedelta(seconds=2 * settings.OIDC_RENEW_SECONDS + 1)
    ProviderSignIn.objects.update(vouched_at=timezone.now() - unvouched_for)
    renewal_due_now()

    assert sam_client.get("/").status_code == 302 and not signed_in(sam_client)
    assert AuditEntry.objects.get(action="sign_out").outcome == "error"


def test_a_sign_in_without_a_refresh_token_ends_at_its_first_renewal(client, provider):
    params = start_sign_in(client)
    provider.answers(id_token=provider.id_token(params["nonce"]), userinfo=sam_userinfo(), refresh_token=None)
    callback(client, params["state"])
    assert signed_in(client)
    renewal_due_now()

    client.get("/")

    assert not signed_in(client)
    entry = AuditEntry.objects.get(action="sign_out")
    assert entry.outcome == "expired" and "no refresh token" in entry.note


def test_only_one_request_renews_at_a_time(sam_client, provider):
    renewal_due_now()
    ProviderSignIn.objects.update(renewing_until=timezone.now() + timedelta(seconds=20))  # another is asking

    assert sam_client.get("/").status_code == 200

    assert not refresh_grants(provider) and signed_in(sam_client)


def test_a_renewal_works_the_same_for_a_form_post(sam_client, provider):
    provider.renews(userinfo=sam_userinfo(groups=[]))
    renewal_due_now()

    response = sam_client.post("/customers/CUST-1001/refresh/")

    assert response.status_code == 403 and not signed_in(sam_client)
    assert refresh_grants(provider)


def test_signing_out_forgets_the_sign_in_at_the_provider(sam_client):
    assert ProviderSignIn.objects.exists()

    sam_client.post("/logout/")

    assert not ProviderSignIn.objects.exists()


def test_a_password_session_is_never_sent_to_the_provider(alice_client, provider):
    renewal_due_now()

    assert alice_client.get("/").status_code == 200

    assert not provider.mock.calls


def test_a_session_whose_sign_in_is_no_longer_on_record_is_ended(sam_client):
    ProviderSignIn.objects.all().delete()
    session = sam_client.session
    session["perpdesk_provider_renew_after"] = 0
    session.save()

    assert sam_client.get("/").status_code == 302 and not signed_in(sam_client)
    assert AuditEntry.objects.get(action="sign_out").outcome == "expired"


def test_a_stale_hint_in_the_session_is_put_right_without_asking_the_provider(sam_client, provider):
    session = sam_client.session
    session["perpdesk_provider_renew_after"] = 0  # as a concurrent request might save it back
    session.save()

    sam_client.get("/")

    assert sam_client.session["perpdesk_provider_renew_after"] == ProviderSignIn.objects.get().renew_after.timestamp()
    assert not provider.mock.calls


@pytest.mark.parametrize("value", ["0", "-5", "soon"])
def test_a_renewal_period_that_is_not_a_positive_number_stops_start_up(value):
    read = settings_from({"OIDC_RENEW_SECONDS": value}, "OIDC_RENEW_SECONDS")

    assert read["OIDC_RENEW_SECONDS"] == 900
    assert any(error.startswith("OIDC_RENEW_SECONDS is not valid") for error in read["SETTINGS_ERRORS"])


def test_the_renewal_period_is_read_from_the_environment():
    assert settings_from({"OIDC_RENEW_SECONDS": "300"}, "OIDC_RENEW_SECONDS")["OIDC_RENEW_SECONDS"] == 300


@pytest.mark.parametrize("answer", [[], {"access_token": "at", "id_token": "not.a.jwt"}, {"token_type": "Bearer"}])
def test_a_renewal_answer_of_the_wrong_shape_ends_the_session_not_a_500(sam_client, provider, settings, answer):
    settings.OIDC_OP_USER_ENDPOINT = ""  # nothing but the token endpoint's answer to go on
    provider.mock.upsert("POST", TOKEN_URL, json=answer)
    renewal_due_now()

    response = sam_client.get("/")

    assert response.status_code == 302 and not signed_in(sam_client)
    assert AuditEntry.objects.get(action="sign_out").outcome == "refused"
