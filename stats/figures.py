"""Every figure the dashboard and the monthly report show: what it counts, and how it is computed.

``FIGURES`` is the catalogue: a stable key ("bookings.attended"), the area it belongs to, a plain
label, its unit, whether it adds up across months, and the counting definition printed as a
footnote. ``compute_figures`` computes all of them for a period, in SQL, through each app's
selectors, in a bounded number of queries whatever the data size.

A period is ``[start, end)`` in dates, read in the library's time zone: a month is midnight on its
first day to midnight on the first of the next, Toronto time (23 or 25 hours on clock-change days).
"""

import datetime as dt
import zoneinfo
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Literal

from django.conf import settings
from django.db.models import Count, DateField, Exists, F, Func, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, Least, TruncDate

from bookings.models import Booking
from bookings.selectors import (
    attended_by_service,
    attended_by_topic,
    booking_figures,
    demand_figures,
    equipment_hours_booked,
    equipment_use,
    patron_visits,
)
from makerlab.models import Branch, Patron, ServiceArea
from programs.models import Audience, Category, Program, Registration
from programs.selectors import (
    patron_attendance,
    programs_delivered,
    registration_figures,
    session_attendance,
    waitlisted_places_at,
)
from promotion.models import Display
from safety.models import Severity
from safety.selectors import board_figures as safety_board_figures
from seedlibrary.selectors import packets_lent, patron_borrowing, seed_figures
from staffing.selectors import hours_figures
from stats.models import Agreement, PatronFirstActivity, SurveyKind, SurveyResponse, SurveysSent

Unit = Literal["count", "minutes", "hours", "days", "percent"]


@dataclass(frozen=True)
class Area:
    key: str
    title: str


@dataclass(frozen=True)
class FigureDefinition:
    key: str
    area: str
    label: str
    unit: Unit
    # True when a year's figure is the sum of its months' (sessions); False for rates and distinct counts.
    additive: bool
    definition: str


AREAS = [
    Area("bookings", "1-on-1 help"),
    Area("equipment", "Equipment"),
    Area("programs", "Programs"),
    Area("outreach", "Outreach"),
    Area("seeds", "Seed library"),
    Area("staffing", "Staff and volunteers"),
    Area("outcomes", "Outcomes"),
    Area("patrons", "Patrons served"),
    Area("demand", "Demand signals"),
    Area("safety", "Health and safety"),
    Area("displays", "Displays and exhibits"),
]


def _f(key: str, label: str, unit: Unit, additive: bool, definition: str) -> FigureDefinition:
    return FigureDefinition(key, key.split(".", 1)[0], label, unit, additive, definition)


