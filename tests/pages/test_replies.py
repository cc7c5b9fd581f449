"""The "Copy reply" and "Copy note" texts (lookup.pages.replies, templates/lookup/replies/)
and their buttons (lookup.templatetags.replies): wording, what is left out when PERP's data
is missing or unreadable, the pages' own formatting, and hostile text kept inert."""

import pytest
from django.template import Context, Template

from lookup.pages import replies
from lookup.pages.sections import Section
from lookup.perp.errors import PERPUnavailable
from lookup.perp.models import Artwork, Customer, Invoice, Order, ProductionStatus, VIPWallet
from lookup.templatetags.perpdesk import day, money
from lookup.templatetags.replies import reply_buttons
from tests.support import perp_payloads as p
from tests.support.page_html import parse
from tests.support.settings_probe import settings_from

HOSTILE = '<script>alert("x")</script>'
PROOF = {"url": "https://files.perp.test/art/proof.pdf", "filename": "proof.pdf", "file_size": 100000,
         "generated_date": "2026-05-02T13:00:00Z", "includes_mockup": True}


def order(**fields):
    return Order.from_json(p.order(**fields))


def production(**fields):
    return ProductionStatus.from_json(p.production(**fields))


def artwork(*items):
    return Artwork.from_json(p.artwork(items=list(items)))


def item(status, **fields):
    return p.artwork_item(status=status, **{"product_name": "Business Cards (500)", **fields})


def reply_of(record_order, *args):
    return replies.order_texts(record_order, *args)[0].text


def buttons(html):
    return parse(html).find_all("button")


# --- Orders ---------------------------------------------------------------------------------


def test_it_says_where_an_order_is_in_production_and_when_it_ships():
    text = reply_of(order(), production(completion_percentage=60), artwork())

    assert text == "Your order PO-50001 is in Printing (60% complete) and is expected to ship on 7 Nov 2026."


def test_it_formats_dates_and_money_as_the_pages_do():
    shown = order(total_amount="1234.5", order_date="2026-05-14T23:30:00Z")
    note = replies.order_texts(shown)[1].text

    assert f"Ordered: {day(shown.order_date)}" in note
    assert f"Total: {money(shown.total_amount, shown.currency)}" in note and "USD 1,234.50" in note


def test_it_says_a_shipped_order_shipped_and_nothing_of_its_production():
    shipped = order(status="shipped", status_display="Shipped", actual_ship_date="2026-11-05T10:00:00Z")

    assert reply_of(shipped, production(), artwork(item("submitted", proof_sheet=PROOF))) == (
        "Your order PO-50001 shipped on 5 Nov 2026.")


def test_without_production_it_gives_the_orders_status_and_estimated_ship_date():
    assert reply_of(order()) == (
        "The status of your order PO-50001 is In Production. Your order PO-50001 is expected to ship on 7 Nov 2026.")


def test_a_proof_with_the_customer_has_been_waiting_since_it_was_generated():
    text = reply_of(order(), None, artwork(item("submitted", proof_sheet=PROOF)))

    assert "Your proof for Business Cards (500) has been waiting for your approval since 2 May 2026." in text


def test_a_proof_status_perp_does_not_document_is_understood_when_it_is_an_ers_usual_one():
    text = reply_of(order(), None, artwork(item("awaiting_approval", proof_sheet=None, reviewed_date="2026-05-02")))

    assert "has been waiting for your approval since 2 May 2026." in text


@pytest.mark.parametrize(("status", "dates", "sentence"), [
    ("revision_requested", {"revision_requested_date": "2026-05-03T10:00:00Z"},
     "We have asked for changes to your artwork for Business Cards (500) (on 3 May 2026)."),
    ("rejected", {"rejected_date": "2026-05-04T10:00:00Z"},
     "We could not use your artwork for Business Cards (500) (on 4 May 2026); please send us a new file."),
    ("approved", {"approved_date": "2026-05-05T10:00:00Z"},
     "Your artwork for Business Cards (500) was approved on 5 May 2026."),
    ("submitted", {"submitted_date": "2026-05-06T10:00:00Z", "proof_sheet": None},
     "We received your artwork for Business Cards (500) on 6 May 2026 and are checking it."),
])
def test_it_says_what_became_of_each_artwork(status, dates, sentence):
    text = reply_of(order(), None, artwork(item(status, **dates)))

    assert text.endswith(" " + sentence)


def test_an_artwork_status_it_does_not_know_is_left_out():
    with_unknown = reply_of(order(), None, artwork(item("on_the_moon"), item("pending", proof_sheet=None)))

    assert with_unknown == reply_of(order())


