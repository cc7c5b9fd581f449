"""The PERP client at the HTTP level: what it sends, and what it makes of every answer."""

import logging
from contextlib import nullcontext
import random
import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from email.utils import format_datetime

import pytest
import requests
from requests.adapters import HTTPAdapter

from lookup.context import request_id
from lookup.perp import client as perp_client
from lookup.perp import models
from lookup.perp.client import CallRecord, PERPClient, client_from_settings
from lookup.perp.errors import (
    PERPAPIError,
    PERPAuthError,
    PERPBadResponse,
    PERPError,
    PERPUnavailable,
)
from tests.support.perp_payloads import PERP
from tests.support.settings_probe import settings_from

KEY = "sk-live-very-secret-perp-key"
ANY_URL = re.compile(r"http://perp\.test/.*")

ADDRESS = {"address1": "1 Press Lane", "city": "Leeds", "state": "WY", "zip": "LS1",
           "country": "GB"}
CUSTOMER = {
    "customer_id": "CUST-1", "name": "Ada Print", "email": "ada@example.com", "phone": "555",
    "company_name": None, "is_vip": True, "vip_tier": "gold", "lifetime_value": "1234.50",
    "total_orders": 12, "created_at": "2023-01-05T10:00:00Z",
    "last_order_date": "2024-05-01T09:30:00+02:00", "billing_address": ADDRESS,
    "loyalty_score": 7,
}
ORDER = {
    "order_id": "ORD-1", "order_number": "PO-1001", "customer_id": "CUST-1",
    "customer_name": "Ada Print", "status": "in_production", "status_display": "In production",
    "order_date": "2024-05-01T09:30:00", "estimated_ship_date": "2024-05-10",
    "actual_ship_date": None, "total_amount": 99.95, "currency": "GBP",
    "line_items": [{"line_item_id": "LI-1", "product_name": "Cards", "quantity": 500,
                    "unit_price": "0.10", "total_price": "50.00",
                    "production_status": "printing"}],
    "priority": "rush",
}
INVOICE = {
    "invoice_id": "INV-1", "invoice_number": "IN-2001", "customer_id": "CUST-1",
    "order_id": "ORD-1", "invoice_date": "2024-05-01", "due_date": "2024-05-31",
    "total_amount": "99.95", "amount_paid": 0, "amount_due": "99.95", "currency": "GBP",
    "status": "sent", "line_items": [{"description": "Cards", "quantity": 1,
                                      "unit_price": "99.95", "total": "99.95"}],
    "pdf_url": "https://perp.example.com/inv/INV-1.pdf",
}
WALLET = {
    "customer_id": "CUST-1", "balance": "25.00", "currency": "GBP",
    "last_transaction_date": "2024-04-01T12:00:00Z",
    "transactions": [{"transaction_id": "T-1", "type": "credit", "amount": 25,
                      "description": "Cash back", "date": "2024-04-01T12:00:00Z"}],
}
PRODUCTION = {
    "order_id": "ORD-1", "order_number": "PO-1001", "overall_status": "in_progress",
    "completion_percentage": 40, "current_stage": "printing",
    "stages": [{"stage_name": "printing", "stage_display": "Printing", "status": "in_progress",
                "started_at": "2024-05-02T08:00:00Z"}],
    "estimated_ship_date": "2024-05-10", "notes": None,
}
ARTWORK = {
    "order_id": "ORD-1",
    "artwork_items": [{
        "artwork_id": "ART-1", "line_item_id": "LI-1", "product_name": "Cards",
        "status": "approved", "submitted_date": "2024-05-01T10:00:00Z",
        "files": {"original": {"url": "https://files.example.com/a.pdf", "filename": "a.pdf",
                               "file_size": 1024, "dpi": 300, "format": "pdf"}},
        "proof_sheet": {"url": "https://files.example.com/p.pdf", "filename": "p.pdf",
                        "file_size": 2048, "generated_date": "2024-05-01",
                        "includes_mockup": True},
    }],
}
PAGINATION = {"total": 1, "limit": 10, "offset": 0, "has_more": False}


