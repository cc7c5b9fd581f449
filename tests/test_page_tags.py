"""The tags that stand in every row and section of a page, built in Python for speed:
the stepper, section notices, fetched times and links to PERP's URLs."""

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from lookup.overview import Section
from lookup.perp.errors import PERPUnavailable
from lookup.perp.models import Artwork, Invoice, Order, ProductionStatus
from lookup.templatetags.perpdesk import (
    _html, artwork_strip, external_link, fetched, invoice_rows, order_row, section_state, stepper,
)
from tests import perp_payloads as p
from tests.cache_support import frozen_clock  # noqa: F401  (fixture)

HOSTILE = '<script>alert("x")</script>'
FETCHED = datetime(2026, 11, 24, 13, 2, tzinfo=timezone.utc)


def production(**fields):
    return ProductionStatus.from_json(p.production("ORD-1", **fields))


def test_the_stepper_marks_the_current_stage_and_shows_progress():
    html = stepper(production())

    assert html.count('class="pd-step ') == 3
    assert html.count('aria-current="step"') == 1
    assert '<span class="pd-step-name">Printing</span>' in html.split('aria-current="step"')[1]
    assert '<progress max="100" value="40"' in html and "40% complete" in html


def test_the_compact_stepper_leaves_out_dates_and_notes():
    compact, detailed = stepper(production(notes="Ink ordered")), stepper(production(notes="Ink ordered"), True)

    assert "pd-step-dates" not in compact and "Ink ordered" not in compact
    assert "pd-stepper-detailed" in detailed and "Started 28 Oct 2026" in detailed
    assert "Completed 29 Oct 2026" in detailed and "Ink ordered" in detailed


def test_the_stepper_escapes_perps_text():
    stages = [{"stage_name": HOSTILE, "stage_display": HOSTILE, "status": HOSTILE}]
    html = stepper(production(stages=stages, notes=HOSTILE, current_stage=HOSTILE), True)

    assert "<script>" not in html
    assert html.count("&lt;script&gt;") >= 2


def test_a_production_without_stages_says_so():
    html = stepper(production(stages=[], completion_percentage=None))

    assert "PERP lists no production stages" in html and "<progress" not in html


def test_a_fine_section_has_no_notice():
    assert section_state(Section("value", FETCHED, version="v1"), "Orders") == ""


def test_a_failed_section_says_what_failed():
    html = section_state(Section(error=PERPUnavailable("/api/x", "timeout")), HOSTILE)

    assert html.startswith('<p class="pd-error" role="alert">') and "<script>" not in html


def test_a_stale_section_shows_its_age(frozen_clock):
    frozen_clock.current = FETCHED + timedelta(minutes=35)
    stale = Section("value", FETCHED, PERPUnavailable("/api/x", "status", status=503), version="v1")

    html = section_state(stale, "Orders")

    assert 'class="pd-stale"' in html and "(35 min ago)" in html
    assert "<time datetime=" in html


def test_fetched_shows_the_time_and_nothing_without_one():
    assert 'class="pd-fetched">fetched <time datetime="' in fetched(Section("value", FETCHED, version="v1"))
    assert fetched(Section(error=PERPUnavailable("/api/x", "timeout"))) == ""


@pytest.mark.parametrize("url, expected", [
    ("https://files.example.com/a.pdf?x=1&y=2", '<a href="https://files.example.com/a.pdf?x=1&amp;y=2" '),
    ("javascript:alert(1)", '<span class="pd-unsafe-url" title="Not an http(s) link">PDF</span>'),
    ("", ""),
    (None, ""),
])
def test_only_http_urls_become_links(url, expected):
    html = external_link(url, "PDF")

    assert html.startswith(expected) if expected else html == ""
    assert "javascript:" not in html


def test_the_artwork_strip_shows_each_item_with_its_status():
    artwork = Artwork.from_json(p.artwork("ORD-1"))

    html = artwork_strip(artwork)

    assert html.count("<li>") == len(artwork.artwork_items) > 0
    assert html.count('class="pd-badge ') == len(artwork.artwork_items)


def test_the_artwork_strip_escapes_names_and_says_when_there_is_none():
    hostile = Artwork.from_json(p.artwork("ORD-1"))
    hostile = replace(hostile, artwork_items=[replace(hostile.artwork_items[0], product_name=HOSTILE)])

    assert "<script>" not in artwork_strip(hostile)
    assert "No artwork submitted yet." in artwork_strip(replace(hostile, artwork_items=[]))


def test_invoice_rows_link_each_invoice_and_mark_the_overdue_ones():
    paid = Invoice.from_json(p.invoice(invoice_id="INV-1", invoice_number="2026-0001"))
    overdue = Invoice.from_json(p.invoice(invoice_id="INV-2", invoice_number="2026-0002", status="overdue"))

    html = invoice_rows([paid, overdue])

    assert html.count("<tr") == 2
    assert '<a href="/invoices/INV-1/">2026-0001</a>' in html
    assert html.count('class="pd-overdue"') == 1 and html.index("pd-overdue") > html.index("2026-0001")


def test_invoice_rows_escape_perps_text_and_keep_unsafe_links_as_text():
    hostile = Invoice.from_json(p.invoice(invoice_number=HOSTILE, pdf_url="javascript:alert(1)"))

    html = invoice_rows([hostile])

    assert "<script>" not in html and "javascript:" not in html
    assert '<span class="pd-unsafe-url" title="Not an http(s) link">PDF</span>' in html


def test_an_order_row_links_the_order_and_says_when_it_ships():
    active = Order.from_json(p.order("ORD-1", order_number="PO-1", status="in_production",
                                     estimated_ship_date="2026-12-01", actual_ship_date=None))
    shipped = Order.from_json(p.order("ORD-2", status="shipped", actual_ship_date="2026-11-02"))

    active_row, shipped_row = order_row(active), order_row(shipped)

    assert active.is_active and not shipped.is_active
    assert active_row.startswith('<tr class="pd-active">') and '<a href="/orders/ORD-1/">PO-1</a>' in active_row
    assert "Est. 1 Dec 2026" in active_row
    assert shipped_row.startswith('<tr class="">') and "Shipped 2 Nov 2026" in shipped_row


def test_an_order_row_escapes_perps_text():
    html = order_row(Order.from_json(p.order("ORD-1", order_number=HOSTILE, status=HOSTILE)))

    assert "<script>" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize("value", [
    HOSTILE, "O'Brien & \"Sons\"", 42, None, Decimal("1.50"), mark_safe("<b>safe</b>"), gettext_lazy("Search"),
])
def test_the_row_tags_escape_as_format_html_does(value):
    assert _html('<td title="{}">{}</td>', value, value) == format_html('<td title="{}">{}</td>', value, value)
