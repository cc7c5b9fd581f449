"""Rendered fragments cached under the PERP copies they show (lookup.fragments)."""

from datetime import datetime, timedelta, timezone

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from lookup import cache_store, fragments
from lookup.overview import Section
from lookup.perp.errors import PERPUnavailable
from tests import perp_payloads as p
from tests.cache_support import (  # noqa: F401  (fixtures)
    CLOSED_PORT_REDIS, cache_backend, frozen_clock, using_cache,
)
from tests.test_views_customer import URL, serve_customer

FETCHED = datetime(2026, 11, 24, 14, 0, tzinfo=timezone.utc)


class Renderer:
    """Counts how often the fragment is really rendered."""

    def __init__(self):
        self.renders = 0

    def __call__(self):
        self.renders += 1
        return f"<p>render {self.renders}</p>"


def copy(version, value="ada@example.com", stale=False):
    stale_because = PERPUnavailable("/api/x", "status", status=503) if stale else None
    return Section(value, FETCHED, stale_because, version=version)


@pytest.fixture
def render():
    return Renderer()


@pytest.mark.usefixtures("cache_backend")
def test_the_same_copies_render_once(render):
    first = fragments.render_cached("orders", [copy("v1"), copy("v2")], render)
    again = fragments.render_cached("orders", [copy("v1"), copy("v2")], render)

    assert (first, again, render.renders) == ("<p>render 1</p>", "<p>render 1</p>", 1)


@pytest.mark.usefixtures("cache_backend")
def test_a_new_copy_of_any_section_renders_again(render):
    fragments.render_cached("orders", [copy("v1"), copy("v2")], render)

    html = fragments.render_cached("orders", [copy("v1"), copy("v3")], render)

    assert (html, render.renders) == ("<p>render 2</p>", 2)


def test_fragments_of_other_names_do_not_share(render):
    fragments.render_cached("orders", [copy("v1")], render)
    fragments.render_cached("invoices", [copy("v1")], render)

    assert render.renders == 2


def test_a_failed_section_is_rendered_every_time(render):
    failed = Section(error=PERPUnavailable("/api/x", "timeout"))
    for _ in range(2):
        fragments.render_cached("orders", [copy("v1"), failed], render)

    assert render.renders == 2


def test_a_copy_read_past_the_cache_has_no_version_and_is_not_cached(render):
    for _ in range(2):
        fragments.render_cached("orders", [copy("")], render)

    assert render.renders == 2


def test_a_stale_copy_renders_again_when_its_age_shown_changes(render, frozen_clock):
    frozen_clock.current = FETCHED + timedelta(minutes=35)
    fragments.render_cached("orders", [copy("v1", stale=True)], render)
    frozen_clock.advance(30)  # still "35 min ago"
    fragments.render_cached("orders", [copy("v1", stale=True)], render)
    assert render.renders == 1

    frozen_clock.advance(60)  # "36 min ago"
    fragments.render_cached("orders", [copy("v1", stale=True)], render)
    assert render.renders == 2


def test_a_new_day_renders_again(render, monkeypatch):
    fragments.render_cached("invoices", [copy("v1")], render)  # overdue is "due before today"
    tomorrow = datetime.now(timezone.utc).date() + timedelta(days=1)
    monkeypatch.setattr(fragments.timezone, "localdate", lambda: tomorrow)

    fragments.render_cached("invoices", [copy("v1")], render)

    assert render.renders == 2


def test_settings_shown_in_the_html_are_part_of_the_key(render, settings):
    fragments.render_cached("orders", [copy("v1")], render)
    settings.PERP_WEB_URL = "https://perp.example.com/{kind}/{id}"

    fragments.render_cached("orders", [copy("v1")], render)

    assert render.renders == 2


def test_another_release_renders_again(render, monkeypatch):
    fragments.render_cached("orders", [copy("v1")], render)
    monkeypatch.setattr(fragments, "release_fingerprint", lambda: "another-release")

    fragments.render_cached("orders", [copy("v1")], render)

    assert render.renders == 2


def test_the_key_names_copies_never_their_data():
    key = fragments.fragment_key("orders", [copy("copy-7f3a", value="ada.lovelace@example.com")])

    assert key.startswith("perp:fragment:")
    assert "lovelace" not in key and "copy-7f3a" not in key  # no hex digest holds "l", "o", "v"


