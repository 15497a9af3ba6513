"""Reminders before a session, sent by a periodic sweep rather than by tasks scheduled at booking time.

A sweep every few minutes finds what is due, so a reminder is still sent when Redis or the worker
was down when the patron booked, and a cancelled booking is simply no longer found. The outbox's
idempotency key (one per booking and offset) makes each reminder go out at most once, however
often and however concurrently the sweep runs.
"""

import datetime as dt
from functools import partial

from django.conf import settings
from django.utils import timezone

from bookings.links import booking_manage_url
from bookings.models import Booking
from makerlab.equipment_rules import equipment_notices
from makerlab.formatting import clock_text, moment_text
from makerlab.locking import locked
from makerlab.models import Notification
from makerlab.services import Reminder, notifications_withdraw, reminders_queue
from makerlab.validators import ascii_id

KIND = "booking_reminder"
TEMPLATE = "booking_reminder"


def reminder_key(booking_id: int, hours: int) -> str:
    return f"booking:{booking_id}:reminder:{hours}h"


def _offsets() -> list[int]:
    return sorted({int(hours) for hours in settings.BOOKING_REMINDER_HOURS if int(hours) > 0})


def _due_offset(booking: Booking, offsets: list[int], now: dt.datetime) -> int | None:
    """The one reminder due now: the nearest offset whose time has come.

    An offset is skipped when the patron booked after its time (booking at 9 for 1 p.m. needs no
    "tomorrow" reminder), and only the nearest is sent when several are due at once (after an
    outage the patron gets one timely reminder, not two in a row).
    """
    due = [
        hours
        for hours in offsets
        if booking.starts_at - dt.timedelta(hours=hours) <= now
        and booking.created_at < booking.starts_at - dt.timedelta(hours=hours)
    ]
    return min(due) if due else None


def reminders_send_due(*, now: dt.datetime | None = None) -> int:
    """Queue every reminder due now; returns how many were queued. Two queries to find them, whatever the size."""
    # In UTC: arithmetic on a local aware datetime is wall-clock, an hour off across a clock change.
    now = (now or timezone.now()).astimezone(dt.UTC)
    offsets = _offsets()
    if not offsets:
        return 0
    candidates = list(
        Booking.objects.filter(
            status=Booking.Status.BOOKED,
            reminder_consent=True,
            starts_at__gt=now,
            contact_email__gt="",
            starts_at__lte=now + dt.timedelta(hours=max(offsets)),
        ).select_related("service_type", "branch", "staff_member__user")
    )
    due_now = [(booking, hours) for booking in candidates if (hours := _due_offset(booking, offsets, now)) is not None]
    # What patrons must know about the equipment before they come, for every reminder at once.
    safety = equipment_notices(booking.equipment_id for booking, _ in due_now)
    due = {
        reminder_key(booking.pk, hours): partial(
            _reminder_if_booked, booking, hours, safety.get(booking.equipment_id, [])
        )
        for booking, hours in due_now
    }
    return reminders_queue(kind=KIND, template=TEMPLATE, due=due)


def _reminder_if_booked(booking: Booking, hours: int, safety: list[dict]) -> Reminder | None:
    # Checked again under the row lock: a cancel that committed since the query wins.
    if not locked(Booking.objects.filter(pk=booking.pk, status=Booking.Status.BOOKED)).exists():
        return None
    context = {**_context(booking, hours), "equipment_safety": safety}
    return Reminder(recipient=booking.contact_email, context=context, related_object=booking)


def _context(booking: Booking, hours: int) -> dict[str, str | int]:
    branch = booking.branch
    zone = branch.zone
    return {
        "first_name": booking.contact_name.split(" ", 1)[0],
        "service": booking.service_type.name,
        "when": moment_text(booking.starts_at, zone=zone),
        "ends": clock_text(booking.ends_at.astimezone(zone).time()),
        "hours": hours,
        "staff_first_name": booking.staff_member.user.first_name,
        "branch_name": branch.name,
        "branch_address": f"{branch.street_address}, {branch.city}",
        "branch_phone": branch.phone,
        "manage_url": booking_manage_url(booking),
    }


def reminders_withdraw(*, booking: Booking) -> int:
    """Stop the booking's reminders that are still waiting in the outbox (after a cancel); returns how many."""
    waiting = Notification.objects.filter(
        kind=KIND,
        status=Notification.Status.PENDING,
        idempotency_key__startswith=f"booking:{booking.pk}:reminder:",
    )
    return notifications_withdraw(
        notification_ids=list(waiting.values_list("pk", flat=True)), reason="The booking was cancelled."
    )


def reminders_withdraw_cancelled(*, now: dt.datetime | None = None) -> int:
    """Withdraw waiting reminders of bookings that are no longer booked, as the sweep's safety net."""
    now = (now or timezone.now()).astimezone(dt.UTC)
    waiting = Notification.objects.filter(kind=KIND, status=Notification.Status.PENDING)
    keys = list(waiting.values_list("pk", "object_id"))
    if not keys:
        return 0
    booked = set(
        Booking.objects.filter(pk__in={ascii_id(object_id) for _, object_id in keys} - {None})
        .filter(status=Booking.Status.BOOKED, starts_at__gt=now)
        .values_list("pk", flat=True)
    )
    stale = [pk for pk, object_id in keys if ascii_id(object_id) not in booked]
    if not stale:
        return 0
    return notifications_withdraw(notification_ids=stale, reason="The booking was cancelled or is over.")
