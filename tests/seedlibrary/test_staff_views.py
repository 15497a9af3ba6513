"""The seed desk: who may use it, lending by card, orientations, online requests, returns and the report.

Every form gets bad input (unknown or invalid cards, no orientation, over a limit, a lot from another
branch, negative or future numbers, hostile text): a message on the page, nothing saved, never a 500.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.html import escape

from makerlab.models import Notification, Patron
from seedlibrary import selectors, services
from seedlibrary.models import Loan, Lot, Orientation, SeedRequest, Stock
from tests.factories import (
    BranchFactory,
    GerminationTestFactory,
    LotFactory,
    OrientationFactory,
    PatronFactory,
    StockFactory,
    VarietyFactory,
    lendable_lot,
)
from tests.refusals import refusal_codes

pytestmark = pytest.mark.django_db

HOSTILE = ["<script>alert(1)</script>", "x' OR 1=1 --", "\x00\x1b", "9" * 500, "\uff21\uff22\uff23", "-1"]


@pytest.fixture
def desk(client, assistant):
    client.force_login(assistant)
    return client


@pytest.fixture
def doris(db):
    patron = PatronFactory(first_name="Doris", last_name="Campbell")
    OrientationFactory(patron=patron)
    return patron


@pytest.fixture
def tomatoes(branch):
    return lendable_lot(
        branch=branch, packets=4, variety=VarietyFactory(common_name="Tomato", variety_name="Brandywine")
    )


@pytest.fixture
def beans(branch):
    return lendable_lot(branch=branch, packets=4, variety=VarietyFactory(common_name="Bean", variety_name="Provider"))


def packets(lot) -> int:
    return Stock.objects.get(lot=lot).packets


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def refused(response) -> dict[str, list[str]]:
    """The codes of the errors on the page's form, field by field; each message is on the page too."""
    html = page(response)
    errors = response.context["form"].errors.as_data()
    assert all(escape(error.message) in html for field_errors in errors.values() for error in field_errors)
    return {field: refusal_codes(ValidationError(field_errors)) for field, field_errors in errors.items()}


def nothing_lent(*lots) -> bool:
    return not Loan.objects.exists() and all(packets(lot) == 4 for lot in lots)


# Who may use it

PAGES = ["/staff/seeds/", "/staff/seeds/orientation/", "/staff/seeds/requests/", "/staff/seeds/returns/"]


@pytest.mark.parametrize("url", [*PAGES, "/staff/seeds/report/"])
def test_the_public_and_volunteers_cannot_use_the_seed_desk(client, volunteer, board_member, branch, url):
    assert client.get(url).status_code == 302
    client.force_login(volunteer)
    assert client.get(url).status_code == 403
    client.force_login(board_member)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", [*PAGES, "/staff/seeds/report/"])
def test_assistants_and_the_coordinator_use_every_desk_page(client, assistant, coordinator, branch, url):
    for user in (assistant, coordinator):
        client.force_login(user)
        assert "Seed desk" in page(client.get(url))


def test_the_staff_menu_links_to_the_seed_desk(desk, branch):
    assert 'href="/staff/seeds/"' in page(desk.get("/staff/seeds/requests/"))


# Lending


def test_looking_up_a_card_shows_the_patron_their_season_and_the_shelf(desk, branch, doris, tomatoes, beans):
    elsewhere = lendable_lot(branch=BranchFactory(name="Southwold", slug="southwold"))
    quarantined = LotFactory(variety=tomatoes.variety)
    Stock.objects.create(lot=quarantined, branch=branch, packets=9)
    services.loan_create(patron=doris, branch=branch, lots=[beans], by=None, now=timezone.now())
    html = page(desk.get("/staff/seeds/", {"card_number": doris.card_number}))
    assert "Doris Campbell" in html
    assert "Completed" in html
    assert "1 of 10 used; 9 left" in html
    assert tomatoes.code in html and beans.code in html
    assert "Already borrowed this season" in html
    assert quarantined.code not in html
    assert elsewhere.code not in html


