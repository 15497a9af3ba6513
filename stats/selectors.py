"""Reads of the stats app: a closed month's report laid out for the page, the PDF and the spreadsheets.

Every export reads the same ``ReportView`` built from the frozen snapshot, so the web page, the PDF,
the XLSX and the CSV always show the same numbers. Nothing here reads a patron: a report holds
aggregates and the quotes the coordinator chose, nothing else.
"""

import datetime as dt
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.safestring import SafeString

from makerlab.formatting import day_text, moment_text
from programs.models import Audience, Session
from stats import figures as stats_figures
from stats.charts import bar_chart_svg, format_value
from stats.models import MonthlyReport, ReportClosing, SurveyKind, SurveyResponse

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")

UNIT_WORDS = {"count": "", "minutes": "minutes", "hours": "hours", "days": "days", "percent": ""}


def month_parse(text: str) -> dt.date | None:
    """ "2026-10" → 1 October 2026; None for anything else ("2026-13", "abc", "0000-01")."""
    match = MONTH_PATTERN.match(text or "")
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (1 <= month <= 12 and 1900 <= year <= 9999):
        return None
    return dt.date(year, month, 1)


def value_text(value, unit: str) -> str:
    """A figure as the board reads it: "1,234", "45.5%", "12.5 hours"; "no data" when unknown."""
    text = format_value(value, unit)
    word = UNIT_WORDS.get(unit, "")
    return f"{text} {word}" if word and value is not None else text


def change_text(change: float | None) -> str:
    if change is None:
        return "no comparison"
    if change == 0:
        return "no change"
    return f"{'up' if change > 0 else 'down'} {abs(change):,.1f}%"


@dataclass(frozen=True)
class FigureRow:
    key: str
    label: str
    unit: str
    month: int | float | None
    year_to_date: int | float | None
    last_year: int | float | None
    change: float | None
    flagged: bool
    note: int

    @property
    def month_text(self) -> str:
        return value_text(self.month, self.unit)

    @property
    def year_to_date_text(self) -> str:
        return value_text(self.year_to_date, self.unit)

    @property
    def last_year_text(self) -> str:
        return value_text(self.last_year, self.unit)

    @property
    def change_text(self) -> str:
        return change_text(self.change)


@dataclass(frozen=True)
class Breakdown:
    key: str
    title: str
    rows: list[tuple[str, int | float]]
    unit: str


@dataclass(frozen=True)
class DisplayLine:
    """One measure of a display's comparison, with its change as the board reads it."""

    comparison: stats_figures.UseComparison

    @property
    def change_text(self) -> str:
        if self.comparison.is_new:
            return "new"
        if not self.comparison.before and not self.comparison.after:
            return "none either time"
        return change_text(self.comparison.change)


@dataclass(frozen=True)
class DisplayRows:
    display: stats_figures.DisplayUse
    lines: list[DisplayLine]


@dataclass
class AreaSection:
    key: str
    title: str
    rows: list[FigureRow] = field(default_factory=list)
    breakdowns: list[Breakdown] = field(default_factory=list)
    chart: SafeString | str = ""
    # The Displays section: the use of what each display featured, and the number of the note that defines it.
    displays: list[DisplayRows] = field(default_factory=list)
    displays_note: int = 0


@dataclass(frozen=True)
class Footnote:
    number: int
    label: str
    definition: str


@dataclass(frozen=True)
class ReportView:
    month: dt.date
    version: int
    closed_at: dt.datetime | None
    year_to_date_start: dt.date | None
    sections: list[AreaSection]
    footnotes: list[Footnote]
    quotes: list[dict]
    flagged: list[FigureRow]

    @property
    def key(self) -> str:
        return f"{self.month:%Y-%m}"

    def section(self, area: str) -> AreaSection | None:
        return next((section for section in self.sections if section.key == area), None)


def _breakdown_unit(key: str) -> str:
    return "percent" if key == "equipment.by_machine" else "count"