def test_the_note_has_the_facts_the_ids_and_the_link():
    note = replies.order_texts(order(), production(), artwork(item("revision_requested", notes="Add bleed")))[1]

    assert note.text.splitlines() == [
        "Order PO-50001 (order id ORD-50001), customer Ada Lovelace (CUST-1001)",
        "Status: In Production",
        "Ordered: 28 Oct 2026",
        "Total: USD 90.00",
        "Production: Printing, 40% complete, In progress, estimated ship 7 Nov 2026",
        "Production notes: Customer asked for matte finish",
        "Artwork Business Cards (500) (ART-1): revision requested — Add bleed",
        "perpdesk: /orders/ORD-50001/",
    ]
    assert note.relative_link == "/orders/ORD-50001/"


def test_the_notes_link_is_absolute_with_perpdesk_public_url(settings):
    settings.PERPDESK_PUBLIC_URL = "https://perpdesk.example.com"

    note = replies.order_texts(order())[1]

    assert note.text.endswith("\nperpdesk: https://perpdesk.example.com/orders/ORD-50001/")
    assert note.relative_link == ""


def test_missing_or_unreadable_order_data_leaves_its_sentences_out():
    bare = order(order_number=None, status=None, status_display=None, estimated_ship_date="soon-ish",
                 total_amount="lots", order_date=None, customer_id=None, customer_name=None)
    unreadable = production(completion_percentage="most of it", current_stage=None, estimated_ship_date=None,
                            notes=None, overall_status=None)
    art = artwork(item("approved", approved_date="yesterday", product_name=None, artwork_id=None, notes=None))

    reply, note = (text.text for text in replies.order_texts(bare, unreadable, art))

    assert reply == "Your artwork was approved."
    assert note.splitlines() == [
        "Order ORD-50001 (order id ORD-50001)", "Production:", "Artwork: approved", "perpdesk: /orders/ORD-50001/"]
    assert "None" not in reply + note and "lots" not in note and "soon-ish" not in reply


def test_a_percentage_perp_sent_unreadably_is_left_out_of_the_stage_sentence():
    text = reply_of(order(), production(completion_percentage="60 pct"))

    assert text == "Your order PO-50001 is in Printing and is expected to ship on 7 Nov 2026."


# --- Wallet and invoices ------------------------------------------------------------------------


def test_it_gives_the_store_credit_balance():
    wallet = VIPWallet.from_json(p.wallet(balance="23.31"))
    reply, note = replies.wallet_texts(wallet, Customer.from_json(p.customer()))

    assert reply.text == "Your store credit balance is USD 23.31."
    assert note.text.splitlines() == [
        "VIP wallet of Ada Lovelace (CUST-1001)", "Balance: USD 23.31", "Last change: 20 Oct 2026",
        "perpdesk: /customers/CUST-1001/"]


def test_a_balance_perp_sent_unreadably_gives_no_reply_button():
    wallet = VIPWallet.from_json(p.wallet(balance="a lot", last_transaction_date=None))

    shown = buttons(reply_buttons("wallet", wallet))

    assert [button.text for button in shown] == ["Copy note"]
    assert shown[0].get("data-copy") == "VIP wallet of customer CUST-1001\nperpdesk: /customers/CUST-1001/"


@pytest.mark.parametrize(("fields", "reply"), [
    ({"total_amount": "423.00", "amount_paid": "0.00", "due_date": "2026-10-13", "status": "sent"},
     "Invoice 2026-0001 for USD 423.00 is due on 13 Oct 2026; USD 0.00 has been paid."),
    ({"status": "overdue"},
     "Invoice 2026-0001 for USD 90.00 was due on 27 Nov 2026; USD 40.00 has been paid. USD 50.00 is now overdue."),
    ({"status": "paid", "amount_paid": "90.00", "amount_due": "0.00"},
     "Invoice 2026-0001 for USD 90.00 has been paid in full."),
    ({"status": "cancelled"}, "Invoice 2026-0001 has been cancelled."),
    ({"due_date": "end of month", "amount_paid": None, "invoice_number": None},
     "Invoice INV-70001 for USD 90.00."),
])
def test_it_says_what_an_invoice_is_for_and_when_it_is_due(fields, reply):
    assert replies.invoice_texts(Invoice.from_json(p.invoice(**fields)))[0].text == reply


def test_the_invoice_note_has_every_amount_and_the_ids():
    note = replies.invoice_texts(Invoice.from_json(p.invoice(amount_due="fifty")))[1].text

    assert note.splitlines() == [
        "Invoice 2026-0001 (invoice id INV-70001), customer CUST-1001, order id ORD-50001",
        "Status: Partial", "Invoiced: 28 Oct 2026", "Due: 27 Nov 2026", "Total: USD 90.00", "Paid: USD 40.00",
        "perpdesk: /invoices/INV-70001/",
    ]


