"""Booking clarity: each service says, from its own settings, how long, how far ahead and how late one can
book, until when one can change, what to bring and its age minimum; the age is asked on the patron's and the
desk's forms and checked by the booking service."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking
from bookings.services.booking import PatronDetails, booking_create
from bookings.wording import days_text, duration_text, hours_text, service_facts
from makerlab.cards import card_number_make
from makerlab.models import Patron
from tests.bookings.test_staff_views import book as desk_book
from tests.bookings.test_views import post_booking
from tests.factories import (
    AssignmentFactory,
    QualificationFactory,
    ServiceTypeFactory,
    ShiftFactory,
    SkillFactory,
    StaffMemberFactory,
    UserFactory,
    at,
    build_desk,
)
from tests.factories import booking_form_data as form_data

AGE_REFUSAL = (
    "Laser cutter orientation is for ages 16 and up, for safety. "
    "Tick the box to confirm the age, or choose another service."
)


@pytest.fixture
def day() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=3)


@pytest.fixture
def laser(db, day):
    service = build_desk([day])
    service.name = "Laser cutter orientation"
    service.minimum_age = 16
    service.what_to_bring = "Closed-toe shoes, and a tie for long hair"
    service.duration_minutes = 90
    service.horizon_days = 14
    service.minimum_notice_hours = 24
    service.change_cutoff_hours = 48
    service.save()
    return service


@pytest.mark.parametrize(
    ("minutes", "words"),
    [(5, "5 minutes"), (45, "45 minutes"), (60, "1 hour"), (90, "1 hour 30 minutes"), (121, "2 hours 1 minute")],
)
def test_durations_read_in_hours_and_minutes(minutes, words):
    assert duration_text(minutes) == words


@pytest.mark.parametrize(("days", "words"), [(1, "1 day"), (7, "1 week"), (10, "10 days"), (28, "4 weeks")])
def test_how_far_ahead_reads_in_weeks_when_whole(days, words):
    assert days_text(days) == words


@pytest.mark.parametrize(("hours", "words"), [(1, "1 hour"), (2, "2 hours"), (24, "1 day"), (36, "36 hours")])
def test_notice_reads_in_days_when_whole(hours, words):
    assert hours_text(hours) == words


def test_the_facts_follow_the_services_own_settings(db):
    service = ServiceTypeFactory.build(
        duration_minutes=45, horizon_days=28, minimum_notice_hours=2, change_cutoff_hours=0, what_to_bring=""
    )
    facts = service_facts(service)
    assert facts.duration == "The session lasts 45 minutes."
    assert facts.how_far_ahead == "You can book up to 4 weeks ahead, and up to 2 hours before the session starts."
    assert facts.changes == "You can change or cancel your booking online until the session starts."
    assert (facts.what_to_bring, facts.age, facts.ages) == ("", "", "")


def test_the_service_page_says_how_long_how_far_ahead_how_late_what_to_bring_and_the_age(client, laser):
    text = client.get(reverse("bookings:service", args=[laser.slug])).text
    assert "The session lasts 1 hour 30 minutes." in text
    assert "You can book up to 2 weeks ahead, and up to 1 day before the session starts." in text
    assert "You can change or cancel your booking online until 2 days before the session starts." in text
    assert "<strong>What to bring:</strong> Closed-toe shoes, and a tie for long hair.</li>" in text
    assert "For ages 16 and up." in text
    assert "You will be asked to confirm your age when you book." in text


def test_a_service_without_age_or_things_to_bring_says_neither(client, db, day):
    service = build_desk([day])
    text = client.get(reverse("bookings:service", args=[service.slug])).text
    assert "The session lasts 45 minutes." in text
    assert "What to bring" not in text and "For ages" not in text


def test_the_booking_form_repeats_the_facts_and_asks_the_age(client, laser, day):
    page = client.get(reverse("bookings:book", args=[laser.slug]), {"starts_at": at(day, 13).isoformat()}).text
    for sentence in (
        "The session lasts 1 hour 30 minutes.",
        "You can change or cancel your booking online until 2 days before the session starts.",
        "Closed-toe shoes, and a tie for long hair.",
        "For ages 16 and up.",
    ):
        assert sentence in page
    assert 'name="meets_minimum_age"' in page
    assert "I am 16 or older" in page


def test_a_service_without_age_minimum_does_not_ask(client, db, day):
    service = build_desk([day])
    page = client.get(reverse("bookings:book", args=[service.slug]), {"starts_at": at(day, 13).isoformat()}).text
    assert "meets_minimum_age" not in page


def test_the_services_list_gives_each_services_length_and_age(client, laser):
    ServiceTypeFactory(branch=laser.branch, name="Tech help", duration_minutes=45)
    text = client.get(reverse("bookings:services")).text
    assert f"1 hour 30 minutes at {laser.branch.name}, <strong>ages 16 and up</strong>." in text
    assert f"45 minutes at {laser.branch.name}.</p>" in text


# --- The age asked on the patron's form ----------------------------------------------------------------------


def assert_nothing_saved() -> None:
    assert not Booking.objects.exists()
    assert not Patron.objects.exists()
    assert not mail.outbox


@pytest.mark.parametrize("value", [None, "", "false", "FALSE"])
def test_the_age_not_confirmed_is_refused_on_the_form_and_nothing_is_saved(client, laser, day, value):
    response = post_booking(client, laser, form_data(at(day, 13), meets_minimum_age=value))
    assert response.status_code == 200
    form = response.context["form"]
    assert [error.code for error in form.errors.as_data()["meets_minimum_age"]] == ["minimum_age"]
    assert AGE_REFUSAL in response.text
    assert 'href="#id_meets_minimum_age"' in response.text  # the error summary leads to the checkbox
    assert_nothing_saved()


def test_the_age_refusal_shows_with_the_other_mistakes_at_once(client, laser, day):
    response = post_booking(client, laser, form_data(at(day, 13), card_number="12<b>", name=""))
    assert response.status_code == 200
    assert {"card_number", "name", "meets_minimum_age"} <= set(response.context["form"].errors)
    assert_nothing_saved()


def test_the_age_confirmed_books_the_orientation(client, laser, day, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_booking(client, laser, form_data(at(day, 13), meets_minimum_age="on"))
    assert response.status_code == 302, response.context["form"].errors
    booking = Booking.objects.get()
    assert (booking.service_type, booking.starts_at) == (laser, at(day, 13))
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("value", ["<script>alert(1)</script>", "x" * 5000, "\x00"])
def test_hostile_age_values_on_a_service_without_age_are_ignored(client, db, day, value):
    service = build_desk([day])
    response = post_booking(client, service, form_data(at(day, 13), meets_minimum_age=value))
    assert response.status_code == 302
    assert Booking.objects.count() == 1


# --- The service: the one place of the rule ------------------------------------------------------------------


def details(**overrides) -> PatronDetails:
    return PatronDetails(card_number=card_number_make(3), name="Sam Lee", email="sam@example.net", **overrides)


def test_the_booking_service_refuses_an_age_not_met_even_with_an_override(laser, day):
    for override in ("", "Staff agreed"):
        with pytest.raises(ValidationError) as refused:
            booking_create(service_type=laser, starts_at=at(day, 13), details=details(), override_limits=override)
        assert [error.code for error in refused.value.error_dict["meets_minimum_age"]] == ["minimum_age"]
    assert_nothing_saved()
    booking = booking_create(service_type=laser, starts_at=at(day, 13), details=details(meets_minimum_age=True))
    assert booking.service_type == laser


def test_a_service_without_age_minimum_books_without_the_question(db, day):
    service = build_desk([day])
    assert booking_create(service_type=service, starts_at=at(day, 13), details=details()).pk


# --- The desk applies the same rule --------------------------------------------------------------------------


@pytest.fixture
def assistant(db):
    """A library assistant who works the 1-on-1 desk."""
    return StaffMemberFactory(user=UserFactory(username="ada", first_name="Ada", role="Library assistant"))


@pytest.fixture
def desk_client(client, assistant):
    client.force_login(assistant.user)
    return client


@pytest.fixture
def desk_laser(db, branch, assistant, day):
    skill = SkillFactory(name="Laser cutter")
    service = ServiceTypeFactory(branch=branch, required_skill=skill, name="Laser cutter orientation", minimum_age=16)
    QualificationFactory(staff_member=assistant, skill=skill)
    shift = ShiftFactory(branch=branch, starts_at=at(day, 13), ends_at=at(day, 16))
    AssignmentFactory(shift=shift, staff_member=assistant)
    return service


def test_the_desk_asks_the_age_and_the_service_refuses_it_unmet(desk_client, desk_laser, day):
    page = desk_client.get("/staff/desk/book/", {"service": desk_laser.pk}).text
    assert "The patron is 16 or older" in page
    for value in (None, "", "false"):
        overrides = {"meets_minimum_age": value} if value is not None else {}
        refused = desk_book(desk_client, desk_laser, at(day, 13), override_limits="Agreed", **overrides)
        assert refused.status_code == 200
        assert [error.code for error in refused.context["form"].errors.as_data()["meets_minimum_age"]] == [
            "minimum_age"
        ]
        assert_nothing_saved()
    response = desk_book(desk_client, desk_laser, at(day, 13), meets_minimum_age="on")
    assert response.status_code == 302
    assert Booking.objects.get().service_type == desk_laser


# --- The coordinator sets them in the admin ------------------------------------------------------------------


def admin_post(client, service, **overrides):
    data = {
        "name": service.name,
        "slug": service.slug,
        "description": service.description,
        "what_to_bring": "",
        "branch": service.branch_id,
        "is_active": "on",
        "display_order": 0,
        "duration_minutes": 90,
        "buffer_minutes": 15,
        "minimum_notice_hours": 2,
        "horizon_days": 28,
        "required_skill": service.required_skill_id,
        "equipment": "",
        "minimum_age": "",
        "max_future_bookings": 2,
        "max_per_week": 2,
        "change_cutoff_hours": 2,
        "questions-TOTAL_FORMS": 0,
        "questions-INITIAL_FORMS": 0,
        **overrides,
    }
    return client.post(f"/admin/bookings/servicetype/{service.pk}/change/", data)


def test_the_coordinator_sets_what_to_bring_and_the_age_in_the_admin(client, coordinator, laser):
    client.force_login(coordinator)
    assert 'name="minimum_age"' in client.get(f"/admin/bookings/servicetype/{laser.pk}/change/").text
    response = admin_post(client, laser, minimum_age="18", what_to_bring="Safety glasses are provided.")
    assert response.status_code == 302
    laser.refresh_from_db()
    assert (laser.minimum_age, laser.what_to_bring) == (18, "Safety glasses are provided.")
    assert admin_post(client, laser).status_code == 302
    laser.refresh_from_db()
    assert (laser.minimum_age, laser.what_to_bring) == (None, "")


@pytest.mark.parametrize("age", ["0", "-3", "100", "abc", "16.5", "<script>"])
def test_a_bad_age_in_the_admin_is_refused_and_changes_nothing(client, coordinator, laser, age):
    client.force_login(coordinator)
    response = admin_post(client, laser, minimum_age=age, what_to_bring="x" * 301)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert {"minimum_age", "what_to_bring"} <= set(errors)
    laser.refresh_from_db()
    assert (laser.minimum_age, laser.what_to_bring) == (16, "Closed-toe shoes, and a tie for long hair")
