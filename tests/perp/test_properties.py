"""Property-based tests of the PERP boundary: PERP-like answers generated from each
model's own rule table (lookup.perp.models), with optional fields missing or null,
fields of the wrong type, unknown statuses, text from the whole Unicode range, huge
numbers and deeply nested junk in fields PERP added.

Through the client (PERP mocked with `responses`) such an answer never raises anything
but the client's error family, never fails a section for a field that is not essential,
and never changes a well-typed field's value. The normal suite runs a seeded, bounded
run; `pytest -m hypothesis_long tests/perp/test_properties.py` runs a long random one.
"""

import math
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import responses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from django.utils.html import conditional_escape

from lookup.perp import fields as f
from lookup.perp import models
from lookup.perp.client import PERPClient
from lookup.perp.errors import PERPError
from lookup.perp.fields import AsSent
from lookup.templatetags import perpdesk as tags
from lookup.templatetags.charts import wallet_chart

PERP = "http://perp.test/api"

BOUNDED = settings(
    max_examples=25, derandomize=True, database=None, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
LONG = settings(
    max_examples=1500, derandomize=False, database=None, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- Any JSON at all -----------------------------------------------------------------------

ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=20) | st.just(
    "<script>alert(1)</script>")  # surrogates too
SCALARS = (
    st.none() | st.booleans() | st.integers(-(10**40), 10**40) | ANY_TEXT
    | st.floats(allow_nan=True, allow_infinity=True)
)
JUNK = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_TEXT, inner, max_size=3),
    max_leaves=8,
)


def _nest(depth, leaf):
    for level in range(depth):
        leaf = [leaf] if level % 2 else {"x": leaf}  # lists in objects in lists...
    return leaf


# Deep, but within what any PERP model needs (the client refuses deeper JSON: #3).
DEEP_JUNK = st.builds(_nest, st.integers(1, 18), SCALARS)


# --- Well-typed values of each rule, with what perpdesk must read them as ----------------

HOSTILE = ['<script>alert("x")</script>', '"><img src=x onerror=alert(1)>', "javascript:alert(1)"]
AMOUNTS = st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False, allow_infinity=False)
OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
MOMENTS = st.datetimes(datetime(1900, 1, 1), datetime(2200, 1, 1), timezones=st.none() | OFFSETS)


def _amount_spellings(amount):
    spellings = [st.just((str(amount), amount)), st.just((f"{amount:,}", amount)),
                 st.just((f"  {amount}  ", amount))]
    if amount == amount.to_integral_value():
        spellings.append(st.just((int(amount), Decimal(int(amount)))))
    as_float = float(amount)
    spellings.append(st.just((as_float, Decimal(repr(as_float)))))
    return st.one_of(spellings)


def _percentage_spellings(amount):
    return st.sampled_from([(str(amount), amount), (f"{amount}%", amount), (f"{amount} %", amount),
                            (float(amount), Decimal(repr(float(amount))))])


def _count_spellings(number):
    return st.sampled_from([(number, number), (str(number), number), (float(number), number),
                            (f"{number:,}", number)])


def _moment_spellings(moment):
    expected = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return st.sampled_from([(moment.isoformat(), expected), (moment.isoformat(sep=" "), expected),
                            (moment.date().isoformat(), moment.date())])


SCALAR_VALUES = {
    f.read_text: (st.text(max_size=30) | st.sampled_from(HOSTILE)).map(lambda s: (s, s))
    | st.integers(-(10**20), 10**20).map(lambda n: (n, str(n))),
    f.read_amount: AMOUNTS.flatmap(_amount_spellings),
    f.read_percentage: st.decimals(0, 100, places=1).flatmap(_percentage_spellings),
    f.read_count: st.integers(0, 10**15).flatmap(_count_spellings),
    f.read_flag: st.sampled_from([(True, True), (False, False), ("true", True), ("False", False), (1, True)]),
    f.read_moment: MOMENTS.flatmap(_moment_spellings),
}
IDS = st.text(min_size=1, max_size=20).filter(str.strip).map(lambda s: (s, s)) | st.integers(0, 10**9).map(
    lambda n: (n, str(n)))


# --- Generated records ----------------------------------------------------------------------


class Expect:
    """What a generated record must read as: well-typed values by path, and the paths
    where something unreadable was sent (only those may be reported)."""

    def __init__(self):
        self.values = {}  # (attribute or index, ...) -> expected value
        self.junk = set()  # dotted paths of fields sent as junk or dropped items


@st.composite
def record(draw, model, expect, at=(), dotted=""):
    """A PERP-like object for `model`: each field well-typed, junk, null or absent."""
    data = {}
    for name, rule in model.RULES.items():
        path, where = at + (name,), dotted + name
        if isinstance(rule, f.Identifier):
            data[name], expect.values[path] = draw(IDS)
            continue
        choice = draw(st.sampled_from(["well", "well", "well", "junk", "null", "absent"]))
        if choice == "absent":
            continue
        if choice == "null":
            data[name] = None
        elif choice == "junk":
            data[name] = draw(JUNK)
            expect.junk.add(where)
        else:
            data[name] = draw(_well(rule, expect, path, where))
    for key in draw(st.lists(ANY_TEXT.filter(lambda key: key not in model.RULES), max_size=2, unique=True)):
        data[key] = draw(JUNK | DEEP_JUNK)
    return data


