"""axe-core (tests/browser/package-lock.json) on perpdesk's pages in headless Chromium,
light and dark: no serious or critical accessibility violation on any of them.

axe is injected inline, which perpdesk's CSP forbids: these pages are opened in contexts
with bypass_csp=True. tests/browser/test_pages.py checks the same pages under the CSP.
"""

import pytest

from sandbox_perp import (
    BENCH_CUSTOMER_ID,
    EMPTY_CUSTOMER_ID,
    HOSTILE_CUSTOMER_ID,
    PAGING_CUSTOMER_ID,
    SHOWCASE_CUSTOMER_ID,
)
from tests.support.browser import axe_violations, describe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.integration]

PAGES = {
    "search": "/",
    "search-no-match": "/?q=nobody%40nowhere.example",
    "search-problem": "/?q=two+words",
    "customer-vip": f"/customers/{PAGING_CUSTOMER_ID}/",
    "customer-active-orders": f"/customers/{BENCH_CUSTOMER_ID}/",
    "customer-every-status": f"/customers/{SHOWCASE_CUSTOMER_ID}/",
    "customer-empty": f"/customers/{EMPTY_CUSTOMER_ID}/",
    "customer-hostile": f"/customers/{HOSTILE_CUSTOMER_ID}/",
    "customer-not-found": "/customers/CUST-9999/",
    "order-in-production": "/orders/ORD-50205/",
    "order-delivered": "/orders/ORD-50001/",
    "invoice": "/invoices/INV-70029/",
    "invoice-overdue": "/invoices/INV-70095/",
}


def check_both_schemes(page, axe_js):
    """axe's serious and critical findings on the page, in light then dark colours."""
    found = []
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.evaluate("Promise.all(document.getAnimations().map(animation => animation.finished))")
        violations = axe_violations(page, axe_js)
        if violations:
            found.append(f"in {scheme} mode:\n{describe_violations(violations)}")
    return found


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_a_page_has_no_serious_accessibility_violation(new_page, perpdesk, axe_script, path):
    page = new_page(bypass_csp=True)
    sign_in(page, perpdesk)

    page.goto(perpdesk.at(path))

    found = check_both_schemes(page, axe_script)
    assert not found, "\n".join(found)


def test_the_sign_in_page_has_no_serious_accessibility_violation(new_page, perpdesk, axe_script):
    page = new_page(bypass_csp=True)

    page.goto(perpdesk.at("/login/"))

    found = check_both_schemes(page, axe_script)
    assert not found, "\n".join(found)



# --- Issue 15's changes: the keyboard flow, the ticket banner, the printed page -------------------
def test_the_keyboard_flow_and_its_help_have_no_serious_accessibility_violation(new_page, perpdesk, axe_script):
    page = new_page(bypass_csp=True)
    sign_in(page, perpdesk)
    for path in ("/orders/ORD-50205/", "/invoices/INV-70029/", f"/customers/{BENCH_CUSTOMER_ID}/"):
        page.goto(perpdesk.at(path))
    page.keyboard.press("j")  # an order chosen
    found = check_both_schemes(page, axe_script)

    page.goto(perpdesk.at("/"))
    page.keyboard.press("j")  # a recent lookup chosen
    page.keyboard.press("?")
    page.get_by_role("dialog", name="Keyboard shortcuts").wait_for()
    found += check_both_schemes(page, axe_script)

    assert not found, "\n".join(found)


def test_a_page_for_a_ticket_has_no_serious_accessibility_violation(new_page, perpdesk, axe_script):
    page = new_page(bypass_csp=True)
    sign_in(page, perpdesk)

    page.goto(perpdesk.at(f"/customers/{PAGING_CUSTOMER_ID}/?ticket=ZD-4821"))

    found = check_both_schemes(page, axe_script)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("path", [f"/customers/{BENCH_CUSTOMER_ID}/", "/orders/ORD-50205/", "/invoices/INV-70095/"])
def test_a_printed_page_has_no_serious_accessibility_violation(new_page, perpdesk, axe_script, path):
    page = new_page(bypass_csp=True, color_scheme="dark")  # print.css prints light colours anyway
    sign_in(page, perpdesk)
    page.goto(perpdesk.at(path))

    page.emulate_media(media="print")

    violations = axe_violations(page, axe_script)
    assert not violations, describe_violations(violations)