def test_a_patron_without_orientation_is_shown_the_way_to_record_it(desk, branch, tomatoes):
    patron = PatronFactory(first_name="Harold", last_name="Fraser")
    html = page(desk.get("/staff/seeds/", {"card_number": patron.card_number}))
    assert "Not yet." in html
    assert f"/staff/seeds/orientation/?branch={branch.slug}&amp;card_number={patron.card_number}" in html


def test_lending_takes_one_packet_of_each_chosen_lot(desk, branch, doris, tomatoes, beans):
    response = desk.post(
        "/staff/seeds/", {"card_number": doris.card_number, "branch": branch.slug, "lots": [tomatoes.pk, beans.pk]}
    )
    assert response.status_code == 302
    assert response.url == f"/staff/seeds/?branch={branch.slug}&card_number={doris.card_number}"
    html = page(desk.get(response.url))
    assert "Lent 2 packets to Doris Campbell" in html
    assert (packets(tomatoes), packets(beans)) == (3, 3)
    assert Loan.objects.filter(patron=doris, status=Loan.Status.LENT).count() == 2


@pytest.mark.parametrize("card", ["", "12345", "abcd", *HOSTILE])
def test_an_invalid_card_is_refused_on_the_lookup_form(desk, branch, card):
    html = page(desk.get("/staff/seeds/", {"card_number": card}))
    assert "is-invalid" in html or "This field is required" in html


def test_an_unknown_card_says_so_and_offers_the_orientation(desk, branch):
    unknown = PatronFactory.build().card_number
    html = page(desk.get("/staff/seeds/", {"card_number": unknown}))
    assert "No patron has this library card" in html


def test_lending_without_an_orientation_is_refused_on_the_form(desk, branch, tomatoes):
    patron = PatronFactory()
    response = desk.post("/staff/seeds/", {"card_number": patron.card_number, "lots": [tomatoes.pk]})
    assert "The packets were not lent" in page(response)
    assert refused(response) == {"__all__": ["orientation_needed"]}
    assert nothing_lent(tomatoes)


def test_lending_over_the_season_limit_is_refused(desk, branch, doris, tomatoes, beans, settings):
    settings.SEED_PACKETS_PER_SEASON = 1
    response = desk.post("/staff/seeds/", {"card_number": doris.card_number, "lots": [tomatoes.pk, beans.pk]})
    assert refused(response) == {"lots": ["season_limit"]}
    assert nothing_lent(tomatoes, beans)


def test_a_second_packet_of_a_variety_is_refused(desk, branch, doris, tomatoes):
    services.loan_create(patron=doris, branch=branch, lots=[tomatoes], by=None, now=timezone.now())
    response = desk.post("/staff/seeds/", {"card_number": doris.card_number, "lots": [tomatoes.pk]})
    assert refused(response) == {"lots": ["variety_limit"]}
    assert Loan.objects.count() == 1 and packets(tomatoes) == 3


def test_a_lot_from_another_branch_is_refused(desk, branch, doris, tomatoes):
    elsewhere = lendable_lot(branch=BranchFactory(name="Southwold", slug="southwold"), packets=4)
    html = page(desk.post("/staff/seeds/", {"card_number": doris.card_number, "lots": [elsewhere.pk, tomatoes.pk]}))
    assert "no packets on the shelf at this branch" in html
    assert nothing_lent(elsewhere, tomatoes)


@pytest.mark.parametrize("lots", [[], ["abc"], ["-1"], ["99999999"], ["1e9"], ["<b>"]])
def test_bad_lot_choices_are_refused(desk, branch, doris, tomatoes, lots):
    html = page(desk.post("/staff/seeds/", {"card_number": doris.card_number, "lots": lots}))
    assert "The packets were not lent" in html
    assert nothing_lent(tomatoes)


