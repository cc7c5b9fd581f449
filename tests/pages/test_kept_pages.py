"""The customer 360 page kept whole (lookup.pages.kept_pages, lookup.pages.customer): shown
again without reading its copies while they are all fresh, never past that, and never
after a Refresh of anything of that customer's."""

import re
from datetime import timedelta

from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import redis
from django.conf import settings
from django.http import QueryDict
from hypothesis import given, strategies as st

from lookup.reading import breaker, keys as cache_keys

from lookup import clock

from lookup.pages import customer as customer_page
from lookup.pages import kept_pages
from lookup.pages.customer import page_numbers
from lookup.pages.sections import MAX_PAGE_NUMBER
from lookup.models import AuditEntry
from tests.support import perp_payloads as p
from tests.support.cache import envelope
from tests.support.page_html import links_in
from tests.support.perp_payloads import serve_customer

URL = "/customers/CUST-1001/"
ACTIVE_ORDER = "ORD-50002"  # serve_customer's active order: expanded on the page


@pytest.fixture
def fake(fake):
    """The shared fake, serving a customer's page."""
    return serve_customer(fake)


@pytest.fixture
def overview_reads(monkeypatch):
    """How many times a customer page was assembled from its copies."""
    reads = []
    assemble = customer_page.read_sections
    monkeypatch.setattr(customer_page, "read_sections", lambda **kwargs: reads.append(kwargs) or assemble(**kwargs))
    return reads


@pytest.fixture
def redis_db(redis_cache):  # noqa: F811
    """The real Redis the cache uses (db 15), to count its keys."""
    from tests.support.services import REDIS_URL

    return redis.Redis.from_url(REDIS_URL)


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
    fake.nothing_matches("CUST-1001")  # but the customer, served as a page
    _page(alice_client)
    _name_becomes(fake, "Ada King")

    alice_client.post("/refresh/", {"next": "/?q=CUST-1001"})  # read again: the customer's own copy

    assert "Ada King" in _page(alice_client)


def test_refreshing_another_customer_leaves_it_kept(alice_client, fake, overview_reads):
    fake.ok("/customers/CUST-2002", p.customer("CUST-2002", name="Grace Hopper")).nothing_under("/customers/CUST-2002")
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
    p.FakePERP(perp).nothing_under("/customers/CUST-404")

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
    before = kept_pages.read("CUST-1", "")
    kept_pages.forget("CUST-1")  # a Refresh while the page was being assembled

    kept_pages.store("CUST-1", "", "old page", until=_later(60), generation=before.generation)

    assert kept_pages.read("CUST-1", "").page is None


def test_a_page_kept_under_the_current_generation_is_found():
    current = kept_pages.read("CUST-1", "")

    kept_pages.store("CUST-1", "", "the page", until=_later(60), generation=current.generation)

    assert kept_pages.read("CUST-1", "").page == "the page"
    assert kept_pages.read("CUST-2", "").page is None


def test_a_page_whose_copies_are_about_to_expire_is_not_kept():
    kept_pages.store("CUST-1", "", "the page", until=_later(0.5), generation="")

    assert kept_pages.read("CUST-1", "").page is None


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


def _orders_by_offset(orders):
    """PERP's orders list paged for real: what is past its end comes back empty."""

    def answer(request):
        offset = int(dict(parse_qsl(urlsplit(request.url).query)).get("offset", 0))
        return 200, envelope(p.orders_page(orders[offset:offset + 10], total=len(orders), offset=offset))

    return answer


JUNK_QUERIES = [
    "?x=1", "?a=" + "z" * 2000, "?orders_page=1&orders_page=1", "?orders_page=abc", "?invoices_page=",
    "?orders_page=-5", "?orders_page=%E2%80%8B", "?utm_source=ticket&x=1&x=2", "?orders_page=1.5",
]


@pytest.mark.redis
@pytest.mark.parametrize("junk", JUNK_QUERIES)
def test_junk_query_strings_show_the_kept_page_and_keep_nothing_new(alice_client, fake, overview_reads, redis_db, junk):
    _page(alice_client)
    keys_after_first_view = redis_db.dbsize()

    page = _page(alice_client, URL + junk)

    assert "Ada Lovelace" in page
    assert len(overview_reads) == 1  # the kept page, not a page of its own
    assert redis_db.dbsize() == keys_after_first_view


@pytest.mark.redis
def test_junk_beside_a_page_number_shares_that_pages_kept_copy(alice_client, fake, overview_reads, redis_db):
    _page(alice_client, URL + "?orders_page=2")
    keys = redis_db.dbsize()

    for query in ("?orders_page=02", "?x=1&orders_page=2", "?orders_page=2&invoices_page=1", "?orders_page=+2"):
        _page(alice_client, URL + query)

    assert [read["orders_page"] for read in overview_reads] == [2]
    assert redis_db.dbsize() == keys


def test_the_kept_pages_links_carry_no_junk(alice_client, fake, overview_reads):
    fake.on("/customers/CUST-1001/orders", _orders_by_offset([p.order(f"ORD-{n}") for n in range(1, 26)]))
    fake.nothing_under(*(f"/orders/ORD-{n}" for n in range(1, 26)))  # their production and artwork

    junk = _page(alice_client, URL + "?orders_page=2&evil=%22%3E1")
    clean = _page(alice_client, URL + "?orders_page=2")

    assert re.findall(r'href="[^"]*evil', junk) == []  # only the Refresh form names the URL asked for
    assert 'href="?orders_page=3"' in clean and len(overview_reads) == 1


