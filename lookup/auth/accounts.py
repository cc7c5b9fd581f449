"""An identity the provider or proxy vouched for -> a perpdesk account, or a refusal.

Accounts are keyed on a stable id with a prefix per mode: "oidc:<issuer tag>:<sub>"
(so a new provider cannot land anyone in an account another provider's subject
had), "proxy:<user>" (compared case-insensitively: one person, one account, however
the proxy spells them). Never on an email address, and never colliding with a local
account such as the quick start's admin. Claims set the groups on every sign-in and
every renewal, replacing the previous ones, and never make anyone staff or superuser.
"""

import hashlib
import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from lookup.audit import Action, Outcome, audit_record
from lookup.auth.groups import assignable_groups

logger = logging.getLogger(__name__)

USERNAME_MAX_LENGTH = 150
PROXY_PREFIX = "proxy:"
GROUPS_REMOVED_AT_RENEWAL = "groups removed at renewal"


@dataclass(frozen=True)
class Identity:
    username: str  # perpdesk's key for the person, e.g. "oidc:<issuer tag>:<sub>"
    label: str  # how the person knows themselves at the provider (email, name)
    email: str = ""
    name: str = ""


class SignInRefused(Exception):
    """The provider knows the person, but perpdesk does not let them in."""

    def __init__(self, identity, reason):
        super().__init__(reason)
        self.identity = identity
        self.reason = reason


def issuer_tag(issuer):
    """A short, stable tag for a provider's issuer URL, part of its accounts' usernames."""
    return hashlib.sha256(issuer.encode()).hexdigest()[:12]


def account_for_sign_in(*, request, identity, group_names):
    """The account for `identity`, its groups replaced by `group_names`.

    Raises SignInRefused (audited) when none of those groups may use perpdesk; an
    existing account then loses its groups too.
    """
    if len(identity.username) > USERNAME_MAX_LENGTH:
        raise _refused(request, identity, None, "the identity is longer than perpdesk can store")
    existing = existing_account(identity.username)
    if existing and not existing.is_active:
        raise _refused(request, identity, existing, "the account is deactivated in perpdesk")
    groups = _groups_or_refusal(request, identity, existing, group_names, "in none of the allowed groups")
    user = existing or _new_account(identity)
    _update_account(user, identity, groups)
    return user


def account_at_renewal(*, request, user, identity, group_names):
    """`user` (signed in) with groups re-mapped from what the provider says now.

    Raises SignInRefused (audited, note "groups removed at renewal") when none is left.
    """
    groups = _groups_or_refusal(request, identity, user, group_names, GROUPS_REMOVED_AT_RENEWAL)
    _update_account(user, identity, groups)
    return user


def existing_account(username):
    accounts = get_user_model().objects
    if username.startswith(PROXY_PREFIX):
        # Accounts made before names were compared case-insensitively may differ only in
        # case: the oldest one is the person's.
        return accounts.filter(username__iexact=username).order_by("pk").first()
    return accounts.filter(username=username).first()


def _groups_or_refusal(request, identity, user, group_names, reason):
    groups = assignable_groups(group_names)
    if not groups:
        if user:
            user.groups.clear()
        raise _refused(request, identity, user, reason)
    return groups


def _new_account(identity):
    username = identity.username
    if username.startswith(PROXY_PREFIX):
        username = username.lower()
    user = get_user_model()(username=username)
    user.set_unusable_password()  # signs in only through the provider or proxy
    return user


def _update_account(user, identity, groups):
    user.email = identity.email[:254]
    user.first_name = identity.name[:150]
    user.is_staff = False
    user.is_superuser = False
    user.save()
    user.groups.set(groups)


def _refused(request, identity, user, reason):
    logger.warning("Sign-in refused for %s: %s", _account_reference(identity, user), reason)
    audit_record(
        request=request,
        action=Action.SIGN_IN,
        outcome=Outcome.REFUSED,
        user=user,
        username=(user.get_username() if user else identity.username)[:USERNAME_MAX_LENGTH],
        note=reason,
    )
    return SignInRefused(identity, reason)


def _account_reference(identity, user):
    """How a log line names the person: the account's id, never an email address (a
    proxy username often is one, a subject may be); the audit row says who it is."""
    if user is not None:
        return f"account {user.pk}"
    digest = hashlib.sha256(identity.username.lower().encode()).hexdigest()[:12]
    return f"an identity without an account ({digest})"
