"""Reads for the seed library: which lots may be lent, what a patron has borrowed this season, what to re-test,
and the season report.

A lot is lendable when it is available, its latest germination test reaches the threshold
(inclusive: 70% passes at a 70% threshold) and its seed is within its viability: harvest year plus
the variety's (or else its family's) viability years is not before the season.
"""

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Count, Exists, F, FloatField, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from makerlab.formatting import moment_text
from makerlab.models import Branch, Patron
from makerlab.selectors import branch_calendar, patrons_holding_card
from seedlibrary.models import GerminationTest, Loan, Lot, Orientation, SeedRequest, Stock, Variety

# How far past the hold day to look for a day the branch is open (a closure of a few weeks still ends).
PICKUP_SEARCH_DAYS = 31


def season_of(moment: dt.datetime) -> int:
    """The growing season a moment belongs to: the calendar year in the library's time zone."""
    return timezone.localtime(moment).year


# A lot's latest test: the last counted, the last recorded of a day's counts.
LATEST_TEST_FIRST = ("-counted_on", "-pk")


def _latest_test() -> QuerySet[GerminationTest]:
    return GerminationTest.objects.filter(lot=OuterRef("pk")).order_by(*LATEST_TEST_FIRST)


def _germination_rate(path: str = "") -> CombinedExpression:
    """A test's rate in percent (exact): ``path`` reaches the test's fields from the query's model."""
    return Cast(F(f"{path}seeds_sprouted"), FloatField()) * 100.0 / Cast(F(f"{path}seeds_tested"), FloatField())


def _viable_until() -> CombinedExpression:
    return F("harvest_year") + Coalesce(
        F("variety__viability_years"), F("variety__family__viability_years"), output_field=IntegerField()
    )


def _passes_latest_test(today: dt.date) -> Q:
    """Of lots annotated with ``latest_rate`` and ``viable_until``: the latest test reaches the threshold and the
    seed is still viable in ``today``'s year."""
    return Q(latest_rate__gte=settings.SEED_GERMINATION_THRESHOLD, viable_until__gte=today.year)


def lots_with_test_results() -> QuerySet[Lot]:
    """Lots annotated with ``latest_rate`` (percent, exact), ``latest_tested_on`` and ``viable_until`` (a year).

    ``latest_rate`` and ``latest_tested_on`` are None for a lot that was never tested.
    """
    latest = _latest_test()
    rate = _germination_rate()
    return Lot.objects.annotate(
        latest_rate=Subquery(latest.annotate(rate=rate).values("rate")[:1], output_field=FloatField()),
        latest_tested_on=Subquery(latest.values("counted_on")[:1]),
        viable_until=_viable_until(),
    )


def lendable_lots(*, today: dt.date) -> QuerySet[Lot]:
    """Lots that may be lent on ``today``, annotated as in ``lots_with_test_results``.

    Each available lot is joined to its latest test, found for all of them at once (DISTINCT ON, one pass over
    the tests of available lots), rather than looked up lot by lot: three lookups per lot (the filter, the rate
    and the date) made the shelf's time grow with lots times tests.
    """
    latest_tests = (
        GerminationTest.objects.filter(lot__status=Lot.Status.AVAILABLE)
        .order_by("lot_id", *LATEST_TEST_FIRST)
        .distinct("lot_id")
        .values("pk")
    )
    return (
        Lot.objects.filter(status=Lot.Status.AVAILABLE, germination_tests__in=Subquery(latest_tests))
        .annotate(
            latest_rate=_germination_rate("germination_tests__"),
            latest_tested_on=F("germination_tests__counted_on"),
            viable_until=_viable_until(),
        )
        .filter(_passes_latest_test(today))
    )


def lot_is_lendable(lot: Lot, *, today: dt.date) -> bool:
    return lendable_lots(today=today).filter(pk=lot.pk).exists()


def lot_passes_latest_test(lot: Lot, *, today: dt.date) -> bool:
    """Whether the lot's latest test reaches the threshold and its seed is still viable, whatever its status."""
    return lots_with_test_results().filter(_passes_latest_test(today), pk=lot.pk).exists()