FIGURES = [
    _f(
        "bookings.booked",
        "Sessions booked",
        "count",
        True,
        "1-on-1 sessions due to start in the period, whatever happened: attended, missed, cancelled or unmarked.",
    ),
    _f("bookings.attended", "Sessions attended", "count", True, "Sessions the patron came to, as marked at the desk."),
    _f("bookings.no_shows", "Sessions missed", "count", True, "Sessions marked as the patron did not come."),
    _f("bookings.cancelled", "Sessions cancelled", "count", True, "Sessions cancelled by the patron or staff."),
    _f("bookings.help_minutes", "Minutes of help", "minutes", True, "The booked length of every attended session."),
    _f(
        "equipment.hours_booked",
        "Equipment hours booked",
        "hours",
        True,
        "Hours of attended or still-booked sessions that occupy a machine.",
    ),
    _f(
        "equipment.utilisation",
        "Equipment use",
        "percent",
        False,
        "Hours booked on the machines in service as a share of the hours their branch was open in the period "
        "(closures and statutory holidays count as closed; maintenance is not taken off).",
    ),
    _f(
        "programs.programs_delivered",
        "Programs delivered",
        "count",
        False,
        "Programs with at least one session held (not cancelled) in the period, at a branch or at a partner's site.",
    ),
    _f(
        "programs.sessions_delivered",
        "Program sessions delivered",
        "count",
        True,
        "Sessions held (not cancelled) in the period, outreach included; each session of a series counts as one event.",
    ),
    _f(
        "programs.registrations",
        "Registrations",
        "count",
        True,
        "Registrations made in the period, including those later cancelled.",
    ),
    _f(
        "programs.attendance",
        "Program attendance",
        "count",
        True,
        "People marked present at each session held, plus walk-ins and headcounts; three sessions count three times.",
    ),
    _f(
        "programs.waitlisted", "Joined a waitlist", "count", True, "Registrations that joined a waitlist in the period."
    ),
    _f(
        "programs.offers",
        "Waitlist offers",
        "count",
        True,
        "Places offered from a waitlist in the period, including places given at once by automatic enrolment.",
    ),
    _f(
        "programs.offers_claimed",
        "Offers claimed",
        "count",
        True,
        "Waitlist offers taken up in the period, and automatic enrolments from a waitlist.",
    ),
    _f(
        "outreach.events",
        "Outreach events",
        "count",
        True,
        "Sessions held at partner sites in the period. Outreach belongs to no branch: "
        "a branch's figures show the whole library's outreach.",
    ),
    _f(
        "outreach.headcount",
        "Outreach attendance",
        "count",
        True,
        "People counted or marked present at outreach sessions.",
    ),
    _f(
        "seeds.packets_lent",
        "Seed packets lent",
        "count",
        True,
        "Packets handed to patrons (at the desk or picked up) in the period.",
    ),
    _f(
        "seeds.borrowers",
        "Seed borrowers",
        "count",
        False,
        "Different patrons who borrowed at least one packet in the period.",
    ),
    _f(
        "seeds.returns",
        "Seed returns",
        "count",
        True,
        "Lots of saved seed patrons brought back in the period (for the whole library: a lot belongs to no branch).",
    ),
    _f(
        "seeds.donations",
        "Seed donations",
        "count",
        True,
        "Lots donated by companies, organisations or patrons in the period (for the whole library).",
    ),
    _f(
        "seeds.stock",
        "Packets on the shelf",
        "count",
        False,
        "Packets that could be lent on the day the figures were computed: the shelf's past is not recorded, "
        "so a closed month keeps the count of the day it was closed.",
    ),
    _f(
        "seeds.return_rate",
        "Seed return rate",
        "percent",
        False,
        "Of the borrowers of a variety in the season before the one the period ends in, the share who brought "
        "back seed of it that they grew that season (as known when the figures were computed).",
    ),
    _f(
        "staffing.staff_hours",
        "Staff hours",
        "hours",
        True,
        "Approved hours of employed staff in the period. For one branch, only hours from its shifts "
        "(hours entered by hand belong to no branch).",
    ),
    _f(
        "staffing.volunteer_hours",
        "Volunteer and student hours",
        "hours",
        True,
        "Approved hours of volunteers, community-service and co-op students in the period.",
    ),
    _f(
        "staffing.community_hours",
        "Community involvement hours certified",
        "hours",
        True,
        "Approved hours of community-service students on work that counts towards their 40 hours.",
    ),
    _f(
        "outcomes.invitations",
        "Surveys sent",
        "count",
        True,
        "Invitations to the survey right after a session, sent by email or opened from a QR code, about "
        "sessions in the months of the period.",
    ),
    _f(
        "outcomes.responses",
        "Surveys answered",
        "count",
        True,
        "Surveys right after a session answered, about sessions in the months of the period.",
    ),
    _f(
        "outcomes.response_rate",
        "Survey response rate",
        "percent",
        False,
        "Surveys answered as a share of surveys sent.",
    ),
    _f(
        "outcomes.learned",
        "Learned something new",
        "percent",
        False,
        "Share who agreed or strongly agreed (of those who answered, leaving out 'not applicable').",
    ),
    _f("outcomes.confident", "More confident", "percent", False, "Share who agreed or strongly agreed, as above."),
    _f(
        "outcomes.intend_to_apply",
        "Intend to apply it",
        "percent",
        False,
        "Share who agreed or strongly agreed, as above.",
    ),
    _f(
        "outcomes.more_aware",
        "More aware of library resources",
        "percent",
        False,
        "Share who agreed or strongly agreed, as above.",
    ),
    _f(
        "patrons.served",
        "Patrons served",
        "count",
        False,
        "Different card holders who attended a 1-on-1 session, came to a program (or registered a child who "
        "came) or borrowed seed in the period.",
    ),
    _f(
        "patrons.new",
        "New patrons",
        "count",
        False,
        "Patrons served whose first visit to the Maker Lab (at any branch) was in the period.",
    ),
    _f("patrons.returning", "Returning patrons", "count", False, "Patrons served who had visited before the period."),
    _f(
        "demand.no_free_time",
        "Looked for a time and found none",
        "count",
        True,
        "Times a patron looked for a 1-on-1 service and no time was free in its whole booking horizon.",
    ),
    _f(
        "demand.notify_requests",
        "Asked to be told of a free time",
        "count",
        True,
        "Notify-me requests made in the period.",
    ),
    _f(
        "demand.waitlisted_places",
        "Places waiting",
        "count",
        False,
        "Places on program waitlists at the end of the period.",
    ),
    _f(
        "demand.busy_equipment",
        "Machines over 80% booked",
        "count",
        False,
        "Machines whose use in the period was over 80%.",
    ),
    _f(
        "demand.seeds_out",
        "Popular seeds out of stock",
        "count",
        False,
        "Varieties lent in the season before the one the period ends in with no packet that can be lent "
        "on the day the figures were computed.",
    ),
]

