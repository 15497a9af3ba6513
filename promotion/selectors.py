"""Reads for promotion: which displays are on, for the public pages, the widget and the coordinator's calendar."""

import datetime as dt
import enum
import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.dates import MONTHS

from bookings.models import Equipment
from bookings.selectors import services_using_equipment
from makerlab.formatting import day_text
from makerlab.home_sections import HomeSection
from makerlab.models import Branch
from makerlab.selectors import branches_active
from programs.images import Picture, recorded_picture
from programs.models import Category, Program, Session
from programs.selectors import interest_by_month, programs_published
from promotion.models import Display, DisplayPhoto

# --- The public pages ------------------------------------------------------------------------------------------

COMING_SOON_DAYS = 120


@dataclass(frozen=True)
class DisplaysPublic:
    on_now: list[Display]
    coming: list[Display]


def _branch_days(now: dt.datetime) -> dict[int, dt.date]:
    """Each active branch's local date at ``now``."""
    return {branch.pk: timezone.localdate(now, timezone=branch.zone) for branch in branches_active()}


def _with_photos(displays: QuerySet[Display]) -> QuerySet[Display]:
    return displays.select_related("branch").prefetch_related(
        Prefetch("photos", queryset=DisplayPhoto.objects.order_by("position", "pk"))
    )


def displays_public(*, now: dt.datetime, coming_limit: int | None = None) -> DisplaysPublic:
    """Published displays on now, soonest to end first, and those starting within COMING_SOON_DAYS, soonest
    first, each judged by its branch's own date. Three queries (branches, displays, photos)."""
    days = _branch_days(now)
    if not days:
        return DisplaysPublic(on_now=[], coming=[])
    wanted = Q()
    for branch_id, day in days.items():
        wanted |= Q(branch_id=branch_id, ends_on__gte=day, starts_on__lte=day + dt.timedelta(days=COMING_SOON_DAYS))
    displays = list(
        _with_photos(Display.objects.filter(wanted, is_published=True)).order_by("starts_on", "ends_on", "title", "pk")
    )
    on_now = sorted((d for d in displays if d.starts_on <= days[d.branch_id]), key=lambda d: (d.ends_on, d.title, d.pk))
    coming = [d for d in displays if d.starts_on > days[d.branch_id]]
    return DisplaysPublic(on_now=on_now, coming=coming[:coming_limit] if coming_limit is not None else coming)


class DisplayState(enum.Enum):
    COMING = "coming"
    ON_NOW = "on_now"
    ENDED = "ended"


@dataclass(frozen=True)
class DisplayPage:
    display: Display
    state: DisplayState
    pictures: list[Picture]
    # Each featured machine with the 1-on-1 services booked on it.
    equipment: list[tuple[Equipment, list]]
    programs: list[Program]


def display_state(display: Display, *, today: dt.date) -> DisplayState:
    if display.ends_on < today:
        return DisplayState.ENDED
    return DisplayState.ON_NOW if display.starts_on <= today else DisplayState.COMING


def displays_in_state(displays: QuerySet[Display], state: DisplayState, *, today: dt.date) -> QuerySet[Display]:
    """The displays that ``display_state`` puts in ``state`` on ``today``, asked of the database."""
    if state is DisplayState.ENDED:
        return displays.filter(ends_on__lt=today)
    if state is DisplayState.ON_NOW:
        return displays.filter(starts_on__lte=today, ends_on__gte=today)
    return displays.filter(starts_on__gt=today)


def photo_picture(photo: DisplayPhoto) -> Picture | None:
    return recorded_picture(photo.image, photo.renditions, photo.alt_text)


def display_page(*, slug: str, now: dt.datetime) -> DisplayPage | None:
    """A published display's page, or None for an unpublished or unknown one, or one at a closed branch.
    Five queries."""
    display = (
        _with_photos(Display.objects.filter(is_published=True, branch__is_active=True, slug=slug))
        .prefetch_related(
            Prefetch("equipment", queryset=Equipment.objects.filter(branch__is_active=True).order_by("name", "pk")),
            Prefetch("programs", queryset=Program.objects.filter(is_published=True).order_by("title", "pk")),
        )
        .first()
    )
    if display is None:
        return None
    equipment = list(display.equipment.all())
    services = services_using_equipment(equipment_ids=[machine.pk for machine in equipment])
    return DisplayPage(
        display=display,
        state=display_state(display, today=timezone.localdate(now, timezone=display.branch.zone)),
        pictures=[picture for picture in map(photo_picture, display.photos.all()) if picture],
        equipment=[(machine, services.get(machine.pk, [])) for machine in equipment],
        programs=list(display.programs.all()),
    )


@dataclass(frozen=True)
class DisplayCard:
    """A display as the public list shows it: its dates in words and its first photo."""

    display: Display
    when: str
    picture: Picture | None


def display_cards(displays: list[Display], *, now: dt.datetime) -> list[DisplayCard]:
    """Each display with its dates told from its branch's own day; no query (branch and photos come loaded)."""
    cards = []
    for display in displays:
        today = timezone.localdate(now, timezone=display.branch.zone)
        pictures = [p for p in map(photo_picture, display.photos.all()) if p]
        cards.append(DisplayCard(display, display_dates_text(display, today=today), next(iter(pictures), None)))
    return cards