def test_the_lend_table_labels_each_box_with_its_seed_written_as_text(desk, branch, doris):
    lot = lendable_lot(branch=branch, packets=4, variety=VarietyFactory(common_name="<b>Pea</b>", variety_name="& co"))
    html = page(desk.get("/staff/seeds/", {"card_number": doris.card_number}))
    box = f'<input class="form-check-input" type="checkbox" name="lots" value="{lot.pk}" id="lot-{lot.pk}">'
    assert box in html
    assert f'<label for="lot-{lot.pk}">&lt;b&gt;Pea&lt;/b&gt; &#x27;&amp; co&#x27;</label>' in html
    assert "<b>Pea" not in html


def test_a_refused_lending_keeps_the_ticks_and_ties_every_box_to_the_reason(desk, branch, doris, tomatoes, beans):
    services.loan_create(patron=doris, branch=branch, lots=[tomatoes], by=None, now=timezone.now())
    html = page(desk.post("/staff/seeds/", {"card_number": doris.card_number, "lots": [tomatoes.pk]}))
    assert 'id="lend-errors"' in html
    described = ' aria-describedby="lend-errors">'
    assert f'id="lot-{tomatoes.pk}" checked{described}' in html
    assert f'id="lot-{beans.pk}"{described}' in html


@pytest.mark.parametrize("card", ["", "abc", "<script>", "0", "unknown"])
def test_lending_to_a_bad_or_unknown_card_goes_back_to_the_lookup(desk, branch, tomatoes, card):
    if card == "unknown":
        card = PatronFactory.build().card_number
    response = desk.post("/staff/seeds/", {"card_number": card, "lots": [tomatoes.pk]})
    assert response.status_code == 302
    assert "Look up the patron" in page(desk.get(response.url))
    assert nothing_lent(tomatoes)


def test_the_shelf_can_be_narrowed_by_name(desk, branch, doris, tomatoes, beans):
    html = page(desk.get("/staff/seeds/", {"card_number": doris.card_number, "q": "brandy"}))
    assert tomatoes.code in html and beans.code not in html
    html = page(desk.get("/staff/seeds/", {"card_number": doris.card_number, "q": "<script>" * 40}))
    assert "No seeds on the shelf match" in html and "<script>" not in html.split("</nav>", 2)[-1]


@pytest.mark.parametrize("value", ["\x00", "%00", "x" * 5000, "'; DROP TABLE x; --", "99999999999999999999", "-1"])
def test_hostile_query_strings_on_every_desk_page_never_answer_500(desk, branch, doris, borrowed, value):
    for url in [*PAGES, "/staff/seeds/report/"]:
        for name in ("card_number", "q", "branch", "season", "page", "lot"):
            assert desk.get(url, {name: value}).status_code == 200, (url, name)
        response = desk.get(url, {"card_number": doris.card_number, "q": value, "lot": value, "branch": value})
        assert response.status_code == 200, url


# Orientation


def test_recording_an_orientation_adds_a_new_patron_and_opens_lending(desk, branch):
    card = PatronFactory.build().card_number
    response = desk.post(
        "/staff/seeds/orientation/",
        {"card_number": card, "first_name": "Mei", "last_name": "Chen", "email": "mei@example.net"},
    )
    assert response.status_code == 302
    html = page(desk.get(response.url))
    assert "Mei Chen has the seed-saving orientation" in html
    patron = Patron.objects.get(card_number=card)
    assert Orientation.objects.get(patron=patron).source == Orientation.Source.STAFF


def test_recording_it_twice_keeps_the_first(desk, branch, doris):
    first = doris.seed_orientation.completed_on
    response = desk.post(
        "/staff/seeds/orientation/",
        {"card_number": doris.card_number, "first_name": "Doris", "last_name": "Campbell"},
    )
    assert response.status_code == 302
    assert Orientation.objects.get(patron=doris).completed_on == first


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("card_number", "12", "A library card number has"),
        ("card_number", "<script>", "digits only"),
        ("first_name", "<b>Mei</b>", "plain text"),
        ("last_name", "\x1b[31m", "control characters"),
        ("email", "not-an-email", "valid email"),
        ("first_name", "M" * 81, "at most 80 characters"),
    ],
)
def test_bad_orientation_details_are_refused(desk, branch, field, value, message):
    data = {"card_number": PatronFactory.build().card_number, "first_name": "Mei", "last_name": "Chen", "email": ""}
    data[field] = value
    html = page(desk.post("/staff/seeds/orientation/", data))
    assert message in html
    assert not Orientation.objects.exists() and not Patron.objects.exists()


