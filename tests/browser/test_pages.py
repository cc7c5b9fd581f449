"""perpdesk's pages as a person sees them in headless Chromium, against the sandbox PERP:
sign-in, the search box with each kind of identifier, the customer 360, order and invoice
pages, the copy buttons and "/" shortcut, dark mode, and the pages with JavaScript off.

Every page is watched: a CSP violation, script error or dialog fails the test
(tests/support/browser.py). Screenshots land in test-artifacts/screenshots/.
"""

import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from sandbox_perp import (
    BENCH_CUSTOMER_ID,
    HOSTILE_CUSTOMER_ID,
    PAGING_CUSTOMER_ID,
    SHOWCASE_CUSTOMER_ID,
)
from tests.support.browser import luminance, screenshot, search_for, sign_in, wait_for_images

pytestmark = [pytest.mark.browser, pytest.mark.integration]

OVERDUE_INVOICE = "INV-70095"  # CUST-1005's, number 2026-0067
IN_PRODUCTION_ORDER = "ORD-50205"  # CUST-1005's, PO-10205: 40% done, at finishing


def heading(page):
    return page.get_by_role("heading", level=1)


# --- Sign-in --------------------------------------------------------------------------------
def test_it_signs_in_with_the_password_form_and_returns_to_the_page_asked_for(new_page, perpdesk):
    page = new_page()
    page.goto(perpdesk.at(f"/customers/{PAGING_CUSTOMER_ID}/"))
    assert page.url == perpdesk.at(f"/login/?next=/customers/{PAGING_CUSTOMER_ID}/")
    screenshot(page, "sign-in")

    page.get_by_label("Username").fill(perpdesk.username)
    page.get_by_label("Password").fill(perpdesk.password)
    page.get_by_role("button", name="Sign in with password").click()

    page.wait_for_url(perpdesk.at(f"/customers/{PAGING_CUSTOMER_ID}/"))
    assert heading(page).inner_text().startswith("Elijah Brown")


def test_the_search_page_welcomes_with_the_kinds_of_identifier(signed_in_page):
    page = signed_in_page

    assert heading(page).inner_text() == "Find a customer"
    assert page.get_by_text("an email address, e.g.").is_visible()
    screenshot(page, "search")


# --- The search box: one identifier of each kind ----------------------------------------------
@pytest.mark.parametrize(
    ("typed", "lands_on", "title"),
    [
        ("Elijah.Brown@Gmail.com", f"/customers/{PAGING_CUSTOMER_ID}/", "Elijah Brown"),
        ("connor.smith@outlook.com", f"/customers/{BENCH_CUSTOMER_ID}/", "Connor Smith"),
        ("PO-10001", "/orders/ORD-50001/", "Order PO-10001"),
        ("ORD-50001", "/orders/ORD-50001/", "Order PO-10001"),
        ("2026-0001", "/invoices/INV-70029/", "Invoice 2026-0001"),
        ("INV-70029", "/invoices/INV-70029/", "Invoice 2026-0001"),
        (PAGING_CUSTOMER_ID, f"/customers/{PAGING_CUSTOMER_ID}/", "Elijah Brown"),
    ],
    ids=["email", "email-lowercase", "order-number", "order-id", "invoice-number", "invoice-id", "customer-id"],
)
def test_a_search_for_an_exact_identifier_opens_its_page(signed_in_page, perpdesk, typed, lands_on, title):
    page = signed_in_page

    search_for(page, typed)

    assert page.url == perpdesk.at(lands_on)
    assert heading(page).inner_text().startswith(title)
    assert page.title().startswith(title)


def test_a_search_without_a_match_says_so(signed_in_page, perpdesk):
    page = signed_in_page

    search_for(page, "nobody@nowhere.example")

    assert page.url == perpdesk.at("/?q=nobody%40nowhere.example")
    assert heading(page).inner_text() == "Search results"
    message = page.locator(".pd-nothing")
    assert message.is_visible()
    assert message.inner_text() == "No customer, order or invoice matches “nobody@nowhere.example”."
    search_box = page.get_by_role("searchbox")
    assert search_box.input_value() == "nobody@nowhere.example"  # kept, to correct it
    screenshot(page, "search-no-match")


