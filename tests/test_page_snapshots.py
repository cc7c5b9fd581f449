"""The customer 360 page kept whole (lookup.page_snapshots, lookup.customer_page): shown
again without reading its copies while they are all fresh, never past that, and never
after a Refresh of anything of that customer's."""

import re
from datetime import timedelta

import pytest
from django.conf import settings

from lookup import breaker, clock, overview, page_snapshots
from lookup.models import AuditEntry
from tests import perp_payloads as p
from tests.cache_support import cache_backend, frozen_clock  # noqa: F401 (fixtures)
from tests.test_views_customer import serve_customer

URL = "/customers/CUST-1001/"
ACTIVE_ORDER = "ORD-50002"  # serve_customer's active order: expanded on the page


@pytest.fixture
def fake(perp):
    return serve_customer(p.FakePERP(perp))


@pytest.fixture
def overview_reads(monkeypatch):
    """How many times a customer page was assembled from its copies."""
    reads = []
    assemble = overview.customer_overview
    monkeypatch.setattr(overview, "customer_overview", lambda **kwargs: reads.append(kwargs) or assemble(**kwargs))
    return reads


def _page(client, url=URL):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _name_becomes(fake, name):
    fake.ok("/customers/CUST-1001", p.customer(name=name))


@pytest.mark.usefixtures("cache_backend")
def test_a_second_view_is_the_kept_page_without_reading_a_copy(alice_client, fake, overview_reads):
    first = _page(alice_client)
    second = _page(alice_client)

    assert len(overview_reads) == 1
    assert "Ada Lovelace" in second and "Printing" in second
    assert _without_csrf_tokens(second) == _without_csrf_tokens(first)


def test_the_kept_page_is_not_shown_once_its_first_copy_is_no_longer_fresh(
    alice_client, fake, overview_reads, frozen_clock  # noqa: F811
):
    _page(alice_client)
    _name_becomes(fake, "Ada King")
    shortest = min(settings.PERP_FRESH_SECONDS, settings.PERP_FRESH_PRODUCTION_SECONDS,
                   settings.PERP_FRESH_ARTWORK_SECONDS)

    frozen_clock.advance(shortest - 1)
    _page(alice_client)
    assert len(overview_reads) == 1  # every copy still fresh: kept

    frozen_clock.advance(2)
    _page(alice_client)
    assert len(overview_reads) == 2


def test_the_kept_page_is_not_shown_once_its_customer_copy_expires(
    alice_client, fake, frozen_clock  # noqa: F811
):
    _page(alice_client)
    _name_becomes(fake, "Ada King")

    frozen_clock.advance(settings.PERP_FRESH_SECONDS + 1)

    assert "Ada King" in _page(alice_client)


def test_the_freshness_line_is_rendered_again_on_a_kept_page(
    alice_client, fake, overview_reads, frozen_clock, settings  # noqa: F811
):
    for name in ("PERP_FRESH_SECONDS", "PERP_FRESH_PRODUCTION_SECONDS", "PERP_FRESH_ARTWORK_SECONDS"):
        setattr(settings, name, 600)
    assert "(just now)" in _page(alice_client)

    frozen_clock.advance(180)

    assert "(3 min ago)" in _page(alice_client)
    assert len(overview_reads) == 1


@pytest.mark.usefixtures("cache_backend")
def test_refreshing_the_customer_page_retires_it(alice_client, fake):
    _page(alice_client)
    _name_becomes(fake, "Ada King")

    alice_client.post("/refresh/", {"next": URL})

    assert "Ada King" in _page(alice_client)


def test_refreshing_another_page_of_the_customers_retires_it_too(alice_client, fake):
    _page(alice_client)
    fake.ok(f"/orders/{ACTIVE_ORDER}", p.order(ACTIVE_ORDER))
    fake.ok(f"/orders/{ACTIVE_ORDER}/production", p.production(ACTIVE_ORDER, current_stage="finishing", stages=[
        {"stage_name": "finishing", "stage_display": "Trimming and binding", "status": "in_progress"},
    ]))

    alice_client.post("/refresh/", {"next": f"/orders/{ACTIVE_ORDER}/"})

    assert "Trimming and binding" in _page(alice_client)


def test_refreshing_one_of_the_customers_invoices_retires_it_too(alice_client, fake):
    fake.ok("/invoices/INV-70001", p.invoice())
    fake.ok("/orders/ORD-50001", p.order("ORD-50001"))
    _page(alice_client)
    _name_becomes(fake, "Ada King")

    alice_client.post("/refresh/", {"next": "/invoices/INV-70001/"})  # reads the customer's copy again

    assert "Ada King" in _page(alice_client)