# Online requests


@pytest.fixture
def seed_request(branch, doris, tomatoes, beans):
    return services.seed_request_create(
        card_number=doris.card_number,
        email="doris@example.net",
        branch=branch,
        varieties=[tomatoes.variety, beans.variety],
        now=timezone.now(),
    )


def test_the_queue_shows_what_to_pull_from_which_lot(desk, seed_request, tomatoes, beans):
    html = page(desk.get("/staff/seeds/requests/"))
    assert "Doris Campbell" in html
    assert f"Tomato &#x27;Brandywine&#x27;: lot <strong>{tomatoes.code}</strong>" in html
    assert beans.code in html
    assert f"/staff/seeds/requests/{seed_request.pk}/ready/" in html
    # Not set aside yet: no pickup deadline, only when the packets go back unless staff set them aside.
    assert "Set aside by " in html and "Pick up by" not in html


def test_set_aside_then_picked_up(desk, seed_request, tomatoes):
    sent = Notification.objects.count()
    response = desk.post(f"/staff/seeds/requests/{seed_request.pk}/ready/")
    assert response.status_code == 302
    assert "set aside" in page(desk.get(response.url))
    seed_request.refresh_from_db()
    assert seed_request.status == SeedRequest.Status.READY
    assert Notification.objects.count() == sent + 1
    html = page(desk.get("/staff/seeds/requests/"))
    assert f"/staff/seeds/requests/{seed_request.pk}/ready/" not in html
    desk.post(f"/staff/seeds/requests/{seed_request.pk}/picked-up/")
    seed_request.refresh_from_db()
    assert seed_request.status == SeedRequest.Status.PICKED_UP
    assert set(seed_request.loans.values_list("status", flat=True)) == {Loan.Status.LENT}
    assert "No online requests are waiting" in page(desk.get("/staff/seeds/requests/"))
    assert packets(tomatoes) == 3


def test_cancelling_puts_the_packets_back(desk, seed_request, tomatoes, beans):
    desk.post(f"/staff/seeds/requests/{seed_request.pk}/cancel/")
    seed_request.refresh_from_db()
    assert seed_request.status == SeedRequest.Status.CANCELLED
    assert (packets(tomatoes), packets(beans)) == (4, 4)


def test_acting_on_a_closed_request_says_why_and_changes_nothing(desk, seed_request):
    desk.post(f"/staff/seeds/requests/{seed_request.pk}/cancel/")
    response = desk.post(f"/staff/seeds/requests/{seed_request.pk}/picked-up/", follow=True)
    assert "This request was cancelled" in page(response)
    seed_request.refresh_from_db()
    assert seed_request.status == SeedRequest.Status.CANCELLED
    assert not Loan.objects.filter(status=Loan.Status.LENT).exists()


def test_request_actions_answer_missing_requests_and_gets_without_a_500(desk, seed_request):
    assert desk.post("/staff/seeds/requests/999999/ready/").status_code == 404
    assert desk.get(f"/staff/seeds/requests/{seed_request.pk}/ready/").status_code == 405
    assert page(desk.get("/staff/seeds/requests/", {"page": "<script>", "branch": "x' OR 1=1"}))


# Returns


@pytest.fixture
def borrowed(branch, doris, tomatoes):
    services.loan_create(patron=doris, branch=branch, lots=[tomatoes], by=None, now=timezone.now())
    return tomatoes


def return_data(doris, lot, **changes):
    data = {
        "card_number": doris.card_number,
        "variety": lot.variety_id,
        "parent_lot": lot.pk,
        "harvest_year": timezone.localdate().year,
        "amount": "2 envelopes",
        "grower_notes": "Saved from the three best plants.",
        "isolation_respected": "yes",
    }
    return data | changes


