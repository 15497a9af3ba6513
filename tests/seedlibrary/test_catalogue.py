"""The public catalogue: sowing windows, the filters, variety pages, and their query budgets."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from seedlibrary import catalogue
from seedlibrary.models import Category, Difficulty, Loan, Lot, Variety
from tests.factories import (
    BranchFactory,
    GerminationTestFactory,
    LotFactory,
    PatronFactory,
    PlantFamilyFactory,
    StockFactory,
    VarietyFactory,
    lendable_lot,
)

pytestmark = [pytest.mark.django_db, pytest.mark.calendar]


def sowing_now_fields(today: dt.date) -> dict:
    """Fields that make a variety "sow now" in today's month (found from the windows, checked separately)."""
    if catalogue._fall_window(today.year).touches_month(today.year, today.month):
        return {"sow_in_fall": True, "sow_indoors_weeks_before_frost": None}
    for weeks in catalogue.OUTDOOR_WEEKS:
        variety = Variety(direct_sow_weeks_after_frost=weeks)
        if catalogue.sows_now(variety, today=today):
            return {"direct_sow_weeks_after_frost": weeks, "sow_indoors_weeks_before_frost": None}
    for weeks in catalogue.INDOOR_WEEKS:
        variety = Variety(sow_indoors_weeks_before_frost=weeks)
        if catalogue.sows_now(variety, today=today):
            return {"sow_indoors_weeks_before_frost": weeks}
    raise AssertionError(f"No variety can be sown in {today:%B}")


def not_sowing_now_fields(today: dt.date) -> dict:
    for weeks in catalogue.INDOOR_WEEKS:
        if not catalogue.sows_now(Variety(sow_indoors_weeks_before_frost=weeks), today=today):
            return {"sow_indoors_weeks_before_frost": weeks, "direct_sow_weeks_after_frost": None}
    raise AssertionError("Every indoor start fits this month")


# --- Sowing windows -------------------------------------------------------------------------------------------


def test_windows_are_dates_from_the_last_frost(settings):
    settings.SEED_LAST_FROST = "05-15"
    tomato = Variety(sow_indoors_weeks_before_frost=6)
    beans = Variety(direct_sow_weeks_after_frost=1)
    peas = Variety(direct_sow_weeks_after_frost=-6)
    (indoors,) = catalogue.sowing_windows(tomato, year=2026)
    assert (indoors.first, indoors.last) == (dt.date(2026, 4, 3), dt.date(2026, 4, 17))
    assert indoors.text == "Start indoors: 3 April to 17 April"
    (outdoors,) = catalogue.sowing_windows(beans, year=2026)
    assert (outdoors.first, outdoors.last) == (dt.date(2026, 5, 22), dt.date(2026, 6, 19))
    (early,) = catalogue.sowing_windows(peas, year=2026)
    assert early.first == dt.date(2026, 4, 3)


def test_sow_now_is_the_month_of_a_window(settings):
    settings.SEED_LAST_FROST = "05-15"
    tomato = Variety(sow_indoors_weeks_before_frost=6)
    assert catalogue.sows_now(tomato, today=dt.date(2026, 4, 28))
    assert not catalogue.sows_now(tomato, today=dt.date(2026, 3, 1))
    assert not catalogue.sows_now(tomato, today=dt.date(2026, 6, 1))


def test_fall_sowing_is_october_and_november():
    garlic = Variety(sow_in_fall=True)
    assert catalogue.sows_now(garlic, today=dt.date(2026, 11, 28))
    assert catalogue.sows_now(garlic, today=dt.date(2026, 10, 1))
    assert not catalogue.sows_now(garlic, today=dt.date(2026, 12, 1))
    assert catalogue.sowing_summary(garlic, today=dt.date(2026, 11, 28)) == (
        "Sow outdoors in the fall 1 October to 30 November."
    )


def test_a_long_indoor_start_reaches_back_into_december(settings):
    settings.SEED_LAST_FROST = "05-15"
    onion = Variety(sow_indoors_weeks_before_frost=20)  # 26 December 2026 for the 2027 season
    assert catalogue.sows_now(onion, today=dt.date(2026, 12, 10))


def test_after_the_season_the_page_shows_next_years_windows(settings):
    settings.SEED_LAST_FROST = "05-15"
    tomato = Variety(sow_indoors_weeks_before_frost=6)
    season, windows = catalogue.season_windows(tomato, today=dt.date(2026, 11, 28))
    assert season == 2027
    assert windows[0].first == dt.date(2027, 4, 3)
    assert catalogue.season_windows(tomato, today=dt.date(2026, 4, 10))[0] == 2026