def test_refreshing_a_search_that_found_the_customer_retires_it(alice_client, fake):
    _page(alice_client)
    _name_becomes(fake, "Ada King")

    alice_client.post("/refresh/", {"next": "/?q=CUST-1001"})  # read again: the customer's own copy

    assert "Ada King" in _page(alice_client)


def test_refreshing_another_customer_leaves_it_kept(alice_client, fake, overview_reads):
    fake.ok("/customers/CUST-2002", p.customer("CUST-2002", name="Grace Hopper"))
    _page(alice_client)

    alice_client.post("/refresh/", {"next": "/customers/CUST-2002/"})
    _page(alice_client)

    assert [read["customer_id"] for read in overview_reads] == ["CUST-1001", "CUST-2002"]


@pytest.mark.parametrize("failing", ["/customers/CUST-1001/vip-wallet", f"/orders/{ACTIVE_ORDER}/artwork"])
def test_a_page_with_a_failed_section_is_not_kept(alice_client, fake, overview_reads, failing):
    fake.fail(failing, "unavailable")

    _page(alice_client)
    _page(alice_client)

    assert len(overview_reads) == 2


def test_a_page_with_a_stale_section_is_not_kept(alice_client, fake, overview_reads, frozen_clock):  # noqa: F811
    _page(alice_client)
    frozen_clock.advance(settings.PERP_FRESH_SECONDS + 1)
    fake.fail("/customers/CUST-1001", "unavailable")

    stale = _page(alice_client)
    _page(alice_client)

    assert "PERP is not answering" in stale
    assert len(overview_reads) == 3


def test_a_customer_perp_does_not_have_is_not_kept(alice_client, perp, overview_reads):
    p.FakePERP(perp)

    assert alice_client.get("/customers/CUST-404/").status_code == 404
    assert alice_client.get("/customers/CUST-404/").status_code == 404
    assert len(overview_reads) == 2


def test_each_query_string_is_a_page_of_its_own(alice_client, fake, overview_reads):
    _page(alice_client)
    _page(alice_client, URL + "?orders_page=2")
    _page(alice_client, URL + "?orders_page=2")

    assert [read["orders_page"] for read in overview_reads] == [1, 2]


def test_a_kept_page_says_when_perp_stopped_answering_since(alice_client, fake, overview_reads):
    assert "PERP is not answering" not in _page(alice_client)
    for _ in range(settings.PERP_BREAKER_FAILURES):
        breaker.record_unavailable(breaker.Permit())

    assert "PERP is not answering" in _page(alice_client)
    assert len(overview_reads) == 1


def test_a_view_of_the_kept_page_is_audited(alice_client, fake):
    _page(alice_client)
    _page(alice_client)

    views = AuditEntry.objects.filter(kind="customer", object_ids="CUST-1001", outcome="ok")
    assert views.count() == 2


def test_a_page_read_before_a_refresh_is_not_kept_under_the_new_generation():
    before = page_snapshots.read("customer_page", "CUST-1", "")
    page_snapshots.forget("CUST-1")  # a Refresh while the page was being assembled

    page_snapshots.store("customer_page", "CUST-1", "", "old page", until=_later(60), generation=before.generation)

    assert page_snapshots.read("customer_page", "CUST-1", "").page is None


def test_a_page_kept_under_the_current_generation_is_found():
    current = page_snapshots.read("customer_page", "CUST-1", "")

    page_snapshots.store("customer_page", "CUST-1", "", "the page", until=_later(60), generation=current.generation)

    assert page_snapshots.read("customer_page", "CUST-1", "").page == "the page"
    assert page_snapshots.read("customer_page", "CUST-2", "").page is None


def test_a_page_whose_copies_are_about_to_expire_is_not_kept():
    page_snapshots.store("customer_page", "CUST-1", "", "the page", until=_later(0.5), generation="")

    assert page_snapshots.read("customer_page", "CUST-1", "").page is None


def test_without_a_cache_the_page_is_assembled_every_time(alice_client, fake, overview_reads, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0",
                                   "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}}}

    assert "Ada Lovelace" in _page(alice_client)
    assert "Ada Lovelace" in _page(alice_client)
    assert len(overview_reads) == 2


def _without_csrf_tokens(html):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def _later(seconds):
    return clock.now() + timedelta(seconds=seconds)
