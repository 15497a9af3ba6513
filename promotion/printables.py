"""What the lab prints and mails about its programs: a poster (Letter or tabloid) and a half-page flyer per program,
the monthly "What's on at the Maker Lab" sheet, and the newsletter digest of the same month (HTML and plain text).

Everything is built from the programs, services and displays already on the site. Printed pages carry a QR code
(segno, drawn as SVG) to the page they advertise with its address under it, and the program's photo inline, so
nothing is fetched while printing.
"""

import base64
import datetime as dt
import itertools
import logging
import math
from dataclasses import dataclass, field

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.safestring import SafeString, mark_safe

from bookings.models import ServiceType
from bookings.selectors import services_bookable
from makerlab.formatting import clock_span, count_text, moment_text, when_text
from makerlab.http import site_url
from makerlab.months import month_bounds
from makerlab.pdf import html_to_pdf
from programs.eligibility import program_audience_text
from programs.images import program_picture
from programs.models import Program, Session
from programs.notifications import program_place
from programs.selectors import month_sessions, programs_on_calendar
from promotion.selectors import displays_during

logger = logging.getLogger(__name__)

POSTER_SIZES = {"letter": "Letter", "tabloid": "11 by 17 inch tabloid"}
# A poster or flyer lists this many dates at most; a longer run of sessions ends with where to see the rest.
MOST_DATES_PRINTED = 6
# From this many lines of dates, or this long a title, the poster leaves out the description and shrinks the
# picture, so what, who, when, where and how always fit.
DENSE_FROM_DATES = 4
DENSE_FROM_TITLE = 60
# The monthly sheet has room for this many lines below its header (a program's date, a display, a line of
# services), each line one row high whatever its text: so it is always one page.
MONTH_SHEET_LINES = 30
MONTH_SHEET_MOST_DISPLAYS = 4
MONTH_SHEET_MOST_SERVICES = 8
# The newsletter digest lists this many programs at most; the rest are behind the link to the calendar.
DIGEST_MOST_PROGRAMS = 40


def qr_svg(url: str, *, title: str) -> SafeString:
    """An inline SVG QR code that opens ``url``."""
    svg = segno.make(url, error="m").svg_inline(scale=1, border=2, omitsize=True, title=title, svgclass="qr")
    # segno draws the SVG from the address's bits and escapes the title.
    return mark_safe(svg)  # noqa: S308


def absolute(url: str) -> str:
    """A stored file's address as a mail client can open it: a path on this site becomes a full address."""
    return site_url(url) if url.startswith("/") else url


# --- A program's poster and flyer -----------------------------------------------------------------------------


def _day_month(day: dt.date, *, today: dt.date) -> str:
    text = date_format(day, "j F")
    return text if day.year == today.year else f"{text} {day.year}"


def _weekly(starts: list[dt.datetime], ends: list[dt.datetime]) -> bool:
    """Every session at the same time of day, a week after the one before."""
    same_times = len({(s.time(), e.time()) for s, e in zip(starts, ends, strict=True)}) == 1
    week_apart = all((later.date() - earlier.date()).days == 7 for earlier, later in itertools.pairwise(starts))
    return same_times and week_apart


def sessions_in_words(sessions: list[Session], *, zone: dt.tzinfo, today: dt.date) -> list[str]:
    """The sessions as people say them: one line for a weekly series ("Every Tuesday, 12 January to 16 February,
    2:00 to 3:30 p.m. (6 sessions)"), else a line per session ("Tuesday 12 January, 2:00 to 3:30 p.m.")."""
    starts = [session.starts_at.astimezone(zone) for session in sessions]
    ends = [session.ends_at.astimezone(zone) for session in sessions]
    if len(sessions) >= 3 and _weekly(starts, ends):
        weekday = date_format(starts[0], "l")
        days = f"{_day_month(starts[0].date(), today=today)} to {_day_month(starts[-1].date(), today=today)}"
        times = clock_span(starts[0].time(), ends[0].time())
        return [f"Every {weekday}, {days}, {times} ({count_text(len(sessions), 'session')})"]
    return [when_text(session.starts_at, session.ends_at, zone=zone, today=today) for session in sessions]


def _picture_inline(program: Program) -> tuple[str, str] | None:
    """The program's largest picture as a data: address with its alt text, or None (no picture, or it is
    missing from storage: the poster is printed without it)."""
    picture = program_picture(program)
    if picture is None:
        return None
    widest = max(program.image_renditions, key=lambda rendition: rendition["width"])
    try:
        with program.image.storage.open(widest["name"], "rb") as file:
            data = file.read()
    except OSError:
        logger.warning("The picture of program %s is missing from storage: printed without it.", program.pk)
        return None
    return f"data:image/webp;base64,{base64.b64encode(data).decode()}", picture.alt


