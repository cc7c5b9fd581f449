"""The customer page's timeline (lookup.pages.timeline) and its template
(templates/lookup/includes/timeline.html), from sections built in the test."""

from datetime import datetime, timezone

import pytest
from django.template.loader import render_to_string

from lookup.pages.customer import ActiveOrder, CustomerSections
from lookup.pages.sections import INVOICE_DATE, ORDER_DATE, Section, paged
from lookup.pages.timeline import customer_timeline
from lookup.perp import models
from lookup.perp.errors import PERPUnavailable
from lookup.reading.reader import Reading
from tests.support import perp_payloads as p
from tests.support.page_html import as_sent_in, parse

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)  # when the copies were read
TODAY = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)  # when the page is shown
HOSTILE = '<script>alert("x")</script>'


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr("lookup.clock.now", lambda: TODAY)


def order(order_id="ORD-50001", **fields):
    return models.Order.from_json(p.order(order_id, **fields))


def invoice(invoice_id="INV-70001", **fields):
    return models.Invoice.from_json(p.invoice(invoice_id, **fields))


def wallet(**fields):
    return models.VIPWallet.from_json(p.wallet(**fields))


def production(order_id="ORD-50001", **fields):
    return models.ProductionStatus.from_json(p.production(order_id, **fields))


def artwork(order_id="ORD-50001", items=None):
    return models.Artwork.from_json(p.artwork(order_id, items))


def read(value):
    return Section.of(Reading(value, NOW))


def failed():
    return Section(error=PERPUnavailable("/api/x", "status", status=503))


def listed(items, *, number=1, total=None, has_more=False, sort_key=ORDER_DATE):
    total = len(items) if total is None else total
    page = models.Page(items, models.Pagination(total, 10, (number - 1) * 10, has_more))
    return Section.of(Reading(page, NOW), paged(number, 10, sort_key=sort_key))


def expanded(order_id="ORD-50001", *, production_section=None, artwork_section=None, items=None):
    return {order_id: ActiveOrder(
        production=production_section or read(production(order_id)),
        artwork=artwork_section or read(artwork(order_id, items)),
    )}


def sections(*, orders=(), invoices=(), wallet_section=None, expanded_orders=None,
             orders_section=None, invoices_section=None):
    return CustomerSections(
        customer_id="CUST-1001",
        profile=read(models.Customer.from_json(p.customer())),
        wallet=wallet_section or read(None),
        orders=orders_section or listed(list(orders)),
        invoices=invoices_section or listed(list(invoices), sort_key=INVOICE_DATE),
        expanded=expanded_orders or {},
    )


def texts(timeline):
    return [f"{parse(entry.record.label).text}: {parse(entry.text).text}" for entry in timeline.entries]


def rendered(timeline):
    return render_to_string("lookup/includes/timeline.html", {"timeline": timeline})


def shown_rows(timeline):
    return [[cell.text for cell in row.find_all("td")] for row in parse(rendered(timeline)).find("tbody").find_all("tr")]


# --- merging and order ---------------------------------------------------------------


def test_it_merges_every_source_newest_first():
    page = sections(
        orders=[order(order_date="2026-10-28T09:00:00Z", actual_ship_date="2026-11-05T08:00:00Z")],
        invoices=[invoice(invoice_date="2026-10-29", due_date="2026-11-28")],
        wallet_section=read(wallet()),
        expanded_orders=expanded(),
    )

    assert texts(customer_timeline(page)) == [
        "Invoice 2026-0001: Due · USD 50.00 outstanding",
        "Order PO-50001: Shipped",
        "Order PO-50001: Printing started",
        "Order PO-50001: Prepress completed",
        "Invoice 2026-0001: Issued · USD 90.00",  # a bare date: the day's start
        "Order PO-50001: Artwork approved: Vinyl Banner 3x6 ft",
        "Order PO-50001: Artwork submitted: Vinyl Banner 3x6 ft",
        "Order PO-50001: Prepress started",
        "Order PO-50001: Placed · USD 90.00",
        "VIP wallet: Credit +USD 50.50 · Cash back on PO-10003",
        "VIP wallet: Debit -USD 30.00 · Applied to PO-10002",
        "VIP wallet: Credit +USD 100.00 · Cash back on PO-10001",
    ]


def test_dates_and_aware_datetimes_in_other_zones_sort_together():
    page = sections(orders=[
        order("ORD-1", order_date="2026-10-02"),  # a bare date: that day's start, UTC
        order("ORD-2", order_date="2026-10-02T01:00:00+02:00"),  # 23:00 UTC on the 1st
        order("ORD-3", order_date="2026-10-02T09:00:00-05:00"),
    ])

    assert [entry.record.record_id for entry in customer_timeline(page).entries] == ["ORD-3", "ORD-1", "ORD-2"]


