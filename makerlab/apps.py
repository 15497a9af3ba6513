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

        retention.register_personal_fields(
            "makerlab.Patron",
            patron_path="",
            blank_fields=("first_name", "last_name", "email", "phone"),
            null_fields=("card_number",),
        )


class MakerLabAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "makerlab.admin_site.MakerLabAdminSite"


def _sync_roles(sender, **kwargs) -> None:
    """Keep roles complete after every migrate, and after a test flush empties the tables."""
    from django.contrib.auth.models import Group, Permission

    from makerlab.roles import roles_sync

    roles_sync(group_model=Group, permission_model=Permission)
