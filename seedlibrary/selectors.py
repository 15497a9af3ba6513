"""Reads for the seed library: which lots may be lent, what a patron has borrowed this season, what to re-test.

A lot is lendable when it is available, its latest germination test reaches the threshold
(inclusive: 70% passes at a 70% threshold) and its seed is within its viability: harvest year plus
the variety's (or else its family's) viability years is not before the season.
"""

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Exists, F, FloatField, IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from makerlab.models import Patron
from seedlibrary.models import GerminationTest, Loan, Lot, Orientation


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
