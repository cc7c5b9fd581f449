"""The customer, order and invoice pages printed (lookup/static/lookup/print.css) in headless
Chromium: no header, navigation, search or buttons; the "fetched" times kept, in ink; rows
and small sections kept whole; the layout within A4's width; PDFs on A4 and Letter.

PDFs are counted, not read (the page tree's /Count); test-artifacts/print/ keeps them to look at.
"""

import re

import pytest

from sandbox_perp import BENCH_CUSTOMER_ID, PAGING_CUSTOMER_ID
from tests.support.browser import ROOT, luminance, sign_in, wait_for_images

pytestmark = [pytest.mark.browser, pytest.mark.integration]

PAGES = {
    "customer-vip": f"/customers/{PAGING_CUSTOMER_ID}/",
    "customer-active-orders": f"/customers/{BENCH_CUSTOMER_ID}/",
    "order-in-production": "/orders/ORD-50205/",
    "invoice-overdue": "/invoices/INV-70095/",
}
HIDDEN_ON_PAPER = ["#header", ".breadcrumbs", ".pd-refresh", ".pd-copy", ".pd-perp-link", ".pd-pager a", "#footer"]
A4_WIDTH_PX = round((210 - 2 * 12) / 25.4 * 96)  # between print.css's 12 mm margins
PDFS = ROOT / "test-artifacts" / "print"  # gitignored, to look at


def printed(page, perpdesk, path, *, width=None):
    page.goto(perpdesk.at(path))
    if width:
        page.set_viewport_size({"width": width, "height": 1000})
    page.emulate_media(media="print")
    return page


def shown(locator):
    return locator.evaluate_all(
        "els => els.filter(el => getComputedStyle(el).display !== 'none' && el.getClientRects().length)"
        ".map(el => el.outerHTML.slice(0, 80))"
    )


def pdf_pages(pdf):
    """The page count of the PDF's page tree (its root's /Count is the largest)."""
    assert pdf.startswith(b"%PDF-")
    return max(int(count) for count in re.findall(rb"/Count (\d+)", pdf))


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_a_printed_page_leaves_out_what_only_works_on_a_screen(signed_in_page, perpdesk, path):
    page = signed_in_page
    page.goto(perpdesk.at(path))
    assert shown(page.locator("#header, .pd-refresh, .pd-copy"))  # all there on the screen

    page.emulate_media(media="print")

    for selector in HIDDEN_ON_PAPER:
        assert shown(page.locator(selector)) == [], selector
    assert shown(page.locator("#content button, #content form, #content input")) == []
    assert page.get_by_role("heading", level=1).is_visible()


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_a_printed_page_keeps_when_its_data_was_fetched_in_ink(new_page, perpdesk, path):
    page = new_page(color_scheme="dark")  # its pale text would vanish on paper
    sign_in(page, perpdesk, next_path=path)
    page.emulate_media(media="print")

    fetched = page.locator(".pd-fetched")
    assert fetched.count() >= 1
    for index in range(fetched.count()):
        assert fetched.nth(index).is_visible()
        assert re.search(r"fetched \d", fetched.nth(index).inner_text())
    assert page.locator(".pd-freshness-age").is_visible()
    for element in [page.locator(".pd-fetched").first, page.locator("body"), page.locator(".module h2").first]:
        assert luminance(element.evaluate("el => getComputedStyle(el).color")) < 0.1


def test_rows_and_small_sections_are_not_split_across_sheets(signed_in_page, perpdesk):
    page = printed(signed_in_page, perpdesk, f"/customers/{BENCH_CUSTOMER_ID}/")

    breaks = page.locator("tbody tr, .pd-grid > .pd-section, .pd-facts").evaluate_all(
        "els => [...new Set(els.map(el => getComputedStyle(el).breakInside))]"
    )
    assert breaks == ["avoid"]
    headings = page.locator("h2").evaluate_all("els => [...new Set(els.map(el => getComputedStyle(el).breakAfter))]")
    assert headings == ["avoid"]
    assert page.locator("tr.pd-active").first.evaluate("el => getComputedStyle(el).breakAfter") == "avoid"


def test_folded_lines_are_printed_unfolded(signed_in_page, perpdesk):
    page = signed_in_page
    page.goto(perpdesk.at(f"/customers/{BENCH_CUSTOMER_ID}/"))
    folded = page.locator("details:not([open]) li").first
    assert not folded.is_visible()  # "N more" on the screen

    page.emulate_media(media="print")  # no beforeprint event: print.css alone

    assert folded.is_visible()


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_a_printed_page_fits_the_width_of_a4(signed_in_page, perpdesk, path):
    page = printed(signed_in_page, perpdesk, path, width=A4_WIDTH_PX)

    overflowing = page.evaluate("document.documentElement.scrollWidth")

    assert overflowing <= A4_WIDTH_PX


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_a_printed_page_ends_where_its_content_ends(signed_in_page, perpdesk, path):
    """Nothing after the last section (a margin, an empty line) to start a blank sheet."""
    page = printed(signed_in_page, perpdesk, path, width=A4_WIDTH_PX)

    content_end = page.locator("#content > *").evaluate_all(
        "els => Math.max(...els.filter(el => el.getClientRects().length)"
        ".map(el => el.getBoundingClientRect().bottom + window.scrollY))"
    )

    assert page.evaluate("document.body.getBoundingClientRect().bottom + window.scrollY") - content_end < 1


@pytest.mark.parametrize("paper", ["A4", "Letter"])
@pytest.mark.parametrize("name", PAGES)
def test_a_page_prints_to_a_pdf_of_a_few_sheets(signed_in_page, perpdesk, name, paper):
    page = signed_in_page
    page.goto(perpdesk.at(PAGES[name]))
    wait_for_images(page)

    PDFS.mkdir(parents=True, exist_ok=True)
    pdf = page.pdf(format=paper, path=PDFS / f"{name}-{paper}.pdf")

    assert 1 <= pdf_pages(pdf) <= 10
