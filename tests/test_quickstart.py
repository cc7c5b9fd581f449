"""The README's quick start serves a working app against the sandbox PERP."""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

PROJECT_DIR = Path(__file__).resolve().parent.parent
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


@pytest.fixture
def demo(tmp_path):
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("PERP_", "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "ALLOWED_HOSTS"))
    }
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}", PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox_perp.demo",
         "--port", str(_free_port()), "--perp-port", str(_free_port())],
        cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        yield _read_banner(process)
    finally:
        process.terminate()
        process.wait(timeout=20)


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
