"""What the coordinator's and the board's dashboard shows: the month so far, and the months before it.

A closed month is read from its frozen report (one query for all of them), so the dashboard shows
exactly what the board was sent; for one branch, from the branch's figures frozen with it (a report
closed before they were kept is counted live). Any other month is computed from live data, only the
figures shown, counted to the minute and kept in the cache for that minute (``LIVE_CACHE_SECONDS``). While someone
watches the month in progress (a dashboard shown in the last ``WATCHED_SECONDS``), the worker counts it at the start
of every minute (``live_figures_refresh``), so the page does not wait for the count.

A month in progress is counted up to now and compared with the same days of the same month last year up
to the same time of day (1 to 4 December 2025 up to 3:00 p.m., at 3:00 p.m. on 4 December 2026), counted
live, never with the whole of that month: on the 1st the whole month would make nearly every figure
"down 100%".
"""

import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone

from makerlab.formatting import clock_text
from makerlab.models import Branch
from makerlab.months import add_months
from makerlab.selectors import branches_active
from stats.charts import format_value, line_chart_svg
from stats.figures import FIGURES_BY_KEY, compute_figures
from stats.models import MonthlyReport
from stats.selectors import value_text

Values = dict[str, int | float | None]

HEADLINE_KEYS = [
    "bookings.attended",
    "bookings.help_minutes",
    "programs.sessions_delivered",
    "programs.attendance",
    "outreach.headcount",
    "seeds.packets_lent",
    "patrons.served",
    "patrons.new",
    "outcomes.responses",
    "outcomes.learned",
]

# Each trend chart: its title and the figures drawn as its lines.
TREND_CHARTS = [
    ("Sessions attended", ["bookings.attended"]),
    ("Program attendance", ["programs.attendance"]),
    ("Seed packets lent", ["seeds.packets_lent"]),
    ("Patrons served", ["patrons.served"]),
    (
        "Outcomes: share who agreed or strongly agreed",
        ["outcomes.learned", "outcomes.confident", "outcomes.intend_to_apply", "outcomes.more_aware"],
    ),
]

# Every figure the page shows: only these are computed for a live month, and frozen per branch at close.
SHOWN_KEYS = list(dict.fromkeys([*HEADLINE_KEYS, *(key for _, keys in TREND_CHARTS for key in keys)]))

LIVE_CACHE_SECONDS = 60
WATCHED_SECONDS = 30 * 60

MAX_MONTHS = 37  # three years and a month: enough to compare a month with the same one two years before


