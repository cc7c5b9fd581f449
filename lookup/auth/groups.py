"""The provider's groups -> perpdesk's Django groups, through AUTH_GROUP_MAP.

The mapping only ever hands out groups whose permissions are all perpdesk's own
("Support", "Auditors" from migration 0003): a claim must never give anyone power
over accounts, groups or anything else the admin could manage.
"""

import logging

from django.conf import settings
from django.contrib.auth.models import Group

logger = logging.getLogger(__name__)

PERPDESK_APP_LABEL = "lookup"


def claim_as_list(value):
    """A groups claim or header as a list of names (providers send a list or one string)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [item for item in value if isinstance(item, str)]
    return []


def mapped_group_names(provider_groups):
    """Django group names AUTH_GROUP_MAP gives for these provider groups."""
    group_map = settings.AUTH_GROUP_MAP
    return {group_map[name] for name in provider_groups if name in group_map}


def assignable_groups(names):
    """The existing groups among `names` that only carry perpdesk's permissions."""
    groups = list(Group.objects.filter(name__in=names).prefetch_related("permissions__content_type"))
    missing = set(names) - {group.name for group in groups}
    if missing:
        logger.error("Sign-in maps to Django groups that do not exist: %s", ", ".join(sorted(missing)))
    return [group for group in groups if _only_perpdesk_permissions(group)]


def _only_perpdesk_permissions(group):
    foreign = {p.content_type.app_label for p in group.permissions.all()} - {PERPDESK_APP_LABEL}
    if foreign:
        logger.error(
            "Group %r is never given at sign-in: it holds permissions outside perpdesk (%s)",
            group.name, ", ".join(sorted(foreign)),
        )
    return not foreign
