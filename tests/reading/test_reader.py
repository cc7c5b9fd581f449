"""The reading layer's cache: freshness, stale-if-error, not-found, refresh, events.

Every test runs on local memory and on the real Redis (see `cache_backend`).
"""

from datetime import timedelta
from decimal import Decimal

import pytest
import responses


from lookup.perp.errors import PERPAPIError, PERPAuthError, PERPBadResponse, PERPUnavailable
from lookup.perp import endpoints
from lookup.reading.reader import Read, perp_reader
from tests.support.cache import PERP, envelope, perp_answers, perp_answers_with, perp_calls, perp_is_down

pytestmark = pytest.mark.usefixtures("cache_backend")


def read_customer(customer_id="CUST-1", *, refresh=False):
    return perp_reader(refresh=refresh).read(Read(endpoints.CUSTOMER, customer_id=customer_id))


def orders_json():
    order = {
        "order_id": "ORD-1",
        "order_number": "PO-50001",
        "status": "in_production",
        "total_amount": "99.90",
        "order_date": "2026-11-20T09:30:00+01:00",
        "line_items": [{"line_item_id": "L1", "quantity": 2, "unit_price": 49.95}],
    }
    pagination = {"total": 1, "limit": 10, "offset": 0, "has_more": False}
    return envelope({"orders": [order], "pagination": pagination})


@pytest.fixture
def observed(monkeypatch):
    events = []
    monkeypatch.setattr("lookup.reading.reader.CACHE_OBSERVERS", [lambda *event: events.append(event)])
    return events


def test_it_serves_a_fresh_copy_without_calling_perp(perp):
    perp_answers(perp)

    first = read_customer()
    second = read_customer()

    assert second == first
    assert second.value.name == "Ada Lovelace"
    assert perp_calls(perp) == 1


def test_it_keeps_models_intact_through_the_cache(perp):
    perp.get(f"{PERP}/customers/CUST-1/orders", json=orders_json())

    first = perp_reader().read(Read(endpoints.CUSTOMER_ORDERS, customer_id="CUST-1"))
    second = perp_reader().read(Read(endpoints.CUSTOMER_ORDERS, customer_id="CUST-1"))

    assert second.value == first.value
    assert second.value.items[0].total_amount == Decimal("99.90")
    assert len(perp.calls) == 1


def test_it_makes_one_key_however_the_arguments_are_passed(perp):
    perp.get(f"{PERP}/customers/CUST-1/orders", json=orders_json())

    perp_reader().read(Read(endpoints.CUSTOMER_ORDERS, customer_id="CUST-1"))
    perp_reader().read(Read(endpoints.CUSTOMER_ORDERS, offset=0, customer_id="CUST-1", limit=10))

    assert len(perp.calls) == 1


def test_it_asks_perp_again_once_the_copy_is_two_minutes_old(perp, frozen_clock):
    perp_answers(perp)
    first = read_customer()

    frozen_clock.advance(119)
    assert read_customer() == first
    frozen_clock.advance(2)
    perp_answers(perp, name="Ada King")
    later = read_customer()

    assert later.value.name == "Ada King"
    assert later.fetched_at == first.fetched_at + timedelta(seconds=121)
    assert perp_calls(perp) == 2


def test_it_keeps_production_status_fresh_for_a_minute_only(perp, frozen_clock):
    perp.get(f"{PERP}/orders/ORD-1/production", json=envelope({"order_id": "ORD-1", "stages": []}))
    perp_reader().read(Read(endpoints.PRODUCTION_STATUS, order_id="ORD-1"))

    frozen_clock.advance(59)
    perp_reader().read(Read(endpoints.PRODUCTION_STATUS, order_id="ORD-1"))
    assert len(perp.calls) == 1
    frozen_clock.advance(2)
    perp_reader().read(Read(endpoints.PRODUCTION_STATUS, order_id="ORD-1"))
    assert len(perp.calls) == 2


def test_it_shows_the_stale_copy_with_its_age_when_perp_is_down(perp, frozen_clock):
    perp_answers(perp)
    first = read_customer()
    frozen_clock.advance(35 * 60)
    perp_is_down(perp)

    stale = read_customer()

    assert stale.is_stale
    assert isinstance(stale.stale_because, PERPUnavailable)
    assert stale.value == first.value
    assert stale.fetched_at == first.fetched_at
    assert stale.age == timedelta(minutes=35)


def test_it_shows_the_stale_copy_when_perp_answers_off_contract(perp, frozen_clock):
    perp_answers(perp)
    read_customer()
    frozen_clock.advance(121)
    perp_answers_with(perp, status=500, body="<html>Internal Server Error</html>")

    stale = read_customer()

    assert isinstance(stale.stale_because, PERPBadResponse)
    assert stale.value.name == "Ada Lovelace"


