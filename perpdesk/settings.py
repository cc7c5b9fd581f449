"""perpdesk settings: one module, read from the environment (and an optional .env).

Embedded defaults run on a laptop out of the box (SQLite, local-memory cache,
the sandbox PERP on 127.0.0.1:8765). Production sets the variables listed in the
README's settings table; `lookup.checks` refuses to start with a missing or bad one.
"""

import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Values that could not be parsed: "NAME: problem". `lookup.checks` turns each into
# one clear start-up error instead of a traceback from this module.
SETTINGS_ERRORS = []


def _read(name, parse, default, expected):
    try:
        return parse(name, default=default)
    except Exception:  # environ raises several types; the value itself may hold a password
        SETTINGS_ERRORS.append(f"{name} is not valid: expected {expected}.")
        # Parsing an unset name yields the default in the parser's own form (a dict for a URL).
        return parse(f"_PERPDESK_UNSET_{name}", default=default)


def _seconds(name, default):
    return _read(name, env.float, default, "a number of seconds")


def _int(name, default):
    return _read(name, env.int, default, "a whole number")


def _bool(name, default):
    return _read(name, env.bool, default, "true or false")


def _choice(name, default, choices):
    def parse(var, default):
        value = env.str(var, default=default)
        if value not in choices:
            raise ValueError(value)
        return value

    return _read(name, parse, default, " or ".join(choices))


def _networks(name, default):
    """Comma-separated networks, e.g. 10.0.0.0/8,::1/128 (a bare address is one host)."""

    def parse(var, default):
        return [ipaddress.ip_network(item.strip()) for item in env.list(var, default=default)]

    return _read(name, parse, default, "comma-separated networks such as 10.0.0.0/8,::1/128")


def _origins(name):
    """Comma-separated origins (scheme://host[:port]): they go into a response header."""

    def parse(var, default):
        origins = [item.strip().rstrip("/") for item in env.list(var, default=default)]
        for origin in origins:
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or not parts.hostname or parts.path:
                raise ValueError(origin)
            if any(c in origin for c in " ;,'\""):
                raise ValueError(origin)
        return origins

    return _read(name, parse, [], "comma-separated origins such as https://files.example.com")


# --- Core ---------------------------------------------------------------------
DEBUG = _bool("DEBUG", False)
# Unset falls back to an insecure development key; with DEBUG off the system check
# (lookup.checks) refuses to start on it.
SECRET_KEY = env.str("SECRET_KEY", default="") or "django-insecure-unset-development-only"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_TZ = True
LANGUAGE_CODE = "en-us"
USE_I18N = True

INSTALLED_APPS = [
    "lookup.apps.LookupAdminConfig",  # the custom AdminSite (replaces django.contrib.admin)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "lookup.apps.LookupConfig",
    "lookup.auth.apps.AuthConfig",
]

MIDDLEWARE = [
    # First: nothing below may see forwarded headers sent by anyone but a trusted proxy.
    "lookup.ops.forwarded.TrustedProxyMiddleware",
    "lookup.ops.request_id.RequestIdMiddleware",
    "lookup.ops.request_log.RequestLogMiddleware",
    "lookup.ops.metrics.PageMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "lookup.ops.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "lookup.auth.middleware.SessionLifetimeMiddleware",
    "lookup.auth.middleware.ProviderRenewalMiddleware",
    "lookup.auth.middleware.ProxySignInMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "lookup.ticket.TicketContextMiddleware",  # needs the session and the signed-in user
]

ROOT_URLCONF = "perpdesk.urls"
WSGI_APPLICATION = "perpdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

EMBEDDED_DATABASE_URL = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {"default": _read("DATABASE_URL", env.db, EMBEDDED_DATABASE_URL, "a database URL")}
if not DATABASES["default"].get("ENGINE", "").startswith("django.db.backends."):
    SETTINGS_ERRORS.append("DATABASE_URL is not valid: use postgres://... or sqlite:///....")
    DATABASES["default"] = env.db_url_config(EMBEDDED_DATABASE_URL)