def test_the_return_form_lists_the_lots_they_borrowed_and_prefills_one(desk, doris, borrowed):
    html = page(desk.get("/staff/seeds/returns/", {"card_number": doris.card_number}))
    assert f"lot {borrowed.code}" in html
    html = page(desk.get("/staff/seeds/returns/", {"card_number": doris.card_number, "lot": borrowed.pk}))
    assert f'<option value="{borrowed.pk}" selected>' in html


def test_a_return_becomes_the_next_generation_of_the_lot_they_borrowed(desk, doris, borrowed):
    response = desk.post("/staff/seeds/returns/", return_data(doris, borrowed))
    assert response.status_code == 302
    lot = Lot.objects.get(source=Lot.Source.PATRON_RETURN)
    assert (lot.parent_lot, lot.generation, lot.donor_patron, lot.status) == (borrowed, 2, doris, Lot.Status.QUARANTINE)
    assert lot.isolation_respected is True and not lot.may_have_crossed
    html = page(desk.get(response.url))
    assert f"Recorded lot {lot.code}" in html and f"generation 2 of lot {borrowed.code}" in html


def test_a_return_from_an_unknown_lot(desk, doris, borrowed):
    data = return_data(doris, borrowed, parent_lot="", isolation_respected="", may_have_crossed="on")
    response = desk.post("/staff/seeds/returns/", data)
    assert response.status_code == 302
    lot = Lot.objects.get(source=Lot.Source.PATRON_RETURN)
    assert lot.parent_lot is None and lot.generation == 1 and lot.may_have_crossed
    assert lot.isolation_respected is None
    assert "the lot it grew from is not known" in page(desk.get(response.url))


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"harvest_year": timezone.localdate().year + 1}, "cannot be in the future"),
        ({"harvest_year": -2025}, "greater than or equal to 1950"),
        ({"harvest_year": "20x5"}, "Enter a whole number"),
        ({"harvest_year": "9" * 40}, "cannot be in the future"),
        ({"grower_notes": "<img src=x onerror=alert(1)>"}, "plain text"),
        ({"amount": "\x00"}, "Null characters are not allowed"),
        ({"amount": "a" * 81}, "at most 80 characters"),
        ({"variety": "-1"}, "Choose a variety from the list"),
        ({"variety": "<script>"}, "Choose a variety from the list"),
        ({"parent_lot": "abc"}, "Choose one of the lots this patron borrowed"),
        ({"isolation_respected": "maybe"}, "Select a valid choice"),
    ],
)
def test_bad_return_details_are_refused(desk, doris, borrowed, changes, message):
    html = page(desk.post("/staff/seeds/returns/", return_data(doris, borrowed, **changes)))
    assert message in html
    assert not Lot.objects.filter(source=Lot.Source.PATRON_RETURN).exists()


def test_a_lot_they_did_not_borrow_or_of_another_variety_is_refused(desk, branch, doris, borrowed, beans):
    html = page(desk.post("/staff/seeds/returns/", return_data(doris, borrowed, parent_lot=beans.pk)))
    assert "Choose one of the lots this patron borrowed" in html
    html = page(desk.post("/staff/seeds/returns/", return_data(doris, borrowed, variety=beans.variety_id)))
    assert f"Lot {borrowed.code} is Tomato" in html
    assert not Lot.objects.filter(source=Lot.Source.PATRON_RETURN).exists()


@pytest.mark.parametrize("card", ["", "123", "<script>"])
def test_a_return_for_a_bad_or_unknown_card_is_refused(desk, doris, borrowed, card):
    card = card or PatronFactory.build().card_number
    response = desk.post("/staff/seeds/returns/", return_data(doris, borrowed, card_number=card))
    assert response.status_code == 302
    assert "Look up the patron" in page(desk.get(response.url))
    assert not Lot.objects.filter(source=Lot.Source.PATRON_RETURN).exists()


# The report


