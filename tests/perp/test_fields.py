"""Reading PERP's fields one by one: what is read, what is kept as PERP's text, and what
is reported (paths, never values) when a field cannot be read."""

import logging
import pickle
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.utils.html import conditional_escape

from lookup.ops import metrics
from lookup.perp import client as perp_client
from lookup.perp import models
from lookup.perp.client import PERPClient
from lookup.perp.errors import PERPBadResponse
from lookup.perp.fields import AsSent, FieldReport, ShapeError, not_shown
from tests.support import perp_payloads as p
from tests.support.perp_payloads import PERP

ORDERS = models.Page.reader("orders", models.Order)


def read(model, **fields):
    builders = {models.Customer: p.customer, models.Order: p.order, models.Invoice: p.invoice,
                models.VIPWallet: p.wallet, models.ProductionStatus: p.production}
    return model.from_json(builders[model](**fields))


@pytest.fixture
def client():
    return PERPClient(base_url=PERP, api_key="k", max_retries=0, sleep=lambda seconds: None)


@pytest.fixture
def observed(monkeypatch):
    records = []
    monkeypatch.setattr(perp_client, "CALL_OBSERVERS", [*perp_client.CALL_OBSERVERS, records.append])
    return records


# --- Amounts, percentages, counts, moments, flags -----------------------------------------


@pytest.mark.parametrize("sent, expected", [
    ("1,234.50", Decimal("1234.50")), ("1234.5", Decimal("1234.5")), (" 12.00 ", Decimal("12.00")),
    (12, Decimal("12")), (99.95, Decimal("99.95")), (0.1, Decimal("0.1")), ("-3.10", Decimal("-3.10")),
    ("12,345,678.90", Decimal("12345678.90")), (".5", Decimal("0.5")),
])
def test_it_reads_the_usual_spellings_of_an_amount(sent, expected):
    customer = read(models.Customer, lifetime_value=sent)

    assert customer.lifetime_value == expected and type(customer.lifetime_value) is Decimal
    assert str(customer.lifetime_value) == str(expected)  # never through float: 0.1 stays 0.1
    assert customer.unread == ()


@pytest.mark.parametrize("sent, shown", [
    ("1.234,50", "1.234,50"), ("12,5", "12,5"), ("$12.00", "$12.00"), ("12.00 USD", "12.00 USD"),
    ("1e5", "1e5"), ("NaN", "NaN"), ("1e999999999", "1e999999999"), ([25], "[25]"), (True, "true"),
    (10**30, str(10**30)), ({"amount": 1}, '{"amount": 1}'), ("١٢", "١٢"),
])
def test_it_keeps_an_amount_it_cannot_read_as_perps_text(sent, shown):
    customer = read(models.Customer, lifetime_value=sent)

    assert isinstance(customer.lifetime_value, AsSent)
    assert customer.lifetime_value == shown
    assert customer.unread == ("lifetime_value",)


@pytest.mark.parametrize("sent", [40, 40.0, "40", "40%", " 40 % ", "40.0"])
def test_it_reads_a_percentage_with_or_without_its_sign(sent):
    assert read(models.ProductionStatus, completion_percentage=sent).completion_percentage == 40


def test_it_keeps_an_unreadable_percentage_as_text():
    production = read(models.ProductionStatus, completion_percentage="forty")

    assert production.completion_percentage == AsSent("forty")
    assert production.unread == ("completion_percentage",)


@pytest.mark.parametrize("sent, expected", [
    ("2026-11-01 09:15:00", datetime(2026, 11, 1, 9, 15, tzinfo=timezone.utc)),
    ("2026-11-01T09:15:00Z", datetime(2026, 11, 1, 9, 15, tzinfo=timezone.utc)),
    ("2026-11-01T09:15:00.250+02:00",
     datetime(2026, 11, 1, 9, 15, 0, 250000, tzinfo=timezone(timedelta(hours=2)))),
    ("2026-11-01 09:15", datetime(2026, 11, 1, 9, 15, tzinfo=timezone.utc)),
    ("2026-11-01", date(2026, 11, 1)),
])
def test_it_reads_iso_datetimes_with_t_or_a_space_and_bare_dates(sent, expected):
    order_date = read(models.Order, order_date=sent).order_date

    assert order_date == expected and type(order_date) is type(expected)
    assert not isinstance(order_date, datetime) or order_date.tzinfo is not None


@pytest.mark.parametrize("sent", [
    "yesterday", "01/11/2026", 1700000000, "2026-02-30", "9999-12-31T23:00:00-05:00", ["2026"],
])
def test_it_keeps_a_moment_it_cannot_read_as_text(sent):
    order = read(models.Order, order_date=sent)

    assert isinstance(order.order_date, AsSent) and order.unread == ("order_date",)


