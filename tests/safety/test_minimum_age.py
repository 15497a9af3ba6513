"""A machine's minimum age, set in its safety profile, is asked on the patron's and the desk's booking forms and
checked by the booking service: an age not confirmed is refused with a clear message and nothing is booked."""

import datetime as dt
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking
from bookings.services.booking import PatronDetails, booking_create
from makerlab.cards import card_number_make
from makerlab.models import Notification, Patron
from tests.bookings.test_staff_views import book as desk_book
from tests.factories import at, booking_form_data
from tests.safety.profiles import laser_service

AGE_REFUSAL = "Laser cutter orientation is for ages 16 and up, for safety. Tick the box to confirm the age"


@pytest.fixture
def day() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=3)


@pytest.fixture
def laser(db, day):
    return laser_service(day)


def post_booking(client, service, data):
    return client.post(reverse("bookings:book", args=[service.slug]), data)


def assert_nothing_booked() -> None:
    assert not Booking.objects.exists()
    assert not Patron.objects.exists()
    assert not Notification.objects.exists()


def details(**overrides) -> PatronDetails:
    values = {"card_number": card_number_make(3), "name": "Maya Singh", "email": "maya@example.net"} | overrides
    return PatronDetails(**values)


def test_the_form_asks_the_machines_age_in_plain_words(client, laser, day):
    starts_at = at(day, 13).isoformat().replace("+", "%2B")
    page = unescape(client.get(reverse("bookings:book", args=[laser.slug]) + f"?starts_at={starts_at}").text)
    assert 'name="meets_minimum_age"' in page
    assert "I am 16 or older" in page
    assert "Laser cutter orientation is for ages 16 and up, for safety." in page
    listing = unescape(client.get(reverse("bookings:services")).text)
    assert "ages 16 and up" in listing


@pytest.mark.parametrize("value", [None, "", "false", "False"])
def test_the_age_not_confirmed_is_refused_on_the_form_and_nothing_is_booked(client, laser, day, value):
    response = post_booking(client, laser, booking_form_data(at(day, 13), meets_minimum_age=value))
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()
    assert [error.code for error in errors["meets_minimum_age"]] == ["minimum_age"]
    assert AGE_REFUSAL in unescape(response.text)
    assert 'href="#id_meets_minimum_age"' in response.text  # the error summary leads to the question
    assert_nothing_booked()


@pytest.mark.parametrize(
    "overrides",
    [
        {"meets_minimum_age": "<script>alert(1)</script>", "card_number": "12"},
        {"meets_minimum_age": "1" * 5000, "name": ""},
        {"meets_minimum_age": "\x00", "email": "not an email"},
        {"meets_minimum_age": "-1", "starts_at": "2026-13-45T99:00"},
    ],
)
def test_hostile_values_with_the_age_answer_give_a_message_and_book_nothing(client, laser, day, overrides):
    response = post_booking(client, laser, booking_form_data(at(day, 13)) | overrides)
    assert response.status_code in (200, 400)
    assert "There is a problem" in response.text or "Choose one of the times listed" in response.text
    assert_nothing_booked()


def test_the_service_refuses_the_age_unconfirmed_whoever_calls_it(laser, day):
    with pytest.raises(ValidationError) as refused:
        booking_create(service_type=laser, starts_at=at(day, 13), details=details())
    assert [error.code for error in refused.value.error_dict["meets_minimum_age"]] == ["minimum_age"]
    assert_nothing_booked()
    booking = booking_create(service_type=laser, starts_at=at(day, 13), details=details(meets_minimum_age=True))
    assert booking.equipment == laser.equipment


@pytest.mark.parametrize(("service_age", "asked"), [(None, 16), (12, 16), (18, 18)])
def test_the_higher_of_the_services_and_the_machines_minimum_is_asked(client, laser, day, service_age, asked):
    laser.minimum_age = service_age
    laser.save(update_fields=["minimum_age"])
    response = post_booking(client, laser, booking_form_data(at(day, 13)))
    assert f"Laser cutter orientation is for ages {asked} and up, for safety." in unescape(response.text)
    assert_nothing_booked()


def test_a_machine_without_a_minimum_age_asks_nothing(client, db, day):
    service = laser_service(day, minimum_age=None)
    response = post_booking(client, service, booking_form_data(at(day, 13)))
    assert response.status_code == 302
    assert Booking.objects.get().equipment == service.equipment


def test_the_desk_asks_the_machines_age_and_the_service_refuses_it_unmet(client, assistant, laser, day):
    client.force_login(assistant)
    page = unescape(client.get("/staff/desk/book/", {"service": laser.pk}).text)
    assert "The patron is 16 or older" in page
    assert "for safety. Ask the patron." in page
    assert "Staying safe on the Laser cutter" in page  # to tell the patron on the phone
    refused = desk_book(client, laser, at(day, 13))
    assert refused.status_code == 200
    assert [e.code for e in refused.context["form"].errors.as_data()["meets_minimum_age"]] == ["minimum_age"]
    assert_nothing_booked()
    assert desk_book(client, laser, at(day, 13), meets_minimum_age="on").status_code == 302
    assert Booking.objects.get().service_type == laser
