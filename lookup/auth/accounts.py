"""An identity the provider or proxy vouched for -> a perpdesk account, or a refusal.

Accounts are keyed on a stable id with a prefix per mode ("oidc:<sub>",
"proxy:<user>"): never on an email address, and never colliding with a local
account such as the quick start's admin. Claims set the groups on every sign-in,
replacing the previous ones, and never make anyone staff or superuser.
"""

import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from lookup.audit import Action, Outcome, audit_record
from lookup.auth.groups import assignable_groups

logger = logging.getLogger(__name__)

USERNAME_MAX_LENGTH = 150


@dataclass(frozen=True)
class Identity:
    username: str  # perpdesk's key for the person, e.g. "oidc:<sub>"
    label: str  # how the person knows themselves at the provider (email, name)
    email: str = ""
    name: str = ""


class SignInRefused(Exception):
    """The provider knows the person, but perpdesk does not let them in."""

    def __init__(self, identity, reason):
        super().__init__(reason)
        self.identity = identity
        self.reason = reason


def account_for_sign_in(*, request, identity, group_names):
    """The account for `identity`, its groups replaced by `group_names`.

    Raises SignInRefused (audited) when none of those groups may use perpdesk; an
    existing account then loses its groups too.
    """
    if len(identity.username) > USERNAME_MAX_LENGTH:
        raise _refused(request, identity, None, "the identity is longer than perpdesk can store")
    groups = assignable_groups(group_names)
    existing = get_user_model().objects.filter(username=identity.username).first()
    if existing and not existing.is_active:
        raise _refused(request, identity, existing, "the account is deactivated in perpdesk")
    if not groups:
        if existing:
            existing.groups.clear()
        raise _refused(request, identity, existing, f"{identity.label} is in none of the allowed groups")
    user = existing or _new_account(identity)
    _update_account(user, identity)
    user.groups.set(groups)
    return user


def _new_account(identity):
    user = get_user_model()(username=identity.username)
    user.set_unusable_password()  # signs in only through the provider or proxy
    return user


def _update_account(user, identity):
    user.email = identity.email[:254]
    user.first_name = identity.name[:150]
    user.is_staff = False
    user.is_superuser = False
    user.save()


def _refused(request, identity, user, reason):
    logger.warning("Sign-in refused for %s (%s): %s", identity.username, identity.label, reason)
    audit_record(
        request=request,
        action=Action.SIGN_IN,
        outcome=Outcome.REFUSED,
        user=user,
        username=identity.username[:USERNAME_MAX_LENGTH],
        note=reason,
    )
    return SignInRefused(identity, reason)
