"""A failed read is remembered briefly: a broken endpoint is asked once per
PERP_ERROR_SECONDS, not once per view; the section says since when; Refresh asks
anyway; a stale copy still wins; unavailability and a refused key are not remembered.

Every reader-level test runs on local memory and on the real Redis (`cache_backend`).
"""

import pickle
import threading
import time

import pytest
from django.conf import settings
from django.core.cache import cache

from lookup.pages import kept_pages
from lookup.reading.error_memory import RememberedFailure
from lookup.perp import endpoints
from lookup.perp.errors import PERPAPIError, PERPAuthError, PERPBadResponse, PERPUnavailable
from lookup.reading.reader import Read, perp_reader
from tests.support import perp_payloads as p

ARTWORK = "/orders/ORD-1/artwork"
CUSTOMER = "/customers/CUST-1001"


def read_artwork(*, refresh=False):
    return perp_reader(refresh=refresh).read(Read(endpoints.ARTWORK, order_id="ORD-1"))


def failed_read(read=read_artwork, **kwargs):
    try:
        read(**kwargs)
    except Exception as error:  # noqa: BLE001 - the test inspects it
        return error
    raise AssertionError("the read did not fail")


def the_entry(fake):
    """What the cache holds for the artwork read (the one key the test made)."""
    key = Read(endpoints.ARTWORK, order_id="ORD-1").key
    return cache.get(key)


# --- Asked once per period ----------------------------------------------------------


def test_ten_reads_of_a_broken_endpoint_make_one_perp_call_per_period(fake, cache_backend, frozen_clock):
    fake.fail(ARTWORK, "not_json")

    errors = [failed_read() for _ in range(10)]

    assert all(isinstance(error, PERPBadResponse) for error in errors)
    assert fake.calls_to(ARTWORK) == 1
    frozen_clock.advance(settings.PERP_ERROR_SECONDS - 1)
    failed_read()
    assert fake.calls_to(ARTWORK) == 1

    frozen_clock.advance(2)  # the period is over: PERP is asked again
    for _ in range(10):
        failed_read()
    assert fake.calls_to(ARTWORK) == 2


def test_an_api_error_is_remembered_as_well(fake, cache_backend, frozen_clock):
    fake.fail(ARTWORK, "api_error")

    errors = [failed_read() for _ in range(5)]

    assert all(isinstance(error, PERPAPIError) and error.code == "INTERNAL" for error in errors)
    assert fake.calls_to(ARTWORK) == 1


def test_perp_is_read_again_as_soon_as_the_period_ends_and_its_answer_is_kept(fake, cache_backend, frozen_clock):
    fake.fail(ARTWORK, "wrong_shape")
    failed_read()
    fake.ok(ARTWORK, p.artwork("ORD-1"))

    frozen_clock.advance(settings.PERP_ERROR_SECONDS + 1)
    first, second = read_artwork(), read_artwork()

    assert first.value.order_id == "ORD-1" and not first.is_stale
    assert second == first
    assert fake.calls_to(ARTWORK) == 2


def test_refresh_asks_perp_despite_a_remembered_failure(fake, cache_backend, frozen_clock):
    fake.fail(ARTWORK, "not_json")
    failed_read()
    fake.ok(ARTWORK, p.artwork("ORD-1"))

    refreshed = read_artwork(refresh=True)

    assert refreshed.value.order_id == "ORD-1"
    assert fake.calls_to(ARTWORK) == 2
    assert read_artwork() == refreshed  # and its copy replaces the failure for everyone


def test_concurrent_readers_of_a_broken_endpoint_make_one_call(fake, cache_backend, frozen_clock):
    answering = threading.Event()

    def slow_bad_answer(request):
        answering.wait(5)
        return 200, {"success": True, "data": ["not", "an", "object"]}

    fake.on(ARTWORK, slow_bad_answer)
    errors = []
    readers = [threading.Thread(target=lambda: errors.append(failed_read())) for _ in range(5)]
    for reader in readers:
        reader.start()
    time.sleep(0.3)  # the first holds the fetch lock, the others wait for what it stores
    answering.set()
    for reader in readers:
        reader.join(5)

    assert len(errors) == 5 and all(isinstance(error, PERPBadResponse) for error in errors)
    assert fake.calls_to(ARTWORK) == 1


# --- What is remembered, and what is not --------------------------------------------


def copy_gone_stale_then(fake, frozen_clock, failure):
    """A copy read, past its freshness, and PERP failing with `failure` since: the copy."""
    fake.ok(ARTWORK, p.artwork("ORD-1"))
    good = read_artwork()
    frozen_clock.advance(settings.PERP_FRESH_ARTWORK_SECONDS + 1)
    fake.fail(ARTWORK, failure)
    return good


def test_a_stale_copy_still_wins_over_a_remembered_bad_response(fake, cache_backend, frozen_clock):
    good = copy_gone_stale_then(fake, frozen_clock, "not_json")

    readings = [read_artwork() for _ in range(5)]

    assert all(reading.value == good.value for reading in readings)
    assert all(isinstance(reading.stale_because, PERPBadResponse) for reading in readings)
    assert fake.calls_to(ARTWORK) == 2


def test_a_stale_copy_outlives_the_failure_remembered_in_its_place(fake, cache_backend, frozen_clock):
    good = copy_gone_stale_then(fake, frozen_clock, "not_json")
    read_artwork()
    frozen_clock.advance(settings.PERP_ERROR_SECONDS + 1)
    fake.fail(ARTWORK, "unavailable")

    reading = read_artwork()

    assert reading.value == good.value and isinstance(reading.stale_because, PERPUnavailable)


