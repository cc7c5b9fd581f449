"""The keyboard flow (lookup/static/lookup/keyboard.js) in headless Chromium: j/k and the
arrows through recent lookups, search results and a customer's orders, Enter to open,
r to Refresh, ? for the help, and none of them while typing or with a modifier held.
Copying a reply with c is in test_replies.py."""

import pytest
from playwright.sync_api import expect

from sandbox_perp import BENCH_CUSTOMER_ID, PAGING_CUSTOMER_ID
from tests.support import perp_payloads as p
from tests.support.browser import search_for, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.integration]

VISITED = ["/customers/CUST-1001/", "/orders/ORD-50001/", "/invoices/INV-70029/"]  # oldest first


def focused_href(page):
    return page.evaluate("document.activeElement.getAttribute('href')")


def selected(page):
    """The hrefs of the items marked as chosen (one at most)."""
    return page.locator(".pd-selected a[href]").evaluate_all("links => links.map(a => a.getAttribute('href'))")


def visit(page, perpdesk, paths):
    for path in paths:
        page.goto(perpdesk.at(path))
    page.goto(perpdesk.at("/"))


# --- Recent lookups and search results ------------------------------------------------------
def test_j_and_k_walk_the_recent_lookups_and_enter_opens_one(signed_in_page, perpdesk):
    page = signed_in_page
    visit(page, perpdesk, VISITED)
    recent = page.get_by_role("region", name="Your recent lookups").get_by_role("link")
    assert recent.evaluate_all("links => links.map(a => a.getAttribute('href'))")[:3] == VISITED[::-1]

    page.keyboard.press("j")
    assert focused_href(page) == VISITED[2]  # the newest first
    assert selected(page) == [VISITED[2]]
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert focused_href(page) == VISITED[0]
    page.keyboard.press("k")
    assert focused_href(page) == VISITED[1]
    assert selected(page) == [VISITED[1]]

    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == perpdesk.at(VISITED[1])


def test_the_arrows_walk_the_search_results(signed_in_page, perpdesk, settings, fake):
    settings.PERP_API_URL = p.PERP  # several matches, which the sandbox has for no text
    fake.ok("/orders/search?order_number=AB12", p.order("ORD-50001"))
    fake.ok("/invoices/AB12", p.invoice("INV-70009", invoice_number="2026-0009"))
    fake.nothing_matches("AB12")
    page = signed_in_page
    search_for(page, "AB12")
    results = page.locator("[data-pd-list] > li")
    expect(results).to_have_count(2)

    page.keyboard.press("ArrowDown")
    assert focused_href(page) == "/orders/ORD-50001/"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # stays on the last
    assert focused_href(page) == "/invoices/INV-70009/"
    assert results.nth(1).evaluate("li => getComputedStyle(li).outlineStyle") == "solid"
    page.keyboard.press("ArrowUp")
    assert focused_href(page) == "/orders/ORD-50001/"
    assert selected(page) == ["/orders/ORD-50001/"]


def test_the_keys_do_nothing_while_typing_or_with_a_modifier(signed_in_page, perpdesk):
    page = signed_in_page
    visit(page, perpdesk, VISITED[:1])
    box = page.get_by_role("searchbox")
    box.click()

    page.keyboard.type("jkrc?")
    page.keyboard.press("ArrowDown")

    assert box.input_value() == "jkrc?"
    assert page.evaluate("document.activeElement.id") == "pd-search-q"
    assert page.locator("dialog[open]").count() == 0
    page.locator("h1").click()
    page.keyboard.press("Alt+j")
    page.keyboard.press("Control+k")
    assert page.locator(".pd-selected").count() == 0
    assert focused_href(page) is None  # no recent lookup took the focus


# --- A customer's orders, Refresh -------------------------------------------------------------
def test_j_walks_a_customers_orders_with_their_expansions_between(signed_in_page, perpdesk):
    page = signed_in_page
    page.goto(perpdesk.at(f"/customers/{BENCH_CUSTOMER_ID}/"))
    rows = page.locator("tr[data-order-id]:not(.pd-expansion)")
    first, second = rows.nth(0).get_attribute("data-order-id"), rows.nth(1).get_attribute("data-order-id")
    assert page.locator("tr.pd-expansion").count() >= 1  # an expanded order's row lies between

    page.keyboard.press("j")
    assert page.locator("tr.pd-selected").get_attribute("data-order-id") == first
    assert focused_href(page) == f"/orders/{first}/"
    page.keyboard.press("j")
    assert page.locator("tr.pd-selected").get_attribute("data-order-id") == second
    assert page.locator("tr.pd-selected").count() == 1

    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == perpdesk.at(f"/orders/{second}/")


def test_the_arrows_scroll_a_customers_page_until_an_order_is_chosen(signed_in_page, perpdesk):
    page = signed_in_page
    page.goto(perpdesk.at(f"/customers/{BENCH_CUSTOMER_ID}/"))

    page.keyboard.press("ArrowDown")

    assert page.locator(".pd-selected").count() == 0
    page.keyboard.press("j")
    page.keyboard.press("ArrowDown")
    assert page.locator("tr.pd-selected").get_attribute("data-order-id") == (
        page.locator("tr[data-order-id]:not(.pd-expansion)").nth(1).get_attribute("data-order-id")
    )


def test_r_refreshes_the_page(signed_in_page, perpdesk):
    page = signed_in_page
    page.goto(perpdesk.at(f"/customers/{PAGING_CUSTOMER_ID}/"))
    refresh = page.get_by_role("button", name="Refresh")
    assert refresh.get_attribute("aria-keyshortcuts") == "R"

    with page.expect_request(lambda request: request.method == "POST" and request.url == perpdesk.at("/refresh/")):
        with page.expect_navigation():
            page.keyboard.press("r")

    assert page.url == perpdesk.at(f"/customers/{PAGING_CUSTOMER_ID}/")


# --- The help -----------------------------------------------------------------------------------
def test_question_mark_shows_the_shortcuts_and_escape_gives_the_focus_back(signed_in_page, perpdesk):
    page = signed_in_page
    visit(page, perpdesk, VISITED[:2])
    page.keyboard.press("j")
    assert focused_href(page) == VISITED[1]

    page.keyboard.press("?")

    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_dialog).to_be_visible()
    for shortcut in ("Jump to the search box", "Refresh the page from PERP", "Copy the reply"):
        assert shortcut in help_dialog.inner_text()
    page.keyboard.press("j")  # the page's keys wait while the help is open
    assert selected(page) == [VISITED[1]]
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()
    assert focused_href(page) == VISITED[1]


def test_the_shortcuts_button_opens_the_help_and_close_shuts_it(signed_in_page, perpdesk):
    page = signed_in_page
    opener = page.get_by_role("button", name="Keyboard shortcuts")
    assert opener.get_attribute("aria-keyshortcuts") == "?"

    opener.click()
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_dialog).to_be_visible()
    help_dialog.get_by_role("button", name="Close").click()

    expect(help_dialog).to_be_hidden()
    assert page.evaluate("document.activeElement.id") == "pd-shortcuts-open"


def test_the_help_stays_hidden_without_javascript(new_page, perpdesk):
    page = new_page(java_script_enabled=False)
    sign_in(page, perpdesk)

    assert not page.get_by_role("button", name="Keyboard shortcuts").is_visible()
    assert not page.get_by_role("dialog").is_visible()