def registration_text(program: Program, *, now: dt.datetime) -> str:
    """How to take part, in one or two sentences; the page's address is printed under the QR code."""
    if not program.registration_required:
        return "Free. Just drop in: no need to register."
    phone = program.branch.phone if program.branch_id and program.branch.phone else ""
    ask = f"call {phone} or ask at the library desk" if phone else "ask at the library desk"
    opening = ""
    if program.registration_opens_at and program.registration_opens_at > now:
        opening = f"Registration opens {moment_text(program.registration_opens_at, zone=program.zone)}. "
    return f"Free. {opening}Register online (scan the code or type the address), {ask}."


@dataclass(frozen=True)
class ProgramPrintable:
    """What a poster and a flyer show about one program."""

    title: str
    summary: str
    audience: str
    when: list[str]
    more_dates: int
    place: str
    registration: str
    url: str
    qr: SafeString
    picture: str | None
    picture_alt: str
    library_name: str = field(default_factory=lambda: settings.LIBRARY_NAME)

    @property
    def dense(self) -> bool:
        return len(self.when) + bool(self.more_dates) >= DENSE_FROM_DATES or len(self.title) >= DENSE_FROM_TITLE


def _summary(description: str) -> str:
    """The description's first paragraph, cut at a word near 280 characters: a poster is read from afar."""
    first = description.strip().split("\n\n")[0].strip()
    if len(first) <= 280:
        return first
    return first[:280].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def program_printable(program: Program, *, now: dt.datetime) -> ProgramPrintable:
    """``program`` with its branch, partner site and sessions loaded (see ``programs_for_printing``)."""
    zone = program.zone
    to_come = [s for s in program.sessions.all() if not s.is_cancelled and s.ends_at > now]
    when = sessions_in_words(to_come, zone=zone, today=now.astimezone(zone).date())
    url = site_url(reverse("programs:program", args=[program.slug]))
    picture = _picture_inline(program)
    return ProgramPrintable(
        title=program.title,
        summary=_summary(program.description),
        audience=program_audience_text(program),
        when=when[:MOST_DATES_PRINTED],
        more_dates=max(0, len(when) - MOST_DATES_PRINTED),
        place=program_place(program),
        registration=registration_text(program, now=now),
        url=url,
        qr=qr_svg(url, title=f"QR code: {program.title} online"),
        picture=picture[0] if picture else None,
        picture_alt=picture[1] if picture else "",
    )


def poster_pdf(printable: ProgramPrintable, *, size: str) -> bytes:
    """A poster on Letter or 11 by 17 inch tabloid paper (``size`` is a key of POSTER_SIZES)."""
    html = render_to_string("promotion/print/poster.html", {"item": printable, "size": size})
    return html_to_pdf(html, what=f"a poster of {printable.title}")


def flyer_pdf(printable: ProgramPrintable) -> bytes:
    """Two half-page flyers (5.5 by 8.5 inches) side by side on a landscape Letter sheet, with a line to cut along."""
    html = render_to_string("promotion/print/flyer.html", {"item": printable})
    return html_to_pdf(html, what=f"a flyer of {printable.title}")


# --- A month: the printed sheet and the newsletter digest -----------------------------------------------------


@dataclass(frozen=True)
class SessionLine:
    day: str
    time: str
    title: str
    place: str
    url: str


@dataclass(frozen=True)
class ProgramEntry:
    """A program in the digest: its dates this month and the way to it."""

    title: str
    summary: str
    audience: str
    dates: list[str]
    place: str
    url: str
    picture_url: str
    picture_alt: str
    registration_required: bool


@dataclass(frozen=True)
class DisplayLine:
    title: str
    where: str
    dates: str


@dataclass(frozen=True)
class ServiceLine:
    name: str
    minutes: int
    url: str


@dataclass(frozen=True)
class MonthWhatsOn:
    month: dt.date
    title: str
    sessions: list[SessionLine]
    programs: list[ProgramEntry]
    displays: list[DisplayLine]
    services: list[ServiceLine]
    programs_url: str
    services_url: str
    library_name: str = field(default_factory=lambda: settings.LIBRARY_NAME)


def _short_place(program: Program) -> str:
    return program.place_name


def _display_dates(first_day: dt.date, last_day: dt.date, *, today: dt.date) -> str:
    return f"{_day_month(first_day, today=today)} to {_day_month(last_day, today=today)}"