def pickup_deadline(*, branch: Branch, ready_at: dt.datetime) -> dt.datetime:
    """When packets set aside at ``ready_at`` go back on the shelf: closing time, SEED_REQUEST_HOLD_DAYS later.

    The hold day is SEED_REQUEST_HOLD_DAYS after the day they were ready, by the branch's calendar; when the
    branch is closed that day (a weekday it never opens, a holiday or a closure), the packets wait until
    closing time on the next day it is open. A branch with no open day in the month after the hold day (no
    opening hours entered) keeps them until the same time of day on the hold day.
    """
    zone = branch.zone
    hold_day = ready_at.astimezone(zone).date() + dt.timedelta(days=settings.SEED_REQUEST_HOLD_DAYS)
    calendar = branch_calendar(
        branch=branch, first_day=hold_day, last_day=hold_day + dt.timedelta(days=PICKUP_SEARCH_DAYS)
    )
    for day in calendar.days():
        if day.is_open:
            closing = dt.datetime.combine(day.date, max(closes for _, closes in day.windows), tzinfo=zone)
            if closing > ready_at:
                return closing.astimezone(dt.UTC)
    local = ready_at.astimezone(zone)
    return (local + dt.timedelta(days=settings.SEED_REQUEST_HOLD_DAYS)).astimezone(dt.UTC)


def pickup_deadline_text(deadline: dt.datetime, *, branch: Branch) -> str:
    """The pickup deadline as every page and email says it: "Thursday 12 March 2026 at 5:00 p.m."."""
    return moment_text(deadline, zone=branch.zone)


def patron_season_usage(*, patron: Patron, season: int) -> tuple[int, dict[int, int]]:
    """Packets held for or lent to the patron in the season: (total, {variety_id: packets})."""
    rows = (
        Loan.objects.filter(patron=patron, season=season, status__in=Loan.COUNTING)
        .values("variety_id")
        .annotate(packets=Sum("packets"))
        .order_by()
    )
    per_variety = {row["variety_id"]: row["packets"] for row in rows}
    return sum(per_variety.values()), per_variety


def patron_by_card(*, card_number: str) -> Patron | None:
    """The card's patron with their seed orientation: the seed desk's lookup for lending, returns and orientations."""
    return patrons_holding_card(card_number).select_related("seed_orientation").first()


def shelf_lots(*, branch: Branch, today: dt.date, search: str = "") -> QuerySet[Lot]:
    """Lendable lots with packets on ``branch``'s shelf, annotated with ``packets`` and as ``lendable_lots``.

    One query: which lots may be lent is worked out once, with the packets on the shelf beside it. Only what
    the shelf shows is loaded (the lot's code, generation and harvest, the variety's names), not the variety's
    long descriptions: a few hundred lots on the shelf would carry them all.
    """
    lots = (
        lendable_lots(today=today)
        .filter(stock__branch=branch, stock__packets__gte=1)
        .annotate(packets=F("stock__packets"))
        .select_related("variety")
        .only("code", "generation", "harvest_year", "variety__common_name", "variety__variety_name")
        .order_by("variety__common_name", "variety__variety_name", "harvest_year", "code")
    )
    if search:
        lots = lots.filter(Q(variety__common_name__icontains=search) | Q(variety__variety_name__icontains=search))
    return lots


def patron_has_orientation(patron: Patron) -> bool:
    return Orientation.objects.filter(patron=patron).exists()


def retest_due(*, today: dt.date) -> QuerySet[Lot]:
    """The yearly audit: available lots last tested SEED_RETEST_MONTHS or more ago (or never).

    Oldest test first (never tested before all), annotated as in ``lots_with_test_results``.
    """
    cutoff = today - relativedelta(months=settings.SEED_RETEST_MONTHS)
    tested_since = GerminationTest.objects.filter(lot=OuterRef("pk"), counted_on__gt=cutoff)
    return (
        lots_with_test_results()
        .filter(status=Lot.Status.AVAILABLE)
        .exclude(Exists(tested_since))
        .select_related("variety")
        .order_by(F("latest_tested_on").asc(nulls_first=True), "code")
    )


# --- One patron's own seed requests and loans (for "My Maker Lab") -------------------------------------------


def patron_seed_requests(*, patron: Patron, season: int) -> list[SeedRequest]:
    """The patron's online requests made in ``season``, newest first, with their packets; two queries."""
    return list(
        SeedRequest.objects.filter(patron=patron, created_at__year=season)
        .select_related("branch")
        .prefetch_related(Prefetch("loans", queryset=Loan.objects.select_related("variety").order_by("pk")))
        .order_by("-created_at", "-pk")
    )


