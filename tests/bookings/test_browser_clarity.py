"""A patron books the laser cutter orientation with the keyboard only: the list and the service page say
how long it is and from what age, the form asks the age, forgetting it is explained; axe-core on every page."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Booking
from makerlab.cards import card_number_make
from staffing.models import StaffMember
from tests.bookings.test_browser import day_words
from tests.bookings.test_staff_browser import log_in
from tests.browser import tab_to, type_into
from tests.factories import UserFactory, build_desk

pytestmark = pytest.mark.browser


@pytest.fixture
def laser(transactional_db):
    cache.clear()
    day = timezone.localdate() + dt.timedelta(days=3)
    service = build_desk([day])
    service.name = "Laser cutter orientation"
    service.duration_minutes = 90
    service.minimum_age = 16
    service.what_to_bring = "Closed-toe shoes, and a tie for long hair."
    service.save()
    return {"service": service, "day": day}


def test_a_patron_books_the_laser_cutter_orientation_confirming_the_age(page, laser, assert_accessible):
    service, day = laser["service"], laser["day"]
    page.goto("/book/")
    expect(page.get_by_text(f"1 hour 30 minutes at {service.branch.name}, ages 16 and up.")).to_be_visible()
    assert_accessible(page)

    tab_to(page, service.name)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(service.name)
    facts = page.locator(".service-facts")
    expect(facts).to_contain_text("For ages 16 and up.")
    expect(facts).to_contain_text("What to bring: Closed-toe shoes, and a tie for long hair.")
    expect(facts).to_contain_text("You can book up to 4 weeks ahead, and up to 2 hours before the session starts.")
    assert_accessible(page)

    tab_to(page, f"{day_words(day)}, 1:00 to 2:30 p.m.")
    page.keyboard.press("Space")
    tab_to(page, "Continue with this time")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Book {service.name}")
    expect(page.get_by_role("checkbox", name="I am 16 or older")).not_to_be_checked()
    assert_accessible(page)

    # The age left unconfirmed: the message is on the form, tied to the checkbox, and nothing is booked.
    type_into(page, "Library card number", card_number_make(9))
    type_into(page, "Your name", "Maya Singh")
    type_into(page, "Email", "maya@example.net")
    tab_to(page, "Book this time")
    page.keyboard.press("Enter")
    expect(page.locator("#error-summary")).to_be_focused()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Laser cutter orientation is for ages 16 and up, for safety.")
    expect(page.locator("#id_meets_minimum_age_error")).to_contain_text("Tick the box to confirm the age")
    assert not Booking.objects.exists()
    assert_accessible(page)

    tab_to(page, "I am 16 or older")
    page.keyboard.press("Space")
    expect(page.get_by_role("checkbox", name="I am 16 or older")).to_be_checked()
    tab_to(page, "Book this time")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are booked")
    assert_accessible(page)
    assert Booking.objects.get().service_type == service


def test_the_desk_books_the_orientation_only_once_the_age_is_confirmed(page, laser, assert_accessible):
    service, day = laser["service"], laser["day"]
    assistant = StaffMember.objects.get()  # the one build_desk put on the shift
    assistant.user = UserFactory(username="daniel", role="Library assistant")
    assistant.save(update_fields=["user"])
    log_in(page, "daniel")
    page.goto("/staff/desk/book/")
    page.get_by_label("Service").select_option(label=service.name)
    page.get_by_role("button", name="Show times").click()
    expect(page.get_by_role("checkbox", name="The patron is 16 or older")).not_to_be_checked()
    assert_accessible(page)
    page.get_by_label("Time").select_option(index=1)
    page.get_by_label("Library card number").fill(card_number_make(11))
    page.get_by_label("Patron's name").fill("Gordon Reid")
    page.get_by_role("textbox", name="Email").fill("gordon@example.net")
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.locator("#error-summary")).to_contain_text("Tick the box to confirm the age")
    assert not Booking.objects.exists()
    assert_accessible(page)
    page.get_by_role("checkbox", name="The patron is 16 or older").check()
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_text(f"Booked {service.name} for Gordon Reid")).to_be_visible()
    assert Booking.objects.get().starts_at.astimezone(service.branch.zone).date() == day
