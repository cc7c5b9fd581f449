"""The read side of the pages (lookup.pages.customer, .order, .invoice, .search, .sections), the message table (lookup.pages.messages) and
the presentation helpers the templates use (lookup.templatetags)."""

import threading
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from lookup.pages import customer as customer_page
from lookup.pages import invoice as invoice_page
from lookup.pages import order as order_page
from lookup.pages import search as search_page
from lookup.pages import sections
from lookup.pages.fanout import NotLoaded, SectionTimedOut
from lookup.pages.messages import CANNOT_SIGN_IN, message_for, stale_reason_for
from lookup.perp import models
from lookup.perp.errors import (
    PERPAPIError,
    PERPAuthError,
    PERPBadResponse,
    PERPUnavailable,
)
from lookup.reading.reader import Reading, Round
from lookup.templatetags import perpdesk as tags
from lookup.templatetags.charts import balance_history, wallet_chart
from tests.support import perp_payloads as p

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)


class FakeReader:
    """A reader whose answers are set per endpoint name: a value, an exception, a Reading,
    or a function of the read's parameters giving one of those."""

    def __init__(self, **answers):
        self.answers = answers
        self.calls = []  # (endpoint name, parameters)
        self._lock = threading.Lock()

    def start(self, reads, *, fanout):
        futures = fanout.start({name: (lambda read=read: self.read(read)) for name, read in reads.items()})
        return Round(fanout, {}, futures)  # every read is a call, recorded

    def read(self, read):
        name, params = read.endpoint.name, dict(read.params)
        with self._lock:
            self.calls.append((name, params))
        answer = self.answers.get(name)
        if callable(answer) and not isinstance(answer, type):
            answer = answer(**params)
        if isinstance(answer, Exception):
            raise answer
        return answer if isinstance(answer, Reading) else Reading(answer, NOW)


@pytest.fixture
def reader(monkeypatch):
    fake = FakeReader()
    for page_module in (customer_page, order_page, invoice_page, search_page):
        monkeypatch.setattr(page_module, "perp_reader", lambda refresh=False: fake)
    return fake


def customer():
    return models.Customer.from_json(p.customer())


def order(order_id="ORD-50001", **fields):
    return models.Order.from_json(p.order(order_id, **fields))


def invoice(invoice_id="INV-70001", **fields):
    return models.Invoice.from_json(p.invoice(invoice_id, **fields))


def page_of(items, total=None, has_more=False):
    total = len(items) if total is None else total
    return models.Page(items, models.Pagination(total, 10, 0, has_more))


# --- customer read_sections ------------------------------------------------------------------


def test_it_assembles_the_customer_page(reader):
    reader.answers.update(
        customer=customer(),
        vip_wallet=models.VIPWallet.from_json(p.wallet()),
        customer_orders=page_of([order("ORD-1", order_date="2026-01-01"),
                                     order("ORD-2", order_date="2026-10-01T10:00:00Z")]),
        customer_invoices=page_of([invoice()]),
        production_status=lambda order_id: models.ProductionStatus.from_json(p.production(order_id)),
        artwork=lambda order_id: models.Artwork.from_json(p.artwork(order_id)),
    )

    page = customer_page.read_sections(customer_id="CUST-1001", orders_page=2, invoices_page=3)

    assert page.customer.name == "Ada Lovelace"
    assert [row.order.order_id for row in page.order_rows] == ["ORD-2", "ORD-1"]  # newest first
    assert all(row.expanded for row in page.order_rows)
    assert page.currency == "USD"
    assert page.fetched_at == NOW
    assert not page.not_found and not page.auth_failed and not page.is_stale
    calls = dict(reader.calls)
    assert calls["customer_orders"] == {"customer_id": "CUST-1001", "limit": 10, "offset": 10}
    assert calls["customer_invoices"] == {"customer_id": "CUST-1001", "limit": 10, "offset": 20}


