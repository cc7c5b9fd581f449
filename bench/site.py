"""perpdesk as the benchmark runs it: production settings on loopback (with bench.urls'
signed-in trivial view), a migrated database, collected static files and signed-in
support staff.

This process runs Django with the same settings as the gunicorn instances (it
prepares the database, signs staff in and profiles the page), so `configure` may
be called once per process.
"""

import os

from sandbox_perp.dialects import SEARCH_SETTINGS, STANDARD

CACHE_URL = "redis://127.0.0.1:6379/12"
PAGE_CACHE_SETTINGS = ("PERP_FRESH_SECONDS", "PERP_FRESH_PRODUCTION_SECONDS", "PERP_FRESH_ARTWORK_SECONDS")
STAFF_USERNAME = "bench-agent"
# Sign-in at an identity provider that the benchmark never contacts: sessions are made here.
OIDC_ENV = {
    "OIDC_OP_ISSUER": "https://sso.example.com",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://sso.example.com/oauth2/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "https://sso.example.com/oauth2/token",
    "OIDC_OP_USER_ENDPOINT": "https://sso.example.com/oauth2/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "https://sso.example.com/oauth2/jwks",
    "OIDC_RP_CLIENT_ID": "perpdesk",
    "OIDC_RP_CLIENT_SECRET": "bench-oidc-client-secret",
}


def settings_env(*, perp_url, perp_key, database_url, workdir):
    """perpdesk's production settings, as the environment gives them, for plain http on loopback."""
    return {
        **OIDC_ENV,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "false",
        "SECRET_KEY": "bench-secret-key-used-for-nothing-else-0123456789abcdef",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "CACHE_URL": CACHE_URL,
        "STATIC_ROOT": f"{workdir}/static",
        "PERP_API_URL": perp_url,
        "PERP_API_KEY": perp_key,
        **SEARCH_SETTINGS[STANDARD],  # the sandbox's identifier formats, as an operator declares PERP's
        # No TLS proxy in front: plain http, so no redirect to https and no Secure cookies.
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "LOG_LEVEL": "WARNING",
        # One account makes every request of the run: counted as in production (the
        # count's cost is measured), never refused.
        "LOOKUP_RATE_LIMIT": "1000000/m",
    }


def server_env(settings, *, workers, threads):
    """`settings` plus gunicorn's own knobs (gunicorn.conf.py reads them)."""
    return {
        **settings,
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_THREADS": str(threads),
        # Steady workers: one recycled mid-run would be timed while it restarts.
        "GUNICORN_MAX_REQUESTS": "0",
    }


def expanding(env, active_orders):
    """`env` with a page of `active_orders` orders, all of them expanded: for the busy customer.

    Only this instance: the main one keeps the defaults the other scenarios are measured with.
    """
    return {**env, "LIST_PAGE_SIZE": str(active_orders), "ACTIVE_ORDERS_EXPANDED": str(active_orders)}


def quickly_stale(env, seconds=1):
    """`env` with every PERP reading fresh for only `seconds`: for the outage scenario."""
    return {**env, **dict.fromkeys(PAGE_CACHE_SETTINGS, str(seconds))}


def configure(settings):
    """Django in this process, with the instances' settings."""
    import django

    os.environ.update(settings)
    django.setup()


def prepare_database_and_static():
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


def signed_in_sessions(count):
    """Session keys of `count` sessions of one support agent, as a sign-in leaves them."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Permission, User
    from django.contrib.sessions.backends.db import SessionStore

    from lookup.auth.sessions import note_sign_in

    agent, _ = User.objects.get_or_create(username=STAFF_USERNAME)
    agent.user_permissions.add(Permission.objects.get(content_type__app_label="lookup", codename="lookup_customers"))
    keys = []
    for _ in range(count):
        session = SessionStore()
        session[SESSION_KEY] = agent._meta.pk.value_to_string(agent)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = agent.get_session_auth_hash()
        note_sign_in(session)
        session.create()
        keys.append(session.session_key)
    return keys


def session_cookie(session_key):
    """The Cookie header for a session (the name depends on SECURE_COOKIES)."""
    from django.conf import settings

    return f"{settings.SESSION_COOKIE_NAME}={session_key}"