def report_view(*, figures: dict, month: dt.date, version: int = 1, closed_at=None, quotes=None) -> ReportView:
    """Lay a frozen snapshot out by area, with a footnote number per figure and the flagged changes."""
    period = figures.get("period") or {}
    values = period.get("values") or {}
    breakdowns = period.get("breakdowns") or {}
    year_to_date = (figures.get("year_to_date") or {}).get("values") or {}
    last_year = (figures.get("last_year") or {}).get("values") or {}
    changes = figures.get("changes") or {}
    flagged_keys = set(figures.get("flagged") or [])
    sections = {area.key: AreaSection(area.key, area.title) for area in stats_figures.AREAS}
    footnotes = []
    for number, definition in enumerate(stats_figures.FIGURES, start=1):
        footnotes.append(Footnote(number, definition.label, definition.definition))
        sections[definition.area].rows.append(
            FigureRow(
                key=definition.key,
                label=definition.label,
                unit=definition.unit,
                month=values.get(definition.key),
                year_to_date=year_to_date.get(definition.key),
                last_year=last_year.get(definition.key),
                change=changes.get(definition.key),
                flagged=definition.key in flagged_keys,
                note=number,
            )
        )
    for key, title in stats_figures.BREAKDOWNS.items():
        rows = [(str(label), value) for label, value in breakdowns.get(key) or []]
        area = key.split(".", 1)[0]
        if rows and area in sections:
            sections[area].breakdowns.append(Breakdown(key, title, rows, _breakdown_unit(key)))
    displays = sections["displays"]
    for row in period.get("displays") or []:
        use = stats_figures.DisplayUse.from_json(row)
        displays.displays.append(DisplayRows(use, [DisplayLine(comparison) for comparison in use.comparisons]))
    displays.displays_note = len(footnotes) + 1
    footnotes.append(
        Footnote(displays.displays_note, stats_figures.DISPLAY_USE_TITLE, stats_figures.DISPLAY_USE_DEFINITION)
    )
    for section in sections.values():
        section.chart = _section_chart(section, month=month)
    ytd_start = (figures.get("year_to_date") or {}).get("start")
    flagged = [row for section in sections.values() for row in section.rows if row.flagged]
    return ReportView(
        month=month,
        version=version,
        closed_at=closed_at,
        year_to_date_start=dt.date.fromisoformat(ytd_start) if ytd_start else None,
        sections=list(sections.values()),
        footnotes=footnotes,
        quotes=list(quotes or []),
        flagged=flagged,
    )


def _section_chart(section: AreaSection, *, month: dt.date) -> SafeString | str:
    """A bar chart of the area's counts this month (the table beside it has every number)."""
    rows = [(row.label, row.month) for row in section.rows if row.unit == "count" and row.month is not None]
    if not rows:
        return ""
    return bar_chart_svg(title=f"{section.title}, {month:%B %Y}", rows=rows, unit="count")


def report_view_of(report: MonthlyReport, *, figures: dict | None = None, version: int | None = None) -> ReportView:
    return report_view(
        figures=report.figures if figures is None else figures,
        month=report.month,
        version=report.version if version is None else version,
        closed_at=report.closed_at,
        quotes=report.quotes,
    )


def reports_list() -> QuerySet[MonthlyReport]:
    return MonthlyReport.objects.only("month", "version", "closed_at").order_by("-month")


def report_get(month: dt.date, *, with_pdf: bool = False) -> MonthlyReport | None:
    """The month's closed report; its stored PDF (100 kB or so) is read only when asked for."""
    reports = MonthlyReport.objects.filter(month=month)
    return (reports if with_pdf else reports.defer("pdf")).first()


def report_send_date(month: dt.date) -> dt.date:
    """The day ``month``'s report goes to the board by itself: BOARD_REPORT_SEND_DAY of the month after it."""
    next_month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return next_month.replace(day=settings.BOARD_REPORT_SEND_DAY)


@dataclass(frozen=True)
class BoardSending:
    """When the board gets (or got) the report's latest version, as the coordinator reads it."""

    report_id: int
    send_on: dt.date
    sent_at: dt.datetime | None
    sent_by: str
    today: dt.date

    @property
    def has_addresses(self) -> bool:
        return bool(settings.BOARD_REPORT_EMAILS)

    @property
    def status_text(self) -> str:
        if self.sent_at is not None:
            when = moment_text(self.sent_at, zone=timezone.get_default_timezone(), today=self.today)
            return f"Sent to the board on {when}" + (f" by {self.sent_by}" if self.sent_by else "")
        if self.send_on > self.today:
            return f"Goes to the board on {day_text(self.send_on, today=self.today)} unless you send it sooner"
        if self.send_on == self.today:
            return "Goes to the board today with the daily send, unless you send it sooner"
        return (
            f"Was due to go to the board on {day_text(self.send_on, today=self.today)}; "
            "it goes with the next daily send unless you send it now"
        )


