"""The tags that stand in every row and section of a page, built in Python for speed:
the stepper, section notices, fetched times and links to PERP's URLs."""

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from lookup.overview import Section
from lookup.perp.errors import PERPUnavailable
from lookup.perp.fields import AsSent
from lookup.perp.models import Artwork, Invoice, Order, ProductionStatus, VIPWallet
from lookup.templatetags.perpdesk import (
    _html, amount_tone, artwork_strip, copyable, day, external_link, fetched, file_size, invoice_rows, iso,
    money, order_row, page_url, safe_url, section_state, signed_money, stepper, when,
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


# --- Values PERP sent in a form perpdesk could not read -------------------------------------

AS_SENT = 'class="pd-as-sent" title="As sent by PERP: perpdesk could not read it as '


def test_money_and_dates_show_unreadable_values_as_perps_text_marked():
    assert money(AsSent("1.234,50", "an amount"), "EUR") == (
        f'EUR <span {AS_SENT}an amount">1.234,50</span>')
    assert conditional_escape(day(AsSent("next week", "a date"))).startswith(f"<span {AS_SENT}a date")
    assert conditional_escape(when(AsSent(HOSTILE, "a date"))).endswith("&lt;/script&gt;</span>")
    assert iso(AsSent("next week")) == ""


def test_an_order_row_shows_unreadable_amounts_and_dates_marked():
    order = Order.from_json(p.order("ORD-1", total_amount="1.234,50", order_date="last Tuesday",
                                    estimated_ship_date=HOSTILE))

    html = order_row(order)

    assert f'<span {AS_SENT}an amount">1.234,50</span>' in html
    assert f'<span {AS_SENT}a date">last Tuesday</span>' in html
    assert "Est. <span " in html and "<script>" not in html


def test_invoice_rows_show_unreadable_amounts_marked():
    invoice = Invoice.from_json(p.invoice(amount_due="fifty", due_date=20261127))

    html = invoice_rows([invoice])

    assert f'<span {AS_SENT}an amount">fifty</span>' in html and ">20261127</span>" in html


def test_the_stepper_shows_an_unreadable_percentage_as_text_without_a_progress_bar():
    html = stepper(production(completion_percentage="nearly done"))

    assert "<progress" not in html
    assert f'<span class="pd-percent"><span {AS_SENT}a percentage">nearly done</span> complete</span>' in html


def test_the_stepper_says_when_stages_could_not_be_read():
    assert "Some production stages PERP sent could not be read" in stepper(production(stages=["x"]))
    assert "PERP sent production stages in a form" in stepper(production(stages="printing"))
    assert "pd-as-sent-note" not in stepper(production())


def test_the_artwork_strip_says_when_items_could_not_be_read():
    html = artwork_strip(Artwork.from_json(p.artwork("ORD-1", items=[p.artwork_item(), 7])))

    assert html.count("<li>") == 1 and "Some artwork items PERP sent could not be read" in html


def test_an_artwork_item_whose_files_are_text_shows_no_thumbnail():
    artwork = Artwork.from_json(p.artwork("ORD-1", items=[p.artwork_item(files="see PERP")]))

    assert "pd-thumb-missing" in artwork_strip(artwork)


def test_text_as_sent_is_never_markup_inside_an_attribute():
    html = copyable(AsSent('{"id": 1}'), AsSent("<b>"))

    assert 'data-copy="{&quot;id&quot;: 1}"' in html and 'aria-label="Copy &lt;b&gt;"' in html
    assert html.count("<span") == 2  # the copyable's own, and the marked text in <code>


def test_a_url_as_sent_never_becomes_a_link():
    assert safe_url(AsSent("https://files.example.com/a.pdf")) == ""
    assert page_url("customer", AsSent('{"id": 1}')) == ""


@pytest.mark.parametrize("size, shown", [(2048000, "2.0\xa0MB"), (AsSent("2 MB"), "2 MB"), (None, "")])
def test_file_sizes_in_bytes_are_formatted_and_sizes_in_words_kept(size, shown):
    assert file_size(size) == shown


def test_wallet_amounts_carry_their_sign_and_unreadable_ones_no_tone():
    wallet = VIPWallet.from_json(p.wallet(transactions=[
        {"type": "credit", "amount": "50.00"}, {"type": "debit", "amount": "30"},
        {"type": "debit", "amount": "a lot"},
    ]))
    credit, debit, unreadable = wallet.transactions

    assert (signed_money(credit, "USD"), amount_tone(credit)) == ("+USD 50.00", "pd-credit")
    assert (signed_money(debit, "USD"), amount_tone(debit)) == ("-USD 30.00", "pd-debit")
    assert amount_tone(unreadable) == "" and ">a lot</span>" in signed_money(unreadable, "USD")