class Call:
    """One client method, how it is called, and what PERP answers when all is well."""

    def __init__(self, method, args, path, data, returns, *, query=None, path_ids=True):
        self.method, self.args, self.path, self.data = method, args, path, data
        self.returns, self.query, self.path_ids = returns, query or {}, path_ids

    def __repr__(self):
        return self.method

    def __call__(self, client, *args):
        return getattr(client, self.method)(*(args or self.args))


CALLS = [
    Call("search_customer_by_email", ("ada@example.com",), "/customers/search", CUSTOMER,
         models.Customer, query={"email": "ada@example.com"}, path_ids=False),
    Call("get_customer", ("CUST-1",), "/customers/CUST-1", CUSTOMER, models.Customer),
    Call("get_vip_wallet", ("CUST-1",), "/customers/CUST-1/vip-wallet", WALLET,
         models.VIPWallet),
    Call("get_customer_orders", ("CUST-1",), "/customers/CUST-1/orders",
         {"orders": [ORDER], "pagination": PAGINATION}, models.Page,
         query={"limit": "10", "offset": "0"}),
    Call("get_customer_invoices", ("CUST-1",), "/customers/CUST-1/invoices",
         {"invoices": [INVOICE], "pagination": PAGINATION}, models.Page,
         query={"limit": "10", "offset": "0"}),
    Call("get_order", ("ORD-1",), "/orders/ORD-1", ORDER, models.Order),
    Call("search_order_by_number", ("PO-1001",), "/orders/search", ORDER, models.Order,
         query={"order_number": "PO-1001"}, path_ids=False),
    Call("get_production_status", ("ORD-1",), "/orders/ORD-1/production", PRODUCTION,
         models.ProductionStatus),
    Call("get_artwork", ("ORD-1",), "/orders/ORD-1/artwork", ARTWORK, models.Artwork),
    Call("get_invoice", ("INV-1",), "/invoices/INV-1", INVOICE, models.Invoice),
    Call("search_invoice_by_number", ("IN-2001",), "/invoices/search", INVOICE,
         models.Invoice, query={"invoice_number": "IN-2001"}, path_ids=False),
]
BY_ID = [call for call in CALLS if call.path_ids]
every_call = pytest.mark.parametrize("call", CALLS, ids=repr)


def ok(data):
    return {"success": True, "data": data, "timestamp": "2024-05-03T10:00:00Z"}


def failure(code, message="Something is wrong"):
    return {"success": False, "error": {"code": code, "message": message},
            "timestamp": "2024-05-03T10:00:00Z"}


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(sleeps):
    return PERPClient(base_url=PERP, api_key=KEY, connect_timeout=3.05, read_timeout=10.0,
                      max_retries=2, backoff_base=0, retry_after_cap=2.0, pool_size=8,
                      sleep=sleeps.append)


@pytest.fixture
def observed(monkeypatch):
    records = []
    monkeypatch.setattr(perp_client, "CALL_OBSERVERS", [records.append])
    return records


# --- Success -----------------------------------------------------------------------


@every_call
def test_it_returns_the_typed_value(perp, client, call):
    perp.get(PERP + call.path, json=ok(call.data))

    result = call(client)

    assert isinstance(result, call.returns)
    assert perp.calls[0].request.params == call.query


def test_it_returns_pages_of_orders(perp, client):
    data = {"orders": [ORDER, ORDER], "pagination": {**PAGINATION, "total": 32, "has_more": True}}
    perp.get(PERP + "/customers/CUST-1/orders", json=ok(data))

    page = client.get_customer_orders("CUST-1", limit=2, offset=4)

    assert [type(item) for item in page.items] == [models.Order, models.Order]
    assert page.pagination == models.Pagination(total=32, limit=10, offset=0, has_more=True)
    assert perp.calls[0].request.params == {"limit": "2", "offset": "4"}


def test_it_returns_pages_of_invoices(perp, client):
    perp.get(PERP + "/customers/CUST-1/invoices", json=ok({"invoices": [INVOICE]}))

    page = client.get_customer_invoices("CUST-1")

    assert [type(item) for item in page.items] == [models.Invoice]
    assert page.pagination.has_more is False


def test_it_returns_an_empty_page(perp, client):
    perp.get(PERP + "/customers/CUST-1/orders", json=ok({"orders": [], "pagination": None}))

    assert client.get_customer_orders("CUST-1").items == []