def patron_desk_loans(*, patron: Patron, season: int) -> list[Loan]:
    """Packets lent to the patron at the desk in ``season`` (not through an online request); one query."""
    return list(
        Loan.objects.filter(patron=patron, season=season, request__isnull=True, status=Loan.Status.LENT)
        .select_related("variety", "branch")
        .order_by("-lent_at", "-pk")
    )


def patron_seed_orientation(*, patron: Patron) -> Orientation | None:
    """When the patron completed the seed-saving orientation, or None."""
    return Orientation.objects.filter(patron=patron).first()


def patron_requested_seeds_with_email(*, patron: Patron, email: str) -> bool:
    """Whether ``patron`` gave ``email`` (in any letter case) with one of their seed requests."""
    return SeedRequest.objects.filter(patron=patron, contact_email__iexact=email).exists()


# --- The season report --------------------------------------------------------------------------------------
# The seed library's season report: what was lent, what came back, what was given, and what is running low.
#
# Read by the seed desk's report page and by the stats app's monthly report. Every figure is
# aggregated in the database, in a fixed number of queries whatever the size of the collection.
#
# Definitions (a season is a calendar year in the library's time zone, as in ``selectors.season_of``):
#
# - **Packets lent**: packets of loans counted towards the season that were handed over (status lent);
#   packets still set aside for an online request are not lent yet, and released ones never were.
# - **Unique borrowers**: patrons with at least one packet lent in the season.
# - **Returns**: lots of seed patrons brought back (source "patron return") received during the season,
#   whatever year the seed was grown in. A return brought in January of the next year counts in that
#   next season's returns, and in this season's return rate below.
# - **Return rate of a variety**: of the patrons who borrowed the variety in the *previous* season (the
#   last complete growing season), the share who brought back seed of that variety harvested in that
#   season, whenever they brought it. Seed grown in a season often comes back the following winter or
#   spring, so the current season's own rate is not known until it is over.
# - **Donations**: lots received during the season from a seed company or given by a patron (sources
#   "commercial donation" and "patron donation"); the library's own harvest and returns are not donations.
# - **Stock on hand** (today, not at the end of the season): packets on the shelf of lots that may be
#   lent today (see ``selectors.lendable_lots``).
# - **Low stock**: published varieties whose lendable packets across all branches are at or below the
#   variety's own ``low_stock_threshold``, fewest first.
#
# With ``branch``, lending, borrowers, the return-rate cohort and stock on hand are that branch's;
# returns and donations are the whole library's (a lot belongs to no branch), and so is the low-stock
# list (a variety is low when the library as a whole is short of it).


@dataclass(frozen=True)
class VarietyReturnRate:
    variety_id: int
    variety: str
    borrowers: int
    returned: int

    @property
    def rate_percent(self) -> int:
        return round(100 * self.returned / self.borrowers) if self.borrowers else 0


@dataclass(frozen=True)
class LowStock:
    variety_id: int
    variety: str
    packets: int
    threshold: int


@dataclass(frozen=True)
class SeasonReport:
    season: int
    branch: Branch | None
    packets_lent: int
    unique_borrowers: int
    returns: int
    donations: int
    commercial_donations: int
    patron_donations: int
    stock_on_hand: int
    return_rates: list[VarietyReturnRate]
    low_stock: list[LowStock]

    @property
    def return_season(self) -> int:
        """The season whose borrowers the return rates are about."""
        return self.season - 1

    @property
    def return_rate_percent(self) -> int:
        """All varieties together: returners over borrowers, counting each patron once per variety."""
        borrowers = sum(row.borrowers for row in self.return_rates)
        returned = sum(row.returned for row in self.return_rates)
        return round(100 * returned / borrowers) if borrowers else 0


def _variety_name(common_name: str, variety_name: str) -> str:
    return str(Variety(common_name=common_name, variety_name=variety_name))


def _lending(*, season: int, branch: Branch | None) -> dict[str, int]:
    loans = Loan.objects.filter(season=season, status=Loan.Status.LENT)
    if branch is not None:
        loans = loans.filter(branch=branch)
    return loans.aggregate(packets=Coalesce(Sum("packets"), 0), borrowers=Count("patron", distinct=True))


