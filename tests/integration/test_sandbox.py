"""The sandbox PERP: contract shape, seeded data claims, fault knobs, stats and files."""

import json
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from sandbox_perp import (
    BENCH_CUSTOMER_ID, BUSY_ACTIVE_ORDERS, BUSY_CUSTOMER_ID, EMPTY_CUSTOMER_ID, HOSTILE_CUSTOMER_ID, NO_INVOICES_CUSTOMER_ID,
    PAGING_CUSTOMER_ID, SandboxServer, build_dataset, get_dataset,
)

KEY = "test-sandbox-key"
ACTIVE = {"pending", "in_production", "on_hold", "ready_to_ship"}


@pytest.fixture(scope="module")
def server():
    with SandboxServer(port=0, key=KEY) as srv:
        yield srv


@pytest.fixture
def sandbox(server):
    """The shared server with clean faults and stats before and after each test."""
    server.reset_faults()
    server.reset_stats()
    yield server
    server.reset_faults()
    server.reset_stats()


@pytest.fixture(scope="module")
def session():
    with requests.Session() as s:
        s.headers.update({"Authorization": f"Bearer {KEY}", "Accept": "application/json"})
        yield s


@pytest.fixture(scope="module")
def data():
    return get_dataset()


def call(session, server, path, **params):
    return session.get(server.base_url + path, params=params, timeout=10)


def parse_date(text):
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def money(value):
    return Decimal(str(value))


def some_order(data, customer_id=PAGING_CUSTOMER_ID):
    return data.orders_by_customer[customer_id][0]


# --- auth and envelope -----------------------------------------------------------------

def test_api_without_key_is_401(sandbox):
    response = requests.get(f"{sandbox.base_url}/customers/{PAGING_CUSTOMER_ID}", timeout=10)
    assert response.status_code == 401
    assert response.json()["success"] is False
    assert response.json()["error"]["code"] == "UNAUTHORIZED"


def test_api_with_wrong_key_is_401(sandbox):
    headers = {"Authorization": "Bearer wrong"}
    response = requests.get(f"{sandbox.base_url}/customers/{PAGING_CUSTOMER_ID}", headers=headers, timeout=10)
    assert response.status_code == 401
    assert KEY not in response.text


def endpoint_cases(data):
    order = some_order(data)
    invoice = data.invoices_by_customer[PAGING_CUSTOMER_ID][0]
    customer = data.customers[PAGING_CUSTOMER_ID]
    return [
        ("/customers/search", {"email": customer["email"]}, "customer_id"),
        (f"/customers/{PAGING_CUSTOMER_ID}", {}, "customer_id"),
        (f"/customers/{PAGING_CUSTOMER_ID}/vip-wallet", {}, "balance"),
        (f"/customers/{PAGING_CUSTOMER_ID}/orders", {"limit": 5, "offset": 0}, "orders"),
        (f"/customers/{PAGING_CUSTOMER_ID}/invoices", {"limit": 5, "offset": 0}, "invoices"),
        (f"/orders/{order['order_id']}", {}, "line_items"),
        ("/orders/search", {"order_number": order["order_number"]}, "order_id"),
        (f"/orders/{order['order_id']}/production", {}, "stages"),
        (f"/orders/{order['order_id']}/artwork", {}, "artwork_items"),
        (f"/invoices/{invoice['invoice_id']}", {}, "amount_due"),
        ("/invoices/search", {"invoice_number": invoice["invoice_number"]}, "invoice_id"),
    ]


def test_every_endpoint_answers_the_envelope(sandbox, session, data):
    for path, params, key in endpoint_cases(data):
        response = call(session, sandbox, path, **params)
        assert response.status_code == 200, path
        assert response.headers["Content-Type"].startswith("application/json")
        body = response.json()
        assert body["success"] is True
        assert key in body["data"], path
        assert parse_date(body["timestamp"]).tzinfo is not None


def test_lists_carry_pagination(sandbox, session):
    body = call(session, sandbox, f"/customers/{PAGING_CUSTOMER_ID}/orders", limit=5).json()
    assert body["data"]["pagination"] == {"total": 42, "limit": 5, "offset": 0, "has_more": True}


