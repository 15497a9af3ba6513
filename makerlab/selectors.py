"""Reads shared by every app: branch hours and closures, and the health of the running system."""

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import holidays
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from kombu import Connection

from makerlab.cache import ResilientRedisCache
from makerlab.cards import card_number_normalise
from makerlab.models import Branch, Closure, OpeningHours, Patron


@lru_cache(maxsize=64)
def _ontario_holidays(year: int) -> dict[dt.date, str]:
    return dict(holidays.country_holidays("CA", subdiv="ON", years=year))


def statutory_holiday(day: dt.date) -> str | None:
    """The name of the Ontario statutory holiday on ``day``, or None."""
    return _ontario_holidays(day.year).get(day)


@dataclass(frozen=True)
class DayHours:
    """A branch's hours on one local date: the open windows, or why it is closed."""

    date: dt.date
    windows: tuple[tuple[dt.time, dt.time], ...]
    closed_reason: str = ""

    @property
    def is_open(self) -> bool:
        return bool(self.windows)


@dataclass(frozen=True)
class OpenStatus:
    """Whether a branch is open at a moment: until when if it is, when it next opens if it is not."""

    is_open: bool
    closes: dt.datetime | None = None
    next_opens: dt.datetime | None = None
    closed_reason: str = ""


Window = tuple[dt.time, dt.time]
ClosureSpan = tuple[dt.date, dt.date, str]


class BranchCalendar:
    """A branch's opening hours and closures over a date range, answered without further queries."""

    def __init__(
        self,
        *,
        branch: Branch,
        first_day: dt.date,
        last_day: dt.date,
        windows: dict[int, list[Window]],
        closures: list[ClosureSpan],
    ) -> None:
        self.branch = branch
        self.first_day = first_day
        self.last_day = last_day
        self._windows = windows
        self._closures = closures

    def day(self, day: dt.date) -> DayHours:
        if not self.first_day <= day <= self.last_day:
            raise ValueError(f"{day} is outside the loaded range {self.first_day} to {self.last_day}.")
        for start, end, reason in self._closures:
            if start <= day <= end:
                return DayHours(day, (), reason)
        if self.branch.observes_statutory_holidays:
            holiday = statutory_holiday(day)
            if holiday:
                return DayHours(day, (), holiday)
        return DayHours(day, tuple(self._windows.get(day.weekday(), ())))

    def days(self) -> list[DayHours]:
        count = (self.last_day - self.first_day).days + 1
        return [self.day(self.first_day + dt.timedelta(days=offset)) for offset in range(count)]

    def status_at(self, moment: dt.datetime) -> OpenStatus:
        """Open or closed at ``moment``; the next opening is looked for up to the end of the loaded range."""
        intervals = self.open_intervals()
        for opens, closes in intervals:
            if opens <= moment < closes:
                return OpenStatus(is_open=True, closes=closes)
        local_day = moment.astimezone(self.branch.zone).date()
        reason = self.day(local_day).closed_reason if self.first_day <= local_day <= self.last_day else ""
        next_opens = next((opens for opens, _ in intervals if opens > moment), None)
        return OpenStatus(is_open=False, next_opens=next_opens, closed_reason=reason)

    def open_intervals(self) -> list[tuple[dt.datetime, dt.datetime]]:
        """Every open window in the range as aware datetimes, correct across daylight-saving changes."""
        zone = self.branch.zone
        return [
            (dt.datetime.combine(day.date, opens, tzinfo=zone), dt.datetime.combine(day.date, closes, tzinfo=zone))
            for day in self.days()
            for opens, closes in day.windows
        ]


def _windows_by_weekday(hours: list[OpeningHours]) -> dict[int, list[Window]]:
    windows: dict[int, list[Window]] = {}
    for row in sorted(hours, key=lambda h: (h.weekday, h.opens)):
        windows.setdefault(row.weekday, []).append((row.opens, row.closes))
    return windows


def _closures_between(first_day: dt.date, last_day: dt.date):
    return Closure.objects.filter(start_date__lte=last_day, end_date__gte=first_day)


