"""Equipment taken out of service until someone says it is safe again (a safety report, in practice).

It is a maintenance window with no known end: it starts now and ends far ahead, so no time on the machine is
offered, and it is shortened to the moment the machine returns to service. Bookings on the machine from now on
are cancelled through ``booking_cancel``, each patron told why in one email with the nearest times on another
machine like it.
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError

from bookings.links import booking_book_url
from bookings.models import Booking, Equipment, MaintenanceWindow, ServiceType
from bookings.selectors import Slot, open_slots
from bookings.services.booking import NEAREST_ALTERNATIVES, CancelNotice, booking_cancel
from makerlab.formatting import when_text
from makerlab.locking import locked, require_transaction
from makerlab.pagecache import bump

# Long enough that no booking horizon reaches its end; the window is shortened when the machine is cleared.
UNTIL_CLEARED = dt.timedelta(days=3650)
OUT_OF_SERVICE_EMAIL = "booking_cancelled_out_of_service"
CANCEL_REASON = "Cancelled: the equipment was taken out of service"


@dataclass(frozen=True)
class OutOfServiceStarted:
    window: MaintenanceWindow
    cancelled: list[Booking]


@dataclass(frozen=True)
class _Elsewhere:
    slot: Slot
    service_type: ServiceType


def _times_elsewhere(equipment: Equipment, *, now: dt.datetime) -> dict[bool, list[_Elsewhere]]:
    """Open times on the other machines of the same kind at the branch, by whether the service is an orientation
    (an orientation is offered orientations; time on a machine, time on another)."""
    services = ServiceType.objects.filter(
        branch=equipment.branch_id,
        is_active=True,
        equipment__kind=equipment.kind,
        equipment__in_service=True,
    ).exclude(equipment=equipment)
    times: dict[bool, list[_Elsewhere]] = {True: [], False: []}
    for service_type in services.select_related("branch", "equipment"):
        times[service_type.trains_on_equipment] += [
            _Elsewhere(slot, service_type) for slot in open_slots(service_type=service_type, now=now)
        ]
    return times


def _nearest(times: list[_Elsewhere], booking: Booking, *, now: dt.datetime) -> list[dict[str, str]]:
    zone = booking.branch.zone
    today = now.astimezone(zone).date()
    nearest = sorted(times, key=lambda time: (abs(time.slot.starts_at - booking.starts_at), time.slot.starts_at))
    return [
        {
            "when": when_text(time.slot.starts_at, time.slot.ends_at, zone=zone, today=today),
            "service": time.service_type.name,
            "book_url": booking_book_url(time.service_type),
        }
        for time in nearest[:NEAREST_ALTERNATIVES]
    ]


def equipment_out_until_cleared(
    *, equipment: Equipment, reason: str, now: dt.datetime, by: AbstractBaseUser | None = None
) -> OutOfServiceStarted:
    """Block ``equipment`` from ``now`` until ``equipment_back_in_service``, and cancel every booking on it still
    to come or not yet over (booked, ending after ``now``), each patron emailed once.

    Call it inside the transaction that decides it. The machine's row stays locked until that transaction ends:
    a booking being made on it waits, then finds it out of service (``booking_create``).
    """
    require_transaction()
    locked(Equipment.objects.filter(pk=equipment.pk)).get()
    bump("bookings")
    window = MaintenanceWindow.objects.create(
        equipment=equipment, starts_at=now, ends_at=now + UNTIL_CLEARED, reason=reason[:200]
    )
    affected = list(
        Booking.objects.filter(equipment=equipment, status=Booking.Status.BOOKED, ends_at__gt=now)
        .select_related("service_type", "branch")
        .order_by("starts_at", "pk")
    )
    times = _times_elsewhere(equipment, now=now) if affected else {True: [], False: []}
    cancelled = []
    for booking in affected:
        alternatives = _nearest(times[booking.service_type.trains_on_equipment], booking, now=now)
        notice = CancelNotice(
            template=OUT_OF_SERVICE_EMAIL,
            reason=CANCEL_REASON,
            context={"equipment": equipment.name, "alternatives": alternatives},
        )
        try:
            cancelled.append(booking_cancel(booking=booking, now=now, by_staff=True, by=by, notice=notice))
        except ValidationError:
            continue  # checked in or cancelled since it was read: nothing to cancel
    return OutOfServiceStarted(window=window, cancelled=cancelled)


def equipment_back_in_service(*, window: MaintenanceWindow, now: dt.datetime) -> MaintenanceWindow:
    """End the open-ended window at ``now`` (a minute after it began at the earliest, as a window must last)."""
    bump("bookings")
    window.ends_at = max(now, window.starts_at + dt.timedelta(minutes=1))
    window.save(update_fields=["ends_at"])
    return window
