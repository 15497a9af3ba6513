"""What bookings hand out besides pages: the calendar file (.ics) sent with a booking.

Nothing here writes.
"""

import datetime as dt
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.utils import timezone

from bookings.models import Booking


def _uid_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "makerlab.invalid"


def booking_calendar(*, booking: Booking, manage_url: str, now: dt.datetime | None = None) -> bytes:
    """One event for the booking. Its UID stays the same for the booking's life, so a calendar app
    that gets the file again after a change of time moves the event instead of adding another."""
    now = now or timezone.now()
    branch = booking.branch
    zone = branch.zone
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{settings.LIBRARY_NAME}//Maker Lab bookings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", f"bookings-booking-{booking.pk}@{_uid_domain()}")
    event.add("dtstamp", now.astimezone(dt.UTC))
    # Later versions of the file (after a change of time) must win in calendar apps.
    event.add("sequence", int(now.timestamp()) - int(booking.created_at.timestamp()))
    event.add("dtstart", booking.starts_at.astimezone(zone))
    event.add("dtend", booking.ends_at.astimezone(zone))
    event.add("summary", f"{booking.service_type.name} at the {settings.LIBRARY_NAME} Maker Lab")
    event.add("location", f"{branch.name}, {branch.address_line}")
    event.add(
        "description",
        f"To cancel or change the time: {manage_url}"
        + (f"\nQuestions: call {branch.name} at {branch.phone}." if branch.phone else ""),
    )
    event.add("url", manage_url)
    event.add("status", "CANCELLED" if booking.status == Booking.Status.CANCELLED else "CONFIRMED")
    event.add("transp", "OPAQUE")
    calendar.add_component(event)
    calendar.add_missing_timezones(
        first_date=booking.starts_at.date() - dt.timedelta(days=366),
        last_date=booking.ends_at.date() + dt.timedelta(days=366),
    )
    return calendar.to_ical()


def booking_email_attachments(booking: Booking | None) -> list[tuple[str, bytes, str]]:
    """The .ics sent with a confirmation or a change of time, built when the email is sent."""
    if not isinstance(booking, Booking):
        return []
    from bookings.services.booking import booking_manage_url

    body = booking_calendar(booking=booking, manage_url=booking_manage_url(booking))
    return [("maker-lab-booking.ics", body, "text/calendar; charset=utf-8; method=PUBLISH")]