def test_the_report_shows_the_season(desk, branch, doris, borrowed):
    html = page(desk.get("/staff/seeds/report/"))
    year = timezone.localdate().year
    assert f"Seed library report, {year} season" in html
    assert 'Packets lent</dt><dd class="col-sm-6 col-lg-8">1<' in html
    html = page(desk.get("/staff/seeds/report/", {"season": year - 1, "branch": branch.slug}))
    assert f"{year - 1} season, Central Library" in html


@pytest.mark.parametrize(
    "query",
    [
        {"season": "abc"},
        {"season": "-5"},
        {"season": "99999"},
        {"season": "2026.5"},
        {"season": "<script>"},
        {"branch": "nowhere"},
        {"season": "9" * 400},
    ],
)
def test_a_bad_season_or_branch_shows_this_season_with_a_message(desk, branch, query):
    html = page(desk.get("/staff/seeds/report/", query))
    assert f"Showing the {timezone.localdate().year} season for all branches" in html


# Query budgets


def _grow(branch, count: int) -> None:
    """More lots on the shelf, borrowers, online requests and past loans."""
    for _ in range(count):
        lot = lendable_lot(branch=branch, packets=5)
        patron = PatronFactory()
        OrientationFactory(patron=patron)
        services.loan_create(
            patron=patron, branch=branch, lots=[lot], by=None, now=timezone.now() - dt.timedelta(days=400)
        )
        services.seed_request_create(
            card_number=patron.card_number,
            email="p@example.net",
            branch=branch,
            varieties=[lot.variety],
            now=timezone.now(),
        )


def _queries(desk, django_assert_max_num_queries, url, params, budget):
    with django_assert_max_num_queries(budget) as captured:
        assert desk.get(url, params).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    "url, budget",
    [
        ("/staff/seeds/", 14),
        ("/staff/seeds/requests/", 12),
        ("/staff/seeds/returns/", 12),
        ("/staff/seeds/report/", 12),
        ("/staff/seeds/orientation/", 8),
    ],
)
def test_desk_pages_take_the_same_queries_at_two_sizes(
    desk, branch, doris, borrowed, django_assert_max_num_queries, url, budget
):
    params = {"card_number": doris.card_number} if url in ("/staff/seeds/", "/staff/seeds/returns/") else {}
    _grow(branch, 2)
    small = _queries(desk, django_assert_max_num_queries, url, params, budget)
    _grow(branch, 8)
    services.loan_create(
        patron=doris,
        branch=branch,
        lots=list(Lot.objects.filter(stock__packets__gte=1)[:3]),
        by=None,
        now=timezone.now() - dt.timedelta(days=390),
    )
    large = _queries(desk, django_assert_max_num_queries, url, params, budget)
    assert small == large


# Issue 13: the queue's order, the lend page's links and queries, the orientation looked up by card


def test_open_requests_are_listed_oldest_first_whatever_their_status(desk, branch, now):
    """Made in shuffled order, some set aside: the queue reads from the oldest request to the newest."""
    lot = lendable_lot(branch=branch, packets=10)
    ages_in_days = [3, 9, 1, 6, 12, 4]
    made = {}
    for age in ages_in_days:
        patron = PatronFactory()
        OrientationFactory(patron=patron)
        made[age] = services.seed_request_create(
            card_number=patron.card_number,
            email="p@example.net",
            branch=branch,
            varieties=[lot.variety],
            now=now - dt.timedelta(days=age),
        )
    for age in (1, 9):
        services.seed_request_ready(seed_request=made[age], by=None, now=now)
    html = page(desk.get("/staff/seeds/requests/"))
    positions = [html.index(str(made[age].patron)) for age in sorted(ages_in_days, reverse=True)]
    assert positions == sorted(positions)


def test_show_all_on_the_lend_page_keeps_the_branch(desk, branch, doris, tomatoes):
    other = BranchFactory(name="Southwold", slug="southwold")
    lendable_lot(branch=other, packets=3, variety=VarietyFactory(common_name="Squash", variety_name="Delicata"))
    html = page(desk.get("/staff/seeds/", {"card_number": doris.card_number, "branch": "southwold", "q": "squash"}))
    assert f'href="/staff/seeds/?branch=southwold&amp;card_number={doris.card_number}">Show all' in html


