"""manage.py perp_check: the conformance report an operator runs against the configured PERP,
here against the sandbox over real HTTP (in both dialects) and against a deliberately odd
server."""

import json
import os
import re
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.core.management import CommandError, call_command

from lookup.perp.client import client_from_settings
from sandbox_perp import BENCH_CUSTOMER_ID, SHOWCASE_CUSTOMER_ID, SandboxServer, get_dataset
from sandbox_perp.dialects import SEARCH_SETTINGS

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
KEY = "perp-check-key-that-must-never-be-printed"
ENDPOINTS = (
    "/api/customers/search", "/api/customers/{customer_id}", "/api/customers/{customer_id}/vip-wallet",
    "/api/customers/{customer_id}/orders", "/api/customers/{customer_id}/invoices",
    "/api/orders/search", "/api/orders/{order_id}", "/api/orders/{order_id}/production",
    "/api/orders/{order_id}/artwork", "/api/invoices/search", "/api/invoices/{invoice_id}",
)


@pytest.fixture(scope="module")
def sandboxes():
    """The sandbox PERP in each dialect, over real HTTP."""
    with SandboxServer(port=0, key=KEY) as standard, SandboxServer(port=0, key=KEY, dialect="erp") as erp:
        yield SimpleNamespace(standard=standard.base_url, erp=erp.base_url)


def customer_of(customer_id):
    return get_dataset().customers[customer_id]


def lines_by_endpoint(output):
    """{endpoint template: the rest of its line}, for the report's endpoint lines."""
    lines = {}
    for line in output.splitlines():
        endpoint, _, rest = line.partition(" ")
        if endpoint in ENDPOINTS:
            lines[endpoint] = rest.strip()
    return lines


def perp_check(settings, perp_url, *args, key=KEY, **search_settings):
    """(exit status, stdout, stderr) of the command, in this process."""
    settings.PERP_API_URL, settings.PERP_API_KEY = perp_url, key
    for name, value in search_settings.items():
        setattr(settings, name, value)
    client_from_settings.cache_clear()
    out, err = StringIO(), StringIO()
    try:
        call_command("perp_check", *args, stdout=out, stderr=err)
        status = 0
    except CommandError as error:
        err.write(str(error))
        status = error.returncode
    return status, out.getvalue(), err.getvalue()


# --- Against the sandbox ------------------------------------------------------------------


def test_it_reaches_all_eleven_endpoints_from_an_email_alone(settings, sandboxes):
    email = customer_of(BENCH_CUSTOMER_ID)["email"]

    status, out, _ = perp_check(settings, sandboxes.standard, "--email", email, **SEARCH_SETTINGS["standard"])

    lines = lines_by_endpoint(out)
    assert status == 0
    assert set(lines) == set(ENDPOINTS)
    assert all(line.startswith("ok") for line in lines.values()), out
    assert "every section perpdesk reached could be shown" in out


def test_it_says_what_the_search_patterns_make_of_each_given_number(settings, sandboxes):
    status, out, _ = perp_check(
        settings, sandboxes.standard, "--order-number", "PO-10001", "--invoice-number", "2026-0001",
        **SEARCH_SETTINGS["standard"],
    )

    assert status == 0
    assert "order number PO-10001: fits the SEARCH_PATTERNS of order_number: tried as order_number" in out
    assert "invoice number 2026-0001: fits the SEARCH_PATTERNS of invoice_number: tried as invoice_number" in out
    assert lines_by_endpoint(out)["/api/customers/search"].startswith("skipped")


def test_it_fails_when_the_search_would_not_look_a_number_up_as_its_kind(settings, sandboxes):
    status, out, _ = perp_check(
        settings, sandboxes.standard, "--order-number", "PO-10001", SEARCH_PATTERNS=r"invoice_number=^PO-\d+$",
    )

    assert status == 1
    assert "NOT as an order number: fix SEARCH_PATTERNS" in out
    assert lines_by_endpoint(out)["/api/orders/search"].startswith("ok")


def test_it_fails_when_a_given_record_is_not_found(settings, sandboxes):
    status, out, err = perp_check(settings, sandboxes.standard, "--order-number", "PO-1")

    assert status == 1
    assert lines_by_endpoint(out)["/api/orders/search"].startswith("FAIL not found")
    assert "could not show every section" in err


def test_an_optional_follow_up_not_found_is_no_failure(settings, sandboxes):
    email = customer_of("CUST-1003")["email"]  # no orders, no invoices, no wallet (404)

    status, out, _ = perp_check(settings, sandboxes.standard, "--email", email)

    lines = lines_by_endpoint(out)
    assert status == 0
    assert lines["/api/customers/{customer_id}/vip-wallet"].startswith("not found")
    assert lines["/api/orders/search"].startswith("skipped")


def test_it_reports_the_odd_dialect_field_by_field_and_still_shows_every_section(settings, sandboxes):
    email = customer_of(SHOWCASE_CUSTOMER_ID)["email"]

    status, out, _ = perp_check(settings, sandboxes.erp, "--email", email)

    lines = lines_by_endpoint(out)
    assert status == 0, out
    assert set(lines) == set(ENDPOINTS)
    assert all(line.startswith("ok") for line in lines.values()), out
    assert "extra: " in lines["/api/customers/{customer_id}"] and "x_legacy" in lines["/api/customers/{customer_id}"]
    assert "kept as PERP's text: artwork_items[].files.original.file_size" in lines["/api/orders/{order_id}/artwork"]
    assert "order number (the customer's first): fits no SEARCH_PATTERNS pattern: tried as every kind" in out