def _lots_received(*, season: int) -> dict[str, int]:
    received = Q(received_on__year=season)
    return Lot.objects.aggregate(
        returns=Count("pk", filter=received & Q(source=Lot.Source.PATRON_RETURN)),
        commercial=Count("pk", filter=received & Q(source=Lot.Source.COMMERCIAL_DONATION)),
        patron=Count("pk", filter=received & Q(source=Lot.Source.PATRON_DONATION)),
    )


def _return_rates(*, season: int, branch: Branch | None) -> list[VarietyReturnRate]:
    cohort = season - 1
    brought_back = Lot.objects.filter(
        source=Lot.Source.PATRON_RETURN,
        donor_patron=OuterRef("patron"),
        variety=OuterRef("variety"),
        harvest_year=cohort,
    )
    loans = Loan.objects.filter(season=cohort, status=Loan.Status.LENT)
    if branch is not None:
        loans = loans.filter(branch=branch)
    rows = (
        loans.annotate(came_back=Exists(brought_back))
        .values("variety_id", "variety__common_name", "variety__variety_name")
        .annotate(
            borrowers=Count("patron", distinct=True),
            returned=Count("patron", distinct=True, filter=Q(came_back=True)),
        )
        .order_by("variety__common_name", "variety__variety_name")
    )
    return [
        VarietyReturnRate(
            variety_id=row["variety_id"],
            variety=_variety_name(row["variety__common_name"], row["variety__variety_name"]),
            borrowers=row["borrowers"],
            returned=row["returned"],
        )
        for row in rows
    ]


def _lendable_packets(*, today: dt.date) -> dict[tuple[int, int], int]:
    """Packets of lots that may be lent today, by (variety id, branch id): one grouped query."""
    rows = (
        Stock.objects.filter(lot__in=lendable_lots(today=today).values("pk"), packets__gt=0)
        .values("lot__variety_id", "branch_id")
        .annotate(packets=Sum("packets"))
        .order_by()
    )
    return {(row["lot__variety_id"], row["branch_id"]): row["packets"] for row in rows}


def _low_stock(packets: dict[tuple[int, int], int]) -> list[LowStock]:
    per_variety: dict[int, int] = {}
    for (variety_id, _branch_id), count in packets.items():
        per_variety[variety_id] = per_variety.get(variety_id, 0) + count
    varieties = Variety.objects.filter(is_published=True).values(
        "pk", "common_name", "variety_name", "low_stock_threshold"
    )
    low = [
        LowStock(
            variety_id=row["pk"],
            variety=_variety_name(row["common_name"], row["variety_name"]),
            packets=per_variety.get(row["pk"], 0),
            threshold=row["low_stock_threshold"],
        )
        for row in varieties
        if per_variety.get(row["pk"], 0) <= row["low_stock_threshold"]
    ]
    return sorted(low, key=lambda row: (row.packets, row.variety))


def low_stock_varieties(*, today: dt.date) -> list[LowStock]:
    """Published varieties the library as a whole is short of today, fewest packets first (two queries)."""
    return _low_stock(_lendable_packets(today=today))


def season_report(*, season: int, branch: Branch | None = None, today: dt.date | None = None) -> SeasonReport:
    """The report for ``season`` (a year), for one branch or (``branch=None``) the whole library.

    ``today`` is the day stock is counted on (default: today in the library's time zone).
    """
    today = today or timezone.localdate()
    lending = _lending(season=season, branch=branch)
    received = _lots_received(season=season)
    packets = _lendable_packets(today=today)
    return SeasonReport(
        season=season,
        branch=branch,
        packets_lent=lending["packets"],
        unique_borrowers=lending["borrowers"],
        returns=received["returns"],
        donations=received["commercial"] + received["patron"],
        commercial_donations=received["commercial"],
        patron_donations=received["patron"],
        stock_on_hand=sum(
            count for (_variety_id, branch_id), count in packets.items() if branch is None or branch_id == branch.pk
        ),
        return_rates=_return_rates(season=season, branch=branch),
        low_stock=_low_stock(packets),
    )


# --- Figures for the monthly report: a period rather than a season ----------------------------------------------

VARIETIES_SHOWN = 10


def _lent_between(start_at: dt.datetime, end_at: dt.datetime, branch: Branch | None):
    loans = Loan.objects.filter(status=Loan.Status.LENT, lent_at__gte=start_at, lent_at__lt=end_at)
    return loans if branch is None else loans.filter(branch=branch)


