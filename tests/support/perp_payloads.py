"""JSON builders for PERP's answers (PERP_API.md), and helpers to register them with the
`perp` fixture (a `responses` mock at http://perp.test/api).

Each builder returns a plausible record; keyword arguments override its fields.
"""

import json
import re
import threading
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
import requests
import responses

from tests.support.page_html import notices_in

PERP = "http://perp.test/api"
STAMP = "2026-11-01T12:00:00Z"


def envelope(data):
    return {"success": True, "data": data, "timestamp": STAMP}


def error_envelope(code, message="Something went wrong"):
    return {"success": False, "error": {"code": code, "message": message}, "timestamp": STAMP}


def customer(customer_id="CUST-1001", **fields):
    return {
        "customer_id": customer_id,
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "phone": "+1 555 0100",
        "company_name": "Analytical Engines Ltd",
        "is_vip": True,
        "vip_tier": "gold",
        "lifetime_value": "12345.50",
        "total_orders": 3,
        "created_at": "2022-03-04T10:00:00Z",
        "last_order_date": "2026-10-30T09:00:00Z",
        "billing_address": {
            "address1": "1 Engine Way", "address2": None, "city": "Portland",
            "state": "OR", "zip": "97201", "country": "US",
        },
        **fields,
    }


def line_item(line_item_id="LI-900001", **fields):
    return {
        "line_item_id": line_item_id,
        "product_name": "Vinyl Banner 3x6 ft",
        "quantity": 2,
        "unit_price": "45.00",
        "total_price": "90.00",
        "production_status": "in_progress",
        **fields,
    }


def order(order_id="ORD-50001", **fields):
    return {
        "order_id": order_id,
        "order_number": "PO-" + order_id.removeprefix("ORD-"),
        "customer_id": "CUST-1001",
        "customer_name": "Ada Lovelace",
        "status": "in_production",
        "status_display": "In Production",
        "order_date": "2026-10-28T09:00:00Z",
        "estimated_ship_date": "2026-11-07T09:00:00Z",
        "actual_ship_date": None,
        "total_amount": "90.00",
        "currency": "USD",
        "line_items": [line_item()],
        **fields,
    }


def orders_page(orders, total=None, limit=10, offset=0):
    total = len(orders) if total is None else total
    return {
        "orders": orders,
        "pagination": {"total": total, "limit": limit, "offset": offset,
                       "has_more": offset + len(orders) < total},
    }


def production(order_id="ORD-50001", **fields):
    return {
        "order_id": order_id,
        "order_number": "PO-" + order_id.removeprefix("ORD-"),
        "overall_status": "in_progress",
        "completion_percentage": 40,
        "current_stage": "printing",
        "stages": [
            {"stage_name": "prepress", "stage_display": "Prepress", "status": "completed",
             "started_at": "2026-10-28T10:00:00Z", "completed_at": "2026-10-29T10:00:00Z"},
            {"stage_name": "printing", "stage_display": "Printing", "status": "in_progress",
             "started_at": "2026-10-29T11:00:00Z", "estimated_completion": "2026-11-02T10:00:00Z"},
            {"stage_name": "finishing", "stage_display": "Finishing", "status": "pending"},
        ],
        "estimated_ship_date": "2026-11-07",
        "notes": "Customer asked for matte finish",
        **fields,
    }


def artwork_file(name="banner.pdf", url="https://files.perp.test/art/banner.pdf", **fields):
    return {"url": url, "filename": name, "file_size": 2048000, "dpi": 300,
            "format": "PDF", **fields}


def artwork_item(artwork_id="ART-1", **fields):
    return {
        "artwork_id": artwork_id,
        "line_item_id": "LI-900001",
        "product_name": "Vinyl Banner 3x6 ft",
        "status": "approved",
        "submitted_date": "2026-10-28T12:00:00Z",
        "reviewed_date": "2026-10-28T15:00:00Z",
        "approved_date": "2026-10-28T15:00:00Z",
        "notes": "Looks good",
        "files": {
            "original": artwork_file(),
            "preview": artwork_file("banner-preview.png", "https://files.perp.test/art/preview.png"),
            "thumbnail": artwork_file("banner-thumb.png", "https://files.perp.test/art/thumb.png"),
        },
        "proof_sheet": {"url": "https://files.perp.test/art/proof.pdf", "filename": "proof.pdf",
                        "file_size": 100000, "generated_date": "2026-10-28T13:00:00Z",
                        "includes_mockup": True},
        **fields,
    }


