"""Debian's nginx on loopback, without root's paths, running deploy/nginx/perpdesk.conf.

The sample site is used as written: only its ports, upstream, certificate and log paths
are swapped for the test's (each swap must find its text, so an edited sample fails
here loudly instead of being tested half), plus any swaps a test asks for (another
identity-header block `manage.py nginx_identity_headers` printed, say). A self-signed
certificate is made with `cryptography`. `header_echo()` is an upstream that keeps the
headers nginx passed on, to see exactly what would reach perpdesk.
"""

import datetime
import ipaddress
import os
import signal
import socket
import subprocess
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bench.servers import free_port
from tests.support.gunicorn import BASE_DIR

NGINX = "/usr/sbin/nginx"
SITE = BASE_DIR / "deploy" / "nginx" / "perpdesk.conf"
SITE_ACCESS_LOG = "/var/log/nginx/perpdesk.access.log"
IDENTITY_BLOCK_BEGIN = "        # BEGIN identity headers:"
IDENTITY_BLOCK_END = "        # END identity headers\n"

MAIN_CONF = """\
daemon off;
{user}
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    access_log {dir}/access.log;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {dir}/perpdesk.conf;
}}
"""


def self_signed_certificate(directory):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "perpdesk.example.com")])
    now = datetime.datetime.now(datetime.timezone.utc)
    names = [
        x509.DNSName("perpdesk.example.com"),
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
    ]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = Path(directory) / "cert.pem", Path(directory) / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def site_identity_block(text=None):
    """The identity-header block of the sample site, BEGIN and END lines included."""
    text = SITE.read_text() if text is None else text
    start = text.index(IDENTITY_BLOCK_BEGIN)
    return text[start : text.index(IDENTITY_BLOCK_END, start) + len(IDENTITY_BLOCK_END)]


def render_site(*, upstream_port, http_port, https_port, cert_path, key_path, directory, test_swaps=None):
    text = SITE.read_text()
    swaps = {
        **(test_swaps or {}),
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{upstream_port};",
        "    listen 80;\n": f"    listen 127.0.0.1:{http_port};\n",
        "    listen [::]:80;\n": "",
        "    listen 443 ssl http2;\n": f"    listen 127.0.0.1:{https_port} ssl http2;\n",
        "    listen [::]:443 ssl http2;\n": "",
        "/etc/ssl/certs/perpdesk.example.com.pem": str(cert_path),
        "/etc/ssl/private/perpdesk.example.com.key": str(key_path),
        SITE_ACCESS_LOG: str(Path(directory) / "perpdesk.access.log"),
    }
    for old, new in swaps.items():
        assert old in text, f"{SITE} no longer contains {old!r}: update tests/support/nginx.py"
        text = text.replace(old, new)
    return text


@dataclass
class Nginx:
    process: subprocess.Popen
    directory: Path
    http_port: int
    https_port: int
    cert_path: Path

    @property
    def https_url(self):
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def http_url(self):
        return f"http://127.0.0.1:{self.http_port}"

    def _read(self, name):
        path = self.directory / name
        return path.read_text(errors="replace") if path.exists() else ""

    def error_log(self):
        return self._read("error.log")

    def access_log(self):
        """The site's own access log (its log_format), as nginx wrote it."""
        return self._read("perpdesk.access.log")


def _write_config(directory, upstream_port, test_swaps):
    cert_path, key_path = self_signed_certificate(directory)
    http_port, https_port = free_port(), free_port()
    site = render_site(
        upstream_port=upstream_port,
        http_port=http_port,
        https_port=https_port,
        cert_path=cert_path,
        key_path=key_path,
        directory=directory,
        test_swaps=test_swaps,
    )
    (directory / "perpdesk.conf").write_text(site)
    # As root nginx would drop its workers to "nobody", who cannot enter pytest's tmp dir.
    user = "user root;" if os.geteuid() == 0 else ""
    (directory / "nginx.conf").write_text(MAIN_CONF.format(dir=directory, user=user))
    return http_port, https_port, cert_path


def _wait_for_port(nginx, port, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if nginx.process.poll() is not None:
            raise RuntimeError(f"nginx exited ({nginx.process.returncode}):\n{nginx.error_log()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nginx did not listen on {port}:\n{nginx.error_log()}")


@contextmanager
def running_nginx(upstream_port, directory, test_swaps=None):
    """nginx with the sample site in front of 127.0.0.1:`upstream_port`; `test_swaps`
    ({text in the site: what replaces it}) are made first."""
    directory = Path(directory)
    http_port, https_port, cert_path = _write_config(directory, upstream_port, test_swaps)
    process = subprocess.Popen(
        [NGINX, "-e", str(directory / "error.log"), "-p", str(directory), "-c", str(directory / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    nginx = Nginx(process, directory, http_port, https_port, cert_path)
    try:
        _wait_for_port(nginx, https_port)
        yield nginx
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(10)


# --- An upstream that keeps what nginx sent --------------------------------------------------
PROBE_HEADER = "X-Test-Probe"


class _EchoHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        # Raw (name, value) pairs as they arrived, repeats and letter case kept, under the
        # probe id the test sent (a plain header nginx passes on, so a test can find it).
        self.server.seen.setdefault(self.headers.get(PROBE_HEADER, ""), []).append(
            (self.path, list(self.headers.raw_items()))
        )
        status, headers = self.server.answers.get(self.path.split("?")[0], (200, {}))
        body = b"upstream ok"
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@dataclass
class HeaderEcho:
    port: int
    seen: dict  # probe id -> [(path, [(name, value), ...]), ...] as received
    answers: dict  # path -> (status, {header: value}) to answer; others get 200

    def headers_for(self, probe_id, path):
        """The headers of the one request with this probe id and this path (query and all)."""
        [headers] = [headers for seen_path, headers in self.seen[probe_id] if seen_path == path]
        return headers


@contextmanager
def header_echo():
    """An HTTP server on loopback answering any GET (200, or as `answers` says), keeping
    each request's headers."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoHandler)
    server.seen = {}
    server.answers = {}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield HeaderEcho(port=server.server_address[1], seen=server.seen, answers=server.answers)
    finally:
        server.shutdown()
        server.server_close()
