"""Each PERP endpoint declared once: the client sends what the declaration says."""

from urllib.parse import parse_qsl, urlsplit

import pytest
import responses

from lookup.perp import endpoints, models
from lookup.perp.client import PERPClient
from tests.support.perp_payloads import PERP

HOST = PERP.removesuffix("/api")


@pytest.fixture
def client():
    return PERPClient(base_url=PERP, api_key="test-key", max_retries=0)


def test_every_endpoint_has_its_own_name_and_path():
    assert len({endpoint.name for endpoint in endpoints.ALL}) == len(endpoints.ALL) == 11
    assert len({endpoint.path for endpoint in endpoints.ALL}) == 11
    assert all(endpoint.path.startswith("/api/") for endpoint in endpoints.ALL)


def test_path_parameters_are_the_placeholders_of_the_path():
    assert endpoints.CUSTOMER_ORDERS.path_params == ("customer_id",)
    assert endpoints.CUSTOMER_SEARCH.path_params == ()


def test_params_fill_in_the_documented_defaults():
    assert endpoints.CUSTOMER_INVOICES.params(customer_id="C1") == {"customer_id": "C1", "limit": 10, "offset": 0}


@pytest.mark.parametrize("endpoint", endpoints.ALL, ids=lambda endpoint: endpoint.name)
def test_get_sends_the_declared_path_and_query(client, endpoint):
    given = {name: f"x{index}" for index, name in enumerate(endpoint.path_params)}
    given |= {name: "q" for name, default in endpoint.query if default is endpoints.REQUIRED}
    params = endpoint.params(**given)
    with responses.RequestsMock() as perp:
        perp.get(HOST + endpoint.path.format(**params), status=404, json={"success": False})

        assert client.get(endpoint, **given) is None

        sent = urlsplit(perp.calls[0].request.url)
    assert dict(parse_qsl(sent.query)) == {name: str(params[name]) for name, _ in endpoint.query}


def test_a_named_method_is_the_same_call(client):
    data = {"customer_id": "CUST-1", "name": "Ada"}
    with responses.RequestsMock() as perp:
        perp.get(f"{PERP}/customers/CUST-1", json={"success": True, "data": data})

        by_name = client.get_customer("CUST-1")
        by_declaration = client.get(endpoints.CUSTOMER, customer_id="CUST-1")

    assert by_name == by_declaration and isinstance(by_name, models.Customer)
