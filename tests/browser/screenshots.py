"""The README's screenshots: the customer, order and search pages, light and dark.

    .venv/bin/python -m tests.browser.screenshots

Run by hand (not a test): starts the sandbox PERP and perpdesk's development server on
free ports with a throwaway SQLite database, as the quick start does, signs in through the
password form in Debian's Chromium and writes docs/screenshots/<page>-<light|dark>.png.
"""

import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from sandbox_perp import BENCH_CUSTOMER_ID, SandboxServer
from sandbox_perp.demo import (
    DEMO_PASSWORD, DEMO_USERNAME, PROJECT_DIR, SANDBOX_KEY, create_demo_user, demo_environment, manage,
    stop_server, wait_for_port,
)
from tests.support.browser import VIEWPORT, Perpdesk, sign_in
from tests.support.chromium import launched_chromium

OUTPUT = PROJECT_DIR / "docs" / "screenshots"
ORDER_ID = "ORD-50205"  # in production, with artwork
PAGES = {  # the search page last: its recent lookups are the two before
    "customer": f"/customers/{BENCH_CUSTOMER_ID}/",
    "order": f"/orders/{ORDER_ID}/",
    "search": "/",
}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def take(site, browser, scheme):
    context = browser.new_context(viewport=VIEWPORT, color_scheme=scheme)
    page = context.new_page()
    sign_in(page, site)
    for name, path in PAGES.items():
        page.goto(site.at(path))
        page.wait_for_load_state("networkidle")  # the artwork thumbnails
        path = OUTPUT / f"{name}-{scheme}.png"
        page.screenshot(path=path)
        print(path.relative_to(PROJECT_DIR))
    context.close()


def main():
    sandbox = SandboxServer(port=0, key=SANDBOX_KEY).start()
    with tempfile.TemporaryDirectory() as scratch:
        env = demo_environment(sandbox.base_url, sandbox.root_url)
        env["DATABASE_URL"] = f"sqlite:///{Path(scratch) / 'db.sqlite3'}"
        manage(env, "migrate", "--verbosity", "0")
        create_demo_user(env)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=PROJECT_DIR, env=env, stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_port(port, server)
            site = Perpdesk(url=f"http://localhost:{port}", sandbox=sandbox, username=DEMO_USERNAME, password=DEMO_PASSWORD)
            OUTPUT.mkdir(parents=True, exist_ok=True)
            with launched_chromium() as browser:
                for scheme in ("light", "dark"):
                    take(site, browser, scheme)
        finally:
            stop_server(server)
            sandbox.stop()


if __name__ == "__main__":
    main()