def artwork(order_id="ORD-50001", items=None):
    return {"order_id": order_id, "artwork_items": [artwork_item()] if items is None else items}


def wallet(customer_id="CUST-1001", **fields):
    return {
        "customer_id": customer_id,
        "balance": "120.50",
        "currency": "USD",
        "last_transaction_date": "2026-10-20T10:00:00Z",
        "transactions": [
            {"transaction_id": "TX-1", "type": "credit", "amount": "100.00",
             "description": "Cash back on PO-10001", "date": "2026-06-01T10:00:00Z"},
            {"transaction_id": "TX-2", "type": "debit", "amount": "30.00",
             "description": "Applied to PO-10002", "date": "2026-08-01T10:00:00Z"},
            {"transaction_id": "TX-3", "type": "credit", "amount": "50.50",
             "description": "Cash back on PO-10003", "date": "2026-10-20T10:00:00Z"},
        ],
        **fields,
    }


def invoice(invoice_id="INV-70001", **fields):
    return {
        "invoice_id": invoice_id,
        "invoice_number": "2026-0001",
        "customer_id": "CUST-1001",
        "order_id": "ORD-50001",
        "invoice_date": "2026-10-28",
        "due_date": "2026-11-27",
        "total_amount": "90.00",
        "amount_paid": "40.00",
        "amount_due": "50.00",
        "currency": "USD",
        "status": "partial",
        "line_items": [{"description": "Vinyl Banner 3x6 ft", "quantity": 2,
                        "unit_price": "45.00", "total": "90.00"}],
        "pdf_url": "https://files.perp.test/invoices/INV-70001.pdf",
        **fields,
    }


def invoices_page(invoices, total=None, limit=10, offset=0):
    total = len(invoices) if total is None else total
    return {
        "invoices": invoices,
        "pagination": {"total": total, "limit": limit, "offset": offset,
                       "has_more": offset + len(invoices) < total},
    }


# --- A fake PERP behind the `perp` mock ------------------------------------------------


class UnregisteredCall(requests.exceptions.ConnectionError):
    """A call to PERP that no test registered an answer for: the `perp` fixture fails the
    test at teardown, so "PERP answered nothing" is never mistaken for an answer."""


def unregistered_calls(mock):
    """ "METHOD path" of each call in a `responses` mock that nothing was registered for:
    the fake's unknown paths, and the calls responses itself refused."""
    calls = (f"{call.request.method} {_key(call.request.url)}" for call in mock.calls
             if _is_unregistered(call.response))
    return list(dict.fromkeys(calls))  # once each, retries folded


def check_every_call_was_registered(mock):
    """Fails the test, naming each call to PERP that nothing was registered for."""
    unmatched = unregistered_calls(mock)
    if unmatched:
        pytest.fail("PERP calls no test registered an answer for: " + ", ".join(unmatched), pytrace=False)


def _is_unregistered(response):
    if isinstance(response, UnregisteredCall):
        return True
    # responses' own refusal, documented as this message
    return type(response) is requests.exceptions.ConnectionError and str(response).startswith(
        "Connection refused by Responses")


