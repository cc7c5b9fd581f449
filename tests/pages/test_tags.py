"""The tags that stand in every row and section of a page, built in Python with
format_html: the stepper, section notices, fetched times, rows and links to PERP's URLs.
They are read as a browser would (tests.support.page_html): text, link targets, titles, and
the classes that carry meaning."""

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from django.utils.html import conditional_escape

from lookup.pages.sections import Section
from lookup.perp.errors import PERPUnavailable
from lookup.perp.fields import AsSent
from lookup.perp.models import Artwork, Invoice, Order, ProductionStatus, VIPWallet
from lookup.reading.reader import Reading
from lookup.templatetags.perpdesk import (
    amount_tone, artwork_strip, copyable, day, external_link, fetched, file_size, invoice_rows, iso,
    money, order_row, page_url, perp_link, safe_url, section_state, signed_money, status_badge, stepper,
    thumbnail, when,
)
from tests.support import perp_payloads as p
from tests.support.page_html import as_sent_in, links_in, parse, text_of

HOSTILE = '<script>alert("x")</script>'
FETCHED = datetime(2026, 11, 24, 13, 2, tzinfo=timezone.utc)


def production(**fields):
    return ProductionStatus.from_json(p.production("ORD-1", **fields))


def _no_script(html):
    """Hostile text from PERP is text on the page, never an element."""
    document = parse(html)
    assert document.find_all("script") == []
    return document


def test_the_stepper_marks_the_current_stage_and_shows_progress():
    document = parse(stepper(production()))

    steps = document.find_all("li", cls="pd-step")
    current = [step for step in steps if step.get("aria-current") == "step"]
    assert len(steps) == 3 and len(current) == 1
    assert current[0].find(cls="pd-step-name").text == "Printing"
    assert document.find("progress").get("value") == "40" and "40% complete" in document.text


def test_the_stepper_gives_each_stage_the_tone_of_its_status():
    steps = parse(stepper(production())).find_all("li", cls="pd-step")

    assert [step.find(cls="pd-step-status").text for step in steps] == ["Completed", "In progress", "Pending"]
    assert ["tone-success" in steps[0].classes, "tone-info" in steps[1].classes,
            "tone-warning" in steps[2].classes] == [True, True, True]


def test_the_compact_stepper_leaves_out_dates_and_notes():
    compact = parse(stepper(production(notes="Ink ordered")))
    detailed = parse(stepper(production(notes="Ink ordered"), True))

    assert compact.find_all(cls="pd-step-dates") == [] and "Ink ordered" not in compact.text
    assert detailed.find_all(cls="pd-stepper-detailed")
    dates = [span.text for span in detailed.find_all(cls="pd-step-dates")[0].find_all("span")]
    assert dates[0].startswith("Started 28 Oct 2026") and dates[1].startswith("Completed 29 Oct 2026")
    assert detailed.find(cls="pd-notes").text == "Notes: Ink ordered"


def test_a_stage_not_completed_says_when_it_is_expected():
    stages = [{"stage_name": "printing", "stage_display": "Printing", "status": "in_progress",
               "started_at": "2026-10-28T09:00:00Z", "estimated_completion": "2026-10-30T17:00:00Z"}]
    dates = parse(stepper(production(stages=stages), True)).find(cls="pd-step-dates")

    assert [span.text.split(" ")[0] for span in dates.find_all("span")] == ["Started", "Expected"]


def test_the_stepper_escapes_perps_text():
    stages = [{"stage_name": HOSTILE, "stage_display": HOSTILE, "status": HOSTILE}]
    document = _no_script(stepper(production(stages=stages, notes=HOSTILE, current_stage=HOSTILE), True))

    assert document.find(cls="pd-step-name").text == HOSTILE
    assert HOSTILE in document.find(cls="pd-notes").text


def test_a_production_without_stages_says_so():
    document = parse(stepper(production(stages=[], completion_percentage=None)))

    assert "PERP lists no production stages" in document.text and document.find_all("progress") == []