def test_it_raises_when_perp_is_down_and_there_is_no_copy(perp):
    perp_is_down(perp)

    with pytest.raises(PERPUnavailable):
        read_customer()


def test_it_never_caches_an_error(perp):
    perp_is_down(perp)
    with pytest.raises(PERPUnavailable):
        read_customer()
    calls_while_down = perp_calls(perp)

    perp_answers(perp)
    answer = read_customer()

    assert answer.value.name == "Ada Lovelace"
    assert not answer.is_stale
    assert perp_calls(perp) == calls_while_down + 1


def test_it_does_not_hide_an_auth_error_behind_a_stale_copy(perp, frozen_clock):
    perp_answers(perp)
    read_customer()
    frozen_clock.advance(121)
    perp_answers_with(perp, status=401, json={"success": False})

    with pytest.raises(PERPAuthError):
        read_customer()


def test_it_does_not_hide_perps_own_error_behind_a_stale_copy(perp, frozen_clock):
    perp_answers(perp)
    read_customer()
    frozen_clock.advance(121)
    refusal = {"success": False, "error": {"code": "ACCOUNT_LOCKED", "message": "Locked"}}
    perp_answers_with(perp, status=400, json=refusal)

    with pytest.raises(PERPAPIError):
        read_customer()


def test_it_caches_not_found_for_thirty_seconds(perp, frozen_clock):
    perp_answers_with(perp, "CUST-404", status=404, json={"success": False})

    assert read_customer("CUST-404").value is None
    frozen_clock.advance(29)
    assert read_customer("CUST-404").value is None
    assert perp_calls(perp, "CUST-404") == 1

    frozen_clock.advance(2)
    perp_answers(perp, "CUST-404")
    assert read_customer("CUST-404").value.customer_id == "CUST-404"
    assert perp_calls(perp, "CUST-404") == 2


def test_refresh_bypasses_a_fresh_copy_and_updates_it(perp):
    perp_answers(perp)
    read_customer()
    perp_answers(perp, name="Ada King")

    refreshed = read_customer(refresh=True)
    afterwards = read_customer()

    assert refreshed.value.name == "Ada King"
    assert afterwards == refreshed
    assert perp_calls(perp) == 2


def test_refresh_falls_back_to_the_stale_copy_when_perp_is_down(perp):
    perp_answers(perp)
    first = read_customer()
    perp_is_down(perp)

    refreshed = read_customer(refresh=True)

    assert refreshed.is_stale
    assert refreshed.value == first.value


def test_it_reports_cache_events(perp, frozen_clock, observed):
    perp_answers(perp)
    read_customer()
    read_customer()
    frozen_clock.advance(121)
    perp_is_down(perp)
    read_customer()
    perp_answers(perp)
    read_customer(refresh=True)

    assert observed == [
        ("miss", "customer"),
        ("hit", "customer"),
        ("miss", "customer"),
        ("stale", "customer"),
        ("bypass", "customer"),
    ]


def test_an_observer_that_fails_does_not_break_a_read(perp, monkeypatch, caplog):
    def broken_observer(event, resource):
        raise RuntimeError("metrics are down")

    monkeypatch.setattr("lookup.reading.reader.CACHE_OBSERVERS", [broken_observer])
    perp_answers(perp)

    assert read_customer().value.name == "Ada Lovelace"
    assert "observer" in caplog.text


def test_a_read_is_plain_data_equal_however_its_parameters_are_given():
    short = Read(endpoints.CUSTOMER_ORDERS, customer_id="CUST-1")
    spelled_out = Read(endpoints.CUSTOMER_ORDERS, offset=0, limit=10, customer_id="CUST-1")

    assert short == spelled_out and hash(short) == hash(spelled_out) and short.key == spelled_out.key
    assert short != Read(endpoints.CUSTOMER_ORDERS, customer_id="CUST-1", offset=10)


def test_a_read_the_endpoint_does_not_take_is_refused_before_any_call():
    with pytest.raises(TypeError, match="no parameter"):
        Read(endpoints.CUSTOMER, email="ada@example.com")
    with pytest.raises(TypeError, match="needs customer_id"):
        Read(endpoints.CUSTOMER_ORDERS, limit=5)


@responses.activate
def test_it_tells_apart_calls_with_different_arguments(frozen_clock):
    for customer_id in ("CUST-1", "CUST-2"):
        responses.get(
            f"{PERP}/customers/{customer_id}",
            json=envelope({"customer_id": customer_id, "name": customer_id}),
        )

    assert read_customer("CUST-1").value.name == "CUST-1"
    assert read_customer("CUST-2").value.name == "CUST-2"