def test_a_search_that_cannot_be_an_identifier_explains_why(signed_in_page):
    page = signed_in_page

    search_for(page, "two words")

    assert "use letters, digits, dashes, dots or underscores" in page.get_by_role("alert").inner_text()


# --- The customer 360 -------------------------------------------------------------------------
def test_the_360_shows_a_vip_with_their_wallet(signed_in_page, perpdesk):
    page = signed_in_page
    page.goto(perpdesk.at(f"/customers/{PAGING_CUSTOMER_ID}/"))

    title = heading(page)
    assert title.inner_text().startswith("Elijah Brown")
    badge = title.locator(".pd-badge.tone-vip")
    assert badge.is_visible()
    assert badge.inner_text() == "VIP · Platinum"
    profile = page.get_by_role("region", name="Profile")
    assert "Elijah.Brown@Gmail.com" in profile.inner_text()
    assert "Pixel & Pine Studio" in profile.inner_text()
    wallet = page.get_by_role("region", name="VIP wallet")
    assert wallet.locator(".pd-balance strong").inner_text() == "USD 143.46"
    assert wallet.get_by_role("img", name=re.compile("VIP wallet balance over time")).is_visible()
    orders = page.get_by_role("region", name="Orders")
    assert orders.get_by_role("navigation", name="Orders pages").inner_text().startswith("Orders 1–")
    screenshot(page, "customer-360-vip")


def test_the_360_expands_active_orders_with_their_stepper_and_artwork(signed_in_page, perpdesk):
    page = signed_in_page
    page.goto(perpdesk.at(f"/customers/{BENCH_CUSTOMER_ID}/"))

    assert heading(page).inner_text().startswith("Connor Smith")
    expansions = page.locator("tr.pd-expansion")
    assert expansions.count() >= 1
    stepper = expansions.locator(".pd-production").first
    assert re.fullmatch(r"\d{1,3}% complete", stepper.locator(".pd-percent").inner_text())
    assert stepper.get_by_role("progressbar", name="Production complete").is_visible()
    assert stepper.locator(".pd-step").count() >= 3
    thumbnails = expansions.locator("img.pd-thumb")
    assert thumbnails.count() >= 1
    assert all(width > 0 for width in wait_for_images(page, "tr.pd-expansion img.pd-thumb"))
    screenshot(page, "customer-360-active-orders")


def test_the_360_highlights_an_overdue_invoice(signed_in_page, perpdesk):
    page = signed_in_page
    page.goto(perpdesk.at(f"/customers/{SHOWCASE_CUSTOMER_ID}/"))

    invoices = page.get_by_role("region", name="Invoices")
    overdue = invoices.locator("tr", has=page.get_by_role("link", name="2026-0067"))
    paid = invoices.locator("tr", has=page.get_by_role("link", name="2026-0084"))
    assert overdue.get_attribute("class") == "pd-overdue"
    assert overdue.locator(".pd-badge").inner_text() == "Overdue"
    assert "tone-danger" in overdue.locator(".pd-badge").get_attribute("class")
    background = "el => getComputedStyle(el).backgroundColor"
    assert overdue.locator("td").first.evaluate(background) != paid.locator("td").first.evaluate(background)
    screenshot(page, "customer-360-every-status")


# --- Order and invoice pages ---------------------------------------------------------------------
def test_the_order_page_shows_production_progress_and_artwork_thumbnails(signed_in_page, perpdesk):
    page = signed_in_page
    page.goto(perpdesk.at(f"/orders/{IN_PRODUCTION_ORDER}/"))

    assert heading(page).inner_text().startswith("Order PO-10205")
    production = page.get_by_role("region", name="Production")
    assert production.locator(".pd-percent").inner_text() == "40% complete"
    assert production.get_by_role("progressbar").get_attribute("value") == "40"
    current = production.locator('.pd-step[aria-current="step"]')
    assert current.locator(".pd-step-name").inner_text() == "Finishing"
    artwork = page.get_by_role("region", name="Artwork")
    assert artwork.locator(".pd-artwork-card").count() >= 1
    assert artwork.locator(".pd-artwork-card .pd-badge").first.is_visible()  # the artwork's status
    widths = wait_for_images(page, ".pd-artwork-card img.pd-thumb")
    assert widths and all(width > 0 for width in widths)
    crumbs = page.locator(".breadcrumbs a")
    assert crumbs.evaluate_all("links => links.map(a => a.getAttribute('href'))") == [
        "/",
        f"/customers/{SHOWCASE_CUSTOMER_ID}/",
    ]
    screenshot(page, "order-in-production")