def test_a_fine_section_has_no_notice():
    assert section_state(Section.of(Reading("value", FETCHED)), "Orders") == ""


def test_a_failed_section_says_what_failed():
    notice = _no_script(section_state(Section(error=PERPUnavailable("/api/x", "timeout")), HOSTILE)).find("p")

    assert "pd-error" in notice.classes and notice.get("role") == "alert"
    assert notice.find("strong").text == f"{HOSTILE}:"


def test_a_stale_section_shows_its_age(frozen_clock):  # noqa: F811
    frozen_clock.current = FETCHED + timedelta(minutes=35)
    stale = Section.of(Reading("value", FETCHED, PERPUnavailable("/api/x", "status", status=503)))

    notice = parse(section_state(stale, "Orders")).find("p")

    assert "pd-stale" in notice.classes and notice.get("role") == "status"
    assert "(35 min ago)" in notice.text
    assert notice.find("time").get("datetime") == iso(FETCHED)


def test_fetched_shows_the_time_and_nothing_without_one():
    shown = parse(fetched(Section.of(Reading("value", FETCHED)))).find(cls="pd-fetched")

    assert shown.text.startswith("fetched ") and shown.find("time").get("datetime") == iso(FETCHED)
    assert fetched(Section(error=PERPUnavailable("/api/x", "timeout"))) == ""


def test_an_http_url_becomes_a_link_opened_apart():
    link = links_in(external_link("https://files.example.com/a.pdf?x=1&y=2", "PDF"))[0]

    assert (link.href, link.text) == ("https://files.example.com/a.pdf?x=1&y=2", "PDF")
    assert link.get("target") == "_blank" and set(link.get("rel").split()) == {"noopener", "noreferrer"}


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "/relative", "https://"])
def test_any_other_url_stays_text_saying_why(url):
    document = parse(external_link(url, "PDF"))

    assert document.find_all("a") == []
    shown = document.find(cls="pd-unsafe-url")
    assert (shown.text, shown.get("title")) == ("PDF", "Not an http(s) link")


@pytest.mark.parametrize("url", ["", None])
def test_no_url_shows_nothing(url):
    assert external_link(url, "PDF") == ""


def test_the_artwork_strip_shows_each_item_with_its_status():
    artwork = Artwork.from_json(p.artwork("ORD-1"))

    items = parse(artwork_strip(artwork)).find_all("li")

    assert len(items) == len(artwork.artwork_items) > 0
    assert [len(item.find_all(cls="pd-badge")) for item in items] == [1] * len(items)
    assert items[0].find(cls="pd-artwork-name").text == artwork.artwork_items[0].product_name


def test_the_artwork_strip_escapes_names_and_says_when_there_is_none():
    hostile = Artwork.from_json(p.artwork("ORD-1"))
    hostile = replace(hostile, artwork_items=[replace(hostile.artwork_items[0], product_name=HOSTILE)])

    assert _no_script(artwork_strip(hostile)).find(cls="pd-artwork-name").text == HOSTILE
    assert text_of(artwork_strip(replace(hostile, artwork_items=[]))) == "No artwork submitted yet."


def test_a_thumbnail_is_an_image_from_an_http_url_described_by_its_product():
    item = Artwork.from_json(p.artwork("ORD-1")).artwork_items[0]
    image = parse(thumbnail(item, 48)).find("img")

    assert image.get("src") == item.files.thumbnail.url
    assert image.get("alt") == f"Thumbnail of the artwork for {item.product_name}"
    assert (image.get("width"), image.get("referrerpolicy")) == ("48", "no-referrer")


def test_a_thumbnail_escapes_the_product_name_in_its_description():
    item = replace(Artwork.from_json(p.artwork("ORD-1")).artwork_items[0], product_name=f'"{HOSTILE}')

    assert _no_script(thumbnail(item)).find("img").get("alt") == f'Thumbnail of the artwork for "{HOSTILE}'


