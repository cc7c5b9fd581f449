"""OpenID accounts keyed on issuer and subject: "oidc:<sub>" -> "oidc:<issuer tag>:<sub>".

The accounts made before were all the configured provider's, so they are carried over
to OIDC_OP_ISSUER as set when this migration runs (run `migrate` with the production
environment). Without it they are left as they are: nobody can sign in to them any
more, and their audit rows keep their names. Deciding once, here, rather than matching
old accounts at sign-in: a later change of provider can then never claim one.

Sessions signed in at the provider before this release are ended (everyone signs in
once more): from now on every such session has its row to be renewed with.
"""

import re

from django.conf import settings
from django.db import migrations

from lookup.auth.accounts import USERNAME_MAX_LENGTH, issuer_tag

KEYED_ON_ISSUER = re.compile(r"^oidc:[0-9a-f]{12}:")
OIDC_BACKEND = "lookup.auth.oidc.OIDCBackend"


def key_accounts_on_issuer(apps, schema_editor):
    if not settings.OIDC_OP_ISSUER:
        return
    tag = issuer_tag(settings.OIDC_OP_ISSUER)
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    for user in User.objects.filter(username__startswith="oidc:"):
        if KEYED_ON_ISSUER.match(user.username):
            continue
        username = f"oidc:{tag}:{user.username.removeprefix('oidc:')}"
        if len(username) <= USERNAME_MAX_LENGTH and not User.objects.filter(username=username).exists():
            user.username = username
            user.save(update_fields=["username"])


def unkey_accounts(apps, schema_editor):
    if not settings.OIDC_OP_ISSUER:
        return
    prefix = f"oidc:{issuer_tag(settings.OIDC_OP_ISSUER)}:"
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    for user in User.objects.filter(username__startswith=prefix):
        user.username = "oidc:" + user.username.removeprefix(prefix)
        user.save(update_fields=["username"])


def end_provider_sessions(apps, schema_editor):
    if settings.SESSION_ENGINE not in ("django.contrib.sessions.backends.db",
                                       "django.contrib.sessions.backends.cached_db"):
        return
    from django.contrib.sessions.backends.db import SessionStore

    Session = apps.get_model("sessions", "Session")
    decode = SessionStore().decode
    ended = [
        row.session_key for row in Session.objects.all()
        if decode(row.session_data).get("_auth_user_backend") == OIDC_BACKEND
    ]
    Session.objects.filter(session_key__in=ended).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("perpdesk_auth", "0001_provider_sign_in"),
        ("sessions", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(key_accounts_on_issuer, unkey_accounts),
        migrations.RunPython(end_provider_sessions, migrations.RunPython.noop),
    ]