# --- The buttons ------------------------------------------------------------------------------


def test_the_buttons_carry_the_texts_hidden_until_javascript_reveals_them():
    shown = order()
    reply, note = buttons(reply_buttons("order", shown, production(), artwork()))

    assert (reply.text, note.text) == ("Copy reply", "Copy note")
    assert {"pd-copy", "pd-reply"} <= reply.classes and {"pd-copy", "pd-copy-note"} <= note.classes
    assert reply.get("data-reply-order") == "ORD-50001" and reply.get("type") == note.get("type") == "button"
    assert reply.get("hidden") == note.get("hidden") == ""
    assert reply.get("data-copy") == reply_of(shown, production(), artwork())
    assert note.get("data-copy-relative") == "/orders/ORD-50001/" and "data-copy-relative" not in reply.attrs
    assert reply.get("aria-label") == "Copy reply about order PO-50001"


def test_the_invoice_and_wallet_buttons_name_their_record():
    invoice_reply = buttons(reply_buttons("invoice", Invoice.from_json(p.invoice())))[0]
    wallet_reply = buttons(reply_buttons("wallet", VIPWallet.from_json(p.wallet())))[0]

    assert invoice_reply.get("data-reply-invoice") == "INV-70001"
    assert wallet_reply.get("data-reply-wallet") == "CUST-1001"


def test_a_section_perp_failed_for_counts_as_not_read():
    failed = Section(error=PERPUnavailable("/api/orders/ORD-50001/production", "timeout"))

    reply = buttons(reply_buttons("order", order(), failed, failed))[0]

    assert reply.get("data-copy") == reply_of(order())


def test_no_record_no_buttons():
    assert reply_buttons("order", None) == "" and reply_buttons("order", "") == ""


def test_the_tag_renders_in_a_template():
    template = Template('{% load replies %}{% reply_buttons "order" order production=production %}')

    html = template.render(Context({"order": order(), "production": production()}))

    assert [button.text for button in buttons(html)] == ["Copy reply", "Copy note"]


def test_hostile_text_stays_text_inside_the_attribute():
    hostile = order(order_number=HOSTILE, status_display=HOSTILE, customer_name=HOSTILE, currency=HOSTILE)
    art = artwork(item("approved", product_name=HOSTILE, notes='"><img src=x onerror=alert(1)>'))

    html = str(reply_buttons("order", hostile, production(notes=HOSTILE), art))
    document = parse(html)

    assert HOSTILE not in html and "<img" not in html
    assert [element.tag for element in document.find_all()] == ["span", "button", "button"]
    reply, note = document.find_all("button")
    assert f"Your order {HOSTILE} is in Printing" in reply.get("data-copy")
    assert f"Production notes: {HOSTILE}" in note.get("data-copy") and "onerror=alert(1)>" in note.get("data-copy")


def test_plain_text_is_not_html_escaped_in_the_copy():
    ampersand = order(order_number="A&B <1>")

    reply = buttons(reply_buttons("order", ampersand))[0]

    assert reply.get("data-copy").startswith("The status of your order A&B <1> is")


def test_the_texts_make_no_perp_call(perp):
    # `perp` fails the test at teardown for any PERP call no test registered.
    reply_buttons("order", order(), production(), artwork(item("submitted", proof_sheet=PROOF)))
    reply_buttons("wallet", VIPWallet.from_json(p.wallet()))
    reply_buttons("invoice", Invoice.from_json(p.invoice()))

    assert len(perp.calls) == 0


# --- PERPDESK_PUBLIC_URL ------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "read"), [
    ("", ""), ("https://perpdesk.example.com/", "https://perpdesk.example.com"),
    ("http://desk.internal:8000", "http://desk.internal:8000"),
])
def test_perpdesk_public_url_is_an_origin(value, read):
    assert settings_from({"PERPDESK_PUBLIC_URL": value}, "PERPDESK_PUBLIC_URL")["PERPDESK_PUBLIC_URL"] == read


@pytest.mark.parametrize("value", ["perpdesk.example.com", "javascript:alert(1)", "https://x.example/desk"])
def test_a_perpdesk_public_url_that_is_not_an_origin_stops_start_up(value):
    read = settings_from({"PERPDESK_PUBLIC_URL": value}, "PERPDESK_PUBLIC_URL")

    assert read["PERPDESK_PUBLIC_URL"] == ""
    assert any(error.startswith("PERPDESK_PUBLIC_URL is not valid") for error in read["SETTINGS_ERRORS"])