# Health and safety: counts only, never a name or a word of what a report says.
SEVERITY_FIGURES = {
    Severity.NONE: (
        "Incidents without injury",
        "Incidents in which no one was injured (equipment damage, a fire put out, a fall without harm).",
    ),
    Severity.FIRST_AID: ("Incidents: first aid", "Incidents whose worst injury was treated with first aid only."),
    Severity.MEDICAL_TREATMENT: (
        "Incidents: medical treatment",
        "Incidents whose worst injury needed treatment by a doctor or nurse.",
    ),
    Severity.LOST_TIME: (
        "Incidents: lost time",
        "Incidents in which an injured worker lost time from work (reported to the WSIB).",
    ),
    Severity.CRITICAL: (
        "Incidents: critical injury",
        "Incidents with a critical injury as OHSA defines it (reported to the Ministry of Labour).",
    ),
}
FIGURES += [
    _f(
        "safety.incidents",
        "Incidents",
        "count",
        True,
        "Incident reports (something happened, with or without an injury) about events in the period.",
    ),
    *(
        _f(f"safety.incidents_{severity.value}", label, "count", True, definition)
        for severity, (label, definition) in SEVERITY_FIGURES.items()
    ),
    _f(
        "safety.near_misses",
        "Near misses",
        "count",
        True,
        "Near-miss reports (something almost happened) about events in the period.",
    ),
    _f(
        "safety.hazards",
        "Hazards reported",
        "count",
        True,
        "Hazard reports (a danger noticed before anything happened) about events in the period.",
    ),
    _f(
        "safety.inspections_due",
        "Workplace inspections due",
        "count",
        True,
        "Monthly workplace inspections due in the period (each branch's is due on the last day of its month).",
    ),
    _f(
        "safety.inspections_on_time",
        "Inspections done on time",
        "count",
        True,
        "Of the inspections due in the period, those recorded by the end of their due day.",
    ),
    _f(
        "safety.actions_open",
        "Corrective actions open",
        "count",
        False,
        "Corrective actions set before the end of the period and not done at its end. For one branch, only actions "
        "from its reports and inspections.",
    ),
    _f(
        "safety.actions_overdue",
        "Corrective actions overdue",
        "count",
        False,
        "Of the actions open at the end of the period, those whose due date had passed.",
    ),
    _f(
        "safety.equipment_days_out",
        "Equipment days out of service",
        "days",
        True,
        "Days machines spent out of service after a safety report, within the period, added up over the machines "
        "(two machines out for a day count two days).",
    ),
]

FIGURES += [
    _f(
        "displays.installed",
        "Displays installed",
        "count",
        True,
        "Displays shown to the public whose first day was in the period (displays only planned, not shown to the "
        "public, are not counted). For one branch, only its displays.",
    ),
    _f(
        "displays.on",
        "Displays on",
        "count",
        False,
        "Different displays shown to the public that were on for at least one day of the period, including those put "
        "up earlier. For one branch, only its displays.",
    ),
]