def month_first(day: dt.date) -> dt.date:
    return day.replace(day=1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every first-of-month from ``first``'s month to ``last``'s month, inclusive."""
    months, month = [], month_first(first)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


@dataclass(frozen=True)
class MonthFigures:
    month: dt.date
    values: Values
    closed: bool  # read from the frozen monthly report
    so_far: bool  # the month is not over yet


def months_figures(
    months: list[dt.date], *, branch: Branch | None = None, now: dt.datetime | None = None
) -> dict[dt.date, MonthFigures]:
    """The figures of each month: frozen ones for closed months (whole library only), live ones otherwise.

    Months after ``now`` have no figures yet and are left out. The current month runs from its first
    day up to ``now``.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    wanted = sorted({month_first(month) for month in months if month_first(month) <= today})
    frozen: dict[dt.date, Values] = {}
    if wanted:
        for month, figures in MonthlyReport.objects.filter(month__in=wanted).values_list("month", "figures"):
            if branch is None:
                frozen[month] = (figures.get("period") or {}).get("values") or {}
            elif str(branch.pk) in (figures.get("branches") or {}):
                frozen[month] = figures["branches"][str(branch.pk)]
    result = {}
    for month in wanted:
        end = add_months(month, 1)
        if month in frozen:
            result[month] = MonthFigures(month, frozen[month], closed=True, so_far=False)
        else:
            so_far = end > today
            last_day_end = min(end, today + dt.timedelta(days=1))
            values = live_values(start=month, end=last_day_end, branch=branch, until=now if so_far else None)
            result[month] = MonthFigures(month, values, closed=False, so_far=so_far)
    return result


def live_values(*, start: dt.date, end: dt.date, branch: Branch | None, until: dt.datetime | None) -> Values:
    """The shown figures of ``[start, end)`` counted from the records, kept in the cache for a minute.

    A month in progress is counted up to the start of ``until``'s minute: within one minute, every visit to the
    page reads the same count, which the worker may have made already.
    """
    until = None if until is None else until.replace(second=0, microsecond=0)
    moment = "" if until is None else f"{until.astimezone(dt.UTC):%Y%m%d%H%M}"
    key = f"stats:dashboard:{branch.pk if branch else 'all'}:{start:%Y%m%d}:{end:%Y%m%d}:{moment}"
    values = cache.get(key)
    if values is None:
        values = compute_figures(start=start, end=end, branch=branch, until=until, keys=SHOWN_KEYS).values
        cache.set(key, values, LIVE_CACHE_SECONDS)
    return values


def last_year_so_far(*, branch: Branch | None, now: dt.datetime) -> tuple[Values, dt.date, dt.date, dt.datetime]:
    """The same days of this month last year up to the same moment: their figures, first and last day, and moment."""
    start, last_day = same_days_last_year(timezone.localdate(now))
    until = same_moment_last_year(now)
    values = live_values(start=start, end=last_day + dt.timedelta(days=1), branch=branch, until=until)
    return values, start, last_day, until


def _watched_key(branch: Branch | None) -> str:
    return f"stats:dashboard:watched:{branch.pk if branch else 'all'}"


def live_figures_refresh(*, now: dt.datetime | None = None) -> list[str]:
    """Count the month so far and the same days last year for each dashboard (the whole library's, or one
    branch's) shown in the last half hour, so the next look at it does not wait for the count.

    Run at the start of every minute. A count already made for this minute is not made again, so running it
    twice counts once. Answers which dashboards it counted for: "all", or branch slugs.
    """
    now = now or timezone.now()
    dashboards = [None, *branches_active()]
    looked_at = cache.get_many([_watched_key(branch) for branch in dashboards])
    this_month = month_first(timezone.localdate(now))
    counted = []
    for branch in dashboards:
        last_look = looked_at.get(_watched_key(branch))
        if last_look is None or now.timestamp() - last_look > WATCHED_SECONDS:
            continue
        months_figures([this_month], branch=branch, now=now)
        last_year_so_far(branch=branch, now=now)
        counted.append(branch.slug if branch else "all")
    return counted


def monthly_trend(*, months: int = 13, end: dt.date, branch: Branch | None = None) -> list[tuple[dt.date, Values]]:
    """The figures of ``months`` months ending with the month of ``end``, oldest first."""
    last = month_first(end)
    wanted = months_between(add_months(last, -(months - 1)), last)
    found = months_figures(wanted, branch=branch)
    return [(month, found[month].values) for month in wanted if month in found]


@dataclass(frozen=True)
class Headline:
    key: str
    label: str
    unit: str
    value: str
    last_year: str
    change: str  # "up 12%", "down 3 points", "no change", or "" when there is nothing to compare with


@dataclass(frozen=True)
class TrendChart:
    title: str
    unit: str
    svg: str
    columns: list[str]  # the figures' labels, one table column each
    rows: list[tuple[str, list[str]]]  # month label, value of each figure


@dataclass(frozen=True)
class Dashboard:
    month: MonthFigures
    last_year: MonthFigures
    compared_with: str  # "December 2025", or "1 to 4 December 2025 up to 3:00 p.m." for a month in progress
    compared_days: str  # the same without the time of day, for a column heading
    headlines: list[Headline]
    charts: list[TrendChart]
    months: list[MonthFigures]
    reports: list[MonthlyReport]


def month_label(month: dt.date) -> str:
    return f"{month:%b %Y}"


def change_text(value: float | None, before: float | None, unit: str) -> str:
    """The change from last year: in percent for counts, in percentage points for shares."""
    if value is None or before is None or (before == 0 and unit != "percent"):
        return ""
    change = value - before if unit == "percent" else (value - before) / before * 100
    if round(change) == 0:
        return "no change"
    return f"{'up' if change > 0 else 'down'} {abs(change):,.0f}{' points' if unit == 'percent' else '%'}"


def same_moment_last_year(now: dt.datetime) -> dt.datetime:
    """The same time of day on the same day of the month a year before; the end of 28 February for a 29th."""
    local = timezone.localtime(now)
    _, last = same_days_last_year(local.date())
    zone = timezone.get_default_timezone()
    if last.day != local.day:
        return dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return dt.datetime.combine(last, local.time().replace(tzinfo=None), tzinfo=zone)


def same_days_last_year(today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of last year's stretch to compare this month so far with: 1 to ``today``'s day
    of the same month a year before (to its 28th when a 29 February is compared with a February of 28 days)."""
    first = add_months(month_first(today), -12)
    last_day = (add_months(first, 1) - dt.timedelta(days=1)).day
    return first, first.replace(day=min(today.day, last_day))


def days_label(first: dt.date, last: dt.date) -> str:
    """ "1 December 2025", "1 to 4 December 2025"."""
    return f"{last.day} {last:%B %Y}" if first == last else f"{first.day} to {last.day} {last:%B %Y}"


def dashboard_build(
    *, first: dt.date, last: dt.date, branch: Branch | None = None, now: dt.datetime | None = None
) -> Dashboard:
    """The dashboard for the months ``first`` to ``last``: ``last`` beside the same month a year before
    (the same days of it, up to the same time of day, while ``last`` is in progress), and the trend of every
    month in between."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    wanted = months_between(first, last)
    a_year_before = add_months(month_first(last), -12)
    in_progress = month_first(last) == month_first(today)
    found = months_figures([*wanted] if in_progress else [*wanted, a_year_before], branch=branch, now=now)
    shown = [found[month] for month in wanted if month in found]
    current = found[month_first(last)]
    if in_progress:
        # Someone watches the month in progress: the worker keeps it counted (``live_figures_refresh``).
        cache.set(_watched_key(branch), now.timestamp(), WATCHED_SECONDS)
        values, start, last_day, until = last_year_so_far(branch=branch, now=now)
        before = MonthFigures(a_year_before, values, closed=False, so_far=True)
        compared_with = compared_days = days_label(start, last_day)
        if until.date() == last_day:
            compared_with += f" up to {clock_text(timezone.localtime(now).time().replace(second=0, microsecond=0))}"
    else:
        before = found[a_year_before]
        compared_with = compared_days = f"{a_year_before:%B %Y}"

    headlines = []
    for key in HEADLINE_KEYS:
        figure = FIGURES_BY_KEY[key]
        value = current.values.get(key)
        earlier = before.values.get(key)
        headlines.append(
            Headline(
                key=key,
                label=figure.label,
                unit=figure.unit,
                value=value_text(value, figure.unit),
                last_year=value_text(earlier, figure.unit),
                change=change_text(value, earlier, figure.unit),
            )
        )

    labels = [month_label(month.month) + (" (so far)" if month.so_far else "") for month in shown]
    charts = []
    for title, keys in TREND_CHARTS:
        unit = FIGURES_BY_KEY[keys[0]].unit
        series = [(FIGURES_BY_KEY[key].label, [month.values.get(key) for month in shown]) for key in keys]
        charts.append(
            TrendChart(
                title=title,
                unit=unit,
                svg=line_chart_svg(title=title, labels=labels, series=series, unit=unit),
                columns=[FIGURES_BY_KEY[key].label for key in keys],
                rows=[
                    (label, [format_value(month.values.get(key), unit) for key in keys])
                    for label, month in zip(labels, shown, strict=True)
                ],
            )
        )
    reports = list(
        MonthlyReport.objects.filter(month__gte=wanted[0], month__lte=wanted[-1])
        .only("month", "version", "closed_at")
        .order_by("-month")
    )
    return Dashboard(
        month=current,
        last_year=before,
        compared_with=compared_with,
        compared_days=compared_days,
        headlines=headlines,
        charts=charts,
        months=shown,
        reports=reports,
    )