def test_email_search_is_case_insensitive(sandbox, session, data):
    email = data.customers[PAGING_CUSTOMER_ID]["email"]
    assert email != email.lower()
    for variant in (email.lower(), email.upper()):
        body = call(session, sandbox, "/customers/search", email=variant).json()
        assert body["data"]["customer_id"] == PAGING_CUSTOMER_ID


# --- not found and validation ----------------------------------------------------------

@pytest.mark.parametrize("path, params, code", [
    ("/customers/CUST-0000", {}, "CUSTOMER_NOT_FOUND"),
    ("/customers/CUST-0000/orders", {}, "CUSTOMER_NOT_FOUND"),
    ("/customers/CUST-0000/invoices", {}, "CUSTOMER_NOT_FOUND"),
    ("/customers/CUST-0000/vip-wallet", {}, "CUSTOMER_NOT_FOUND"),
    (f"/customers/{EMPTY_CUSTOMER_ID}/vip-wallet", {}, "CUSTOMER_NOT_FOUND"),
    ("/customers/search", {"email": "nobody@nowhere.example"}, "CUSTOMER_NOT_FOUND"),
    ("/orders/ORD-1", {}, "ORDER_NOT_FOUND"),
    ("/orders/ORD-1/production", {}, "ORDER_NOT_FOUND"),
    ("/orders/ORD-1/artwork", {}, "ORDER_NOT_FOUND"),
    ("/orders/search", {"order_number": "PO-1"}, "ORDER_NOT_FOUND"),
    ("/invoices/INV-1", {}, "INVOICE_NOT_FOUND"),
    ("/invoices/search", {"invoice_number": "1999-0001"}, "INVOICE_NOT_FOUND"),
    ("/nothing/here", {}, "NOT_FOUND"),
])
def test_not_found_codes(sandbox, session, path, params, code):
    response = call(session, sandbox, path, **params)
    assert response.status_code == 404
    body = response.json()
    assert body["success"] is False
    assert body["error"]["code"] == code
    assert body["error"]["message"]


def test_path_segments_are_decoded_one_at_a_time(sandbox, session):
    response = session.get(f"{sandbox.base_url}/customers/CUST-1001%2F..%2Forders", timeout=10)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "CUSTOMER_NOT_FOUND"


def test_percent_encoded_id_matches(sandbox, session):
    response = session.get(f"{sandbox.base_url}/customers/CUST%2D1001", timeout=10)
    assert response.json()["data"]["customer_id"] == "CUST-1001"


