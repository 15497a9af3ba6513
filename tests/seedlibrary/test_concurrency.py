"""Real parallel transactions at PostgreSQL: the row locks, not luck, keep packets within stock and limits."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from seedlibrary import services
from seedlibrary.models import Loan, SeedRequest, Stock
from tests.concurrency import run_together
from tests.factories import BranchFactory, OrientationFactory, PatronFactory, VarietyFactory, lendable_lot
from tests.refusals import refusal_codes


def refusals(results: list[object]) -> list[ValidationError]:
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, ValidationError)]
    assert not unexpected, unexpected
    return [r for r in results if isinstance(r, ValidationError)]


@pytest.mark.django_db(transaction=True)
def test_twelve_people_at_the_desk_and_online_for_five_packets_get_exactly_five():
    branch = BranchFactory()
    lot = lendable_lot(branch=branch, packets=5, harvest_year=timezone.localdate().year - 1)
    patrons = [OrientationFactory(patron=PatronFactory(email=f"p{n}@example.com")).patron for n in range(12)]
    now = timezone.now()
    desk = [
        lambda patron=patron: services.loan_create(patron=patron, branch=branch, lots=[lot], by=None, now=now)
        for patron in patrons[:6]
    ]
    online = [
        lambda patron=patron: services.seed_request_create(
            card_number=patron.card_number, email=patron.email, branch=branch, varieties=[lot.variety], now=now
        )
        for patron in patrons[6:]
    ]
    results = run_together(desk + online)
    refused = refusals(results)
    assert len(results) == 12
    assert len(refused) == 7
    assert all(refusal_codes(error) == ["none_left"] for error in refused), refused
    assert Stock.objects.get(lot=lot, branch=branch).packets == 0
    assert Loan.objects.filter(lot=lot, status__in=Loan.COUNTING).count() == 5
    assert SeedRequest.objects.count() == Loan.objects.filter(status=Loan.Status.HELD).count()


@pytest.mark.django_db(transaction=True)
def test_one_patron_borrowing_fifteen_varieties_at_once_gets_exactly_the_season_s_ten(settings):
    settings.SEED_PACKETS_PER_SEASON = 10
    branch = BranchFactory()
    patron = OrientationFactory(patron=PatronFactory(email="keen@example.com")).patron
    year = timezone.localdate().year - 1
    lots = [lendable_lot(branch=branch, packets=3, harvest_year=year) for _ in range(15)]
    now = timezone.now()
    desk = [
        lambda lot=lot: services.loan_create(patron=patron, branch=branch, lots=[lot], by=None, now=now)
        for lot in lots[:8]
    ]
    online = [
        lambda lot=lot: services.seed_request_create(
            card_number=patron.card_number, email=patron.email, branch=branch, varieties=[lot.variety], now=now
        )
        for lot in lots[8:]
    ]
    results = run_together(desk + online)
    refused = refusals(results)
    assert len(refused) == 5
    assert all(refusal_codes(error) == ["season_limit"] for error in refused), refused
    assert Loan.objects.filter(patron=patron, status__in=Loan.COUNTING).count() == 10
    assert sum(Stock.objects.filter(branch=branch).values_list("packets", flat=True)) == 15 * 3 - 10


@pytest.mark.django_db(transaction=True)
def test_one_patron_asking_twice_at_once_for_one_variety_gets_one_packet():
    branch = BranchFactory()
    patron = OrientationFactory(patron=PatronFactory(email="twice@example.com")).patron
    variety = VarietyFactory()
    year = timezone.localdate().year - 1
    first = lendable_lot(branch=branch, packets=5, variety=variety, harvest_year=year)
    second = lendable_lot(branch=branch, packets=5, variety=variety, harvest_year=year)
    now = timezone.now()
    calls = [
        lambda lot=lot: services.loan_create(patron=patron, branch=branch, lots=[lot], by=None, now=now)
        for lot in (first, second) * 4
    ]
    refused = refusals(run_together(calls))
    assert len(refused) == 7
    assert Loan.objects.filter(patron=patron).count() == 1


@pytest.mark.django_db(transaction=True)
def test_expiry_cancel_and_pickup_at_the_same_moment_return_the_packets_at_most_once():
    branch = BranchFactory()
    lot = lendable_lot(branch=branch, packets=3, harvest_year=timezone.localdate().year - 1)
    patron = OrientationFactory(patron=PatronFactory(email="late@example.com")).patron
    now = timezone.now()
    seed_request = services.seed_request_create(
        card_number=patron.card_number, email=patron.email, branch=branch, varieties=[lot.variety], now=now
    )
    later = seed_request.expires_at
    calls = [lambda: services.seed_requests_expire(now=later) for _ in range(4)] + [
        lambda: services.seed_request_cancel(seed_request=seed_request, now=later) for _ in range(4)
    ]
    refusals(run_together(calls))
    seed_request.refresh_from_db()
    assert seed_request.status in (SeedRequest.Status.EXPIRED, SeedRequest.Status.CANCELLED)
    assert Stock.objects.get(lot=lot, branch=branch).packets == 3
    assert seed_request.loans.get().status == Loan.Status.RELEASED