def test_the_release_fingerprint_follows_the_templates(tmp_path, settings):
    (tmp_path / "templates").mkdir()
    (tmp_path / "lookup").mkdir()
    template = tmp_path / "templates" / "page.html"
    template.write_text("<p>one</p>")
    settings.BASE_DIR = tmp_path
    fragments.release_fingerprint.cache_clear()
    try:
        before = fragments.release_fingerprint()
        template.write_text("<p>two</p>")
        fragments.release_fingerprint.cache_clear()
        assert fragments.release_fingerprint() != before
    finally:
        fragments.release_fingerprint.cache_clear()


def test_a_cache_that_does_not_answer_only_means_rendering(render):
    with using_cache(CLOSED_PORT_REDIS):
        html = fragments.render_cached("orders", [copy("v1")], render)
        fragments.render_cached("orders", [copy("v1")], render)

    assert (html, render.renders) == ("<p>render 1</p>", 2)


# --- on the customer page -----------------------------------------------------------


@pytest.fixture
def fake(perp):
    return p.FakePERP(perp)


@pytest.mark.usefixtures("cache_backend")
def test_a_warm_page_shows_what_the_first_view_rendered(alice_client, fake):
    serve_customer(fake)
    first = alice_client.get(URL).content.decode()

    warm = alice_client.get(URL).content.decode()

    for text in ("PO-50002", "In Production", "2026-0001", "Cash back on PO-10003"):
        assert warm.count(text) == first.count(text) > 0, text


@pytest.mark.usefixtures("cache_backend")
def test_refresh_shows_perps_new_data_at_once(alice_client, fake):
    serve_customer(fake)
    alice_client.get(URL)
    fake.ok("/orders/ORD-50002/production", p.production("ORD-50002", completion_percentage=85))
    fake.ok("/customers/CUST-1001/invoices", p.invoices_page([p.invoice(invoice_number="2026-0099")]))

    alice_client.post("/refresh/", {"next": URL})
    page = alice_client.get(URL).content.decode()

    assert "2026-0099" in page and "2026-0001" not in page
    assert "85% complete" in page and "40% complete" not in page


def test_a_section_failing_on_a_later_view_shows_its_error(alice_client, fake, frozen_clock):
    serve_customer(fake)
    frozen_clock.current = datetime.now(timezone.utc)
    alice_client.get(URL)
    fake.fail("/customers/CUST-1001/invoices", "unauthorized")
    frozen_clock.advance(3600)  # every copy is past its freshness

    page = alice_client.get(URL).content.decode()

    assert "2026-0001" not in page
    assert "PO-50002" in page


def test_named_values_are_part_of_the_key():
    def key(query):
        return fragments.fragment_key("orders", [copy("v1")], {"query": query})

    assert key("orders_page=2") == key("orders_page=2")
    assert key("orders_page=2") != key("orders_page=3")
    assert key("orders_page=2") != fragments.fragment_key("orders", [copy("v1")])


@pytest.mark.usefixtures("cache_backend")
def test_paging_links_carry_only_the_page_numbers_though_the_copies_are_cached(alice_client, fake):
    serve_customer(fake)
    more = {"total": 42, "limit": 10, "offset": 10, "has_more": True}
    fake.ok("/customers/CUST-1001/orders", {"orders": [p.order("ORD-50030")], "pagination": more})
    fake.ok("/orders/ORD-50030/production", p.production("ORD-50030"))
    fake.ok("/orders/ORD-50030/artwork", p.artwork("ORD-50030"))
    alice_client.get(URL + "?orders_page=2")

    page = alice_client.get(URL + "?orders_page=2&ticket=T-77").content.decode()

    assert "?orders_page=3" in page
    assert "orders_page=3&amp;ticket" not in page  # a parameter the page does not understand


@pytest.fixture
def request_signals():
    """Sends request_started/finished as a server does, without closing the test's database."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.usefixtures("cache_backend", "request_signals")
def test_during_a_request_new_fragments_are_stored_once_the_response_is_sent(render):
    request_started.send(sender=None)
    fragments.render_cached("orders", [copy("v1")], render)
    stored_before_the_end = cache_store.get(fragments.fragment_key("orders", [copy("v1")]))

    request_finished.send(sender=None)

    assert stored_before_the_end is None
    assert cache_store.get(fragments.fragment_key("orders", [copy("v1")])) == "<p>render 1</p>"
    fragments.render_cached("orders", [copy("v1")], render)
    assert render.renders == 1