def _lendable_queries(captured) -> int:
    """Queries that work out which lots may be lent (they read the germination tests)."""
    return sum("seedlibrary_germinationtest" in query["sql"] for query in captured.captured_queries)


def test_the_lend_page_works_out_the_lendable_lots_once(desk, branch, doris, django_assert_max_num_queries):
    def lendable_queries() -> int:
        with django_assert_max_num_queries(14) as captured:
            html = page(desk.get("/staff/seeds/", {"card_number": doris.card_number}))
        assert "Packets left" in html
        return _lendable_queries(captured)

    _grow(branch, 2)
    assert lendable_queries() == 1
    _grow(branch, 8)
    assert lendable_queries() == 1


def test_the_lend_page_shows_each_lots_germination_rate(desk, branch, doris, tomatoes):
    html = page(desk.get("/staff/seeds/", {"card_number": doris.card_number}))
    assert "<td>90%</td>" in html and "<td>4</td>" in html  # 18 of 20 seeds sprouted; 4 packets


def test_the_orientation_page_looks_up_the_card_and_asks_nothing_already_on_file(desk, branch):
    patron = PatronFactory(first_name="Harold", last_name="Fraser", email="harold@example.net")
    html = page(desk.get("/staff/seeds/orientation/", {"card_number": patron.card_number, "branch": branch.slug}))
    assert "Harold Fraser" in html and "harold@example.net" in html
    assert 'name="first_name"' not in html and 'name="last_name"' not in html
    response = desk.post("/staff/seeds/orientation/", {"card_number": patron.card_number, "branch": branch.slug})
    assert response.status_code == 302
    assert response.url == f"/staff/seeds/?branch={branch.slug}&card_number={patron.card_number}"
    assert "Harold Fraser has the seed-saving orientation" in page(desk.get(response.url))
    orientation = Orientation.objects.get(patron=patron)
    assert orientation.source == Orientation.Source.STAFF
    patron.refresh_from_db()
    assert (patron.first_name, patron.last_name) == ("Harold", "Fraser")


def test_the_orientation_page_says_when_it_is_already_recorded(desk, branch, doris):
    html = page(desk.get("/staff/seeds/orientation/", {"card_number": doris.card_number}))
    assert "already completed the seed-saving orientation" in html
    assert 'name="first_name"' not in html and "Record the orientation" not in html


def test_an_unknown_card_on_the_orientation_page_asks_for_the_new_patrons_name(desk, branch):
    card = PatronFactory.build().card_number
    html = page(desk.get("/staff/seeds/orientation/", {"card_number": f" {card[:4]}-{card[4:]} "}))
    assert "not seen this card before" in html
    assert f'value="{card}"' in html and 'name="first_name"' in html and 'name="last_name"' in html
    response = desk.post(
        "/staff/seeds/orientation/", {"card_number": card, "first_name": "Mei", "last_name": "Chen", "email": ""}
    )
    assert response.status_code == 302
    assert Patron.objects.get(card_number=card).first_name == "Mei"


def test_the_orientation_page_starts_with_the_card_lookup(desk, branch):
    html = page(desk.get("/staff/seeds/orientation/"))
    assert 'method="get"' in html and "Look up" in html
    assert 'name="first_name"' not in html


@pytest.mark.parametrize("card", ["", "12", "abcd", *HOSTILE])
def test_a_bad_card_on_the_orientation_lookup_is_refused_on_the_form(desk, branch, card):
    html = page(desk.get("/staff/seeds/orientation/", {"card_number": card}))
    assert "is-invalid" in html and "error-summary" in html
    assert 'name="first_name"' not in html


def test_a_new_patron_without_a_name_is_refused_and_nothing_is_saved(desk, branch):
    card = PatronFactory.build().card_number
    html = page(desk.post("/staff/seeds/orientation/", {"card_number": card, "first_name": "", "last_name": ""}))
    assert "Enter the patron" in html
    assert not Patron.objects.exists() and not Orientation.objects.exists()


