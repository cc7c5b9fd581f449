"""Security headers on every response, and pages a strict CSP does not break."""

import pytest
from django.contrib.auth.models import User

from tests.support import perp_payloads as p
from tests.support.csp import inline_code
from tests.support.settings_probe import settings_from

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
ADMIN_PAGES = ["/admin-index/", "/auth/user/", "/auth/user/add/", "/auth/group/add/", "/lookup/auditentry/"]


@pytest.fixture
def admin_client(client, db):
    client.force_login(User.objects.create_superuser("root", "root@printshop.test", "pw-for-tests"))
    return client


@pytest.fixture
def local_login(settings):
    settings.LOCAL_LOGIN = True
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "django.contrib.auth.backends.ModelBackend"]


@pytest.mark.django_db
def test_it_sends_every_security_header(client):
    response = client.get("/login/", secure=True)

    assert response["Content-Security-Policy"] == CSP
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/healthz", "/no-such-page/", "/static/admin/css/base.css"])
@pytest.mark.django_db
def test_it_sends_the_policy_on_every_kind_of_response(client, path):
    assert client.get(path)["Content-Security-Policy"] == CSP


@pytest.mark.django_db
def test_it_sets_cookies_only_for_https_and_out_of_reach_of_scripts(client, local_login, alice):
    client.get("/login/")
    response = client.post("/login/", {"username": "alice", "password": "pw-for-tests"})

    assert response.status_code == 302
    for name in ("__Host-sessionid", "__Host-csrftoken"):
        cookie = response.cookies[name]
        assert cookie["secure"] is True and cookie["httponly"] is True
        assert (cookie["samesite"], cookie["path"], cookie["domain"]) == ("Lax", "/", "")


def test_it_names_cookies_plainly_when_they_are_not_secure():
    values = settings_from({"SECURE_COOKIES": "false"}, "SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME")

    assert (values["SESSION_COOKIE_NAME"], values["CSRF_COOKIE_NAME"]) == ("sessionid", "csrftoken")


def test_it_allows_images_from_perp_file_hosts():
    values = settings_from({"PERP_FILE_HOSTS": "https://files.perp.example.com,http://127.0.0.1:8765/"}, "SECURE_CSP")

    assert values["SECURE_CSP"]["img-src"] == ["'self'", "https://files.perp.example.com", "http://127.0.0.1:8765"]


@pytest.mark.parametrize("value", ["files.perp.example.com", "https://x.example.com/path", "https://x; script-src *"])
def test_it_refuses_a_perp_file_host_that_is_not_an_origin(value):
    errors = settings_from({"PERP_FILE_HOSTS": value})["SETTINGS_ERRORS"]

    assert "PERP_FILE_HOSTS is not valid: expected comma-separated origins such as https://files.example.com." in errors


def test_it_lets_sign_in_and_sign_out_forms_reach_the_identity_provider():
    values = settings_from(
        {
            "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://sso.example.com/oauth2/authorize",
            "OIDC_OP_END_SESSION_ENDPOINT": "https://sso.example.com/oauth2/logout",
        },
        "SECURE_CSP",
    )

    assert values["SECURE_CSP"]["form-action"] == ["'self'", "https://sso.example.com"]


@pytest.mark.django_db
def test_the_sign_in_page_has_no_inline_code(client, local_login):
    response = client.get("/login/")

    assert response.status_code == 200
    assert inline_code(response.content.decode()) == []


def test_perpdesks_pages_have_no_inline_code(alice_client, fake):
    fake.ok("/customers/CUST-1001", p.customer())
    fake.ok("/customers/CUST-1001/orders", p.orders_page([p.order()]))
    fake.ok("/orders/ORD-50001", p.order())
    fake.nothing_under("/customers/CUST-1001", "/orders/ORD-50001")
    fake.not_found("/customers/search?email=ada@example.com")

    for path in ("/", "/?q=ada@example.com", "/customers/CUST-1001/", "/orders/ORD-50001/"):
        response = alice_client.get(path)
        assert response.status_code == 200, path
        assert inline_code(response.content.decode()) == [], path


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_djangos_admin_pages_have_no_inline_code(admin_client, path):
    response = admin_client.get(path)

    assert response.status_code == 200
    assert inline_code(response.content.decode()) == []
