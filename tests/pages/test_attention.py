"""What needs attention (lookup.pages.attention): one test per rule, then the customer and
order pages' lists, what could not be judged, PERP's unreadable values, and the list as
a browser reads it."""

from datetime import date, datetime, timezone

import pytest
from django.template.loader import render_to_string

from lookup.pages import anchors
from lookup.pages import attention as a
from lookup.pages.customer import ActiveOrder, CustomerSections
from lookup.pages.order import OrderInvoices, OrderPage
from lookup.pages.sections import PagedList, Paging, Section
from lookup.perp.errors import PERPUnavailable
from lookup.perp.models import Artwork, Invoice, Order, ProductionStatus
from lookup.templatetags.perpdesk import invoice_rows, order_row
from tests.support import perp_payloads as p
from tests.support.page_html import as_sent_in, parse

TODAY = date(2026, 11, 24)
HOSTILE = '<script>alert("x")</script>'
SUBJECT = a.Subject("Order", "PO-1")
FAILED = Section(error=PERPUnavailable("/api/x", "timeout", timeout=10))


def order(**fields):
    return Order.from_json(p.order("ORD-1", **{"estimated_ship_date": "2026-12-07", **fields}))


def production(*stages, **fields):
    return ProductionStatus.from_json(p.production("ORD-1", stages=list(stages), **fields))


def stage(status, **fields):
    return {"stage_name": "printing", "stage_display": "Printing", "status": status, **fields}


def artwork(*items):
    return Artwork.from_json(p.artwork("ORD-1", items=list(items)))


def invoice(**fields):
    return Invoice.from_json(p.invoice(**fields))


def kinds(items):
    return [item.kind for item in items]


# --- One test per rule -------------------------------------------------------------------

def test_an_active_order_past_its_estimated_ship_date_is_late():
    items = a.late_order(order(estimated_ship_date="2026-11-20"), SUBJECT, "row", TODAY)

    assert kinds(items) == [a.LATE_ORDER]
    assert (items[0].since, items[0].since_label, items[0].anchor) == (date(2026, 11, 20), "estimated", "row")


@pytest.mark.parametrize("fields", [
    {"estimated_ship_date": "2026-11-24"},  # today: not passed yet
    {"estimated_ship_date": "2026-11-25"},
    {"estimated_ship_date": "2026-11-20", "status": "shipped", "actual_ship_date": "2026-11-21"},
    {"estimated_ship_date": "2026-11-20", "actual_ship_date": "2026-11-21"},  # shipped, status behind
    {"estimated_ship_date": "2026-11-20", "status": "cancelled"},
])
def test_an_order_shipped_or_not_yet_due_is_not_late(fields):
    assert a.late_order(order(**fields), SUBJECT, "row", TODAY) == []


def test_a_production_stage_on_hold_needs_attention():
    items = a.stages_on_hold(production(stage("on_hold"), stage("in_progress")), SUBJECT, "x", TODAY)

    assert kinds(items) == [a.STAGE_ON_HOLD] and items[0].part == "Printing" and items[0].since is None


def test_the_first_unfinished_stage_past_its_expected_completion_is_late_with_those_after_it():
    done = stage("completed", stage_display="Prepress", estimated_completion="2026-11-20",
                 completed_at="2026-11-23T09:00:00Z")
    held = stage("on_hold", stage_display="Proofing", estimated_completion="2026-11-01")  # its own rule
    late = stage("in_progress", estimated_completion="2026-11-22T10:00:00Z")
    on_time = stage("pending", stage_display="Cutting", estimated_completion="2026-11-24")
    pending_late = stage("pending", stage_display="Finishing", estimated_completion="2026-11-23")

    items = a.late_stages(production(done, held, late, on_time, pending_late), SUBJECT, "x", TODAY)

    assert [(item.kind, item.part, item.since, item.since_label) for item in items] == [
        (a.STAGE_LATE, "Printing", datetime(2026, 11, 22, 10, tzinfo=timezone.utc), "expected")]
    assert items[0].problem == "stage past its expected completion, and 1 later stage"


