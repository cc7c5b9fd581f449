"""Paid and due per order (lookup.pages.order_dues), from the invoices a page read, and
the orders table's "Due" cell that shows them."""

from decimal import Decimal

from lookup.pages import order_dues
from lookup.pages.order_dues import Amounts, Dues, dues_of
from lookup.pages.sections import PagedList, Paging, Section
from lookup.perp.errors import PERPUnavailable
from lookup.perp.models import Invoice, Order
from lookup.templatetags.perpdesk import order_row
from tests.support import perp_payloads as p
from tests.support.page_html import parse

HOSTILE = '<script>alert("x")</script>'


def invoice(invoice_id, order_id="ORD-1", **fields):
    return Invoice.from_json(p.invoice(invoice_id, order_id=order_id, **fields))


def invoices_section(*invoices):
    return Section(PagedList(list(invoices), Paging(1, 10, len(invoices), len(invoices), False)))


def test_it_sums_an_orders_invoices_per_currency():
    dues = dues_of(invoices_section(
        invoice("INV-1", amount_paid="40.00", amount_due="50.00"),
        invoice("INV-2", amount_paid="10.00", amount_due="5.50"),
        invoice("INV-3", amount_paid="0", amount_due="20.00", currency="EUR"),
        invoice("INV-4", order_id="ORD-2", amount_paid="999.00", amount_due="999.00"),
    ))

    due = dues.for_order("ORD-1")

    assert due.known and due.amounts == (
        Amounts("EUR", Decimal("0"), Decimal("20.00")), Amounts("USD", Decimal("50.00"), Decimal("55.50")))


def test_an_order_with_no_invoice_among_those_read_is_not_known():
    due = dues_of(invoices_section(invoice("INV-1", order_id="ORD-2"))).for_order("ORD-1")

    assert (due.known, due.unknown_because) == (False, order_dues.NO_INVOICE_READ)


def test_nothing_is_known_when_the_invoices_could_not_be_read():
    failed = Section(error=PERPUnavailable("/api/x", "timeout", timeout=10))

    due = dues_of(failed).for_order("ORD-1")

    assert (due.known, due.unknown_because) == (False, order_dues.INVOICES_NOT_READ)


def test_an_unreadable_or_missing_amount_makes_the_order_not_known():
    for fields in ({"amount_due": "fifty"}, {"amount_paid": "1.234,50"}, {"amount_due": None}):
        dues = Dues((invoice("INV-1"), invoice("INV-2", **fields)))

        assert dues.for_order("ORD-1").unknown_because == order_dues.AMOUNT_NOT_READ, fields


def test_a_paid_order_is_known_to_owe_nothing():
    due = Dues((invoice("INV-1", amount_paid="90.00", amount_due="0.00", status="paid"),)).for_order("ORD-1")

    assert due.known and due.amounts == (Amounts("USD", Decimal("90.00"), Decimal("0.00")),)


# --- The orders table's "Due" cell ------------------------------------------------------------

def due_cell(order, dues):
    return parse(order_row(order, dues)).find("tr").find_all("td")[4]


def test_the_due_cell_shows_what_is_due_and_paid():
    order = Order.from_json(p.order("ORD-1"))

    cell = due_cell(order, Dues((invoice("INV-1", amount_paid="40.00", amount_due="50.00"),)))

    assert cell.text == "USD 50.00 due USD 40.00 paid"
    assert "pd-strong" in cell.find(cls="pd-due").classes


def test_the_due_cell_says_when_it_cannot_be_known_and_why():
    order = Order.from_json(p.order("ORD-1"))

    cell = due_cell(order, Dues(()))

    assert cell.text == f"Not known {order_dues.NO_INVOICE_READ}"


def test_the_due_cell_escapes_perps_currency():
    order = Order.from_json(p.order("ORD-1"))

    cell = due_cell(order, Dues((invoice("INV-1", currency=HOSTILE),)))

    assert cell.find_all("script") == [] and cell.text == f"{HOSTILE} 50.00 due {HOSTILE} 40.00 paid"


def test_an_order_row_has_a_due_cell_and_its_anchor_and_id():
    order = Order.from_json(p.order('ORD "1"'))

    row = parse(order_row(order)).find("tr")

    assert len(row.find_all("td")) == 6 and row.find_all("td")[4].text == "—"
    assert row.get("data-order-id") == 'ORD "1"' and row.get("id").startswith("order-ORD-1-")
