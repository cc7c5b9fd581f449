"""The /_sandbox/ control endpoints: read and change fault knobs, read and reset stats."""

import json


def handle(state, method, path, body):
    """(status, JSON-able payload) for a control request."""
    route = (method, path.rstrip("/"))
    if route == ("GET", "/_sandbox/faults"):
        return 200, state.faults.snapshot()
    if route == ("POST", "/_sandbox/faults"):
        return _set_faults(state, body)
    if route == ("DELETE", "/_sandbox/faults"):
        return 200, state.faults.reset()
    if route == ("GET", "/_sandbox/stats"):
        return 200, stats_payload(state)
    if route in (("POST", "/_sandbox/stats/reset"), ("DELETE", "/_sandbox/stats")):
        state.counter.reset()
        return 200, stats_payload(state)
    return 404, {"error": "unknown control endpoint"}


def stats_payload(state):
    calls = state.counter.snapshot()
    return {"calls": calls, "total": sum(calls.values())}


def _set_faults(state, body):
    try:
        changes = json.loads(body or b"{}")
    except ValueError:
        return 400, {"error": "body must be a JSON object"}
    if not isinstance(changes, dict):
        return 400, {"error": "body must be a JSON object"}
    try:
        if changes.pop("reset", False):
            state.faults.reset()
        return 200, state.faults.update(**changes)
    except ValueError as error:
        return 400, {"error": str(error)}
