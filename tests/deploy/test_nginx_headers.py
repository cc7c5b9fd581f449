"""deploy/nginx/perpdesk.conf run by real nginx in front of an upstream that keeps every
header it receives: no identity header a client sends gets through to perpdesk, in any
spelling, and nginx's access log keeps no query string and no Referer.

Needs Debian's nginx (`apt-get install nginx-light`): skipped without it, failed in CI.
"""

import http.client
import ssl
import time
import uuid

import pytest
from django.test import override_settings

from lookup.auth.identity_headers import AUTH_REQUEST, IN_FRONT, VENDOR_HEADERS, identity_header_lines, indented
from tests.support.nginx import NGINX, PROBE_HEADER, header_echo, running_nginx, site_identity_block
from tests.support.services import require_program

pytestmark = [pytest.mark.nginx, pytest.mark.slow]

FORGED = "boss@printshop.test"
DEFAULT_PROXY_SETTINGS = {"PROXY_USER_HEADER": "X-Forwarded-Email", "PROXY_GROUPS_HEADER": "", "PROXY_JWT_HEADER": ""}
VENDOR_NAMES = [name for _, names in VENDOR_HEADERS for name in names]
UNDERSCORE_SPELLINGS = [
    "X_Forwarded_Email",
    "X-Forwarded_Email",
    "x_forwarded_email",
    "X_Auth_Request_Email",
    "Cf_Access_Jwt_Assertion",
    "X_Goog_IAP_JWT_Assertion",
    "X_Pomerium_Jwt_Assertion",
]


@pytest.fixture(scope="module")
def echo():
    with header_echo() as upstream:
        yield upstream


def start_nginx(echo, tmp_path_factory, test_swaps=None):
    require_program(NGINX, "Debian's nginx (apt-get install nginx-light)")
    return running_nginx(echo.port, tmp_path_factory.mktemp("nginx-headers"), test_swaps=test_swaps)


@pytest.fixture(scope="module")
def shipped(echo, tmp_path_factory):
    with start_nginx(echo, tmp_path_factory) as nginx:
        yield nginx


def block_for(where=None, **proxy_settings):
    with override_settings(**{**DEFAULT_PROXY_SETTINGS, **proxy_settings}):
        return indented(identity_header_lines(where) if where else identity_header_lines())


def send(nginx, echo, headers, path="/"):
    """GET `path` through nginx over TLS with these raw (name, value) headers; what the
    upstream received for it, as {lower-case name: [values]}."""
    probe = uuid.uuid4().hex
    context = ssl.create_default_context(cafile=str(nginx.cert_path))
    connection = http.client.HTTPSConnection("127.0.0.1", nginx.https_port, timeout=10, context=context)
    try:
        connection.putrequest("GET", path)
        for name, value in [*headers, (PROBE_HEADER, probe)]:
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    received = {}
    for name, value in echo.headers_for(probe, path):
        received.setdefault(name.lower(), []).append(value)
    return received


def identity_headers_in(received, names):
    """The received headers that Django would read as one of `names` (WSGI folds - and _)."""
    wanted = {name.lower().replace("_", "-") for name in names}
    return {name: values for name, values in received.items() if name.replace("_", "-") in wanted}


# --- The site holds what the command prints ------------------------------------------------
def test_the_shipped_site_holds_the_lines_printed_for_the_default_settings():
    assert site_identity_block() == block_for()


# --- Identity headers a client sends ---------------------------------------------------------
@pytest.mark.parametrize("spelling", [str, str.lower, str.upper], ids=["as-documented", "lower", "upper"])
def test_no_identity_header_a_client_sends_reaches_perpdesk(shipped, echo, spelling):
    received = send(shipped, echo, [(spelling(name), FORGED) for name in VENDOR_NAMES])

    assert identity_headers_in(received, VENDOR_NAMES) == {}
    assert received[PROBE_HEADER.lower()]  # the control: an ordinary header does arrive


def test_an_identity_header_sent_twice_is_dropped_both_times(shipped, echo):
    received = send(shipped, echo, [("X-Forwarded-Email", FORGED), ("X-Forwarded-Email", "sam@printshop.test")])

    assert identity_headers_in(received, ["X-Forwarded-Email"]) == {}


def test_underscore_spellings_never_reach_perpdesk(shipped, echo):
    received = send(shipped, echo, [(name, FORGED) for name in UNDERSCORE_SPELLINGS])

    assert identity_headers_in(received, VENDOR_NAMES) == {}
    assert not any("_" in name for name in received)


def test_it_is_underscores_in_headers_off_that_drops_them(echo, tmp_path_factory):
    """The control for the test above: allowed, nginx passes X_Forwarded_Email on."""
    allowing = {"    underscores_in_headers off;\n": "    underscores_in_headers on;\n"}
    with start_nginx(echo, tmp_path_factory, allowing) as nginx:
        received = send(nginx, echo, [("X_Forwarded_Email", FORGED)])

    assert received["x_forwarded_email"] == [FORGED]


