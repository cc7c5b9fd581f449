"""Every PERP call is bounded in size and in total time, against a real HTTP server.

The server in this module answers raw HTTP from a thread, one behaviour per customer
id: very large bodies, compressed bodies that inflate, bodies and headers that trickle
a byte at a time, JSON nested far too deep. None of it is ever held whole by the server
either: large bodies are written from one small chunk, over and over.
"""

import json
import socketserver
import ssl
import threading
import time
import timeit
import zlib

import pytest
import responses
from django.test import override_settings
from hypothesis import given, settings, strategies as st
from urllib3.util import connection as urllib3_connection

from lookup.pages import messages
from lookup.checks import check_settings
from lookup.perp import body
from lookup.perp.client import PERPClient, client_from_settings
from lookup.perp.errors import PERPBadResponse, PERPUnavailable
from tests.support.nginx import self_signed_certificate

LIMIT = 1024 * 1024  # the clients' PERP_MAX_RESPONSE_BYTES here
DEADLINE = 1.0  # and their PERP_CALL_DEADLINE_SECONDS
CUSTOMER = {"customer_id": "C-1", "name": "Ada Print", "email": "ada@example.com"}
CHUNK = b" " * 65536


def _compressed_spaces(megabytes, wbits):
    """A JSON envelope whose string holds `megabytes` MB of spaces, compressed (a bomb)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    parts = [packer.compress(b'{"success": true, "data": {"name": "')]
    parts += [packer.compress(CHUNK) for _ in range(megabytes * 16)]
    parts += [packer.compress(b'"}}'), packer.flush()]
    return b"".join(parts)


GZIP_BOMB = _compressed_spaces(64, 16 + zlib.MAX_WBITS)
DEFLATE_BOMB = _compressed_spaces(64, zlib.MAX_WBITS)
OK_BODY = json.dumps({"success": True, "data": CUSTOMER}).encode()


class _Handler(socketserver.BaseRequestHandler):
    def handle(self):
        """Answer requests on this connection while they are "ok" or "missing" (kept
        alive); close it after any other."""
        behaviour = "ok"
        while behaviour in ("ok", "missing"):
            behaviour = self.next_request()
            if behaviour is None:
                return
            self.server.requests.append(behaviour)
            try:
                getattr(self, "answer_" + behaviour.replace("-", "_"))()
            except OSError:  # the client went away: what the tests expect of hostile answers
                return

    def next_request(self):
        request = b""
        while b"\r\n\r\n" not in request:
            data = self.request.recv(65536)
            if not data:
                return None
            request += data
        path = request.split(b" ", 2)[1].decode()
        return path.rsplit("/", 1)[-1].split("?")[0]

    def send(self, data):
        self.request.sendall(data)
        self.server.sent_bytes += len(data)

    def head(self, length=None, extra=b""):
        size = b"Content-Length: %d\r\n" % length if length is not None else b"Transfer-Encoding: chunked\r\n"
        self.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + size + extra + b"\r\n")

    def answer_ok(self):
        self.head(len(OK_BODY))
        self.send(OK_BODY)

    def answer_missing(self):  # PERP's not found
        answer = json.dumps({"success": False, "error": {"code": "CUSTOMER_NOT_FOUND"}}).encode()
        self.send(b"HTTP/1.1 404 Not Found\r\nContent-Length: %d\r\n\r\n%s" % (len(answer), answer))

    def answer_huge_chunked(self):  # 200 MB, chunk by chunk, never announced
        self.head()
        start = b'{"success": true, "data": {"name": "'
        self.send(b"%x\r\n%s\r\n" % (len(start), start))
        for _ in range(3200):
            self.send(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK))

    def answer_huge_announced(self):  # 200 MB, announced by Content-Length
        self.head(200 * 1024 * 1024)
        for _ in range(3200):
            self.send(CHUNK)

    def answer_gzip_bomb(self):
        self.head(len(GZIP_BOMB), b"Content-Encoding: gzip\r\n")
        self.send(GZIP_BOMB)

    def answer_deflate_bomb(self):
        self.head(len(DEFLATE_BOMB), b"Content-Encoding: deflate\r\n")
        self.send(DEFLATE_BOMB)

    def answer_trickle_body(self):  # a valid answer, one byte every 50 ms: 5 s in all
        answer = OK_BODY.ljust(100)
        self.head(len(answer))
        for byte in answer:
            self.send(bytes([byte]))
            time.sleep(0.05)

    def answer_trickle_headers(self):  # header lines that never end, a byte every 50 ms
        self.send(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        for _ in range(200):
            self.send(b"x")
            time.sleep(0.05)

    def answer_deep(self):  # nested 100 000 deep, in a field perpdesk does not even read
        nested = b"[" * 100_000 + b"]" * 100_000
        answer = b'{"success": true, "data": {"customer_id": "C-1", "junk": ' + nested + b"}}"
        self.head(len(answer))
        self.send(answer)

    def answer_unavailable(self):  # 503 asking for a pause longer than the deadline allows
        self.send(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests = []
        self.sent_bytes = 0

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/api"


class _TLSServer(_Server):
    def __init__(self, cert_path, key_path):
        super().__init__()
        self.tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.tls.load_cert_chain(cert_path, key_path)

    def get_request(self):
        connection, address = super().get_request()
        return self.tls.wrap_socket(connection, server_side=True), address

    @property
    def url(self):
        return super().url.replace("http:", "https:")


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    cert_path, key_path = self_signed_certificate(tmp_path_factory.mktemp("tls"))
    with _TLSServer(cert_path, key_path) as running:
        threading.Thread(target=running.serve_forever, daemon=True).start()
        running.cert_path = str(cert_path)
        yield running
        running.shutdown()


@pytest.fixture(scope="module")
def perp_server():
    with _Server() as running:
        thread = threading.Thread(target=running.serve_forever, daemon=True)
        thread.start()
        yield running
        running.shutdown()


@pytest.fixture
def server(perp_server):
    perp_server.requests.clear()
    perp_server.sent_bytes = 0
    return perp_server


@pytest.fixture
def client(server):
    return _client(server)


def _client(server, **overrides):
    options = dict(
        base_url=server.url, api_key="k", connect_timeout=0.5, read_timeout=0.5, max_retries=0,
        max_response_bytes=LIMIT, call_deadline=DEADLINE, pool_size=4,
    )
    return PERPClient(**{**options, **overrides})


def _timed(call):
    started = time.monotonic()
    try:
        call()
    except Exception as error:  # noqa: BLE001 - the test inspects it
        return error, time.monotonic() - started
    raise AssertionError("the call did not fail")


# --- Size -------------------------------------------------------------------------


@pytest.mark.parametrize("behaviour", ["huge-chunked", "huge-announced"])
def test_it_refuses_an_answer_over_the_size_limit_while_it_streams(server, client, behaviour):
    error, _ = _timed(lambda: client.get_customer(behaviour))

    assert isinstance(error, PERPBadResponse) and error.reason == "too_large"
    assert messages.message_for(error) == "PERP's answer was too large"
    time.sleep(0.2)  # the server notices the closed connection
    assert server.sent_bytes < 20 * LIMIT  # it stopped reading long before the 200 MB
    assert client.get_customer("ok").customer_id == "C-1"  # on a new connection


@pytest.mark.parametrize("behaviour", ["gzip-bomb", "deflate-bomb"])
def test_it_refuses_a_compressed_answer_that_inflates_past_the_limit(client, behaviour):
    error, _ = _timed(lambda: client.get_customer(behaviour))

    assert isinstance(error, PERPBadResponse) and error.reason == "too_large"
    assert "1048576 bytes" in error.detail


def test_it_reads_an_answer_under_the_limit(client):
    assert client.get_customer("ok").name == "Ada Print"


# --- Time -------------------------------------------------------------------------


@pytest.mark.parametrize("behaviour", ["trickle-body", "trickle-headers"])
def test_a_trickling_answer_cannot_hold_the_call_past_its_deadline(client, behaviour):
    error, took = _timed(lambda: client.get_customer(behaviour))

    assert isinstance(error, PERPUnavailable) and error.reason == "timeout"
    assert DEADLINE <= took < DEADLINE + 0.5  # each byte came well within the read timeout
    assert messages.message_for(error) == "PERP did not answer within 1 s"


@pytest.mark.parametrize("behaviour", ["trickle-body", "trickle-headers"])
def test_the_deadline_holds_over_tls_too(tls_server, behaviour):
    client = _client(tls_server)
    client._transport.verify = tls_server.cert_path

    error, took = _timed(lambda: client.get_customer(behaviour))

    assert isinstance(error, PERPUnavailable) and error.reason == "timeout"
    assert took < DEADLINE + 0.5
    assert client.get_customer("ok").customer_id == "C-1"  # the cut connection was not reused


def test_retries_and_their_pauses_stay_within_the_deadline(server):
    client = _client(server, max_retries=5, retry_after_cap=0.6)

    error, took = _timed(lambda: client.get_customer("unavailable"))

    assert isinstance(error, PERPUnavailable) and error.status == 503
    assert took < DEADLINE
    assert server.requests == ["unavailable", "unavailable"]  # a third pause would pass it


def test_a_connection_cut_at_the_deadline_is_not_reused(server, client):
    _timed(lambda: client.get_customer("trickle-body"))

    assert client.get_customer("ok").customer_id == "C-1"
    assert client.get_customer("ok").customer_id == "C-1"  # and the pool still works


def test_a_call_that_ends_in_time_leaves_its_connection_to_the_next(server, client):
    connections = []
    saved = urllib3_connection.create_connection

    def counting(*args, **kwargs):
        connections.append(args[0])
        return saved(*args, **kwargs)

    urllib3_connection.create_connection = counting
    try:
        for behaviour in ("ok", "missing", "ok", "missing"):
            client.get_customer(behaviour)
        time.sleep(DEADLINE + 0.2)  # past the first calls' deadlines: nothing is cut
        assert client.get_customer("ok").customer_id == "C-1"
        assert client.get_customer("missing") is None
    finally:
        urllib3_connection.create_connection = saved
    assert len(connections) == 1


# --- Nesting ----------------------------------------------------------------------


def test_it_refuses_json_nested_deeper_than_any_perp_answer(client):
    error, took = _timed(lambda: client.get_customer("deep"))

    assert isinstance(error, PERPBadResponse) and error.reason == "unreadable"
    assert "nested deeper than 32" in error.detail
    assert took < 0.5


def _depth(value):
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet=st.sampled_from('ab"\\[]{}/\n')),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=40,
)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(JSON_VALUES, st.integers(min_value=0, max_value=8))
def test_the_nesting_check_agrees_with_the_parsed_depth(value, limit):
    encoded = json.dumps(value).encode()

    assert body.nested_deeper_than(encoded, limit) == (_depth(value) > limit)


def test_the_nesting_check_costs_a_fraction_of_parsing_a_50_kB_answer():
    orders = [
        {"order_id": f"ORD-{n}", "status": "in_production", "total_amount": "99.95",
         "line_items": [{"product_name": "Cards", "quantity": 500, "unit_price": "0.10"}] * 3,
         "shipping": {"method": "ground", "tracking": None}}
        for n in range(150)
    ]
    answer = json.dumps({"success": True, "data": {"orders": orders, "total": 150}}).encode()
    assert 40_000 < len(answer) < 60_000

    check = min(timeit.repeat(lambda: body.nested_deeper_than(answer, 32), number=20, repeat=5))
    parse = min(timeit.repeat(lambda: json.loads(answer), number=20, repeat=5))
    assert check < parse * 0.75


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.one_of(
    st.binary(max_size=300),
    st.lists(st.sampled_from([b"[", b"]", b"{", b"}", b'"', b"\\", b":", b",", b"1", b'"a"']), max_size=200).map(b"".join),
    st.integers(min_value=0, max_value=3000).map(lambda depth: b'{"success": true, "data": ' + b"[" * depth + b"]" * depth + b"}"),
))
def test_any_body_is_a_value_or_a_bad_response(answer):
    client = PERPClient(base_url="http://perp.test/api", api_key="k", max_retries=0)
    with responses.RequestsMock() as mock:
        mock.get("http://perp.test/api/customers/C-1", body=answer)
        try:
            client.get_customer("C-1")
        except PERPBadResponse:
            pass


# --- Memory -----------------------------------------------------------------------


def _rss_kb(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(field)


def _reset_peak_rss():
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def test_hostile_answers_do_not_grow_the_process(server, client):
    hostile = ["huge-chunked", "huge-announced", "gzip-bomb", "deflate-bomb", "deep"]
    for behaviour in hostile:  # once first: imports, threads and pools settle
        _timed(lambda: client.get_customer(behaviour))
    try:
        _reset_peak_rss()
        peak_known = True
    except OSError:  # then only what is left after the answers is measured
        peak_known = False
    before = _rss_kb("VmRSS")

    for _ in range(3):
        for behaviour in hostile:
            _timed(lambda: client.get_customer(behaviour))

    # A 1 MiB limit: what a refused answer may leave behind is its buffer and the
    # decompressor's window, never the 64-200 MB the answers would have been.
    if peak_known:
        assert _rss_kb("VmHWM") - before < 8 * 1024
    assert _rss_kb("VmRSS") - before < 4 * 1024


# --- Settings ---------------------------------------------------------------------


def _problems(**values):
    with override_settings(**values):
        return [error.msg for error in check_settings()]


@pytest.mark.parametrize("name, value, expected", [
    ("PERP_MAX_RESPONSE_BYTES", 0, "PERP_MAX_RESPONSE_BYTES must be at least 1."),
    ("PERP_CALL_DEADLINE_SECONDS", -1, "PERP_CALL_DEADLINE_SECONDS must be a positive number of seconds."),
    ("PERP_ERROR_SECONDS", 0, "PERP_ERROR_SECONDS must be a positive number of seconds."),
])
def test_start_up_refuses_a_limit_that_is_not_positive(name, value, expected):
    assert expected in _problems(**{name: value})


def test_start_up_refuses_a_deadline_no_longer_than_the_connect_timeout():
    problems = _problems(PERP_CONNECT_TIMEOUT=5.0, PERP_CALL_DEADLINE_SECONDS=5.0)

    assert any(problem.startswith("PERP_CALL_DEADLINE_SECONDS must be longer than PERP_CONNECT_TIMEOUT")
               for problem in problems)
    assert not any("PERP_CALL_DEADLINE" in problem for problem in _problems())


def test_the_shared_client_takes_its_limits_from_settings():
    with override_settings(PERP_MAX_RESPONSE_BYTES=12345, PERP_CALL_DEADLINE_SECONDS=7.5):
        client_from_settings.cache_clear()
        client = client_from_settings()
    assert (client.max_response_bytes, client.call_deadline) == (12345, 7.5)