@pytest.mark.parametrize("month", range(1, 13))
def test_the_sow_now_filter_agrees_with_the_windows_every_month(month, settings):
    """The SQL filter and the Python rule are one rule, for every value the fields accept."""
    settings.SEED_LAST_FROST = "05-15"
    family = PlantFamilyFactory()
    varieties = [
        Variety(common_name="Indoor", variety_name=str(w), slug=f"in-{w}", sow_indoors_weeks_before_frost=w)
        for w in catalogue.INDOOR_WEEKS
    ]
    varieties += [
        Variety(common_name="Outdoor", variety_name=str(w), slug=f"out-{w}", direct_sow_weeks_after_frost=w)
        for w in catalogue.OUTDOOR_WEEKS
    ]
    varieties += [Variety(common_name="Fall", slug="fall", sow_in_fall=True), Variety(common_name="Never", slug="n")]
    for variety in varieties:
        variety.family, variety.botanical_name, variety.category, variety.difficulty = family, "X", "herb", "easy"
    Variety.objects.bulk_create(varieties)
    today = dt.date(2026, month, 15)
    in_sql = set(Variety.objects.filter(catalogue.sow_now_condition(today=today)).values_list("slug", flat=True))
    in_python = {v.slug for v in Variety.objects.all() if catalogue.sows_now(v, today=today)}
    assert in_sql == in_python
    assert in_sql  # some seed can be sown in every month


# --- The list -------------------------------------------------------------------------------------------------


def _names(response) -> list[str]:
    return [str(card.variety) for card in response.context["cards"]]


def test_the_list_shows_published_varieties_with_difficulty_in_words_and_availability(client, branch):
    shelf = VarietyFactory(common_name="Bean", variety_name="Provider", difficulty=Difficulty.EASY)
    lendable_lot(branch=branch, packets=4, variety=shelf)
    VarietyFactory(common_name="Squash", variety_name="Delicata", difficulty=Difficulty.ADVANCED)
    VarietyFactory(common_name="Secret", variety_name="Draft", is_published=False)
    response = client.get(reverse("seeds:list"))
    assert response.status_code == 200
    assert _names(response) == ["Bean 'Provider'", "Squash 'Delicata'"]
    page = response.content.decode()
    assert "Seed saving: Easy" in page and "Seed saving: Advanced" in page
    assert "4 packets on the shelf" in page
    assert "None on the shelf just now" in page
    assert "Secret" not in page


def test_lots_that_may_not_be_lent_are_not_counted_as_available(client, branch):
    variety = VarietyFactory(common_name="Pepper", variety_name="Hot")
    StockFactory(lot=LotFactory(variety=variety, status=Lot.Status.QUARANTINE), branch=branch, packets=9)
    failing = LotFactory(variety=variety, status=Lot.Status.AVAILABLE)
    GerminationTestFactory(lot=failing, seeds_tested=20, seeds_sprouted=10)
    StockFactory(lot=failing, branch=branch, packets=8)
    old = LotFactory(variety=variety, status=Lot.Status.AVAILABLE, harvest_year=timezone.localdate().year - 10)
    GerminationTestFactory(lot=old)
    StockFactory(lot=old, branch=branch, packets=7)
    response = client.get(reverse("seeds:list"), {"available": "on"})
    assert _names(response) == []
    assert client.get(reverse("seeds:list")).context["cards"][0].availability == "None on the shelf just now"


def test_filters_kind_difficulty_available_and_name(client, branch):
    tomato = VarietyFactory(common_name="Tomato", variety_name="Brandywine", botanical_name="Solanum lycopersicum")
    lendable_lot(branch=branch, variety=tomato)
    VarietyFactory(
        common_name="Basil", variety_name="Genovese", category=Category.HERB, difficulty=Difficulty.INTERMEDIATE
    )
    VarietyFactory(common_name="Milkweed", variety_name="", category=Category.NATIVE, botanical_name="Asclepias")
    url = reverse("seeds:list")
    assert _names(client.get(url, {"category": "herb"})) == ["Basil 'Genovese'"]
    assert _names(client.get(url, {"difficulty": "intermediate"})) == ["Basil 'Genovese'"]
    assert _names(client.get(url, {"available": "on"})) == ["Tomato 'Brandywine'"]
    assert _names(client.get(url, {"q": "brandy"})) == ["Tomato 'Brandywine'"]
    assert _names(client.get(url, {"q": "asclepias"})) == ["Milkweed"]
    assert _names(client.get(url, {"q": "genovese", "category": "herb"})) == ["Basil 'Genovese'"]


def test_sow_now_filter(client):
    today = timezone.localdate()
    VarietyFactory(common_name="Now", variety_name="A", **sowing_now_fields(today))
    VarietyFactory(common_name="Later", variety_name="B", **not_sowing_now_fields(today))
    assert _names(client.get(reverse("seeds:list"), {"sow_now": "on"})) == ["Now 'A'"]


@pytest.mark.parametrize(
    "query",
    [
        {"category": "rocket"},
        {"difficulty": "'; drop table seedlibrary_variety; --"},
        {"sow_now": "\x00"},
        {"available": "maybe"},
        {"q": "<script>alert(1)</script>"},
        {"q": "x" * 5000},
        {"page": "-1"},
        {"page": "99999"},
        {"page": "abc"},
    ],
)
def test_hostile_filter_values_never_fail(client, query):
    VarietyFactory()
    response = client.get(reverse("seeds:list"), query)
    assert response.status_code == 200
    assert "<script>alert" not in response.content.decode()