def packets_lent(*, start_at: dt.datetime, end_at: dt.datetime, branch: Branch | None = None) -> int:
    """Packets handed to patrons in [start_at, end_at), as ``seed_figures`` counts them: one query."""
    return _lent_between(start_at, end_at, branch).aggregate(packets=Coalesce(Sum("packets"), 0))["packets"]


@dataclass(frozen=True)
class SeedFigures:
    packets_lent: int
    borrowers: int
    returns: int
    donations: int
    stock: int
    return_season: int
    return_borrowers: int
    return_returned: int
    lent_by_variety: list[tuple[str, int]]
    seeds_out: list[tuple[str, int]]

    @property
    def return_rate(self) -> float | None:
        if not self.return_borrowers:
            return None
        return round(100 * self.return_returned / self.return_borrowers, 1)


def seed_figures(
    *, start_at: dt.datetime, end_at: dt.datetime, branch: Branch | None = None, today: dt.date | None = None
) -> SeedFigures:
    """The seed library's figures for [start_at, end_at), with the season report's definitions: seven queries.

    Packets are lent when handed over (``lent_at`` in the period). Returns and donations are lots
    received on a local date in the period, for the whole library (a lot belongs to no branch). The
    return rate is the season report's, for the season the period ends in: last season's borrowers
    who brought back seed. Stock and the varieties out of stock are counted on ``today`` (default:
    now), because the shelf's history is not kept; "out of stock" is at the branch when one is given.
    """
    today = today or timezone.localdate()
    first_day = timezone.localtime(start_at).date()
    end_day = timezone.localtime(end_at).date()
    season = timezone.localtime(end_at - dt.timedelta(microseconds=1)).year
    lent = _lent_between(start_at, end_at, branch)
    lending = lent.aggregate(packets=Coalesce(Sum("packets"), 0), borrowers=Count("patron", distinct=True))
    received = Q(received_on__gte=first_day, received_on__lt=end_day)
    lots = Lot.objects.aggregate(
        returns=Count("pk", filter=received & Q(source=Lot.Source.PATRON_RETURN)),
        donations=Count(
            "pk", filter=received & Q(source__in=(Lot.Source.COMMERCIAL_DONATION, Lot.Source.PATRON_DONATION))
        ),
    )
    packets = _lendable_packets(today=today)
    on_shelf: dict[int, int] = {}
    for (variety_id, branch_id), count in packets.items():
        if branch is None or branch_id == branch.pk:
            on_shelf[variety_id] = on_shelf.get(variety_id, 0) + count
    rates = _return_rates(season=season, branch=branch)
    by_variety = (
        lent.values("variety__common_name", "variety__variety_name")
        .annotate(packets=Sum("packets"))
        .order_by("-packets", "variety__common_name", "variety__variety_name")[:VARIETIES_SHOWN]
    )
    last_season = Loan.objects.filter(season=season - 1, status=Loan.Status.LENT)
    if branch is not None:
        last_season = last_season.filter(branch=branch)
    popular = (
        last_season.values("variety_id", "variety__common_name", "variety__variety_name")
        .annotate(packets=Sum("packets"))
        .order_by("-packets", "variety__common_name", "variety__variety_name")
    )
    return SeedFigures(
        packets_lent=lending["packets"],
        borrowers=lending["borrowers"],
        returns=lots["returns"],
        donations=lots["donations"],
        stock=sum(on_shelf.values()),
        return_season=season - 1,
        return_borrowers=sum(row.borrowers for row in rates),
        return_returned=sum(row.returned for row in rates),
        lent_by_variety=[
            (_variety_name(row["variety__common_name"], row["variety__variety_name"]), row["packets"])
            for row in by_variety
        ],
        seeds_out=[
            (_variety_name(row["variety__common_name"], row["variety__variety_name"]), row["packets"])
            for row in popular
            if not on_shelf.get(row["variety_id"])
        ],
    )


def patron_borrowing():
    """Packets lent as patron activity: ``patron_ref``, ``at`` (when handed over) and ``at_branch`` (for stats)."""
    return Loan.objects.filter(status=Loan.Status.LENT).annotate(
        patron_ref=F("patron_id"), at=F("lent_at"), at_branch=F("branch_id")
    )
