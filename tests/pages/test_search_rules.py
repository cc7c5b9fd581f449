"""The search box's rules (lookup.pages.search): what a text is looked up as, from its shape and
the operator's SEARCH_PATTERNS, after cleaning what staff paste."""

import re

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from lookup.pages.search import (
    ID_KINDS,
    MAX_QUERY_LENGTH,
    Kind,
    Lookup,
    plan_search,
    search_examples,
    search_patterns,
    settings_problems,
)

# An operator's patterns, of no PERP in particular.
PATTERNS = {
    Kind.CUSTOMER_ID: re.compile(r"K\d{3,}"),
    Kind.ORDER_NUMBER: re.compile(r"SO/?\d+"),
    Kind.INVOICE_NUMBER: re.compile(r"\d{4}-\d+|INV-\d+-\d+"),
}


def lookups(text, patterns=None, web_url=""):
    plan = plan_search(text, patterns=patterns if patterns is not None else {}, web_url=web_url)
    assert plan.problem is None, plan.problem
    return [(lookup.kind, lookup.term) for lookup in plan.lookups]


def every_kind(term):
    return [(kind, term) for kind in ID_KINDS]


# --- Without patterns (the defaults): every id lookup for any id-like text ---------------


@pytest.mark.parametrize("text", ["CUST-1001", "PO-10001", "INV-040-001", "2026-0001", "10001", "AB12.x_9"])
def test_it_tries_every_id_lookup_for_any_id_like_text_by_default(text):
    assert lookups(text) == every_kind(text)


def test_it_sends_the_text_as_typed_without_changing_its_case():
    assert lookups("po-10001") == every_kind("po-10001")


@pytest.mark.parametrize(
    "text, email",
    [
        ("ada@example.com", "ada@example.com"),
        ("  Ada.Lovelace+print@example.co.uk \n", "Ada.Lovelace+print@example.co.uk"),
        ("zoë@exämple.com", "zoë@exämple.com"),
    ],
)
def test_it_searches_an_email_shape_as_an_email_only(text, email):
    assert lookups(text, PATTERNS) == [(Kind.EMAIL, email)]


# --- With patterns -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, kinds",
    [
        ("K1001", [Kind.CUSTOMER_ID]),
        ("SO10001", [Kind.ORDER_NUMBER]),
        ("2026-0001", [Kind.INVOICE_NUMBER]),
        ("INV-040-001", [Kind.INVOICE_NUMBER]),
    ],
)
def test_it_looks_up_a_text_that_fits_a_pattern_as_that_kind_only(text, kinds):
    assert lookups(text, PATTERNS) == [(kind, text) for kind in kinds]


def test_it_tries_every_kind_a_text_fits_when_patterns_overlap():
    patterns = {Kind.ORDER_ID: re.compile(r"\d+"), Kind.INVOICE_ID: re.compile(r"\d+")}

    assert lookups("50001", patterns) == [(Kind.ORDER_ID, "50001"), (Kind.INVOICE_ID, "50001")]


def test_it_tries_every_lookup_for_a_text_that_fits_no_pattern():
    assert lookups("ORD-50001", PATTERNS) == every_kind("ORD-50001")


def test_a_pattern_must_fit_the_whole_text():
    assert lookups("xK1001x", PATTERNS) == every_kind("xK1001x")


@override_settings(SEARCH_PATTERNS=r"customer_id=^K\d+$;order_number=^SO\d+$")
def test_it_reads_the_patterns_from_settings():
    assert plan_search("K1001").lookups == (Lookup(Kind.CUSTOMER_ID, "K1001"),)
    assert plan_search("SO5").lookups == (Lookup(Kind.ORDER_NUMBER, "SO5"),)
    assert len(plan_search("X-1").lookups) == len(ID_KINDS)


@override_settings(SEARCH_PATTERNS='{"invoice_number": "^INV-\\\\d+-\\\\d+$; or not"}')
def test_it_reads_patterns_written_as_json():
    assert set(search_patterns()) == {Kind.INVOICE_NUMBER}


@override_settings(SEARCH_PATTERNS="order_number=(unclosed")
def test_a_bad_pattern_setting_searches_everything_rather_than_nothing():
    assert len(plan_search("SO5").lookups) == len(ID_KINDS)


