"""The whole OpenID Connect sign-in, end to end: headless Chromium, perpdesk's live
server, and a real OpenID provider (the oidc-provider npm package) on loopback, with
PKCE, state, nonce and RS256 tokens checked against its published keys."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import User

from lookup.auth.accounts import issuer_tag
from lookup.auth.models import ProviderSignIn
from lookup.models import AuditEntry
from tests.support.auth import ensure_perpdesk_groups, renewal_due_now

pytestmark = pytest.mark.browser


@pytest.fixture
def signed_in_via_provider(settings, oidc_provider, transactional_db):
    for name, value in oidc_provider.settings().items():
        setattr(settings, name, value)
    settings.AUTHENTICATION_BACKENDS = ["lookup.auth.oidc.OIDCBackend"]
    settings.AUTH_GROUP_MAP = {"perp-support": "Support", "perp-audit": "Auditors"}
    # Sign-out's redirect to the provider follows a form post: form-action must allow it.
    settings.SECURE_CSP = {**settings.SECURE_CSP, "form-action": ["'self'", oidc_provider.issuer]}
    ensure_perpdesk_groups()
    yield settings
    oidc_provider.reset()  # the accounts' groups as PROVIDER_ACCOUNTS has them


def username(provider, sub):
    return f"oidc:{issuer_tag(provider.issuer)}:{sub}"


def sign_in_at_provider(page, account):
    """From perpdesk's sign-in page through the provider's login form and back."""
    page.get_by_role("link", name="Sign in with SSO").click()
    page.locator('input[name="login"]').fill(account)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_it_signs_in_at_the_provider_and_lands_on_the_search_page(
    page, live_server, signed_in_via_provider, oidc_provider
):
    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/login/")

    sign_in_at_provider(page, "sam")

    assert page.url == f"{live_server.url}/"
    assert page.get_by_role("heading", name="Find a customer").is_visible()
    user = User.objects.get(username=username(oidc_provider, "sam"))
    assert [g.name for g in user.groups.all()] == ["Support"]
    assert AuditEntry.objects.filter(username=user.username, action="sign_in", outcome="ok").count() == 1
    [session_cookie] = [c for c in page.context.cookies() if c["name"].endswith("sessionid")]
    assert session_cookie["httpOnly"] and session_cookie["secure"]
    assert session_cookie["sameSite"] == "Lax"


def test_it_refuses_someone_outside_the_allowed_groups(page, live_server, signed_in_via_provider, oidc_provider):
    page.goto(f"{live_server.url}/login/")

    sign_in_at_provider(page, "olga")

    body = page.locator("body").inner_text()
    assert "You are signed in as olga@printshop.test at the identity provider" in body
    assert "not in a group allowed to use perpdesk" in body
    assert not User.objects.filter(username=username(oidc_provider, "olga")).exists()
    assert AuditEntry.objects.get(username=username(oidc_provider, "olga")).outcome == "refused"
    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/login/")


def test_it_returns_an_auditor_to_the_page_that_asked(page, live_server, signed_in_via_provider, oidc_provider):
    page.goto(f"{live_server.url}/lookup/auditentry/")

    sign_in_at_provider(page, "ada")

    assert page.url == f"{live_server.url}/lookup/auditentry/"
    assert page.get_by_text(username(oidc_provider, "ada")).first.is_visible()  # her own sign-in, in the log


def test_it_keeps_an_off_site_next_on_site(page, live_server, signed_in_via_provider):
    page.goto(f"{live_server.url}/login/?next=https://evil.example/")

    sign_in_at_provider(page, "sam")

    assert page.url == f"{live_server.url}/"


def test_it_refuses_a_forged_state(page, live_server, signed_in_via_provider, oidc_provider):
    page.goto(f"{live_server.url}/login/")
    page.get_by_role("link", name="Sign in with SSO").click()
    assert page.url.startswith(oidc_provider.issuer)  # a sign-in is under way in this browser

    page.goto(f"{live_server.url}/oidc/callback/?code=stolen-code&state=forged-state")

    assert "Sign-in failed" in page.locator("body").inner_text()
    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/login/")
    assert AuditEntry.objects.get(action="sign_in").outcome == "refused"


def test_it_signs_out_here_and_at_the_provider(
    page, live_server, signed_in_via_provider, oidc_provider
):
    page.goto(f"{live_server.url}/")
    sign_in_at_provider(page, "sam")

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{oidc_provider.issuer}/session/end**")
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(f"{live_server.url}/login/")

    assert AuditEntry.objects.filter(username=username(oidc_provider, "sam"), action="sign_out").count() == 1
    page.get_by_role("link", name="Sign in with SSO").click()
    assert page.locator('input[name="login"]').is_visible()  # the provider asks again


# --- Renewal with the provider (lookup.auth.renewal) ---------------------------------------
def test_someone_removed_from_the_groups_at_the_provider_loses_access_at_the_next_renewal(
    page, live_server, signed_in_via_provider, oidc_provider
):
    page.goto(f"{live_server.url}/")
    sign_in_at_provider(page, "sam")
    assert page.get_by_role("heading", name="Find a customer").is_visible()

    oidc_provider.set_groups("sam", ["marketing"])
    renewal_due_now()
    page.goto(f"{live_server.url}/")

    assert "not in a group allowed to use perpdesk" in page.locator("body").inner_text()
    entry = AuditEntry.objects.get(action="sign_in", outcome="refused")
    assert (entry.username, entry.note) == (username(oidc_provider, "sam"), "groups removed at renewal")
    assert not User.objects.get(username=username(oidc_provider, "sam")).groups.exists()
    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/login/")


def test_renewals_re_map_the_groups_and_follow_the_rotated_refresh_token(
    page, live_server, signed_in_via_provider, oidc_provider
):
    page.goto(f"{live_server.url}/")
    sign_in_at_provider(page, "sam")
    first_token = ProviderSignIn.objects.get().refresh_token
    assert first_token  # the provider issued one at sign-in

    oidc_provider.set_groups("sam", ["perp-support", "perp-audit"])
    renewal_due_now()
    page.goto(f"{live_server.url}/lookup/auditentry/")
    assert page.url == f"{live_server.url}/lookup/auditentry/"  # an auditor now
    second_token = ProviderSignIn.objects.get().refresh_token
    assert second_token != first_token

    renewal_due_now()  # the rotated token works; the used one would revoke the grant
    page.goto(f"{live_server.url}/")
    assert page.get_by_role("heading", name="Find a customer").is_visible()
    assert ProviderSignIn.objects.get().refresh_token not in (first_token, second_token)


def test_someone_gone_at_the_provider_is_signed_out_at_the_next_renewal(
    page, live_server, signed_in_via_provider, oidc_provider
):
    page.goto(f"{live_server.url}/")
    sign_in_at_provider(page, "sam")

    oidc_provider.disable("sam")
    renewal_due_now()
    page.goto(f"{live_server.url}/")

    assert page.url.startswith(f"{live_server.url}/login/")
    entry = AuditEntry.objects.get(action="sign_out")
    assert entry.outcome == "refused" and "invalid_grant" in entry.note


def test_a_code_the_provider_refuses_is_a_failed_sign_in_not_an_unreachable_provider(
    page, live_server, signed_in_via_provider, oidc_provider
):
    page.goto(f"{live_server.url}/login/")
    with page.expect_request(lambda request: request.url.startswith(f"{oidc_provider.issuer}/auth")) as sent:
        page.get_by_role("link", name="Sign in with SSO").click()
    state = parse_qs(urlsplit(sent.value.url).query)["state"][0]  # the sign-in under way here

    response = page.goto(f"{live_server.url}/oidc/callback/?code=replayed-or-made-up&state={state}")

    assert response.status == 403
    body = page.locator("body").inner_text()
    assert "Sign-in failed" in body and "Try again" in body and "did not answer" not in body
    entry = AuditEntry.objects.get(action="sign_in")
    assert (entry.outcome, entry.note) == ("refused", "the identity provider refused: invalid_grant")


def test_a_cross_site_callback_with_an_error_does_not_sign_anyone_out(
    page, live_server, signed_in_via_provider, oidc_provider
):
    page.goto(f"{live_server.url}/")
    sign_in_at_provider(page, "sam")

    page.goto(f"{live_server.url}/oidc/callback/?error=access_denied&state=from-another-site")

    assert page.url == f"{live_server.url}/"
    assert page.get_by_role("heading", name="Find a customer").is_visible()
    assert not AuditEntry.objects.filter(action="sign_out").exists()