def test_active_orders_are_expanded_while_the_other_sections_are_still_read(reader):
    expanding = threading.Event()

    def invoices_answered_only_once_expanding(*args, **kwargs):
        assert expanding.wait(5), "the expansion waited for the invoices"
        return page_of([invoice()])

    def production(order_id):
        expanding.set()
        return models.ProductionStatus.from_json(p.production(order_id))

    reader.answers.update(
        customer=customer(),
        customer_orders=page_of([order("ORD-1")]),
        customer_invoices=invoices_answered_only_once_expanding,
        production_status=production,
        artwork=lambda order_id: models.Artwork.from_json(p.artwork(order_id)),
    )

    page = customer_page.read_sections(customer_id="CUST-1001")

    assert page.invoices.ok and page.order_rows[0].expanded.production.ok


def test_it_keeps_each_section_apart_when_one_fails(reader):
    reader.answers.update(
        customer=customer(),
        vip_wallet=PERPAPIError("/api/customers/{customer_id}/vip-wallet", "INTERNAL", "boom"),
        customer_orders=PERPUnavailable("/api/customers/{customer_id}/orders", "timeout", timeout=10),
        customer_invoices=page_of([]),
    )

    page = customer_page.read_sections(customer_id="CUST-1001")

    assert page.profile.ok and page.invoices.ok
    assert page.wallet.message == "PERP returned an error INTERNAL"
    assert page.orders.message == "PERP did not answer within 10 s"
    assert page.order_rows == []
    assert not any(name == "production_status" for name, _ in reader.calls)


def test_it_marks_a_missing_customer_as_not_found(reader):
    reader.answers.update(customer=None)

    assert customer_page.read_sections(customer_id="CUST-404").not_found


def test_a_failed_customer_read_is_not_not_found(reader):
    reader.answers.update(customer=PERPAuthError("/api/customers/{customer_id}", "401"))

    page = customer_page.read_sections(customer_id="CUST-1001")

    assert not page.not_found
    assert page.auth_failed


def test_it_reports_the_oldest_fetch_and_staleness(reader):
    old = NOW - timedelta(minutes=35)
    reader.answers.update(
        customer=customer(),
        vip_wallet=Reading(None, old, PERPUnavailable("/api/x", "status", status=503)),
    )

    page = customer_page.read_sections(customer_id="CUST-1001")

    assert page.fetched_at == old
    assert page.is_stale
    assert page.wallet.stale_reason == "PERP is not answering"


def test_it_turns_a_bug_in_a_section_into_that_sections_error(reader):
    reader.answers.update(customer=customer(), vip_wallet=ZeroDivisionError("bug"))

    page = customer_page.read_sections(customer_id="CUST-1001")

    assert page.profile.ok
    assert page.wallet.message == "perpdesk could not read this from PERP"


# --- order and invoice pages ----------------------------------------------------


def test_it_finds_the_orders_invoices_in_the_customers(reader, settings):
    settings.ORDER_INVOICES_SEARCHED = 50
    reader.answers.update(
        order=order("ORD-2"),
        customer_invoices=page_of(
            [invoice("INV-1", order_id="ORD-1"), invoice("INV-2", order_id="ORD-2")], total=80, has_more=True),
    )

    page = order_page.read("ORD-2")

    found = page.invoices.value
    assert [i.invoice_id for i in found.items] == ["INV-2"]
    assert not found.complete and found.searched == 2
    assert ("customer_invoices", {"customer_id": "CUST-1001", "limit": 50, "offset": 0}) in reader.calls


def test_it_does_not_search_invoices_when_the_order_failed(reader):
    reader.answers.update(order=PERPBadResponse("/api/orders/{order_id}", "HTTP 500"))

    page = order_page.read("ORD-2")

    assert isinstance(page.invoices.error, NotLoaded)
    assert page.invoices.message == "not loaded, because the order could not be read"
    assert not page.not_found