@pytest.mark.parametrize("sent, expected", [("2", 2), (2.0, 2), (2, 2), ("1,200", 1200), ("3.0", 3)])
def test_it_reads_a_count_spelled_as_text_or_a_whole_float(sent, expected):
    total_orders = read(models.Customer, total_orders=sent).total_orders

    assert total_orders == expected and type(total_orders) is int


@pytest.mark.parametrize("sent", [2.5, "2.5", "two", "1e999", False])
def test_it_keeps_a_count_that_is_not_whole_as_text(sent):
    assert isinstance(read(models.Customer, total_orders=sent).total_orders, AsSent)


def test_it_reads_a_file_size_in_bytes_and_keeps_one_in_words_as_text():
    item = p.artwork_item(files={"original": p.artwork_file(file_size="2 MB"),
                                 "preview": p.artwork_file(file_size="2048"), "thumbnail": p.artwork_file()})

    files = models.Artwork.from_json(p.artwork(items=[item])).artwork_items[0].files

    assert files.original.file_size == AsSent("2 MB")
    assert files.preview.file_size == 2048 and files.thumbnail.file_size == 2048000


@pytest.mark.parametrize("sent, expected", [
    (True, True), (False, False), ("true", True), ("FALSE", False), ("1", True), (0, False),
    (" True ", True),
])
def test_it_reads_flags_as_tolerantly_as_ever(sent, expected):
    assert read(models.Customer, is_vip=sent).is_vip is expected


@pytest.mark.parametrize("sent", ["maybe", "Y", "no", [True]])
def test_it_keeps_a_flag_it_cannot_read_as_text(sent):
    customer = read(models.Customer, is_vip=sent)

    assert isinstance(customer.is_vip, AsSent) and customer.unread == ("is_vip",)


def test_it_keeps_text_fields_of_another_type_as_their_json():
    order = read(models.Order, status={"code": "x"}, order_number=10001)

    assert order.order_number == "10001" and type(order.order_number) is str
    assert order.status == AsSent('{"code": "x"}') and order.unread == ("status",)
    assert order.is_active


# --- Nested objects and lists --------------------------------------------------------------


def test_it_keeps_a_nested_object_of_the_wrong_type_as_text():
    customer = read(models.Customer, billing_address="1 Engine Way, Portland")

    assert customer.billing_address == AsSent("1 Engine Way, Portland")
    assert customer.unread == ("billing_address",)


def test_it_drops_a_line_item_that_is_not_an_object_and_reports_it():
    order = read(models.Order, line_items=["LI-1", p.line_item(quantity="2.5")])

    assert [line.quantity for line in order.line_items] == [AsSent("2.5")]
    assert order.unread == ("line_items[]", "line_items[].quantity")
    assert not_shown(order) == ("line_items[]",)


def test_it_reads_a_list_that_is_not_a_list_as_empty_and_reports_it():
    order = read(models.Order, line_items="many")

    assert order.line_items == [] and order.unread == ("line_items",)
    assert not_shown(order) == ("line_items",)


def test_a_page_drops_a_record_without_its_id_and_keeps_the_others():
    data = p.orders_page([p.order("ORD-1"), {**p.order("ORD-2"), "order_id": None}, "ORD-3",
                          p.order("ORD-4", total_amount="1.234,50")])

    page = ORDERS(data)

    assert [order.order_id for order in page.items] == ["ORD-1", "ORD-4"]
    assert page.unread == ("orders[]", "orders[].total_amount")
    assert page.fields.missing == ("orders[].order_id",)
    assert page.items[1].unread == ("total_amount",)


def test_a_page_with_unreadable_pagination_reads_as_having_none():
    page = ORDERS({"orders": [p.order()], "pagination": "one page"})

    assert page.pagination == models.NO_PAGINATION and page.unread == ("pagination",)


@pytest.mark.parametrize("data", [{"orders": "none"}, {"pagination": {}}, {"orders": None},
                                  {"orders": {"0": p.order()}}])
def test_a_page_without_its_list_cannot_be_read(data):
    with pytest.raises(ShapeError):
        ORDERS(data)


@pytest.mark.parametrize("model, data", [
    (models.Customer, p.customer(customer_id=None)),
    (models.Customer, p.customer(customer_id="  ")),
    (models.Order, {**p.order("ORD-1"), "order_id": ["ORD-1"]}),
    (models.Invoice, {"invoice_number": "IN-1"}),
    (models.Artwork, {"artwork_items": []}),
])
def test_a_record_without_a_usable_id_cannot_be_read(model, data):
    with pytest.raises(ShapeError):
        model.from_json(data)


# --- The field report -------------------------------------------------------------------------


def test_the_field_report_lists_missing_required_unreadable_and_extra_fields():
    data = p.customer(phone=None, vip_tier=None, lifetime_value="lots", loyalty={"points": 3},
                      billing_address={"address1": "1 Way", "city": "Leeds", "planet": "Earth"})
    del data["company_name"]

    report = models.Customer.from_json(data).fields

    assert report == FieldReport(
        missing=("phone", "billing_address.state", "billing_address.zip", "billing_address.country"),
        unreadable=("lifetime_value",),
        extra=("billing_address.planet", "loyalty"),
    )


