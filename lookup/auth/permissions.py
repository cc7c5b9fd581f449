"""A signed-in person's permissions, kept in the shared cache between requests.

Django's ModelBackend asks PostgreSQL for a person's permissions (two queries with
joins) once per request: its copy lives on the request's user object
(`user._perm_cache`). `CachedPermissions`, mixed into the sign-in backends (which come
first in AUTHENTICATION_BACKENDS), fills that copy from the cache instead, so every
ModelBackend after it answers from it too. A miss reads the database and stores the
set for PERMISSION_CACHE_SECONDS (0: not kept).

Access ends at once: whatever changes what a person may do — their groups replaced at
sign-in or at renewal (lookup.auth.accounts), a group or permission changed in the admin,
a group deleted, a user's flags saved — deletes the cached sets of the people it
touches (here, on m2m_changed and save/delete signals), now and again when the
transaction commits, so a request that read the old rows in between cannot keep them.
A cache that cannot be read means the database is asked; one that cannot be written
to is logged, and the entry it kept lasts at most PERMISSION_CACHE_SECONDS.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

logger = logging.getLogger(__name__)

KEY_PREFIX = "perpdesk:permissions:"
# Django's copies on the user object (ModelBackend's names).
USER_PERMISSION_CACHES = ("_perm_cache", "_user_perm_cache", "_group_perm_cache")


def permissions_key(user_pk):
    return f"{KEY_PREFIX}{user_pk}"


class CachedPermissions:
    """Mixin for a ModelBackend: get_all_permissions from the cache when it has them."""

    def get_all_permissions(self, user_obj, obj=None):
        if _cacheable(user_obj, obj) and not hasattr(user_obj, "_perm_cache"):
            kept = _read(user_obj.pk)
            if kept is not None:
                user_obj._perm_cache = set(kept)
            else:
                _write(user_obj.pk, super().get_all_permissions(user_obj))
        return super().get_all_permissions(user_obj, obj)


def _cacheable(user_obj, obj):
    return (
        settings.PERMISSION_CACHE_SECONDS > 0
        and obj is None
        and user_obj.is_active
        and not user_obj.is_anonymous
    )


def _read(user_pk):
    try:
        return cache.get(permissions_key(user_pk))
    except Exception as error:  # the database knows: ask it
        logger.warning("Permission cache unreadable (%s): asking the database", type(error).__name__)
        return None


def _write(user_pk, permissions):
    try:
        cache.set(permissions_key(user_pk), frozenset(permissions), settings.PERMISSION_CACHE_SECONDS)
    except Exception as error:
        logger.warning("Permission cache not written (%s)", type(error).__name__)


def forget_permissions(user_pks):
    """Delete the cached sets of these users, now and when the transaction commits."""
    keys = [permissions_key(pk) for pk in set(user_pks)]
    if not keys:
        return
    _delete(keys)
    transaction.on_commit(lambda: _delete(keys))


def _delete(keys):
    try:
        cache.delete_many(keys)
    except Exception as error:
        logger.warning(
            "Permission cache entries not deleted (%s): they last at most PERMISSION_CACHE_SECONDS",
            type(error).__name__,
        )


def _forget_on_user(user):
    forget_permissions([user.pk])
    for name in USER_PERMISSION_CACHES:
        user.__dict__.pop(name, None)


def _members(group_pks):
    return get_user_model().objects.filter(groups__pk__in=group_pks).values_list("pk", flat=True)


@receiver(m2m_changed, sender=get_user_model().groups.through, dispatch_uid="perpdesk_permissions_groups")
@receiver(
    m2m_changed, sender=get_user_model().user_permissions.through, dispatch_uid="perpdesk_permissions_user_perms"
)
def forget_on_membership_change(sender, instance, action, reverse, pk_set, **kwargs):
    if not reverse:  # user.groups / user.user_permissions changed
        _forget_on_user(instance)
    elif pk_set:  # group.user_set / permission.user_set changed, for these users
        forget_permissions(pk_set)
    elif action == "pre_clear":  # before the rows go: who they were
        forget_permissions(instance.user_set.values_list("pk", flat=True))


@receiver(m2m_changed, sender=Group.permissions.through, dispatch_uid="perpdesk_permissions_group_perms")
def forget_on_group_permissions_change(sender, instance, action, reverse, pk_set, **kwargs):
    if not reverse:
        forget_permissions(_members([instance.pk]))
    elif pk_set:
        forget_permissions(_members(pk_set))
    elif action == "pre_clear":
        forget_permissions(_members(instance.group_set.values_list("pk", flat=True)))


@receiver(pre_delete, sender=Group, dispatch_uid="perpdesk_permissions_group_deleted")
@receiver(pre_delete, sender=Permission, dispatch_uid="perpdesk_permissions_permission_deleted")
def forget_on_delete(sender, instance, **kwargs):
    if sender is Group:
        forget_permissions(_members([instance.pk]))
    else:
        forget_permissions(_members(instance.group_set.values_list("pk", flat=True)))
        forget_permissions(instance.user_set.values_list("pk", flat=True))


@receiver(post_save, sender=get_user_model(), dispatch_uid="perpdesk_permissions_user_saved")
@receiver(post_delete, sender=get_user_model(), dispatch_uid="perpdesk_permissions_user_deleted")
def forget_on_user_saved(sender, instance, created=False, **kwargs):
    if not created:  # is_superuser, is_active
        _forget_on_user(instance)