@pytest.mark.parametrize("looked_up", [False, True])
def test_the_orientation_page_takes_the_same_queries_at_two_sizes(
    desk, branch, doris, borrowed, django_assert_max_num_queries, looked_up
):
    params = {"card_number": PatronFactory().card_number} if looked_up else {}
    _grow(branch, 2)
    small = _queries(desk, django_assert_max_num_queries, "/staff/seeds/orientation/", params, 8)
    _grow(branch, 8)
    large = _queries(desk, django_assert_max_num_queries, "/staff/seeds/orientation/", params, 8)
    assert small == large


# Issue 16: the shelf does not grow with the germination tests' history


def _tested(lot, *history: tuple[int, int]) -> None:
    """Germination tests of ``lot``, oldest first: (days ago it was counted, seeds sprouted of 20)."""
    for days_ago, sprouted in history:
        counted_on = timezone.localdate() - dt.timedelta(days=days_ago)
        GerminationTestFactory(
            lot=lot, started_on=counted_on - dt.timedelta(days=7), counted_on=counted_on, seeds_sprouted=sprouted
        )


def test_the_shelf_follows_each_lots_latest_test_whatever_came_before(desk, branch, doris):
    """Years of tests behind each lot: only the latest one decides, and its rate is the one shown."""
    failed_lately = lendable_lot(branch=branch, variety=VarietyFactory(common_name="Kale", variety_name="Red Russian"))
    _tested(failed_lately, *[(400 * year, 19) for year in range(5, 0, -1)], (1, 6))
    passed_lately = LotFactory(
        status=Lot.Status.AVAILABLE, variety=VarietyFactory(common_name="Pea", variety_name="Tom Thumb")
    )
    StockFactory(lot=passed_lately, branch=branch, packets=3)
    _tested(passed_lately, *[(400 * year, 4) for year in range(5, 0, -1)], (2, 15))
    same_day = LotFactory(
        status=Lot.Status.AVAILABLE, variety=VarietyFactory(common_name="Radish", variety_name="Cherry Belle")
    )
    StockFactory(lot=same_day, branch=branch, packets=2)
    _tested(same_day, (5, 2), (5, 17))  # counted the same day: the one recorded last is the latest
    retired = lendable_lot(branch=branch, variety=VarietyFactory(common_name="Okra", variety_name="Clemson"))
    Lot.objects.filter(pk=retired.pk).update(status=Lot.Status.RETIRED)

    html = page(desk.get("/staff/seeds/", {"card_number": doris.card_number}))

    assert "Red Russian" not in html and "Clemson" not in html
    assert "Tom Thumb" in html and "<td>75%</td>" in html  # 15 of 20
    assert "Cherry Belle" in html and "<td>85%</td>" in html  # 17 of 20
    assert selectors.lot_is_lendable(passed_lately, today=timezone.localdate())
    assert not selectors.lot_is_lendable(failed_lately, today=timezone.localdate())


def _subplans_reading(plan: dict, table: str, *, in_subplan: bool = False) -> int:
    """Plan nodes that read ``table`` again for each row of an outer query (inside a SubPlan)."""
    in_subplan = in_subplan or plan.get("Parent Relationship") == "SubPlan"
    found = int(in_subplan and plan.get("Relation Name") == table)
    return found + sum(_subplans_reading(child, table, in_subplan=in_subplan) for child in plan.get("Plans", []))


def test_which_lots_may_be_lent_reads_the_tests_once_not_once_per_lot(branch):
    """Looked up lot by lot, the shelf's time grew with lots times tests; joined, it reads them in one pass."""
    for _ in range(3):
        _tested(lendable_lot(branch=branch), (800, 12), (400, 18))
    shelf = selectors.shelf_lots(branch=branch, today=timezone.localdate())
    sql, params = shelf.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        (plan,) = cursor.fetchone()[0]
    assert _subplans_reading(plan["Plan"], "seedlibrary_germinationtest") == 0
    assert '"seedlibrary_variety"."growing_notes"' not in sql  # the shelf shows names, not the long notes
    assert len(shelf) == 3