@pytest.mark.parametrize("params", [{"limit": "abc"}, {"limit": 0}, {"offset": -1}, {"offset": "x"}])
def test_bad_paging_is_a_validation_error(sandbox, session, params):
    response = call(session, sandbox, f"/customers/{PAGING_CUSTOMER_ID}/orders", **params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


def test_missing_search_parameter_is_a_validation_error(sandbox, session):
    response = call(session, sandbox, "/customers/search")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


def test_limit_is_capped_at_100(sandbox, session):
    body = call(session, sandbox, f"/customers/{PAGING_CUSTOMER_ID}/invoices", limit=500).json()
    assert body["data"]["pagination"]["limit"] == 100
    assert body["data"]["pagination"]["has_more"] is False


# --- paging ----------------------------------------------------------------------------

@pytest.mark.parametrize("kind, id_key, date_key", [("orders", "order_id", "order_date"),
                                                    ("invoices", "invoice_id", "invoice_date")])
def test_paging_walks_every_item_newest_first(sandbox, session, kind, id_key, date_key):
    items, offset = [], 0
    while True:
        page = call(session, sandbox, f"/customers/{PAGING_CUSTOMER_ID}/{kind}", limit=10, offset=offset)
        page = page.json()["data"]
        items += page[kind]
        if not page["pagination"]["has_more"]:
            break
        offset += 10
    assert len(items) == page["pagination"]["total"] >= 35
    assert len({item[id_key] for item in items}) == len(items)
    dates = [parse_date(item[date_key]) for item in items]
    assert dates == sorted(dates, reverse=True)


def test_page_past_the_end_is_empty(sandbox, session):
    body = call(session, sandbox, f"/customers/{PAGING_CUSTOMER_ID}/orders", offset=1000).json()
    assert body["data"]["orders"] == []
    assert body["data"]["pagination"]["has_more"] is False


# --- seeded data claims ----------------------------------------------------------------

def test_dataset_is_deterministic():
    first, second = build_dataset(), build_dataset()
    assert json.dumps(vars(first), sort_keys=True) == json.dumps(vars(second), sort_keys=True)


def test_http_answers_are_byte_stable(sandbox, session):
    path = f"/customers/{PAGING_CUSTOMER_ID}/orders"
    first, second = (call(session, sandbox, path, limit=100).json()["data"] for _ in range(2))
    assert first == second


def test_ids_and_numbers_follow_the_documented_shapes(data):
    assert len(data.customers) >= 50
    assert all(cid.startswith("CUST-") for cid in data.customers)
    assert "ORD-50001" in data.orders and data.orders["ORD-50001"]["order_number"] == "PO-10001"
    assert "INV-70001" in data.invoices
    assert all(len(number.split("-")) == 2 for number in data.invoice_ids_by_number)
    assert any(number.startswith("2026-") for number in data.invoice_ids_by_number)


def test_the_busy_customer_has_forty_active_orders_numbered_after_everyone_elses(data):
    busy = data.orders_by_customer[BUSY_CUSTOMER_ID]
    others = [order for cid, orders in data.orders_by_customer.items() if cid != BUSY_CUSTOMER_ID for order in orders]

    assert sum(order["status"] in ACTIVE for order in busy) == BUSY_ACTIVE_ORDERS == 40
    assert min(_number(order["order_id"]) for order in busy) == max(_number(order["order_id"]) for order in others) + 1
    assert [order["order_id"] for order in busy] == sorted((order["order_id"] for order in busy), reverse=True)
    assert data.invoices_by_customer[BUSY_CUSTOMER_ID] == []
    assert data.customer_ids_by_email[data.customers[BUSY_CUSTOMER_ID]["email"].lower()] == BUSY_CUSTOMER_ID


def _number(identifier):
    return int(identifier.rsplit("-", 1)[1])


def test_special_customers(data):
    assert len(data.orders_by_customer[PAGING_CUSTOMER_ID]) >= 35
    assert len(data.invoices_by_customer[PAGING_CUSTOMER_ID]) >= 35
    bench = data.orders_by_customer[BENCH_CUSTOMER_ID]
    assert sum(order["status"] in ACTIVE for order in bench) == 10
    assert data.orders_by_customer[EMPTY_CUSTOMER_ID] == []
    assert data.invoices_by_customer[EMPTY_CUSTOMER_ID] == []
    assert EMPTY_CUSTOMER_ID not in data.wallets
    assert data.orders_by_customer[NO_INVOICES_CUSTOMER_ID]
    assert data.invoices_by_customer[NO_INVOICES_CUSTOMER_ID] == []
    tiers = {customer["vip_tier"] for customer in data.customers.values()}
    assert {None, "silver", "gold", "platinum"} <= tiers
    assert any(c["company_name"] is None for c in data.customers.values())
    assert any(c["billing_address"] is None for c in data.customers.values())


def test_every_status_appears(data):
    orders = {order["status"] for order in data.orders.values()}
    assert orders == {"pending", "in_production", "on_hold", "ready_to_ship", "shipped", "delivered", "cancelled"}
    stages = {stage["status"] for p in data.production.values() for stage in p["stages"]}
    assert stages == {"pending", "in_progress", "completed", "on_hold", "cancelled"}
    artwork = {item["status"] for a in data.artwork.values() for item in a["artwork_items"]}
    assert artwork == {"pending", "submitted", "approved", "rejected", "revision_requested"}
    invoices = {invoice["status"] for invoice in data.invoices.values()}
    assert invoices == {"draft", "sent", "paid", "partial", "overdue", "cancelled"}
    stage_names = {stage["stage_name"] for p in data.production.values() for stage in p["stages"]}
    assert stage_names == {"prepress", "printing", "finishing", "quality_check", "packaging"}


def test_production_completion_matches_stages(data):
    for production in data.production.values():
        done = sum(stage["status"] == "completed" for stage in production["stages"])
        assert production["completion_percentage"] == done * 100 // len(production["stages"])


def test_artwork_dates_match_status(data):
    for artwork in data.artwork.values():
        for item in artwork["artwork_items"]:
            for status in ("approved", "rejected", "revision_requested"):
                assert bool(item.get(f"{status}_date")) == (item["status"] == status)


def test_invoice_amounts_are_consistent(data):
    for invoice in data.invoices.values():
        total, paid, due = (money(invoice[k]) for k in ("total_amount", "amount_paid", "amount_due"))
        if invoice["status"] == "cancelled":
            assert due == 0
            continue
        assert paid + due == total
        assert (paid == total) == (invoice["status"] == "paid")
        line_sum = sum(money(line["total"]) for line in invoice["line_items"])
        assert line_sum == total


def test_wallet_balances_are_the_sum_of_transactions(data):
    types = set()
    for wallet in data.wallets.values():
        signed = [money(t["amount"]) * (1 if t["type"] == "credit" else -1) for t in wallet["transactions"]]
        types |= {t["type"] for t in wallet["transactions"]}
        assert money(wallet["balance"]) == sum(signed, Decimal("0.00"))
        assert money(wallet["balance"]) >= 0
    assert types == {"credit", "debit"}


def test_amounts_and_dates_vary_in_form(data):
    amounts = [line["unit_price"] for order in data.orders.values() for line in order["line_items"]]
    assert {type(amount) for amount in amounts} == {str, float}
    assert all(money(a) == money(a).quantize(Decimal("0.01")) for a in amounts)
    dates = [datetime.fromisoformat(order["order_date"]) for order in data.orders.values()]
    assert any(d.tzinfo is None for d in dates) and any(d.tzinfo is not None for d in dates)


def test_extra_undocumented_fields_are_present(data):
    order = some_order(data)
    assert "internal_ref" in order and "sales_rep" in order


def test_hostile_customer(sandbox, session, data):
    customer = call(session, sandbox, f"/customers/{HOSTILE_CUSTOMER_ID}").json()["data"]
    assert "<script>alert(1)</script>" in customer["name"]
    assert "onerror=alert(1)" in customer["company_name"]
    urls = set()
    for order in data.orders_by_customer[HOSTILE_CUSTOMER_ID]:
        artwork = call(session, sandbox, f"/orders/{order['order_id']}/artwork").json()["data"]
        for item in artwork["artwork_items"]:
            urls |= {info["url"] for info in item["files"].values()}
    assert {"javascript:alert(1)", "//evil.example/x.png"} <= urls
    assert any(url.startswith("data:text/html") for url in urls)
    assert not any(url.startswith("http") for url in urls)
    pdfs = {invoice["pdf_url"] for invoice in data.invoices_by_customer[HOSTILE_CUSTOMER_ID]}
    assert not any(url.startswith("http") for url in pdfs)


# --- fault knobs -----------------------------------------------------------------------

def test_latency_is_added(sandbox, session):
    sandbox.set_faults(latency_ms=200)
    started = time.monotonic()
    assert call(session, sandbox, f"/customers/{PAGING_CUSTOMER_ID}").status_code == 200
    assert time.monotonic() - started >= 0.2


def test_forced_status_hits_only_its_endpoint(sandbox, session):
    sandbox.set_faults(fail_endpoint="/api/customers/{id}/invoices", fail_status=429)
    response = call(session, sandbox, f"/customers/{PAGING_CUSTOMER_ID}/invoices")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert response.json()["error"]["code"] == "RATE_LIMITED"
    assert call(session, sandbox, f"/customers/{PAGING_CUSTOMER_ID}/orders").status_code == 200


@pytest.mark.parametrize("status", [500, 503, 401])
def test_forced_status_answers_an_error_envelope(sandbox, session, status):
    sandbox.set_faults(fail_endpoint="/api/orders/{order_id}", fail_status=status)
    response = call(session, sandbox, "/orders/ORD-50001")
    assert response.status_code == status
    assert response.json()["success"] is False


def test_non_json_answers_html(sandbox, session):
    sandbox.set_faults(non_json=True)
    response = call(session, sandbox, f"/customers/{PAGING_CUSTOMER_ID}")
    assert response.headers["Content-Type"].startswith("text/html")
    with pytest.raises(ValueError):
        response.json()


def test_failure_rate_one_fails_every_call(sandbox, session):
    sandbox.set_faults(failure_rate=1.0)
    for _ in range(5):
        response = call(session, sandbox, f"/customers/{PAGING_CUSTOMER_ID}")
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    sandbox.set_faults(failure_rate=0)
    assert call(session, sandbox, f"/customers/{PAGING_CUSTOMER_ID}").status_code == 200


def test_bad_fault_values_are_refused(sandbox):
    for bad in ({"failure_rate": 2}, {"fail_endpoint": "/api/nope"}, {"fail_status": 200}, {"colour": 1}):
        with pytest.raises(ValueError):
            sandbox.set_faults(**bad)
    assert sandbox.faults["failure_rate"] == 0


def test_control_endpoint_sets_and_resets_faults(sandbox, session):
    url = f"{sandbox.root_url}/_sandbox/faults"
    response = requests.post(url, json={"fail_endpoint": "/api/orders/{id}", "fail_status": 500}, timeout=10)
    assert response.status_code == 200
    assert sandbox.faults["fail_endpoint"] == "/api/orders/{id}"
    assert call(session, sandbox, "/orders/ORD-50001").status_code == 500
    assert requests.post(url, json={"failure_rate": "lots"}, timeout=10).status_code == 400
    assert requests.delete(url, timeout=10).json()["fail_endpoint"] is None
    assert call(session, sandbox, "/orders/ORD-50001").status_code == 200


# --- stats -----------------------------------------------------------------------------

def test_it_counts_the_connections_clients_open_not_the_calls_on_them(sandbox):
    headers = {"Authorization": f"Bearer {KEY}"}
    with requests.Session() as kept:
        for _ in range(3):
            kept.get(f"{sandbox.base_url}/customers/CUST-1001", headers=headers, timeout=10)
    requests.get(f"{sandbox.base_url}/customers/CUST-1001", headers=headers, timeout=10)

    assert sandbox.connections_accepted() == 2
    sandbox.reset_stats()
    assert sandbox.connections_accepted() == 0


def test_stats_count_calls_per_endpoint(sandbox, session):
    for order_id in ("ORD-50001", "ORD-50002", "ORD-1"):
        call(session, sandbox, f"/orders/{order_id}/production")
    call(session, sandbox, f"/customers/{PAGING_CUSTOMER_ID}")
    stats = sandbox.stats()
    assert stats["/api/orders/{id}/production"] == 3
    assert stats["/api/customers/{id}"] == 1
    assert stats["/api/invoices/{id}"] == 0
    over_http = requests.get(f"{sandbox.root_url}/_sandbox/stats", timeout=10).json()
    assert over_http["calls"] == stats and over_http["total"] == 4
    sandbox.reset_stats()
    assert sum(sandbox.stats().values()) == 0


# --- files -----------------------------------------------------------------------------

def test_artwork_images_are_served_without_key(sandbox, session, data):
    artwork = call(session, sandbox, f"/orders/{some_order(data)['order_id']}/artwork").json()["data"]
    files = artwork["artwork_items"][0]["files"]
    assert files["thumbnail"]["url"].startswith(sandbox.root_url + "/files/")
    for kind in ("thumbnail", "preview", "original"):
        response = requests.get(files[kind]["url"], timeout=10)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "image/svg+xml"
        assert len(response.content) == files[kind]["file_size"]
        assert ET.fromstring(response.content).tag.endswith("svg")
    assert ET.fromstring(requests.get(files["thumbnail"]["url"], timeout=10).content).get("width") == "120"


def test_svg_text_is_xml_escaped(sandbox, data):
    art_id = next(a for a, (name, _) in data.artwork_art.items() if "<script>" in name)
    response = requests.get(f"{sandbox.root_url}/files/artwork/{art_id}/preview.svg", timeout=10)
    assert b"<script>" not in response.content
    assert b"&lt;script&gt;" in response.content
    ET.fromstring(response.content)


def test_pdfs_are_served(sandbox, session, data):
    invoice = call(session, sandbox, "/invoices/INV-70001").json()["data"]
    response = requests.get(invoice["pdf_url"], timeout=10)
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and response.content.rstrip().endswith(b"%%EOF")


def test_unknown_file_is_404(sandbox):
    assert requests.get(f"{sandbox.root_url}/files/artwork/ART-1/preview.svg", timeout=10).status_code == 404


def test_file_urls_follow_the_host_header(sandbox, session):
    headers = {"Host": f"localhost:{sandbox.port}"}
    artwork = session.get(f"{sandbox.base_url}/orders/ORD-50001/artwork", headers=headers, timeout=10).json()
    url = artwork["data"]["artwork_items"][0]["files"]["preview"]["url"]
    assert url.startswith(f"http://localhost:{sandbox.port}/files/")


# --- serving ---------------------------------------------------------------------------

def test_many_concurrent_requests(sandbox):
    def fetch(n):
        headers = {"Authorization": f"Bearer {KEY}"}
        return requests.get(f"{sandbox.base_url}/orders/ORD-{50001 + n}", headers=headers, timeout=10).status_code

    with ThreadPoolExecutor(max_workers=64) as pool:
        assert set(pool.map(fetch, range(200))) == {200}


def test_server_starts_and_stops_as_a_context_manager():
    with SandboxServer(port=0, key="k") as srv:
        assert srv.base_url == f"http://127.0.0.1:{srv.port}/api"
        response = requests.get(f"{srv.base_url}/customers/CUST-1001",
                                headers={"Authorization": "Bearer k"}, timeout=10)
        assert response.status_code == 200
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{srv.root_url}/api/customers/CUST-1001", timeout=2)


def test_cli_prints_its_url_and_serves():
    root = Path(__file__).resolve().parents[2]
    command = [sys.executable, "-m", "sandbox_perp", "--port", "0", "--key", "cli-key"]
    process = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline().strip()
        base_url = line.split()[-1]
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/api")
        response = requests.get(f"{base_url}/customers/CUST-1001",
                                headers={"Authorization": "Bearer cli-key"}, timeout=10)
        assert response.json()["data"]["customer_id"] == "CUST-1001"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_it_logs_each_call_with_its_times_when_asked(session):
    with SandboxServer(port=0, key=KEY, latency_ms=20, log_calls=True) as srv:
        call(session, srv, f"/customers/{BENCH_CUSTOMER_ID}/orders", limit=10)
        [logged] = srv.calls()
        assert logged.template == "/api/customers/{id}/orders"
        assert logged.params == {"id": BENCH_CUSTOMER_ID}
        assert logged.query == {"limit": "10"} and logged.ended - logged.started >= 0.02
        srv.reset_stats()
        assert srv.calls() == []


# --- dialects ----------------------------------------------------------------------------

ERP_AMOUNT = re.compile(r"-?\d{1,3}(,\d{3})*\.\d{2}")
SPACE_DATETIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


@pytest.fixture
def erp(sandbox):
    sandbox.set_faults(dialect="erp")
    return sandbox


def erp_data(session, server, path, **params):
    response = call(session, server, path, **params)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_the_erp_dialect_writes_amounts_with_thousands_separators(erp, session):
    customer = erp_data(session, erp, "/customers/1001")
    invoices = erp_data(session, erp, "/customers/1001/invoices", limit=100)["invoices"]

    assert customer["customer_id"] == "1001"
    assert re.fullmatch(r"\d{1,3},\d{3}\.\d{2}", customer["lifetime_value"])
    amounts = [invoice[key] for invoice in invoices for key in ("total_amount", "amount_paid", "amount_due")]
    assert all(isinstance(amount, str) and ERP_AMOUNT.fullmatch(amount) for amount in amounts)
    assert any("," in amount for amount in amounts)


def test_the_erp_dialect_writes_percentages_datetimes_sizes_and_counts_as_text(erp, session, data):
    order = some_order(data, BENCH_CUSTOMER_ID)
    production = erp_data(session, erp, f"/orders/{order['order_id']}/production")
    artwork = erp_data(session, erp, f"/orders/{order['order_id']}/artwork")
    spoken = erp_data(session, erp, f"/orders/{order['order_id']}")

    assert production["completion_percentage"] == f"{data.production[order['order_id']]['completion_percentage']}%"
    assert SPACE_DATETIME.fullmatch(spoken["order_date"])
    original = artwork["artwork_items"][0]["files"]["original"]
    assert re.fullmatch(r"\d+(\.\d)? (bytes|KB|MB)", original["file_size"])
    standard_original = data.artwork[order["order_id"]]["artwork_items"][0]["files"]["original"]
    assert original["dpi"] == str(standard_original["dpi"])
    assert all(isinstance(line["quantity"], str) for line in spoken["line_items"])
    assert erp_data(session, erp, "/customers/1001")["total_orders"] == 42.0
    assert erp_data(session, erp, "/customers/1001")["is_vip"] == "Y"


def test_the_erp_dialect_adds_fields_of_its_own_to_every_record(erp, session, data):
    order = some_order(data)
    spoken = erp_data(session, erp, f"/orders/{order['order_id']}")

    assert spoken["erp_revision"] == "7" and spoken["x_legacy"]["source"] == "ERP"
    assert all("x_legacy" in line for line in spoken["line_items"])


def test_the_erp_dialect_has_identifier_formats_of_its_own(erp, session, data):
    invoice = data.invoices_by_customer[PAGING_CUSTOMER_ID][0]
    order = some_order(data)
    erp_number = erp_data(session, erp, f"/invoices/{invoice['invoice_id']}")["invoice_number"]

    year, sequence = invoice["invoice_number"].split("-")
    assert erp_number == f"INV-{int(sequence):03d}-{int(year) - 2025:03d}"
    assert erp_data(session, erp, "/invoices/search", invoice_number=erp_number)["invoice_id"] == invoice["invoice_id"]
    erp_order_number = "SO" + order["order_number"].removeprefix("PO-")
    assert erp_data(session, erp, "/orders/search", order_number=erp_order_number)["order_id"] == order["order_id"]
    assert erp_data(session, erp, "/customers/search", email=data.customers[PAGING_CUSTOMER_ID]["email"])[
        "customer_id"] == PAGING_CUSTOMER_ID.removeprefix("CUST-")


@pytest.mark.parametrize(
    "path, params",
    [
        (f"/customers/{PAGING_CUSTOMER_ID}", {}),
        ("/orders/search", {"order_number": "PO-10001"}),
        ("/invoices/search", {"invoice_number": "2026-0001"}),
    ],
)
def test_the_erp_dialect_does_not_know_the_standard_identifiers(erp, session, path, params):
    assert call(session, erp, path, **params).status_code == 404


def test_the_dialect_is_a_knob_of_the_control_endpoint(sandbox, session):
    url = f"{sandbox.root_url}/_sandbox/faults"

    assert requests.post(url, json={"dialect": "erp"}, timeout=10).json()["dialect"] == "erp"
    assert call(session, sandbox, "/customers/1001").status_code == 200
    assert requests.post(url, json={"dialect": "klingon"}, timeout=10).status_code == 400
    assert requests.delete(url, timeout=10).json()["dialect"] == "standard"
    assert call(session, sandbox, f"/customers/{PAGING_CUSTOMER_ID}").json()["data"]["lifetime_value"] == (
        get_dataset().customers[PAGING_CUSTOMER_ID]["lifetime_value"])


def test_the_cli_speaks_the_dialect_asked_for():
    root = Path(__file__).resolve().parents[2]
    command = [sys.executable, "-m", "sandbox_perp", "--port", "0", "--key", "cli-key", "--dialect", "erp"]
    process = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, text=True)
    try:
        base_url = process.stdout.readline().split()[-1]
        response = requests.get(f"{base_url}/customers/1001", headers={"Authorization": "Bearer cli-key"}, timeout=10)
        assert response.json()["data"]["customer_id"] == "1001"
    finally:
        process.terminate()
        process.wait(timeout=10)
