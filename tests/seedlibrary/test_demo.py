"""The demo seed library: a realistic catalogue, lots with lineage and tests, and lending that adds up."""

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Count, F, Max, Sum
from django.utils import timezone

from seedlibrary.demo import seedlibrary_demo_load
from seedlibrary.models import (
    Category,
    GerminationTest,
    Loan,
    Lot,
    Orientation,
    PlantFamily,
    SeedRequest,
    Stock,
    Variety,
)
from tests.factories import PatronFactory

pytestmark = [pytest.mark.django_db, pytest.mark.calendar]


@pytest.fixture
def demo(branch, assistant):
    """The seed demo alone, on 40 patrons: what load_demo calls after the other apps' demos."""
    PatronFactory.create_batch(40)
    return seedlibrary_demo_load(branch=branch, now=timezone.now(), scale=1)


def counts() -> dict[str, int]:
    models = (PlantFamily, Variety, Lot, GerminationTest, Stock, Orientation, SeedRequest, Loan)
    return {model.__name__: model.objects.count() for model in models}


def test_the_catalogue_has_about_eighty_local_varieties_with_their_families(demo):
    assert 75 <= Variety.objects.filter(is_published=True).count() <= 90
    assert set(Variety.objects.values_list("category", flat=True)) == set(Category.values)
    milkweed = Variety.objects.get(common_name="Common milkweed")
    assert milkweed.botanical_name == "Asclepias syriaca" and milkweed.category == Category.NATIVE
    assert milkweed.sow_in_fall
    assert Variety.objects.get(common_name="New England aster").botanical_name == "Symphyotrichum novae-angliae"
    years = dict(PlantFamily.objects.values_list("name", "viability_years"))
    assert (years["Solanaceae"], years["Fabaceae"], years["Asteraceae"]) == (4, 3, 5)
    assert not Variety.objects.filter(saving_notes="").exists()
    assert not Variety.objects.filter(difficulty_reason="").exists()


def test_lots_have_sources_lineage_and_tests(demo):
    sources = set(Lot.objects.values_list("source", flat=True))
    assert sources == set(Lot.Source.values)
    second = Lot.objects.filter(source=Lot.Source.PATRON_RETURN, generation=2).select_related("parent_lot").first()
    assert second.parent_lot.variety_id == second.variety_id
    assert second.donor_patron is not None
    assert Lot.objects.filter(status=Lot.Status.QUARANTINE).count() >= 1
    failed = GerminationTest.objects.filter(seeds_sprouted__lt=14)  # below 70 % of 20
    assert 1 <= failed.count() <= 3
    assert not failed.filter(lot__status=Lot.Status.AVAILABLE).exists()
    onion = Lot.objects.get(variety__common_name="Onion")
    assert onion.harvest_year + onion.variety.viability_years < Loan.objects.aggregate(Max("season"))["season__max"]
    assert not onion.loans.exists()


def test_lending_stays_within_stock_rules_and_limits(demo):
    assert Loan.objects.filter(status=Loan.Status.LENT).count() > 100
    per_season = Loan.objects.filter(status__in=Loan.COUNTING).values("patron", "season").annotate(n=Sum("packets"))
    assert max(row["n"] for row in per_season) <= settings.SEED_PACKETS_PER_SEASON
    per_variety = Loan.objects.values("patron", "season", "variety").annotate(n=Sum("packets"))
    assert max(row["n"] for row in per_variety) <= settings.SEED_PACKETS_PER_VARIETY
    borrowers = set(Loan.objects.values_list("patron_id", flat=True))
    oriented = set(Orientation.objects.values_list("patron_id", flat=True))
    assert borrowers <= oriented
    lent_lots = Lot.objects.filter(loans__isnull=False).distinct()
    assert not lent_lots.exclude(status=Lot.Status.AVAILABLE).exists()
    assert not lent_lots.annotate(tests=Count("germination_tests")).filter(tests=0).exists()
    assert Loan.objects.exclude(variety=F("lot__variety")).count() == 0


def test_online_requests_wait_at_the_desk_one_set_aside(demo):
    requests = SeedRequest.objects.filter(status__in=SeedRequest.OPEN)
    assert requests.count() == 3
    assert requests.filter(status=SeedRequest.Status.READY).count() == 1
    for request in requests:
        assert request.loans.filter(status=Loan.Status.HELD).count() == 3
        assert request.expires_at > request.created_at


def test_load_demo_loads_it_and_running_twice_creates_nothing_new(demo):
    before = counts()
    assert before["Variety"] >= 75 and before["Loan"] > 100
    call_command("load_demo", force=True)
    assert counts() == before
