"""Accounts and permission lookups kept in the cache, so a staff page does not ask the database who is logged in
and what they may do each time.

A person's permissions are read once and kept for PERMISSIONS_CACHE_SECONDS under a key that carries two
versions: one for every role (a group's permissions changed) and one for the person (their account, their
roles, their own permissions changed). A change moves the version on at once and again when its transaction
commits, so a page read while the change was being saved cannot keep the old permissions. A version is a new
number each time, never counted up from 1 again after the cache lost it (see MakerlabConfig.ready for the
signals). The person's account (the user row) is kept under the same versions: a change of name, password or
status moves them on too, so a deactivated account is logged out at its next page.
"""

import time

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction

PERMISSIONS_CACHE_SECONDS = 600
ROLES_VERSION = "makerlab.permissions.roles"


def _person_version(pk) -> str:
    return f"makerlab.permissions.person:{pk}"


def _key(user_pk) -> str:
    names = [ROLES_VERSION, _person_version(user_pk)]
    versions = cache.get_many(names)
    for name in names:
        if name not in versions:
            cache.add(name, time.time_ns(), timeout=None)
            versions[name] = cache.get(name, 0)
    return f"makerlab.permissions:{versions[names[0]]}:{versions[names[1]]}:{user_pk}"


def _account_key(versions_key: str) -> str:
    return f"{versions_key}:account"


def _account_kept(user_pk, versions_key: str):
    """The account read afresh (nothing related loaded with it, which its versions would not cover), and kept with
    its permissions: a page then reads both in one round trip to the cache."""
    user = get_user_model()._default_manager.filter(pk=user_pk).first()
    if user is not None:
        user._cached_versions_key = versions_key
        if user.is_active:
            user.get_all_permissions()
        cache.set(_account_key(versions_key), user, PERMISSIONS_CACHE_SECONDS)
    return user


def _move_on(names: list[str]) -> None:
    def renew() -> None:
        cache.set_many(dict.fromkeys(names, time.time_ns()), timeout=None)

    renew()
    transaction.on_commit(renew)


def permissions_changed(**kwargs) -> None:
    """Forget every cached permission: a role (a group) or a permission changed."""
    _move_on([ROLES_VERSION])


def people_permissions_changed(user_pks) -> None:
    """Forget the cached permissions of these people: their account, roles or own permissions changed."""
    _move_on([_person_version(pk) for pk in user_pks])


class CachedPermissionsBackend(ModelBackend):
    def get_user(self, user_id):
        key = _key(user_id)
        user = cache.get(_account_key(key))
        if user is None:
            user = _account_kept(user_id, key)
            if user is None:
                return None
        user._cached_versions_key = key  # its permissions are read under the same versions
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if obj is not None or not user_obj.is_active or user_obj.is_anonymous:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            key = getattr(user_obj, "_cached_versions_key", None) or _key(user_obj.pk)
            permissions = cache.get(key)
            if permissions is None:
                permissions = super().get_all_permissions(user_obj)
                cache.set(key, permissions, PERMISSIONS_CACHE_SECONDS)
            user_obj._perm_cache = set(permissions)
        return user_obj._perm_cache


def permissions_read_at_login(sender, request, user, **kwargs) -> None:
    """Read a person's account and permissions afresh as they log in, so no page after it asks the database."""
    for kept in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(kept, None)
    people_permissions_changed([user.pk])
    user.get_all_permissions()
    _account_kept(user.pk, _key(user.pk))