FIGURES_BY_KEY = {figure.key: figure for figure in FIGURES}

# Breakdowns: label → value tables beside the figures (attended sessions by service, and so on).
BREAKDOWNS = {
    "bookings.by_service": "Sessions attended by service",
    "bookings.by_topic": "Sessions attended by topic (the ten most common)",
    "equipment.by_machine": "Use of each machine (percent)",
    "programs.attendance_by_audience": "Program attendance by audience",
    "programs.attendance_by_category": "Program attendance by category",
    "outcomes.by_service_area": "Surveys answered by service area",
    "seeds.lent_by_variety": "Packets lent by variety (the ten most lent)",
    "demand.busy_equipment": "Machines over 80% booked",
    "demand.seeds_out": "Popular seeds out of stock",
    "outcomes.n": "Answers counted for each outcome statement",
}

BUSY_EQUIPMENT_PERCENT = 80

# Displays: each one on during the period compared with itself, before it went up and during and after it.
DISPLAY_WINDOW_DAYS = 28
DISPLAY_USE_TITLE = "Use of what each display featured, before it and during and after it"
DISPLAY_USE_DEFINITION = (
    f"Each display on during the month is compared with itself. Before: the {DISPLAY_WINDOW_DAYS} days before the "
    f"day it went up. During and after: from the day it went up until {DISPLAY_WINDOW_DAYS} days after it came down, "
    "stopped at the end of the month reported on, so that later months never change the figures. Both are given per "
    "week (the count divided by the days counted, times seven), so that windows of different lengths compare. "
    "Counted: 1-on-1 sessions of services that use a machine the display featured, not cancelled, on the day of the "
    "session; and places in registrations (confirmed, not cancelled) made on those days for the programs it "
    "featured and the programs that use a machine it featured, each registration once even when its program is "
    "featured both ways. The change is the per-week figure during and after compared with the one before, in "
    "percent; “new” when there was none before. Days are Toronto days, so the clock changes shift nothing. A "
    "branch's figures count the displays at that branch; what they featured is counted wherever it was booked."
)
BOOKINGS_MEASURE = "1-on-1 sessions on featured machines"
PLACES_MEASURE = "Program places registered"


def per_week(count: int, days: int) -> float:
    return round(count * 7 / days, 1) if days else 0.0


@dataclass(frozen=True)
class UseComparison:
    """One measure of a display's featured technologies: a count before and one during and after, per week."""

    measure: str
    before: int
    before_days: int
    after: int
    after_days: int

    @property
    def before_per_week(self) -> float:
        return per_week(self.before, self.before_days)

    @property
    def after_per_week(self) -> float:
        return per_week(self.after, self.after_days)

    @property
    def is_new(self) -> bool:
        return self.before == 0 and self.after > 0

    @property
    def change(self) -> float | None:
        """The change in percent of the weekly rate before; None when there was nothing before."""
        if not self.before or not self.before_days or not self.after_days:
            return None
        before, after = self.before / self.before_days, self.after / self.after_days
        return round(100 * (after - before) / before, 1)


@dataclass(frozen=True)
class DisplayUse:
    """A display on during the period, and what it featured counted in its two windows (``DISPLAY_USE_DEFINITION``);
    ``after_days`` is the length of the second window, cut at the period's end."""

    title: str
    branch: str
    starts_on: dt.date
    ends_on: dt.date
    after_days: int
    bookings_before: int
    bookings_after: int
    places_before: int
    places_after: int

    @property
    def comparisons(self) -> list[UseComparison]:
        return [
            UseComparison(
                BOOKINGS_MEASURE, self.bookings_before, DISPLAY_WINDOW_DAYS, self.bookings_after, self.after_days
            ),
            UseComparison(PLACES_MEASURE, self.places_before, DISPLAY_WINDOW_DAYS, self.places_after, self.after_days),
        ]

    def as_json(self) -> dict:
        return {
            **asdict(self),
            "starts_on": self.starts_on.isoformat(),
            "ends_on": self.ends_on.isoformat(),
        }

    @classmethod
    def from_json(cls, data: dict) -> "DisplayUse":
        return cls(
            **{
                **data,
                "starts_on": dt.date.fromisoformat(data["starts_on"]),
                "ends_on": dt.date.fromisoformat(data["ends_on"]),
            }
        )