def test_it_shows_each_moment_with_the_pages_own_date_format():
    page = sections(invoices=[invoice(invoice_date="2026-10-29", due_date="2026-11-28T15:30:00Z")])

    rows = shown_rows(customer_timeline(page))

    assert [row[0] for row in rows] == ["28 Nov 2026, 15:30", "29 Oct 2026"]  # TIME_ZONE is UTC in tests
    times = parse(rendered(customer_timeline(page))).find("tbody").find_all("time")
    assert [each.get("datetime") for each in times] == ["2026-11-28T15:30:00+00:00", "2026-10-29"]


# --- each source --------------------------------------------------------------------


def test_artwork_rejected_and_sent_back_are_events_of_their_own():
    items = [
        p.artwork_item("ART-1", product_name="Poster", status="rejected", approved_date=None,
                       rejected_date="2026-10-30T10:00:00Z"),
        p.artwork_item("ART-2", product_name="Flyer", status="revision_requested", approved_date=None,
                       revision_requested_date="2026-10-31T10:00:00Z"),
    ]
    page = sections(orders=[order()], expanded_orders=expanded(
        items=items, production_section=read(None)))

    shown = texts(customer_timeline(page))

    assert "Order PO-50001: Artwork sent back for changes: Flyer" == shown[0]
    assert "Order PO-50001: Artwork rejected: Poster" == shown[1]
    assert not any("approved" in text for text in shown)


def test_stages_not_started_or_not_completed_are_no_events():
    page = sections(orders=[order()], expanded_orders=expanded())

    shown = texts(customer_timeline(page))

    assert not any("Finishing" in text for text in shown)  # pending: neither started nor completed
    assert not any("Printing completed" in text for text in shown)
    assert customer_timeline(page).undated == 0


def test_an_order_not_shipped_has_no_shipped_entry():
    page = sections(orders=[order(actual_ship_date=None)])

    assert texts(customer_timeline(page)) == ["Order PO-50001: Placed · USD 90.00"]


def test_a_paid_invoice_is_due_with_nothing_outstanding():
    page = sections(invoices=[invoice(status="paid", amount_paid="90.00", amount_due="0.00")])

    assert "Invoice 2026-0001: Due" in texts(customer_timeline(page))


def test_a_wallet_transaction_of_an_unknown_type_keeps_perps_sign():
    transactions = [{"transaction_id": "TX-9", "type": "adjustment", "amount": "-5.00",
                     "description": "Rounding", "date": "2026-10-01T10:00:00Z"}]
    page = sections(wallet_section=read(wallet(transactions=transactions)))

    assert texts(customer_timeline(page)) == ["VIP wallet: Transaction -USD 5.00 · Rounding"]


# --- links ---------------------------------------------------------------------------


def test_each_entry_links_to_its_records_perpdesk_page():
    page = sections(orders=[order()], invoices=[invoice()], wallet_section=read(wallet()),
                    expanded_orders=expanded())

    links = parse(rendered(customer_timeline(page))).find("tbody").find_all("a")

    assert {link.href for link in links} == {"/orders/ORD-50001/", "/invoices/INV-70001/", "#pd-wallet"}
    production_rows = [row for row in parse(rendered(customer_timeline(page))).find_all("tr")
                       if "pd-timeline-production" in row.classes]
    assert production_rows and all(row.find("a").href == "/orders/ORD-50001/" for row in production_rows)


@pytest.mark.parametrize("odd_id", ["..", "a/b", "."])
def test_an_id_no_url_can_hold_gets_no_link(odd_id):
    page = sections(orders=[order(odd_id, order_number="PO-ODD")], invoices=[invoice(odd_id, invoice_number="INV-ODD")])

    body = parse(rendered(customer_timeline(page))).find("tbody")

    assert body.find_all("a") == []
    assert "Order PO-ODD" in body.text and "Invoice INV-ODD" in body.text


def test_a_record_without_a_number_is_named_by_its_id():
    page = sections(orders=[order("ORD-7", order_number=None)])

    assert texts(customer_timeline(page)) == ["Order ORD-7: Placed · USD 90.00"]


# --- what it covers, what it lacks -----------------------------------------------------


def test_it_says_it_covers_the_newest_orders_and_invoices_when_more_exist():
    orders = [order(f"ORD-{n}") for n in range(10)]
    invoices = [invoice(f"INV-{n}") for n in range(7)]
    page = sections(orders_section=listed(orders, total=42, has_more=True),
                    invoices_section=listed(invoices, total=30, has_more=True, sort_key=INVOICE_DATE),
                    wallet_section=read(wallet()))

    assert customer_timeline(page).covers == (
        "Built from what this page read: the newest 10 orders, the newest 7 invoices "
        "and the wallet's 3 transactions."
    )


@pytest.mark.parametrize("count, said", [(0, "no orders"), (1, "the only order"), (2, "both orders"),
                                         (3, "all 3 orders")])