def display_dates_text(display: Display, *, today: dt.date) -> str:
    """ "From Monday 7 December to Sunday 31 January 2027", or "On Saturday 12 December" for one day."""
    if display.starts_on == display.ends_on:
        return f"On {day_text(display.starts_on, today=today)}"
    return f"From {day_text(display.starts_on, today=today)} to {day_text(display.ends_on, today=today)}"


HOME_DISPLAYS = 3


def displays_on_now(*, now: dt.datetime, limit: int, branch_ids: Iterable[int] | None = None) -> list[Display]:
    """Published displays on now at active branches (or those of ``branch_ids``), by each branch's own date, soonest
    to end first. One query: no branch's date is more than a day from the library's, so the database narrows and
    each branch decides."""
    library_day = timezone.localdate(now)
    near = Display.objects.filter(
        is_published=True,
        branch__is_active=True,
        starts_on__lte=library_day + dt.timedelta(days=1),
        ends_on__gte=library_day - dt.timedelta(days=1),
    )
    if branch_ids is not None:
        near = near.filter(branch_id__in=list(branch_ids))
    displays = near.select_related("branch").order_by("ends_on", "title", "pk")
    on_now = (d for d in displays if d.starts_on <= timezone.localdate(now, timezone=d.branch.zone) <= d.ends_on)
    return list(itertools.islice(on_now, limit))


def home_displays_section(now: dt.datetime) -> HomeSection | None:
    """The home page's "On display now": at most HOME_DISPLAYS displays, none when nothing is on."""
    displays = displays_on_now(now=now, limit=HOME_DISPLAYS)
    if not displays:
        return None
    shown = [
        (display, day_text(display.ends_on, today=timezone.localdate(now, timezone=display.branch.zone)))
        for display in displays
    ]
    return HomeSection(template="promotion/displays/_home.html", context={"displays": shown})


# --- The coordinator's calendar of displays ----------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryInterest:
    category: str
    registrations: int
    waitlisted: int


@dataclass(frozen=True)
class CalendarMonth:
    """A month of the coordinator's year: the displays on at some time in it, and the public's interest in programs
    in the same month this year and the year before, busiest category first."""

    first_day: dt.date
    displays: list[Display]
    interest: list[CategoryInterest]
    interest_year_before: list[CategoryInterest]

    @property
    def name(self) -> str:
        return f"{MONTHS[self.first_day.month]} {self.first_day.year}"

    @property
    def name_year_before(self) -> str:
        return f"{MONTHS[self.first_day.month]} {self.first_day.year - 1}"


def _interest(found: dict[str, dict[str, int]]) -> list[CategoryInterest]:
    labels = dict(Category.choices)
    rows = [
        CategoryInterest(labels.get(category, category), counts["registrations"], counts["waitlisted"])
        for category, counts in found.items()
    ]
    return sorted(rows, key=lambda row: (-row.registrations - row.waitlisted, row.category))


def displays_calendar(*, year: int, branch: Branch | None = None) -> list[CalendarMonth]:
    """The twelve months of ``year`` with their displays (published or planned) and programs' interest. Three
    queries whatever the number of displays or registrations."""
    first_day, last_day = dt.date(year, 1, 1), dt.date(year, 12, 31)
    displays = Display.objects.filter(starts_on__lte=last_day, ends_on__gte=first_day).select_related("branch")
    if branch is not None:
        displays = displays.filter(branch=branch)
    displays = list(displays.order_by("starts_on", "ends_on", "title", "pk"))
    zone = branch.zone if branch is not None else timezone.get_default_timezone()
    interest = interest_by_month(first_day=dt.date(year - 1, 1, 1), last_day=last_day, zone=zone, branch=branch)
    months = []
    for month in range(1, 13):
        start = dt.date(year, month, 1)
        end = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
        months.append(
            CalendarMonth(
                first_day=start,
                displays=[d for d in displays if d.starts_on <= end and d.ends_on >= start],
                interest=_interest(interest.get(start, {})),
                interest_year_before=_interest(interest.get(start.replace(year=year - 1), {})),
            )
        )
    return months


# --- Printables and digest ---


def displays_during(*, first_day: dt.date, last_day: dt.date) -> QuerySet[Display]:
    """Published displays at active branches on at least one day from ``first_day`` to ``last_day``, with their
    branch, soonest first."""
    return (
        Display.objects.filter(
            is_published=True, branch__is_active=True, starts_on__lte=last_day, ends_on__gte=first_day
        )
        .select_related("branch")
        .order_by("starts_on", "title", "pk")
    )


def programs_to_print(*, now: dt.datetime) -> QuerySet[Program]:
    """Published programs with a session still to come, soonest first (``next_starts_at``): what gets a poster."""
    return programs_published(now=now)


def program_for_printing(*, pk: int) -> Program | None:
    """A published program with its place and sessions, for its poster and flyer."""
    return (
        Program.objects.filter(pk=pk, is_published=True)
        .select_related("branch", "partner_site")
        .prefetch_related(Prefetch("sessions", queryset=Session.objects.order_by("starts_at", "pk")))
        .first()
    )
