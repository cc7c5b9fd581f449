"""Run a page's PERP reads concurrently, under one deadline for the whole page.

A page waits for the depth of its call graph, not the sum of its calls: each round
of independent reads runs at once on a small pool of threads owned by the request.
Whatever has not finished when the page's deadline passes is reported as timed out
and left behind (the pool is shut down without waiting), so a slow PERP costs a page
at most PAGE_DEADLINE_SECONDS. A task's exception becomes its outcome; it never
propagates into the page.
"""

import contextvars
import logging
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Callable

from django.conf import settings

from lookup.perp.errors import PERPError

logger = logging.getLogger(__name__)


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

    Use as a context manager; `run` may be called once per round of the page's call graph.
    """

    def __init__(self, *, workers=None, deadline_seconds=None):
        self.workers = workers or settings.PAGE_FANOUT_WORKERS
        self.deadline_seconds = deadline_seconds or settings.PAGE_DEADLINE_SECONDS
        self._deadline = time.monotonic() + self.deadline_seconds
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="perpdesk-fanout")

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        # Stragglers past the deadline finish (or time out in the client) on their own.
        self._pool.shutdown(wait=False, cancel_futures=True)

    def run(self, tasks: dict[str, Callable[[], Any]]) -> dict[str, Outcome]:
        """Run the named tasks concurrently; return each one's Outcome by name."""
        futures = {name: self._submit(task) for name, task in tasks.items()}
        wait(futures.values(), timeout=max(0.0, self._deadline - time.monotonic()))
        return {name: self._outcome(name, future) for name, future in futures.items()}

    def _submit(self, task):
        # Each task gets its own copy of the request's context (request id and the like):
        # one Context object cannot be entered by two threads at once.
        context = contextvars.copy_context()
        return self._pool.submit(context.run, task)

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


def run_concurrently(tasks, *, workers=None, deadline_seconds=None):
    """One round of tasks in a pool of its own: for callers with a single round."""
    with Fanout(workers=workers, deadline_seconds=deadline_seconds) as fanout:
        return fanout.run(tasks)