def test_a_single_late_stage_is_named_alone_and_none_late_is_nothing():
    [item] = a.late_stages(production(stage("pending", estimated_completion="2026-11-23")), SUBJECT, "x", TODAY)

    assert item.problem == "stage past its expected completion"
    assert a.late_stages(production(stage("in_progress", estimated_completion="2026-11-24")), SUBJECT, "x", TODAY) == []


@pytest.mark.parametrize("status, dates, problem, since", [
    ("submitted", {"submitted_date": "2026-11-02"}, "proof submitted, not yet approved", date(2026, 11, 2)),
    ("revision_requested", {"revision_requested_date": "2026-11-03"}, "revision requested", date(2026, 11, 3)),
    ("rejected", {"rejected_date": "2026-11-04"}, "rejected", date(2026, 11, 4)),
    ("rejected", {"rejected_date": None, "reviewed_date": "2026-11-05"}, "rejected", date(2026, 11, 5)),
])
def test_artwork_waiting_on_the_customer_says_since_when(status, dates, problem, since):
    item = p.artwork_item(status=status, product_name="Banner", approved_date=None, **dates)

    items = a.artwork_waiting(artwork(item), SUBJECT, "x", TODAY)

    assert [(i.kind, i.part, i.problem, i.since) for i in items] == [
        (a.ARTWORK_WAITING, "Artwork for Banner", problem, since)]


@pytest.mark.parametrize("status", ["approved", "pending"])
def test_artwork_approved_or_not_yet_sent_waits_on_no_one(status):
    assert a.artwork_waiting(artwork(p.artwork_item(status=status)), SUBJECT, "x", TODAY) == []


@pytest.mark.parametrize("fields", [
    {"status": "overdue", "due_date": "2026-12-30"},  # PERP says so, whatever the date
    {"status": "partial", "due_date": "2026-11-23", "amount_due": "50.00"},
    {"status": "sent", "due_date": "2026-11-23T23:00:00Z", "amount_due": "90.00"},
])
def test_an_invoice_is_overdue_when_perp_says_so_or_open_money_is_past_due(fields):
    items = a.overdue_invoice(invoice(**fields), a.Subject("Invoice", "2026-0001"), "inv", TODAY)

    assert kinds(items) == [a.INVOICE_OVERDUE]
    assert (items[0].since_label, items[0].currency) == ("due", "USD")


@pytest.mark.parametrize("fields", [
    {"status": "partial", "due_date": "2026-11-24", "amount_due": "50.00"},  # due today
    {"status": "paid", "due_date": "2026-11-01", "amount_due": "0.00"},
    {"status": "sent", "due_date": "2026-11-01", "amount_due": "0.00"},
    {"status": "draft", "due_date": "2026-11-01", "amount_due": "90.00"},
    {"status": "cancelled", "due_date": "2026-11-01", "amount_due": "90.00"},
])
def test_an_invoice_paid_not_yet_due_draft_or_cancelled_is_not_overdue(fields):
    assert a.overdue_invoice(invoice(**fields), a.Subject("Invoice", "2026-0001"), "inv", TODAY) == []


# --- PERP's unreadable or missing values: never raise, never a problem ----------------------

@pytest.mark.parametrize("fields", [
    {"estimated_ship_date": "last week"}, {"estimated_ship_date": None},
    {"estimated_ship_date": "2026-11-01", "status": None},
    {"estimated_ship_date": "2026-11-01", "status": ["in_production"]},
])
def test_an_order_with_an_unreadable_date_or_status_is_not_judged_late(fields):
    assert a.late_order(order(**fields), SUBJECT, "row", TODAY) == []


def test_stages_artwork_and_invoices_with_unreadable_values_are_not_problems():
    stages = production(stage("in_progress", estimated_completion="soon"),
                        stage("paused", estimated_completion="2026-11-01"),
                        stage(None, estimated_completion="2026-11-01"), stage(["on_hold"]))
    items = p.artwork_item(status="awaiting_signature"), p.artwork_item(status=None), p.artwork_item(status=3)
    invoices = [invoice(status="partial", amount_due="fifty", due_date="2026-11-01"),
                invoice(status="sent", amount_due="50.00", due_date="Nov 1"),
                invoice(status="in_dispute", amount_due="50.00", due_date="2026-11-01"),
                invoice(status=None, amount_due=None, due_date=None)]

    assert a.stages_on_hold(stages, SUBJECT, "x", TODAY) == a.late_stages(stages, SUBJECT, "x", TODAY) == []
    assert a.artwork_waiting(artwork(*items), SUBJECT, "x", TODAY) == []
    assert [a.overdue_invoice(each, SUBJECT, "x", TODAY) for each in invoices] == [[], [], [], []]


