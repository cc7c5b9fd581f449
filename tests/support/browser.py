"""Fixtures for the browser tests of perpdesk's pages (tests/test_browser_*.py): Debian's
Chromium driven by Playwright, perpdesk's live server reading the sandbox PERP over real
HTTP, sign-in through the real password form, a watch on every page for what must never
happen (CSP violations, script errors, dialogs), screenshots, and axe-core.

The fixtures themselves are in tests/browser/conftest.py.
"""

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit


from sandbox_perp import SandboxServer


ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
NODE_PACKAGES = Path(__file__).resolve().parents[1] / "browser"
AXE_JS = NODE_PACKAGES / "node_modules" / "axe-core" / "axe.min.js"
SANDBOX_KEY = "browser-tests-key"
PASSWORD = "pw-for-tests"  # what tests/conftest.py gives alice
VIEWPORT = {"width": 1280, "height": 900}
# Runs before any page script, outside the page's CSP: reports every violation as an error.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
    console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline code"}`
                  + ` at ${event.sourceFile || "?"}:${event.lineNumber}`);
});
"""


# --- The sandbox PERP and perpdesk's live server ------------------------------------------


@dataclass(frozen=True)
class Perpdesk:
    url: str  # the live server, e.g. http://localhost:PORT
    sandbox: SandboxServer
    username: str
    password: str

    def at(self, path):
        return f"{self.url}{path}"


# --- Headless Chromium ---------------------------------------------------------------------


@dataclass
class Watch:
    """What happened in one browser context that a person would notice or should not see."""

    csp_violations: list = field(default_factory=list)
    console_errors: list = field(default_factory=list)
    page_errors: list = field(default_factory=list)
    dialogs: list = field(default_factory=list)
    requested_hosts: set = field(default_factory=set)
    failed_loads: list = field(default_factory=list)  # images, styles, scripts: not pages
    allowed_console_errors: list = field(default_factory=list)  # substrings a test expects

    def on_console(self, message):
        if message.type != "error":
            return
        text = message.text
        if text.startswith("CSP violation:") or "Content Security Policy" in text:
            self.csp_violations.append(text)
        elif text.startswith("Failed to load resource:"):
            pass  # Chromium's note of any 4xx/5xx, pages included: failed_loads has the URLs
        elif not any(allowed in text for allowed in self.allowed_console_errors):
            self.console_errors.append(text)

    def on_dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_request(self, request):
        self.requested_hosts.add(urlsplit(request.url).netloc)

    def on_response(self, response):
        if response.status >= 400 and response.request.resource_type != "document":
            self.failed_loads.append(f"{response.status} {response.request.resource_type} {response.url}")

    def problems(self):
        return [
            *(f"CSP violation: {text}" for text in self.csp_violations),
            *(f"console error: {text}" for text in self.console_errors),
            *(f"script error: {text}" for text in self.page_errors),
            *(f"failed to load: {text}" for text in self.failed_loads),
            *(f"dialog opened: {text}" for text in self.dialogs),
        ]


def watch_context(context):
    watch = Watch()
    context.add_init_script(script=REPORT_CSP_VIOLATIONS)
    context.on("console", watch.on_console)
    context.on("dialog", watch.on_dialog)
    context.on("request", watch.on_request)
    context.on("response", watch.on_response)
    context.on("weberror", lambda error: watch.page_errors.append(str(error.error)))
    return watch


def sign_in(page, site, next_path="/"):
    """Through perpdesk's sign-in page and its password form (LOCAL_LOGIN)."""
    page.goto(site.at(f"/login/?next={next_path}"))
    page.get_by_label("Username").fill(site.username)
    page.get_by_label("Password").fill(site.password)
    page.get_by_role("button", name="Sign in with password").click()
    page.wait_for_url(site.at(next_path))


# --- What a person sees ---------------------------------------------------------------------
def search_for(page, text):
    """Types into the header's search box and submits it, as a person would."""
    box = page.get_by_role("searchbox", name="Email, order number, invoice number or customer id")
    box.fill(text)
    with page.expect_navigation():
        box.press("Enter")


def wait_for_images(page, selector="img"):
    """Scrolls each matching image into view (they load lazily) and waits for it to load;
    returns their natural widths (0: a broken image)."""
    images = page.locator(selector)
    for index in range(images.count()):
        images.nth(index).scroll_into_view_if_needed()
    page.wait_for_function(
        "selector => [...document.querySelectorAll(selector)].every(img => img.complete)", arg=selector
    )
    return images.evaluate_all("images => images.map(img => img.naturalWidth)")


def luminance(css_colour):
    """Relative luminance (0 black .. 1 white) of an rgb()/rgba() computed colour."""
    parts = css_colour[css_colour.index("(") + 1 : css_colour.index(")")].split(",")
    red, green, blue = (float(part) / 255 for part in parts[:3])

    def linear(channel):
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def screenshot(page, name):
    """A full-page PNG in test-artifacts/screenshots/ (gitignored), lazy images loaded."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if _scripts_enabled(page):
        wait_for_images(page)
        page.evaluate("window.scrollTo(0, 0)")
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


def _scripts_enabled(page):
    try:
        return page.evaluate("true")
    except Exception:  # noqa: BLE001 - JavaScript is off in this context
        return False


# --- axe-core ---------------------------------------------------------------------------------


def axe_violations(page, axe_js, impacts=("serious", "critical")):
    """axe-core's violations of the given impacts on the page as it is now.

    add_script_tag(path=) injects the script inline, which perpdesk's CSP forbids: the
    page must be in a context made with bypass_csp=True.
    """
    page.add_script_tag(path=str(axe_js))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [violation for violation in results["violations"] if violation["impact"] in impacts]


def describe_violations(violations):
    lines = []
    for violation in violations:
        lines.append(f"{violation['impact']}: {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:5]:
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    {' '.join(map(str, node['target']))}: {summary}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    ... and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)