def test_it_prints_no_perp_data_unless_asked(settings, sandboxes):
    customer = customer_of(SHOWCASE_CUSTOMER_ID)
    erp_id = customer["customer_id"].removeprefix("CUST-")

    _, out, err = perp_check(settings, sandboxes.erp, "--email", customer["email"])
    _, shown, _ = perp_check(settings, sandboxes.erp, "--email", customer["email"], "--show-values")

    for value in (customer["email"], customer["name"], f"'{erp_id}'", " bytes'", "SO1"):
        assert value not in out + err
    assert f"id = '{erp_id}'" in shown
    assert re.search(r"artwork_items\[\]\.files\.original\.file_size = '\d+ bytes'", shown)
    assert customer["email"] in shown


def test_it_fails_on_every_endpoint_when_perp_refuses_the_key(settings, sandboxes):
    status, out, err = perp_check(settings, sandboxes.standard, "--email", "x@example.com", key="not-the-key-42")

    assert status == 1
    assert lines_by_endpoint(out)["/api/customers/search"].startswith("FAIL auth error")
    assert "not-the-key-42" not in out + err


def test_it_fails_when_perp_cannot_be_reached(settings):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]

    status, out, _ = perp_check(settings, f"http://127.0.0.1:{port}/api", "--invoice-number", "N-1")

    assert status == 1
    assert lines_by_endpoint(out)["/api/invoices/search"].startswith("FAIL unavailable")
    assert lines_by_endpoint(out)["/api/invoices/{invoice_id}"].startswith("skipped")


def test_it_refuses_to_run_with_a_bad_search_pattern(settings, sandboxes):
    status, _, err = perp_check(settings, sandboxes.standard, "--order-number", "PO-1",
                                SEARCH_PATTERNS="order_number=(")

    assert status == 1
    assert "configuration error: SEARCH_PATTERNS is not valid" in err


def test_it_needs_something_to_start_from(settings, sandboxes):
    status, _, err = perp_check(settings, sandboxes.standard)

    assert status == 1
    assert "give at least one of --email, --order-number, --invoice-number" in err


# --- Against an odd server, as its own process: exit status and the key ------------------------


class OddPERP(BaseHTTPRequestHandler):
    """Answers by path: wrong shapes, a 500, an error envelope, a record without its id."""

    ANSWERS = {
        "/api/customers/search": (200, {"success": True, "data": {
            "customer_id": "C-1", "name": "Odd Person", "lifetime_value": "1.234,50", "total_orders": "many",
            "created_at": "yesterday", "is_vip": "sometimes", "mystery": {"deep": [1, 2]}}}),
        "/api/customers/C-1": (200, {"success": True, "data": {"name": "no id here"}}),
        "/api/customers/C-1/vip-wallet": (500, {"oops": True}),
        "/api/customers/C-1/orders": (200, {"success": True, "data": {"orders": "not a list"}}),
        "/api/customers/C-1/invoices": (200, {"success": False, "error": {
            "code": "INTERNAL", "message": f"key {KEY} rejected for Odd Person"}}),
        "/api/orders/search": (200, "<html>maintenance</html>"),
        "/api/invoices/search": (200, {"success": True, "data": ["a list", "not an invoice"]}),
    }

    def do_GET(self):
        status, body = self.ANSWERS.get(urlsplit(self.path).path, (404, {"success": False, "error": {
            "code": "ORDER_NOT_FOUND", "message": "nothing"}}))
        payload = (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def odd_perp():
    server = ThreadingHTTPServer(("127.0.0.1", 0), OddPERP)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api"
    server.shutdown()
    server.server_close()


def run_in_a_process(perp_url, *args):
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PERP_API_URL": perp_url,
        "PERP_API_KEY": KEY, "PERP_MAX_RETRIES": "0", "LOG_FORMAT": "json", "LOG_LEVEL": "DEBUG",
    }
    return subprocess.run(
        [sys.executable, "manage.py", "perp_check", *args], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=60,
    )


def test_it_exits_non_zero_naming_each_endpoint_an_odd_perp_failed(odd_perp):
    result = run_in_a_process(odd_perp, "--email", "odd@example.com", "--order-number", "X1",
                              "--invoice-number", "Y1")

    lines = lines_by_endpoint(result.stdout)
    assert result.returncode == 1, result.stdout + result.stderr
    assert lines["/api/customers/search"].startswith("ok")
    assert "kept as PERP's text: " in lines["/api/customers/search"]
    assert "lifetime_value" in lines["/api/customers/search"] and "extra: mystery" in lines["/api/customers/search"]
    assert lines["/api/customers/{customer_id}"].startswith("FAIL bad response")
    assert lines["/api/customers/{customer_id}/vip-wallet"].startswith("FAIL bad response")
    assert "HTTP 500" in lines["/api/customers/{customer_id}/vip-wallet"]
    assert lines["/api/customers/{customer_id}/orders"].startswith("FAIL bad response")
    assert lines["/api/customers/{customer_id}/invoices"].startswith("FAIL api error")
    assert "code INTERNAL" in lines["/api/customers/{customer_id}/invoices"]
    assert lines["/api/orders/search"].startswith("FAIL bad response")
    assert lines["/api/invoices/search"].startswith("FAIL bad response")
    assert "could not show every section" in result.stderr


def test_it_never_prints_the_key_nor_perps_data_even_when_perp_echoes_them(odd_perp):
    result = run_in_a_process(odd_perp, "--email", "odd@example.com")

    assert KEY not in result.stdout and KEY not in result.stderr
    assert "Odd Person" not in result.stdout + result.stderr
    assert "1.234,50" not in result.stdout + result.stderr
    assert "/api/customers/{customer_id}/invoices" in result.stdout  # it did get that answer
