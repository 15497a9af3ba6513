"""Permission lookups kept in the cache, so a staff page does not ask the database who may do what each time.

A person's permissions are read once and kept for PERMISSIONS_CACHE_SECONDS under a key that carries a
version: a change to a role (a group's permissions) moves the version on for everyone, and a change to a
person (their account, their roles, their own permissions) forgets theirs, so the next page reads the new
permissions at once (see MakerlabConfig.ready for the signals).
"""

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

PERMISSIONS_CACHE_SECONDS = 600
VERSION_KEY = "makerlab.permissions.version"


def _version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    return version


def _key(user_pk) -> str:
    return f"makerlab.permissions:{_version()}:{user_pk}"


def permissions_changed(**kwargs) -> None:
    """Forget every cached permission: a role (a group) or a permission changed."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 1, timeout=None)


def people_permissions_changed(user_pks) -> None:
    """Forget the cached permissions of these people: their account, roles or own permissions changed."""
    cache.delete_many([_key(pk) for pk in user_pks])


class CachedPermissionsBackend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if obj is not None or not user_obj.is_active or user_obj.is_anonymous:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            key = _key(user_obj.pk)
            permissions = cache.get(key)
            if permissions is None:
                permissions = super().get_all_permissions(user_obj)
                cache.set(key, permissions, PERMISSIONS_CACHE_SECONDS)
            user_obj._perm_cache = set(permissions)
        return user_obj._perm_cache


def permissions_read_at_login(sender, request, user, **kwargs) -> None:
    """Read a person's permissions afresh as they log in, so no page after it asks the database for them."""
    for kept in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(kept, None)
    people_permissions_changed([user.pk])
    user.get_all_permissions()
