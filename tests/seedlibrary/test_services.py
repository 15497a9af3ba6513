"""The seed library's rules, through its services: who may borrow what, when, and what happens to the packets."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from makerlab.models import Notification, Patron
from makerlab.services import notifications_deliver_pending, patrons_anonymise_stale
from makerlab.signals import seed_orientation_attended
from seedlibrary import selectors, services
from seedlibrary.models import GerminationTest, Loan, Lot, Orientation, SeedRequest, Stock
from tests.factories import (
    TORONTO,
    BranchFactory,
    ClosureFactory,
    GerminationTestFactory,
    LotFactory,
    OrientationFactory,
    PatronFactory,
    PlantFamilyFactory,
    VarietyFactory,
    lendable_lot,
)
from tests.refusals import refusal_codes

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 4, 20, 15, 0, tzinfo=dt.UTC)
TODAY = timezone.localdate(NOW)


@pytest.fixture
def borrower(db) -> Patron:
    return OrientationFactory(patron=PatronFactory(first_name="Doris", email="doris@example.com")).patron


def packets_at(lot: Lot, branch) -> int:
    return Stock.objects.get(lot=lot, branch=branch).packets


def error_text(error: pytest.ExceptionInfo) -> str:
    return " ".join(error.value.messages)


def lot_of_this_season(branch, packets=5, **fields) -> Lot:
    fields.setdefault("harvest_year", 2025)
    return lendable_lot(branch=branch, packets=packets, **fields)


# Orientation


def test_staff_record_an_orientation_for_a_new_card_once(assistant):
    card = PatronFactory.build().card_number
    first = services.orientation_record(
        card_number=card, first_name="Amir", last_name="Haddad", email="amir@example.com", by=assistant, on=TODAY
    )
    again = services.orientation_record(card_number=card, first_name="", last_name="", by=assistant, on=TODAY)
    assert again == first
    assert first.patron.card_number == card
    assert (first.patron.first_name, first.source, first.recorded_by) == ("Amir", Orientation.Source.STAFF, assistant)
    assert Orientation.objects.count() == 1


def test_an_orientation_keeps_a_known_patron_s_details(borrower, assistant):
    other = PatronFactory(first_name="Lena", last_name="Okafor")
    services.orientation_record(
        card_number=other.card_number, first_name="Someone", last_name="Else", by=assistant, on=TODAY
    )
    other.refresh_from_db()
    assert (other.first_name, other.last_name) == ("Lena", "Okafor")
    assert selectors.patron_has_orientation(other)


@pytest.mark.parametrize(
    ("card", "first", "last", "email", "field", "code"),
    [
        ("12AB", "Amir", "Haddad", "", "card_number", "digits"),
        ("", "Amir", "Haddad", "", "card_number", "digits"),
        (None, "<script>alert(1)</script>", "Haddad", "", "first_name", "markup"),
        (None, "", "Haddad", "", "first_name", "first_name_missing"),
        (None, "Amir", "", "", "last_name", "last_name_missing"),
        (None, "Amir", "Had\x00dad", "", "last_name", "control"),
        (None, "Amir", "H" * 81, "", "last_name", "too_long"),
        (None, "Amir", "Haddad", "not-an-email", "email", "email_invalid"),
    ],
)
def test_a_bad_orientation_is_refused_and_saves_nothing(assistant, card, first, last, email, field, code):
    card = PatronFactory.build().card_number if card is None else card
    with pytest.raises(ValidationError) as error:
        services.orientation_record(
            card_number=card, first_name=first, last_name=last, email=email, by=assistant, on=TODAY
        )
    assert error.value.error_dict[field][0].code == code
    assert not Patron.objects.exists()
    assert not Orientation.objects.exists()


def test_an_orientation_in_the_future_is_refused(assistant):
    card = PatronFactory.build().card_number
    with pytest.raises(ValidationError) as error:
        services.orientation_record(
            card_number=card,
            first_name="Amir",
            last_name="Haddad",
            by=assistant,
            on=timezone.localdate() + dt.timedelta(days=2),
        )
    assert error.value.error_dict["on"][0].code == "future"
    assert not Orientation.objects.exists()


def test_attending_the_orientation_program_records_it_once(patron):
    seed_orientation_attended.send(sender=None, patron_id=patron.pk, attended_on=TODAY, by=None)
    seed_orientation_attended.send(sender=None, patron_id=patron.pk, attended_on=TODAY, by=None)
    orientation = Orientation.objects.get()
    assert (orientation.patron, orientation.source, orientation.completed_on) == (
        patron,
        Orientation.Source.PROGRAM,
        TODAY,
    )


# Lending at the desk


def test_the_desk_lends_one_packet_of_each_chosen_lot(borrower, branch, assistant):
    tomato, bean = lot_of_this_season(branch), lot_of_this_season(branch)
    loans = services.loan_create(patron=borrower, branch=branch, lots=[tomato, bean], by=assistant, now=NOW)
    assert [(loan.status, loan.season, loan.lent_by) for loan in loans] == [(Loan.Status.LENT, 2026, assistant)] * 2
    assert packets_at(tomato, branch) == packets_at(bean, branch) == 4
    assert selectors.patron_season_usage(patron=borrower, season=2026) == (
        2,
        {tomato.variety_id: 1, bean.variety_id: 1},
    )


def test_the_season_is_the_year_in_toronto_not_in_utc(borrower, branch, assistant):
    lot = lot_of_this_season(branch)
    new_year_s_eve_evening = dt.datetime(2026, 12, 31, 20, 0, tzinfo=TORONTO)  # 01:00 UTC on 1 January 2027
    [loan] = services.loan_create(patron=borrower, branch=branch, lots=[lot], by=assistant, now=new_year_s_eve_evening)
    assert loan.season == 2026


def test_no_orientation_no_seeds(patron, branch, assistant):
    lot = lot_of_this_season(branch)
    with pytest.raises(ValidationError) as error:
        services.loan_create(patron=patron, branch=branch, lots=[lot], by=assistant, now=NOW)
    assert refusal_codes(error.value) == ["orientation_needed"]
    assert packets_at(lot, branch) == 5
    assert not Loan.objects.exists()


def test_without_the_orientation_rule_anyone_with_a_card_borrows(patron, branch, assistant, settings):
    settings.SEED_ORIENTATION_REQUIRED = False
    lot = lot_of_this_season(branch)
    services.loan_create(patron=patron, branch=branch, lots=[lot], by=assistant, now=NOW)
    assert Loan.objects.filter(patron=patron).count() == 1


def _unlendable(branch, case: str) -> Lot:
    if case == "quarantine":
        lot = LotFactory(status=Lot.Status.QUARANTINE, harvest_year=2025)
    elif case == "test pending":
        lot = LotFactory(status=Lot.Status.TEST_PENDING, harvest_year=2025)
    elif case == "retired":
        lot = lot_of_this_season(branch)
        Lot.objects.filter(pk=lot.pk).update(status=Lot.Status.RETIRED)
    elif case == "below the threshold":
        lot = LotFactory(status=Lot.Status.AVAILABLE, harvest_year=2025)
        GerminationTestFactory(lot=lot, seeds_tested=20, seeds_sprouted=13)  # 65 %
    elif case == "never tested":
        lot = LotFactory(status=Lot.Status.AVAILABLE, harvest_year=2025)
    elif case == "past viability":
        # Tomatoes keep 4 years here: seed of 2021 is lent until the 2025 season, not in 2026.
        lot = lot_of_this_season(branch, harvest_year=2021)
    elif case == "past the variety's own viability":
        onion = VarietyFactory(family=PlantFamilyFactory(name="Amaryllidaceae", viability_years=3), viability_years=1)
        lot = lot_of_this_season(branch, harvest_year=2024, variety=onion)
    Stock.objects.get_or_create(lot=lot, branch=branch, defaults={"packets": 5})
    return lot


UNLENDABLE = [
    "quarantine",
    "test pending",
    "retired",
    "below the threshold",
    "never tested",
    "past viability",
    "past the variety's own viability",
]


@pytest.mark.parametrize("case", UNLENDABLE)
def test_a_lot_that_is_not_ready_is_never_lent_at_the_desk(borrower, branch, assistant, case):
    lot = _unlendable(branch, case)
    assert not selectors.lot_is_lendable(lot, today=TODAY)
    with pytest.raises(ValidationError) as error:
        services.loan_create(patron=borrower, branch=branch, lots=[lot], by=assistant, now=NOW)
    assert error.value.error_dict["lots"][0].code == "lot_not_ready"
    assert packets_at(lot, branch) == 5
    assert not Loan.objects.exists()


@pytest.mark.parametrize("case", UNLENDABLE)
def test_a_lot_that_is_not_ready_is_never_set_aside_online(borrower, branch, case):
    lot = _unlendable(branch, case)
    lot.variety.is_published = True
    lot.variety.save()
    with pytest.raises(ValidationError) as error:
        services.seed_request_create(
            card_number=borrower.card_number, email=borrower.email, branch=branch, varieties=[lot.variety], now=NOW
        )
    assert error.value.error_dict["varieties"][0].code == "none_left"
    assert packets_at(lot, branch) == 5
    assert not SeedRequest.objects.exists()


def test_seed_within_its_viability_is_lent_in_its_last_year(borrower, branch, assistant):
    lot = lot_of_this_season(branch, harvest_year=2022)  # 2022 + 4 years = the 2026 season
    services.loan_create(patron=borrower, branch=branch, lots=[lot], by=assistant, now=NOW)
    assert packets_at(lot, branch) == 4


def test_the_last_packet_is_lent_and_then_none_is_left(borrower, branch, assistant):
    lot = lot_of_this_season(branch, packets=1)
    services.loan_create(patron=borrower, branch=branch, lots=[lot], by=assistant, now=NOW)
    other = OrientationFactory().patron
    with pytest.raises(ValidationError) as error:
        services.loan_create(patron=other, branch=branch, lots=[lot], by=assistant, now=NOW)
    assert refusal_codes(error.value) == ["none_left"]
    assert packets_at(lot, branch) == 0


def test_a_lot_on_the_shelf_at_another_branch_is_not_lent_here(borrower, branch, assistant):
    lot = lot_of_this_season(BranchFactory())
    with pytest.raises(ValidationError) as error:
        services.loan_create(patron=borrower, branch=branch, lots=[lot], by=assistant, now=NOW)
    assert error.value.error_dict["lots"][0].code == "none_left"


def test_one_packet_per_variety_per_season(borrower, branch, assistant):
    first = lot_of_this_season(branch)
    second_lot_same_variety = lot_of_this_season(branch, variety=first.variety)
    services.loan_create(patron=borrower, branch=branch, lots=[first], by=assistant, now=NOW)
    with pytest.raises(ValidationError) as error:
        services.loan_create(patron=borrower, branch=branch, lots=[second_lot_same_variety], by=assistant, now=NOW)
    assert error.value.error_dict["lots"][0].code == "variety_limit"
    next_season = dt.datetime(2027, 3, 1, 15, 0, tzinfo=dt.UTC)
    services.loan_create(patron=borrower, branch=branch, lots=[second_lot_same_variety], by=assistant, now=next_season)


def test_two_lots_of_one_variety_at_once_pass_the_variety_limit(borrower, branch, assistant):
    first = lot_of_this_season(branch)
    second = lot_of_this_season(branch, variety=first.variety)
    with pytest.raises(ValidationError) as error:
        services.loan_create(patron=borrower, branch=branch, lots=[first, second], by=assistant, now=NOW)
    assert error.value.error_dict["lots"][0].code == "variety_limit"
    assert packets_at(first, branch) == packets_at(second, branch) == 5


def test_the_same_lot_twice_is_refused(borrower, branch, assistant):
    lot = lot_of_this_season(branch)
    with pytest.raises(ValidationError) as error:
        services.loan_create(patron=borrower, branch=branch, lots=[lot, lot], by=assistant, now=NOW)
    assert error.value.error_dict["lots"][0].code == "chosen_twice"


def test_ten_packets_a_season_counting_held_and_lent_but_not_released(borrower, branch, assistant):
    lots = [lot_of_this_season(branch) for _ in range(11)]
    services.loan_create(patron=borrower, branch=branch, lots=lots[:6], by=assistant, now=NOW)
    held = services.seed_request_create(
        card_number=borrower.card_number,
        email=borrower.email,
        branch=branch,
        varieties=[lot.variety for lot in lots[6:10]],
        now=NOW,
    )
    with pytest.raises(ValidationError) as error:
        services.loan_create(patron=borrower, branch=branch, lots=[lots[10]], by=assistant, now=NOW)
    assert refusal_codes(error.value) == ["season_limit"]
    services.seed_request_cancel(seed_request=held, now=NOW)
    services.loan_create(patron=borrower, branch=branch, lots=[lots[10]], by=assistant, now=NOW)
    assert selectors.patron_season_usage(patron=borrower, season=2026)[0] == 7


def test_an_all_or_nothing_loan_leaves_every_lot_untouched(borrower, branch, assistant):
    good = lot_of_this_season(branch)
    empty = lot_of_this_season(branch, packets=0)
    with pytest.raises(ValidationError):
        services.loan_create(patron=borrower, branch=branch, lots=[good, empty], by=assistant, now=NOW)
    assert packets_at(good, branch) == 5
    assert not Loan.objects.exists()


def test_no_lots_chosen_is_refused(borrower, branch, assistant):
    with pytest.raises(ValidationError) as error:
        services.loan_create(patron=borrower, branch=branch, lots=[], by=assistant, now=NOW)
    assert error.value.error_dict["lots"][0].code == "nothing_chosen"


def test_an_anonymised_card_borrows_nothing(borrower, branch, assistant, settings):
    lot = lot_of_this_season(branch)
    idle_long_enough = borrower.last_activity_at + dt.timedelta(days=settings.PATRON_RETENTION_DAYS + 1)
    assert patrons_anonymise_stale(now=idle_long_enough) == 1
    with pytest.raises(ValidationError) as error:
        services.loan_create(patron=borrower, branch=branch, lots=[lot], by=assistant, now=NOW)
    assert error.value.error_dict["card_number"][0].code == "card_not_in_use"
    assert packets_at(lot, branch) == 5


def test_a_desk_loan_takes_the_same_queries_whatever_the_collection_and_history(
    borrower, branch, assistant, django_assert_num_queries
):
    first_three = [lot_of_this_season(branch) for _ in range(3)]
    with django_assert_num_queries(QUERIES_PER_DESK_LOAN):
        services.loan_create(patron=borrower, branch=branch, lots=first_three, by=assistant, now=NOW)
    for _ in range(20):
        lot_of_this_season(branch)
    services.loan_create(patron=borrower, branch=branch, lots=[lot_of_this_season(branch)], by=assistant, now=NOW)
    next_three = [lot_of_this_season(branch) for _ in range(3)]
    with django_assert_num_queries(QUERIES_PER_DESK_LOAN):
        services.loan_create(patron=borrower, branch=branch, lots=next_three, by=assistant, now=NOW)


QUERIES_PER_DESK_LOAN = 10


# Online requests


def request_online(patron, branch, varieties, *, now=NOW, email="doris@example.com") -> SeedRequest:
    return services.seed_request_create(
        card_number=patron.card_number, email=email, branch=branch, varieties=varieties, now=now
    )


def test_an_online_request_sets_aside_one_packet_of_each_variety_and_emails_the_link(borrower, branch):
    tomato, bean = lot_of_this_season(branch), lot_of_this_season(branch)
    seed_request = request_online(borrower, branch, [tomato.variety, bean.variety])
    assert seed_request.status == SeedRequest.Status.REQUESTED
    # Not filled by closing time a week later, the request lapses; the pickup deadline starts when it is ready.
    assert seed_request.expires_at == dt.datetime(2026, 4, 27, 17, 0, tzinfo=TORONTO)
    assert sorted(seed_request.loans.values_list("lot", "status")) == sorted(
        [(tomato.pk, Loan.Status.HELD), (bean.pk, Loan.Status.HELD)]
    )
    assert packets_at(tomato, branch) == packets_at(bean, branch) == 4
    notifications_deliver_pending()
    [email] = mail.outbox
    assert email.to == ["doris@example.com"]
    assert email.subject == "We have your seed request at Central Library"
    assert f"- {tomato.variety} (lot {tomato.code})" in email.body
    assert "'" in str(tomato.variety) and "&#x27;" not in email.body
    assert "you have until closing time 7 days later to pick them up" in email.body
    assert "April 2026" not in email.body
    assert f"/{seed_request.manage_token}" in email.body


def test_an_online_request_takes_the_oldest_lendable_harvest_first(borrower, branch):
    newer = lot_of_this_season(branch, harvest_year=2025)
    older = lot_of_this_season(branch, harvest_year=2023, variety=newer.variety)
    lot_of_this_season(branch, harvest_year=2021, variety=newer.variety)  # past viability
    LotFactory(variety=newer.variety, harvest_year=2020, status=Lot.Status.QUARANTINE)
    seed_request = request_online(borrower, branch, [newer.variety])
    assert seed_request.loans.get().lot == older


def test_an_online_request_skips_a_lot_with_no_packets_left_here(borrower, branch):
    empty = lot_of_this_season(branch, packets=0, harvest_year=2023)
    elsewhere = lot_of_this_season(BranchFactory(), variety=empty.variety, harvest_year=2023)
    on_the_shelf = lot_of_this_season(branch, variety=empty.variety, harvest_year=2025)
    seed_request = request_online(borrower, branch, [empty.variety])
    assert seed_request.loans.get().lot == on_the_shelf
    assert packets_at(elsewhere, elsewhere.stock.get().branch) == 5


def test_an_unknown_card_is_told_to_ask_at_the_library(branch):
    lot = lot_of_this_season(branch)
    stranger = PatronFactory.build()
    with pytest.raises(ValidationError) as error:
        request_online(stranger, branch, [lot.variety])
    assert error.value.error_dict["card_number"][0].code == "card_unknown"
    assert packets_at(lot, branch) == 5
    assert not SeedRequest.objects.exists()


@pytest.mark.parametrize(
    ("card", "email", "field", "code"),
    [
        ("not a card", "doris@example.com", "card_number", "digits"),
        ("1234", "doris@example.com", "card_number", "length"),
        ("", "doris@example.com", "card_number", "digits"),
        (None, "", "email", "email_invalid"),
        (None, "doris@", "email", "email_invalid"),
        (None, "<script>@example.com", "email", "email_invalid"),
    ],
)
def test_a_malformed_online_request_is_refused_and_saves_nothing(borrower, branch, card, email, field, code):
    lot = lot_of_this_season(branch)
    with pytest.raises(ValidationError) as error:
        services.seed_request_create(
            card_number=borrower.card_number if card is None else card,
            email=email,
            branch=branch,
            varieties=[lot.variety],
            now=NOW,
        )
    assert error.value.error_dict[field][0].code == code
    assert packets_at(lot, branch) == 5
    assert not SeedRequest.objects.exists()


def test_online_requests_need_the_orientation_too(patron, branch):
    lot = lot_of_this_season(branch)
    with pytest.raises(ValidationError) as error:
        request_online(patron, branch, [lot.variety])
    assert refusal_codes(error.value) == ["orientation_needed"]
    assert not Loan.objects.exists()


def test_no_online_requests_when_the_library_turns_them_off(borrower, branch, settings):
    settings.SEED_ONLINE_REQUESTS = False
    lot = lot_of_this_season(branch)
    with pytest.raises(ValidationError) as error:
        request_online(borrower, branch, [lot.variety])
    assert refusal_codes(error.value) == ["online_requests_off"]
    assert packets_at(lot, branch) == 5


def test_an_unpublished_variety_cannot_be_requested(borrower, branch):
    lot = lot_of_this_season(branch, variety=VarietyFactory(is_published=False))
    with pytest.raises(ValidationError) as error:
        request_online(borrower, branch, [lot.variety])
    assert error.value.error_dict["varieties"][0].code == "not_published"


def test_an_online_request_is_all_or_nothing(borrower, branch):
    good = lot_of_this_season(branch)
    gone = lot_of_this_season(branch, packets=0)
    with pytest.raises(ValidationError) as error:
        request_online(borrower, branch, [good.variety, gone.variety])
    assert refusal_codes(error.value) == ["none_left"]
    assert packets_at(good, branch) == 5
    assert not SeedRequest.objects.exists()
    assert not Notification.objects.exists()


def test_an_online_request_takes_the_same_queries_whatever_the_collection_and_history(
    borrower, branch, django_assert_num_queries
):
    first_three = [lot_of_this_season(branch).variety for _ in range(3)]
    with django_assert_num_queries(QUERIES_PER_ONLINE_REQUEST):
        request_online(borrower, branch, first_three)
    for _ in range(20):
        lot_of_this_season(branch)
    extra = lot_of_this_season(branch)
    lot_of_this_season(branch, variety=extra.variety, harvest_year=2024)
    request_online(borrower, branch, [extra.variety])
    next_three = [lot_of_this_season(branch).variety for _ in range(3)]
    for variety in next_three:
        lot_of_this_season(branch, variety=variety, harvest_year=2024)
    with django_assert_num_queries(QUERIES_PER_ONLINE_REQUEST):
        request_online(borrower, branch, next_three)


QUERIES_PER_ONLINE_REQUEST = 16  # two of them read the branch's hours and closures for the deadline


def test_staff_set_a_request_aside_and_the_patron_hears_when_and_where(borrower, branch, assistant):
    lot = lot_of_this_season(branch)
    seed_request = request_online(borrower, branch, [lot.variety], now=dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC))
    # Ready on Thursday 5 March at 11:00 EST; held a week, to closing time (5:00 p.m.) after the clocks go forward.
    ready_at = dt.datetime(2026, 3, 5, 16, 0, tzinfo=dt.UTC)
    services.seed_request_ready(seed_request=seed_request, by=assistant, now=ready_at)
    seed_request.refresh_from_db()
    assert seed_request.status == SeedRequest.Status.READY
    assert seed_request.expires_at == dt.datetime(2026, 3, 12, 17, 0, tzinfo=TORONTO)
    services.seed_request_ready(seed_request=seed_request, by=assistant, now=ready_at)
    notifications_deliver_pending()
    ready_email = mail.outbox[-1]
    assert len(mail.outbox) == 2
    assert ready_email.subject == "Your seeds are ready to pick up at Central Library"
    assert "by Thursday 12 March 2026 at 5:00 p.m." in ready_email.body
    assert branch.address_line in ready_email.body


LATE_EVENING_HOURS = {day: [(dt.time(9, 30), dt.time(12, 0)), (dt.time(13, 0), dt.time(20, 30))] for day in range(6)}


def test_the_pickup_deadline_counts_from_ready_and_ends_at_closing_time(borrower, assistant):
    """Asked for at 10:32 p.m., the packets were held to 10:32 p.m. a week later, after the branch had closed."""
    branch = BranchFactory(name="Evening Branch", hours=LATE_EVENING_HOURS)
    lot = lot_of_this_season(branch)
    asked_at = dt.datetime(2026, 4, 14, 22, 32, tzinfo=TORONTO)  # a Tuesday, after closing
    seed_request = request_online(borrower, branch, [lot.variety], now=asked_at)
    ready_at = dt.datetime(2026, 4, 16, 15, 5, tzinfo=TORONTO)  # Thursday afternoon
    services.seed_request_ready(seed_request=seed_request, by=assistant, now=ready_at)
    seed_request.refresh_from_db()
    assert seed_request.ready_at == ready_at
    assert seed_request.expires_at == dt.datetime(2026, 4, 23, 20, 30, tzinfo=TORONTO)


@pytest.mark.parametrize(
    ("ready_on", "deadline_on", "why"),
    [
        (dt.date(2026, 4, 12), dt.date(2026, 4, 20), "the hold day is a Sunday, when the branch never opens"),
        (dt.date(2026, 5, 11), dt.date(2026, 5, 19), "the hold day is Victoria Day"),
        (dt.date(2026, 12, 17), dt.date(2026, 12, 29), "a closure, Christmas, Boxing Day, Sunday, Boxing Day observed"),
    ],
)
def test_a_deadline_on_a_closed_day_moves_to_closing_time_on_the_next_open_day(
    borrower, assistant, ready_on, deadline_on, why
):
    branch = BranchFactory(name="Evening Branch", hours=LATE_EVENING_HOURS)
    ClosureFactory(branch=branch, start_date=dt.date(2026, 12, 24), reason="Staff development day")
    lot = lot_of_this_season(branch)
    ready_at = dt.datetime.combine(ready_on, dt.time(11, 0), tzinfo=TORONTO)
    seed_request = request_online(borrower, branch, [lot.variety], now=ready_at - dt.timedelta(hours=1))
    services.seed_request_ready(seed_request=seed_request, by=assistant, now=ready_at)
    seed_request.refresh_from_db()
    assert seed_request.expires_at == dt.datetime.combine(deadline_on, dt.time(20, 30), tzinfo=TORONTO), why


def test_a_branch_without_opening_hours_keeps_the_packets_a_week_to_the_minute(borrower, assistant):
    branch = BranchFactory(name="Pop-up Branch", hours={})
    lot = lot_of_this_season(branch)
    seed_request = request_online(borrower, branch, [lot.variety])
    services.seed_request_ready(seed_request=seed_request, by=assistant, now=NOW)
    seed_request.refresh_from_db()
    assert seed_request.expires_at == NOW + dt.timedelta(days=7)


def test_picking_up_lends_the_packets_set_aside(borrower, branch, assistant):
    lot = lot_of_this_season(branch)
    seed_request = request_online(borrower, branch, [lot.variety])
    services.seed_request_ready(seed_request=seed_request, by=assistant, now=NOW)
    later = NOW + dt.timedelta(days=2)
    services.seed_request_pick_up(seed_request=seed_request, by=assistant, now=later)
    seed_request.refresh_from_db()
    assert (seed_request.status, seed_request.closed_at) == (SeedRequest.Status.PICKED_UP, later)
    loan = seed_request.loans.get()
    assert (loan.status, loan.lent_at, loan.lent_by) == (Loan.Status.LENT, later, assistant)
    assert packets_at(lot, branch) == 4
    with pytest.raises(ValidationError) as error:
        services.seed_request_cancel(seed_request=seed_request, now=later)
    assert refusal_codes(error.value) == ["picked_up"]
    assert packets_at(lot, branch) == 4


def test_cancelling_puts_the_packets_back_once(borrower, branch):
    lot = lot_of_this_season(branch)
    seed_request = request_online(borrower, branch, [lot.variety])
    services.seed_request_cancel(seed_request=seed_request, now=NOW)
    services.seed_request_cancel(seed_request=seed_request, now=NOW)
    seed_request.refresh_from_db()
    assert seed_request.status == SeedRequest.Status.CANCELLED
    assert seed_request.loans.get().status == Loan.Status.RELEASED
    assert packets_at(lot, branch) == 5
    with pytest.raises(ValidationError) as error:
        services.seed_request_pick_up(seed_request=seed_request, by=None, now=NOW)
    assert refusal_codes(error.value) == ["cancelled"]
    with pytest.raises(ValidationError) as error:
        services.seed_request_ready(seed_request=seed_request, by=None, now=NOW)
    assert refusal_codes(error.value) == ["cancelled"]


def test_unclaimed_requests_expire_once_and_their_packets_go_back(borrower, branch):
    lot = lot_of_this_season(branch)
    seed_request = request_online(borrower, branch, [lot.variety])
    waiting = request_online(OrientationFactory().patron, branch, [lot.variety], now=NOW + dt.timedelta(days=3))
    assert services.seed_requests_expire(now=NOW + dt.timedelta(days=6)) == 0
    after = seed_request.expires_at
    assert services.seed_requests_expire(now=after) == 1
    assert services.seed_requests_expire(now=after) == 0
    seed_request.refresh_from_db()
    waiting.refresh_from_db()
    assert (seed_request.status, seed_request.closed_at) == (SeedRequest.Status.EXPIRED, after)
    assert waiting.status == SeedRequest.Status.REQUESTED
    assert packets_at(lot, branch) == 4
    assert Notification.objects.filter(kind="seed_request_expired").count() == 1
    with pytest.raises(ValidationError) as error:
        services.seed_request_pick_up(seed_request=seed_request, by=None, now=after)
    assert refusal_codes(error.value) == ["expired"]
    services.seed_request_cancel(seed_request=seed_request, now=after)
    assert packets_at(lot, branch) == 4
    notifications_deliver_pending()
    expired_email = next(email for email in mail.outbox if "ended" in email.subject)
    assert "went back on the shelf" in expired_email.body


def test_the_request_basket_is_held_to_the_season_limit_and_the_catalogue(settings):
    settings.SEED_PACKETS_PER_SEASON = 2
    first, second, third = VarietyFactory(), VarietyFactory(), VarietyFactory()
    services.seed_request_basket_check(varieties=[first, second])
    with pytest.raises(ValidationError) as error:
        services.seed_request_basket_check(varieties=[first, second, third])
    assert error.value.error_dict["varieties"][0].code == "season_limit"
    assert "Your request can hold up to 2 packets" in error_text(error)
    with pytest.raises(ValidationError) as error:
        services.seed_request_basket_check(varieties=[first, first])
    assert error.value.error_dict["varieties"][0].code == "variety_limit"
    with pytest.raises(ValidationError) as error:
        services.seed_request_basket_check(varieties=[VarietyFactory(is_published=False)])
    assert error.value.error_dict["varieties"][0].code == "not_published"


def test_a_request_past_its_date_is_not_picked_up_before_the_sweep_runs(borrower, branch, assistant):
    lot = lot_of_this_season(branch)
    seed_request = request_online(borrower, branch, [lot.variety])
    with pytest.raises(ValidationError) as error:
        services.seed_request_pick_up(seed_request=seed_request, by=assistant, now=seed_request.expires_at)
    assert refusal_codes(error.value) == ["past_pickup_date"]
    assert seed_request.loans.get().status == Loan.Status.HELD


# Returns and donations


def test_a_return_is_the_next_generation_of_the_lot_it_grew_from(borrower, branch, assistant):
    variety = VarietyFactory(common_name="Tomato", variety_name="Brandywine")
    parent = lot_of_this_season(branch, variety=variety)
    lot = services.return_record(
        card_number=borrower.card_number,
        variety=variety,
        parent_lot=parent,
        harvest_year=2026,
        by=assistant,
        now=NOW,
        amount="One envelope, about 150 seeds",
        grower_notes="Grew well on the balcony.",
        isolation_respected=True,
    )
    assert lot.code == "TOM-BRAN-2026-001"
    assert (lot.source, lot.donor_patron, lot.parent_lot, lot.generation) == (
        Lot.Source.PATRON_RETURN,
        borrower,
        parent,
        2,
    )
    assert (lot.status, lot.received_on, lot.received_by) == (Lot.Status.QUARANTINE, TODAY, assistant)
    grandchild = services.return_record(
        card_number=borrower.card_number,
        variety=variety,
        parent_lot=lot,
        harvest_year=2026,
        by=assistant,
        now=NOW,
    )
    assert (grandchild.code, grandchild.generation) == ("TOM-BRAN-2026-002", 3)


def test_a_donation_from_an_organisation_starts_a_new_line(assistant):
    variety = VarietyFactory(common_name="Common milkweed", variety_name="")
    lot = services.lot_receive(
        variety=variety,
        source=Lot.Source.COMMERCIAL_DONATION,
        harvest_year=2025,
        by=assistant,
        now=NOW,
        donor_name="Ontario Seed Company",
    )
    assert (lot.code, lot.generation, lot.parent_lot, lot.status) == ("COM-2025-001", 1, None, Lot.Status.QUARANTINE)


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"harvest_year": 2027}, "harvest_year", "future"),
        ({"harvest_year": 1800}, "harvest_year", "too_old"),
        ({"harvest_year": "twenty"}, "harvest_year", "not_whole_number"),
        ({"grower_notes": "<img src=x onerror=alert(1)>"}, "grower_notes", "markup"),
        ({"amount": "a" * 81}, "amount", "too_long"),
        ({"card_number": "0000"}, "card_number", "length"),
        ({"card_number": "unknown"}, "card_number", "card_unknown"),
        ({"parent_lot": "other variety"}, "parent_lot", "parent_other_variety"),
    ],
)
def test_a_bad_return_is_refused_and_saves_nothing(borrower, branch, assistant, changes, field, code):
    variety = VarietyFactory()
    parent = lot_of_this_season(branch, variety=variety)
    arguments = {
        "card_number": borrower.card_number,
        "variety": variety,
        "parent_lot": parent,
        "harvest_year": 2026,
        "by": assistant,
        "now": NOW,
        **changes,
    }
    if changes.get("card_number") == "unknown":
        arguments["card_number"] = PatronFactory.build().card_number
    if changes.get("parent_lot") == "other variety":
        arguments["parent_lot"] = lot_of_this_season(branch)
    lots_before = Lot.objects.count()
    with pytest.raises(ValidationError) as error:
        services.return_record(**arguments)
    assert error.value.error_dict[field][0].code == code
    assert Lot.objects.count() == lots_before


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"source": "found on the pavement"}, "source", "source_unknown"),
        ({"source": Lot.Source.PATRON_RETURN}, "card_number", "return_without_card"),
        ({"parent_lot": "same variety"}, "parent_lot", "commercial_with_parent"),
        ({"donor_name": "x" * 161}, "donor_name", "too_long"),
    ],
)
def test_a_bad_donation_is_refused_and_saves_nothing(branch, assistant, changes, field, code):
    variety = VarietyFactory()
    arguments = {
        "variety": variety,
        "source": Lot.Source.COMMERCIAL_DONATION,
        "harvest_year": 2025,
        "by": assistant,
        "now": NOW,
        **changes,
    }
    if changes.get("parent_lot") == "same variety":
        arguments["parent_lot"] = lot_of_this_season(branch, variety=variety)
    lots_before = Lot.objects.count()
    with pytest.raises(ValidationError) as error:
        services.lot_receive(**arguments)
    assert error.value.error_dict[field][0].code == code
    assert Lot.objects.count() == lots_before


# Quarantine, germination tests, packing


def record_test(lot, sprouted, *, tested_seeds=20, counted_on=None, started_on=None):
    counted_on = counted_on or timezone.localdate()
    return services.germination_record(
        lot=lot,
        started_on=started_on or counted_on - dt.timedelta(days=7),
        counted_on=counted_on,
        seeds_tested=tested_seeds,
        seeds_sprouted=sprouted,
        by=None,
    )


def test_a_lot_goes_from_quarantine_to_a_test_to_the_shelf(branch, assistant, borrower):
    lot = LotFactory(harvest_year=timezone.localdate().year - 1)
    with pytest.raises(ValidationError) as error:
        record_test(lot, 18)
    assert refusal_codes(error.value) == ["in_quarantine"]
    services.quarantine_end(lot=lot, by=assistant)
    with pytest.raises(ValidationError) as error:
        services.quarantine_end(lot=lot, by=assistant)
    assert refusal_codes(error.value) == ["not_in_quarantine"]
    lot.refresh_from_db()
    assert lot.status == Lot.Status.TEST_PENDING
    with pytest.raises(ValidationError) as error:
        services.packets_add(lot=lot, branch=branch, packets=10, by=assistant)
    assert refusal_codes(error.value) == ["not_available"]
    record_test(lot, 14)  # exactly 70 %
    lot.refresh_from_db()
    assert lot.status == Lot.Status.AVAILABLE
    stock = services.packets_add(lot=lot, branch=branch, packets=10, by=assistant)
    assert services.packets_add(lot=lot, branch=branch, packets=5, by=assistant).pk == stock.pk
    assert packets_at(lot, branch) == 15
    assert selectors.lot_is_lendable(lot, today=timezone.localdate())


def test_just_below_the_threshold_stays_off_the_shelf():
    lot = LotFactory(status=Lot.Status.TEST_PENDING, harvest_year=timezone.localdate().year - 1)
    record_test(lot, 69, tested_seeds=100)
    lot.refresh_from_db()
    assert lot.status == Lot.Status.TEST_PENDING


def test_a_later_failing_test_takes_the_lot_out_of_lending(branch, borrower, assistant):
    lot = lendable_lot(branch=branch, harvest_year=timezone.localdate().year - 1)
    record_test(lot, 10)
    lot.refresh_from_db()
    assert lot.status == Lot.Status.TEST_PENDING
    assert not selectors.lot_is_lendable(lot, today=timezone.localdate())
    with pytest.raises(ValidationError):
        services.loan_create(patron=borrower, branch=branch, lots=[lot], by=assistant, now=timezone.now())
    # An older passing test recorded late does not outweigh the latest one.
    record_test(lot, 20, counted_on=timezone.localdate() - dt.timedelta(days=60))
    lot.refresh_from_db()
    assert lot.status == Lot.Status.TEST_PENDING


def test_a_passing_test_of_seed_past_its_viability_does_not_put_it_back():
    lot = LotFactory(status=Lot.Status.TEST_PENDING, harvest_year=timezone.localdate().year - 5)
    record_test(lot, 20)
    lot.refresh_from_db()
    assert lot.status == Lot.Status.TEST_PENDING


@pytest.mark.parametrize(
    ("arguments", "field", "code"),
    [
        ({"seeds_tested": 10, "seeds_sprouted": 11}, "seeds_sprouted", "more_than_tested"),
        ({"seeds_tested": 0, "seeds_sprouted": 0}, "seeds_tested", "out_of_range"),
        ({"seeds_tested": 5000, "seeds_sprouted": 1}, "seeds_tested", "out_of_range"),
        ({"seeds_tested": 10, "seeds_sprouted": -1}, "seeds_sprouted", "negative"),
        ({"started_on": dt.date(2026, 3, 10), "counted_on": dt.date(2026, 3, 1)}, "counted_on", "before_start"),
        ({"counted_on": dt.date(2099, 1, 1), "started_on": dt.date(2098, 12, 1)}, "counted_on", "future"),
        ({"notes": "<b>bold</b>"}, "notes", "markup"),
        ({"seeds_tested": "twenty"}, None, "not_whole_number"),
        ({"lot": "retired"}, None, "retired"),
    ],
)
def test_a_bad_germination_test_is_refused_and_saves_nothing(arguments, field, code):
    lot = LotFactory(status=Lot.Status.TEST_PENDING)
    if arguments.get("lot") == "retired":
        arguments = {"lot": LotFactory(status=Lot.Status.RETIRED)}
    values = {
        "lot": lot,
        "started_on": dt.date(2026, 3, 1),
        "counted_on": dt.date(2026, 3, 8),
        "seeds_tested": 20,
        "seeds_sprouted": 18,
        "by": None,
        **arguments,
    }
    with pytest.raises(ValidationError) as error:
        services.germination_record(**values)
    assert (error.value.error_dict[field] if field else error.value.error_list)[0].code == code
    assert not GerminationTest.objects.exists()
    lot.refresh_from_db()
    assert lot.status == Lot.Status.TEST_PENDING


@pytest.mark.parametrize(
    ("packets", "code"), [(0, "too_few"), (-3, "too_few"), (501, "too_many"), ("x", "not_whole_number")]
)
def test_packing_a_bad_number_of_packets_is_refused(branch, packets, code):
    lot = lendable_lot(branch=branch, packets=4)
    with pytest.raises(ValidationError) as error:
        services.packets_add(lot=lot, branch=branch, packets=packets, by=None)
    assert error.value.error_dict["packets"][0].code == code
    assert packets_at(lot, branch) == 4


def test_a_retired_lot_leaves_lending_and_retiring_again_is_harmless(branch):
    lot = lendable_lot(branch=branch)
    services.lot_retire(lot=lot, by=None)
    services.lot_retire(lot=lot, by=None)
    lot.refresh_from_db()
    assert lot.status == Lot.Status.RETIRED
    assert not selectors.lot_is_lendable(lot, today=timezone.localdate())


def test_the_yearly_audit_lists_lots_whose_last_test_is_a_year_old():
    today = dt.date(2026, 11, 15)
    stale = LotFactory(status=Lot.Status.AVAILABLE, code="STALE")
    GerminationTestFactory(lot=stale, started_on=dt.date(2025, 11, 1), counted_on=dt.date(2025, 11, 8))
    fresh = LotFactory(status=Lot.Status.AVAILABLE, code="FRESH")
    GerminationTestFactory(lot=fresh, started_on=dt.date(2025, 11, 1), counted_on=dt.date(2025, 11, 8))
    GerminationTestFactory(lot=fresh, started_on=dt.date(2026, 9, 1), counted_on=dt.date(2026, 9, 8))
    untested = LotFactory(status=Lot.Status.AVAILABLE, code="UNTESTED")
    LotFactory(status=Lot.Status.RETIRED, code="RETIRED")
    due = list(selectors.retest_due(today=today))
    assert due == [untested, stale]
    assert due[1].latest_tested_on == dt.date(2025, 11, 8)


def test_no_requests_for_pickup_at_a_branch_that_is_not_open(borrower):
    closed = BranchFactory(is_active=False)
    lot = lot_of_this_season(closed)
    with pytest.raises(ValidationError) as error:
        request_online(borrower, closed, [lot.variety])
    assert error.value.error_dict["branch"][0].code == "branch_not_open"
    assert packets_at(lot, closed) == 5


@pytest.mark.parametrize(("twice", "code"), [(False, "nothing_chosen"), (True, "chosen_twice")])
def test_an_online_request_for_nothing_or_the_same_seed_twice_is_refused(borrower, branch, twice, code):
    lot = lot_of_this_season(branch)
    with pytest.raises(ValidationError) as error:
        request_online(borrower, branch, [lot.variety, lot.variety] if twice else [])
    assert error.value.error_dict["varieties"][0].code == code
    assert packets_at(lot, branch) == 5