def test_it_reads_the_invoices_order_and_customer(reader):
    reader.answers.update(invoice=invoice(), order=order(), customer=customer())

    page = invoice_page.read("INV-70001")

    assert page.order.value.order_number == "PO-50001"
    assert page.customer.value.name == "Ada Lovelace"
    assert ("order", {"order_id": "ORD-50001"}) in reader.calls


def test_an_unknown_invoice_is_not_found(reader):
    reader.answers.update(invoice=None)

    page = invoice_page.read("INV-404")

    assert page.not_found
    assert [name for name, _ in reader.calls] == ["invoice"]


# --- search ---------------------------------------------------------------------------------


def test_it_makes_no_call_for_a_refused_query(reader):
    result = search_page.find("two words")

    assert result.problem and reader.calls == []


def test_it_goes_to_a_single_match(reader):
    reader.answers.update(order_search=order())

    result = search_page.find("PO-50001")

    assert result.single_match.kind == "order" and result.single_match.id == "ORD-50001"


def test_it_merges_the_same_record_found_two_ways(reader):
    reader.answers.update(order=order("ORD-7"), order_search=order("ORD-7"))

    result = search_page.find("7")

    assert [(m.kind, m.id) for m in result.matches] == [("order", "ORD-7")]


def test_it_does_not_jump_to_a_match_while_another_lookup_failed(reader):
    reader.answers.update(
        customer=customer(),
        order=PERPUnavailable("/api/orders/{order_id}", "connection"),
    )

    result = search_page.find("1001")

    assert result.single_match is None
    assert len(result.matches) == 1 and result.failures
    assert not result.nothing_found


# --- paging ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text, number", [("3", 3), (" 2 ", 2), ("0", 1), ("-1", 1), ("x", 1),
                                          (None, 1), ("10000000", sections.MAX_PAGE_NUMBER)])
def test_it_reads_page_numbers_forgivingly(text, number):
    assert sections.page_number(text) == number


def test_it_knows_whether_there_is_a_next_page():
    paging = sections.Paging.of(page_of([1] * 10, total=42), number=2, size=10)

    assert (paging.first, paging.last, paging.pages) == (11, 20, 5)
    assert paging.has_next and paging.has_previous
    assert not sections.Paging.of(page_of([1, 2], total=42), number=5, size=10).has_next


# --- messages --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "error, message",
    [
        (SectionTimedOut(8.0), "PERP did not answer within 8 s"),
        (PERPUnavailable("/api/x", "timeout", timeout=10.0), "PERP did not answer within 10 s"),
        (PERPUnavailable("/api/x", "status", status=503), "PERP is unavailable (HTTP 503)"),
        (PERPUnavailable("/api/x", "status", status=429), "PERP is too busy to answer (rate limited); try again in a minute"),
        (PERPUnavailable("/api/x", "connection"), "PERP could not be reached"),
        (PERPAPIError("/api/x", "INTERNAL", "boom"), "PERP returned an error INTERNAL"),
        (PERPAuthError("/api/x", "401"), CANNOT_SIGN_IN),
        (PERPBadResponse("/api/x", "not JSON"), "PERP sent an answer perpdesk could not read"),
        (NotLoaded("the order"), "not loaded, because the order could not be read"),
        (RuntimeError("secret detail"), "perpdesk could not read this from PERP"),
    ],
)
def test_it_words_every_error_from_one_table(error, message):
    assert message_for(error) == message


def test_it_never_puts_perp_details_in_a_message():
    error = PERPAPIError("/api/x", "INTERNAL", "stack trace with key=abc")

    assert "abc" not in message_for(error)


def test_it_says_why_data_is_stale():
    assert stale_reason_for(PERPUnavailable("/api/x", "timeout", timeout=10)) == "PERP is not answering"


