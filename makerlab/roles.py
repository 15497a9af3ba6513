"""Staff roles (Django groups) and the least permissions each needs.

Each app adds the permissions its roles need to ROLE_PERMISSIONS. The groups are created by a
data migration and brought up to date after every migrate (and after a test database flush),
so a role never lacks a permission listed here. Permissions granted by hand are left alone.
"""

from django.db.models import Q

ROLE_PERMISSIONS: dict[str, list[str]] = {
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


def roles_sync(*, group_model, permission_model) -> None:
    """Create the role groups and grant each the listed permissions that exist so far.

    Takes the models as arguments so a data migration can pass its historical ones.
    """
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        if not names:
            continue
        wanted = Q()
        for name in names:
            app_label, codename = name.split(".")
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.add(*permission_model.objects.filter(wanted))