# Keep each worker thread's database connection between requests: opening a
# PostgreSQL connection costs more than a page's queries. Checked before reuse.
DATABASES["default"].setdefault("CONN_MAX_AGE", _int("DATABASE_CONN_MAX_AGE", 60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# PostgreSQL: a pool of at most DATABASE_POOL_MAX_SIZE connections per worker process,
# whatever its thread count (a request holds one from its first query to its end; one
# that waits DATABASE_POOL_TIMEOUT for it gets the 503 page). 0: one kept connection per
# thread (CONN_MAX_AGE) instead. The pool hands out connections without a health-check
# round trip: one that broke while idle fails its request (503) and is replaced.
DATABASE_POOL_MAX_SIZE = _int("DATABASE_POOL_MAX_SIZE", 4)
# A database that stops answering must cost a request seconds, not the OS's TCP
# timeouts: libpq gives up connecting after DATABASE_CONNECT_TIMEOUT (whole seconds, at
# least 2), PostgreSQL cancels a statement after DATABASE_STATEMENT_TIMEOUT (0: never;
# for a long one-off maintenance command), and unacknowledged packets or keepalives
# (a partition while a connection is open) close it after the connect timeout too.
# The page then says the database is unavailable (lookup.ops.db_unavailable).
DATABASE_CONNECT_TIMEOUT = _int("DATABASE_CONNECT_TIMEOUT", 3)
DATABASE_STATEMENT_TIMEOUT = _seconds("DATABASE_STATEMENT_TIMEOUT", 5.0)
# A database refusing or not answering costs a pooled request this long, as unpooled.
DATABASE_POOL_TIMEOUT = _seconds("DATABASE_POOL_TIMEOUT", float(DATABASE_CONNECT_TIMEOUT))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    if DATABASE_POOL_MAX_SIZE > 0 and "pool" not in _pg_options:
        _pg_options["pool"] = {
            "min_size": 1,
            "max_size": max(1, DATABASE_POOL_MAX_SIZE),
            "timeout": DATABASE_POOL_TIMEOUT,
        }
    if _pg_options.get("pool"):
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them; Django requires 0
        # With health checks on, Django has the pool check each connection it hands out:
        # a round trip per request, and one lookup.ops.db_deadline cannot watch.
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    _pg_options.setdefault("connect_timeout", DATABASE_CONNECT_TIMEOUT)
    _pg_options.setdefault("tcp_user_timeout", DATABASE_CONNECT_TIMEOUT * 1000)
    _pg_options.setdefault("keepalives_idle", DATABASE_CONNECT_TIMEOUT)
    _pg_options.setdefault("keepalives_interval", 1)
    # The session's time zone comes with the connection too, so Django sends no SET TIME
    # ZONE after connecting: opening a connection is one step, bounded by the connect
    # timeout; every round trip after it has perpdesk's deadline (lookup.ops.db_deadline).
    _pg_options["options"] = " ".join(
        [_pg_options.get("options", ""), f"-c statement_timeout={round(DATABASE_STATEMENT_TIMEOUT * 1000)}",
         f"-c TimeZone={DATABASES['default'].get('TIME_ZONE') or 'UTC'}"]
    ).strip()
# /readyz answers within this, whatever the database does (lookup.ops.health).
READYZ_TIMEOUT = _seconds("READYZ_TIMEOUT", 2.0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": _read("CACHE_URL", env.cache, "locmemcache://perpdesk", "a cache URL")}

STATIC_URL = "static/"
STATIC_ROOT = env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# --- PERP API -----------------------------------------------------------------
PERP_API_URL = env.str("PERP_API_URL", default="http://127.0.0.1:8765/api")
PERP_API_KEY = env.str("PERP_API_KEY", default="sandbox-key" if DEBUG else "")
# Connect fails fast (a dead host); read waits for PERP's slower queries.
PERP_CONNECT_TIMEOUT = _seconds("PERP_CONNECT_TIMEOUT", 3.05)
PERP_READ_TIMEOUT = _seconds("PERP_READ_TIMEOUT", 10.0)
# Retries after the first attempt on 429/502/503/504/connection errors/timeouts.
PERP_MAX_RETRIES = _int("PERP_MAX_RETRIES", 2)
PERP_BACKOFF_BASE = _seconds("PERP_BACKOFF_BASE", 0.2)
# A Retry-After longer than this is not waited for: the page has a deadline.
PERP_RETRY_AFTER_CAP = _seconds("PERP_RETRY_AFTER_CAP", 3.0)
# Largest answer read, after decompression: the largest real page of orders is far
# below it. A larger one is refused while it streams, never held whole.
PERP_MAX_RESPONSE_BYTES = _int("PERP_MAX_RESPONSE_BYTES", 4 * 1024 * 1024)
# Longest one PERP call may hold a thread: connect, headers and the whole body, retries
# and their pauses included (the read timeout bounds each read, not a trickling body).
PERP_CALL_DEADLINE_SECONDS = _seconds("PERP_CALL_DEADLINE_SECONDS", 15.0)
# Link template into PERP's own web UI; {kind} is customers/orders/invoices, {id} the id.
PERP_WEB_URL = env.str("PERP_WEB_URL", default="")


def _public_origin(var, default):
    origin = env.str(var, default=default).strip().rstrip("/")
    parts = urlsplit(origin)
    if origin and (parts.scheme not in ("http", "https") or not parts.hostname or parts.path
                   or parts.query or parts.fragment or any(c.isspace() for c in origin)):
        raise ValueError(origin)
    return origin


# perpdesk's own origin as staff open it (https://perpdesk.example.com), for the page link
# in copied notes (lookup.pages.replies); empty: the browser adds the page's own origin.
PERPDESK_PUBLIC_URL = _read("PERPDESK_PUBLIC_URL", _public_origin, "", "an origin such as https://perpdesk.example.com")
# PERP's identifier formats, which its docs leave open: one regular expression per kind
# ("order_number=^PO-\d+$;invoice_number=..." or a JSON object; lookup.pages.search reads
# them, lookup.checks validates them). Empty: any id-like text tries every lookup.
SEARCH_PATTERNS = env.str("SEARCH_PATTERNS", default="")
# The search page's examples, one per kind in the same format; empty: no examples.
SEARCH_EXAMPLES = env.str("SEARCH_EXAMPLES", default="")

# --- Pages --------------------------------------------------------------------
# Longest a page waits for its PERP sections before showing the rest as timed out.
PAGE_DEADLINE_SECONDS = _seconds("PAGE_DEADLINE_SECONDS", 8.0)
# Concurrent PERP calls one page may make: 24 lets the 360 page's second round
# (production + artwork for 10 active orders = 20 calls) run in one wave.
PAGE_FANOUT_WORKERS = _int("PAGE_FANOUT_WORKERS", 24)
# Request threads per gunicorn worker (gunicorn.conf.py reads the same variable).
GUNICORN_THREADS = _int("GUNICORN_THREADS", 8)
# Connections to PERP kept per process: one for each fan-out thread of each request
# thread, so none is opened and thrown away at the busiest. urllib3 opens them only
# as calls need them; a smaller pool closes every connection past it after its call.
PERP_POOL_SIZE = _int("PERP_POOL_SIZE", GUNICORN_THREADS * PAGE_FANOUT_WORKERS)
# Active orders on the 360 page that get production and artwork fetched.
ACTIVE_ORDERS_EXPANDED = _int("ACTIVE_ORDERS_EXPANDED", 10)
LIST_PAGE_SIZE = _int("LIST_PAGE_SIZE", 10)
# Entries the 360 page's timeline shows, newest first; it says how many older ones it left out.
TIMELINE_ENTRIES = _int("TIMELINE_ENTRIES", 30)
# PERP has no "invoices of an order" call: the order page looks through this many of
# the customer's most recent invoices, and says so when the customer has more.
ORDER_INVOICES_SEARCHED = _int("ORDER_INVOICES_SEARCHED", 50)
# Lookups (searches, pages, Refresh) one person may make per period, counted in the
# shared cache (lookup.ops.rate_limit): "120/m", "1000/h", "30/10s" or "off". Someone working
# a queue opens a few pages a minute; a script or a misused account, hundreds.
LOOKUP_RATE_LIMIT = env.str("LOOKUP_RATE_LIMIT", default="120/m")

# --- Caching ------------------------------------------------------------------
# A customer 360 page made only of fresh copies is kept whole (lookup.pages.kept_pages) until
# its first copy stops being fresh, and never longer than this: long enough to span a
# copy's freshness; short, so pages nobody opens again do not pile up in Redis.
KEPT_PAGE_SECONDS = _seconds("KEPT_PAGE_SECONDS", 300.0)
# lookup.reading.reader caches every PERP read in CACHES["default"]. Production sets
# CACHE_URL=redis://... so all workers share copies, fetch locks and the breaker.
# The old integration kept PERP data 2 minutes and staff were content with it:
# customers, wallets, orders and invoices change a few times a day at most.
PERP_FRESH_SECONDS = _seconds("PERP_FRESH_SECONDS", 120.0)
# Production moves stage by stage and artwork is approved while the customer is on
# the phone: a minute is as old as staff should see them without pressing Refresh.
PERP_FRESH_PRODUCTION_SECONDS = _seconds("PERP_FRESH_PRODUCTION_SECONDS", 60.0)
PERP_FRESH_ARTWORK_SECONDS = _seconds("PERP_FRESH_ARTWORK_SECONDS", 60.0)
# Long enough to absorb a search retyped or a page reloaded; short enough that a
# customer created in PERP a minute ago is found.
PERP_NOT_FOUND_SECONDS = _seconds("PERP_NOT_FOUND_SECONDS", 30.0)
# A bad response or API error is remembered this long, so a broken endpoint is asked
# once per period, not on every view (Refresh asks again at once).
PERP_ERROR_SECONDS = _seconds("PERP_ERROR_SECONDS", 15.0)
# How long past its freshness a copy is kept to be shown while PERP is down: a day,
# so even an outage overnight leaves staff yesterday's data (marked with its age).
PERP_STALE_GRACE_SECONDS = _seconds("PERP_STALE_GRACE_SECONDS", 24 * 3600.0)
# Single flight: one reader of an expired key calls PERP, the others wait this long
# for its copy, polling every PERP_CACHE_POLL_SECONDS; then they call PERP themselves
# (or show the stale copy). Shorter than PAGE_DEADLINE_SECONDS.
PERP_CACHE_WAIT_SECONDS = _seconds("PERP_CACHE_WAIT_SECONDS", 5.0)
PERP_CACHE_POLL_SECONDS = _seconds("PERP_CACHE_POLL_SECONDS", 0.05)
# A fetch lock (or breaker probe) outlives a crashed holder by at most this; whole
# seconds in Redis.
PERP_CACHE_LOCK_SECONDS = _seconds("PERP_CACHE_LOCK_SECONDS", 10.0)
# Circuit breaker: this many consecutive "PERP unavailable" within the window open it,
# so reads get the stale copy at once instead of each waiting out PERP's timeouts...
PERP_BREAKER_FAILURES = _int("PERP_BREAKER_FAILURES", 5)
PERP_BREAKER_WINDOW_SECONDS = _seconds("PERP_BREAKER_WINDOW_SECONDS", 60.0)
# ...for this long; then one probe call goes through and its success closes it.
PERP_BREAKER_OPEN_SECONDS = _seconds("PERP_BREAKER_OPEN_SECONDS", 30.0)
# A Redis that does not answer must cost a read this long, not the OS's TCP timeout:
# the read then goes straight to PERP. Redis URLs use django-redis (one connection
# pool per process); its failures are not ignored: lookup.reading.store sees and logs them.
CACHE_SOCKET_TIMEOUT = _seconds("CACHE_SOCKET_TIMEOUT", 0.25)
if CACHES["default"]["BACKEND"] in ("django.core.cache.backends.redis.RedisCache", "django_redis.cache.RedisCache"):
    CACHES["default"]["BACKEND"] = "django_redis.cache.RedisCache"
    CACHES["default"].setdefault("OPTIONS", {}).update(
        SOCKET_CONNECT_TIMEOUT=CACHE_SOCKET_TIMEOUT,
        SOCKET_TIMEOUT=CACHE_SOCKET_TIMEOUT,
        IGNORE_EXCEPTIONS=False,
    )
# A cache every worker and instance shares: sessions and permission sets may live in it.
SHARED_CACHE = CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"

# --- Auth ---------------------------------------------------------------------
# "oidc": perpdesk signs people in at the OpenID provider itself.
# "proxy": an authenticating proxy in front (oauth2-proxy, IAP, ...) says who they are.
AUTH_MODE = _choice("AUTH_MODE", "oidc", ("oidc", "proxy"))
# Username/password sign-in: for the quick-start demo only; production leaves it off.
LOCAL_LOGIN = _bool("LOCAL_LOGIN", False)


def _group_map(name, default):
    """'idp-group:Django group,...' -> {idp-group: Django group}; bad pairs are reported."""
    mapping = {}
    for pair in env.list(name, default=default):
        idp_group, _, django_group = pair.rpartition(":")
        if not idp_group.strip() or not django_group.strip():
            SETTINGS_ERRORS.append(f"{name} is not valid: expected idp-group:Django group pairs.")
            return {}
        mapping[idp_group.strip()] = django_group.strip()
    return mapping


# The provider's (or proxy's) groups that may use perpdesk, and the Django group each
# one gives; on every sign-in a person's Django groups are replaced by these.
AUTH_GROUP_MAP = _group_map("AUTH_GROUP_MAP", ["perp-support:Support", "perp-audit:Auditors"])
# Who a refused person should ask for access (shown on the refusal page).
AUTH_ACCESS_CONTACT = env.str("AUTH_ACCESS_CONTACT", default="your team lead")

AUTHENTICATION_BACKENDS = [
    "lookup.auth.proxy.ProxyBackend" if AUTH_MODE == "proxy" else "lookup.auth.oidc.OIDCBackend",
    *(["django.contrib.auth.backends.ModelBackend"] if LOCAL_LOGIN else []),
]
LOGIN_URL = "auth:sign_in"
LOGIN_REDIRECT_URL = "admin:index"
LOGOUT_REDIRECT_URL = "auth:sign_in"

# Sessions end after this long without a request (the cookie age) and, whatever the
# activity, this long after sign-in. A request renews the idle timeout when the last
# renewal is SESSION_RENEW_SECONDS old (a session write on every page is not needed).
SESSION_IDLE_TIMEOUT = _int("SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_MAX_LIFETIME = _int("SESSION_MAX_LIFETIME", 10 * 3600)
SESSION_RENEW_SECONDS = _int("SESSION_RENEW_SECONDS", 60)
# A ticket flow (lookup.ticket) ends after this long without a lookup in it.
TICKET_CONTEXT_SECONDS = _int("TICKET_CONTEXT_SECONDS", 30 * 60)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT
# On a shared cache, a session is read from Redis (the database keeps the copy every
# write goes to): a Redis restart signs nobody out. A per-process cache would let one
# worker keep a session another had ended, so sessions then stay in the database alone.
SESSION_ENGINE = "lookup.auth.session_store" if SHARED_CACHE else "django.contrib.sessions.backends.db"
# How long a person's permission set is kept in the shared cache (lookup.auth.permissions);
# every change of groups or permissions deletes it at once. 0: asked of the database each request.
PERMISSION_CACHE_SECONDS = _int("PERMISSION_CACHE_SECONDS", 300 if SHARED_CACHE else 0)
# Secure cookies unless DEBUG (the quick start on plain http); SECURE_COOKIES=false
# allows a production-like run on http://localhost.
SECURE_COOKIES = _bool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = CSRF_COOKIE_HTTPONLY = True
# Not Strict: the provider's redirect back to /oidc/callback/ is a cross-site
# navigation, and without the session cookie the sign-in's state cannot be checked.
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"

# OpenID Connect (mozilla-django-oidc). Endpoints are the provider's, as its
# /.well-known/openid-configuration lists them.
OIDC_OP_ISSUER = env.str("OIDC_OP_ISSUER", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_OP_END_SESSION_ENDPOINT = env.str("OIDC_OP_END_SESSION_ENDPOINT", default="")
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid email profile groups")
OIDC_GROUPS_CLAIM = env.str("OIDC_GROUPS_CLAIM", default="groups")
# Every call to the provider (token, userinfo, keys) gives up after this long.
OIDC_TIMEOUT = _seconds("OIDC_TIMEOUT", 5.0)
# A signed-in person is re-checked with the provider (a refresh-token grant, groups
# re-mapped) this often: someone removed from the groups loses access within it.
OIDC_RENEW_SECONDS = _int("OIDC_RENEW_SECONDS", 900)
if OIDC_RENEW_SECONDS <= 0:
    SETTINGS_ERRORS.append("OIDC_RENEW_SECONDS is not valid: expected a positive number of seconds.")
    OIDC_RENEW_SECONDS = 900
# Tolerated clock difference with the provider or proxy when checking token times.
AUTH_CLOCK_SKEW = _int("AUTH_CLOCK_SKEW", 60)
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_USE_NONCE = True
OIDC_STORE_ID_TOKEN = True  # the id_token_hint for signing out at the provider
OIDC_AUTHENTICATION_CALLBACK_URL = "auth:oidc_callback"

# Proxy mode: headers are believed only from these networks (the proxy's addresses).
# Also: X-Forwarded-Proto/For/Host and X-Request-ID (lookup.ops.forwarded), gunicorn's
# forwarded_allow_ips (gunicorn.conf.py reads the same variable).
TRUSTED_PROXIES = _networks("TRUSTED_PROXIES", ["127.0.0.1/32", "::1/128"])
PROXY_USER_HEADER = env.str("PROXY_USER_HEADER", default="X-Forwarded-Email")
# Comma-separated groups as the proxy passes them (oauth2-proxy: X-Forwarded-Groups).
PROXY_GROUPS_HEADER = env.str("PROXY_GROUPS_HEADER", default="")
# Django groups for everyone the proxy lets through, for proxies that send no groups.
PROXY_DEFAULT_GROUPS = env.list("PROXY_DEFAULT_GROUPS", default=[])
# A signed identity token from the proxy, verified instead of the plain user header.
PROXY_JWT_HEADER = env.str("PROXY_JWT_HEADER", default="")
PROXY_JWKS_URL = env.str("PROXY_JWKS_URL", default="")
PROXY_JWT_ISSUER = env.str("PROXY_JWT_ISSUER", default="")
PROXY_JWT_AUDIENCE = env.str("PROXY_JWT_AUDIENCE", default="")
PROXY_JWT_USER_CLAIM = env.str("PROXY_JWT_USER_CLAIM", default="email")
PROXY_JWT_GROUPS_CLAIM = env.str("PROXY_JWT_GROUPS_CLAIM", default="")
PROXY_JWT_ALGORITHMS = env.list("PROXY_JWT_ALGORITHMS", default=["RS256", "ES256"])
PROXY_JWKS_TIMEOUT = _seconds("PROXY_JWKS_TIMEOUT", 5.0)
# Where sign-out sends people in proxy mode (e.g. oauth2-proxy's /oauth2/sign_out).
PROXY_LOGOUT_URL = env.str("PROXY_LOGOUT_URL", default="")

# Audit rows older than this are deleted by `manage.py prune_audit`.
AUDIT_RETENTION_DAYS = _int("AUDIT_RETENTION_DAYS", 365)

# --- Logging ------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
# json: one object per line for the log pipeline (lookup.ops.log_format); plain: for a person.
LOG_FORMAT = _choice("LOG_FORMAT", "plain" if DEBUG else "json", ("json", "plain"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"()": "lookup.ops.log_format.PlainFormatter"},
        "json": {"()": "lookup.ops.log_format.JsonFormatter"},
    },
    # Every line carries its request's id, Django's own after the response included.
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}},
    "filters": {
        # A database failure's 503 has its own one-line WARNING (lookup.ops.db_unavailable).
        "database_unavailable": {"()": "lookup.ops.db_unavailable.DatabaseUnavailableRecords"},
        "request_id": {"()": "lookup.ops.log_format.RequestIdFilter"},
        "one_line_warning": {"()": "lookup.ops.log_format.OneLineWarning"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"level": "INFO"},
        # 5xx only: a 4xx is in perpdesk.request's line, by route, not by filled-in path.
        "django.request": {"level": "ERROR", "filters": ["database_unavailable"]},
        # A Host not in ALLOWED_HOSTS (scanners, misaddressed probes): a warning, no traceback.
        "django.security.DisallowedHost": {"level": "WARNING", "filters": ["one_line_warning"]},
        # Its DEBUG lines hold whole PERP URLs, search emails included.
        "urllib3": {"level": "WARNING"},
        # Its warnings quote the driver's message (host, port): the 503's line says why.
        "psycopg.pool": {"level": "ERROR"},
    },
}


# --- Production: behind a TLS-terminating proxy -------------------------------
# deploy/ has a sample nginx site and systemd unit; gunicorn.conf.py the app server.
# HTTPS is what the proxy says it is, but only a proxy in TRUSTED_PROXIES may say it:
# lookup.ops.forwarded deletes the header from anyone else before SecurityMiddleware looks.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = _bool("SECURE_SSL_REDIRECT", not DEBUG)
# Probes and the metrics scraper talk plain http straight to gunicorn.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = _int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A __Host- cookie is refused by browsers unless Secure, Path=/ and without Domain,
# so no sibling sub-domain can plant or overwrite it; plain names on http (DEBUG).
SESSION_COOKIE_NAME = "__Host-sessionid" if SECURE_COOKIES else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if SECURE_COOKIES else "csrftoken"

# Origins PERP serves artwork images from (the sandbox's own in the quick start).
PERP_FILE_HOSTS = _origins("PERP_FILE_HOSTS")


def _origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else None


# Sign-in and sign-out forms end in a redirect to the provider: browsers hold that
# redirect to form-action too.
_SIGN_IN_ORIGINS = sorted(
    {_origin(url) for url in (OIDC_OP_AUTHORIZATION_ENDPOINT, OIDC_OP_END_SESSION_ENDPOINT, PROXY_LOGOUT_URL)}
    - {None}
)
# Content-Security-Policy, sent by lookup.ops.csp: no inline script or style anywhere.
# Django 6.0 sends this same setting itself (django.middleware.csp).
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", *PERP_FILE_HOSTS],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'", *_SIGN_IN_ORIGINS],
}

# Hashed file names, cached for a year by browsers (whitenoise). Needs
# `manage.py collectstatic` at deploy; without it (a laptop, the tests) plain names.
STATIC_MANIFEST = _bool("STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "perpdesk.storage.StaticFilesStorage"  # whitenoise's, URLs remembered
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# /metrics (lookup.ops.metrics) answers these networks, or a bearer token; 404 to anyone else.
METRICS_ALLOWED_NETWORKS = _networks("METRICS_ALLOWED_NETWORKS", [])
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