def test_invoice_rows_link_each_invoice_and_mark_the_overdue_ones():
    paid = Invoice.from_json(p.invoice(invoice_id="INV-1", invoice_number="2026-0001"))
    overdue = Invoice.from_json(p.invoice(invoice_id="INV-2", invoice_number="2026-0002", status="overdue"))

    rows = parse(invoice_rows([paid, overdue])).find_all("tr")

    assert [(row.find("th").find("a").href, row.find("th").text) for row in rows] == [
        ("/invoices/INV-1/", "2026-0001"), ("/invoices/INV-2/", "2026-0002")]
    assert ["pd-overdue" in row.classes for row in rows] == [False, True]
    assert "tone-danger" in rows[1].find(cls="pd-badge").classes and rows[1].find(cls="pd-badge").text == "Overdue"


def test_invoice_rows_escape_perps_text_and_keep_unsafe_links_as_text():
    hostile = Invoice.from_json(p.invoice(invoice_number=HOSTILE, pdf_url="javascript:alert(1)"))

    row = _no_script(invoice_rows([hostile])).find("tr")

    assert row.find("th").text == HOSTILE
    assert [link.href for link in row.find_all("a") if "javascript" in (link.href or "")] == []
    assert row.find(cls="pd-unsafe-url").text == "PDF"


def test_an_order_row_links_the_order_and_says_when_it_ships():
    active = Order.from_json(p.order("ORD-1", order_number="PO-1", status="in_production",
                                     estimated_ship_date="2026-12-01", actual_ship_date=None))
    shipped = Order.from_json(p.order("ORD-2", status="shipped", actual_ship_date="2026-11-02"))

    active_row, shipped_row = parse(order_row(active)).find("tr"), parse(order_row(shipped)).find("tr")

    assert active.is_active and not shipped.is_active
    assert "pd-active" in active_row.classes and "pd-active" not in shipped_row.classes
    link = active_row.find("th").find("a")
    assert (link.href, link.text) == ("/orders/ORD-1/", "PO-1")
    assert "Est. 1 Dec 2026" in active_row.text and "Shipped 2 Nov 2026" in shipped_row.text
    assert "tone-success" in shipped_row.find(cls="pd-badge").classes


def test_an_order_row_escapes_perps_text():
    row = _no_script(order_row(Order.from_json(p.order("ORD-1", order_number=HOSTILE, status=HOSTILE)))).find("tr")

    assert row.find("th").text == HOSTILE
    assert "tone-neutral" in row.find(cls="pd-badge").classes


@pytest.mark.parametrize("identifier", ["a/b", "", AsSent('{"id": 1}')])
def test_a_record_whose_id_cannot_be_a_url_is_shown_without_a_link(identifier):
    order = replace(Order.from_json(p.order("ORD-1", order_number="PO-1")), order_id=identifier)

    row = parse(order_row(order)).find("tr")

    assert row.find("th").find_all("a") == [] and row.find("th").text == "PO-1"


def test_a_status_badge_carries_its_tone_and_perps_own_wording():
    badge = parse(status_badge("in_production", "In Production")).find(cls="pd-badge")

    assert (badge.text, "tone-info" in badge.classes) == ("In Production", True)
    assert parse(status_badge(HOSTILE)).find(cls="pd-badge").text == HOSTILE


def test_the_perp_link_opens_perps_own_page_when_perp_web_url_is_set(settings):
    settings.PERP_WEB_URL = "https://perp.example.com/{kind}/{id}"

    link = links_in(perp_link("orders", "ORD 1/2"))[0]

    assert link.href == "https://perp.example.com/orders/ORD%201%2F2" and link.text == "Open in PERP ↗"
    settings.PERP_WEB_URL = ""
    assert perp_link("orders", "ORD-1") == ""


