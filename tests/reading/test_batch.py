"""A page round's fresh cached copies, read in one cache round trip (reader.start)."""

import pytest

from lookup.reading import breaker, singleflight, store as cache_store

from lookup.pages.fanout import Fanout
from lookup.reading.keys import reading_key
from lookup.perp import endpoints
from lookup.reading.reader import Read, perp_reader
from tests.support.cache import CLOSED_PORT_REDIS, batch_answers, perp_answers, perp_calls, using_cache


def round_of(*customer_ids):
    return {customer_id: Read(endpoints.CUSTOMER, customer_id=customer_id) for customer_id in customer_ids}


def fresh_copies(reader, reads):
    return batch_answers(reader, reads)[0]


@pytest.fixture
def cache_events(monkeypatch):
    events = []
    monkeypatch.setattr("lookup.reading.reader.CACHE_OBSERVERS", [lambda *event: events.append(event)])
    return events


@pytest.mark.usefixtures("cache_backend")
def test_it_answers_the_fresh_copies_and_leaves_out_the_rest(perp, cache_events):
    perp_answers(perp, "CUST-1", "Ada Lovelace")
    perp_reader().read(Read(endpoints.CUSTOMER, customer_id="CUST-1"))

    copies = fresh_copies(perp_reader(), round_of("CUST-1", "CUST-2"))

    assert list(copies) == ["CUST-1"]
    assert copies["CUST-1"].value.name == "Ada Lovelace" and copies["CUST-1"].fresh_until
    assert cache_events[-1] == ("hit", "customer")


@pytest.mark.usefixtures("cache_backend")
def test_it_reads_them_in_one_cache_round_trip(perp, monkeypatch):
    for customer_id in ("CUST-1", "CUST-2", "CUST-3"):
        perp_answers(perp, customer_id)
        perp_reader().read(Read(endpoints.CUSTOMER, customer_id=customer_id))
    batches, single_gets = [], []
    get_many, get = cache_store.get_many, cache_store.get
    monkeypatch.setattr(cache_store, "get_many", lambda keys: batches.append(keys) or get_many(keys))
    monkeypatch.setattr(cache_store, "get", lambda key: single_gets.append(key) or get(key))
    reader = perp_reader()

    copies = fresh_copies(reader, round_of("CUST-1", "CUST-2", "CUST-3"))

    assert len(copies) == 3
    # The three copies, and the breaker's state with them.
    assert [len(keys) for keys in batches] == [3 + len(breaker.state_keys())] and single_gets == []


def test_an_expired_copy_is_left_to_the_read_itself(perp, frozen_clock, settings):
    perp_answers(perp)
    perp_reader().read(Read(endpoints.CUSTOMER, customer_id="CUST-1"))
    frozen_clock.advance(settings.PERP_FRESH_SECONDS + 1)

    assert fresh_copies(perp_reader(), round_of("CUST-1")) == {}


def test_refresh_takes_no_cached_copy(perp):
    perp_answers(perp)
    perp_reader().read(Read(endpoints.CUSTOMER, customer_id="CUST-1"))
    reader = perp_reader(refresh=True)

    assert fresh_copies(reader, round_of("CUST-1")) == {}


def test_a_cache_that_does_not_answer_leaves_every_read_to_perp(perp):
    perp_answers(perp)
    with using_cache(CLOSED_PORT_REDIS):
        reader = perp_reader()
        assert fresh_copies(reader, round_of("CUST-1")) == {}


def test_a_warm_page_round_starts_no_fan_out_task(perp, monkeypatch):
    perp_answers(perp)
    reader = perp_reader()
    reader.read(Read(endpoints.CUSTOMER, customer_id="CUST-1"))
    submitted = []
    monkeypatch.setattr(Fanout, "start", lambda self, tasks: submitted.append(tasks) or {})

    with Fanout() as fanout:
        outcomes = reader.start(round_of("CUST-1"), fanout=fanout).outcomes()

    assert outcomes["CUST-1"].value.value.name == "Ada Lovelace"
    assert submitted == [{}]
    assert perp_calls(perp) == 1


@pytest.mark.usefixtures("cache_backend")
def test_a_miss_another_reader_stored_before_the_round_locked_it_is_served_from_the_batch(
    perp, monkeypatch
):
    perp_answers(perp)
    try_locks = singleflight.try_locks

    def another_reader_stores_first(keys):
        monkeypatch.setattr(singleflight, "try_locks", try_locks)
        perp_reader().read(Read(endpoints.CUSTOMER, customer_id="CUST-1"))  # between the round's read and its locks
        return try_locks(keys)

    monkeypatch.setattr(singleflight, "try_locks", another_reader_stores_first)
    reader = perp_reader()

    copies = fresh_copies(reader, round_of("CUST-1"))

    assert copies["CUST-1"].value.name == "Ada Lovelace"
    assert perp_calls(perp) == 1
    assert singleflight.try_lock(reading_key("customer", {"customer_id": "CUST-1"})).lock is not None


@pytest.mark.usefixtures("cache_backend")
def test_one_resource_read_twice_in_a_round_is_fetched_once(perp):
    perp_answers(perp)
    reader = perp_reader()
    page_round = {"profile": Read(endpoints.CUSTOMER, customer_id="CUST-1"), "header": Read(endpoints.CUSTOMER, customer_id="CUST-1")}

    with Fanout() as fanout:
        outcomes = reader.start(page_round, fanout=fanout).outcomes()

    assert {outcome.value.value.name for outcome in outcomes.values()} == {"Ada Lovelace"}
    assert perp_calls(perp) == 1