def test_the_order_page_of_a_delivered_order(signed_in_page, perpdesk):
    page = signed_in_page
    page.goto(perpdesk.at("/orders/ORD-50001/"))

    assert heading(page).locator(".pd-badge").inner_text() == "Delivered"
    assert page.get_by_role("region", name="Production").locator(".pd-percent").inner_text() == "100% complete"
    assert page.get_by_role("table", name="Line items").is_visible()
    assert page.get_by_role("link", name="Fatima Taylor").first.get_attribute("href") == "/customers/CUST-1023/"
    screenshot(page, "order-delivered")


def test_the_invoice_page_shows_amounts_and_links_on(signed_in_page, perpdesk):
    page = signed_in_page
    page.goto(perpdesk.at("/invoices/INV-70029/"))

    assert heading(page).inner_text().startswith("Invoice 2026-0001")
    assert heading(page).locator(".pd-badge").inner_text() == "Partial"
    facts = page.get_by_role("region", name="Invoice")
    assert "USD 35.70" in facts.locator(".pd-facts").inner_text()
    assert facts.get_by_role("link", name="PO-10030").get_attribute("href") == "/orders/ORD-50030/"
    pdf = page.get_by_role("link", name="PDF")
    assert pdf.get_attribute("href") == f"{perpdesk.sandbox.root_url}/files/invoices/INV-70029.pdf"
    assert pdf.get_attribute("rel") == "noopener noreferrer"
    screenshot(page, "invoice")


def test_the_invoice_page_highlights_an_overdue_invoice(signed_in_page, perpdesk):
    page = signed_in_page
    page.goto(perpdesk.at(f"/invoices/{OVERDUE_INVOICE}/"))

    section = page.get_by_role("region", name="Invoice")
    assert "pd-overdue-section" in section.get_attribute("class")
    banner = section.locator(".pd-banner.tone-danger")
    assert banner.is_visible()
    assert banner.inner_text().startswith("Overdue: USD 1,938.50 was due")
    border = section.evaluate("el => getComputedStyle(el).borderLeftWidth")
    assert border == "4px"
    screenshot(page, "invoice-overdue")