@dataclass(frozen=True)
class Figures:
    """Values keyed as in ``FIGURES`` (None when there is nothing to divide by), breakdown tables, and the use of
    what each display on during the period featured."""

    values: dict[str, int | float | None]
    breakdowns: dict[str, list[tuple[str, int | float]]]
    displays: list[DisplayUse] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "values": self.values,
            "breakdowns": {k: [list(row) for row in v] for k, v in self.breakdowns.items()},
            "displays": [display.as_json() for display in self.displays],
        }


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Midnight on ``start`` and on ``end`` in the library's time zone, given in UTC.

    In UTC, ``end - start`` is the real length: 23 hours for the day the clocks go forward (Python
    subtracts two times of one zone by the wall clock).
    """
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return tuple(dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(dt.UTC) for day in (start, end))


def _percent(part: int | float, whole: int | float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _hours(value: Decimal) -> float:
    return round(float(value), 2)


def _bookings(start_at, end_at, branch, values, breakdowns, *, with_breakdowns: bool = True) -> None:
    for key, value in booking_figures(start_at=start_at, end_at=end_at, branch=branch).items():
        values[f"bookings.{key}"] = value
    if not with_breakdowns:
        return
    breakdowns["bookings.by_service"] = attended_by_service(start_at=start_at, end_at=end_at, branch=branch)
    breakdowns["bookings.by_topic"] = attended_by_topic(start_at=start_at, end_at=end_at, branch=branch)


def _equipment(start_at, end_at, branch, values, breakdowns) -> None:
    values["equipment.hours_booked"] = equipment_hours_booked(start_at=start_at, end_at=end_at, branch=branch)
    machines = [machine for machine in equipment_use(start_at=start_at, end_at=end_at, branch=branch) if machine.open]
    several_branches = len({machine.branch_name for machine in machines}) > 1
    by_machine = [
        (f"{machine.name}, {machine.branch_name}" if several_branches else machine.name, machine.percent)
        for machine in machines
    ]
    booked = sum((machine.booked for machine in machines), dt.timedelta(0))
    opened = sum((machine.open for machine in machines), dt.timedelta(0))
    values["equipment.utilisation"] = _percent(booked.total_seconds(), opened.total_seconds())
    breakdowns["equipment.by_machine"] = by_machine
    busy = [(label, percent) for label, percent in by_machine if percent > BUSY_EQUIPMENT_PERCENT]
    values["demand.busy_equipment"] = len(busy)
    breakdowns["demand.busy_equipment"] = busy


def _labelled(totals: dict[str, int], choices) -> list[tuple[str, int]]:
    """Rows labelled with the choices' plain names (a value no longer among them shows as stored), most first."""
    labels = dict(choices.choices)
    rows = [(str(labels.get(key, key)), count) for key, count in totals.items() if count]
    return sorted(rows, key=lambda row: (-row[1], row[0]))


def _programs(start_at, end_at, branch, values, breakdowns, *, wanted=None) -> None:
    """With ``wanted`` (a set of keys), only the attendance figures and what else it names."""
    rows = session_attendance(start_at=start_at, end_at=end_at, branch=branch)
    by_audience: dict[str, int] = {}
    by_category: dict[str, int] = {}
    for row in rows:
        by_audience[row["audience"]] = by_audience.get(row["audience"], 0) + row["people"]
        by_category[row["category"]] = by_category.get(row["category"], 0) + row["people"]
    values["programs.sessions_delivered"] = sum(row["sessions"] for row in rows)
    values["programs.attendance"] = sum(row["people"] for row in rows)
    if wanted is None or "programs.programs_delivered" in wanted:
        values["programs.programs_delivered"] = programs_delivered(start_at=start_at, end_at=end_at, branch=branch)
    registration_keys = ("registrations", "waitlisted", "offers", "offers_claimed")
    if wanted is None or any(f"programs.{key}" in wanted for key in registration_keys):
        registrations = registration_figures(start_at=start_at, end_at=end_at, branch=branch)
        for key in registration_keys:
            values[f"programs.{key}"] = registrations[key]
    breakdowns["programs.attendance_by_audience"] = _labelled(by_audience, Audience)
    breakdowns["programs.attendance_by_category"] = _labelled(by_category, Category)
    if wanted is None or "outreach.events" in wanted or "outreach.headcount" in wanted:
        # Outreach belongs to no branch: a branch's figures show the whole library's outreach.
        outreach = rows if branch is None else session_attendance(start_at=start_at, end_at=end_at)
        values["outreach.events"] = sum(row["sessions"] for row in outreach if row["outreach"])
        values["outreach.headcount"] = sum(row["people"] for row in outreach if row["outreach"])
    if wanted is None or "demand.waitlisted_places" in wanted:
        values["demand.waitlisted_places"] = waitlisted_places_at(moment=end_at, branch=branch)


