from django.apps import AppConfig, apps
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate


class MakerlabConfig(AppConfig):
    name = "makerlab"
    verbose_name = "Library and patrons"

    def ready(self) -> None:
        from makerlab import (
            checks,  # noqa: F401  (registers the system checks)
            pagecache,
            retention,
        )

        pagecache.connect_model_changes()

        # Once per migrate (or test flush), after the last app has created its permissions: the signal is sent
        # once per app, and granting every role after each of them made each flush run the grants twenty times.
        last_app = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
        post_migrate.connect(_sync_roles, sender=last_app, dispatch_uid="makerlab_sync_roles")

        _forget_permissions_on_role_changes()

        retention.register_personal_fields(
            "makerlab.Patron",
            patron_path="",
            blank_fields=("first_name", "last_name", "email", "phone"),
            null_fields=("card_number",),
        )


def _forget_permissions_on_role_changes() -> None:
    """Cached permissions (makerlab/auth.py) are forgotten whenever a role, a group or an account changes."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission
    from django.contrib.auth.signals import user_logged_in
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from makerlab.auth import permissions_changed, permissions_read_at_login

    user_model = get_user_model()
    user_logged_in.connect(permissions_read_at_login, dispatch_uid="permissions_read_at_login")
    m2m_changed.connect(permissions_changed, sender=Group.permissions.through, dispatch_uid="permissions_of_a_role")
    for model in (Group, Permission):
        post_save.connect(permissions_changed, sender=model, dispatch_uid=f"permissions_saved_{model.__name__}")
        post_delete.connect(permissions_changed, sender=model, dispatch_uid=f"permissions_deleted_{model.__name__}")
    for through in (user_model.groups.through, user_model.user_permissions.through):
        m2m_changed.connect(_roles_of_people_changed, sender=through, dispatch_uid=f"roles_of_{through.__name__}")
    post_save.connect(_account_changed, sender=user_model, dispatch_uid="permissions_account_saved")
    post_delete.connect(_account_changed, sender=user_model, dispatch_uid="permissions_account_deleted")


def _roles_of_people_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    from makerlab.auth import people_permissions_changed

    if not action.startswith("post_"):
        return
    if not reverse:  # user.groups.add(...): the person is the instance
        people_permissions_changed([instance.pk])
    elif pk_set:  # group.user_set.add(...): the people are pk_set
        people_permissions_changed(pk_set)
    else:  # group.user_set.clear(): whoever they were
        from makerlab.auth import permissions_changed

        permissions_changed()


def _account_changed(sender, instance, update_fields=None, **kwargs) -> None:
    # A login only records its time: the person's permissions are as they were.
    if update_fields is None or set(update_fields) != {"last_login"}:
        from makerlab.auth import people_permissions_changed

        people_permissions_changed([instance.pk])


class MakerLabAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "makerlab.admin_site.MakerLabAdminSite"


def _sync_roles(sender, **kwargs) -> None:
    """Keep roles complete after every migrate, and after a test flush empties the tables."""
    from django.contrib.auth.models import Group, Permission

    from makerlab.roles import roles_sync

    roles_sync(group_model=Group, permission_model=Permission)
