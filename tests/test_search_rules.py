"""The search box's rules: what a text can be, decided from its shape alone (lookup.search)."""

import pytest

from lookup.search import MAX_QUERY_LENGTH, Kind, Lookup, plan_search

EVERY_KIND_AS_TYPED = (
    Kind.CUSTOMER_ID, Kind.ORDER_ID, Kind.ORDER_NUMBER, Kind.INVOICE_ID, Kind.INVOICE_NUMBER,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        # an email shape: an email search only
        ("ada@example.com", [(Kind.EMAIL, "ada@example.com")]),
        ("  Ada.Lovelace+print@example.co.uk \n", [(Kind.EMAIL, "Ada.Lovelace+print@example.co.uk")]),
        ("zoë@exämple.com", [(Kind.EMAIL, "zoë@exämple.com")]),
        # a known prefix: that kind only, prefix upper-cased
        ("CUST-1001", [(Kind.CUSTOMER_ID, "CUST-1001")]),
        ("cust-1001", [(Kind.CUSTOMER_ID, "CUST-1001")]),
        ("ORD-50001", [(Kind.ORDER_ID, "ORD-50001")]),
        ("PO-10001", [(Kind.ORDER_NUMBER, "PO-10001")]),
        ("po-10001", [(Kind.ORDER_NUMBER, "PO-10001")]),
        ("#PO-10001", [(Kind.ORDER_NUMBER, "PO-10001")]),
        ("INV-70001", [(Kind.INVOICE_ID, "INV-70001")]),
        # year-dash-sequence: an invoice number
        ("2026-0001", [(Kind.INVOICE_NUMBER, "2026-0001")]),
        # another identifier-like token: every kind, as typed
        ("AB12-X", [(kind, "AB12-X") for kind in EVERY_KIND_AS_TYPED]),
        # bare digits: every kind as typed, then with each known prefix
        (
            "10001",
            [(kind, "10001") for kind in EVERY_KIND_AS_TYPED]
            + [
                (Kind.CUSTOMER_ID, "CUST-10001"),
                (Kind.ORDER_ID, "ORD-10001"),
                (Kind.ORDER_NUMBER, "PO-10001"),
                (Kind.INVOICE_ID, "INV-10001"),
            ],
        ),
    ],
)
def test_it_plans_lookups_from_the_shape_of_the_text(text, expected):
    plan = plan_search(text)

    assert plan.problem is None
    assert list(plan.lookups) == [Lookup(kind, term) for kind, term in expected]


@pytest.mark.parametrize(
    "text, problem_starts",
    [
        ("", "Type an email"),
        ("   ", "Type an email"),
        ("#", "Type an email"),
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
        ("<ada@example.com>", "That looks like an email"),
        ("x" * (MAX_QUERY_LENGTH + 1), "That is longer"),
    ],
)
def test_it_refuses_text_that_cannot_be_an_identifier(text, problem_starts):
    plan = plan_search(text)

    assert plan.lookups == ()
    assert plan.problem.startswith(problem_starts)


def test_it_trims_and_caps_the_query_it_shows_back():
    assert plan_search("  PO-10001  ").query == "PO-10001"
    assert len(plan_search("x" * 5000).query) == MAX_QUERY_LENGTH


def test_it_accepts_an_email_of_the_longest_length():
    email = "a" * 64 + "@" + "b" * (MAX_QUERY_LENGTH - 64 - 5) + ".com"
    assert len(email) == MAX_QUERY_LENGTH

    assert plan_search(email).lookups == (Lookup(Kind.EMAIL, email),)