@pytest.mark.parametrize("query", ["?orders_page=99999999", "?orders_page=4"])
def test_a_page_past_the_end_of_its_list_is_shown_but_not_kept(alice_client, fake, overview_reads, query):
    fake.on("/customers/CUST-1001/orders", _orders_by_offset([p.order(f"ORD-{n}") for n in range(1, 26)]))
    fake.nothing_under(*(f"/orders/ORD-{n}" for n in range(1, 26)))  # their production and artwork

    first, second = _page(alice_client, URL + query), _page(alice_client, URL + query)

    assert "No orders on page" in first
    assert len(overview_reads) == 2 and first.count("Ada Lovelace") == second.count("Ada Lovelace")


def test_the_last_page_with_something_on_it_is_kept(alice_client, fake, overview_reads):
    fake.on("/customers/CUST-1001/orders", _orders_by_offset([p.order(f"ORD-{n}") for n in range(1, 26)]))
    fake.nothing_under(*(f"/orders/ORD-{n}" for n in range(1, 26)))  # their production and artwork

    _page(alice_client, URL + "?orders_page=3")
    _page(alice_client, URL + "?orders_page=3")

    assert [read["orders_page"] for read in overview_reads] == [3]


@given(query=st.lists(st.tuples(st.text(max_size=20), st.text(max_size=20)), max_size=6))
def test_page_numbers_keep_only_the_page_parameters_within_bounds(query):
    numbers = page_numbers(QueryDict(urlencode(query, doseq=True)))

    assert set(numbers) <= {"orders_page", "invoices_page"}
    for value in numbers.values():
        assert value.isdigit() and 2 <= int(value) <= MAX_PAGE_NUMBER


# --- what a warm view shows ---------------------------------------------------------


@pytest.mark.usefixtures("cache_backend")
def test_a_warm_page_shows_what_the_first_view_rendered(alice_client, fake):
    first = _page(alice_client)

    warm = _page(alice_client)

    for text in ("PO-50002", "In Production", "2026-0001", "Cash back on PO-10003"):
        assert warm.count(text) == first.count(text) > 0, text


@pytest.mark.usefixtures("cache_backend")
def test_refresh_shows_perps_new_data_at_once(alice_client, fake):
    _page(alice_client)
    fake.ok(f"/orders/{ACTIVE_ORDER}/production", p.production(ACTIVE_ORDER, completion_percentage=85))
    fake.ok("/customers/CUST-1001/invoices", p.invoices_page([p.invoice(invoice_number="2026-0099")]))

    alice_client.post("/refresh/", {"next": URL})
    page = _page(alice_client)

    assert "2026-0099" in page and "2026-0001" not in page
    assert "85% complete" in page and "40% complete" not in page


def test_a_section_failing_on_a_later_view_shows_its_error(alice_client, fake, frozen_clock):  # noqa: F811
    _page(alice_client)
    fake.fail("/customers/CUST-1001/invoices", "unauthorized")
    frozen_clock.advance(3600)  # every copy is past its freshness

    page = _page(alice_client)

    assert "2026-0001" not in page
    assert "PO-50002" in page


def test_a_page_kept_yesterday_is_not_shown_today(alice_client, fake, overview_reads, monkeypatch):
    _page(alice_client)  # overdue invoices are "due before today": the day is part of the page
    tomorrow = clock.now().date() + timedelta(days=1)
    monkeypatch.setattr(kept_pages.timezone, "localdate", lambda: tomorrow)

    _page(alice_client)

    assert len(overview_reads) == 2


@pytest.mark.usefixtures("cache_backend")
def test_paging_links_carry_only_the_page_numbers_though_the_page_is_kept(alice_client, fake):
    more = {"total": 42, "limit": 10, "offset": 10, "has_more": True}
    fake.ok("/customers/CUST-1001/orders", {"orders": [p.order("ORD-50030")], "pagination": more})
    fake.ok("/orders/ORD-50030/production", p.production("ORD-50030"))
    fake.ok("/orders/ORD-50030/artwork", p.artwork("ORD-50030"))
    _page(alice_client, URL + "?orders_page=2")

    links = links_in(_page(alice_client, URL + "?orders_page=2&utm_source=helpdesk"))

    assert "?orders_page=3" in {link.href for link in links}
    assert not [link for link in links if "utm_source" in link.href]  # a parameter the page does not understand


def test_a_kept_pages_key_names_neither_the_customer_nor_the_query():
    key = cache_keys.kept_page_key("CUST-lovelace", "orders_page=7", day="2026-11-24", url_prefix="/")

    assert key.startswith("perp:kept_page:")
    assert "lovelace" not in key and "orders_page" not in key  # no hex digest holds "l", "o", "v"


def test_each_customer_variant_day_and_prefix_is_a_key_of_its_own():
    def key(customer="CUST-1", variant="", day="2026-11-24", url_prefix="/"):
        return cache_keys.kept_page_key(customer, variant, day=day, url_prefix=url_prefix)

    assert key() == key()
    assert len({key(), key(customer="CUST-2"), key(variant="orders_page=2"), key(day="2026-11-25"),
                key(url_prefix="/desk/")}) == 5