# --- presentation helpers --------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount, currency, text",
    [
        (Decimal("1234.5"), "USD", "USD 1,234.50"),
        (Decimal("-12"), "EUR", "-EUR 12.00"),
        (Decimal("0.005"), None, "0.01"),
        (Decimal("1234567.891"), "USD", "USD 1,234,567.89"),
        (None, "USD", "—"),
    ],
)
def test_it_formats_money_from_decimal(amount, currency, text):
    assert tags.money(amount, currency) == text


@pytest.mark.parametrize(
    "url, safe",
    [
        ("https://files.perp.test/a.png", True),
        ("http://files.perp.test/a.png", True),
        ("HTTPS://FILES.PERP.TEST/A.PNG", True),
        ("javascript:alert(1)", False),
        (" https://files.perp.test/a.png", False),
        ("data:image/png;base64,AAAA", False),
        ("//evil.example/a.png", False),
        ("/relative/a.png", False),
        ("ftp://files.perp.test/a.png", False),
        ("https://", False),
        ("https:///path", False),
        ("http://[::1", False),
        (None, False),
        (42, False),
    ],
)
def test_it_lets_only_http_urls_through(url, safe):
    assert tags.safe_url(url) == (url if safe else "")


def test_it_builds_perp_web_links_with_the_id_encoded(settings):
    settings.PERP_WEB_URL = "https://perp.example.com/{kind}/{id}"

    assert tags.perp_web_url("orders", "ORD/1 2") == "https://perp.example.com/orders/ORD%2F1%202"
    settings.PERP_WEB_URL = ""
    assert tags.perp_web_url("orders", "ORD-1") == ""


@pytest.mark.parametrize(
    "status, tone",
    [("paid", "tone-success"), ("Overdue", "tone-danger"), ("in_production", "tone-info"),
     ("on_hold", "tone-warning"), ("brand_new_status", "tone-neutral"), (None, "tone-neutral")],
)
def test_it_maps_statuses_to_tones_with_a_neutral_default(status, tone):
    assert tags.status_tone(status) == tone


def test_it_shows_moments_in_the_time_zone(settings):
    settings.TIME_ZONE = "America/New_York"

    assert tags.when(datetime(2026, 11, 1, 18, 30, tzinfo=timezone.utc)) == "1 Nov 2026, 13:30"
    assert tags.when(date(2026, 11, 1)) == "1 Nov 2026"
    assert tags.when(None) == "—"


def test_it_says_how_long_ago(monkeypatch):
    from lookup import clock

    monkeypatch.setattr(clock, "now", lambda: NOW)

    assert tags.age(NOW - timedelta(seconds=20)) == "just now"
    assert tags.age(NOW - timedelta(minutes=35)) == "35 min ago"
    assert tags.age(NOW - timedelta(hours=2, minutes=5)) == "2 h 5 min ago"
    assert tags.age(NOW - timedelta(days=3)) == "3 days ago"


def test_it_walks_the_wallet_balance_back_from_now():
    wallet = models.VIPWallet.from_json(p.wallet())

    history = balance_history(wallet, now=NOW)

    assert [point.balance for point in history] == [
        Decimal("0.00"), Decimal("100.00"), Decimal("70.00"), Decimal("120.50"), Decimal("120.50")]
    assert history[-1].moment == NOW


def test_it_draws_no_chart_without_transactions():
    wallet = models.VIPWallet.from_json(p.wallet(transactions=[]))

    assert wallet_chart(wallet, now=NOW) is None


def test_it_draws_the_chart_inside_its_box():
    chart = wallet_chart(models.VIPWallet.from_json(p.wallet()), now=NOW)

    coordinates = [float(n) for pair in chart.line.split() for n in pair.split(",")]
    assert all(0 <= n <= chart.width for n in coordinates[0::2])
    assert all(0 <= n <= chart.height for n in coordinates[1::2])
    assert (chart.low, chart.high, chart.transactions) == (Decimal("0.00"), Decimal("120.50"), 3)
