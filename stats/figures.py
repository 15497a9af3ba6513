"""Every figure the dashboard and the monthly report show: what it counts, and how it is computed.

``FIGURES`` is the catalogue: a stable key ("bookings.attended"), the area it belongs to, a plain
label, its unit, whether it adds up across months, and the counting definition printed as a
footnote. ``compute_figures`` computes all of them for a period, in SQL, through each app's
selectors, in a bounded number of queries whatever the data size.

A period is ``[start, end)`` in dates, read in the library's time zone: a month is midnight on its
first day to midnight on the first of the next, Toronto time (23 or 25 hours on clock-change days).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from makerlab.models import Branch

Unit = Literal["count", "minutes", "hours", "percent"]


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
        "Equipment hours booked as a share of the hours the machines in service were available while open.",
    ),
    _f(
        "programs.programs_delivered",
        "Programs delivered",
        "count",
        False,
        "Programs with at least one session held (not cancelled) in the period.",
    ),
    _f(
        "programs.sessions_delivered",
        "Program sessions delivered",
        "count",
        True,
        "Sessions held (not cancelled) in the period; each session of a series counts as one event.",
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
    _f("programs.offers", "Waitlist offers", "count", True, "Places offered from a waitlist in the period."),
    _f("programs.offers_claimed", "Offers claimed", "count", True, "Waitlist offers taken up in the period."),
    _f("outreach.events", "Outreach events", "count", True, "Sessions held at partner sites in the period."),
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
    _f("seeds.returns", "Seed returns", "count", True, "Lots of saved seed patrons brought back in the period."),
    _f(
        "seeds.donations",
        "Seed donations",
        "count",
        True,
        "Lots donated by companies, organisations or patrons in the period.",
    ),
    _f(
        "seeds.stock",
        "Packets on the shelf",
        "count",
        False,
        "Packets that could be lent at the end of the period (or now, for the current month).",
    ),
    _f(
        "seeds.return_rate",
        "Seed return rate",
        "percent",
        False,
        "Of last season's borrowers of a variety, the share who brought back seed of it.",
    ),
    _f("staffing.staff_hours", "Staff hours", "hours", True, "Approved hours of employed staff in the period."),
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
        "Survey invitations sent by email or opened from a QR code.",
    ),
    _f(
        "outcomes.responses",
        "Surveys answered",
        "count",
        True,
        "Immediate surveys answered about sessions in the period.",
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
        "Different card holders who attended a 1-on-1 session, came to a program or borrowed seed in the period.",
    ),
    _f(
        "patrons.new",
        "New patrons",
        "count",
        False,
        "Patrons served whose first visit to the Maker Lab was in the period.",
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
        "Varieties lent last season with no packet on the shelf at the end of the period.",
    ),
]

FIGURES_BY_KEY = {figure.key: figure for figure in FIGURES}

# Breakdowns: label → value tables beside the figures (attended sessions by service, and so on).
BREAKDOWNS = {
    "bookings.by_service": "Sessions attended by service",
    "bookings.by_topic": "Sessions attended by topic",
    "equipment.by_machine": "Use of each machine (percent)",
    "programs.attendance_by_audience": "Program attendance by audience",
    "programs.attendance_by_category": "Program attendance by category",
    "outcomes.by_service_area": "Surveys answered by service area",
    "seeds.lent_by_variety": "Packets lent by variety (the ten most lent)",
    "demand.busy_equipment": "Machines over 80% booked",
    "demand.seeds_out": "Popular seeds out of stock",
}


@dataclass(frozen=True)
class Figures:
    """Values keyed as in ``FIGURES`` (None when there is nothing to divide by) and breakdown tables."""

    values: dict[str, int | float | None]
    breakdowns: dict[str, list[tuple[str, int | float]]]

    def as_json(self) -> dict:
        return {"values": self.values, "breakdowns": {k: [list(row) for row in v] for k, v in self.breakdowns.items()}}


def compute_figures(*, start: dt.date, end: dt.date, branch: Branch | None = None) -> Figures:
    """Every figure for the dates ``[start, end)`` (Toronto time), for one branch or all of them."""
    raise NotImplementedError