def report_board_sending(report: MonthlyReport, *, today: dt.date | None = None) -> BoardSending:
    closing = (
        ReportClosing.objects.filter(report=report, version=report.version)
        .select_related("sent_by")
        .only("sent_at", "sent_by__first_name", "sent_by__last_name", "sent_by__username")
        .first()
    )
    sent_by = closing.sent_by if closing is not None else None
    return BoardSending(
        report_id=report.pk,
        send_on=report_send_date(report.month),
        sent_at=closing.sent_at if closing is not None else None,
        sent_by=(sent_by.get_full_name() or sent_by.get_username()) if sent_by is not None else "",
        today=today or timezone.localdate(),
    )


def quote_candidates(month: dt.date) -> QuerySet[SurveyResponse]:
    """The month's immediate survey answers with something written in an open question."""
    return (
        SurveyResponse.objects.filter(month=month, kind=SurveyKind.IMMEDIATE)
        .exclude(Q(liked_most="") & Q(could_do_better=""))
        .only("pk", "service_area", "liked_most", "could_do_better")
        .order_by("pk")
    )


# The Ontario annual public library survey asks, for the calendar year, how many programs were held
# and how many people came, by the audience they were for, plus outreach and technology help.
# The lab's audiences map onto its lines as follows; families count under "all ages" (the survey
# has no family line and a family program is for every age), and an outreach program counts on the
# outreach line as well as on its audience's line, as the survey's outreach line is an "of which".
ANNUAL_AUDIENCE_LINES = [
    ("Children", [Audience.CHILDREN]),
    ("Teens", [Audience.TEENS]),
    ("Adults", [Audience.ADULTS]),
    ("All ages (families and intergenerational)", [Audience.FAMILIES, Audience.ALL_AGES]),
]


def _sessions_held_by_audience(*, start: dt.date, end: dt.date) -> dict[str, int]:
    """Sessions held (not cancelled) that started in [start, end), Toronto time, counted per audience."""
    zone = timezone.get_default_timezone()
    rows = (
        Session.objects.filter(
            starts_at__gte=dt.datetime.combine(start, dt.time(), tzinfo=zone),
            starts_at__lt=dt.datetime.combine(end, dt.time(), tzinfo=zone),
            cancelled_at__isnull=True,
        )
        .values("program__audience")
        .annotate(sessions=Count("pk"))
        .order_by()
    )
    return {row["program__audience"]: row["sessions"] for row in rows}


@dataclass(frozen=True)
class AnnualLine:
    section: str
    label: str
    value: int | float


def annual_survey_lines(year: int) -> list[AnnualLine]:
    """The year's totals in the shape of the province's annual library survey (calendar year, all branches)."""
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    figures = stats_figures.compute_figures(start=start, end=end)
    sessions_by_audience = _sessions_held_by_audience(start=start, end=end)
    # Attendance by audience as the figures count it (marked present, walk-ins and headcounts).
    attendance_by_label = dict(figures.breakdowns.get("programs.attendance_by_audience") or [])
    lines = []
    for label, audiences in ANNUAL_AUDIENCE_LINES:
        sessions = sum(sessions_by_audience.get(audience.value, 0) for audience in audiences)
        attendance = sum(attendance_by_label.get(audience.label, 0) for audience in audiences)
        lines.append(AnnualLine("Programs", f"{label}: program sessions held", sessions))
        lines.append(AnnualLine("Programs", f"{label}: attendance", attendance))
    lines.append(
        AnnualLine("Programs", "All programs: sessions held", figures.values.get("programs.sessions_delivered") or 0)
    )
    lines.append(AnnualLine("Programs", "All programs: attendance", figures.values.get("programs.attendance") or 0))
    lines.append(AnnualLine("Outreach", "Outreach: program sessions held", figures.values.get("outreach.events") or 0))
    lines.append(AnnualLine("Outreach", "Outreach: attendance", figures.values.get("outreach.headcount") or 0))
    lines.append(
        AnnualLine(
            "Information technology",
            "Technology help sessions (1-on-1, attended)",
            figures.values.get("bookings.attended") or 0,
        )
    )
    lines.append(
        AnnualLine(
            "Information technology",
            "Minutes of technology help",
            figures.values.get("bookings.help_minutes") or 0,
        )
    )
    return lines
