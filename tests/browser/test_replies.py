"""Copy reply and Copy note in headless Chromium, read back from the clipboard: by click and
with the c shortcut (lookup/static/lookup/keyboard.js), announced to screen readers, plain
text; and the hostile customer's strings inert in replies, notes, the timeline and the
attention list."""

import re

import pytest
from playwright.sync_api import expect

from sandbox_perp import BENCH_CUSTOMER_ID, HOSTILE_CUSTOMER_ID, PAGING_CUSTOMER_ID
from tests.support.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.integration]

CLIPBOARD = ["clipboard-read", "clipboard-write"]  # http://localhost is a secure context
IN_PRODUCTION_ORDER = ("ORD-50205", "PO-10205")
INVOICE = ("INV-70029", "2026-0001")
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def clipboard_page(new_page, perpdesk):
    page = new_page(permissions=CLIPBOARD)
    sign_in(page, perpdesk)
    return page


def clipboard(page):
    return page.evaluate("navigator.clipboard.readText()")


def announced(page):
    """The texts of the page's live status regions."""
    return page.get_by_role("status").all_inner_texts()


def assert_plain_text(text):
    assert text.strip()
    assert not re.search(r"<\s*/?\s*[a-z]", text, re.IGNORECASE), text  # no markup
    assert "None" not in text and "&lt;" not in text and "&amp;" not in text


# --- By click --------------------------------------------------------------------------------
def test_copy_reply_puts_the_orders_reply_on_the_clipboard_and_says_copied(clipboard_page, perpdesk):
    page = clipboard_page
    order_id, number = IN_PRODUCTION_ORDER
    page.goto(perpdesk.at(f"/orders/{order_id}/"))
    button = page.get_by_role("button", name=f"Copy reply about order {number}")

    button.click()

    expect(button).to_have_text("Copied")
    expect(page.get_by_role("status").filter(has_text="Copied")).to_have_count(1)
    text = clipboard(page)
    assert number in text
    assert text == button.get_attribute("data-copy")
    assert_plain_text(text)
    expect(button).to_have_text("Copy reply", timeout=3_000)


def test_copy_note_puts_an_internal_note_with_a_link_to_the_page(clipboard_page, perpdesk):
    page = clipboard_page
    order_id, number = IN_PRODUCTION_ORDER
    page.goto(perpdesk.at(f"/orders/{order_id}/"))

    page.get_by_role("button", name=f"Copy note about order {number}").click()

    expect(page.get_by_role("button", name=f"Copy note about order {number}")).to_have_text("Copied")
    note = clipboard(page)
    assert number in note
    assert perpdesk.at(f"/orders/{order_id}/") in note  # absolute, whatever the note held
    assert_plain_text(note)


# --- With the c shortcut -----------------------------------------------------------------------
def test_c_copies_the_reply_of_the_order_chosen_with_j(clipboard_page, perpdesk):
    page = clipboard_page
    page.goto(perpdesk.at(f"/customers/{BENCH_CUSTOMER_ID}/"))
    page.keyboard.press("j")
    page.keyboard.press("j")
    chosen = page.locator("tr.pd-selected").get_attribute("data-order-id")
    reply = page.locator(f'.pd-reply[data-reply-order="{chosen}"]')
    number = page.locator("tr.pd-selected th").inner_text()

    page.keyboard.press("c")

    expect(reply).to_have_text("Copied")
    text = clipboard(page)
    assert text == reply.get_attribute("data-copy")
    assert number in text
    assert_plain_text(text)


def test_c_copies_the_reply_of_the_order_whose_expansion_has_the_focus(clipboard_page, perpdesk):
    page = clipboard_page
    page.goto(perpdesk.at(f"/customers/{BENCH_CUSTOMER_ID}/"))
    second = page.locator("tr.pd-expansion").nth(1)
    second.get_by_role("button", name=re.compile("^Copy note about order")).focus()
    order_id = second.locator(".pd-reply").get_attribute("data-reply-order")

    page.keyboard.press("c")

    expect(second.locator(".pd-reply")).to_have_text("Copied")
    assert clipboard(page) == page.locator(f'.pd-reply[data-reply-order="{order_id}"]').get_attribute("data-copy")