# --- Pasted forms --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("mailto:ada@example.com", [(Kind.EMAIL, "ada@example.com")]),
        ("MAILTO:ada%40example.com?subject=Order", [(Kind.EMAIL, "ada@example.com")]),
        ("<ada@example.com>", [(Kind.EMAIL, "ada@example.com")]),
        ("<mailto:ada@example.com>", [(Kind.EMAIL, "ada@example.com")]),
        ('"ada@example.com"', [(Kind.EMAIL, "ada@example.com")]),
        ("“SO10001”", [(Kind.ORDER_NUMBER, "SO10001")]),
        ("'K1001'", [(Kind.CUSTOMER_ID, "K1001")]),
        ("#SO10001", [(Kind.ORDER_NUMBER, "SO10001")]),
        ("# 2026-0001", [(Kind.INVOICE_NUMBER, "2026-0001")]),
    ],
)
def test_it_cleans_what_staff_paste_first(text, expected):
    assert lookups(text, PATTERNS) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Order #A-17", [(Kind.ORDER_ID, "A-17"), (Kind.ORDER_NUMBER, "A-17")]),
        ("order no. A-17", [(Kind.ORDER_ID, "A-17"), (Kind.ORDER_NUMBER, "A-17")]),
        ("Invoice #A-17", [(Kind.INVOICE_ID, "A-17"), (Kind.INVOICE_NUMBER, "A-17")]),
        ("INVOICE: A-17", [(Kind.INVOICE_ID, "A-17"), (Kind.INVOICE_NUMBER, "A-17")]),
        ("Invoice number: #A-17", [(Kind.INVOICE_ID, "A-17"), (Kind.INVOICE_NUMBER, "A-17")]),
        ("order#A-17", [(Kind.ORDER_ID, "A-17"), (Kind.ORDER_NUMBER, "A-17")]),
        ("Customer A-17", [(Kind.CUSTOMER_ID, "A-17")]),
    ],
)
def test_a_word_before_the_id_narrows_the_lookups_to_its_kind(text, expected):
    assert lookups(text) == expected


@pytest.mark.parametrize("text", ["ORDERNO5", "Orders", "invoicenumber7", "customer"])
def test_a_word_run_into_the_id_is_part_of_the_id(text):
    assert lookups(text) == every_kind(text)


def test_a_word_before_the_id_still_lets_a_pattern_choose_within_its_kind():
    assert lookups("Invoice #2026-0001", PATTERNS) == [(Kind.INVOICE_NUMBER, "2026-0001")]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("/customers/K1001/", (Kind.CUSTOMER_ID, "K1001")),
        ("https://perpdesk.example.com/orders/A-17/", (Kind.ORDER_ID, "A-17")),
        ("http://127.0.0.1:8000/invoices/A%2D17/?orders_page=2#top", (Kind.INVOICE_ID, "A-17")),
        ("<https://perpdesk.example.com/customers/K1001>", (Kind.CUSTOMER_ID, "K1001")),
    ],
)
def test_it_takes_the_id_from_a_perpdesk_page_url(text, expected):
    assert lookups(text, PATTERNS) == [expected]


def test_a_page_url_whose_id_cannot_be_one_is_refused():
    plan = plan_search("/orders/a%2F..%2Fb/", patterns={}, web_url="")

    assert plan.lookups == ()
    assert plan.problem.startswith("That cannot be")


@pytest.mark.parametrize(
    "web_url, text, expected",
    [
        ("https://perp.example.com/{kind}/{id}", "https://perp.example.com/orders/A-17",
         [(Kind.ORDER_ID, "A-17")]),
        ("https://perp.example.com/{kind}/{id}", "HTTPS://PERP.EXAMPLE.COM/INVOICES/A-17/",
         [(Kind.INVOICE_ID, "A-17")]),
        ("https://perp.example.com/app#/{kind}/{id}/view", "https://PERP.example.com/app#/invoices/Z%209/view",
         None),  # decoded to "Z 9": not an id
        ("https://erp.example.com/record?id={id}", "https://erp.example.com/record?id=A-17&tab=2",
         [(Kind.CUSTOMER_ID, "A-17"), (Kind.ORDER_ID, "A-17"), (Kind.INVOICE_ID, "A-17")]),
    ],
)
def test_it_takes_the_id_from_a_perp_web_url(web_url, text, expected):
    plan = plan_search(text, patterns={}, web_url=web_url)

    if expected is None:
        assert plan.problem
    else:
        assert [(lookup.kind, lookup.term) for lookup in plan.lookups] == expected


# --- Problems --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, problem_starts",
    [
        ("", "Type an email"),
        ("   ", "Type an email"),
        ("#", "Type an email"),
        ('""', "Type an email"),
        ("<>", "Type an email"),
        (None, "Type an email"),
        ("PO 10001", "That cannot be"),
        ("Ada Lovelace", "That cannot be"),
        ("PO-1\x00", "That cannot be"),
        ("PO-1\u200b2", "That cannot be"),
        ("<script>alert(1)</script>", "That cannot be"),
        ("'; DROP TABLE orders; --", "That cannot be"),
        ("../../etc/passwd", "That cannot be"),
        ("a/b", "That cannot be"),
        ("ada@", "That looks like an email"),
        ("@example.com", "That looks like an email"),
        ("ada@example", "That looks like an email"),
        ("ada@@example.com", "That looks like an email"),
        ("x" * (MAX_QUERY_LENGTH + 1), "That is longer"),
    ],
)
def test_it_refuses_text_that_cannot_be_an_identifier(text, problem_starts):
    plan = plan_search(text, patterns={}, web_url="")

    assert plan.lookups == ()
    assert plan.problem.startswith(problem_starts)