def test_waiting_artwork_with_an_unreadable_date_is_listed_without_since():
    item = p.artwork_item(status="submitted", submitted_date="yesterday")

    items = a.artwork_waiting(artwork(item), SUBJECT, "x", TODAY)

    assert [(i.kind, i.since) for i in items] == [(a.ARTWORK_WAITING, None)]


def test_an_overdue_invoice_with_an_unreadable_amount_is_listed_without_one():
    [item] = a.overdue_invoice(invoice(status="overdue", amount_due="fifty"), SUBJECT, "x", TODAY)

    assert item.amount is None


def test_today_is_the_clock_tests_fix(frozen_clock):
    assert a.current_day() == date(2026, 11, 24)
    frozen_clock.advance(10 * 3600)
    assert a.current_day() == date(2026, 11, 25)


# --- The customer page ---------------------------------------------------------------------

def paged_list(items):
    return PagedList(items, Paging(1, 10, len(items), len(items), False))


def customer_sections(orders=(), invoices=(), expanded=None, *, orders_section=None, invoices_section=None):
    return CustomerSections(
        customer_id="CUST-1", profile=Section(), wallet=Section(),
        orders=orders_section or Section(paged_list(list(orders))),
        invoices=invoices_section or Section(paged_list(list(invoices))),
        expanded=expanded or {},
    )


def expansion(production_section=None, artwork_section=None):
    return ActiveOrder(production_section or Section(production(stage("in_progress"))),
                       artwork_section or Section(artwork(p.artwork_item())))


def test_a_customer_page_with_nothing_wrong_needs_no_attention():
    sections = customer_sections([order()], [invoice()], {"ORD-1": expansion()})

    found = a.for_customer_page(sections, on=TODAY)

    assert found == a.Attention([], [])
    assert parse(render_to_string("lookup/includes/attention.html", {"attention": found})).find(
        cls="pd-attention-none").text == "Nothing needs attention."


def test_the_customer_page_lists_each_problem_linking_to_its_row():
    late = order(order_number="PO-1", estimated_ship_date="2026-11-20")
    held = expansion(Section(production(stage("on_hold"))), Section(artwork(p.artwork_item(status="rejected"))))
    sections = customer_sections([late], [invoice(invoice_id="INV-9", status="overdue")], {"ORD-1": held})

    items = a.for_customer_page(sections, on=TODAY).items

    assert kinds(items) == [a.LATE_ORDER, a.STAGE_ON_HOLD, a.ARTWORK_WAITING, a.INVOICE_OVERDUE]
    assert [item.anchor for item in items] == [
        anchors.anchor(anchors.ORDER, "ORD-1"), *[anchors.anchor(anchors.ORDER_EXPANDED, "ORD-1")] * 2,
        anchors.anchor(anchors.INVOICE, "INV-9")]


def test_each_link_points_at_an_element_the_page_has():
    late = order(estimated_ship_date="2026-11-20")
    overdue = invoice(invoice_id="INV 9/#x", status="overdue")
    found = a.for_customer_page(customer_sections([late], [overdue]), on=TODAY)
    rows = parse(str(order_row(late)) + str(invoice_rows([overdue])))

    links = parse(render_to_string("lookup/includes/attention.html", {"attention": found})).find(
        cls="pd-attention-list").find_all("a")

    ids = {row.get("id") for row in rows.find_all("tr")}
    assert [link.href.removeprefix("#") in ids for link in links] == [True, True]