def test_the_field_report_of_a_record_without_its_id_says_so():
    with pytest.raises(ShapeError) as refused:
        models.Order.from_json({"order_number": "PO-1", "line_items": [{"sku": "x"}]})

    report = refused.value.fields
    assert "order_id" in report.missing and "line_items[].quantity" in report.missing
    assert report.extra == ("line_items[].sku",)


def test_the_field_report_of_a_page_names_its_records_fields():
    data = {"orders": [p.order(priority="rush", line_items=[p.line_item(colour="red")])]}

    report = ORDERS.from_json(data).fields

    assert report.missing == ("pagination",)
    assert report.extra == ("orders[].line_items[].colour", "orders[].priority")


# --- As sent by PERP ---------------------------------------------------------------------------


def test_text_as_sent_renders_escaped_and_marked():
    html = conditional_escape(AsSent('<script>alert("x")</script>', "an amount"))

    assert html.startswith('<span class="pd-as-sent" title="As sent by PERP: perpdesk could not read it as an amount">')
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html and "<script>" not in html


def test_a_record_with_text_as_sent_survives_the_cache():
    customer = read(models.Customer, lifetime_value="1.234,50")

    copy = pickle.loads(pickle.dumps(customer))

    assert copy == customer and copy.unread == ("lifetime_value",)
    assert isinstance(copy.lifetime_value, AsSent) and copy.lifetime_value.expected == "an amount"


def test_lone_surrogates_in_perps_text_are_replaced():
    customer = read(models.Customer, name="Ada \ud800 Lovelace")

    assert customer.name == "Ada ? Lovelace"
    customer.name.encode("utf-8")


# --- Through the client ----------------------------------------------------------------------


def test_the_call_record_says_what_was_missing_unreadable_or_extra(perp, client, observed):
    data = p.order(total_amount="1.234,50", priority="rush", line_items=[p.line_item(quantity="x")])
    del data["currency"]
    perp.get(PERP + "/orders/ORD-50001", json=p.envelope(data))

    client.get_order("ORD-50001")

    assert observed[-1].fields == FieldReport(
        missing=("currency",), unreadable=("total_amount", "line_items[].quantity"), extra=("priority",))


def test_the_call_record_has_no_field_report_when_perp_failed(perp, client, observed):
    perp.get(PERP + "/orders/ORD-1", json=p.envelope({"order_number": "PO-1"}))

    with pytest.raises(PERPBadResponse):
        client.get_order("ORD-1")

    assert observed[-1].outcome == "bad_response" and observed[-1].fields is None


def test_it_logs_one_warning_naming_the_endpoint_and_fields_never_the_values(perp, client, caplog):
    perp.get(PERP + "/customers/CUST-1", json=p.envelope(
        p.customer("CUST-1", lifetime_value="12.345,60 secret", total_orders="many secret")))
    caplog.set_level(logging.INFO, logger="perpdesk.perp")

    client.get_customer("CUST-1")

    [line] = [r for r in caplog.records if r.name == "perpdesk.perp"]
    assert line.levelno == logging.WARNING
    assert line.getMessage().endswith("kept as PERP's text: lifetime_value, total_orders")
    assert "/api/customers/{customer_id}" in line.getMessage()
    assert "secret" not in line.getMessage() and "CUST-1" not in line.getMessage()
    assert line.perp_unreadable == ["lifetime_value", "total_orders"]


def test_a_clean_answer_logs_at_info(perp, client, caplog):
    perp.get(PERP + "/customers/CUST-1", json=p.envelope(p.customer("CUST-1")))
    caplog.set_level(logging.INFO, logger="perpdesk.perp")

    client.get_customer("CUST-1")

    assert [r.levelno for r in caplog.records if r.name == "perpdesk.perp"] == [logging.INFO]


def test_it_counts_unreadable_fields_by_endpoint_and_field(perp, client):
    labels = {"endpoint": "/api/orders/{order_id}/production", "field": "completion_percentage"}
    before = metrics.PERP_UNREADABLE_FIELDS.labels(**labels)._value.get()
    perp.get(PERP + "/orders/ORD-1/production",
             json=p.envelope(p.production("ORD-1", completion_percentage="most")))

    client.get_production_status("ORD-1")

    assert metrics.PERP_UNREADABLE_FIELDS.labels(**labels)._value.get() == before + 1


def test_a_number_too_long_to_write_out_is_kept_as_a_placeholder():
    customer = read(models.Customer, name=10**5000, total_orders=10**5000)

    assert customer.name == "(a int perpdesk cannot show)" and customer.unread == ("name", "total_orders")