def test_it_trims_and_caps_the_query_it_shows_back():
    assert plan_search("  PO-10001  ").query == "PO-10001"
    assert len(plan_search("x" * 5000).query) == MAX_QUERY_LENGTH


def test_it_accepts_an_email_of_the_longest_length():
    email = "a" * 64 + "@" + "b" * (MAX_QUERY_LENGTH - 64 - 5) + ".com"
    assert len(email) == MAX_QUERY_LENGTH

    assert plan_search(email).lookups == (Lookup(Kind.EMAIL, email),)


# --- Any text at all (property-based) -----------------------------------------------------------

PASTED = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40).map(lambda t: f"/orders/{t}/"),
    st.text(max_size=40).map(lambda t: f"mailto:{t}"),
    st.text(max_size=40).map(lambda t: f"<{t}>"),
    st.builds(lambda w, t: f"{w} #{t}", st.sampled_from(["Order", "invoice", "CUSTOMER"]), st.text(max_size=40)),
    st.from_regex(r"[A-Za-z0-9%#/<>\"'@:.?&=_-]{0,60}", fullmatch=True),
)
SOME_PATTERNS = st.sampled_from([{}, PATTERNS, {kind: re.compile(r".*") for kind in ID_KINDS}])
WEB_URLS = st.sampled_from(["", "https://perp.example.com/{kind}/{id}", "https://e.test/r?id={id}", "{kind}/{id}"])


@hypothesis_settings(max_examples=400, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.too_slow])
@given(text=PASTED, patterns=SOME_PATTERNS, web_url=WEB_URLS)
def test_any_text_gives_a_bounded_plan_of_clean_lookups_or_a_problem(text, patterns, web_url):
    plan = plan_search(text, patterns=patterns, web_url=web_url)

    assert (plan.problem is None) == bool(plan.lookups)
    assert len(plan.lookups) <= len(ID_KINDS)
    assert len(plan.query) <= MAX_QUERY_LENGTH
    for lookup in plan.lookups:
        assert lookup.term and lookup.term.isprintable()
        assert len(lookup.term) <= MAX_QUERY_LENGTH
        assert not any(character.isspace() for character in lookup.term)
    assert len({lookup.kind for lookup in plan.lookups}) == len(plan.lookups)


@hypothesis_settings(max_examples=200, deadline=None, derandomize=True)
@given(term=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,40}", fullmatch=True))
def test_any_id_like_text_is_searched_completely_by_default(term):
    assert lookups(term) == every_kind(term)


# --- The settings' check and the page's examples -------------------------------------------------


@pytest.mark.parametrize(
    "value, problem",
    [
        ("order_numbr=^PO", "'order_numbr' is not a kind"),
        ("order_number=(unclosed", "the pattern for order_number is not a regular expression"),
        ("order_number", "'order_number' has no '='"),
        ("{not json", "not valid JSON"),
        ('["a"]', "expected a JSON object"),
        ("order_number=", "order_number needs a non-empty text"),
        ("email=.*", "'email' is not a kind"),
    ],
)
def test_the_check_names_a_bad_search_pattern_setting(value, problem):
    with override_settings(SEARCH_PATTERNS=value):
        problems = list(settings_problems())

    assert [name for name, _ in problems] == ["SEARCH_PATTERNS"]
    assert problem in problems[0][1]


@override_settings(SEARCH_PATTERNS=r"order_number=^SO\d+$; invoice_number = ^\d{4}-\d+$ ;",
                   SEARCH_EXAMPLES="order_id=ORD-1;order_number=SO1")
def test_the_check_accepts_good_search_settings():
    assert list(settings_problems()) == []


@override_settings(SEARCH_EXAMPLES="customer=K1")
def test_the_check_names_a_bad_examples_setting():
    assert [name for name, _ in settings_problems()] == ["SEARCH_EXAMPLES"]


@override_settings(SEARCH_EXAMPLES="order_id=A-1;invoice_number=2026-7;order_number=SO1;customer_id=K1")
def test_the_examples_come_from_settings_numbers_first():
    assert search_examples() == {"customer": ["K1"], "order": ["SO1", "A-1"], "invoice": ["2026-7"]}


def test_there_are_no_examples_by_default():
    assert search_examples() == {}


@override_settings(SEARCH_PATTERNS="order_number=[unclosed")
def test_a_bad_pattern_stops_start_up_with_one_clear_line():
    from lookup.checks import check_settings

    messages = [error.msg for error in check_settings()]

    assert any(message.startswith("SEARCH_PATTERNS is not valid: the pattern for order_number") for message in messages)
