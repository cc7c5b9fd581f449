"""Access ends when the provider says so: a signed-in person is re-checked with the
provider every OIDC_RENEW_SECONDS, server-side, by a refresh-token grant.

No browser redirect, so it works the same for a page, a form post or a background
request. Each renewal re-maps the groups from what the provider says now; removed from
every mapped group, the person is refused (audited "groups removed at renewal") and
signed out. A provider that refuses the refresh token (the person disabled, signed out
there, or the grant revoked) ends the session too. A provider that cannot be reached
is asked again a minute later, and the session ends once the provider has not vouched
for the person for two renewal periods: an outage at the provider cannot keep access
open indefinitely. A sign-in whose provider issued no refresh token ends at its first
renewal (the person signs in again, usually without typing anything).

One request renews at a time (a conditional UPDATE claims the row, on PostgreSQL and
SQLite alike): providers that rotate refresh tokens revoke the whole grant when one is
used twice.
"""

import logging
import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.contrib import auth
from django.db.models import Q
from django.utils import timezone

from lookup.audit import Action, Outcome, audit_record
from lookup.auth.accounts import SignInRefused
from lookup.auth.models import ProviderSignIn
from lookup.auth.oidc import OIDCBackend, SignInFailed, account_after_renewal

logger = logging.getLogger(__name__)

SIGN_IN_KEY = "perpdesk_provider_sign_in"
# When the next renewal is due (a hint that spares most requests a query; the row decides).
RENEW_AFTER_KEY = "perpdesk_provider_renew_after"
OIDC_BACKEND_PATH = "lookup.auth.oidc.OIDCBackend"
RETRY_SECONDS = 60  # after the provider could not be asked
CLAIM_SECONDS = 30  # how long a renewing request holds the row (covers OIDC_TIMEOUT calls)
NO_REFRESH_TOKEN = "the provider issued no refresh token to renew the sign-in with"


def start_renewals(request, user, tokens):
    """Record a sign-in at the provider (after auth.login) so it can be renewed."""
    now = timezone.now()
    row = ProviderSignIn.objects.create(
        key=secrets.token_urlsafe(32),
        user=user,
        subject=tokens.subject,
        refresh_token=tokens.refresh_token,
        vouched_at=now,
        renew_after=now + timedelta(seconds=settings.OIDC_RENEW_SECONDS),
        ends_at=now + timedelta(seconds=settings.SESSION_MAX_LIFETIME),
    )
    request.session[SIGN_IN_KEY] = row.key
    request.session[RENEW_AFTER_KEY] = row.renew_after.timestamp()


def end_renewals(session):
    key = session.get(SIGN_IN_KEY)
    if key:
        ProviderSignIn.objects.filter(key=key).delete()


def prune_sign_ins():
    """Delete the rows of sign-ins past their absolute end; returns how many."""
    deleted, _ = ProviderSignIn.objects.filter(ends_at__lt=timezone.now()).delete()
    return deleted


def renew_with_provider_if_due(request):
    """Re-check the signed-in person with the provider when due.

    Returns a SignInRefused when the provider's groups no longer let them in (they are
    signed out then), else None (the request goes on, signed in or signed out).
    """
    key = request.session.get(SIGN_IN_KEY)
    if not key or request.session.get(auth.BACKEND_SESSION_KEY) != OIDC_BACKEND_PATH:
        return None  # not a sign-in at the provider (a password, a test's force_login)
    if time.time() < request.session.get(RENEW_AFTER_KEY, 0):
        return None
    row = ProviderSignIn.objects.filter(key=key, user=request.user).first()
    if row is None:  # forgotten (past its end, or deleted): nothing vouches for the session
        _sign_out(request, (Outcome.EXPIRED, "at renewal: the sign-in at the provider is no longer on record"))
        return None
    if timezone.now() < row.renew_after:
        request.session[RENEW_AFTER_KEY] = row.renew_after.timestamp()
        return None
    if not _claim(row):
        return None
    try:
        claims, refresh_token = _ask_provider(row)
        account_after_renewal(request, request.user, claims)
    except SignInRefused as refusal:
        _sign_out(request, None)  # the refusal is audited already
        return refusal
    except SignInFailed as failure:
        _after_failure(request, row, failure)
        return None
    _vouched(request, row, refresh_token)
    return None


def _claim(row):
    """True when this request may renew: no other request is renewing the sign-in."""
    now = timezone.now()
    claimable = ProviderSignIn.objects.filter(key=row.key, renew_after__lte=now).filter(
        Q(renewing_until__isnull=True) | Q(renewing_until__lt=now)
    )
    return claimable.update(renewing_until=now + timedelta(seconds=CLAIM_SECONDS)) == 1


def _ask_provider(row):
    if not row.refresh_token:
        raise SignInFailed(NO_REFRESH_TOKEN, Outcome.EXPIRED)
    return OIDCBackend().renewed_claims(row.refresh_token, row.subject)


def _vouched(request, row, refresh_token):
    now = timezone.now()
    row.refresh_token = refresh_token
    row.vouched_at = now
    row.renew_after = now + timedelta(seconds=settings.OIDC_RENEW_SECONDS)
    row.renewing_until = None
    row.save(update_fields=["refresh_token", "vouched_at", "renew_after", "renewing_until"])
    request.session[RENEW_AFTER_KEY] = row.renew_after.timestamp()


def _after_failure(request, row, failure):
    now = timezone.now()
    unvouched_for = (now - row.vouched_at).total_seconds()
    if failure.outcome == Outcome.ERROR and unvouched_for < 2 * settings.OIDC_RENEW_SECONDS:
        logger.warning("Renewal of account %s postponed: %s", request.user.pk, failure.reason)
        row.renew_after = now + timedelta(seconds=min(RETRY_SECONDS, settings.OIDC_RENEW_SECONDS))
        row.renewing_until = None
        row.save(update_fields=["renew_after", "renewing_until"])
        request.session[RENEW_AFTER_KEY] = row.renew_after.timestamp()
        return
    logger.info("Sign-in of account %s ended at renewal: %s", request.user.pk, failure.reason)
    _sign_out(request, (failure.outcome, f"at renewal: {failure.reason}"))


def _sign_out(request, audit):
    if audit is not None:
        outcome, note = audit
        audit_record(request=request, action=Action.SIGN_OUT, outcome=outcome, note=note)
    auth.logout(request)  # the user_logged_out receiver deletes the row
