"""What programs hand out besides pages: the calendar feed of published sessions (.ics). Nothing here writes."""

import datetime as dt
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.urls import reverse

from makerlab.checkin import check_in_qr_email_image
from makerlab.http import site_url
from programs.checkin import registration_check_in_url
from programs.models import Registration, Session
from programs.notifications import program_place


def programs_calendar(*, sessions: list[Session], name: str = "") -> bytes:
    """One event per session. The stamp is the program's creation (or the session's cancellation), so the file
    is the same until data changes. ``name`` is the calendar's title; all the lab's programs by default."""
    domain = urlsplit(settings.SITE_URL).hostname or "makerlab.invalid"
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{settings.LIBRARY_NAME}//Maker Lab programs//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name or f"{settings.LIBRARY_NAME} Maker Lab programs")
    for session in sessions:
        program = session.program
        url = site_url(reverse("programs:program", args=[program.slug]))
        event = icalendar.Event()
        event.add("uid", f"programs-session-{session.pk}@{domain}")
        event.add("dtstamp", (session.cancelled_at or program.created_at).astimezone(dt.UTC))
        event.add("dtstart", session.starts_at.astimezone(dt.UTC))
        event.add("dtend", session.ends_at.astimezone(dt.UTC))
        event.add("summary", program.title)
        event.add("location", program_place(program))
        event.add("description", f"{program.description}\n\nDetails and registration: {url}")
        event.add("url", url)
        event.add("categories", [program.get_category_display()])
        if session.is_cancelled:
            # Calendar apps remove a cancelled event only when it says so, with a newer sequence and stamp.
            event.add("status", "CANCELLED")
            event.add("sequence", 1)
        calendar.add_component(event)
    return calendar.to_ical()


def registration_calendar_attachments(registration: Registration | None) -> list[tuple[str, bytes, str]]:
    """The program's sessions still on, as a calendar file attached to a registration's emails.

    The events carry the same ids as the feed's, so a calendar that already has them updates them.
    """
    if not isinstance(registration, Registration):
        return []
    sessions = list(
        Session.objects.filter(program_id=registration.program_id, cancelled_at__isnull=True)
        .select_related("program__branch", "program__partner_site")
        .order_by("starts_at")
    )
    if not sessions:
        return []
    return [("maker-lab-program.ics", programs_calendar(sessions=sessions), "text/calendar; charset=utf-8")]


def registration_confirmation_attachments(registration: Registration | None) -> list:
    """The sessions' calendar file, and the QR code the registrant shows at the desk (shown in the email)."""
    if not isinstance(registration, Registration):
        return []
    qr = check_in_qr_email_image(registration_check_in_url(registration))
    return [*registration_calendar_attachments(registration), (qr, None, None)]
