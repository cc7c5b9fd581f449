"""The README's quick start serves a working app against the sandbox PERP."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

PROJECT_DIR = Path(__file__).resolve().parents[2]
BANNER = re.compile(r"perpdesk is running at (\S+)\nSign in as (\S+) / (\S+)")

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _read_banner(process, timeout=90):
    output, deadline = "", time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        output += line
        found = BANNER.search(output)
        if found:
            return found.groups()
    raise AssertionError(f"the demo printed no URL and credentials:\n{output}")


def _start_demo(tmp_path, port):
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("PERP_", "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "ALLOWED_HOSTS"))
    }
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}", PYTHONUNBUFFERED="1",
               PYTHONFAULTHANDLER="1")
    return subprocess.Popen(
        [sys.executable, "-m", "sandbox_perp.demo", "--port", str(port), "--perp-port", str(_free_port())],
        cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def _stop(process):
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGABRT)  # the fault handler prints where each thread is stuck
        output, _ = process.communicate(timeout=20)
        raise AssertionError(f"the demo did not stop on SIGTERM:\n{output[-6000:]}") from None


def _answers(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.fixture
def demo(tmp_path):
    process = _start_demo(tmp_path, _free_port())
    try:
        yield _read_banner(process)
    finally:
        _stop(process)


def test_stopping_the_demo_stops_its_development_server(tmp_path):
    port = _free_port()
    process = _start_demo(tmp_path, port)
    try:
        _read_banner(process)
    finally:
        _stop(process)

    deadline = time.monotonic() + 10
    while _answers(port) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _answers(port), "the development server outlived the demo"


def _sign_in(session, url, username, password):
    form = session.get(f"{url}login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    return session.post(
        f"{url}login/",
        data={"csrfmiddlewaretoken": token, "username": username, "password": password, "next": "/"},
        headers={"Referer": f"{url}login/"},
    )


def test_it_serves_a_working_app_with_the_printed_credentials(demo):
    url, username, password = demo
    session = requests.Session()

    assert _sign_in(session, url, username, password).url == url
    found = session.get(url, params={"q": "PO-10001"})
    customer = session.get(f"{url}customers/CUST-1002/")

    assert found.url == f"{url}orders/ORD-50001/"
    assert customer.status_code == 200
    assert "VIP wallet" in customer.text and "PERP did not answer" not in customer.text