def test_it_reads_money_as_decimal_and_dates_as_aware_datetimes(perp, client):
    perp.get(PERP + "/customers/CUST-1", json=ok(CUSTOMER))

    customer = client.get_customer("CUST-1")

    assert customer.lifetime_value == Decimal("1234.50")
    assert customer.created_at == datetime(2023, 1, 5, 10, tzinfo=timezone.utc)
    assert customer.last_order_date.utcoffset() == timedelta(hours=2)
    assert customer.billing_address.city == "Leeds"
    assert customer.billing_address.address2 is None


def test_it_keeps_fields_perp_added_in_extra(perp, client):
    perp.get(PERP + "/orders/ORD-1", json=ok(ORDER))

    order = client.get_order("ORD-1")

    assert order.extra == {"priority": "rush"}


@pytest.mark.parametrize("amount, expected", [
    (99.95, Decimal("99.95")), ("99.95", Decimal("99.95")), (100, Decimal("100")),
    (" 12.5 ", Decimal("12.5")), ("0", Decimal("0")),
])
def test_it_reads_money_as_number_or_string(perp, client, amount, expected):
    perp.get(PERP + "/invoices/INV-1", json=ok({**INVOICE, "amount_due": amount}))

    assert client.get_invoice("INV-1").amount_due == expected


@pytest.mark.parametrize("value, expected", [
    ("2024-05-01T09:30:00Z", datetime(2024, 5, 1, 9, 30, tzinfo=timezone.utc)),
    ("2024-05-01T09:30:00+02:00",
     datetime(2024, 5, 1, 9, 30, tzinfo=timezone(timedelta(hours=2)))),
    ("2024-05-01T09:30:00", datetime(2024, 5, 1, 9, 30, tzinfo=timezone.utc)),
    ("2024-05-01", date(2024, 5, 1)),
])
def test_it_reads_dates_with_or_without_a_zone(perp, client, value, expected):
    perp.get(PERP + "/orders/ORD-1", json=ok({**ORDER, "order_date": value}))

    order_date = client.get_order("ORD-1").order_date

    assert order_date == expected
    assert type(order_date) is type(expected)
    assert not isinstance(order_date, datetime) or order_date.tzinfo is not None


def test_it_tolerates_missing_optional_fields(perp, client):
    perp.get(PERP + "/orders/ORD-1/artwork", json=ok({"order_id": "ORD-1"}))

    assert client.get_artwork("ORD-1").artwork_items == []


# --- Not found ---------------------------------------------------------------------


@every_call
def test_it_returns_none_when_perp_answers_404(perp, client, call):
    perp.get(PERP + call.path, status=404, body="<h1>Not Found</h1>")

    assert call(client) is None


@every_call
@pytest.mark.parametrize("code", ["CUSTOMER_NOT_FOUND", "ORDER_NOT_FOUND", "INVOICE_NOT_FOUND"])
def test_it_returns_none_for_each_not_found_code(perp, client, call, code):
    perp.get(PERP + call.path, json=failure(code, "No such thing"))

    assert call(client) is None


def test_it_returns_none_when_customer_not_found_with_a_404_envelope(perp, client):
    perp.get(PERP + "/customers/CUST-404", status=404, json=failure("CUSTOMER_NOT_FOUND"))

    assert client.get_customer("CUST-404") is None


@pytest.mark.parametrize("call", BY_ID, ids=repr)
@pytest.mark.parametrize("unsendable", ["", ".", ".."])
def test_it_returns_none_without_asking_perp_for_an_id_that_cannot_be_a_path_segment(
    perp, client, observed, call, unsendable
):
    assert call(client, unsendable) is None
    assert len(perp.calls) == 0
    assert [(record.status, record.outcome, record.attempts) for record in observed] \
        == [("not_sent", "not_found", 0)]


# --- Errors ------------------------------------------------------------------------


@every_call
def test_it_raises_auth_error_on_401_without_retrying(perp, client, sleeps, call):
    perp.get(PERP + call.path, status=401, json=failure("UNAUTHORIZED", "Invalid API key"))

    with pytest.raises(PERPAuthError) as raised:
        call(client)

    assert len(perp.calls) == 1
    assert sleeps == []
    assert raised.value.permanent