def _seeds(start_at, end_at, branch, values, breakdowns) -> None:
    seeds = seed_figures(start_at=start_at, end_at=end_at, branch=branch)
    values["seeds.packets_lent"] = seeds.packets_lent
    values["seeds.borrowers"] = seeds.borrowers
    values["seeds.returns"] = seeds.returns
    values["seeds.donations"] = seeds.donations
    values["seeds.stock"] = seeds.stock
    values["seeds.return_rate"] = seeds.return_rate
    values["demand.seeds_out"] = len(seeds.seeds_out)
    breakdowns["seeds.lent_by_variety"] = seeds.lent_by_variety
    breakdowns["demand.seeds_out"] = seeds.seeds_out


def _staffing(start, end, branch, values) -> None:
    hours = hours_figures(first_day=start, end_day=end, branch=branch)
    values["staffing.staff_hours"] = _hours(hours["staff"])
    values["staffing.volunteer_hours"] = _hours(hours["volunteers"])
    values["staffing.community_hours"] = _hours(hours["community"])


OUTCOME_STATEMENTS = ("learned", "confident", "intend_to_apply", "more_aware")


def _outcomes(start, end, end_at, branch, values, breakdowns, *, with_breakdowns: bool = True) -> None:
    """Surveys are counted by the month of the session, and a period that stops within a month (the same days
    last year for a month in progress) counts that whole month: surveys keep no closer time, on purpose, so
    that no answer can be matched with the email that asked for it."""
    answered = Q(kind=SurveyKind.IMMEDIATE, month__gte=start.replace(day=1), month__lt=end)
    if branch is not None:
        answered &= Q(branch=branch)
    invitations = SurveysSent.objects.filter(answered).aggregate(sent=Sum("count"))["sent"] or 0
    totals = SurveyResponse.objects.filter(answered).aggregate(
        responses=Count("pk"),
        **{
            f"{statement}_{part}": Count("pk", filter=Q(**{f"{statement}__gte": low, f"{statement}__lte": 5}))
            for statement in OUTCOME_STATEMENTS
            for part, low in (("agree", Agreement.AGREE), ("n", Agreement.STRONGLY_DISAGREE))
        },
    )
    values["outcomes.invitations"] = invitations
    values["outcomes.responses"] = totals["responses"]
    values["outcomes.response_rate"] = _percent(totals["responses"], invitations)
    for statement in OUTCOME_STATEMENTS:
        values[f"outcomes.{statement}"] = _percent(totals[f"{statement}_agree"], totals[f"{statement}_n"])
    breakdowns["outcomes.n"] = [
        (FIGURES_BY_KEY[f"outcomes.{statement}"].label, totals[f"{statement}_n"]) for statement in OUTCOME_STATEMENTS
    ]
    if not with_breakdowns:
        return
    by_area = (
        SurveyResponse.objects.filter(answered)
        .values("service_area")
        .annotate(responses=Count("pk"))
        .order_by()
        .values_list("service_area", "responses")
    )
    breakdowns["outcomes.by_service_area"] = _labelled(dict(by_area), ServiceArea)


def patron_activities() -> tuple:
    """Every kind of patron activity, each a queryset with ``patron_ref``, ``at`` and ``at_branch``."""
    return (patron_visits(), patron_attendance(), patron_borrowing())


