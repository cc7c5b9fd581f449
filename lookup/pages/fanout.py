"""Run a page's PERP reads concurrently, under one deadline for the whole page.

A page waits for the depth of its call graph, not the sum of its calls: each round
of independent reads runs at once on a small pool of threads owned by the request.
Whatever has not finished when the page's deadline passes is reported as timed out
and left behind (the pool is shut down without waiting), so a slow PERP costs a page
at most PAGE_DEADLINE_SECONDS. A task's exception becomes its outcome; it never
propagates into the page.

Starting threads was most of a cached page's fan-out cost, so a request thread keeps
its pool for its next request, unless something was left running in it: a pool with
stragglers is shut down and the next request gets a new one, so a slow PERP never
holds up a later page's reads.
"""

import contextvars
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Callable

from django.conf import settings

from lookup.perp.errors import PERPError

logger = logging.getLogger(__name__)

_this_thread = threading.local()  # .idle_pool: (workers, ThreadPoolExecutor) kept for reuse


class SectionTimedOut(Exception):
    """The page's deadline passed before this section's PERP reads finished."""

    def __init__(self, seconds):
        self.seconds = seconds
        super().__init__(f"not finished within the page deadline of {seconds:g} s")


class NotLoaded(Exception):
    """A section was not read because the one it depends on could not be read."""

    def __init__(self, missing):
        self.missing = missing
        super().__init__(f"not loaded: {missing} could not be read")


@dataclass(frozen=True)
class Outcome:
    """What one task came to: its return value, or the exception it ended with."""

    value: Any = None
    error: BaseException | None = None

    @property
    def ok(self):
        return self.error is None


class Fanout:
    """A bounded thread pool for one request, with a deadline counted from its creation.

    Use as a context manager; `run` may be called once per round of the page's call
    graph, or `start` a round and collect its `outcomes` as each is needed.
    """

    def __init__(self, *, workers=None, deadline_seconds=None):
        self.workers = workers or settings.PAGE_FANOUT_WORKERS
        self.deadline_seconds = deadline_seconds or settings.PAGE_DEADLINE_SECONDS
        self._deadline = time.monotonic() + self.deadline_seconds
        self._pool = _take_pool(self.workers)
        self._futures = []

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        if all(future.done() for future in self._futures):
            _this_thread.idle_pool = (self.workers, self._pool)
        else:  # stragglers past the deadline finish (or time out in the client) on their own
            self._pool.shutdown(wait=False, cancel_futures=True)

    def run(self, tasks: dict[str, Callable[[], Any]]) -> dict[str, Outcome]:
        """Run the named tasks concurrently; return each one's Outcome by name."""
        return self.outcomes(self.start(tasks))

    def start(self, tasks: dict[str, Callable[[], Any]]) -> dict[str, Future]:
        """Start the named tasks; `outcomes` waits for any of them later."""
        return {name: self._submit(task) for name, task in tasks.items()}

    def outcomes(self, futures: dict[str, Future]) -> dict[str, Outcome]:
        """The Outcomes of started tasks, by name, once each is done or the deadline passed."""
        wait(futures.values(), timeout=max(0.0, self._deadline - time.monotonic()))
        return {name: self._outcome(name, future) for name, future in futures.items()}

    def _submit(self, task):
        # Each task gets its own copy of the request's context (request id and the like):
        # one Context object cannot be entered by two threads at once.
        context = contextvars.copy_context()
        future = self._pool.submit(context.run, task)
        self._futures.append(future)
        return future

    def _outcome(self, name, future):
        if not future.done():
            future.cancel()
            logger.warning("page section %s timed out after %g s", name, self.deadline_seconds)
            return Outcome(error=SectionTimedOut(self.deadline_seconds))
        error = future.exception()
        if error is None:
            return Outcome(value=future.result())
        if not isinstance(error, PERPError):  # a bug, not PERP: keep its traceback
            logger.error("page section %s failed", name, exc_info=error)
        return Outcome(error=error)


def _take_pool(workers):
    """This thread's idle pool if it has one of this size, else a new one."""
    idle = getattr(_this_thread, "idle_pool", None)
    _this_thread.idle_pool = None  # a Fanout opened inside this one gets a pool of its own
    if idle is not None and idle[0] == workers:
        return idle[1]
    if idle is not None:
        idle[1].shutdown(wait=False)
    return ThreadPoolExecutor(workers, thread_name_prefix="perpdesk-fanout")
