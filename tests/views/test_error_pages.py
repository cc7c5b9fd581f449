"""Unknown addresses and server errors get perpdesk's own pages, never Django's bare ones."""

import pytest
from django.test import Client
from django.urls import path

from perpdesk.urls import urlpatterns as project_urls


def _fails(request):
    raise RuntimeError("a bug in perpdesk")


urlpatterns = [path("boom/", _fails), *project_urls]


def test_it_shows_a_not_found_page_with_the_search_box(alice_client):
    response = alice_client.get("/no-such-page/")
    page = response.content.decode()

    assert response.status_code == 404
    assert "Page not found" in page and ">perpdesk</a>" in page
    assert 'action="/"' in page and 'name="q"' in page


@pytest.mark.urls("tests.views.test_error_pages")
def test_it_shows_its_own_page_for_a_server_error(alice):
    client = Client(raise_request_exception=False)
    client.force_login(alice)

    response = client.get("/boom/")

    assert response.status_code == 500
    assert "Something went wrong in perpdesk" in response.content.decode()
