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
        "staffing.view_staffmember",
        "staffing.add_staffmember",
        "staffing.change_staffmember",
        "staffing.delete_staffmember",
        "staffing.view_skill",
        "staffing.add_skill",
        "staffing.change_skill",
        "staffing.delete_skill",
        "staffing.view_qualification",
        "staffing.add_qualification",
        "staffing.change_qualification",
        "staffing.delete_qualification",
        "staffing.view_availability",
        "staffing.add_availability",
        "staffing.change_availability",
        "staffing.delete_availability",
        "staffing.view_timeoff",
        "staffing.add_timeoff",
        "staffing.change_timeoff",
        "staffing.delete_timeoff",
        "staffing.view_shiftpattern",
        "staffing.add_shiftpattern",
        "staffing.change_shiftpattern",
        "staffing.delete_shiftpattern",
        "staffing.view_shift",
        "staffing.add_shift",
        "staffing.change_shift",
        "staffing.delete_shift",
        "staffing.view_assignment",
        "staffing.add_assignment",
        "staffing.change_assignment",
        "staffing.delete_assignment",
        "staffing.view_shiftchange",
        "staffing.add_shiftchange",
        "staffing.change_shiftchange",
        "staffing.delete_shiftchange",
        "staffing.view_hoursentry",
        "staffing.add_hoursentry",
        "staffing.change_hoursentry",
        "staffing.delete_hoursentry",
        "bookings.view_notifyrequest",
        "bookings.add_notifyrequest",
        "bookings.change_notifyrequest",
        "bookings.delete_notifyrequest",
        "bookings.view_bookingpause",
        "bookings.add_bookingpause",
        "bookings.change_bookingpause",
        "bookings.delete_bookingpause",
        "bookings.view_historicalbooking",
        "bookings.view_equipment",
        "bookings.add_equipment",
        "bookings.change_equipment",
        "bookings.delete_equipment",
        "bookings.view_maintenancewindow",
        "bookings.add_maintenancewindow",
        "bookings.change_maintenancewindow",
        "bookings.delete_maintenancewindow",
        "bookings.view_servicetype",
        "bookings.add_servicetype",
        "bookings.change_servicetype",
        "bookings.delete_servicetype",
        "bookings.view_intakequestion",
        "bookings.add_intakequestion",
        "bookings.change_intakequestion",
        "bookings.delete_intakequestion",
        "bookings.view_booking",
        "bookings.add_booking",
        "bookings.change_booking",
        "bookings.view_training",
        "bookings.add_training",
        "bookings.change_training",
        "bookings.delete_training",
    ],
    "Library assistant": [
        "makerlab.view_branch",
        "makerlab.view_openinghours",
        "makerlab.view_closure",
        "makerlab.view_patron",
        "makerlab.add_patron",
        "makerlab.change_patron",
        "staffing.view_shift",
        "staffing.view_skill",
        "bookings.view_servicetype",
        "bookings.view_equipment",
        "bookings.view_booking",
        "bookings.add_booking",
        "bookings.change_booking",
        "bookings.view_training",
        "bookings.add_training",
        "bookings.view_bookingpause",
        "bookings.change_bookingpause",
    ],
    "Volunteer": [
        "makerlab.view_branch",
        "makerlab.view_openinghours",
        "makerlab.view_closure",
        "staffing.view_shift",
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