def _patrons(start_at, end_at, branch, values) -> None:
    """Patrons served in the period, and how many of them came for the first time: two queries.

    A served patron whose kept first activity (``PatronFirstActivity``) is before the period is returning
    without looking further; only the others, who are few (the new ones, and those active for the first
    time since the last month close), have their records searched for anything before the period.
    """
    in_period = []
    for activity in patron_activities():
        mine = activity.filter(at__gte=start_at, at__lt=end_at)
        if branch is not None:
            mine = mine.filter(at_branch=branch.pk)
        in_period.append(mine.order_by().values_list("patron_ref", flat=True))
    known_earlier = Exists(PatronFirstActivity.objects.filter(patron=OuterRef("pk"), at__lt=start_at))
    earlier = [Exists(activity.filter(patron_ref=OuterRef("pk"), at__lt=start_at)) for activity in patron_activities()]
    served = Patron.objects.filter(pk__in=in_period[0].union(*in_period[1:]))
    # Each NOT EXISTS a condition of its own: PostgreSQL then makes it an anti-join, not a search per patron.
    new = served.filter(~known_earlier, ~earlier[0], ~earlier[1], ~earlier[2])
    totals = {"served": served.count(), "new": new.count()}
    values["patrons.served"] = totals["served"]
    values["patrons.new"] = totals["new"]
    values["patrons.returning"] = totals["served"] - totals["new"]


def _counted(rows, column: str = "pk"):
    """A subquery's rows added up (counted for ``pk``) in SQL, 0 when there are none."""
    function = "COUNT" if column == "pk" else "SUM"
    total = rows.order_by().annotate(total=Func(F(column), function=function)).values("total")
    return Coalesce(Subquery(total, output_field=IntegerField()), 0)


def display_use(*, start: dt.date, end_day: dt.date, end_at: dt.datetime, branch: Branch | None) -> list[DisplayUse]:
    """Published displays on for at least a day of ``[start, end_day)`` and the use of what they featured in their
    two windows (see ``DISPLAY_USE_DEFINITION``), nothing counted at or after ``end_at``: one query.

    Windows are Toronto dates computed in SQL from each display's own dates; a session or registration falls in
    one by its Toronto date.
    """
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    window = dt.timedelta(days=DISPLAY_WINDOW_DAYS)
    displays = Display.objects.filter(is_published=True, starts_on__lt=end_day, ends_on__gte=start)
    if branch is not None:
        displays = displays.filter(branch=branch)
    displays = displays.annotate(
        before_from=Cast(F("starts_on") - window, DateField()),
        after_until=Least(Cast(F("ends_on") + window + dt.timedelta(days=1), DateField()), Value(end_day)),
    )
    sessions = (
        Booking.objects.filter(service_type__equipment__displays=OuterRef("pk"), starts_at__lt=end_at)
        .exclude(status=Booking.Status.CANCELLED)
        .annotate(day=TruncDate("starts_at", tzinfo=zone))
    )
    featured_programs = Program.objects.filter(
        Q(displays=OuterRef(OuterRef("pk"))) | Q(equipment__displays=OuterRef(OuterRef("pk")))
    ).values("pk")
    registrations = Registration.objects.filter(
        status=Registration.Status.CONFIRMED, created_at__lt=end_at, program__in=featured_programs
    ).annotate(day=TruncDate("created_at", tzinfo=zone))

    def before(rows):
        return rows.filter(day__gte=OuterRef("before_from"), day__lt=OuterRef("starts_on"))

    def after(rows):
        return rows.filter(day__gte=OuterRef("starts_on"), day__lt=OuterRef("after_until"))

    rows = (
        displays.annotate(
            bookings_before=_counted(before(sessions)),
            bookings_after=_counted(after(sessions)),
            places_before=_counted(before(registrations), "places"),
            places_after=_counted(after(registrations), "places"),
        )
        .order_by("branch__name", "starts_on", "title", "pk")
        .values(
            "title",
            "branch__name",
            "starts_on",
            "ends_on",
            "after_until",
            "bookings_before",
            "bookings_after",
            "places_before",
            "places_after",
        )
    )
    return [
        DisplayUse(
            title=row["title"],
            branch=row["branch__name"],
            starts_on=row["starts_on"],
            ends_on=row["ends_on"],
            after_days=(row["after_until"] - row["starts_on"]).days,
            bookings_before=row["bookings_before"],
            bookings_after=row["bookings_after"],
            places_before=row["places_before"],
            places_after=row["places_after"],
        )
        for row in rows
    ]


