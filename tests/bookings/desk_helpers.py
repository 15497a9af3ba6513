"""Bookings made directly, for tests of the desk, reminders, admin and agenda (not of booking itself)."""

import datetime as dt

from psycopg2.extras import DateTimeTZRange

from bookings.models import Booking, ServiceType
from makerlab.models import Patron
from staffing.models import StaffMember
from tests.factories import TORONTO, PatronFactory, ServiceTypeFactory, StaffMemberFactory


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TORONTO)


def make_booking(
    *,
    starts_at: dt.datetime,
    service_type: ServiceType | None = None,
    patron: Patron | None = None,
    staff_member: StaffMember | None = None,
    status: str = Booking.Status.BOOKED,
    created_at: dt.datetime | None = None,
    **fields,
) -> Booking:
    service_type = service_type or ServiceTypeFactory()
    patron = patron or PatronFactory()
    staff_member = staff_member or StaffMemberFactory()
    ends_at = starts_at + dt.timedelta(minutes=service_type.duration_minutes)
    busy_until = ends_at + dt.timedelta(minutes=service_type.buffer_minutes)
    values = {
        "contact_name": f"{patron.first_name} {patron.last_name}",
        "contact_email": patron.email or "patron@example.net",
        "reminder_consent": True,
        "created_at": created_at or starts_at - dt.timedelta(days=7),
        **fields,
    }
    return Booking.objects.create(
        service_type=service_type,
        branch=service_type.branch,
        patron=patron,
        staff_member=staff_member,
        equipment=service_type.equipment,
        starts_at=starts_at,
        ends_at=ends_at,
        busy=DateTimeTZRange(starts_at, busy_until, "[)"),
        status=status,
        **values,
    )
