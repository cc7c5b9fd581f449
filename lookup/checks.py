"""System checks: start-up stops with one clear line per missing or bad setting.

With DEBUG on (a laptop) the embedded defaults are fine and only unparsable values
are reported; with DEBUG off every value production needs must be set and sane.
"""

import sys
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

from lookup.ops.rate_limit import settings_problems as rate_limit_problems
from lookup.pages.search import settings_problems as search_settings_problems

INSECURE_KEY_PREFIX = "django-insecure"
LOCAL_MEMORY_CACHE = "django.core.cache.backends.locmem.LocMemCache"
POSITIVE_SECONDS = (
    "PERP_CONNECT_TIMEOUT",
    "PERP_READ_TIMEOUT",
    "PAGE_DEADLINE_SECONDS",
    "PERP_FRESH_SECONDS",
    "PERP_FRESH_PRODUCTION_SECONDS",
    "PERP_FRESH_ARTWORK_SECONDS",
    "PERP_NOT_FOUND_SECONDS",
    "PERP_STALE_GRACE_SECONDS",
    "KEPT_PAGE_SECONDS",
    "PERP_CACHE_WAIT_SECONDS",
    "PERP_CACHE_POLL_SECONDS",
    "PERP_CACHE_LOCK_SECONDS",
    "PERP_BREAKER_WINDOW_SECONDS",
    "PERP_BREAKER_OPEN_SECONDS",
    "PERP_CALL_DEADLINE_SECONDS",
    "PERP_ERROR_SECONDS",
)
POSITIVE_COUNTS = (
    "PERP_POOL_SIZE", "PAGE_FANOUT_WORKERS", "PERP_BREAKER_FAILURES", "LIST_PAGE_SIZE",
    "PERP_MAX_RESPONSE_BYTES",
)


def _error(variable, problem, number):
    return checks.Error(f"{variable} {problem}", id=f"perpdesk.E{number:03d}")


def _production_problems():
    if settings.SECRET_KEY.startswith(INSECURE_KEY_PREFIX):
        yield "SECRET_KEY", "is not set: give it a long random value."
    elif len(settings.SECRET_KEY) < 32:
        yield "SECRET_KEY", "is too short: use at least 32 random characters."
    if not settings.PERP_API_KEY:
        yield "PERP_API_KEY", "is not set: perpdesk cannot call PERP without it."
    if not settings.ALLOWED_HOSTS:
        yield "ALLOWED_HOSTS", "is empty: list the host names perpdesk is served on."


def _always_problems():
    url = urlsplit(settings.PERP_API_URL or "")
    if url.scheme not in ("http", "https") or not url.netloc:
        yield "PERP_API_URL", "must be an http(s) URL such as https://perp.example.com/api."
    for name in POSITIVE_SECONDS:
        if getattr(settings, name) <= 0:
            yield name, "must be a positive number of seconds."
    for name in POSITIVE_COUNTS:
        if getattr(settings, name) < 1:
            yield name, "must be at least 1."
    if settings.PERP_CALL_DEADLINE_SECONDS <= settings.PERP_CONNECT_TIMEOUT:
        yield "PERP_CALL_DEADLINE_SECONDS", "must be longer than PERP_CONNECT_TIMEOUT, or no call gets past connecting."
    if settings.PERP_WEB_URL and "{id}" not in settings.PERP_WEB_URL:
        yield "PERP_WEB_URL", "must contain {id} (and may contain {kind})."
    yield from _database_timeout_problems()
    yield from rate_limit_problems()  # LOOKUP_RATE_LIMIT


def _database_timeout_problems():
    if settings.DATABASE_CONNECT_TIMEOUT < 2:
        yield "DATABASE_CONNECT_TIMEOUT", "must be at least 2 seconds (PostgreSQL's shortest)."
    if settings.DATABASE_STATEMENT_TIMEOUT < 0:
        yield "DATABASE_STATEMENT_TIMEOUT", "must be 0 (no limit) or a positive number of seconds."
    if settings.READYZ_TIMEOUT <= 0:
        yield "READYZ_TIMEOUT", "must be a positive number of seconds."
    yield from _database_pool_problems()
    if settings.PERMISSION_CACHE_SECONDS < 0:
        yield "PERMISSION_CACHE_SECONDS", "must be 0 (not kept) or a positive number of seconds."


def _database_pool_problems():
    if settings.DATABASE_POOL_MAX_SIZE < 0:
        yield "DATABASE_POOL_MAX_SIZE", "must be 0 (no pool) or a positive number of connections."
    if settings.DATABASE_POOL_TIMEOUT <= 0:
        yield "DATABASE_POOL_TIMEOUT", "must be a positive number of seconds."
    if settings.DATABASES["default"].get("OPTIONS", {}).get("pool"):
        try:
            import psycopg_pool  # noqa: F401
        except ImportError:
            yield "DATABASE_POOL_MAX_SIZE", "needs psycopg's pool (pip install psycopg[pool]), or set it to 0."


def settings_problems():
    """(variable, problem) pairs for the current settings."""
    for message in getattr(settings, "SETTINGS_ERRORS", []):
        variable, _, problem = message.partition(" ")
        yield variable, problem
    yield from _always_problems()
    yield from search_settings_problems()  # SEARCH_PATTERNS, SEARCH_EXAMPLES
    if not settings.DEBUG:
        yield from _production_problems()


@checks.register(checks.Tags.security, deploy=False)
def check_settings(app_configs=None, **kwargs):
    return [_error(var, problem, n) for n, (var, problem) in enumerate(settings_problems(), 1)]


@checks.register(checks.Tags.caches, deploy=True)
def check_shared_cache(app_configs=None, **kwargs):
    """Local memory is per process: workers would not share copies, locks or the breaker."""
    if settings.CACHES["default"]["BACKEND"] != LOCAL_MEMORY_CACHE:
        return []
    message = (
        "CACHE_URL is local memory: each gunicorn worker keeps its own PERP copies, "
        "fetch locks and breaker. Set CACHE_URL=redis://... in production."
    )
    return [checks.Warning(message, id="perpdesk.W001")]


def exit_on_bad_settings():
    """For servers that skip system checks (gunicorn): one line per problem, then exit."""
    from lookup.auth.checks import auth_problems

    problems = [*settings_problems(), *auth_problems()]
    for variable, problem in problems:
        print(f"perpdesk: configuration error: {variable} {problem}", file=sys.stderr)
    if problems:
        sys.exit(2)
