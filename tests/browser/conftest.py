"""Fixtures of the browser tests: headless Chromium, perpdesk's live server reading the
sandbox PERP, signed-in pages, axe-core, and the real OpenID provider (their helpers are in
tests/support/browser.py and auth.py)."""

import json
import os
import subprocess

import pytest

from sandbox_perp import SandboxServer
from tests.support.auth import (
    PROVIDER_ACCOUNTS, PROVIDER_DIR, TestProvider, client_registration, install_provider_packages, wait_for_issuer,
)
from tests.support.browser import (
    AXE_JS, NODE_PACKAGES, PASSWORD, SANDBOX_KEY, VIEWPORT, Perpdesk, sign_in, watch_context,
)
from tests.support.chromium import launched_chromium
from tests.support.services import require_program


@pytest.fixture(scope="session")
def sandbox():
    """The sandbox PERP on a free loopback port, shared by every browser test."""
    server = SandboxServer(port=0, key=SANDBOX_KEY).start()
    yield server
    server.stop()


@pytest.fixture
def perpdesk(settings, sandbox, live_server, transactional_db, alice):
    """perpdesk's live server reading the sandbox, with password sign-in on and alice,
    a support agent, able to sign in. PERP's artwork images come from the sandbox's
    origin, which the CSP allows as PERP_FILE_HOSTS does in production."""
    from lookup.perp.client import client_from_settings

    settings.PERP_API_URL = sandbox.base_url
    settings.PERP_API_KEY = SANDBOX_KEY
    settings.LOCAL_LOGIN = True
    settings.AUTHENTICATION_BACKENDS = [
        "lookup.auth.oidc.OIDCBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    csp = {**settings.SECURE_CSP}
    csp["img-src"] = [*csp["img-src"], sandbox.root_url]
    settings.SECURE_CSP = csp
    client_from_settings.cache_clear()  # built from the settings above on first use
    return Perpdesk(url=live_server.url, sandbox=sandbox, username=alice.username, password=PASSWORD)


@pytest.fixture(scope="module")
def browser(django_db_setup):
    """Headless Chromium for the module (the test database is set up first)."""
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def new_page(browser, perpdesk):
    """new_page(**context_options) -> a page in a fresh browser context, watched.

    At the end of the test no page may have had a CSP violation, console or script error,
    failed image/style/script load or dialog (page.watch has them; a test expecting some
    empties them).
    """
    contexts = []

    def make(**options):
        context = browser.new_context(**{"viewport": VIEWPORT, **options})
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.watch = watch_context(context)
        contexts.append((context, page))
        return page

    yield make
    problems = []
    for context, page in contexts:
        problems += page.watch.problems()
        context.close()
    if problems:
        pytest.fail("the browser saw:\n  " + "\n  ".join(problems), pytrace=False)


@pytest.fixture
def signed_in_page(new_page, perpdesk):
    """A page of a browser signed in as alice, on the search page."""
    page = new_page()
    sign_in(page, perpdesk)
    return page


@pytest.fixture(scope="session")
def axe_script():
    """tests/browser/node_modules/axe-core/axe.min.js, installed by `npm ci` when missing
    (tests/run does it too), at the version pinned in tests/browser/package-lock.json."""
    if not AXE_JS.exists():
        require_program("node", "Node.js (for axe-core)")
        npm = require_program("npm", "npm (to install axe-core)")
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=NODE_PACKAGES, check=True, timeout=300,
        )
    return AXE_JS


@pytest.fixture(scope="session")
def oidc_provider(live_server, tmp_path_factory):
    """oidc-provider (npm) on a free loopback port, with perpdesk registered as a client
    (PKCE required, redirect to the live server's /oidc/callback/) and PROVIDER_ACCOUNTS."""
    node = require_program("node", "Node.js (for the test OpenID provider)")
    install_provider_packages()
    config = {"clients": [client_registration(live_server.url)], "accounts": PROVIDER_ACCOUNTS}
    output_path = tmp_path_factory.mktemp("oidc-provider") / "output.log"
    with output_path.open("w") as output:
        process = subprocess.Popen(
            [node, "server.js"],
            cwd=PROVIDER_DIR,
            env={**os.environ, "OIDC_TEST_CONFIG": json.dumps(config)},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield TestProvider(issuer=wait_for_issuer(process, output_path))
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def chromium(django_db_setup):
    """Headless Chromium for the module (the test database is set up first)."""
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def page(chromium):
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
