"""The circuit breaker: it opens after repeated unavailability, serves stale data at
once while open, lets one probe through after the open period, and shows a banner."""


import pytest
from django.template.loader import render_to_string
from django.test import override_settings

from lookup.reading import breaker
from lookup.reading.breaker import breaker_is_open, breaker_state
from lookup.perp import endpoints
from lookup.perp.errors import PERPUnavailable
from lookup.reading.reader import Read, perp_reader
from tests.support.cache import batch_answers, perp_answers, perp_calls, perp_is_down

pytestmark = [
    pytest.mark.usefixtures("cache_backend"),
    pytest.mark.django_db,
]
breaker_settings = override_settings(PERP_BREAKER_FAILURES=3, PERP_BREAKER_OPEN_SECONDS=30)


@pytest.fixture(autouse=True)
def _three_failures_open_it_for_thirty_seconds():
    with breaker_settings:
        yield


def read_customer(customer_id="CUST-1"):
    return perp_reader().read(Read(endpoints.CUSTOMER, customer_id=customer_id))


def fail_reads(perp, count, customer_id="CUST-DOWN"):
    perp_is_down(perp, customer_id)
    for _ in range(count):
        with pytest.raises(PERPUnavailable):
            read_customer(customer_id)


def test_it_is_closed_to_begin_with():
    assert breaker_state() == "closed"
    assert not breaker_is_open()


def test_it_stays_closed_below_the_threshold(perp):
    fail_reads(perp, 2)

    assert breaker_state() == "closed"


def test_it_opens_after_consecutive_unavailability(perp):
    fail_reads(perp, 3)

    assert breaker_state() == "open"
    assert breaker_is_open()


def test_an_answer_from_perp_resets_the_count(perp):
    fail_reads(perp, 2)
    perp_answers(perp)
    read_customer()
    fail_reads(perp, 2)

    assert breaker_state() == "closed"


def test_a_permit_is_clean_only_while_nothing_has_failed(perp):
    assert breaker.admit() == breaker.Permit(clean=True)

    fail_reads(perp, 1)

    assert breaker.admit() == breaker.Permit(clean=False)


def test_an_answer_on_a_clean_permit_leaves_the_cache_alone(perp, monkeypatch):
    cleared = []
    monkeypatch.setattr("lookup.reading.store.delete_many", cleared.append)

    breaker.record_answer(breaker.Permit(clean=True))
    breaker.record_answer(breaker.Permit())

    assert len(cleared) == 1


@override_settings(PERP_FRESH_SECONDS=10)
def test_while_open_it_serves_the_stale_copy_without_calling_perp(perp, frozen_clock):
    perp_answers(perp)
    first = read_customer()
    fail_reads(perp, 3)
    frozen_clock.advance(11)  # no longer fresh, breaker still open

    reading = read_customer()

    assert reading.value == first.value
    assert reading.stale_because.reason == "breaker_open"
    assert perp_calls(perp) == 1


def test_while_open_it_fails_fast_without_a_copy(perp):
    fail_reads(perp, 3)
    perp_answers(perp, "CUST-NEW")

    with pytest.raises(PERPUnavailable) as raised:
        read_customer("CUST-NEW")

    assert raised.value.reason == "breaker_open"
    assert perp_calls(perp, "CUST-NEW") == 0


def test_while_open_fresh_copies_are_still_served(perp):
    perp_answers(perp)
    first = read_customer()
    fail_reads(perp, 3)

    assert read_customer() == first


def test_after_the_open_period_a_successful_probe_closes_it(perp, frozen_clock):
    fail_reads(perp, 3)
    frozen_clock.advance(31)
    assert breaker_state() == "half_open"
    perp_answers(perp)

    assert read_customer().value.name == "Ada Lovelace"
    assert breaker_state() == "closed"


def test_a_failed_probe_opens_it_again(perp, frozen_clock):
    fail_reads(perp, 3)
    frozen_clock.advance(31)

    fail_reads(perp, 1)

    assert breaker_state() == "open"
    frozen_clock.advance(29)
    assert breaker_state() == "open"


def test_only_one_probe_is_let_through(perp, frozen_clock):
    fail_reads(perp, 3)
    frozen_clock.advance(31)

    assert breaker.admit() == breaker.Permit(is_probe=True)
    assert breaker.admit() is None


def test_every_page_says_when_it_is_open(perp, alice_client):
    assert "PERP is not answering" not in alice_client.get("/").content.decode()

    fail_reads(perp, 3)

    assert "PERP is not answering" in alice_client.get("/").content.decode()


def test_the_banner_says_perp_is_not_answering():
    assert "PERP is not answering" in render_to_string(
        "lookup/_perp_banner.html", {"perp_breaker_open": True})
    assert render_to_string("lookup/_perp_banner.html", {"perp_breaker_open": False}).strip() == ""


PAGE_ROUND = {"customer": Read(endpoints.CUSTOMER, customer_id="CUST-1")}


@override_settings(PERP_FRESH_SECONDS=10)
def test_while_open_a_page_round_takes_the_stale_copy_from_its_batch_read(perp, frozen_clock):
    perp_answers(perp)
    first = read_customer()
    fail_reads(perp, 3)
    frozen_clock.advance(11)
    reader = perp_reader()

    copies, _ = batch_answers(reader, PAGE_ROUND)

    assert copies["customer"].value == first.value
    assert copies["customer"].stale_because.reason == "breaker_open"
    assert perp_calls(perp) == 1


@override_settings(PERP_FRESH_SECONDS=10)
def test_half_open_a_page_round_leaves_its_expired_copies_to_the_probe(perp, frozen_clock):
    perp_answers(perp)
    read_customer()
    fail_reads(perp, 3)
    frozen_clock.advance(31)
    reader = perp_reader()

    assert batch_answers(reader, PAGE_ROUND)[0] == {}