def branch_calendar(*, branch: Branch, first_day: dt.date, last_day: dt.date) -> BranchCalendar:
    """The calendar of one branch from ``first_day`` to ``last_day`` (local dates), in two queries."""
    closures = list(
        _closures_between(first_day, last_day)
        .filter(Q(branch=branch) | Q(branch__isnull=True))
        .values_list("start_date", "end_date", "reason")
    )
    return BranchCalendar(
        branch=branch,
        first_day=first_day,
        last_day=last_day,
        windows=_windows_by_weekday(list(OpeningHours.objects.filter(branch=branch))),
        closures=closures,
    )


def branch_is_open(*, branch: Branch, start: dt.datetime, end: dt.datetime) -> bool:
    """Whether ``branch`` is open for the whole of [start, end): inside one opening window, not closed that day."""
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValueError("branch_is_open needs aware datetimes.")
    if end <= start:
        return False
    local_start = start.astimezone(branch.zone)
    local_end = end.astimezone(branch.zone)
    calendar = branch_calendar(branch=branch, first_day=local_start.date(), last_day=local_end.date())
    return any(opens <= start and end <= closes for opens, closes in calendar.open_intervals())


def branches_active() -> list[Branch]:
    """Active branches in display order; the first is the library's main branch."""
    return list(Branch.objects.filter(is_active=True).order_by("display_order", "name"))


def branch_calendars(*, first_day: dt.date, last_day: dt.date) -> list[BranchCalendar]:
    """Calendars of every active branch over the range, in three queries whatever the number of branches."""
    branches = list(Branch.objects.filter(is_active=True).prefetch_related("opening_hours"))
    closures = list(_closures_between(first_day, last_day).values_list("branch_id", "start_date", "end_date", "reason"))
    return [
        BranchCalendar(
            branch=branch,
            first_day=first_day,
            last_day=last_day,
            windows=_windows_by_weekday(list(branch.opening_hours.all())),
            closures=[(s, e, r) for b, s, e, r in closures if b is None or b == branch.pk],
        )
        for branch in branches
    ]


@dataclass(frozen=True)
class HealthReport:
    database: bool
    broker: bool
    beat_last_run: dt.datetime | None
    beat: bool
    # The site keeps working without its cache (pages uncached, rate limits per process): reported, not failed.
    cache: bool = True

    @property
    def healthy(self) -> bool:
        return self.database and self.broker and self.beat


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _broker_ok() -> bool:
    timeout = settings.HEALTHZ_BROKER_TIMEOUT_SECONDS
    try:
        with Connection(
            settings.CELERY_BROKER_URL,
            transport_options={**settings.CELERY_BROKER_TRANSPORT_OPTIONS, "socket_timeout": timeout},
            connect_timeout=timeout,
        ) as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
            return True
    except Exception:
        return False


def _cache_ok() -> bool:
    """False when the Redis cache does not answer; a cache in this process's memory always does."""
    backend = caches["default"]
    return backend.reachable() if isinstance(backend, ResilientRedisCache) else True


def health_report(*, now: dt.datetime | None = None) -> HealthReport:
    """The state of the database, the broker, Celery beat and the cache. Never raises."""
    now = now or timezone.now()
    database = _database_ok()
    beat_last_run = None
    if database:
        try:
            beat_last_run = PeriodicTask.objects.aggregate(last=Max("last_run_at"))["last"]
        except Exception:
            database = False
    max_age = dt.timedelta(seconds=settings.HEALTHZ_BEAT_MAX_AGE_SECONDS)
    beat = beat_last_run is not None and now - beat_last_run <= max_age
    return HealthReport(
        database=database, broker=_broker_ok(), beat_last_run=beat_last_run, beat=beat, cache=_cache_ok()
    )


def patrons_holding_card(card_number: str) -> QuerySet[Patron]:
    """The patron holding this library card (spaces and dashes ignored), as a query of at most one row that
    callers lock or widen; an anonymised patron holds no card. The library's one card lookup."""
    card = card_number_normalise(card_number)
    if not card:
        return Patron.objects.none()
    return Patron.objects.filter(card_number=card, anonymised_at__isnull=True)


def patron_by_card(*, card_number: str) -> Patron | None:
    return patrons_holding_card(card_number).first()


def day_bounds(day: dt.date, zone: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """Midnight to midnight in ``zone``: 23 or 25 hours on the days the clocks change."""
    return (
        dt.datetime.combine(day, dt.time(0), tzinfo=zone),
        dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=zone),
    )
