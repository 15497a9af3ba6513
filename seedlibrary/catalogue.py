"""The public catalogue: which varieties are shown, when to sow them, and how many packets are on the shelf.

Sowing windows are dates in a season, worked out from the average last-frost date (SEED_LAST_FROST):

- start indoors: a two-week window beginning ``sow_indoors_weeks_before_frost`` weeks before the frost;
- sow outdoors: a four-week window beginning ``direct_sow_weeks_after_frost`` weeks after it (before it
  when negative);
- sow in the fall: 1 October to 30 November, before the ground freezes, for varieties marked
  ``sow_in_fall`` (garlic, native plants whose seed needs a winter's cold).

A variety is "sow now" when one of its windows touches the current month. The same rule runs in
Python (``sowing_windows``) for pages and labels, and in SQL (``sow_now_condition``) for the filter.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.dateformat import format as date_format

from makerlab.models import Branch
from makerlab.selectors import branches_active
from seedlibrary.models import Loan, SeedRequest, Stock, Variety
from seedlibrary.selectors import lendable_lots

INDOOR_WINDOW = dt.timedelta(weeks=2)
OUTDOOR_WINDOW = dt.timedelta(weeks=4)
FALL_WINDOW = ((10, 1), (11, 30))

# The ranges the Variety fields accept (their validators); the SQL filter considers exactly these values.
INDOOR_WEEKS = range(0, 21)
OUTDOOR_WEEKS = range(-12, 21)


def last_frost(year: int) -> dt.date:
    """The average last-frost date in ``year`` (SEED_LAST_FROST is "MM-DD")."""
    month, day = (int(part) for part in settings.SEED_LAST_FROST.split("-"))
    return dt.date(year, month, day)


@dataclass(frozen=True)
class SowingWindow:
    how: str  # "indoors", "outdoors" or "fall"
    first: dt.date
    last: dt.date

    @property
    def title(self) -> str:
        return {"indoors": "Start indoors", "outdoors": "Sow outdoors", "fall": "Sow outdoors in the fall"}[self.how]

    @property
    def dates(self) -> str:
        """E.g. "3 April to 17 April"."""
        return f"{date_format(self.first, 'j F')} to {date_format(self.last, 'j F')}"

    @property
    def text(self) -> str:
        return f"{self.title}: {self.dates}"

    def touches_month(self, year: int, month: int) -> bool:
        first_of_month = dt.date(year, month, 1)
        following = (first_of_month + dt.timedelta(days=32)).replace(day=1)
        return self.first < following and self.last >= first_of_month


def _indoor_window(weeks: int, frost: dt.date) -> SowingWindow:
    first = frost - dt.timedelta(weeks=weeks)
    return SowingWindow("indoors", first, first + INDOOR_WINDOW)


def _outdoor_window(weeks: int, frost: dt.date) -> SowingWindow:
    first = frost + dt.timedelta(weeks=weeks)
    return SowingWindow("outdoors", first, first + OUTDOOR_WINDOW)


def _fall_window(year: int) -> SowingWindow:
    (first_month, first_day), (last_month, last_day) = FALL_WINDOW
    return SowingWindow("fall", dt.date(year, first_month, first_day), dt.date(year, last_month, last_day))


def sowing_windows(variety: Variety, *, year: int) -> list[SowingWindow]:
    """The variety's sowing windows in ``year``, in the order they come."""
    frost = last_frost(year)
    windows = []
    if variety.sow_indoors_weeks_before_frost is not None:
        windows.append(_indoor_window(variety.sow_indoors_weeks_before_frost, frost))
    if variety.direct_sow_weeks_after_frost is not None:
        windows.append(_outdoor_window(variety.direct_sow_weeks_after_frost, frost))
    if variety.sow_in_fall:
        windows.append(_fall_window(year))
    return windows


def season_windows(variety: Variety, *, today: dt.date) -> tuple[int, list[SowingWindow]]:
    """The windows to show on ``today``: this year's while one is still to come or open, else next year's."""
    windows = sowing_windows(variety, year=today.year)
    if windows and all(window.last < today for window in windows):
        return today.year + 1, sowing_windows(variety, year=today.year + 1)
    return today.year, windows


