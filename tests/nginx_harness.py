"""Debian's nginx on loopback, without root's paths, running deploy/nginx/perpdesk.conf.

The sample site is used as written: only its ports, upstream and certificate paths
are swapped for the test's (each swap must find its text, so an edited sample fails
here loudly instead of being tested half). A self-signed certificate is made with
`cryptography`.
"""

import datetime
import ipaddress
import os
import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bench.servers import free_port
from tests.gunicorn_harness import BASE_DIR

NGINX = "/usr/sbin/nginx"
SITE = BASE_DIR / "deploy" / "nginx" / "perpdesk.conf"

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


def render_site(*, upstream_port, http_port, https_port, cert_path, key_path):
    text = SITE.read_text()
    swaps = {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{upstream_port};",
        "    listen 80;\n": f"    listen 127.0.0.1:{http_port};\n",
        "    listen [::]:80;\n": "",
        "    listen 443 ssl http2;\n": f"    listen 127.0.0.1:{https_port} ssl http2;\n",
        "    listen [::]:443 ssl http2;\n": "",
        "/etc/ssl/certs/perpdesk.example.com.pem": str(cert_path),
        "/etc/ssl/private/perpdesk.example.com.key": str(key_path),
    }
    for old, new in swaps.items():
        assert old in text, f"{SITE} no longer contains {old!r}: update tests/nginx_harness.py"
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

    def error_log(self):
        path = self.directory / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _write_config(directory, upstream_port):
    cert_path, key_path = self_signed_certificate(directory)
    http_port, https_port = free_port(), free_port()
    site = render_site(
        upstream_port=upstream_port,
        http_port=http_port,
        https_port=https_port,
        cert_path=cert_path,
        key_path=key_path,
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
def running_nginx(upstream_port, directory):
    """nginx with the sample site in front of 127.0.0.1:`upstream_port`."""
    directory = Path(directory)
    http_port, https_port, cert_path = _write_config(directory, upstream_port)
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
