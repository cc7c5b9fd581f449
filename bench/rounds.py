"""What a page's PERP calls were, from the sandbox's call log (sandbox_perp.stats.Call)."""

from collections import Counter


def dependent_rounds(calls):
    """The longest chain of calls in which each starts after the one before it ended.

    Calls made at once overlap, so they are one round; a call that waited for another's
    answer starts after it ended, a round later. The page can be no faster than this
    many PERP latencies.
    """
    return len(in_rounds(calls))


def in_rounds(calls):
    """The calls by round: [[calls of round 1], [round 2], ...], each in the order started
    (a call's round is the length of the longest chain of calls ending with it)."""
    ordered = sorted(calls, key=lambda call: call.started)
    depth = []  # depth[i]: the longest chain ending with ordered[i]
    for index, call in enumerate(ordered):
        answered_before = [depth[i] for i in range(index) if ordered[i].ended <= call.started]
        depth.append(1 + max(answered_before, default=0))
    rounds = [[] for _ in range(max(depth, default=0))]
    for call, round_number in zip(ordered, depth):
        rounds[round_number - 1].append(call)
    return rounds


def calls_by_endpoint(calls):
    """{endpoint template: calls}, only the endpoints called."""
    return dict(Counter(call.template for call in calls))


def resource_of(call):
    """What a call read: its endpoint with its path and query parameters."""
    return (call.template, tuple(sorted(call.params.items())), tuple(sorted(call.query.items())))


def most_calls_for_one_resource(calls):
    return max(Counter(resource_of(call) for call in calls).values(), default=0)


def repeats_after_answer(calls):
    """Calls for a resource whose first call had already been answered when they started."""
    first_answered = {}
    repeats = 0
    for call in sorted(calls, key=lambda call: call.started):
        resource = resource_of(call)
        if resource in first_answered and call.started >= first_answered[resource]:
            repeats += 1
        first_answered.setdefault(resource, call.ended)
    return repeats