def test_an_id_is_copyable_as_its_bare_text():
    shown = parse(copyable(HOSTILE, "order number")).find(cls="pd-copyable")

    assert shown.find("code").text == HOSTILE
    button = shown.find("button")
    assert (button.get("data-copy"), button.get("aria-label")) == (HOSTILE, "Copy order number")


# --- Values PERP sent in a form perpdesk could not read -------------------------------------

def test_money_and_dates_show_unreadable_values_as_perps_text_marked():
    assert text_of(money(AsSent("1.234,50", "an amount"), "EUR")) == "EUR 1.234,50"
    assert as_sent_in(money(AsSent("1.234,50", "an amount"), "EUR")) == [("1.234,50", "an amount")]
    assert as_sent_in(day(AsSent("next week", "a date"))) == [("next week", "a date")]
    assert as_sent_in(when(AsSent(HOSTILE, "a date"))) == [(HOSTILE, "a date")]
    _no_script(conditional_escape(when(AsSent(HOSTILE, "a date"))))
    assert iso(AsSent("next week")) == ""


def test_an_order_row_shows_unreadable_amounts_and_dates_marked():
    order = Order.from_json(p.order("ORD-1", total_amount="1.234,50", order_date="last Tuesday",
                                    estimated_ship_date=HOSTILE))

    html = order_row(order)

    assert ("1.234,50", "an amount") in as_sent_in(html) and ("last Tuesday", "a date") in as_sent_in(html)
    assert f"Est. {HOSTILE}" in _no_script(html).text and (HOSTILE, "a date") in as_sent_in(html)


def test_invoice_rows_show_unreadable_amounts_marked():
    invoice = Invoice.from_json(p.invoice(amount_due="fifty", due_date=20261127))

    shown = as_sent_in(invoice_rows([invoice]))

    assert ("fifty", "an amount") in shown and "20261127" in [text for text, _ in shown]


def test_the_stepper_shows_an_unreadable_percentage_as_text_without_a_progress_bar():
    document = parse(stepper(production(completion_percentage="nearly done")))

    assert document.find_all("progress") == []
    assert document.find(cls="pd-percent").text == "nearly done complete"
    assert as_sent_in(stepper(production(completion_percentage="nearly done"))) == [("nearly done", "a percentage")]


def test_the_stepper_says_when_stages_could_not_be_read():
    assert "Some production stages PERP sent could not be read" in text_of(stepper(production(stages=["x"])))
    assert "PERP sent production stages in a form" in text_of(stepper(production(stages="printing")))
    assert parse(stepper(production())).find_all(cls="pd-as-sent-note") == []


def test_the_artwork_strip_says_when_items_could_not_be_read():
    document = parse(artwork_strip(Artwork.from_json(p.artwork("ORD-1", items=[p.artwork_item(), 7]))))

    assert len(document.find_all("li")) == 1
    assert "Some artwork items PERP sent could not be read" in document.find(cls="pd-as-sent-note").text


def test_an_artwork_item_whose_files_are_text_shows_no_thumbnail():
    artwork = Artwork.from_json(p.artwork("ORD-1", items=[p.artwork_item(files="see PERP")]))

    document = parse(artwork_strip(artwork))

    assert document.find_all("img") == [] and document.find(cls="pd-thumb-missing").get("aria-label") == "No thumbnail"


def test_text_as_sent_is_never_markup_inside_an_attribute():
    shown = parse(copyable(AsSent('{"id": 1}'), AsSent("<b>"))).find(cls="pd-copyable")

    button = shown.find("button")
    assert (button.get("data-copy"), button.get("aria-label")) == ('{"id": 1}', "Copy <b>")
    assert shown.find_all("b") == []
    assert [span.text for span in shown.find("code").find_all("span", cls="pd-as-sent")] == ['{"id": 1}']


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
    assert amount_tone(unreadable) == "" and [text for text, _ in as_sent_in(signed_money(unreadable, "USD"))] == ["a lot"]