@every_call
def test_it_raises_api_error_with_perps_code_and_message(perp, client, call):
    perp.get(PERP + call.path, json=failure("RATE_PLAN_EXCEEDED", "Upgrade your plan"))

    with pytest.raises(PERPAPIError) as raised:
        call(client)

    assert (raised.value.code, raised.value.message) == ("RATE_PLAN_EXCEEDED", "Upgrade your plan")
    assert len(perp.calls) == 1


def test_it_raises_api_error_for_a_4xx_carrying_perps_error(perp, client):
    perp.get(PERP + "/customers/search", status=400,
             json=failure("VALIDATION_ERROR", "email is not valid"))

    with pytest.raises(PERPAPIError) as raised:
        client.search_customer_by_email("not-an-email")

    assert raised.value.code == "VALIDATION_ERROR"


@pytest.mark.parametrize("status", [502, 503, 504, 429])
def test_it_retries_when_perp_is_briefly_unavailable(perp, client, status):
    perp.get(PERP + "/customers/CUST-1", status=status)
    perp.get(PERP + "/customers/CUST-1", json=ok(CUSTOMER))

    assert client.get_customer("CUST-1").customer_id == "CUST-1"
    assert len(perp.calls) == 2


@every_call
def test_it_retries_a_503_then_succeeds(perp, client, call):
    perp.get(PERP + call.path, status=503, json=failure("UNAVAILABLE"))
    perp.get(PERP + call.path, json=ok(call.data))

    assert isinstance(call(client), call.returns)
    assert len(perp.calls) == 2


def test_it_raises_unavailable_after_the_last_retry(perp, client, sleeps):
    perp.get(PERP + "/orders/ORD-1", status=503)

    with pytest.raises(PERPUnavailable) as raised:
        client.get_order("ORD-1")

    error = raised.value
    assert (error.reason, error.status, error.attempts) == ("status", 503, 3)
    assert not error.permanent
    assert len(perp.calls) == 3
    assert len(sleeps) == 2


def test_it_makes_one_attempt_when_retries_are_off(perp, sleeps):
    client = PERPClient(base_url=PERP, api_key=KEY, max_retries=0, sleep=sleeps.append)
    perp.get(PERP + "/orders/ORD-1", status=502)

    with pytest.raises(PERPUnavailable) as raised:
        client.get_order("ORD-1")

    assert raised.value.attempts == 1
    assert sleeps == []


@pytest.mark.parametrize("retry_after, expected_sleep", [("1", 1.0), ("120", 2.0), ("0", 0.0)])
def test_it_honours_retry_after_seconds_up_to_the_cap(
    perp, client, sleeps, retry_after, expected_sleep
):
    perp.get(PERP + "/customers/CUST-1", status=429, headers={"Retry-After": retry_after})
    perp.get(PERP + "/customers/CUST-1", json=ok(CUSTOMER))

    client.get_customer("CUST-1")

    assert sleeps == [expected_sleep]


def test_it_honours_retry_after_as_an_http_date_up_to_the_cap(perp, client, sleeps):
    in_an_hour = format_datetime(datetime.now(timezone.utc) + timedelta(hours=1), usegmt=True)
    perp.get(PERP + "/customers/CUST-1", status=429, headers={"Retry-After": in_an_hour})
    perp.get(PERP + "/customers/CUST-1", json=ok(CUSTOMER))

    client.get_customer("CUST-1")

    assert sleeps == [2.0]


