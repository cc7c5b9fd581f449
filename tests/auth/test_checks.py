"""Start-up checks for sign-in settings, and how the group mapping is read."""

import os
import subprocess
import sys
from pathlib import Path

from django.core import checks
from django.test import override_settings

from lookup.auth.checks import check_auth_settings

PROJECT_DIR = Path(__file__).resolve().parents[2]
OIDC = {
    "AUTH_MODE": "oidc",
    "OIDC_OP_ISSUER": "https://sso.example.com",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://sso.example.com/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "https://sso.example.com/token",
    "OIDC_OP_JWKS_ENDPOINT": "https://sso.example.com/jwks",
    "OIDC_RP_CLIENT_ID": "perpdesk",
}
JWT_PROXY = {
    "AUTH_MODE": "proxy",
    "PROXY_JWT_HEADER": "Cf-Access-Jwt-Assertion",
    "PROXY_JWKS_URL": "https://team.cloudflareaccess.com/cdn-cgi/access/certs",
    "PROXY_JWT_ISSUER": "https://team.cloudflareaccess.com",
    "PROXY_JWT_AUDIENCE": "4714c1358e65fe4b408ad6d432a5f878f08194bdb4752441fd56faefa9b2b6f2",
    "PROXY_JWT_ALGORITHMS": ["RS256"],
    "PROXY_DEFAULT_GROUPS": ["Support"],
}


def _messages(**settings):
    """The errors' texts (warnings are looked at by their own tests)."""
    with override_settings(**settings):
        return [message.msg for message in check_auth_settings() if message.level >= checks.ERROR]


def test_it_accepts_a_complete_oidc_configuration():
    assert _messages(DEBUG=False, **OIDC) == []


def test_it_requires_the_provider_settings_in_production():
    messages = _messages(DEBUG=False, **{**OIDC, "OIDC_OP_ISSUER": "", "OIDC_RP_CLIENT_ID": ""})

    assert messages == [
        "OIDC_OP_ISSUER is not set: nobody can sign in (AUTH_MODE=oidc, LOCAL_LOGIN off).",
        "OIDC_RP_CLIENT_ID is not set: nobody can sign in (AUTH_MODE=oidc, LOCAL_LOGIN off).",
    ]


def test_it_lets_a_laptop_run_unconfigured():
    assert _messages(DEBUG=True, OIDC_OP_ISSUER="", OIDC_RP_CLIENT_ID="") == []


def test_it_wants_https_provider_urls_in_production():
    messages = _messages(DEBUG=False, **{**OIDC, "OIDC_OP_TOKEN_ENDPOINT": "http://sso.example.com/token"})

    assert messages == ["OIDC_OP_TOKEN_ENDPOINT must be an https URL in production."]


def test_it_requires_what_verifies_a_proxy_token():
    messages = _messages(**{**JWT_PROXY, "PROXY_JWKS_URL": "", "PROXY_JWT_AUDIENCE": ""})

    assert messages == [
        "PROXY_JWKS_URL is not set: needed to verify the proxy's token (PROXY_JWT_HEADER).",
        "PROXY_JWT_AUDIENCE is not set: needed to verify the proxy's token (PROXY_JWT_HEADER).",
    ]


def test_it_accepts_a_complete_signed_proxy_configuration():
    assert _messages(DEBUG=False, **JWT_PROXY) == []


def test_it_wants_the_proxy_keys_over_https_in_production():
    plain = {**JWT_PROXY, "PROXY_JWKS_URL": "http://team.cloudflareaccess.com/cdn-cgi/access/certs"}

    assert _messages(DEBUG=False, **plain) == ["PROXY_JWKS_URL must be an https URL in production."]
    assert _messages(DEBUG=True, **plain) == []  # a laptop's test proxy on loopback


