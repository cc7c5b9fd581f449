"""The page fan-out (lookup.pages.fanout): concurrent sections under one deadline."""

import threading
import time

import pytest

from lookup.context import request_id
from lookup.pages.fanout import Fanout, SectionTimedOut
from tests.support.fanout import run_concurrently
from lookup.perp.errors import PERPAPIError


def test_it_runs_tasks_concurrently():
    # Four tasks that can only finish once all four are running at the same time.
    barrier = threading.Barrier(4, timeout=2)
    tasks = {f"task {n}": (lambda n=n: barrier.wait() or n) for n in range(4)}

    outcomes = run_concurrently(tasks, workers=4, deadline_seconds=5)

    assert all(outcome.ok for outcome in outcomes.values()), outcomes
    assert {name: outcome.value for name, outcome in outcomes.items()} == {
        "task 0": 0, "task 1": 1, "task 2": 2, "task 3": 3,
    }


def test_a_started_tasks_outcome_can_be_taken_while_others_still_run():
    release = threading.Event()
    with Fanout(workers=2, deadline_seconds=5) as fanout:
        started = fanout.start({"slow": lambda: release.wait(5) and "slow", "fast": lambda: "fast"})

        fast = fanout.outcomes({"fast": started["fast"]})["fast"]
        slow_still_running = not started["slow"].done()
        release.set()
        slow = fanout.outcomes({"slow": started["slow"]})["slow"]

    assert (fast.value, slow_still_running, slow.value) == ("fast", True, "slow")


def test_it_reports_unfinished_tasks_as_timed_out_without_waiting_for_them():
    release = threading.Event()
    started = time.monotonic()

    outcomes = run_concurrently(
        {"slow": lambda: release.wait(5), "quick": lambda: "done"},
        workers=2,
        deadline_seconds=0.2,
    )

    elapsed = time.monotonic() - started
    release.set()
    assert elapsed < 1.5
    assert outcomes["quick"].value == "done"
    assert isinstance(outcomes["slow"].error, SectionTimedOut)
    assert outcomes["slow"].error.seconds == 0.2


def test_it_counts_the_deadline_across_rounds():
    release = threading.Event()
    with Fanout(workers=2, deadline_seconds=0.3) as fanout:
        fanout.run({"first": lambda: time.sleep(0.2)})
        second = fanout.run({"second": lambda: release.wait(5)})
    release.set()

    assert isinstance(second["second"].error, SectionTimedOut)


def test_it_turns_a_task_exception_into_its_outcome():
    def fails():
        raise PERPAPIError("/api/orders/{order_id}", "INTERNAL", "boom")

    def bug():
        raise ZeroDivisionError("a bug")

    outcomes = run_concurrently({"fails": fails, "bug": bug, "fine": lambda: 1})

    assert isinstance(outcomes["fails"].error, PERPAPIError)
    assert isinstance(outcomes["bug"].error, ZeroDivisionError)
    assert outcomes["fine"].value == 1


def test_it_runs_tasks_in_a_copy_of_the_request_context():
    token = request_id.set("req-123")
    try:
        outcomes = run_concurrently({f"t{n}": request_id.get for n in range(5)}, workers=5)
    finally:
        request_id.reset(token)

    assert {outcome.value for outcome in outcomes.values()} == {"req-123"}


def test_it_handles_an_empty_round():
    assert run_concurrently({}) == {}


@pytest.mark.parametrize("workers", [1, 3])
def test_it_bounds_the_number_of_threads(workers):
    running, most = 0, 0
    lock = threading.Lock()

    def task():
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1

    run_concurrently({n: task for n in range(6)}, workers=workers, deadline_seconds=5)

    assert most == workers


def test_a_request_thread_reuses_its_pool_for_the_next_page():
    first = run_concurrently({"a": threading.get_ident}, workers=1, deadline_seconds=5)
    second = run_concurrently({"a": threading.get_ident}, workers=1, deadline_seconds=5)

    assert first["a"].value == second["a"].value  # the same fan-out thread, not a new one


def test_a_page_left_with_a_straggler_does_not_hold_up_the_next_one():
    release = threading.Event()
    try:
        slow = run_concurrently({"slow": lambda: release.wait(5)}, workers=1, deadline_seconds=0.1)
        started = time.monotonic()
        next_page = run_concurrently({"quick": lambda: "done"}, workers=1, deadline_seconds=2)
    finally:
        release.set()

    assert isinstance(slow["slow"].error, SectionTimedOut)
    assert next_page["quick"].value == "done"
    assert time.monotonic() - started < 1
