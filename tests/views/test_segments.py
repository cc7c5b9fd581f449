"""An id that cannot be one path segment ("", ".", "..": servers and browsers resolve them)
is shown as text and never sent to PERP. One helper, lookup.perp.endpoints.is_one_segment,
decides it for the PERP client and for the links to perpdesk's pages."""

import re

import pytest
import responses
from hypothesis import given
from hypothesis import strategies as st

from lookup.perp.client import PERPClient
from lookup.perp.endpoints import is_one_segment
from lookup.templatetags.perpdesk import page_url
from tests.support.perp_payloads import PERP
from tests.support import perp_payloads as p
from tests.support.page_html import parse

IDS = st.one_of(st.sampled_from(["", ".", "..", "...", ". .", "a/..", "%2E%2E", "ORD-1"]), st.text(max_size=12))


def perpdesk_order_links(html):
    return [link.href for link in parse(html).find_all("a") if (link.href or "").startswith("/orders/")]


@pytest.mark.parametrize("order_id", ["..", "."])
def test_an_order_whose_id_cannot_be_a_path_segment_is_text_and_never_asked_about(
    alice_client, fake, order_id
):
    p.serve_customer(fake, orders=[p.order(order_id, order_number="PO-DOTS")])

    page = alice_client.get("/customers/CUST-1001/").content.decode()

    [row] = [row for row in parse(page).find_all("tr") if row.find_all("th") and "PO-DOTS" in row.text]
    assert row.find("th").text == "PO-DOTS" and perpdesk_order_links(page) == []
    assert [path for path in fake.requested if path.startswith("/orders/")] == []


def test_an_order_whose_id_can_be_one_links_to_its_page(alice_client, fake):
    p.serve_customer(fake, orders=[p.order("ORD-1", order_number="PO-DOTS")])

    page = alice_client.get("/customers/CUST-1001/").content.decode()

    # The orders table, the timeline and the attention list may each link to it.
    assert set(perpdesk_order_links(page)) == {"/orders/ORD-1/"}


@given(IDS)
def test_the_client_sends_a_call_exactly_for_the_ids_that_can_be_one_segment(identifier):
    client = PERPClient(base_url=PERP, api_key="key", max_retries=0, pool_size=1)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as perp:
        not_found = p.FAILURE_RESPONSES["not_found"]
        perp.add_callback(responses.GET, re.compile(re.escape(PERP) + r"/.*"), callback=lambda request: not_found)

        assert client.get_order(identifier) is None
        sent = len(perp.calls)

    assert sent == (1 if is_one_segment(identifier) else 0)


@given(IDS)
def test_an_id_that_cannot_be_one_segment_has_no_page_link(identifier):
    if not is_one_segment(identifier):
        assert page_url("order", identifier) == ""
    elif "/" not in identifier:
        assert page_url("order", identifier).startswith("/orders/")
