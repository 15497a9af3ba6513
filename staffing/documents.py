"""Documents the staff area hands out: the printable record of community involvement hours (PDF) and the
personal calendar feed (iCal). They are built from what the selectors return; nothing here writes."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateformat import format as date_format

from makerlab.commitments import Commitment
from makerlab.http import site_url
from makerlab.models import Branch
from makerlab.pdf import html_to_pdf
from makerlab.selectors import branches_active
from staffing import selectors
from staffing.models import Assignment, HoursEntry, StaffMember

CALENDAR_PAST = dt.timedelta(days=30)
# Program sessions have no end of series to stop at, so the feed looks a year ahead.
CALENDAR_AHEAD = dt.timedelta(days=365)


def long_date(day: dt.date) -> str:
    return date_format(day, "l j F Y")


@dataclass(frozen=True)
class CommunityHoursRecord:
    """What the printed record shows, gathered once so the HTML (and its tests) and the PDF agree."""

    student: StaffMember
    entries: list[HoursEntry]
    organisation: str
    branch: Branch | None
    supervisor_name: str
    today: dt.date
    needs_parent_signature: bool

    @property
    def total_hours(self) -> Decimal:
        return sum((entry.hours for entry in self.entries), Decimal(0))

    @property
    def first_day(self) -> dt.date | None:
        return self.entries[0].day if self.entries else None

    @property
    def last_day(self) -> dt.date | None:
        return self.entries[-1].day if self.entries else None


def _supervisor_name(supervisor: AbstractBaseUser | None) -> str:
    """The person who signs as supervisor: the coordinator printing the record, else the lab's coordinator.

    With no coordinator on file the line stays blank, to be filled in by hand.
    """
    if supervisor is None or not supervisor.has_perm("staffing.view_hoursentry"):
        supervisor = selectors.record_supervisor()
    if supervisor is None:
        return ""
    return supervisor.get_full_name() or supervisor.get_username()


def community_hours_record(
    *, staff_member: StaffMember, supervisor: AbstractBaseUser | None = None, today: dt.date | None = None
) -> CommunityHoursRecord:
    today = today or timezone.localdate()
    # The lab's home branch stands for the organisation: the first active branch, as on the public home page.
    branch = next(iter(branches_active()), None)
    return CommunityHoursRecord(
        student=staff_member,
        entries=selectors.community_hours_record(staff_member=staff_member),
        organisation=f"{settings.LIBRARY_NAME}, Maker Lab",
        branch=branch,
        supervisor_name=_supervisor_name(supervisor),
        today=today,
        needs_parent_signature=staff_member.is_minor_on(today),
    )


def community_hours_html(record: CommunityHoursRecord) -> str:
    return render_to_string("staffing/community_hours_record.html", {"record": record})


def community_hours_pdf(record: CommunityHoursRecord) -> bytes:
    return html_to_pdf(community_hours_html(record), what="a record", pdf_variant="pdf/ua-1")


def _uid_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "makerlab.invalid"


def shifts_calendar(
    *,
    staff_member: StaffMember,
    assignments: list[Assignment],
    now: dt.datetime,
    commitments: Sequence[Commitment] = (),
) -> bytes:
    """An iCalendar feed of the person's shifts and the program sessions they facilitate (``commitments``).

    Each event keeps its UID as long as the assignment or the session exists.
    """
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{settings.LIBRARY_NAME}//Maker Lab staff shifts//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Maker Lab shifts: {staff_member}")
    # Calendar apps that honour these check for changes every hour.
    calendar.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", icalendar.vDuration(dt.timedelta(hours=1)))
    domain = _uid_domain()
    stamp = now.astimezone(dt.UTC)
    for assignment in assignments:
        shift = assignment.shift
        branch = shift.branch
        zone = branch.zone
        event = icalendar.Event()
        event.add("uid", f"staffing-assignment-{assignment.pk}@{domain}")
        event.add("dtstamp", stamp)
        event.add("dtstart", shift.starts_at.astimezone(zone))
        event.add("dtend", shift.ends_at.astimezone(zone))
        event.add("summary", f"{shift.get_role_display()} at {branch.name}")
        event.add("location", f"{branch.name}, {branch.address_line}")
        if shift.notes:
            event.add("description", shift.notes)
        event.add("status", "CONFIRMED")
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    zone = timezone.get_default_timezone()
    for commitment in commitments:
        event = icalendar.Event()
        key = commitment.key or f"commitment-{commitment.starts_at:%Y%m%dT%H%M%S%z}"
        event.add("uid", f"{key}-{commitment.kind}-{commitment.resource_id}@{domain}")
        event.add("dtstamp", stamp)
        event.add("dtstart", commitment.starts_at.astimezone(zone))
        event.add("dtend", commitment.ends_at.astimezone(zone))
        event.add("summary", f"Program: {commitment.title}")
        if commitment.place:
            event.add("location", commitment.place)
        if commitment.url and settings.SITE_URL:
            event.add("url", site_url(commitment.url))
        event.add("status", "CONFIRMED")
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    moments = [a.shift.starts_at for a in assignments] + [c.starts_at for c in commitments]
    if moments:
        # Time zone rules for a year either side of the events: enough for any calendar app, and short.
        ends = [a.shift.ends_at for a in assignments] + [c.ends_at for c in commitments]
        first = min(moments).date() - dt.timedelta(days=366)
        last = max(ends).date() + dt.timedelta(days=366)
        calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar.to_ical()
