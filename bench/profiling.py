"""The warm page profiled in this process (Django's test Client, the run's settings and
Redis) with pyinstrument: where a cached page's time goes, by phase and by whose code.

pyinstrument samples the thread it was started on, the request's own: the page's
fan-out threads (lookup.pages.fanout) show there as the request waiting for them, inside
the "PERP data from the cache" phase.
"""

import gc
from collections import Counter
from pathlib import Path

from pyinstrument import Profiler

BASE_DIR = Path(__file__).resolve().parent.parent
OWN_PACKAGES = ("lookup", "perpdesk", "templates")
TEMPLATES = "templates"
CACHED_READS = "PERP data from the cache (the kept page, or the copies)"
# The outermost call of each phase of a page view: (phase, file ending, function).
PHASES = (
    (TEMPLATES, "django/template/response.py", "render"),
    (CACHED_READS, "lookup/pages/kept_pages.py", "read"),
    (CACHED_READS, "lookup/pages/customer.py", "read_sections"),
    ("audit row", "lookup/audit.py", "audit_record"),
    ("session save", "django/contrib/sessions/backends/db.py", "save"),
    ("session and user load", "django/contrib/auth/__init__.py", "get_user"),
    ("permission check", "django/contrib/auth/models.py", "has_perm"),
)


def profile_page(path, *, session_key, requests, report_path):
    """Profile `requests` GETs of the warm page; the summary, and the full report written out."""
    client = _signed_in_client(session_key)
    _expect_ok(client.get(path))  # the first request loads templates and fills the cache
    gc.freeze()  # as a gunicorn worker does once loaded (gunicorn.conf.py)
    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(requests):
            _expect_ok(client.get(path))
    Path(report_path).write_text(profiler.output_text(unicode=True, color=False))
    return summary(profiler.last_session.root_frame(), requests, report_path)


def _signed_in_client(session_key):
    from django.conf import settings
    from django.test import Client

    client = Client(SERVER_NAME="127.0.0.1")  # an ALLOWED_HOSTS name
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    return client


def _expect_ok(response):
    if response.status_code != 200:
        raise RuntimeError(f"profiled page: HTTP {response.status_code}, expected 200")


def summary(root, requests, report_path):
    total = root.time or 1.0
    phases = _phase_times(root)
    phases["the rest (middleware, framework)"] = total - sum(phases.values())
    owners, functions = _self_times(root)
    return {
        "requests": requests,
        "ms_per_request": round(total / requests * 1000, 2),
        "share_by_phase": _shares(phases, total),
        "self_time_share_by_owner": _shares(owners, total),
        "top_self_time": [
            {"function": name, "share": round(seconds / total, 3)} for name, seconds in functions.most_common(8)
        ],
        "report": str(report_path),
    }


def _shares(seconds_by_name, total):
    ordered = sorted(seconds_by_name.items(), key=lambda item: -item[1])
    return {name: round(seconds / total, 3) for name, seconds in ordered}


def _phase_times(frame, times=None):
    times = Counter() if times is None else times
    for phase, file_ending, function in PHASES:
        if (frame.file_path or "").endswith(file_ending) and frame.function == function:
            times[phase] += frame.time
            return times
    for child in frame.children:
        _phase_times(child, times)
    return times


def _self_times(frame, caller_owner="python", owners=None, functions=None):
    """Self time by owner and by function; a C function's time counts for its caller's owner."""
    owners = Counter() if owners is None else owners
    functions = Counter() if functions is None else functions
    owner = _owner(frame, caller_owner)
    owners[owner] += frame.total_self_time  # includes pyinstrument's synthetic [self] children
    functions[f"{frame.function} ({frame.file_path_short}:{frame.line_no})"] += frame.total_self_time
    for child in frame.children:
        if not child.is_synthetic:
            _self_times(child, owner, owners, functions)
    return owners, functions


def _owner(frame, caller_owner):
    """perpdesk, django, redis, another library, python (the standard library), or waiting."""
    path = frame.file_path or ""
    if frame.function.endswith("acquire") and not path.endswith(".py"):
        return "waiting for fan-out threads"
    if not path.endswith(".py"):  # a built-in: the code that called it
        return caller_owner
    if "site-packages/" in path:
        return Path(path.split("site-packages/", 1)[1]).parts[0]
    if path.startswith(str(BASE_DIR)):
        top = Path(path).relative_to(BASE_DIR).parts[0]
        return "perpdesk" if top in OWN_PACKAGES else top
    return "python"
