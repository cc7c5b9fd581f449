"""The JSON log: one line per request and one per PERP call, tied by the request id."""

import io
import json
import logging
import re

import pytest

from lookup.pages import kept_pages
from lookup.ops.log_format import JsonFormatter
from tests.support import perp_payloads as p
from tests.support.settings_probe import settings_from

CUSTOMER_URL = "/customers/CUST-1001/"


@pytest.fixture
def json_log():
    """Every log line, formatted as production writes it (in the thread that logs)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)


@pytest.fixture
def fake(fake):
    """The shared fake, serving a customer with no orders or invoices."""
    fake.ok("/customers/CUST-1001", p.customer())
    fake.ok("/customers/CUST-1001/vip-wallet", p.wallet())
    fake.ok("/customers/CUST-1001/orders", p.orders_page([]))
    fake.ok("/customers/CUST-1001/invoices", p.invoices_page([]))
    fake.ok("/customers/search?email=ada@example.com", p.customer())
    return fake


def request_lines(lines):
    return [line for line in lines if line["logger"] == "perpdesk.request"]


def perp_lines(lines):
    return [line for line in lines if line["logger"] == "perpdesk.perp"]


def test_it_logs_one_line_per_request(alice_client, fake, json_log):
    response = alice_client.get(CUSTOMER_URL)

    [line] = request_lines(json_log())
    assert line["request_id"] == response["X-Request-ID"]
    assert line["user"] == "alice"
    assert line["method"] == "GET"
    assert line["route"] == "/customers/<str:customer_id>/"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], int)
    assert line["perp_calls"] == len(fake.requested) == 4
    assert line["perp_ms"] >= 0
    assert line["cache_miss"] == 4 and line["cache_hit"] == 0


def test_it_counts_cache_hits_on_the_next_visit(alice_client, fake, json_log):
    alice_client.get(CUSTOMER_URL)
    kept_pages.forget("CUST-1001")  # the kept page retired: its copies are read
    alice_client.get(CUSTOMER_URL)

    first, second = request_lines(json_log())
    assert (second["perp_calls"], second["cache_hit"], second["cache_miss"]) == (0, 4, 0)
    assert (first["kept_page"], second["kept_page"]) == (False, False)


def test_it_says_when_a_page_was_shown_whole_from_an_earlier_view(alice_client, fake, json_log):
    alice_client.get(CUSTOMER_URL)
    alice_client.get(CUSTOMER_URL)

    first, second = request_lines(json_log())
    assert (second["perp_calls"], second["cache_hit"], second["cache_miss"]) == (0, 0, 0)
    assert (first["kept_page"], second["kept_page"]) == (False, True)


def test_it_logs_each_perp_call_once_with_the_request_id(alice_client, fake, json_log):
    response = alice_client.get(CUSTOMER_URL)

    calls = perp_lines(json_log())
    assert len(calls) == 4
    assert {call["request_id"] for call in calls} == {response["X-Request-ID"]}
    assert {call["perp_endpoint"] for call in calls} == {
        "/api/customers/{customer_id}",
        "/api/customers/{customer_id}/vip-wallet",
        "/api/customers/{customer_id}/orders",
        "/api/customers/{customer_id}/invoices",
    }
    assert all(call["perp_outcome"] == "ok" and call["perp_attempts"] == 1 for call in calls)


def test_it_sends_the_request_id_to_perp_from_every_thread(alice_client, perp):
    sent = []

    def not_found(request):
        sent.append(request.headers.get("X-Request-ID"))
        return 404, p.error_envelope("CUSTOMER_NOT_FOUND")

    fake = p.FakePERP(perp)
    for path in ("", "/vip-wallet", "/orders", "/invoices"):
        fake.on(f"/customers/CUST-1001{path}", not_found)

    response = alice_client.get(CUSTOMER_URL)

    assert sent and set(sent) == {response["X-Request-ID"]}


def test_it_never_logs_what_was_searched_for_or_which_customer(alice_client, fake, json_log):
    alice_client.get("/", {"q": "ada@example.com"})
    alice_client.get(CUSTOMER_URL)

    lines = json_log()
    text = "\n".join(json.dumps(line) for line in lines)
    assert perp_lines(lines) and request_lines(lines)
    assert "ada@example.com" not in text and "ada%40example.com" not in text
    assert "CUST-1001" not in text
    assert "test-perp-key-never-shown" not in text


def test_it_takes_the_request_id_from_a_trusted_proxy(client, json_log):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="0123456789abcdef0123456789abcdef")

    assert response["X-Request-ID"] == "0123456789abcdef0123456789abcdef"
    assert request_lines(json_log())[0]["request_id"] == "0123456789abcdef0123456789abcdef"


def test_it_ignores_a_request_id_from_anyone_else(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="0123456789abcdef", REMOTE_ADDR="203.0.113.7")

    assert response["X-Request-ID"] != "0123456789abcdef"
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


@pytest.mark.parametrize("forged", ["short", "x" * 200, "id with spaces", "id\u00e9ok12345", "a;b=c,d12345"])
def test_it_replaces_a_request_id_that_does_not_look_like_one(client, forged):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=forged)

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_it_logs_probes_without_a_route_parameter_or_user(client, json_log):
    client.get("/healthz")

    [line] = request_lines(json_log())
    assert (line["route"], line["user"], line["status"], line["perp_calls"]) == ("/healthz", None, 200, 0)


def test_it_writes_extra_fields_but_no_objects():
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "Not Found: %s", ("/p",), None)
    record.status_code = 404
    record.request = object()  # Django attaches the request; its repr has the query string

    line = json.loads(JsonFormatter().format(record))

    assert line["message"] == "Not Found: /p" and line["status_code"] == 404 and line["level"] == "WARNING"
    assert "request" not in line


def test_it_writes_the_traceback_of_an_exception():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), __import__("sys").exc_info())

    assert "ValueError: boom" in json.loads(JsonFormatter().format(record))["exception"]


@pytest.mark.parametrize(
    "env, expected",
    [({}, "json"), ({"DEBUG": "true"}, "plain"), ({"LOG_FORMAT": "plain"}, "plain")],
)
def test_it_writes_json_in_production_and_plain_with_debug(env, expected):
    values = settings_from(env, "LOG_FORMAT", "LOGGING")

    assert values["LOG_FORMAT"] == expected
    assert values["LOGGING"]["handlers"]["console"]["formatter"] == expected


def test_it_refuses_an_unknown_log_format():
    assert "LOG_FORMAT is not valid: expected json or plain." in settings_from({"LOG_FORMAT": "xml"})["SETTINGS_ERRORS"]