def test_it_does_not_wait_for_a_retry_after_date_in_the_past(perp, client, sleeps):
    perp.get(PERP + "/customers/CUST-1", status=429,
             headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    perp.get(PERP + "/customers/CUST-1", json=ok(CUSTOMER))

    client.get_customer("CUST-1")

    assert sleeps == [0.0]


def test_it_backs_off_exponentially_with_full_jitter(perp, sleeps, monkeypatch):
    client = PERPClient(base_url=PERP, api_key=KEY, max_retries=3, backoff_base=0.2,
                        sleep=sleeps.append)
    monkeypatch.setattr(random, "random", lambda: 0.5)
    perp.get(PERP + "/orders/ORD-1", status=429, headers={"Retry-After": "soon"})

    with pytest.raises(PERPUnavailable):
        client.get_order("ORD-1")

    assert sleeps == pytest.approx([0.1, 0.2, 0.4])


@pytest.mark.parametrize("timeout_error, waited", [
    (requests.exceptions.ReadTimeout("read timed out"), 10.0),
    (requests.exceptions.ConnectTimeout("connect timed out"), 3.05),
])
def test_it_raises_unavailable_when_perp_times_out(perp, client, timeout_error, waited):
    perp.get(PERP + "/orders/ORD-1/production", body=timeout_error)

    with pytest.raises(PERPUnavailable) as raised:
        client.get_production_status("ORD-1")

    error = raised.value
    assert (error.reason, error.timeout, error.attempts) == ("timeout", waited, 3)
    assert isinstance(error.__cause__, requests.exceptions.Timeout)
    assert len(perp.calls) == 3


def test_it_retries_a_timeout_then_succeeds(perp, client):
    perp.get(PERP + "/orders/ORD-1", body=requests.exceptions.ReadTimeout())
    perp.get(PERP + "/orders/ORD-1", json=ok(ORDER))

    assert client.get_order("ORD-1").order_id == "ORD-1"


@pytest.mark.parametrize("connection_error", [
    requests.exceptions.ConnectionError("[Errno 111] Connection refused"),
    requests.exceptions.ConnectionError("Connection reset by peer"),
    requests.exceptions.ChunkedEncodingError("Connection broken"),
])
def test_it_raises_unavailable_when_perp_refuses_the_connection(perp, client, connection_error):
    perp.get(PERP + "/invoices/INV-1", body=connection_error)

    with pytest.raises(PERPUnavailable) as raised:
        client.get_invoice("INV-1")

    assert (raised.value.reason, raised.value.attempts) == ("connection", 3)
    assert raised.value.__cause__ is connection_error


@pytest.mark.parametrize("status", [500, 501, 505])
def test_it_raises_bad_response_on_other_5xx_without_retrying(perp, client, status):
    perp.get(PERP + "/invoices/INV-1", status=status, json=failure("INTERNAL"))

    with pytest.raises(PERPBadResponse) as raised:
        client.get_invoice("INV-1")

    assert raised.value.endpoint == "/api/invoices/{invoice_id}"
    assert len(perp.calls) == 1


@pytest.mark.parametrize("status, body", [
    (400, "Bad Request"), (403, ""), (418, "<html>teapot</html>"), (405, '{"detail": "no"}'),
])
def test_it_raises_bad_response_on_other_4xx_without_perps_error(perp, client, status, body):
    perp.get(PERP + "/invoices/INV-1", status=status, body=body)

    with pytest.raises(PERPBadResponse):
        client.get_invoice("INV-1")

    assert len(perp.calls) == 1


def test_it_does_not_follow_redirects(perp, client):
    perp.get(PERP + "/customers/CUST-1", status=302,
             headers={"Location": "http://elsewhere.test/steal"})

    with pytest.raises(PERPBadResponse):
        client.get_customer("CUST-1")

    assert len(perp.calls) == 1


@every_call
def test_it_raises_bad_response_naming_the_endpoint_for_a_body_that_is_not_json(
    perp, client, call
):
    perp.get(PERP + call.path, body="<html>Gateway login</html>",
             content_type="text/html")

    with pytest.raises(PERPBadResponse) as raised:
        call(client)

    assert raised.value.endpoint.startswith("/api/")
    assert "{" in raised.value.endpoint or "search" in raised.value.endpoint
    assert raised.value.endpoint in str(raised.value)


@pytest.mark.parametrize("body", [
    [1, 2, 3],
    "just a string",
    None,
    {"data": CUSTOMER},
    {"success": "true", "data": CUSTOMER},
    {"success": True},
    {"success": True, "data": None},
    {"success": True, "data": [CUSTOMER]},
    {"success": False},
    {"success": False, "error": "CUSTOMER_NOT_FOUND"},
    {"success": False, "error": {"message": "no code"}},
    {"success": False, "error": {"code": 404}},
], ids=repr)
def test_it_raises_bad_response_for_json_that_is_not_the_envelope(perp, client, body):
    perp.get(PERP + "/customers/CUST-1", json=body)

    with pytest.raises(PERPBadResponse) as raised:
        client.get_customer("CUST-1")

    assert raised.value.endpoint == "/api/customers/{customer_id}"


def test_it_raises_bad_response_for_json_nested_too_deep(perp, client):
    perp.get(PERP + "/customers/CUST-1", body="[" * 100_000 + "]" * 100_000)

    with pytest.raises(PERPBadResponse):
        client.get_customer("CUST-1")


# Only the record's id and data's documented shape are essential (other fields: see
# tests/perp/test_fields.py, where they are kept as PERP's text).
@pytest.mark.parametrize("method, path, data", [
    ("get_customer_orders", "/customers/CUST-1/orders", {"orders": "none", "pagination": {}}),
    ("get_customer_orders", "/customers/CUST-1/orders", {"pagination": PAGINATION}),
    ("get_customer_orders", "/customers/CUST-1/orders", {"orders": None}),
    ("get_customer_invoices", "/customers/CUST-1/invoices", {"invoices": {"a": INVOICE}}),
    ("get_invoice", "/invoices/INV-1", {**INVOICE, "invoice_id": "  "}),
    ("get_customer", "/customers/CUST-1", {**CUSTOMER, "customer_id": None}),
    ("get_order", "/orders/ORD-1", {**ORDER, "order_id": {"id": "ORD-1"}}),
    ("get_vip_wallet", "/customers/CUST-1/vip-wallet", {**WALLET, "customer_id": ""}),
    ("get_production_status", "/orders/ORD-1/production", {**PRODUCTION, "order_id": None}),
    ("get_artwork", "/orders/ORD-1/artwork", {"artwork_items": []}),
], ids=lambda value: value if isinstance(value, str) else "")
def test_it_raises_bad_response_for_data_of_the_wrong_shape(perp, client, method, path, data):
    perp.get(PERP + path, json=ok(data))

    with pytest.raises(PERPBadResponse) as raised:
        getattr(client, method)(path.split("/")[2])

    assert raised.value.endpoint.startswith("/api/")


def test_it_keeps_infinity_in_a_count_as_perps_text(perp, client):
    perp.get(PERP + "/customers/CUST-1",
             body='{"success": true, "data": {"customer_id": "C", "total_orders": 1e999}}')

    customer = client.get_customer("CUST-1")

    assert customer.total_orders == "Infinity" and customer.unread == ("total_orders",)


# --- What is sent ------------------------------------------------------------------


@pytest.mark.parametrize("call", BY_ID, ids=repr)
@pytest.mark.parametrize("hostile_id, segment", [
    ("a/../b", "a%2F..%2Fb"),
    ("x?y#z", "x%3Fy%23z"),
    ("50% off & more", "50%25%20off%20%26%20more"),
    ("../../admin", "..%2F..%2Fadmin"),
])
def test_it_keeps_an_id_in_one_path_segment(perp, client, call, hostile_id, segment):
    perp.get(ANY_URL, status=404)

    call(client, hostile_id)

    expected_path = call.path.replace(call.args[0], segment)
    assert perp.calls[0].request.url.split("?")[0] == PERP + expected_path


@pytest.mark.parametrize("call", [c for c in CALLS if not c.path_ids], ids=repr)
def test_it_sends_search_values_as_query_parameters(perp, client, call):
    perp.get(ANY_URL, status=404)

    call(client, "a+b/../c@x.com?z=1#f")

    request = perp.calls[0].request
    assert request.url.split("?")[0] == PERP + call.path
    assert list(request.params.values()) == ["a+b/../c@x.com?z=1#f"]


@pytest.mark.parametrize("base_url", [PERP, PERP + "/"])
def test_it_accepts_a_base_url_with_or_without_a_trailing_slash(perp, base_url):
    client = PERPClient(base_url=base_url, api_key=KEY)
    perp.get(PERP + "/orders/ORD-1/artwork", json=ok(ARTWORK))

    client.get_artwork("ORD-1")

    assert perp.calls[0].request.url == PERP + "/orders/ORD-1/artwork"


@every_call
def test_it_sends_the_key_and_asks_for_json_with_timeouts(perp, client, call):
    perp.get(ANY_URL, status=404)

    call(client)

    request = perp.calls[0].request
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert request.headers["Accept"] == "application/json"
    assert request.req_kwargs["timeout"] == (3.05, 10.0)
    assert "X-Request-ID" not in request.headers


def test_it_passes_the_request_id_on(perp, client):
    perp.get(ANY_URL, status=404)
    token = request_id.set("req-7f3a")
    try:
        client.get_order("ORD-1")
    finally:
        request_id.reset(token)

    assert perp.calls[0].request.headers["X-Request-ID"] == "req-7f3a"


def test_it_leaves_out_a_request_id_that_is_not_a_plain_token(perp, client):
    perp.get(ANY_URL, status=404)
    token = request_id.set("abc\r\nX-Injected: 1")
    try:
        client.get_order("ORD-1")
    finally:
        request_id.reset(token)

    assert "X-Request-ID" not in perp.calls[0].request.headers


def test_it_sends_every_call_through_one_pooled_adapter_of_requests(client):
    adapter = client._transport.adapter

    assert isinstance(adapter, HTTPAdapter)
    assert adapter._pool_maxsize == 8


def test_its_pool_keeps_a_connection_for_each_fan_out_thread_of_each_request_thread():
    derived = settings_from({"GUNICORN_THREADS": "3", "PAGE_FANOUT_WORKERS": "5"}, "PERP_POOL_SIZE")
    chosen = settings_from({"GUNICORN_THREADS": "3", "PERP_POOL_SIZE": "7"}, "PERP_POOL_SIZE")

    assert (derived["PERP_POOL_SIZE"], chosen["PERP_POOL_SIZE"]) == (15, 7)


def test_it_sends_requests_headers_and_the_key_but_never_a_cookie_perp_set(perp, client):
    perp.get(PERP + "/orders/ORD-1", json=ok(ORDER), headers={"Set-Cookie": "tracker=1; Path=/"})

    client.get_order("ORD-1")
    client.get_order("ORD-1")

    sent = perp.calls[1].request.headers
    assert sent["Authorization"] == f"Bearer {KEY}" and sent["Accept"] == "application/json"
    assert sent["User-Agent"].startswith("python-requests/") and "gzip" in sent["Accept-Encoding"]
    assert "Cookie" not in sent  # PERP's answers are read, never a session kept with it


def test_it_sends_a_base_url_as_requests_prepares_it():
    client = PERPClient(base_url="http://PERP.Test:80/ap i/", api_key=KEY)

    assert client.base_url == "http://perp.test:80/ap%20i"


def test_it_builds_one_client_from_settings(settings):
    settings.PERP_API_URL = "http://perp.test/api/"
    settings.PERP_READ_TIMEOUT = 7.5
    settings.PERP_MAX_RETRIES = 4

    client = client_from_settings()

    assert client is client_from_settings()
    assert (client.base_url, client.read_timeout, client.max_retries) == (PERP, 7.5, 4)


# --- What is logged and observed ---------------------------------------------------


def test_it_logs_one_line_per_call(perp, client, caplog):
    perp.get(PERP + "/customers/CUST-1/orders", json=ok({"orders": [ORDER]}))
    caplog.set_level(logging.INFO, logger="perpdesk.perp")

    client.get_customer_orders("CUST-1", limit=5)

    [record] = caplog.records
    assert record.name == "perpdesk.perp"
    assert record.levelno == logging.INFO
    message = record.getMessage()
    assert "/api/customers/{customer_id}/orders" in message
    assert "ok" in message and "200" in message and "1 attempt" in message
    assert (record.perp_endpoint, record.perp_status, record.perp_outcome, record.perp_attempts) \
        == ("/api/customers/{customer_id}/orders", 200, "ok", 1)
    assert isinstance(record.perp_duration_ms, int)


def test_it_logs_one_warning_after_all_attempts(perp, client, caplog):
    perp.get(PERP + "/orders/ORD-1", body=requests.exceptions.ReadTimeout())
    caplog.set_level(logging.INFO, logger="perpdesk.perp")

    with pytest.raises(PERPUnavailable):
        client.get_order("ORD-1")

    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert (record.perp_status, record.perp_outcome, record.perp_attempts) \
        == ("timeout", "unavailable", 3)


@pytest.mark.parametrize("status, body, outcome", [
    (404, "", "not_found"),
    (401, "", "auth_error"),
    (200, '{"success": false, "error": {"code": "BOOM", "message": "x"}}', "api_error"),
    (500, "", "bad_response"),
])
def test_it_logs_the_outcome(perp, client, caplog, status, body, outcome):
    perp.get(PERP + "/invoices/INV-1", status=status, body=body)
    caplog.set_level(logging.INFO, logger="perpdesk.perp")

    with nullcontext() if outcome == "not_found" else pytest.raises(PERPError):
        client.get_invoice("INV-1")

    [record] = caplog.records
    assert (record.perp_status, record.perp_outcome) == (status, outcome)
    assert record.levelno == (logging.INFO if outcome == "not_found" else logging.WARNING)


def test_it_never_logs_ids_or_search_values(perp, client, caplog):
    perp.get(ANY_URL, status=404)
    caplog.set_level(logging.DEBUG)

    client.search_customer_by_email("secret.person@example.com")
    client.get_customer("CUST-PRIVATE-77")

    logged = " ".join(str(vars(record)) for record in caplog.records)
    assert "secret.person" not in logged
    assert "CUST-PRIVATE-77" not in logged
    assert "/api/customers/search" in logged


def test_it_tells_observers_about_each_call(perp, client, observed):
    perp.get(PERP + "/orders/ORD-1", status=503)
    perp.get(PERP + "/orders/ORD-1", json=ok(ORDER))

    client.get_order("ORD-1")

    [record] = observed
    assert isinstance(record, CallRecord)
    assert (record.endpoint, record.status, record.outcome, record.attempts) \
        == ("/api/orders/{order_id}", 200, "ok", 2)


def test_it_survives_an_observer_that_raises(perp, client, observed, monkeypatch, caplog):
    def broken(record):
        raise RuntimeError("metrics backend down")

    monkeypatch.setattr(perp_client, "CALL_OBSERVERS", [broken, observed.append])
    perp.get(PERP + "/orders/ORD-1", json=ok(ORDER))

    assert client.get_order("ORD-1").order_id == "ORD-1"
    assert len(observed) == 1
    assert any("observer" in record.getMessage() for record in caplog.records)


def _failing_answers():
    return [
        {"status": 401, "json": failure("UNAUTHORIZED", "Invalid API key")},
        {"status": 403, "body": "Forbidden"},
        {"status": 500, "body": "Internal error"},
        {"status": 503, "body": ""},
        {"status": 200, "body": "not json"},
        {"status": 200, "json": failure("BOOM", "Something broke")},
        {"status": 200, "json": ok({**ORDER, "order_id": None})},
        {"body": requests.exceptions.ReadTimeout("timed out")},
        {"body": requests.exceptions.ConnectionError("refused")},
        {"body": requests.exceptions.ContentDecodingError("bad gzip")},
    ]


@pytest.mark.parametrize("answer", _failing_answers(), ids=lambda a: str(a.get("status") or
                                                                         type(a["body"]).__name__))
def test_it_never_leaks_the_key(perp, client, caplog, answer):
    perp.get(ANY_URL, **answer)
    caplog.set_level(logging.DEBUG)

    with pytest.raises(PERPError) as raised:
        client.get_order("ORD-1")

    error = raised.value
    texts = [str(error), repr(error), str(error.__cause__), repr(vars(error))]
    texts += [record.getMessage() for record in caplog.records]
    texts += [str(vars(record)) for record in caplog.records]
    assert not [text for text in texts if KEY in text]


def test_it_reads_proxy_variables_once_and_honours_no_proxy(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://egress.internal:3128")
    monkeypatch.setenv("NO_PROXY", "perp.internal")

    proxied = PERPClient(base_url="https://perp.example.com/api", api_key="k")
    direct = PERPClient(base_url="https://perp.internal/api", api_key="k")

    monkeypatch.setenv("HTTPS_PROXY", "http://elsewhere.internal:3128")  # read once: not again

    assert proxied._transport.proxies.get("https") == "http://egress.internal:3128"
    assert direct._transport.proxies == {}
