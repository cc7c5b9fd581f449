"""System checks for sign-in settings: one clear line per setting that would lock
everybody out, or let the wrong people in.

`auth_problems()` yields (variable, problem) pairs in the same form as
`lookup.checks.settings_problems()`, so gunicorn's start-up can report both.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

from lookup.auth.oidc import REQUIRED_SETTINGS as OIDC_REQUIRED_SETTINGS
from lookup.auth.identity_headers import HEADER_NAME
from lookup.auth.proxy_jwt import PUBLIC_KEY_ALGORITHMS

OIDC_URL_SETTINGS = (
    "OIDC_OP_ISSUER",
    "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT",
    "OIDC_OP_USER_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT",
    "OIDC_OP_END_SESSION_ENDPOINT",
)
PROXY_JWT_SETTINGS = ("PROXY_JWKS_URL", "PROXY_JWT_ISSUER", "PROXY_JWT_AUDIENCE")
PROXY_HEADER_SETTINGS = ("PROXY_USER_HEADER", "PROXY_GROUPS_HEADER", "PROXY_JWT_HEADER")


def _oidc_problems():
    missing = [name for name in OIDC_REQUIRED_SETTINGS if not getattr(settings, name)]
    # A laptop (DEBUG) may run unconfigured: the sign-in page then says so.
    if missing and not settings.LOCAL_LOGIN and not settings.DEBUG:
        for name in missing:
            yield name, "is not set: nobody can sign in (AUTH_MODE=oidc, LOCAL_LOGIN off)."
    for name in OIDC_URL_SETTINGS:
        yield from _https_problem(name)
    if settings.OIDC_TIMEOUT <= 0:
        yield "OIDC_TIMEOUT", "must be a positive number of seconds."


def _https_problem(name):
    url = getattr(settings, name)
    if url and not settings.DEBUG and urlsplit(url).scheme != "https":
        yield name, "must be an https URL in production."


def _proxy_header_problems():
    for name in PROXY_HEADER_SETTINGS:
        value = getattr(settings, name)
        if value and not HEADER_NAME.fullmatch(value):
            yield name, "must be a header name of letters, digits and hyphens (servers drop underscores)."


def _proxy_token_problems():
    for name in PROXY_JWT_SETTINGS:
        if not getattr(settings, name):
            yield name, "is not set: needed to verify the proxy's token (PROXY_JWT_HEADER)."
    yield from _https_problem("PROXY_JWKS_URL")
    algorithms = settings.PROXY_JWT_ALGORITHMS
    if not algorithms or not set(algorithms) <= PUBLIC_KEY_ALGORITHMS:
        yield "PROXY_JWT_ALGORITHMS", (
            f"must list public-key algorithms only ({', '.join(sorted(PUBLIC_KEY_ALGORITHMS))}): "
            "a JWKS holds public keys, never a shared secret."
        )


def _proxy_problems():
    yield from _proxy_header_problems()
    if settings.PROXY_JWT_HEADER:
        yield from _proxy_token_problems()
    elif not settings.PROXY_USER_HEADER:
        yield "PROXY_USER_HEADER", "is not set: AUTH_MODE=proxy needs the header naming the user."
    group_sources = ("PROXY_GROUPS_HEADER", "PROXY_JWT_GROUPS_CLAIM", "PROXY_DEFAULT_GROUPS")
    if not any(getattr(settings, name) for name in group_sources):
        yield "PROXY_GROUPS_HEADER", (
            "is not set (nor PROXY_JWT_GROUPS_CLAIM or PROXY_DEFAULT_GROUPS): nobody would get access."
        )


def auth_problems():
    if settings.AUTH_MODE == "oidc":
        yield from _oidc_problems()
    elif settings.AUTH_MODE == "proxy":
        yield from _proxy_problems()
    for name in ("SESSION_IDLE_TIMEOUT", "SESSION_MAX_LIFETIME"):
        if getattr(settings, name) <= 0:
            yield name, "must be a positive number of seconds."
    if not 0 <= settings.SESSION_RENEW_SECONDS < settings.SESSION_IDLE_TIMEOUT:
        yield "SESSION_RENEW_SECONDS", "must be 0 or more and less than SESSION_IDLE_TIMEOUT."


@checks.register(checks.Tags.security)
def check_auth_settings(app_configs=None, **kwargs):
    found = [
        checks.Error(f"{variable} {problem}", id=f"perpdesk_auth.E{number:03d}")
        for number, (variable, problem) in enumerate(auth_problems(), 1)
    ]
    if settings.LOCAL_LOGIN and not settings.DEBUG:
        found.append(
            checks.Warning("LOCAL_LOGIN is on with DEBUG off: password sign-in is meant for the demo.",
                           id="perpdesk_auth.W001")
        )
    if settings.AUTH_MODE == "proxy" and not settings.PROXY_JWT_HEADER and settings.PROXY_USER_HEADER:
        found.append(_unsigned_header_warning())
    return found


def _unsigned_header_warning():
    return checks.Warning(
        f"AUTH_MODE=proxy believes {settings.PROXY_USER_HEADER} as sent, unsigned: safe only when every "
        "way to perpdesk passes a proxy that strips client-sent copies of it.",
        hint="Strip them in nginx (manage.py nginx_identity_headers prints the lines), or set "
        "PROXY_JWT_HEADER so that perpdesk verifies the proxy's signed assertion instead.",
        id="perpdesk_auth.W002",
    )
