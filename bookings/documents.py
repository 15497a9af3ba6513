"""What bookings hand out besides pages: plain-language times and the calendar file (.ics) sent with a booking.

Nothing here writes.
"""

import datetime as dt
import zoneinfo
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.utils import timezone
from django.utils.dateformat import format as date_format

from bookings.models import Booking


def _clock(moment: dt.time) -> tuple[str, str]:
    if moment == dt.time(12):
        return "noon", ""
    if moment == dt.time(0):
        return "midnight", ""
    return f"{moment.hour % 12 or 12}:{moment.minute:02d}", "a.m." if moment.hour < 12 else "p.m."


def clock_text(moment: dt.time) -> str:
    return " ".join(part for part in _clock(moment) if part)


def time_span(start: dt.datetime, end: dt.datetime) -> str:
    """ "2:00 to 2:45 p.m.", "11:30 a.m. to 12:15 p.m.", "11:15 a.m. to noon"."""
    (start_text, start_half), (end_text, end_half) = _clock(start.time()), _clock(end.time())
    if start_half and start_half == end_half:
        return f"{start_text} to {end_text} {end_half}"
    return f"{clock_text(start.time())} to {clock_text(end.time())}"


def day_text(day: dt.date, *, today: dt.date) -> str:
    """ "Tuesday 12 January", with the year when it is not this year."""
    text = date_format(day, "l j F")
    return text if day.year == today.year else f"{text} {day.year}"


def when_text(start: dt.datetime, end: dt.datetime, *, zone: zoneinfo.ZoneInfo, today: dt.date) -> str:
    """ "Tuesday 12 January, 2:00 to 2:45 p.m.", in the branch's time zone."""
    start, end = start.astimezone(zone), end.astimezone(zone)
    return f"{day_text(start.date(), today=today)}, {time_span(start, end)}"


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