def _well(rule, expect, path, where):
    if isinstance(rule, f.Scalar):
        return SCALAR_VALUES[rule.reader].map(lambda pair: _expecting(expect, path, *pair))
    if isinstance(rule, f.Nested):
        return record(rule.model, expect, path + ("",), where + ".")
    return _items(rule, expect, path, where)


def _expecting(expect, path, sent, expected):
    expect.values[path] = expected
    return sent


@st.composite
def _items(draw, rule, expect, path, where):
    items, kept = [], 0
    for _ in range(draw(st.integers(0, 3))):
        if draw(st.integers(0, 4)) == 0:
            items.append(draw(SCALARS))  # not an object: dropped
            expect.junk.add(where + "[]")
            continue
        items.append(draw(record(rule.model, expect, path + (kept,), where + "[].")))
        kept += 1
    return items


def _resolve(value, path):
    for step in path:
        if step == "":
            continue  # a nested object: its fields follow
        value = value[step] if isinstance(step, int) else getattr(value, step)
    return value


def assert_read_as_generated(value, expect):
    for path, expected in expect.values.items():
        if any(isinstance(_resolve_or_none(value, path[:i]), AsSent) for i in range(len(path))):
            continue
        got = _resolve(value, path)
        assert got == expected and type(got) is type(expected), (path, got, expected)
        if isinstance(expected, Decimal):
            assert str(got) == str(expected), path  # the same digits: never through float
        if isinstance(expected, datetime):
            assert got.utcoffset() == expected.utcoffset(), path
    unexpected = [path for path in value.unread if not _within_junk(path, expect.junk)]
    assert not unexpected, (unexpected, expect.junk)


def _resolve_or_none(value, path):
    try:
        return _resolve(value, path)
    except (AttributeError, IndexError, TypeError):
        return None


def _within_junk(path, junk):
    """A reported path is one PERP was sent junk at, or inside such junk (a junk object
    read as the documented one, a junk list's items)."""
    return any(path == sent or path.startswith((sent + ".", sent + "[]")) for sent in junk)


# --- Endpoints --------------------------------------------------------------------------------

ENDPOINTS = [
    # (client method, argument, PERP path, model)
    ("get_customer", "C-1", "/customers/C-1", models.Customer),
    ("search_customer_by_email", "a@b.example", "/customers/search", models.Customer),
    ("get_vip_wallet", "C-1", "/customers/C-1/vip-wallet", models.VIPWallet),
    ("get_order", "O-1", "/orders/O-1", models.Order),
    ("search_order_by_number", "N-1", "/orders/search", models.Order),
    ("get_production_status", "O-1", "/orders/O-1/production", models.ProductionStatus),
    ("get_artwork", "O-1", "/orders/O-1/artwork", models.Artwork),
    ("get_invoice", "I-1", "/invoices/I-1", models.Invoice),
    ("search_invoice_by_number", "N-1", "/invoices/search", models.Invoice),
]
PAGES = [
    ("get_customer_orders", "/customers/C-1/orders", "orders", models.Order),
    ("get_customer_invoices", "/customers/C-1/invoices", "invoices", models.Invoice),
]


def _client():
    return PERPClient(base_url=PERP, api_key="k", max_retries=0, sleep=lambda seconds: None)


def _serve(path, data):
    mock = responses.RequestsMock(assert_all_requests_are_fired=False)
    mock.get(PERP + path, json={"success": True, "data": data, "timestamp": "2026-11-01T12:00:00Z"})
    return mock


@st.composite
def answers(draw, model):
    expect = Expect()
    return draw(record(model, expect)), expect


@st.composite
def page_answers(draw, list_key, model):
    expect, items, kept = Expect(), [], 0
    for _ in range(draw(st.integers(0, 3))):
        if draw(st.integers(0, 4)) == 0:
            items.append(draw(SCALARS | st.just({"no": "id"})))
            expect.junk.add(list_key + "[]")
            continue
        items.append(draw(record(model, expect, ("items", kept), list_key + "[].")))
        kept += 1
    data = {list_key: items}
    if draw(st.booleans()):
        data["pagination"] = draw(record(models.Pagination, expect, ("pagination", ""), "pagination."))
    return data, expect


def check_record(endpoint, answer):
    method, argument, path, model = endpoint
    data, expect = answer
    with _serve(path, data):
        value = getattr(_client(), method)(argument)  # a non-essential field never fails it
    assert isinstance(value, model)
    assert_read_as_generated(value, expect)
    assert set(value.extra) == set(data) - set(model.RULES)
    _renders(value)


def check_page(endpoint, answer):
    method, path, list_key, model = endpoint
    data, expect = answer
    with _serve(path, data):
        page = getattr(_client(), method)("C-1")
    assert isinstance(page, models.Page) and all(isinstance(item, model) for item in page.items)
    assert_read_as_generated(page, expect)
    assert not isinstance(page.pagination.total, AsSent) or "pagination.total" in page.unread