def month_whats_on(*, month: dt.date) -> MonthWhatsOn:
    """The month's published programs (session by session and program by program, cancelled sessions left out),
    the displays on during it and the 1-on-1 services one can book. A fixed number of queries whatever it holds."""
    starts, ends = month_bounds(month)
    zone = timezone.get_default_timezone()
    today = month.replace(day=1)  # dates are told without the year when it is the month's
    in_month = month_sessions(programs=programs_on_calendar(), starts=starts, ends=ends)
    sessions = [session for session in in_month if not session.is_cancelled]
    lines: list[SessionLine] = []
    by_program: dict[int, list[Session]] = {}
    for session in sessions:
        program = session.program
        local_start, local_end = session.starts_at.astimezone(zone), session.ends_at.astimezone(zone)
        url = site_url(reverse("programs:program", args=[program.slug]))
        lines.append(
            SessionLine(
                day=date_format(local_start, "D j M"),
                time=clock_span(local_start.time(), local_end.time()),
                title=program.title,
                place=_short_place(program),
                url=url,
            )
        )
        by_program.setdefault(program.pk, []).append(session)
    entries = []
    for program_sessions in by_program.values():
        program = program_sessions[0].program
        picture = program_picture(program)
        entries.append(
            ProgramEntry(
                title=program.title,
                summary=_summary(program.description),
                audience=program_audience_text(program),
                dates=sessions_in_words(program_sessions, zone=program.zone, today=today),
                place=program_place(program),
                url=site_url(reverse("programs:program", args=[program.slug])),
                picture_url=absolute(picture.small.url) if picture else "",
                picture_alt=picture.alt if picture else "",
                registration_required=program.registration_required,
            )
        )
    last_day = ends.date() - dt.timedelta(days=1)
    displays = [
        DisplayLine(
            title=display.title,
            where=f"{display.branch.name}, {display.area}",
            dates=_display_dates(max(display.starts_on, starts.date()), min(display.ends_on, last_day), today=today),
        )
        for display in displays_during(first_day=starts.date(), last_day=last_day)
    ]
    services = [
        ServiceLine(
            name=service.name,
            minutes=service.duration_minutes,
            url=site_url(reverse("bookings:service", args=[service.slug])),
        )
        for service in _distinct_services(services_bookable().order_by("name", "pk"))
    ]
    return MonthWhatsOn(
        month=starts.date(),
        title=f"What's on at the Maker Lab: {date_format(starts.date(), 'F Y')}",
        sessions=lines,
        programs=entries,
        displays=displays,
        services=services,
        programs_url=site_url(reverse("programs:list")),
        services_url=site_url(reverse("bookings:services")),
    )


def _distinct_services(services) -> list[ServiceType]:
    """One line per service name: the same help offered at two branches is one thing to book."""
    seen: dict[str, ServiceType] = {}
    for service in services:
        seen.setdefault(service.name, service)
    return list(seen.values())


@dataclass(frozen=True)
class MonthSheet:
    """The month as it fits on one printed page: the first lines of each part and how many more there are."""

    whats_on: MonthWhatsOn
    sessions: list[SessionLine]
    more_sessions: int
    displays: list[DisplayLine]
    more_displays: int
    services: list[ServiceLine]
    more_services: int
    qr: SafeString


def month_sheet(whats_on: MonthWhatsOn) -> MonthSheet:
    """Displays and services take their lines first (a few at most); the programs' dates fill the rest."""
    displays = whats_on.displays[:MONTH_SHEET_MOST_DISPLAYS]
    services = whats_on.services[:MONTH_SHEET_MOST_SERVICES]
    lines_left = MONTH_SHEET_LINES - len(displays) - math.ceil(len(services) / 2)
    lines_left -= (len(whats_on.displays) > len(displays)) + (len(whats_on.services) > len(services))
    fits = len(whats_on.sessions) <= lines_left
    shown = whats_on.sessions if fits else whats_on.sessions[: lines_left - 1]  # a line for "and N more"
    return MonthSheet(
        whats_on=whats_on,
        sessions=shown,
        more_sessions=len(whats_on.sessions) - len(shown),
        displays=displays,
        more_displays=len(whats_on.displays) - len(displays),
        services=services,
        more_services=len(whats_on.services) - len(services),
        qr=qr_svg(whats_on.programs_url, title="QR code: every Maker Lab program online"),
    )


def month_sheet_pdf(sheet: MonthSheet) -> bytes:
    html = render_to_string("promotion/print/month.html", {"sheet": sheet, "whats_on": sheet.whats_on})
    return html_to_pdf(html, what=f"the sheet of {date_format(sheet.whats_on.month, 'F Y')}")


@dataclass(frozen=True)
class Digest:
    html: str
    text: str


def month_digest(whats_on: MonthWhatsOn) -> Digest:
    """The month for the library's newsletter: email-safe HTML (tables, inline styles, full addresses, no script)
    and the same in plain text."""
    context = {
        "whats_on": whats_on,
        "programs": whats_on.programs[:DIGEST_MOST_PROGRAMS],
        "more_programs": max(0, len(whats_on.programs) - DIGEST_MOST_PROGRAMS),
        "month_name": date_format(whats_on.month, "F Y"),
    }
    return Digest(
        html=render_to_string("promotion/print/digest.html", context).strip(),
        text=render_to_string("promotion/print/digest.txt", context).strip() + "\n",
    )