def sowing_summary(variety: Variety, *, today: dt.date) -> str:
    """One line for a packet label, e.g. "Start indoors 3 April to 17 April. Sow outdoors 22 May to 19 June."."""
    _, windows = season_windows(variety, today=today)
    if not windows:
        return "Ask at the library when to sow."
    return " ".join(f"{window.title} {window.dates}." for window in windows)


def sows_now(variety: Variety, *, today: dt.date) -> bool:
    """Whether a window touches today's month; next season's count too (a December start for a May frost)."""
    return any(
        window.touches_month(today.year, today.month)
        for year in (today.year, today.year + 1)
        for window in sowing_windows(variety, year=year)
    )


def sow_now_condition(*, today: dt.date) -> Q:
    """The varieties with a sowing window in today's month, as a filter (the SQL twin of ``sows_now``)."""
    indoor, outdoor, fall = set(), set(), False
    for year in (today.year, today.year + 1):
        frost = last_frost(year)
        indoor |= {w for w in INDOOR_WEEKS if _indoor_window(w, frost).touches_month(today.year, today.month)}
        outdoor |= {w for w in OUTDOOR_WEEKS if _outdoor_window(w, frost).touches_month(today.year, today.month)}
        fall = fall or _fall_window(year).touches_month(today.year, today.month)
    condition = Q(sow_indoors_weeks_before_frost__in=sorted(indoor)) | Q(
        direct_sow_weeks_after_frost__in=sorted(outdoor)
    )
    if fall:
        condition |= Q(sow_in_fall=True)
    return condition


# --- Availability: packets of lendable lots on the shelf ------------------------------------------------------


def _shelf(*, today: dt.date) -> QuerySet[Stock]:
    """Stock of lots that may be lent today, with packets left."""
    return Stock.objects.filter(packets__gt=0, lot__in=lendable_lots(today=today).values("pk"))


def varieties_published(*, today: dt.date) -> QuerySet[Variety]:
    """Published varieties, each annotated with ``packets_available`` (all branches, lendable lots only)."""
    packets = (
        _shelf(today=today)
        .filter(lot__variety=OuterRef("pk"))
        .order_by()
        .values("lot__variety")
        .annotate(total=Sum("packets"))
        .values("total")
    )
    return Variety.objects.filter(is_published=True).annotate(
        packets_available=Coalesce(Subquery(packets, output_field=IntegerField()), Value(0))
    )


def available_now_condition(*, today: dt.date) -> Q:
    return Q(Exists(_shelf(today=today).filter(lot__variety=OuterRef("pk"))))


def variety_published(*, slug: str, today: dt.date) -> Variety | None:
    return varieties_published(today=today).select_related("family").filter(slug=slug).first()


def variety_to_share(*, slug: str) -> Variety | None:
    """A published variety, without its counts: what its share image shows."""
    return Variety.objects.filter(is_published=True, slug=slug).first()


@dataclass(frozen=True)
class BranchAvailability:
    branch: Branch
    packets: int


def variety_availability(*, variety: Variety, today: dt.date) -> list[BranchAvailability]:
    """Packets on the shelf at each active branch (counts only: never who borrowed)."""
    rows = (
        _shelf(today=today).filter(lot__variety=variety).order_by().values("branch_id").annotate(total=Sum("packets"))
    )
    counts = {row["branch_id"]: row["total"] for row in rows}
    return [BranchAvailability(branch, counts.get(branch.pk, 0)) for branch in branches_active()]


def varieties_for_request(*, ids: list[int]) -> QuerySet[Variety]:
    """The published varieties among ``ids``: what a patron may ask for online."""
    return Variety.objects.filter(is_published=True, pk__in=ids)


def variety_on_the_shelf(*, pk: int, today: dt.date) -> Variety | None:
    """The published variety with this id when it has packets on the shelf: one a patron may add to a request."""
    return varieties_published(today=today).filter(pk=pk, packets_available__gt=0).first()


def seed_request_by_token(*, token: str) -> SeedRequest | None:
    """A request with its branch and packets, for its private page."""
    loans = Loan.objects.select_related("variety", "lot").order_by("variety__common_name", "variety__variety_name")
    return (
        SeedRequest.objects.select_related("branch")
        .prefetch_related(Prefetch("loans", queryset=loans))
        .filter(manage_token=token)
        .first()
    )


def lot_packets(*, lot) -> int:
    """Packets of the lot on the shelf at all branches."""
    return Stock.objects.filter(lot=lot).aggregate(total=Sum("packets"))["total"] or 0
