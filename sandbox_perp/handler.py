"""HTTP request handling: auth, faults, routing to the API, files and control endpoints."""

import hmac
import ipaddress
import json
import re
import sys
import time
import traceback
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs

from . import api, control, dialects, files, routing
from .data import get_dataset
from .faults import error_code
from .formats import now_stamp
from .stats import Call

JSON = "application/json; charset=utf-8"
HTML = "text/html; charset=utf-8"
MAX_BODY = 1 << 20
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:\d{1,5})?$")
MAINTENANCE_PAGE = (b"<!DOCTYPE html><html><head><title>PERP maintenance</title></head>"
                    b"<body><h1>PERP is down for maintenance</h1><p>Please try again later.</p>"
                    b"</body></html>")


class Response:
    def __init__(self, status, content_type, body, headers=None):
        self.status, self.content_type, self.body = status, content_type, body
        self.headers = headers or {}


def json_response(status, payload, headers=None):
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return Response(status, JSON, body, {"Cache-Control": "no-store", **(headers or {})})


def envelope_ok(data):
    return json_response(200, {"success": True, "data": data, "timestamp": now_stamp()})


def envelope_error(status, code, message, headers=None):
    payload = {"success": False, "error": {"code": code, "message": message}, "timestamp": now_stamp()}
    return json_response(status, payload, headers)


class SandboxHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every response carries Content-Length
    # Headers and body go out in two writes: with Nagle's algorithm the body would wait for
    # the client's delayed ACK of the headers, adding ~40 ms to every call on loopback.
    disable_nagle_algorithm = True
    server_version = "SandboxPERP/1.0"
    timeout = 120  # idle keep-alive connections are dropped after this

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_PATCH(self):
        self._dispatch("PATCH")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def log_message(self, format, *args):
        if self.server.state.verbose:
            super().log_message(format, *args)

    def _dispatch(self, method):
        body = self._read_body()
        path, _, query = self.path.partition("?")
        try:
            response = self._route(method, path, query, body)
        except Exception:  # a sandbox bug must still produce an answer
            traceback.print_exc(file=sys.stderr)
            response = envelope_error(500, "INTERNAL_ERROR", "Sandbox failure")
        self._send(response)

    def _route(self, method, path, query, body):
        if path == "/api" or path.startswith("/api/"):
            return self._api(method, path, query)
        if path.startswith("/files/") and method == "GET":
            return self._file(path)
        if path.startswith("/_sandbox/"):
            return self._control(method, path, body)
        return envelope_error(404, "NOT_FOUND", "No such endpoint")

    def _api(self, method, path, query):
        state = self.server.state
        started = time.monotonic()
        template, params = routing.match(api.ENDPOINTS, routing.split_path(path))
        if template:
            state.counter.record(template)
        response = self._api_response(state, method, template, params, query)
        if template and state.call_log is not None:
            state.call_log.record(Call(template, params, _query(query), started, time.monotonic()))
        return response

    def _api_response(self, state, method, template, params, query):
        faults = state.faults.current
        if faults.latency_ms:
            time.sleep(faults.latency_ms / 1000)
        fault = _fault_response(state, faults, template)
        if fault:
            return fault
        if not self._authorized(state.key):
            return envelope_error(401, "UNAUTHORIZED", "Missing or invalid API key")
        if template is None:
            return envelope_error(404, "NOT_FOUND", "No such endpoint")
        if method != "GET":
            return envelope_error(405, "METHOD_NOT_ALLOWED", "Only GET is supported")
        params, query = dialects.understand(faults.dialect, template, params, _query(query))
        try:
            data = api.ROUTES[template](get_dataset(), params, query)
        except api.ApiError as error:
            return envelope_error(error.status, error.code, error.message)
        return envelope_ok(dialects.speak(faults.dialect, files.absolutize(data, self._origin())))

    def _file(self, path):
        template, params = routing.match(files.ROUTES, routing.split_path(path))
        found = files.serve(get_dataset(), template, params) if template else None
        if found is None:
            return Response(404, "text/plain; charset=utf-8", b"file not found")
        content_type, body = found
        return Response(200, content_type, body, {"Cache-Control": "public, max-age=3600"})

    def _control(self, method, path, body):
        if not ipaddress.ip_address(self.client_address[0]).is_loopback:
            return json_response(403, {"error": "control endpoints answer loopback clients only"})
        status, payload = control.handle(self.server.state, method, path, body)
        return json_response(status, payload)

    def _authorized(self, key):
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), key.encode())

    def _origin(self):
        """Absolute base for /files/ links: the Host the client used, else our own address."""
        host = self.headers.get("Host", "")
        if not _HOST.match(host):
            address, port = self.server.server_address[:2]
            host = f"{'127.0.0.1' if address in ('0.0.0.0', '') else address}:{port}"
        return f"http://{host}"

    def _read_body(self):
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True  # chunked bodies are not read; do not reuse the stream
            return b""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY:
            self.close_connection = True
            return b""
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, response):
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def _fault_response(state, faults, template):
    if faults.non_json:
        return Response(200, HTML, MAINTENANCE_PAGE)
    if template is not None and template == faults.fail_endpoint:
        status = faults.fail_status
        headers = {"Retry-After": str(faults.retry_after)} if status == 429 else None
        return envelope_error(status, error_code(status), f"Sandbox fault: forced {status}", headers)
    if state.faults.roll_failure():
        return envelope_error(503, "SERVICE_UNAVAILABLE", "Sandbox fault: random failure")
    return None


def _query(raw):
    return {name: values[0] for name, values in parse_qs(raw, keep_blank_values=True).items()}
