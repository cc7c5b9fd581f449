"""Every perpdesk page needs the lookup permission, and none of them asks PERP without it."""

import pytest
from django.urls import reverse

PAGES = [
    ("get", "/"),
    ("get", "/?q=PO-10001"),
    ("get", "/customers/CUST-1001/"),
    ("get", "/orders/ORD-50001/"),
    ("get", "/invoices/INV-70001/"),
    ("post", "/refresh/"),
]


def _is_refused(response):
    if response.status_code == 403:
        return True
    return response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("method, url", PAGES)
def test_it_requires_the_lookup_permission(client, bob, perp, method, url):
    client.force_login(bob)

    response = getattr(client, method)(url, {"next": "/"} if method == "post" else None)

    assert _is_refused(response), (response.status_code, response.get("Location"))
    assert len(perp.calls) == 0


@pytest.mark.parametrize("method, url", PAGES)
def test_it_requires_signing_in(client, db, perp, method, url):
    response = getattr(client, method)(url, {"next": "/"} if method == "post" else None)

    assert _is_refused(response), (response.status_code, response.get("Location"))
    assert len(perp.calls) == 0


def test_it_keeps_the_admin_index_reachable(admin_client):
    response = admin_client.get(reverse("admin:admin-index"))

    assert response.status_code == 200


def test_it_makes_home_the_search_page(alice_client):
    assert reverse("admin:search") == "/"
    assert reverse("admin:index") == "/"
    page = alice_client.get("/").content.decode()
    assert '<a href="/">Home</a>' in page