# --- Enhancements: copy buttons, the "/" shortcut -------------------------------------------------
def test_a_copy_button_copies_the_id(new_page, perpdesk):
    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    sign_in(page, perpdesk, next_path=f"/customers/{PAGING_CUSTOMER_ID}/")

    button = page.get_by_role("button", name="Copy customer id")
    assert button.is_visible()  # revealed by perpdesk.js
    button.click()

    expect(button).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == PAGING_CUSTOMER_ID
    expect(button).to_have_text("Copy", timeout=3_000)  # back to its label
    page.get_by_role("button", name="Copy email").click()
    expect(page.get_by_role("button", name="Copy email")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == "Elijah.Brown@Gmail.com"


def test_the_slash_key_focuses_the_search_box(signed_in_page, perpdesk):
    page = signed_in_page
    page.goto(perpdesk.at(f"/customers/{PAGING_CUSTOMER_ID}/"))
    box = page.get_by_role("searchbox")
    box.fill("CUST-1001")
    page.locator("body").click(position={"x": 5, "y": 400})
    assert page.evaluate("document.activeElement.id") != "pd-search-q"

    page.keyboard.press("/")

    assert page.evaluate("document.activeElement.id") == "pd-search-q"
    assert box.input_value() == "CUST-1001"  # the "/" was not typed
    selected = "[document.activeElement.selectionStart, document.activeElement.selectionEnd]"
    assert page.evaluate(selected) == [0, 9]  # all of it, to type over
    page.keyboard.type("PO-1/2")  # typing a "/" in the box is typing
    assert box.input_value() == "PO-1/2"


def test_the_watch_on_every_page_sees_csp_violations_and_dialogs(signed_in_page):
    """The other tests pass because nothing happened, not because nothing was watched."""
    page = signed_in_page

    with pytest.raises(PlaywrightError, match="violates the following Content Security Policy"):
        page.add_script_tag(content="window.injected = true")  # inline: the CSP refuses it
    page.evaluate("alert('hello')")

    assert page.evaluate("window.injected") is None
    page.wait_for_function("true")  # one round trip more: the console messages have arrived
    assert any("script-src" in text for text in page.watch.csp_violations)
    assert page.watch.dialogs == ["alert: hello"]
    page.watch.csp_violations.clear()
    page.watch.dialogs.clear()
    page.watch.console_errors.clear()


# --- Hostile data from PERP ------------------------------------------------------------------------
def test_hostile_text_from_perp_is_shown_as_text_and_runs_nothing(signed_in_page, perpdesk):
    page = signed_in_page
    page.goto(perpdesk.at(f"/customers/{HOSTILE_CUSTOMER_ID}/"))

    assert heading(page).inner_text().startswith("Mallory <script>alert(1)</script>")
    profile = page.get_by_role("region", name="Profile")
    assert '"><img src=x onerror=alert(1)>' in profile.inner_text()
    assert "<b>Evilton</b>" in profile.inner_text()
    screenshot(page, "hostile-customer")
    assert_nothing_injected(page)

    # The active order, with poisoned artwork (the timeline links to it as "Order PO-10211" too).
    page.get_by_role("link", name="PO-10211", exact=True).click()
    page.wait_for_url(perpdesk.at("/orders/ORD-50211/"))
    assert "Hold: <script>alert(1)</script>" in page.get_by_role("region", name="Production").inner_text()
    artwork = page.get_by_role("region", name="Artwork")
    assert "Reviewer says <script>alert(1)</script>" in artwork.inner_text()
    assert artwork.locator("img").count() == 0  # javascript:/data:/scheme-relative: no image
    assert artwork.locator(".pd-unsafe-url").count() >= 1  # the links shown as text instead
    screenshot(page, "hostile-order")
    assert_nothing_injected(page)

    page.goto(perpdesk.at("/invoices/INV-70117/"))
    assert page.locator(".pd-unsafe-url", has_text="PDF").count() == 1
    assert_nothing_injected(page)

    assert page.watch.dialogs == []
    assert not any("evil.example" in host for host in page.watch.requested_hosts)


def assert_nothing_injected(page):
    assert page.locator("script:not([src])").count() == 0
    assert page.locator("iframe, img[src='x'], [onerror], [onload]").count() == 0
    assert page.locator("a[href^='javascript:'], a[href^='data:'], a[href^='//']").count() == 0


# --- Dark mode, and JavaScript off ------------------------------------------------------------------
def test_the_pages_render_in_dark_mode(new_page, perpdesk):
    page = new_page(color_scheme="dark")
    sign_in(page, perpdesk, next_path=f"/customers/{PAGING_CUSTOMER_ID}/")

    body = page.locator("body")
    assert luminance(body.evaluate("el => getComputedStyle(el).backgroundColor")) < 0.05
    assert luminance(body.evaluate("el => getComputedStyle(el).color")) > 0.5
    badge = heading(page).locator(".pd-badge.tone-vip")
    assert luminance(badge.evaluate("el => getComputedStyle(el).backgroundColor")) < 0.1
    assert luminance(badge.evaluate("el => getComputedStyle(el).color")) > 0.4
    screenshot(page, "dark-customer-360")

    page.goto(perpdesk.at(f"/orders/{IN_PRODUCTION_ORDER}/"))
    screenshot(page, "dark-order")
    page.goto(perpdesk.at(f"/invoices/{OVERDUE_INVOICE}/"))
    screenshot(page, "dark-invoice-overdue")
    search_for(page, "nobody@nowhere.example")
    screenshot(page, "dark-search-no-match")


def test_search_works_with_javascript_off(new_page, perpdesk):
    page = new_page(java_script_enabled=False)
    sign_in(page, perpdesk)

    search_for(page, "PO-10001")
    assert page.url == perpdesk.at("/orders/ORD-50001/")
    assert heading(page).inner_text().startswith("Order PO-10001")
    assert not page.get_by_role("button", name="Copy order number").is_visible()  # needs the script

    search_for(page, "Elijah.Brown@Gmail.com")
    assert page.url == perpdesk.at(f"/customers/{PAGING_CUSTOMER_ID}/")
    assert page.locator(".pd-balance strong").inner_text() == "USD 143.46"
    screenshot(page, "no-javascript-customer-360")
