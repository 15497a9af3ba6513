"""Reads for the seed library: which lots may be lent, what a patron has borrowed this season, what to re-test.

A lot is lendable when it is available, its latest germination test reaches the threshold
(inclusive: 70% passes at a 70% threshold) and its seed is within its viability: harvest year plus
the variety's (or else its family's) viability years is not before the season.
"""

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Exists, F, FloatField, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from makerlab.formatting import moment_text
from makerlab.models import Branch, Patron
from makerlab.selectors import branch_calendar, patrons_holding_card
from seedlibrary.models import GerminationTest, Loan, Lot, Orientation, SeedRequest

# How far past the hold day to look for a day the branch is open (a closure of a few weeks still ends).
PICKUP_SEARCH_DAYS = 31


def season_of(moment: dt.datetime) -> int:
    """The growing season a moment belongs to: the calendar year in the library's time zone."""
    return timezone.localtime(moment).year


def _latest_test() -> QuerySet[GerminationTest]:
    return GerminationTest.objects.filter(lot=OuterRef("pk")).order_by("-counted_on", "-pk")


def lots_with_test_results() -> QuerySet[Lot]:
    """Lots annotated with ``latest_rate`` (percent, exact), ``latest_tested_on`` and ``viable_until`` (a year).

    ``latest_rate`` and ``latest_tested_on`` are None for a lot that was never tested.
    """
    latest = _latest_test()
    rate = Cast(F("seeds_sprouted"), FloatField()) * 100.0 / Cast(F("seeds_tested"), FloatField())
    return Lot.objects.annotate(
        latest_rate=Subquery(latest.annotate(rate=rate).values("rate")[:1], output_field=FloatField()),
        latest_tested_on=Subquery(latest.values("counted_on")[:1]),
        viable_until=F("harvest_year")
        + Coalesce(F("variety__viability_years"), F("variety__family__viability_years"), output_field=IntegerField()),
    )


def lendable_lots(*, today: dt.date) -> QuerySet[Lot]:
    """Lots that may be lent on ``today``, annotated as in ``lots_with_test_results``."""
    return lots_with_test_results().filter(
        status=Lot.Status.AVAILABLE,
        latest_rate__gte=settings.SEED_GERMINATION_THRESHOLD,
        viable_until__gte=today.year,
    )


def lot_is_lendable(lot: Lot, *, today: dt.date) -> bool:
    return lendable_lots(today=today).filter(pk=lot.pk).exists()


def lot_passes_latest_test(lot: Lot, *, today: dt.date) -> bool:
    """Whether the lot's latest test reaches the threshold and its seed is still viable, whatever its status."""
    return (
        lots_with_test_results()
        .filter(pk=lot.pk, latest_rate__gte=settings.SEED_GERMINATION_THRESHOLD, viable_until__gte=today.year)
        .exists()
    )


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

    One query: which lots may be lent is worked out once, with the packets on the shelf beside it.
    """
    lots = (
        lendable_lots(today=today)
        .filter(stock__branch=branch, stock__packets__gte=1)
        .annotate(packets=F("stock__packets"))
        .select_related("variety")
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