def check_any_answer(endpoint, data):
    """Whatever `data` holds, the client answers a value or raises one of its errors."""
    method, argument, path, _ = endpoint
    with _serve(path, data):
        try:
            value = getattr(_client(), method)(argument)
        except PERPError:
            return
    if value is not None:
        _renders(value)


def _renders(value):
    """Every tag and filter that shows this record works, and escapes what PERP sent
    (filters' plain text as the template engine would)."""
    if isinstance(value, models.Order):
        shown = [tags.order_row(value), tags.not_shown_note(value, "line items")]
        shown += [tags.money(line.total_price, value.currency) for line in value.line_items]
        shown += [tags.when(value.order_date), tags.status_badge(value.status, value.status_display)]
    elif isinstance(value, models.Invoice):
        shown = [tags.invoice_rows([value]), tags.day(value.due_date), tags.external_link(value.pdf_url, "PDF")]
    elif isinstance(value, models.ProductionStatus):
        shown = [tags.stepper(value, detailed=True), tags.stepper(value)]
    elif isinstance(value, models.Artwork):
        shown = [tags.artwork_strip(value)] + [tags.thumbnail(item, 96) for item in value.artwork_items]
    elif isinstance(value, models.VIPWallet):
        wallet_chart(value)
        shown = [tags.money(value.balance, value.currency), tags.day(value.last_transaction_date)]
        for transaction in value.transactions:
            shown += [tags.signed_money(transaction, value.currency), tags.amount_tone(transaction)]
    else:
        shown = [tags.money(value.lifetime_value), tags.day(value.created_at), tags.when(value.last_order_date),
                 tags.copyable(value.email, "email"), tags.status_text(value.vip_tier)]
    html = "".join(conditional_escape(part) for part in shown)
    assert "<script" not in html.lower() and "<img" not in html.lower()


# --- The properties, bounded in the normal suite ------------------------------------------------


def run(profile, strategy, check, endpoint):
    """`check(endpoint, example)` for the examples `profile` asks of `strategy`."""

    def holds(example):
        check(endpoint, example)

    profile(given(strategy)(holds))()


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e[0])
def test_a_generated_record_reads_with_its_well_typed_fields_unchanged(endpoint):
    run(BOUNDED, answers(endpoint[3]), check_record, endpoint)


@pytest.mark.parametrize("endpoint", PAGES, ids=lambda e: e[0])
def test_a_generated_page_reads_with_its_well_typed_fields_unchanged(endpoint):
    run(BOUNDED, page_answers(endpoint[2], endpoint[3]), check_page, endpoint)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e[0])
def test_any_json_at_all_gives_a_value_or_one_of_the_clients_errors(endpoint):
    run(BOUNDED, JUNK | DEEP_JUNK, check_any_answer, endpoint)


@BOUNDED
@given(st.sampled_from(ENDPOINTS), JUNK)
def test_a_record_with_a_junk_id_is_a_bad_response_or_reads(endpoint, junk_id):
    method, argument, path, model = endpoint
    id_name = next(name for name, rule in model.RULES.items() if isinstance(rule, f.Identifier))
    data = {id_name: junk_id}
    with _serve(path, data):
        try:
            value = getattr(_client(), method)(argument)
        except PERPError:
            assert not (isinstance(junk_id, (str, int)) and not isinstance(junk_id, bool) and str(junk_id).strip())
            return
    assert value.fields.missing == tuple(
        name for name, rule in model.RULES.items() if rule.required and name != id_name)


@BOUNDED
@given(SCALARS)
def test_every_rule_reads_any_scalar_or_keeps_it_as_text(value):
    for reader, expected in ((f.read_amount, Decimal), (f.read_percentage, Decimal), (f.read_count, int),
                             (f.read_moment, date), (f.read_flag, bool), (f.read_text, str)):
        if value is None:
            continue
        values, _, report = f.read_fields({"x": f.Scalar(reader, "it")}, {"x": value})
        read = values["x"]
        if read is None:
            continue
        if isinstance(read, AsSent):
            assert report.unreadable == {"x": None}
        else:
            assert isinstance(read, expected) and not report.unreadable
            if expected is Decimal:
                assert read.is_finite() and read.adjusted() <= f.MAX_DIGITS
            if isinstance(value, float) and not math.isfinite(value):
                pytest.fail(f"{reader.__name__} read {value!r}")


# --- The long run -------------------------------------------------------------------------------


@pytest.mark.hypothesis_long
def test_the_boundary_holds_over_a_long_random_run():
    """Deselected unless asked for: pytest -m hypothesis_long tests/perp/test_properties.py"""
    for endpoint in ENDPOINTS:
        run(LONG, answers(endpoint[3]), check_record, endpoint)
        run(LONG, JUNK | DEEP_JUNK, check_any_answer, endpoint)
    for endpoint in PAGES:
        run(LONG, page_answers(endpoint[2], endpoint[3]), check_page, endpoint)
