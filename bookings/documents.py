"""What bookings hand out besides pages: the calendar file (.ics) sent with a booking's emails, and the
check-in QR code of its confirmation.

Nothing here writes.
"""

import datetime as dt
from email.utils import parseaddr
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.utils import timezone

from bookings.links import booking_book_url, booking_check_in_url, booking_manage_url
from bookings.models import Booking
from makerlab.checkin import check_in_qr_email_image


def _uid_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "makerlab.invalid"


def booking_calendar_sequence(booking: Booking) -> int:
    """How many times the booking's time changed or it was cancelled: the SEQUENCE of its calendar event.

    Read from the booking's history, so every file sent for one version of the booking carries the same
    number and each later version a higher one (check-in and outcomes do not count). A cancellation is
    at least 1, above the first confirmation, even for a booking saved without history.
    """
    versions = booking.history.order_by("history_date", "history_id").values_list("starts_at", "ends_at", "status")
    changes, previous = 0, None
    for starts_at, ends_at, status in versions:
        version = (starts_at, ends_at, status == Booking.Status.CANCELLED)
        if previous is not None and version != previous:
            changes += 1
        previous = version
    return max(changes, 1) if booking.status == Booking.Status.CANCELLED else changes


def _organizer() -> icalendar.vCalAddress:
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = icalendar.vCalAddress(f"mailto:{address or 'makerlab@' + _uid_domain()}")
    organizer.params["cn"] = icalendar.vText(f"{settings.LIBRARY_NAME} Maker Lab")
    return organizer


def _attendee(booking: Booking) -> icalendar.vCalAddress:
    attendee = icalendar.vCalAddress(f"mailto:{booking.contact_email}")
    attendee.params["cn"] = icalendar.vText(booking.contact_name)
    attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = icalendar.vText("ACCEPTED")
    attendee.params["rsvp"] = icalendar.vText("FALSE")
    return attendee


def booking_calendar_method(booking: Booking) -> str:
    """REQUEST adds or updates the event in the patron's calendar; CANCEL (same UID) takes it out."""
    return "CANCEL" if booking.status == Booking.Status.CANCELLED else "REQUEST"


def booking_calendar(*, booking: Booking, manage_url: str, book_url: str = "", now: dt.datetime | None = None) -> bytes:
    """One event for the booking, as an invitation from the library to the patron (RFC 5546).

    Its UID stays the same for the booking's life and its SEQUENCE grows with each change, so a calendar
    app that gets the file again after a change of time moves the event instead of adding another, and
    removes it when the booking is cancelled.
    """
    now = now or timezone.now()
    branch = booking.branch
    zone = branch.zone
    cancelled = booking.status == Booking.Status.CANCELLED
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{settings.LIBRARY_NAME}//Maker Lab bookings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", booking_calendar_method(booking))
    event = icalendar.Event()
    event.add("uid", f"bookings-booking-{booking.pk}@{_uid_domain()}")
    event.add("dtstamp", now.astimezone(dt.UTC))
    event.add("sequence", booking_calendar_sequence(booking))
    event.add("dtstart", booking.starts_at.astimezone(zone))
    event.add("dtend", booking.ends_at.astimezone(zone))
    event.add("summary", f"{booking.service_type.name} at the {settings.LIBRARY_NAME} Maker Lab")
    event.add("location", f"{branch.name}, {branch.address_line}")
    if cancelled:
        description = "This booking is cancelled." + (f"\nTo book another time: {book_url}" if book_url else "")
    else:
        description = f"To cancel or change the time: {manage_url}"
    if branch.phone:
        description += f"\nQuestions: call {branch.name} at {branch.phone}."
    event.add("description", description)
    event.add("url", book_url if cancelled and book_url else manage_url)
    event.add("organizer", _organizer())
    event.add("attendee", _attendee(booking))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    calendar.add_component(event)
    calendar.add_missing_timezones(
        first_date=booking.starts_at.date() - dt.timedelta(days=366),
        last_date=booking.ends_at.date() + dt.timedelta(days=366),
    )
    return calendar.to_ical()


def booking_email_attachments(booking: Booking | None) -> list[tuple[str, bytes, str]]:
    """The .ics sent with a confirmation, a change of time or a cancellation, built when the email is sent
    from the booking as it is then (a confirmation sent late for a booking cancelled since takes it out)."""
    if not isinstance(booking, Booking):
        return []
    method = booking_calendar_method(booking)
    body = booking_calendar(
        booking=booking, manage_url=booking_manage_url(booking), book_url=booking_book_url(booking.service_type)
    )
    filename = "maker-lab-booking-cancelled.ics" if method == "CANCEL" else "maker-lab-booking.ics"
    return [(filename, body, f"text/calendar; charset=utf-8; method={method}")]


def booking_confirmation_attachments(booking: Booking | None) -> list:
    """The calendar file, and the QR code the patron shows at the desk to be checked in (shown in the email)."""
    if not isinstance(booking, Booking):
        return []
    return [*booking_email_attachments(booking), (check_in_qr_email_image(booking_check_in_url(booking)), None, None)]