@pytest.mark.parametrize(
    ("path", "number", "attribute"),
    [(f"/orders/{IN_PRODUCTION_ORDER[0]}/", IN_PRODUCTION_ORDER[1], "data-reply-order"),
     (f"/invoices/{INVOICE[0]}/", INVOICE[1], "data-reply-invoice")],
    ids=["order", "invoice"],
)
def test_c_copies_the_pages_own_reply_on_an_order_or_invoice_page(clipboard_page, perpdesk, path, number, attribute):
    page = clipboard_page
    page.goto(perpdesk.at(path))

    page.keyboard.press("c")

    reply = page.locator(f".pd-reply[{attribute}]")
    expect(reply).to_have_text("Copied")
    assert number in clipboard(page)
    assert clipboard(page) == reply.get_attribute("data-copy")


def test_c_says_so_when_the_chosen_order_has_no_reply_on_the_page(clipboard_page, perpdesk):
    page = clipboard_page
    page.goto(perpdesk.at(f"/customers/{PAGING_CUSTOMER_ID}/"))
    page.evaluate("navigator.clipboard.writeText('untouched')")
    page.keyboard.press("c")
    expect(page.locator("#pd-keys-status")).to_have_text(re.compile("Choose an order first"))

    rows = page.locator("tr[data-order-id]:not(.pd-expansion)")
    unexpanded = next(
        index for index in range(rows.count())
        if page.locator(f'.pd-reply[data-reply-order="{rows.nth(index).get_attribute("data-order-id")}"]').count() == 0
    )
    for _ in range(unexpanded + 1):
        page.keyboard.press("j")
    page.keyboard.press("c")

    expect(page.locator("#pd-keys-status")).to_have_text(re.compile("No reply to copy for this order here"))
    assert clipboard(page) == "untouched"


# --- The hostile customer ------------------------------------------------------------------------
IMG = '"><img src=x onerror=alert(1)>'
AMPERSANDS = "Flyers <b>&amp;</b> &lt;posters&gt;"  # PERP's text, entities and all


def test_the_hostile_customers_strings_stay_text_in_the_attention_list_and_timeline(signed_in_page, perpdesk):
    page = signed_in_page
    page.goto(perpdesk.at(f"/customers/{HOSTILE_CUSTOMER_ID}/"))

    attention = page.get_by_role("region", name="Needs attention")
    timeline = page.get_by_role("region", name=re.compile("^Timeline"))

    assert f"Prepress {IMG}: stage past its expected completion" in attention.inner_text()
    assert f"Artwork for {AMPERSANDS}: rejected" in attention.inner_text()
    assert f"Artwork submitted: Banner {SCRIPT}" in timeline.inner_text()
    assert f"Prepress {IMG} started" in timeline.inner_text()
    for section in (attention, timeline):
        assert section.locator("script, img, iframe, b, i, [onerror], [onload]").count() == 0
    assert_nothing_injected(page)


def test_the_hostile_customers_strings_are_copied_as_plain_text_in_replies_and_notes(clipboard_page, perpdesk):
    page = clipboard_page
    page.goto(perpdesk.at(f"/customers/{HOSTILE_CUSTOMER_ID}/"))
    buttons = page.locator(".pd-reply, .pd-copy-note")
    assert buttons.count() >= 4

    copied = {}
    for button in buttons.all():
        button.click()
        expect(button).to_have_text("Copied")
        copied[button.get_attribute("aria-label")] = clipboard(page)
        assert copied[button.get_attribute("aria-label")] == expected_copy(button, perpdesk)

    reply = copied["Copy reply about order PO-10228"]
    assert f"Your proof for Banner {SCRIPT} has been waiting" in reply
    assert f"artwork for {AMPERSANDS} (on" in reply  # neither unescaped nor escaped again
    assert f"Production notes: Hold: {SCRIPT}" in copied["Copy note about order PO-10228"]
    assert not any("None" in text for text in copied.values())
    assert_nothing_injected(page)
    assert page.watch.dialogs == []


def expected_copy(button, perpdesk):
    """The button's text, its perpdesk path made absolute as perpdesk.js does."""
    text = button.get_attribute("data-copy")
    relative = button.get_attribute("data-copy-relative")
    return text.replace(relative, perpdesk.at(relative)) if relative else text


def assert_nothing_injected(page):
    assert page.locator("script:not([src])").count() == 0
    assert page.locator("iframe, img[src='x'], [onerror], [onload]").count() == 0
    assert page.locator("a[href^='javascript:'], a[href^='data:'], a[href^='//']").count() == 0