def test_it_refuses_shared_secret_algorithms_for_proxy_tokens():
    [message] = _messages(DEBUG=False, **{**JWT_PROXY, "PROXY_JWT_ALGORITHMS": ["RS256", "HS256"]})

    assert message.startswith("PROXY_JWT_ALGORITHMS must list public-key algorithms only (")
    assert _messages(DEBUG=False, **{**JWT_PROXY, "PROXY_JWT_ALGORITHMS": []}) == [message]


def test_it_refuses_a_proxy_header_name_servers_would_drop_or_that_is_not_a_name():
    messages = _messages(
        AUTH_MODE="proxy",
        PROXY_USER_HEADER="X_Forwarded_Email",
        PROXY_GROUPS_HEADER='X-Groups ""; return 200',
        PROXY_DEFAULT_GROUPS=["Support"],
    )

    assert messages == [
        "PROXY_USER_HEADER must be a header name of letters, digits and hyphens (servers drop underscores).",
        "PROXY_GROUPS_HEADER must be a header name of letters, digits and hyphens (servers drop underscores).",
    ]


def _warning_ids(**settings):
    with override_settings(**settings):
        return [message.id for message in check_auth_settings() if message.level == checks.WARNING]


def test_it_warns_that_an_unsigned_proxy_header_is_only_as_safe_as_its_stripping():
    plain = {"AUTH_MODE": "proxy", "PROXY_USER_HEADER": "X-Forwarded-Email", "PROXY_DEFAULT_GROUPS": ["Support"]}

    with override_settings(DEBUG=False, **plain):
        [warning] = check_auth_settings()

    assert warning.id == "perpdesk_auth.W002"
    assert "believes X-Forwarded-Email as sent, unsigned" in warning.msg
    assert "manage.py nginx_identity_headers" in warning.hint
    assert _warning_ids(DEBUG=False, **JWT_PROXY) == []
    assert _warning_ids(DEBUG=False, **OIDC) == []


def test_it_requires_a_source_of_groups_in_proxy_mode():
    messages = _messages(
        AUTH_MODE="proxy", PROXY_GROUPS_HEADER="", PROXY_JWT_GROUPS_CLAIM="", PROXY_DEFAULT_GROUPS=[]
    )

    assert len(messages) == 1 and messages[0].startswith("PROXY_GROUPS_HEADER is not set")


def test_it_warns_about_password_sign_in_in_production():
    with override_settings(DEBUG=False, LOCAL_LOGIN=True, **OIDC):
        [warning] = check_auth_settings()

    assert warning.id == "perpdesk_auth.W001"


def _read_in_a_fresh_process(expression, **env):
    clean = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", f"import perpdesk.settings as s; print({expression})"],
        cwd=PROJECT_DIR, env={**clean, **env}, capture_output=True, text=True, timeout=60,
    )
    return result.stdout.strip()


def test_it_reads_the_group_map_from_the_environment():
    group_map = "urn:corp:perp-support:Support,ops:Auditors"

    value = _read_in_a_fresh_process("s.AUTH_GROUP_MAP", AUTH_GROUP_MAP=group_map)

    assert value == "{'urn:corp:perp-support': 'Support', 'ops': 'Auditors'}"


def test_it_reports_a_group_map_it_cannot_read():
    errors = _read_in_a_fresh_process("s.SETTINGS_ERRORS", AUTH_GROUP_MAP="perp-support")

    assert "AUTH_GROUP_MAP is not valid: expected idp-group:Django group pairs." in errors


def test_password_sign_in_is_off_unless_asked_for():
    backends = "s.LOCAL_LOGIN, s.AUTHENTICATION_BACKENDS"

    assert _read_in_a_fresh_process(backends, LOCAL_LOGIN="") == "False ['lookup.auth.oidc.OIDCBackend']"
    assert _read_in_a_fresh_process(backends, LOCAL_LOGIN="true", AUTH_MODE="proxy") == (
        "True ['lookup.auth.proxy.ProxyBackend', 'django.contrib.auth.backends.ModelBackend']"
    )