def test_it_says_which_orders_it_could_not_judge():
    orders = [order(), Order.from_json(p.order("ORD-2", order_number="PO-2")),
              Order.from_json(p.order("ORD-3", order_number="PO-3")),
              Order.from_json(p.order("ORD-4", status="delivered"))]
    expanded = {"ORD-1": expansion(), "ORD-2": expansion(production_section=FAILED)}

    not_judged = a.for_customer_page(customer_sections(orders, [], expanded), on=TODAY).not_judged

    assert [(part.what, part.name, part.anchor) for part in not_judged] == [
        ("Production of order", "PO-2", anchors.anchor(anchors.ORDER_EXPANDED, "ORD-2")),
        ("Production and artwork of order", "PO-3", anchors.anchor(anchors.ORDER, "ORD-3")),
    ]
    assert "not expanded" in not_judged[1].reason


def test_failed_orders_or_invoices_are_not_judged_and_say_so():
    found = a.for_customer_page(customer_sections(orders_section=FAILED, invoices_section=FAILED), on=TODAY)

    assert found.items == []
    assert [(part.what, part.anchor) for part in found.not_judged] == [
        ("The orders", "pd-orders"), ("The invoices", "pd-invoices")]
    shown = parse(render_to_string("lookup/includes/attention.html", {"attention": found}))
    assert shown.find(cls="pd-attention-none").text == "Nothing needs attention in what could be judged."
    assert [li.text for li in shown.find(cls="pd-attention-unjudged").find_all("li")] == [
        "The orders: could not be read", "The invoices: could not be read"]


# --- The order page ------------------------------------------------------------------------

def order_page(*, order_section=None, production_section=None, artwork_section=None, invoices_section=None):
    return OrderPage(
        order_id="ORD-1",
        order=order_section or Section(order(order_number="PO-1")),
        production=production_section or Section(production(stage("in_progress"))),
        artwork=artwork_section or Section(artwork(p.artwork_item())),
        invoices=invoices_section or Section(OrderInvoices([invoice()], 1, True)),
    )


def test_the_order_page_links_each_problem_to_its_section_or_invoice_row():
    page = order_page(
        order_section=Section(order(order_number="PO-1", estimated_ship_date="2026-11-01")),
        production_section=Section(production(stage("in_progress", estimated_completion="2026-11-02"))),
        artwork_section=Section(artwork(p.artwork_item(status="submitted"))),
        invoices_section=Section(OrderInvoices([invoice(invoice_id="INV-9", status="overdue")], 1, True)),
    )

    items = a.for_order_page(page, on=TODAY).items

    assert [(item.kind, item.anchor) for item in items] == [
        (a.LATE_ORDER, "pd-order"), (a.STAGE_LATE, "pd-production"), (a.ARTWORK_WAITING, "pd-artwork"),
        (a.INVOICE_OVERDUE, anchors.anchor(anchors.INVOICE, "INV-9"))]


def test_the_order_page_needs_no_attention_when_all_is_well_and_says_what_failed():
    assert a.for_order_page(order_page(), on=TODAY) == a.Attention([], [])

    failed = a.for_order_page(order_page(production_section=FAILED, invoices_section=FAILED), on=TODAY)

    assert [(part.what, part.anchor) for part in failed.not_judged] == [
        ("Production", "pd-production"), ("The order's invoices", "pd-order-invoices")]


def test_an_order_page_whose_order_failed_still_judges_its_production():
    page = order_page(order_section=FAILED, production_section=Section(production(stage("on_hold"))))

    found = a.for_order_page(page, on=TODAY)

    assert [(item.kind, item.subject.name) for item in found.items] == [(a.STAGE_ON_HOLD, "ORD-1")]
    assert ("The order", "pd-order") in [(part.what, part.anchor) for part in found.not_judged]


# --- The list as shown -----------------------------------------------------------------------

