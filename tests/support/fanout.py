from lookup.pages.fanout import Fanout


def run_concurrently(tasks, *, workers=None, deadline_seconds=None):
    """One round of tasks in a Fanout of its own, as a page's single round runs."""
    with Fanout(workers=workers, deadline_seconds=deadline_seconds) as fanout:
        return fanout.run(tasks)
