"""/metrics: what it counts, and that only the scraper may read it.

Several workers adding up is proven with real gunicorn in test_deploy_gunicorn.py.
"""

import ipaddress

import pytest
from prometheus_client.parser import text_string_to_metric_families

from lookup.reading import breaker
from lookup.ops.metrics import scrape_registry
from tests.support import perp_payloads as p

TOKEN = "metrics-token-for-tests"
SCRAPER = "10.1.2.3"


@pytest.fixture
def scraper_network(settings):
    settings.METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("10.1.0.0/16")]


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN


def sample(name, **labels):
    return scrape_registry().get_sample_value(name, labels) or 0


def scrape(client):
    response = client.get("/metrics", REMOTE_ADDR=SCRAPER)
    assert response.status_code == 200
    return {family.name: family for family in text_string_to_metric_families(response.content.decode())}


@pytest.mark.django_db
def test_it_is_not_there_for_anyone_by_default(client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.7").status_code == 404


@pytest.mark.django_db
def test_it_answers_the_scrapers_network_without_sign_in(client, scraper_network):
    response = client.get("/metrics", REMOTE_ADDR=SCRAPER)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.django_db
def test_it_answers_the_bearer_of_the_token(client, token):
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}x").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION=TOKEN).status_code == 404


@pytest.mark.django_db
def test_it_is_not_there_for_an_outside_client_coming_through_the_proxy(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("127.0.0.1/32")]

    through_nginx = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")

    assert through_nginx.status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200


def test_it_counts_perp_calls_by_endpoint_and_outcome(alice_client, fake):
    fake.ok("/customers/CUST-1001", p.customer()).fail("/customers/CUST-1001/vip-wallet", "unavailable")
    fake.nothing_under("/customers/CUST-1001")
    labels = {"endpoint": "/api/customers/{customer_id}/vip-wallet", "outcome": "unavailable"}
    before = sample("perpdesk_perp_call_duration_seconds_count", **labels)
    retries_before = sample("perpdesk_perp_retries_total", endpoint=labels["endpoint"])

    alice_client.get("/customers/CUST-1001/")

    assert sample("perpdesk_perp_call_duration_seconds_count", **labels) == before + 1
    assert sample("perpdesk_perp_retries_total", endpoint=labels["endpoint"]) == retries_before + 2
    assert sample("perpdesk_perp_call_duration_seconds_bucket", le="20.0", **labels) == before + 1


def test_it_counts_cache_hits_and_misses(alice_client, fake):
    fake.ok("/customers/CUST-1001", p.customer()).nothing_under("/customers/CUST-1001")
    misses = sample("perpdesk_cache_events_total", event="miss", resource="customer")
    hits = sample("perpdesk_cache_events_total", event="hit", resource="customer")

    alice_client.get("/customers/CUST-1001/")
    alice_client.get("/customers/CUST-1001/?orders_page=2")  # another kept page: read from the copies

    assert sample("perpdesk_cache_events_total", event="miss", resource="customer") == misses + 1
    assert sample("perpdesk_cache_events_total", event="hit", resource="customer") == hits + 1


def test_it_counts_customer_pages_kept_whole(alice_client, fake):
    fake.ok("/customers/CUST-1001", p.customer()).nothing_under("/customers/CUST-1001")
    misses = sample("perpdesk_cache_events_total", event="miss", resource="kept_page")
    hits = sample("perpdesk_cache_events_total", event="hit", resource="kept_page")

    alice_client.get("/customers/CUST-1001/")
    alice_client.get("/customers/CUST-1001/")

    assert sample("perpdesk_cache_events_total", event="miss", resource="kept_page") == misses + 1
    assert sample("perpdesk_cache_events_total", event="hit", resource="kept_page") == hits + 1


def test_it_times_pages_by_route(alice_client, fake):
    fake.nothing_under("/customers/CUST-404")
    labels = {"route": "/customers/<str:customer_id>/", "method": "GET", "status": "404"}
    before = sample("perpdesk_http_request_duration_seconds_count", **labels)

    alice_client.get("/customers/CUST-404/")

    assert sample("perpdesk_http_request_duration_seconds_count", **labels) == before + 1


@pytest.mark.django_db
def test_it_keeps_unknown_methods_and_paths_to_a_few_series(client, scraper_network):
    client.generic("BREW", "/no/such/page/")

    pages = scrape(client)["perpdesk_http_request_duration_seconds"]
    assert {s.labels["method"] for s in pages.samples} <= {"GET", "HEAD", "POST", "other"}
    assert not any("no/such/page" in s.labels["route"] for s in pages.samples)
    assert any(s.labels["method"] == "other" for s in pages.samples)


@pytest.mark.django_db
def test_it_reports_the_breaker_state(client, scraper_network, monkeypatch):
    monkeypatch.setattr("lookup.ops.metrics.breaker_state", lambda: breaker.OPEN)

    family = scrape(client)["perpdesk_perp_breaker_state"]

    assert {s.labels["state"]: s.value for s in family.samples} == {"closed": 0, "open": 1, "half_open": 0}
