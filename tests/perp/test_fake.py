"""The PERP fake's promise: a call to PERP that no test registered an answer for fails the
test, instead of passing as "PERP unavailable"."""

import pytest
import requests
import responses

from tests.support import perp_payloads as p


@pytest.fixture
def mock():
    """A bare `responses` mock: the `perp` fixture would fail these tests at teardown."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def test_it_fails_a_test_whose_call_to_perp_nobody_registered(mock):
    mock.get(f"{p.PERP}/customers/CUST-1", json=p.envelope(p.customer("CUST-1")))
    requests.get(f"{p.PERP}/customers/CUST-1", timeout=1)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{p.PERP}/orders/ORD-9", timeout=1)  # what perpdesk sees: "PERP unavailable"

    with pytest.raises(pytest.fail.Exception, match="GET /orders/ORD-9$"):
        p.check_every_call_was_registered(mock)


def test_the_fake_fails_a_test_whose_path_nobody_registered(mock):
    fake = p.FakePERP(mock).ok("/customers/CUST-1", p.customer("CUST-1"))
    for _ in range(3):  # retries name the call once
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{p.PERP}/customers/CUST-1/vip-wallet", timeout=1)

    with pytest.raises(pytest.fail.Exception) as failure:
        p.check_every_call_was_registered(mock)
    assert str(failure.value) == "PERP calls no test registered an answer for: GET /customers/CUST-1/vip-wallet"
    assert fake.requested == ["/customers/CUST-1/vip-wallet"] * 3


def test_it_passes_a_test_that_said_what_perp_answers(mock):
    fake = p.FakePERP(mock).ok("/customers/CUST-1", p.customer("CUST-1")).nothing_under("/customers/CUST-1")
    fake.not_found("/invoices/INV-404").fail("/orders/ORD-1", "unavailable")
    mock.get(f"{p.PERP}/health", body=requests.ConnectionError("PERP unreachable"))  # said outright

    statuses = [requests.get(f"{p.PERP}{path}", timeout=1).status_code for path in (
        "/customers/CUST-1", "/customers/CUST-1/orders", "/invoices/INV-404", "/orders/ORD-1")]
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{p.PERP}/health", timeout=1)

    assert statuses == [200, 404, 404, 503]
    p.check_every_call_was_registered(mock)  # does not fail


def test_an_answer_given_outlives_a_later_nothing_matches(mock):
    fake = p.FakePERP(mock).ok("/orders/search?order_number=AB12", p.order()).nothing_matches("AB12")

    found = requests.get(f"{p.PERP}/orders/search", params={"order_number": "AB12"}, timeout=1)
    missing = requests.get(f"{p.PERP}/invoices/search", params={"invoice_number": "AB12"}, timeout=1)

    assert (found.status_code, missing.status_code) == (200, 404)
    assert fake.calls_to("/invoices/search?invoice_number=AB12") == 1
