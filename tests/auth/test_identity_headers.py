"""`manage.py nginx_identity_headers`: the nginx lines that keep client-sent identity
headers from perpdesk, printed from the settings for where the authenticating proxy sits.

tests/deploy/test_nginx_headers.py runs such lines in real nginx; these pin what is printed.
"""

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from lookup.auth.identity_headers import VENDOR_HEADERS

PLAIN = {"PROXY_USER_HEADER": "X-Forwarded-Email", "PROXY_GROUPS_HEADER": "X-Forwarded-Groups", "PROXY_JWT_HEADER": ""}


def printed(*args, **proxy_settings):
    out = io.StringIO()
    with override_settings(**{**PLAIN, **proxy_settings}):
        call_command("nginx_identity_headers", *args, stdout=out)
    return [line.strip() for line in out.getvalue().splitlines()]


def blanked(lines):
    return [line.split()[1] for line in lines if line.startswith("proxy_set_header") and line.endswith('"";')]


def test_at_the_edge_it_blanks_the_configured_headers_and_every_vendor_s():
    lines = printed(PROXY_USER_HEADER="X-Corp-User", PROXY_GROUPS_HEADER="X-Corp-Groups")

    names = blanked(lines)
    assert names[:2] == ["X-Corp-User", "X-Corp-Groups"]
    assert set(names) == {"X-Corp-User", "X-Corp-Groups"} | {name for _, group in VENDOR_HEADERS for name in group}
    assert len(names) == len({name.lower() for name in names})  # each once
    assert lines[0].startswith("# BEGIN identity headers") and lines[-1] == "# END identity headers"


def test_behind_auth_request_the_headers_perpdesk_reads_come_from_the_answer():
    lines = printed("--where", "auth-request")

    assert "auth_request /oauth2/auth;" in lines
    assert "auth_request_set $perpdesk_proxy_user_header $upstream_http_x_auth_request_email;" in lines
    assert "proxy_set_header X-Forwarded-Email $perpdesk_proxy_user_header;" in lines
    assert "proxy_set_header X-Forwarded-Groups $perpdesk_proxy_groups_header;" in lines
    assert not {"X-Forwarded-Email", "X-Forwarded-Groups"} & set(blanked(lines))
    assert "X-Auth-Request-Email" in blanked(lines)  # the client's copy of the answer's name


def test_behind_auth_request_with_a_signed_assertion_only_the_assertion_is_passed():
    lines = printed("--where", "auth-request", "--answer-jwt", "X-Pomerium-Jwt-Assertion",
                    PROXY_JWT_HEADER="X-Pomerium-Jwt-Assertion")

    assert "auth_request_set $perpdesk_proxy_jwt_header $upstream_http_x_pomerium_jwt_assertion;" in lines
    assert "proxy_set_header X-Pomerium-Jwt-Assertion $perpdesk_proxy_jwt_header;" in lines
    assert {"X-Forwarded-Email", "X-Forwarded-Groups"} <= set(blanked(lines))  # not read with a JWT


def test_behind_a_proxy_in_front_the_signed_assertion_is_the_one_header_left_alone():
    lines = printed("--where", "in-front", PROXY_JWT_HEADER="X-Goog-IAP-JWT-Assertion")

    assert "X-Goog-IAP-JWT-Assertion" not in blanked(lines)
    assert {"X-Goog-Authenticated-User-Email", "X-Forwarded-Email"} <= set(blanked(lines))


def test_behind_a_proxy_in_front_it_refuses_to_trust_an_unsigned_header():
    with pytest.raises(CommandError, match="--where in-front needs PROXY_JWT_HEADER"):
        printed("--where", "in-front")


@pytest.mark.parametrize(
    "proxy_settings, args",
    [
        ({"PROXY_USER_HEADER": "X_Forwarded_Email"}, []),
        ({"PROXY_GROUPS_HEADER": 'X-Groups "";\n        return 200'}, []),
        ({}, ["--where", "auth-request", "--answer-user", "X-Auth Request"]),
        ({}, ["--where", "auth-request", "--auth-path", "/oauth2/auth; deny all"]),
    ],
)
def test_it_prints_nothing_for_a_name_or_path_that_would_not_be_a_plain_nginx_word(proxy_settings, args):
    with pytest.raises(CommandError, match="is not a"):
        printed(*args, **proxy_settings)