def test_a_failed_refresh_leaves_the_fresh_copy_to_everyone_else(fake, cache_backend, frozen_clock):
    fake.ok(ARTWORK, p.artwork("ORD-1"))
    good = read_artwork()
    fake.fail(ARTWORK, "api_error")

    assert isinstance(failed_read(refresh=True), PERPAPIError)  # the one who pressed it sees why
    assert read_artwork() == good
    assert isinstance(failed_read(refresh=True), PERPAPIError)  # and may press it again
    assert fake.calls_to(ARTWORK) == 3


@pytest.mark.parametrize("failure, error_class", [("unavailable", PERPUnavailable), ("unauthorized", PERPAuthError)])
def test_unavailability_and_a_refused_key_are_not_remembered(fake, cache_backend, frozen_clock, failure, error_class):
    fake.fail(ARTWORK, failure)

    errors = [failed_read() for _ in range(2)]

    assert all(isinstance(error, error_class) for error in errors)
    assert fake.calls_to(ARTWORK) == 2 * (1 + settings.PERP_MAX_RETRIES if failure == "unavailable" else 1)


def test_a_remembered_failure_holds_neither_the_key_nor_perps_words(fake, cache_backend, frozen_clock):
    fake.fail(ARTWORK, "api_error")  # PERP's message: "Database exploded"
    live = failed_read()

    entry = the_entry(fake)
    stored = pickle.dumps(entry)

    assert isinstance(entry, RememberedFailure) and entry.code == "INTERNAL"
    assert live.message == "Database exploded"  # the error of the moment still has it
    assert b"Database exploded" not in stored
    assert settings.PERP_API_KEY.encode() not in stored


def test_the_error_carries_when_it_was_first_seen_while_it_persists(fake, cache_backend, frozen_clock):
    first_seen = frozen_clock.now()
    fake.fail(ARTWORK, "not_json")
    failed_read()

    frozen_clock.advance(settings.PERP_ERROR_SECONDS + 1)  # asked again: still broken
    again = failed_read()
    frozen_clock.advance(5)
    remembered = failed_read()

    assert fake.calls_to(ARTWORK) == 2
    assert again.first_seen == remembered.first_seen == first_seen


def test_a_failure_after_a_recovery_is_seen_anew(fake, cache_backend, frozen_clock):
    fake.fail(ARTWORK, "not_json")
    failed_read()
    fake.ok(ARTWORK, p.artwork("ORD-1"))
    read_artwork(refresh=True)
    frozen_clock.advance(settings.PERP_FRESH_ARTWORK_SECONDS + settings.PERP_STALE_GRACE_SECONDS + 1)
    cache.clear()  # the copy expired
    fake.fail(ARTWORK, "not_json")

    assert failed_read().first_seen == frozen_clock.now()


# --- On the customer page -----------------------------------------------------------


def serve_customer_with_broken_artwork(fake, orders=10):
    active = [p.order(f"ORD-{n}", order_number=f"PO-{n}") for n in range(orders)]
    fake.ok(CUSTOMER, p.customer())
    fake.ok(CUSTOMER + "/vip-wallet", p.wallet())
    fake.ok(CUSTOMER + "/orders", p.orders_page(active))
    fake.ok(CUSTOMER + "/invoices", p.invoices_page([p.invoice()]))
    for order in active:
        fake.ok(f"/orders/{order['order_id']}/production", p.production(order["order_id"]))
        fake.fail(f"/orders/{order['order_id']}/artwork", "wrong_shape")
    return [f"/orders/{order['order_id']}/artwork" for order in active]


def artwork_calls(fake, paths):
    return sum(fake.calls_to(path) for path in paths)


def test_a_page_with_ten_broken_artwork_sections_asks_perp_ten_times_per_period(
    alice_client, fake, frozen_clock, settings
):
    settings.ACTIVE_ORDERS_EXPANDED = 10
    paths = serve_customer_with_broken_artwork(fake)

    pages = [alice_client.get(CUSTOMER + "/").content.decode() for _ in range(3)]

    assert artwork_calls(fake, paths) == 10  # once per order, not once per view
    for page in pages:
        assert page.count("PERP sent an answer perpdesk could not read (since ") == 10
    frozen_clock.advance(settings.PERP_ERROR_SECONDS + 1)
    alice_client.get(CUSTOMER + "/")
    assert artwork_calls(fake, paths) == 20


def test_the_section_says_what_went_wrong_and_since_when(alice_client, fake, frozen_clock, settings):
    settings.ACTIVE_ORDERS_EXPANDED = 1
    serve_customer_with_broken_artwork(fake, orders=1)
    alice_client.get(CUSTOMER + "/")
    frozen_clock.advance(7)

    page = alice_client.get(CUSTOMER + "/").content.decode()

    assert (
        'PERP sent an answer perpdesk could not read (since <time datetime="2026-11-24T14:02:00+00:00">14:02:00</time>)'
        in page
    )


def test_a_page_with_a_remembered_failure_is_not_kept_whole(alice_client, fake, frozen_clock, settings, monkeypatch):
    settings.ACTIVE_ORDERS_EXPANDED = 2
    serve_customer_with_broken_artwork(fake, orders=2)
    kept = []
    monkeypatch.setattr(kept_pages, "store", lambda *args, **kwargs: kept.append(args))

    for _ in range(2):
        alice_client.get(CUSTOMER + "/")

    assert kept == []


def test_the_refresh_button_asks_perp_about_a_remembered_failure(alice_client, fake, frozen_clock, settings):
    settings.ACTIVE_ORDERS_EXPANDED = 2
    paths = serve_customer_with_broken_artwork(fake, orders=2)
    alice_client.get(CUSTOMER + "/")
    alice_client.get(CUSTOMER + "/")
    assert artwork_calls(fake, paths) == 2

    alice_client.post("/refresh/", {"next": CUSTOMER + "/"})

    assert artwork_calls(fake, paths) == 4