class FakePERP:
    """Answers every GET to PERP from a table of paths; a path no test registered fails the
    test (see `unregistered_calls`): say "not found" with `not_found(path)`.

    Paths are written as PERP_API.md writes them after /api: "/customers/CUST-1001";
    search endpoints include their parameter: "/orders/search?order_number=PO-10001".
    An answer is data (a success envelope), one of FAILURES' names, or a callable
    taking the request and returning (status, body dict) — for blocking or counting.
    """

    def __init__(self, perp):
        self.perp = perp
        self.answers = {}
        self.missing = []  # path prefixes PERP has nothing under (nothing_under)
        self.requested = []  # paths (with search parameters) in the order PERP got them
        self._lock = threading.Lock()
        perp.add_callback(responses.GET, re.compile(re.escape(PERP) + r"/.*"), callback=self._answer)

    def ok(self, path, data):
        self.answers[path] = data
        return self

    def fail(self, path, failure):
        assert failure in FAILURES or failure == "not_found", failure
        self.answers[path] = _Failure(failure)
        return self

    def not_found(self, *paths):
        for path in paths:
            self.fail(path, "not_found")
        return self

    def nothing_under(self, *paths):
        """PERP has nothing at these paths or beneath them: "/customers/CUST-404" covers
        the customer, its wallet, orders and invoices."""
        self.missing.extend(path.rstrip("/") for path in paths)
        return self

    def nothing_matches(self, term):
        """PERP has no customer, order or invoice for `term`, by id or by any search."""
        self.nothing_under(f"/customers/{term}", f"/orders/{term}", f"/invoices/{term}")
        for search in (f"/customers/search?email={term}", f"/orders/search?order_number={term}",
                       f"/invoices/search?invoice_number={term}"):
            self.answers.setdefault(search, _Failure("not_found"))  # an answer given stays
        return self

    def on(self, path, handler):
        self.answers[path] = handler
        return self

    def calls_to(self, path):
        return self.requested.count(path)

    def _answer(self, request):
        key = _key(request.url)
        with self._lock:
            self.requested.append(key)
        answer = self.answers.get(key)
        if answer is None and any(key == path or key.startswith(path + "/") for path in self.missing):
            answer = _Failure("not_found")
        if answer is None:
            raise UnregisteredCall(f"no test said what PERP answers to GET {key}")
        if isinstance(answer, _Failure):
            return answer.respond()
        if callable(answer):
            status, body = answer(request)
            return status, {}, json.dumps(body)
        return 200, {}, json.dumps(envelope(answer))


def _key(url):
    parts = urlsplit(url)
    path = unquote(parts.path.removeprefix(urlsplit(PERP).path))
    if path.endswith("/search"):
        query = dict(parse_qsl(parts.query))
        return path + "?" + "&".join(f"{name}={value}" for name, value in query.items())
    return path


class _Failure:
    def __init__(self, name):
        self.name = name

    def respond(self):
        if self.name == "timeout":
            raise requests.exceptions.ReadTimeout("read timed out")
        return FAILURE_RESPONSES[self.name]


FAILURE_RESPONSES = {
    "not_found": (404, {}, json.dumps(error_envelope("CUSTOMER_NOT_FOUND", "Not found"))),
    "unauthorized": (401, {}, json.dumps(error_envelope("UNAUTHORIZED", "Invalid API key"))),
    "api_error": (200, {}, json.dumps(error_envelope("INTERNAL", "Database exploded"))),
    "unavailable": (503, {}, json.dumps(error_envelope("UNAVAILABLE", "Maintenance"))),
    "not_json": (200, {"Content-Type": "text/html"}, "<html>Bad gateway</html>"),
    "wrong_shape": (200, {}, json.dumps({"success": True, "data": ["not", "an", "object"]})),
}

# Each failure mode of the contract, and what staff read for it.
FAILURES = {
    "unauthorized": "perpdesk cannot sign in to PERP",
    "api_error": "PERP returned an error INTERNAL",
    "unavailable": "PERP is unavailable (HTTP 503)",
    "timeout": "PERP did not answer within 10 s",
    "not_json": "PERP sent an answer perpdesk could not read",
    "wrong_shape": "PERP sent an answer perpdesk could not read",
}


def serve_customer(fake, *, orders=None, invoices=None):
    """A customer with one active and one delivered order, a wallet and an invoice."""
    if orders is None:
        orders = [
            order("ORD-50002", order_date="2026-10-30T09:00:00Z"),
            order("ORD-50001", status="delivered", status_display="Delivered",
                    order_date="2026-09-01T09:00:00Z", actual_ship_date="2026-09-08T09:00:00Z"),
        ]
    fake.ok("/customers/CUST-1001", customer())
    fake.ok("/customers/CUST-1001/vip-wallet", wallet())
    fake.ok("/customers/CUST-1001/orders", orders_page(orders))
    fake.ok("/customers/CUST-1001/invoices", invoices_page([invoice()] if invoices is None else invoices))
    for order_id in (each["order_id"] for each in orders):
        fake.ok(f"/orders/{order_id}/production", production(order_id))
        fake.ok(f"/orders/{order_id}/artwork", artwork(order_id))
    return fake


def assert_only_this_section_failed(page, section, failure, sections):
    """`page` says why `section` failed and still shows every other section's text.
    `sections`: {section name: (PERP path, text the section shows)}."""
    assert notices_in(page).get(section, "").startswith(FAILURES[failure]), f"no {failure} notice for {section}"
    for other, (_, text) in sections.items():
        if other != section:
            assert text in page, f"{other} missing when {section} fails with {failure}"
