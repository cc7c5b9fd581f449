"""What the configured log handler writes: every line of a request carries its request id
(Django's own lines after the response too), a bad Host is one warning line, and no
query string is written.

The lines are read from the handler perpdesk.settings.LOGGING configures (its
formatter and filters), not from a handler the test builds.
"""

import io
import json
import logging

import pytest
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import include, path

from lookup.context import request_id
from lookup.ops.log_format import PlainFormatter

pytestmark = pytest.mark.urls(__name__)
view_logger = logging.getLogger("tests.log_lines")


@login_not_required
def returns_503(request):
    view_logger.warning("about to answer 503")
    return HttpResponse("down for a moment", status=503)


@login_not_required
def raises(request):
    raise RuntimeError("the view broke")


urlpatterns = [
    path("returns-503/", returns_503),
    path("raises/", raises),
    path("", include("perpdesk.urls")),
]


@pytest.fixture
def written():
    """The lines the configured console handler writes during the test, parsed."""
    [handler] = [handler for handler in logging.getLogger().handlers if handler.get_name() == "console"]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    handler.setStream(previous)


def lines_of(lines, logger):
    return [line for line in lines if line["logger"] == logger]


def test_django_s_line_for_a_5xx_a_view_returned_carries_the_request_id(client, written):
    response = client.get("/returns-503/?q=ada%40example.com")

    assert response.status_code == 503
    [django_line] = lines_of(written(), "django.request")
    assert django_line["message"] == "Service Unavailable: /returns-503/"
    assert django_line["request_id"] == response["X-Request-ID"]


def test_every_line_of_a_request_carries_the_same_id(client, written):
    response = client.get("/returns-503/")

    lines = written()
    assert {line["logger"] for line in lines} >= {"tests.log_lines", "perpdesk.request", "django.request"}
    assert {line["request_id"] for line in lines} == {response["X-Request-ID"]}


def test_an_exception_s_500_keeps_its_traceback_and_its_request_id(client, written):
    client.raise_request_exception = False

    response = client.get("/raises/")

    assert response.status_code == 500
    [django_line] = lines_of(written(), "django.request")
    assert django_line["level"] == "ERROR" and "RuntimeError: the view broke" in django_line["exception"]
    assert django_line["request_id"] == response["X-Request-ID"]


def test_a_host_not_allowed_is_one_warning_line_without_a_traceback(client, written):
    response = client.get("/login/", HTTP_HOST="scanner.example.net")

    assert response.status_code == 400
    lines = written()
    [line] = lines_of(lines, "django.security.DisallowedHost")
    assert line["level"] == "WARNING" and "exception" not in line
    assert "scanner.example.net" in line["message"] and "\n" not in line["message"]
    assert line["request_id"] == response["X-Request-ID"]
    assert not [other for other in lines if other["level"] in ("ERROR", "CRITICAL")]


def test_no_line_holds_a_query_string(alice_client, written, perp):
    perp.get("http://perp.test/api/customers/search", status=404, json={"error": {"code": "NOT_FOUND"}})

    alice_client.get("/", {"q": "ada@example.com"})
    alice_client.get("/returns-503/", {"q": "ada@example.com"})

    text = json.dumps(written())
    assert "perpdesk.request" in text and "django.request" in text
    assert "ada@example.com" not in text and "ada%40example.com" not in text


def plain_line(record):
    return PlainFormatter().format(record)


def test_the_plain_format_shows_the_request_id_or_a_dash():
    record = logging.LogRecord("perpdesk.perp", logging.INFO, __file__, 1, "GET %s", ("/api/x",), None)
    assert plain_line(record).endswith(" INFO perpdesk.perp [-] GET /api/x")

    token = request_id.set("0123456789abcdef0123456789abcdef")
    try:
        assert " [0123456789abcdef0123456789abcdef] GET /api/x" in plain_line(record)
    finally:
        request_id.reset(token)


def test_the_id_left_on_the_request_is_used_once_the_context_is_gone():
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Service Unavailable: /x", (), None)
    record.request = type("Request", (), {"perpdesk_request_id": "feedfacefeedfacefeedfacefeedface"})()

    assert "[feedfacefeedfacefeedfacefeedface]" in plain_line(record)
