"""The season report (seedlibrary/selectors.py): each figure as defined there, per branch, in fixed queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from seedlibrary import services
from seedlibrary.models import Lot
from seedlibrary.selectors import season_report
from tests.factories import (
    BranchFactory,
    LotFactory,
    OrientationFactory,
    PatronFactory,
    StockFactory,
    VarietyFactory,
    lendable_lot,
)

pytestmark = pytest.mark.django_db

THIS = timezone.localdate().year
LAST = THIS - 1


def in_spring(year: int) -> dt.datetime:
    return dt.datetime(year, 5, 2, 15, 0, tzinfo=dt.UTC)


def borrower(**fields):
    patron = PatronFactory(**fields)
    OrientationFactory(patron=patron)
    return patron


def lend(patron, branch, *lots, year: int = THIS):
    return services.loan_create(patron=patron, branch=branch, lots=list(lots), by=None, now=in_spring(year))


def returned(patron, variety, *, harvest_year: int, received_on: dt.date, parent_lot=None) -> Lot:
    return LotFactory(
        variety=variety,
        source=Lot.Source.PATRON_RETURN,
        donor_patron=patron,
        donor_name="",
        parent_lot=parent_lot,
        generation=parent_lot.generation + 1 if parent_lot else 1,
        harvest_year=harvest_year,
        received_on=received_on,
    )


@pytest.fixture
def tomato():
    return VarietyFactory(common_name="Tomato", variety_name="Brandywine", low_stock_threshold=5)


@pytest.fixture
def bean():
    return VarietyFactory(common_name="Bean", variety_name="Provider", low_stock_threshold=5)


def test_packets_lent_and_borrowers_count_packets_handed_over_in_the_season(branch, tomato, bean):
    elsewhere = BranchFactory(name="Southwold", slug="southwold")
    tomatoes, beans = lendable_lot(branch=branch, variety=tomato), lendable_lot(branch=branch, variety=bean)
    far_tomatoes = lendable_lot(branch=elsewhere, variety=tomato)
    doris, harold, mei, last_year = borrower(), borrower(), borrower(), borrower()
    lend(doris, branch, tomatoes, beans)
    lend(harold, branch, tomatoes)
    lend(mei, elsewhere, far_tomatoes)
    lend(last_year, branch, tomatoes, year=LAST)
    held = services.seed_request_create(
        card_number=borrower().card_number,
        email="held@example.net",
        branch=branch,
        varieties=[bean],
        now=timezone.now(),
    )
    cancelled = services.seed_request_create(
        card_number=borrower().card_number,
        email="cancelled@example.net",
        branch=branch,
        varieties=[tomato],
        now=timezone.now(),
    )
    services.seed_request_cancel(seed_request=cancelled, now=timezone.now())

    library = season_report(season=THIS)
    assert (library.packets_lent, library.unique_borrowers) == (4, 3)
    central = season_report(season=THIS, branch=branch)
    assert (central.packets_lent, central.unique_borrowers) == (3, 2)
    assert season_report(season=LAST).packets_lent == 1

    services.seed_request_pick_up(seed_request=held, by=None, now=timezone.now())
    assert season_report(season=THIS, branch=branch).packets_lent == 4


def test_returns_and_donations_are_lots_received_during_the_season(tomato, bean):
    patron = borrower()
    returned(patron, tomato, harvest_year=LAST, received_on=dt.date(THIS, 1, 20))
    returned(patron, bean, harvest_year=THIS, received_on=dt.date(THIS, 1, 21))
    returned(patron, bean, harvest_year=LAST, received_on=dt.date(LAST, 10, 2))
    LotFactory(variety=tomato, source=Lot.Source.COMMERCIAL_DONATION, received_on=dt.date(THIS, 2, 1))
    LotFactory(
        variety=bean, source=Lot.Source.PATRON_DONATION, donor_name="Elgin Seed Savers", received_on=dt.date(THIS, 3, 1)
    )
    LotFactory(variety=bean, source=Lot.Source.PATRON_DONATION, received_on=dt.date(LAST, 12, 31))
    LotFactory(variety=bean, source=Lot.Source.LIBRARY_GROWN, received_on=dt.date(THIS, 3, 1))

    report = season_report(season=THIS)
    assert report.returns == 2
    assert (report.donations, report.commercial_donations, report.patron_donations) == (2, 1, 1)
    earlier = season_report(season=LAST)
    assert (earlier.returns, earlier.donations) == (1, 1)


def test_return_rate_is_last_seasons_borrowers_who_brought_back_seed_grown_that_season(branch, tomato, bean):
    tomatoes, beans = lendable_lot(branch=branch, variety=tomato), lendable_lot(branch=branch, variety=bean)
    doris, harold, mei = borrower(), borrower(), borrower()
    lend(doris, branch, tomatoes, beans, year=LAST)
    lend(harold, branch, tomatoes, year=LAST)
    lend(mei, branch, beans, year=LAST)
    lend(mei, branch, tomatoes)  # this season: not in the cohort
    returned(doris, tomato, harvest_year=LAST, received_on=dt.date(THIS, 2, 1), parent_lot=tomatoes)
    returned(doris, tomato, harvest_year=LAST, received_on=dt.date(THIS, 3, 1))  # twice: still one returner
    returned(harold, bean, harvest_year=LAST, received_on=dt.date(THIS, 2, 1))  # he borrowed tomatoes, not beans
    returned(mei, bean, harvest_year=LAST - 1, received_on=dt.date(LAST, 2, 1))  # grown before she borrowed

    report = season_report(season=THIS)
    rates = {row.variety: (row.borrowers, row.returned, row.rate_percent) for row in report.return_rates}
    assert rates == {"Bean 'Provider'": (2, 0, 0), "Tomato 'Brandywine'": (2, 1, 50)}
    assert report.return_season == LAST
    assert report.return_rate_percent == 25
    assert season_report(season=LAST).return_rates == []


def test_stock_on_hand_counts_lendable_packets_and_low_stock_lists_varieties_at_their_threshold(branch, tomato, bean):
    elsewhere = BranchFactory(name="Southwold", slug="southwold")
    lendable_lot(branch=branch, variety=tomato, packets=3)
    lendable_lot(branch=elsewhere, variety=tomato, packets=2)  # 5 across branches: at the threshold
    lendable_lot(branch=branch, variety=bean, packets=6)
    StockFactory(lot=LotFactory(variety=bean, status=Lot.Status.QUARANTINE), branch=branch, packets=40)
    failed = LotFactory(variety=tomato, status=Lot.Status.AVAILABLE)
    StockFactory(lot=failed, branch=branch, packets=30)
    failed.germination_tests.create(
        started_on=dt.date(THIS, 1, 1), counted_on=dt.date(THIS, 1, 10), seeds_tested=20, seeds_sprouted=10
    )
    empty = VarietyFactory(common_name="Pea", variety_name="Lincoln", low_stock_threshold=2)
    VarietyFactory(common_name="Pea", variety_name="Secret", is_published=False)

    report = season_report(season=THIS)
    assert report.stock_on_hand == 11
    assert season_report(season=THIS, branch=branch).stock_on_hand == 9
    low = [(row.variety, row.packets, row.threshold) for row in report.low_stock]
    assert low == [(str(empty), 0, 2), ("Tomato 'Brandywine'", 5, 5)]


def _size(branch, count: int) -> None:
    for number in range(count):
        variety = VarietyFactory()
        lot = lendable_lot(branch=branch, variety=variety, packets=1 + number % 7)
        patron = borrower()
        lend(patron, branch, lot, year=LAST)
        returned(patron, variety, harvest_year=LAST, received_on=dt.date(THIS, 1, 5), parent_lot=lot)
        LotFactory(variety=variety, received_on=dt.date(THIS, 2, 1))


def test_the_report_takes_the_same_number_of_queries_at_two_sizes(branch):
    _size(branch, 3)
    with CaptureQueriesContext(connection) as small:
        season_report(season=THIS, branch=branch)
    _size(branch, 12)
    with CaptureQueriesContext(connection) as large:
        report = season_report(season=THIS, branch=branch)
    assert len(report.return_rates) == 15
    assert len(small.captured_queries) == len(large.captured_queries) <= 6
