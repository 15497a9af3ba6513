"""Create the staff roles with the least permissions each needs for what exists so far.

Later apps grant their own permissions to these groups in their own migrations.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "Coordinator": [
        "makerlab.view_branch",
        "makerlab.add_branch",
        "makerlab.change_branch",
        "makerlab.view_openinghours",
        "makerlab.add_openinghours",
        "makerlab.change_openinghours",
        "makerlab.delete_openinghours",
        "makerlab.view_closure",
        "makerlab.add_closure",
        "makerlab.change_closure",
        "makerlab.delete_closure",
        "makerlab.view_patron",
        "makerlab.add_patron",
        "makerlab.change_patron",
        "makerlab.view_notification",
        "django_celery_beat.view_periodictask",
        "django_celery_beat.change_periodictask",
        "django_celery_beat.view_crontabschedule",
        "django_celery_beat.view_intervalschedule",
    ],
    "Library assistant": [
        "makerlab.view_branch",
        "makerlab.view_openinghours",
        "makerlab.view_closure",
        "makerlab.view_patron",
        "makerlab.add_patron",
        "makerlab.change_patron",
    ],
    "Volunteer": [
        "makerlab.view_branch",
        "makerlab.view_openinghours",
        "makerlab.view_closure",
    ],
    "Board": [],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for name in names:
            app_label, codename = name.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("makerlab", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