def test_the_list_shows_perps_strings_escaped_and_unreadable_ones_marked():
    late = order(order_number=HOSTILE, estimated_ship_date="2026-11-20")
    held = expansion(Section(production(stage("on_hold", stage_display=HOSTILE))),
                     Section(artwork(p.artwork_item(status="rejected", product_name=HOSTILE))))
    overdue = invoice(invoice_number=["7"], status="overdue", currency=HOSTILE, amount_due="50.00")
    found = a.for_customer_page(customer_sections([late], [overdue], {"ORD-1": held}), on=TODAY)

    html = render_to_string("lookup/includes/attention.html", {"attention": found})

    shown = parse(html)
    assert shown.find_all("script") == []
    texts = [li.text for li in shown.find(cls="pd-attention-list").find_all("li")]
    assert texts == [
        f"Order {HOSTILE}: not shipped by its estimated ship date (estimated 20 Nov 2026);"
        f" {HOSTILE}: stage on hold; Artwork for {HOSTILE}: rejected (since 28 Oct 2026)",
        f'Invoice ["7"]: overdue, {HOSTILE} 50.00 due (due 27 Nov 2026)',
    ]
    assert ('["7"]', "text") in as_sent_in(html)


@pytest.mark.parametrize("identifier", ['a "b" <c>#d', "ORD 1", "..", "заказ-1", "\ud800x"])
def test_an_anchor_is_a_safe_id_and_fragment_whatever_the_id(identifier):
    made = anchors.anchor(anchors.ORDER, identifier)

    assert made.startswith("order-") and made.isascii()
    assert all(character.isalnum() or character in "-_" for character in made)
    assert made == anchors.anchor(anchors.ORDER, identifier)


def test_ids_that_differ_only_in_dropped_characters_get_different_anchors():
    assert anchors.anchor(anchors.ORDER, "ORD 1") != anchors.anchor(anchors.ORDER, "ORD/1")
    assert anchors.anchor(anchors.ORDER, "ORD-1").startswith("order-ORD-1-")


def test_the_problems_of_one_record_are_one_line_each_linking_to_its_place():
    late = order(order_number="PO-1", estimated_ship_date="2026-11-20")
    held = expansion(Section(production(stage("on_hold"))), Section(artwork(p.artwork_item(status="rejected"))))
    other = Order.from_json(p.order("ORD-2", order_number="PO-2", estimated_ship_date="2026-11-21"))
    found = a.for_customer_page(customer_sections([late, other], [], {"ORD-1": held}), on=TODAY)

    shown = parse(render_to_string("lookup/includes/attention.html", {"attention": found}))

    lines = shown.find(cls="pd-attention-list").find_all("li")
    assert [line.find("strong").text for line in lines] == ["Order PO-1", "Order PO-2"]
    assert [link.href for link in lines[0].find_all("a")] == [
        "#" + anchors.anchor(anchors.ORDER, "ORD-1"), *["#" + anchors.anchor(anchors.ORDER_EXPANDED, "ORD-1")] * 2]
    assert [group.subject.name for group in found.groups] == ["PO-1", "PO-2"]


def test_past_six_records_the_rest_fold_away_under_how_many_more():
    late = [Order.from_json(p.order(f"ORD-{n}", order_number=f"PO-{n}", estimated_ship_date="2026-11-20"))
            for n in range(1, 9)]
    found = a.for_customer_page(customer_sections(late, []), on=TODAY)

    shown = parse(render_to_string("lookup/includes/attention.html", {"attention": found}))

    visible, folded = shown.find_all("ul", cls="pd-attention-list")
    assert [line.find("strong").text for line in visible.find_all("li")] == [f"Order PO-{n}" for n in range(1, 7)]
    assert shown.find("summary").text == "2 more"
    assert [line.find("strong").text for line in folded.find_all("li")] == ["Order PO-7", "Order PO-8"]


def test_six_records_or_fewer_fold_nothing():
    late = [Order.from_json(p.order(f"ORD-{n}", order_number=f"PO-{n}", estimated_ship_date="2026-11-20"))
            for n in range(1, 7)]
    found = a.for_customer_page(customer_sections(late, []), on=TODAY)

    shown = parse(render_to_string("lookup/includes/attention.html", {"attention": found}))

    assert shown.find_all("details") == []
    assert len(shown.find(cls="pd-attention-list").find_all("li")) == 6
    unjudged = shown.find(cls="pd-attention-unjudged").find_all("li")
    assert [line.text for line in unjudged] == [
        "Production and artwork of orders PO-1, PO-2, PO-3, PO-4, PO-5, PO-6:"
        " not expanded on this page: see the order's page"]
    assert len(unjudged[0].find_all("a")) == 6