def test_it_says_when_it_covers_every_order(count, said):
    page = sections(orders=[order(f"ORD-{n}") for n in range(count)])

    assert customer_timeline(page).covers == f"Built from what this page read: {said}, no invoices and no VIP wallet."


def test_on_a_later_page_it_says_which_orders_it_covers():
    orders = [order(f"ORD-{n}") for n in range(10)]
    page = sections(orders_section=listed(orders, number=2, total=42, has_more=True))

    assert customer_timeline(page).covers.startswith("Built from what this page read: orders 11–20 of 42, ")


def test_it_counts_the_active_orders_whose_production_and_artwork_it_read():
    active = {**expanded("ORD-1"), **expanded("ORD-2", production_section=failed())}
    page = sections(orders=[order("ORD-1"), order("ORD-2")], expanded_orders=active)

    assert "production of 1 and artwork of 2 active orders" in customer_timeline(page).covers


def test_it_names_the_sections_that_failed():
    active = expanded("ORD-1", artwork_section=failed())
    page = sections(orders=[order("ORD-1")], invoices_section=failed(), wallet_section=failed(),
                    expanded_orders=active)

    timeline = customer_timeline(page)

    assert [parse(name).text for name in timeline.failed] == ["Invoices", "Wallet", "Artwork of order PO-1"]
    assert timeline.covers == "Built from what this page read: the only order and production of 1 active order."
    notice = parse(rendered(timeline)).find("p", cls="pd-timeline-failed")
    assert notice.text == ("Not in the timeline, as these sections failed (see their notices above): "
                           "Invoices, Wallet, Artwork of order PO-1.")


def test_with_every_source_failed_it_says_so_and_shows_nothing():
    page = sections(orders_section=failed(), invoices_section=failed(), wallet_section=failed())

    timeline = customer_timeline(page)
    html = parse(rendered(timeline))

    assert timeline.entries == [] and timeline.failed == ["Orders", "Invoices", "Wallet"]
    assert html.find("p", cls="pd-timeline-covers").text == "Nothing to show: every section it is built from failed."
    assert html.find_all("p", cls="pd-empty") == []  # not also "nothing dated": nothing was read
    assert html.find_all("table") == []


def test_no_failure_notice_while_every_section_was_read():
    page = sections(orders=[order()])

    assert parse(rendered(customer_timeline(page))).find_all("p", cls="pd-timeline-failed") == []


# --- length --------------------------------------------------------------------------


def test_it_shows_at_most_timeline_entries_and_says_how_many_more(settings):
    settings.TIMELINE_ENTRIES = 4
    page = sections(orders=[order(f"ORD-{n}", order_date=f"2026-10-0{n}T09:00:00Z") for n in range(1, 8)])

    timeline = customer_timeline(page)

    assert [entry.record.record_id for entry in timeline.entries] == ["ORD-7", "ORD-6", "ORD-5", "ORD-4"]
    assert timeline.left_out == 3
    assert "3 older entries are not shown: see the sections above." in parse(rendered(timeline)).text


def test_one_entry_left_out_is_said_in_the_singular(settings):
    settings.TIMELINE_ENTRIES = 1
    page = sections(orders=[order("ORD-1"), order("ORD-2", order_date="2026-01-01")])

    assert "1 older entry is not shown" in parse(rendered(customer_timeline(page))).text


# --- unreadable data -------------------------------------------------------------------


def test_events_without_a_readable_date_are_left_out_and_counted():
    transactions = [{"transaction_id": "TX-1", "type": "credit", "amount": "5.00", "description": "Bonus",
                     "date": "last Tuesday"}]
    page = sections(
        orders=[order("ORD-1", order_date="yesterday"), order("ORD-2", order_date=None)],
        invoices=[invoice(due_date=None)],
        wallet_section=read(wallet(transactions=transactions)),
    )

    timeline = customer_timeline(page)

    assert texts(timeline) == ["Invoice 2026-0001: Issued · USD 90.00"]
    assert timeline.undated == 4  # two orders placed, the invoice's due date, the transaction
    assert "4 events are not shown: PERP sent no date for them that perpdesk could read." in parse(rendered(timeline)).text


def test_an_unreadable_optional_date_is_counted_too():
    page = sections(orders=[order(order_date="2026-10-01", actual_ship_date="soon")])

    timeline = customer_timeline(page)

    assert texts(timeline) == ["Order PO-50001: Placed · USD 90.00"]
    assert "1 event is not shown: PERP sent no date for it that perpdesk could read." in parse(rendered(timeline)).text


def test_values_perp_sent_unreadably_are_shown_marked():
    page = sections(orders=[order(total_amount="ninety", order_number={"n": 1})])

    html = rendered(customer_timeline(page))

    assert ("ninety", "an amount") in as_sent_in(html)
    assert ('{"n": 1}', "text") in as_sent_in(html)