def test_an_unreadable_kind_is_explained_on_the_form(client):
    response = client.get(reverse("seeds:list"), {"category": "rocket"})
    assert "Select a valid choice" in response.content.decode()


def test_the_list_is_paginated_and_pages_keep_the_filters(client):
    for n in range(30):
        VarietyFactory(common_name="Lettuce", variety_name=f"L{n:02d}", category=Category.VEGETABLE)
    response = client.get(reverse("seeds:list"), {"category": "vegetable"})
    assert len(response.context["cards"]) == 24
    assert "category=vegetable&amp;page=2" in response.content.decode()
    assert len(client.get(reverse("seeds:list"), {"category": "vegetable", "page": 2}).context["cards"]) == 6


def _catalogue_of(size: int, branch) -> None:
    """Easy varieties on the shelf that can be sown this month, whatever month the test runs in."""
    sow_now = {"sow_in_fall": False, **sowing_now_fields(timezone.localdate())}
    for _ in range(size):
        variety = VarietyFactory(difficulty=Difficulty.EASY, **sow_now)
        lendable_lot(branch=branch, variety=variety, packets=3)
        LotFactory(variety=variety)


@pytest.mark.parametrize(
    "query", [{}, {"difficulty": "easy", "sow_now": "on", "available": "on", "q": "tomato", "category": "vegetable"}]
)
def test_the_list_takes_the_same_queries_at_two_sizes(client, branch, django_assert_num_queries, query):
    _catalogue_of(3, branch)
    with django_assert_num_queries(2):  # count, page
        client.get(reverse("seeds:list"), query)
    _catalogue_of(30, branch)
    with django_assert_num_queries(2):
        response = client.get(reverse("seeds:list"), query)
    assert len(response.context["cards"]) == 24


def test_the_list_with_a_request_basket_takes_the_same_queries_at_two_sizes(client, branch, django_assert_num_queries):
    def fill_basket(size: int) -> None:
        for variety in Variety.objects.filter(is_published=True).order_by("-pk")[:size]:
            client.post(reverse("seeds:basket_add"), {"variety": str(variety.pk), "back": "/seeds/"})

    _catalogue_of(3, branch)
    fill_basket(1)
    with django_assert_num_queries(3):  # count, page, the seeds in the basket (the session is in the cache)
        client.get(reverse("seeds:list"))
    _catalogue_of(30, branch)
    fill_basket(8)
    with django_assert_num_queries(3):
        response = client.get(reverse("seeds:list"), {"page": 2})
    assert len(response.context["basket"]) == 9


# --- A variety page -------------------------------------------------------------------------------------------


def test_a_variety_page_gives_guidance_windows_and_counts_per_branch_only(client, settings):
    settings.SEED_LAST_FROST = "05-15"
    central = BranchFactory(name="Central Library", slug="central", display_order=1)
    east = BranchFactory(name="East Branch", slug="east", display_order=2)
    variety = VarietyFactory(
        common_name="Tomato",
        variety_name="Brandywine",
        sow_indoors_weeks_before_frost=6,
        difficulty=Difficulty.EASY,
        difficulty_reason="Flowers pollinate themselves before they open.",
        isolation_distance_m=3,
        growing_notes="Stake the plants.",
        saving_notes="Ferment the seeds for three days.",
    )
    lot = lendable_lot(branch=central, variety=variety, packets=5)
    borrower = PatronFactory(first_name="Hortense", last_name="Borrowsalot")
    Loan.objects.create(
        patron=borrower,
        variety=variety,
        lot=lot,
        branch=central,
        season=2026,
        status=Loan.Status.LENT,
        lent_at=timezone.now(),
    )
    response = client.get(reverse("seeds:variety", args=[variety.slug]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Flowers pollinate themselves before they open." in page
    assert "Seed saving: Easy" in page
    assert "Stake the plants." in page and "Ferment the seeds" in page
    assert "Start indoors:</strong> " in page and "April to" in page
    rows = [(row.branch.name, row.packets) for row in response.context["branches"]]
    assert rows == [("Central Library", 5), ("East Branch", 0)]
    assert "Hortense" not in page and "Borrowsalot" not in page and borrower.card_number not in page
    assert east.name in page


def test_an_unpublished_or_unknown_variety_is_not_found(client):
    draft = VarietyFactory(is_published=False)
    assert client.get(reverse("seeds:variety", args=[draft.slug])).status_code == 404
    assert client.get("/seeds/no-such-seed/").status_code == 404


def test_a_variety_page_takes_the_same_queries_at_two_sizes(client, django_assert_num_queries):
    variety = VarietyFactory()
    branches = [BranchFactory() for _ in range(2)]
    for branch in branches:
        lendable_lot(branch=branch, variety=variety)
    url = reverse("seeds:variety", args=[variety.slug])
    with django_assert_num_queries(3):  # variety, counts per branch, branches
        client.get(url)
    for _ in range(10):
        branch = BranchFactory()
        lendable_lot(branch=branch, variety=variety)
        LotFactory(variety=variety)
    with django_assert_num_queries(3):
        response = client.get(url)
    assert len(response.context["branches"]) == 12
