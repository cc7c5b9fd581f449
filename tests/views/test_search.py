"""The search page, the site's root: /?q=..."""

import threading

import pytest
from django.test import override_settings

from tests.support import perp_payloads as p

# An operator who declared the formats of the PERP these tests' payloads come from.
DECLARED_FORMATS = (
    r"customer_id=^CUST-\d+$;order_id=^ORD-\d+$;order_number=^PO-\d+$;"
    r"invoice_id=^INV-\d+$;invoice_number=^\d{4}-\d{4}$"
)


def test_it_shows_the_search_page(alice_client, perp):
    response = alice_client.get("/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Find a customer" in page
    assert '<form class="pd-search" role="search" method="get" action="/">' in page
    assert 'name="q"' in page
    assert len(perp.calls) == 0


def test_its_examples_name_no_identifier_format_by_default(alice_client, perp):
    page = alice_client.get("/").content.decode()

    assert "an <strong>order number</strong> or order id</li>" in page
    assert "a <strong>customer id</strong></li>" in page
    assert "<code>jane@example.com</code>" in page


@override_settings(SEARCH_EXAMPLES="order_number=SO-77;order_id=9001;customer_id=K-<b>1</b>")
def test_its_examples_come_from_settings(alice_client, perp):
    page = alice_client.get("/").content.decode()

    assert "order id, e.g. <code>SO-77</code>, <code>9001</code></li>" in page
    assert "customer id</strong>, e.g. <code>K-&lt;b&gt;1&lt;/b&gt;</code></li>" in page
    assert "invoice id</li>" in page


def test_it_puts_the_search_box_on_every_page(alice_client, fake):
    fake.ok("/orders/ORD-50001", p.order()).nothing_under("/orders/ORD-50001", "/customers/CUST-1001")

    page = alice_client.get("/orders/ORD-50001/").content.decode()

    assert 'id="pd-search-q"' in page
    assert 'src="/static/lookup/perpdesk.js"' in page


@pytest.mark.parametrize(
    "query, path, answer, page",
    [
        ("ada@example.com", "/customers/search?email=ada@example.com", p.customer(), "/customers/CUST-1001/"),
        ("CUST-1001", "/customers/CUST-1001", p.customer(), "/customers/CUST-1001/"),
        ("ORD-50001", "/orders/ORD-50001", p.order(), "/orders/ORD-50001/"),
        ("PO-50001", "/orders/search?order_number=PO-50001", p.order(), "/orders/ORD-50001/"),
        ("INV-70001", "/invoices/INV-70001", p.invoice(), "/invoices/INV-70001/"),
        ("2026-0001", "/invoices/search?invoice_number=2026-0001", p.invoice(), "/invoices/INV-70001/"),
    ],
)
@override_settings(SEARCH_PATTERNS=DECLARED_FORMATS)
def test_it_goes_straight_to_the_page_of_an_exact_match(alice_client, fake, query, path, answer, page):
    fake.ok(path, answer)

    response = alice_client.get("/", {"q": query})

    assert response.status_code == 302
    assert response["Location"] == page
    assert fake.requested == [path]


@pytest.mark.parametrize("query", ["CUST-1001", "1001", "INV-040-001"])
def test_it_tries_every_lookup_when_no_format_is_declared(alice_client, fake, query):
    fake.ok(f"/customers/{query}", p.customer(query)).nothing_matches(query)

    response = alice_client.get("/", {"q": query})

    assert response.status_code == 302
    assert response["Location"] == f"/customers/{query}/"
    assert sorted(fake.requested) == sorted([
        f"/customers/{query}", f"/orders/{query}", f"/orders/search?order_number={query}",
        f"/invoices/{query}", f"/invoices/search?invoice_number={query}",
    ])


@override_settings(SEARCH_PATTERNS=DECLARED_FORMATS)
def test_it_tries_every_lookup_for_text_that_fits_no_declared_format(alice_client, fake):
    fake.ok("/invoices/search?invoice_number=INV-040-001", p.invoice("INV-9", invoice_number="INV-040-001"))
    fake.nothing_matches("INV-040-001")

    response = alice_client.get("/", {"q": "INV-040-001"})

    assert response["Location"] == "/invoices/INV-9/"
    assert len(fake.requested) == 5


@pytest.mark.parametrize(
    "query",
    ["https://perpdesk.example.com/orders/ORD-50001/", "/orders/ORD%2D50001/", "Order #ORD-50001"],
)
def test_it_finds_what_staff_paste(alice_client, fake, query):
    fake.ok("/orders/ORD-50001", p.order()).not_found("/orders/search?order_number=ORD-50001")

    response = alice_client.get("/", {"q": query})

    assert response["Location"] == "/orders/ORD-50001/"
    assert "/orders/ORD-50001" in fake.requested
    assert not any(path.startswith("/customers") for path in fake.requested)


def test_it_tries_the_plausible_lookups_concurrently(alice_client, fake):
    barrier = threading.Barrier(5, timeout=3)

    def waits_then_not_found(request):
        barrier.wait()
        return 404, p.error_envelope("ORDER_NOT_FOUND", "Not found")

    for path in ("/customers/AB12", "/orders/AB12", "/orders/search?order_number=AB12",
                 "/invoices/AB12", "/invoices/search?invoice_number=AB12"):
        fake.on(path, waits_then_not_found)

    page = alice_client.get("/", {"q": "AB12"}).content.decode()

    assert "No customer, order or invoice matches “AB12”." in page
    assert "pd-error" not in page


def test_it_lists_several_matches(alice_client, fake):
    fake.ok("/orders/search?order_number=AB12", p.order("ORD-50001"))
    fake.ok("/invoices/AB12", p.invoice("INV-70009", invoice_number="2026-0009"))
    fake.nothing_matches("AB12")

    response = alice_client.get("/", {"q": "AB12"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "2 matches" in page
    assert 'href="/orders/ORD-50001/"' in page
    assert 'href="/invoices/INV-70009/"' in page
    assert "found by order number AB12" in page


def test_it_says_plainly_when_nothing_matches(alice_client, fake):
    fake.nothing_matches("PO-404")

    page = alice_client.get("/", {"q": "PO-404"}).content.decode()

    assert "No customer, order or invoice matches “PO-404”." in page


def test_it_escapes_the_query_shown_back(alice_client, fake):
    fake.nothing_matches("ab&cd@x.com")

    page = alice_client.get("/", {"q": "ab&cd@x.com"}).content.decode()

    assert "No customer, order or invoice matches “ab&amp;cd@x.com”." in page


@pytest.mark.parametrize(
    "query",
    ["", "   ", "PO 1234", "<script>alert(1)</script>", "a\x00b", "x" * 300, "ada@", "../etc"],
)
def test_it_refuses_bad_input_without_calling_perp(alice_client, perp, query):
    response = alice_client.get("/", {"q": query})

    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="errornote"' in page
    assert "<script>alert(1)</script>" not in page
    assert len(perp.calls) == 0


@pytest.mark.parametrize("failure", p.FAILURES)
def test_it_never_shows_a_failed_search_as_no_match(alice_client, fake, failure):
    fake.fail("/orders/search?order_number=PO-50001", failure).nothing_matches("PO-50001")

    response = alice_client.get("/", {"q": "PO-50001"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Could not search by order number PO-50001:" in page
    assert p.FAILURES[failure] in page
    assert "No customer, order or invoice matches" not in page


def test_it_lists_a_match_rather_than_jumping_when_another_lookup_failed(alice_client, fake):
    fake.ok("/customers/1001", p.customer("1001"))
    fake.fail("/orders/search?order_number=1001", "timeout").nothing_matches("1001")

    response = alice_client.get("/", {"q": "1001"})

    assert response.status_code == 200
    page = response.content.decode()
    assert 'href="/customers/1001/"' in page
    assert "there may be more that PERP could not be asked about" in page


def test_it_shows_the_sign_in_banner_when_perp_refuses_the_key(alice_client, fake):
    fake.fail("/orders/search?order_number=PO-1", "unauthorized").nothing_matches("PO-1")

    page = alice_client.get("/", {"q": "PO-1"}).content.decode()

    assert "perpdesk cannot sign in to PERP." in page


def test_it_keeps_the_query_in_the_search_box(alice_client, fake):
    page = alice_client.get("/", {"q": 'PO-1"><x'}).content.decode()

    assert 'value="PO-1&quot;&gt;&lt;x"' in page


def test_it_does_not_link_a_match_whose_id_cannot_be_a_url(alice_client, fake):
    fake.ok("/orders/search?order_number=PO-1", p.order("ORD/1", order_number="PO-1")).nothing_matches("PO-1")

    response = alice_client.get("/", {"q": "PO-1"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Order PO-1" in page
    assert 'href="/orders/ORD' not in page