def test_the_lines_printed_for_other_header_names_keep_those_from_perpdesk(shipped, echo, tmp_path_factory):
    corp = {"PROXY_USER_HEADER": "X-Corp-User", "PROXY_GROUPS_HEADER": "X-Corp-Groups"}
    forged = [("X-Corp-User", FORGED), ("X-Corp-Groups", "perp-audit")]
    swap = {site_identity_block(): block_for(**corp)}

    with start_nginx(echo, tmp_path_factory, swap) as nginx:
        received = send(nginx, echo, forged)

    assert identity_headers_in(received, ["X-Corp-User", "X-Corp-Groups"]) == {}
    # The shipped lines know nothing of these names: that is why they are printed again.
    assert identity_headers_in(send(shipped, echo, forged), ["X-Corp-User"]) == {"x-corp-user": [FORGED]}


def test_behind_auth_request_perpdesk_gets_what_the_proxy_answered(echo, tmp_path_factory):
    answer = {"X-Auth-Request-Email": "sam@printshop.test", "X-Auth-Request-Groups": "perp-support"}
    echo.answers["/oauth2/auth"] = (202, answer)  # what oauth2-proxy answers for a signed-in person
    oauth2_location = (
        "    location = /oauth2/auth {\n        internal;\n        proxy_pass http://perpdesk;\n"
        '        proxy_pass_request_body off;\n        proxy_set_header Content-Length "";\n    }\n\n'
        "    location / {\n"
    )
    swaps = {
        site_identity_block(): block_for(AUTH_REQUEST, PROXY_GROUPS_HEADER="X-Forwarded-Groups"),
        "    location / {\n": oauth2_location,
    }
    forged = [("X-Forwarded-Email", FORGED), ("X-Forwarded-Groups", "perp-audit"), ("X-Auth-Request-Email", FORGED)]

    with start_nginx(echo, tmp_path_factory, swaps) as nginx:
        received = send(nginx, echo, forged)

    assert identity_headers_in(received, VENDOR_NAMES) == {
        "x-forwarded-email": ["sam@printshop.test"],
        "x-forwarded-groups": ["perp-support"],
    }


def test_behind_a_proxy_in_front_only_its_signed_assertion_passes(echo, tmp_path_factory):
    swap = {site_identity_block(): block_for(IN_FRONT, PROXY_JWT_HEADER="Cf-Access-Jwt-Assertion")}
    sent = [("Cf-Access-Jwt-Assertion", "header.payload.signature"), ("Cf-Access-Authenticated-User-Email", FORGED),
            ("X-Forwarded-Email", FORGED)]

    with start_nginx(echo, tmp_path_factory, swap) as nginx:
        received = send(nginx, echo, sent)

    assert identity_headers_in(received, VENDOR_NAMES) == {"cf-access-jwt-assertion": ["header.payload.signature"]}


# --- The access log --------------------------------------------------------------------------
def log_line_with(nginx, text, timeout=5):
    # nginx writes the line once the response has gone: wait for it.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in nginx.access_log().splitlines():
            if text in line:
                return line
        time.sleep(0.05)
    raise AssertionError(f"no access-log line with {text!r}:\n{nginx.access_log()}")


def test_the_access_log_keeps_no_query_string_and_no_referer(shipped, echo):
    referer = "https://perpdesk.example.com/?q=zoe%40example.com"
    received = send(shipped, echo, [("Referer", referer)], path="/?q=zoe%40example.com&page=2")

    # "zoe", not a name of hex letters: the line holds a hex request id ("ada" was in one).
    line = log_line_with(shipped, received["x-request-id"][0])
    assert '"GET / HTTP/1.1" 200 ' in line
    assert "zoe" not in line and "q=" not in line and "page=2" not in line


@pytest.mark.parametrize("page", ["customers", "orders", "invoices"])
def test_the_access_log_names_a_page_but_not_whose(shipped, echo, page):
    received = send(shipped, echo, [], path=f"/{page}/zoe%40example.com/?from=ticket-4411")

    line = log_line_with(shipped, received["x-request-id"][0])
    assert f'"GET /{page}/<id>/ HTTP/1.1" 200 ' in line
    assert "zoe" not in line and "ticket-4411" not in line


def test_the_access_log_keeps_other_paths_as_they_are(shipped, echo):
    received = send(shipped, echo, [], path="/admin/lookup/auditentry/?q=ada")

    assert '"GET /admin/lookup/auditentry/ HTTP/1.1" 200 ' in log_line_with(shipped, received["x-request-id"][0])


def test_the_plain_http_redirect_logs_no_query_string_either(shipped):
    connection = http.client.HTTPConnection("127.0.0.1", shipped.http_port, timeout=10)
    try:
        connection.request("GET", "/?q=bob%40example.com")
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()

    assert response.status == 301 and response.getheader("Location").endswith("/?q=bob%40example.com")
    line = log_line_with(shipped, '"GET / HTTP/1.1" 301 ')
    assert "bob" not in shipped.access_log()
    assert line.split()[-1].isalnum()  # its request id, to find the same request elsewhere