def _displays(start, end_at, branch, values) -> list[DisplayUse]:
    # The day after the last moment counted: ``end`` for a whole period, the next day for a period cut by ``until``.
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    end_day = (end_at - dt.timedelta(microseconds=1)).astimezone(zone).date() + dt.timedelta(days=1)
    uses = display_use(start=start, end_day=end_day, end_at=end_at, branch=branch) if end_day > start else []
    values["displays.installed"] = sum(1 for use in uses if use.starts_on >= start)
    values["displays.on"] = len(uses)
    return uses


SEED_KEYS = {figure.key for figure in FIGURES if figure.area == "seeds"} | {"demand.seeds_out"}


def _areas_wanted(wanted: set[str] | None, *prefixes: str) -> bool:
    return wanted is None or any(key.startswith(prefixes) for key in wanted)


def compute_figures(
    *,
    start: dt.date,
    end: dt.date,
    branch: Branch | None = None,
    until: dt.datetime | None = None,
    keys: list[str] | None = None,
) -> Figures:
    """Every figure for the dates ``[start, end)`` (Toronto time), for one branch or all of them; with ``until``,
    only what happened before that moment of the last day (a month so far, and the same stretch last year).

    With ``keys``, only those figures and no breakdowns: the dashboard shows fifteen of the forty, and the
    others' queries are skipped. About thirty queries for all of them whatever the amount of data: each
    app's selectors aggregate in SQL.
    """
    if end <= start:
        raise ValueError("The end of the period must be after its start.")
    unknown = set(keys or ()) - FIGURES_BY_KEY.keys()
    if unknown:
        raise ValueError(f"No such figures: {', '.join(sorted(unknown))}.")
    wanted = None if keys is None else set(keys)
    start_at, end_at = period_bounds(start, end)
    if until is not None:
        end_at = max(start_at, min(end_at, until))
    values: dict[str, int | float | None] = {}
    breakdowns: dict[str, list[tuple[str, int | float]]] = {}
    if _areas_wanted(wanted, "bookings."):
        _bookings(start_at, end_at, branch, values, breakdowns, with_breakdowns=wanted is None)
    if _areas_wanted(wanted, "equipment.", "demand.busy_equipment"):
        _equipment(start_at, end_at, branch, values, breakdowns)
    if _areas_wanted(wanted, "programs.", "outreach.", "demand.waitlisted_places"):
        _programs(start_at, end_at, branch, values, breakdowns, wanted=wanted)
    if wanted is not None and wanted & SEED_KEYS == {"seeds.packets_lent"}:
        values["seeds.packets_lent"] = packets_lent(start_at=start_at, end_at=end_at, branch=branch)
    elif _areas_wanted(wanted, *SEED_KEYS):
        _seeds(start_at, end_at, branch, values, breakdowns)
    if _areas_wanted(wanted, "staffing."):
        _staffing(start, end, branch, values)
    if _areas_wanted(wanted, "outcomes."):
        _outcomes(start, end, end_at, branch, values, breakdowns, with_breakdowns=wanted is None)
    if _areas_wanted(wanted, "patrons."):
        _patrons(start_at, end_at, branch, values)
    if _areas_wanted(wanted, "demand.no_free_time", "demand.notify_requests"):
        for key, value in demand_figures(start_at=start_at, end_at=end_at, branch=branch).items():
            values[f"demand.{key}"] = value
    if _areas_wanted(wanted, "safety."):
        for key, value in safety_board_figures(start_at=start_at, end_at=end_at, branch=branch).items():
            values[f"safety.{key}"] = value
    displays = _displays(start, end_at, branch, values) if _areas_wanted(wanted, "displays.") else []
    if wanted is not None:
        return Figures(values={key: values[key] for key in keys}, breakdowns={})
    return Figures(
        values={figure.key: values[figure.key] for figure in FIGURES},
        breakdowns={key: breakdowns[key] for key in BREAKDOWNS},
        displays=displays,
    )
