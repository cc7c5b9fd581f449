"""deploy/nginx/perpdesk.conf in front of gunicorn: TLS, headers, and what a client may not forge.

Needs Debian's nginx (`apt-get install nginx-light`): skipped without it, failed in CI.
"""

import json
import re
import time

import pytest
import requests

from tests.support import gunicorn as harness
from tests.support.nginx import NGINX, running_nginx
from tests.support.services import require_program

pytestmark = [pytest.mark.nginx, pytest.mark.slow]

# What gunicorn received from nginx, one access-log line per request.
SEEN = (
    "gunicorn-saw rid=%({x-request-id}i)s proto=%({x-forwarded-proto}i)s for=%({x-forwarded-for}i)s "
    "fwd-host=%({x-forwarded-host}i)s email=%({x-forwarded-email}i)s user=%({x-forwarded-user}i)s "
    "groups=%({x-forwarded-groups}i)s auth-email=%({x-auth-request-email}i)s"
)
SPOOFED_IDENTITY = {
    "X-Forwarded-Email": "boss@printshop.test",
    "X-Forwarded-User": "boss",
    "X-Forwarded-Groups": "perp-support",
    "X-Auth-Request-Email": "boss@printshop.test",
    "X-Forwarded-Host": "evil.example.com",
    "X-Forwarded-For": "10.6.6.6",
    "X-Request-ID": "chosen-by-the-client-0001",
}
STATIC_CSS = re.compile(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"')


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    require_program(NGINX, "Debian's nginx (apt-get install nginx-light)")
    directory = tmp_path_factory.mktemp("nginx-stack")
    env = {
        "DATABASE_URL": f"sqlite:///{directory / 'db.sqlite3'}",
        "STATIC_ROOT": str(directory / "static"),
        # Proxy sign-in: whoever X-Forwarded-Email names from a trusted peer is signed in.
        "AUTH_MODE": "proxy",
        "PROXY_USER_HEADER": "X-Forwarded-Email",
        "PROXY_DEFAULT_GROUPS": "Support",
        "LOCAL_LOGIN": "true",  # the sign-in page then has a form, and sets the CSRF cookie
        "GUNICORN_ACCESS_LOG": "true",
    }
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        result = harness.manage(env, *command)
        assert result.returncode == 0, result.stderr
    with harness.running(1, env, directory, extra_args=["--access-logformat", SEEN]) as [gunicorn]:
        with running_nginx(gunicorn.port, directory) as nginx:
            yield gunicorn, nginx


@pytest.fixture
def https(stack):
    gunicorn, nginx = stack

    def get(path, **kwargs):
        # verify= on the call: a Session's own is overridden by REQUESTS_CA_BUNDLE.
        return requests.get(f"{nginx.https_url}{path}", allow_redirects=False, verify=str(nginx.cert_path), **kwargs)

    return get


def what_gunicorn_saw(gunicorn, request_id, timeout=5):
    # gunicorn writes its access line after the response has left: wait for it.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in gunicorn.log().splitlines():
            if line.startswith("{") and f"rid={request_id} " in json.loads(line)["message"]:
                return dict(re.findall(r"([\w-]+)=(\S+)", json.loads(line)["message"]))
        time.sleep(0.05)
    raise AssertionError(f"no access-log line for request {request_id}")


def test_it_tells_django_the_request_came_over_https(https):
    response = https("/login/")

    assert response.status_code == 200  # SECURE_SSL_REDIRECT would have sent plain http away
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-csrftoken=")
    assert all(flag in cookie for flag in ("; Secure", "; HttpOnly", "; SameSite=Lax", "; Path=/"))
    assert "Domain=" not in cookie


def test_it_sends_every_security_header(https):
    headers = https("/login/").headers

    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "script-src 'self';" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Server"] == "nginx"  # no version


def test_it_sends_plain_http_to_https(stack):
    gunicorn, nginx = stack

    response = requests.get(f"{nginx.http_url}/login/?next=/", allow_redirects=False)

    assert response.status_code == 301
    assert response.headers["Location"] == "https://perpdesk.example.com/login/?next=/"


def test_it_strips_identity_headers_a_client_sends(stack, https):
    gunicorn, nginx = stack

    response = https("/", headers=SPOOFED_IDENTITY)

    assert response.status_code == 302 and response.headers["Location"].startswith("/login/")
    seen = what_gunicorn_saw(gunicorn, response.headers["X-Request-ID"])
    assert seen["email"] == seen["user"] == seen["groups"] == seen["auth-email"] == seen["fwd-host"] == "-"
    assert (seen["proto"], seen["for"]) == ("https", "127.0.0.1")


def test_it_drops_an_identity_header_spelt_with_an_underscore(https):
    response = https("/", headers={"X-Forwarded_Email": "boss@printshop.test"})

    assert response.status_code == 302 and response.headers["Location"].startswith("/login/")


def test_the_same_header_from_the_trusted_proxy_does_sign_in(stack):
    """The control: it is nginx's stripping, not a broken sign-in, that keeps the forger out."""
    gunicorn, nginx = stack

    response = requests.get(
        f"{gunicorn.url}/",
        headers={"X-Forwarded-Email": "boss@printshop.test", "X-Forwarded-Proto": "https"},
        allow_redirects=False,
    )

    assert response.status_code == 200
    assert "boss@printshop.test" in response.text


def test_it_gives_each_request_its_own_id(stack, https):
    gunicorn, nginx = stack

    response = https("/healthz", headers={"X-Request-ID": "chosen-by-the-client-0002"})

    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert what_gunicorn_saw(gunicorn, request_id)["rid"] == request_id


def test_it_serves_hashed_static_files_for_a_year(https):
    css = STATIC_CSS.search(https("/login/").text).group(1)

    response = https(css)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "max-age=315360000, public, immutable"
    assert response.headers["Content-Type"].startswith("text/css")


def test_it_keeps_metrics_from_the_public(https):
    assert https("/metrics").status_code == 404