def test_missing_values_never_print_none():
    item = p.artwork_item(product_name=None, submitted_date="2026-10-28T12:00:00Z")
    stages = [{"stage_name": None, "stage_display": None, "status": "completed",
               "started_at": "2026-10-28T10:00:00Z", "completed_at": None}]
    transactions = [{"transaction_id": None, "type": None, "amount": None, "description": None,
                     "date": "2026-10-01T10:00:00Z"}]
    page = sections(
        orders=[order(order_number=None, total_amount=None, currency=None)],
        invoices=[invoice(invoice_number=None, total_amount=None, amount_due=None, currency=None)],
        wallet_section=read(wallet(currency=None, transactions=transactions)),
        expanded_orders=expanded(production_section=read(production(stages=stages)), items=[item]),
    )

    html = rendered(customer_timeline(page))

    assert "None" not in html
    shown = parse(html).text
    for text in ("A production stage started", "Artwork submitted: a line", "Order ORD-50001",
                 "Invoice INV-70001", "Transaction —"):
        assert text in shown, text


def test_hostile_strings_from_perp_are_escaped():
    items = [p.artwork_item(product_name=HOSTILE)]
    stages = [{"stage_name": "x", "stage_display": HOSTILE, "status": "completed",
               "started_at": "2026-10-28T10:00:00Z"}]
    transactions = [{"transaction_id": "TX-1", "type": "credit", "amount": "1.00", "description": HOSTILE,
                     "date": "2026-10-01T10:00:00Z"}]
    page = sections(
        orders=[order(order_number=HOSTILE, currency=HOSTILE)],
        invoices=[invoice(invoice_number=HOSTILE)],
        wallet_section=read(wallet(transactions=transactions)),
        expanded_orders=expanded(production_section=read(production(stages=stages)), items=items),
    )

    html = rendered(customer_timeline(page))

    assert "<script" not in html
    document = parse(html)
    assert document.find_all("script") == []
    assert f"Order {HOSTILE}" in document.text
    assert f"Artwork submitted: {HOSTILE}" in document.text
    assert f"{HOSTILE} started" in document.text
    assert f"Credit +USD 1.00 · {HOSTILE}" in document.text
    assert f"Placed · {HOSTILE} 90.00" in document.text
    assert all(link.href in ("/orders/ORD-50001/", "/invoices/INV-70001/", "#pd-wallet")
               for link in document.find_all("a"))


def test_a_failed_order_sections_number_is_escaped_in_its_name():
    active = expanded("ORD-1", production_section=failed())
    page = sections(orders=[order("ORD-1", order_number=HOSTILE)], expanded_orders=active)

    html = rendered(customer_timeline(page))

    assert "<script" not in html
    assert f"Production of order {HOSTILE}" in parse(html).find("p", cls="pd-timeline-failed").text


# --- what is still to come ------------------------------------------------------------


def test_what_is_still_to_come_is_listed_apart_soonest_first():
    page = sections(invoices=[
        invoice("INV-1", invoice_number="A-1", invoice_date="2026-11-20", due_date="2027-01-20"),
        invoice("INV-2", invoice_number="A-2", invoice_date="2026-11-25", due_date="2026-12-10"),
    ])
    timeline = customer_timeline(page)
    assert [parse(entry.record.label).text for entry in timeline.upcoming] == ["Invoice A-2", "Invoice A-1"]
    assert [text.split(":")[0] for text in texts(timeline)] == ["Invoice A-2", "Invoice A-1"]
    assert all(": Issued" in text for text in texts(timeline))  # their due dates are still to come


def test_a_date_of_today_has_happened_and_tomorrow_is_to_come():
    page = sections(invoices=[
        invoice("INV-1", invoice_number="A-1", invoice_date="2026-11-01", due_date="2026-12-01"),
        invoice("INV-2", invoice_number="A-2", invoice_date="2026-11-01", due_date="2026-12-02"),
    ])
    timeline = customer_timeline(page)
    assert [parse(entry.record.label).text for entry in timeline.upcoming] == ["Invoice A-2"]
    assert any(text.startswith("Invoice A-1: Due") for text in texts(timeline))


def test_the_upcoming_list_is_rendered_under_its_own_heading():
    page = sections(invoices=[invoice("INV-1", invoice_number="A-1", invoice_date="2026-11-20", due_date="2027-01-20")])
    html = parse(rendered(customer_timeline(page)))
    upcoming = html.find("table", cls="pd-timeline-upcoming")
    assert upcoming is not None
    assert [row.find_all("td")[1].text for row in upcoming.find("tbody").find_all("tr")] == ["Invoice A-1"]
    assert [h.text for h in html.find_all("h3")] == ["Coming up", "What happened"]
