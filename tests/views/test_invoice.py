"""The invoice page: /invoices/<invoice_id>/."""

import pytest

from tests.support import perp_payloads as p
from tests.support.page_html import as_sent_in, links_in, notices_in, text_of

URL = "/invoices/INV-70001/"


def serve_invoice(fake, **fields):
    fake.ok("/invoices/INV-70001", p.invoice(**fields))
    fake.ok("/orders/ORD-50001", p.order("ORD-50001"))
    fake.ok("/customers/CUST-1001", p.customer())
    return fake


def test_it_shows_the_invoice(alice_client, fake):
    serve_invoice(fake)

    response = alice_client.get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    for text in ("Invoice 2026-0001", "Partial", "USD 90.00", "USD 40.00", "USD 50.00",
                 "28 Oct 2026", "27 Nov 2026", "Vinyl Banner 3x6 ft", "Ada Lovelace", "PO-50001"):
        assert text in page, text
    assert 'href="/orders/ORD-50001/"' in page
    assert 'href="/customers/CUST-1001/"' in page
    assert 'href="https://files.perp.test/invoices/INV-70001.pdf"' in page


def test_it_highlights_an_overdue_invoice(alice_client, fake):
    serve_invoice(fake, status="overdue")

    page = alice_client.get(URL).content.decode()

    assert "Overdue: USD 50.00 was due 27 Nov 2026." in page


@pytest.mark.parametrize("failure", p.FAILURES)
def test_it_shows_the_invoice_error(alice_client, fake, failure):
    fake.fail("/invoices/INV-70001", failure)

    response = alice_client.get(URL)

    assert response.status_code == 200
    assert notices_in(response.content.decode())["Invoice"].startswith(p.FAILURES[failure])


@pytest.mark.parametrize("related, path", [("Order", "/orders/ORD-50001"), ("Customer", "/customers/CUST-1001")])
@pytest.mark.parametrize("failure", ["timeout", "api_error"])
def test_it_still_links_order_and_customer_when_their_reads_fail(alice_client, fake, related, path, failure):
    serve_invoice(fake)
    fake.fail(path, failure)

    page = alice_client.get(URL).content.decode()

    assert notices_in(page)[related].startswith(p.FAILURES[failure])
    assert {"/orders/ORD-50001/", "/customers/CUST-1001/"} <= {link.href for link in links_in(page)}
    assert "Vinyl Banner 3x6 ft" in page


def test_it_answers_404_for_an_unknown_invoice(alice_client, fake):
    fake.not_found("/invoices/INV-404")
    response = alice_client.get("/invoices/INV-404/")

    assert response.status_code == 404
    assert "PERP has no invoice with the id" in response.content.decode()
    assert 'name="q"' in response.content.decode()


def test_it_shows_an_invoice_whose_amounts_perp_spelled_its_own_way(alice_client, fake):
    serve_invoice(fake, total_amount="1,090.00", amount_paid=40, amount_due="1.050,00",
                  status="overdue", line_items="see PDF", pdf_url={"href": "x"})

    page = alice_client.get(URL).content.decode()

    assert 'class="pd-error"' not in page
    assert "USD 1,090.00" in page and "USD 40.00" in page
    assert "Overdue: USD 1.050,00 was due" in text_of(page)
    assert ("1.050,00", "an amount") in as_sent_in(page)
    assert "PERP sent invoice lines in a form perpdesk could not read: they are not shown." in page
    assert 'href="x"' not in page
