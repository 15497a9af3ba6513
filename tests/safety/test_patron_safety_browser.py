"""In a real browser, with axe-core's WCAG 2.1 AA rules on every page: a patron books time on the laser cutter,
reads its hazards, protective equipment and age on the way and answers the age question; an assistant checks a
patron in for it from the desk agenda, going through the pre-use checklist."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from bookings.links import booking_check_in_code
from bookings.models import Booking
from makerlab.cards import card_number_make
from safety.models import PreUseCheck
from tests.bookings.test_browser import day_words
from tests.bookings.test_staff_browser import log_in
from tests.browser import tab_to, type_into
from tests.factories import EquipmentFactory, ServiceTypeFactory, StaffMemberFactory, UserFactory, make_booking
from tests.safety.profiles import LASER_CHECKLIST, laser_service, safety_profile

pytestmark = pytest.mark.browser


@pytest.fixture
def laser(transactional_db):
    cache.clear()
    day = timezone.localdate() + dt.timedelta(days=3)
    return {"service": laser_service(day), "day": day}


def test_a_patron_reads_the_safety_facts_and_confirms_the_age_when_booking(page, laser, assert_accessible):
    service, day = laser["service"], laser["day"]
    page.goto(f"/book/{service.slug}/")
    safety = page.get_by_role("region", name="Staying safe on the Laser cutter")
    expect(safety).to_contain_text("Laser radiation")
    expect(safety).to_contain_text("The library lends you, free:")
    expect(safety).to_contain_text("Please bring or wear your own:")
    expect(safety).to_contain_text("you must be 16 or older")
    assert_accessible(page)

    tab_to(page, f"{day_words(day)}, 1:00 to 1:45 p.m.")
    page.keyboard.press("Space")
    tab_to(page, "Continue with this time")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Book {service.name}")
    expect(page.get_by_role("region", name="Staying safe on the Laser cutter")).to_be_visible()
    expect(page.get_by_role("checkbox", name="I am 16 or older")).not_to_be_checked()
    assert_accessible(page)

    type_into(page, "Library card number", card_number_make(9))
    type_into(page, "Your name", "Maya Singh")
    type_into(page, "Email", "maya@example.net")
    tab_to(page, "Book this time")
    page.keyboard.press("Enter")
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#error-summary")).to_contain_text("is for ages 16 and up, for safety.")
    assert not Booking.objects.exists()
    assert_accessible(page)

    tab_to(page, "I am 16 or older")
    page.keyboard.press("Space")
    tab_to(page, "Book this time")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are booked")
    expect(page.get_by_role("region", name="Staying safe on the Laser cutter")).to_contain_text("Safety glasses")
    assert_accessible(page)
    assert Booking.objects.get().equipment == service.equipment


@pytest.mark.time_machine("2026-11-18T10:30-05:00")
def test_an_assistant_goes_through_the_checklist_to_check_a_patron_in(page, transactional_db, assert_accessible):
    assistant = StaffMemberFactory(user=UserFactory(username="daniel", first_name="Daniel", role="Library assistant"))
    equipment = EquipmentFactory(name="Laser cutter")
    safety_profile(equipment)
    service = ServiceTypeFactory(branch=equipment.branch, name="Laser cutter time", equipment=equipment)
    booking = make_booking(
        service_type=service,
        staff_member=assistant,
        starts_at=timezone.now() + dt.timedelta(minutes=5),
        contact_name="Maya Singh",
    )
    log_in(page, "daniel")
    page.goto("/staff/desk/")
    page.get_by_role("link", name="Check in with the safety checklist for Maya Singh").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check in Maya Singh")
    assert_accessible(page)

    page.get_by_role("checkbox", name=LASER_CHECKLIST[0]).check()
    page.get_by_role("button", name="Check in Maya Singh").click()
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#error-summary")).to_contain_text("Not ticked yet: Extraction fan on")
    assert_accessible(page)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED

    for line in LASER_CHECKLIST:
        page.get_by_role("checkbox", name=line).check()
    page.get_by_role("button", name="Check in Maya Singh").click()
    expect(page.get_by_text("Maya Singh: checked in.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Desk agenda")
    assert PreUseCheck.objects.get(booking=booking).items == list(LASER_CHECKLIST)
    assert_accessible(page)


@pytest.mark.time_machine("2026-11-18T10:30-05:00")
def test_the_qr_check_in_page_asks_the_checklist_before_checking_in(page, transactional_db, assert_accessible):
    assistant = StaffMemberFactory(user=UserFactory(username="daniel", first_name="Daniel", role="Library assistant"))
    equipment = EquipmentFactory(name="Laser cutter")
    safety_profile(equipment)
    service = ServiceTypeFactory(branch=equipment.branch, name="Laser cutter time", equipment=equipment)
    booking = make_booking(
        service_type=service, staff_member=assistant, starts_at=timezone.now(), contact_name="Maya Singh"
    )
    log_in(page, "daniel")
    page.goto(f"/staff/check-in/?code={booking_check_in_code(booking)}")
    expect(page.get_by_role("group", name="Safety checklist")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Check in Maya Singh").click()
    expect(page.locator("#error-summary")).to_contain_text("Not ticked yet")
    assert_accessible(page)
    for line in LASER_CHECKLIST:
        page.get_by_role("checkbox", name=line).check()
    page.get_by_role("button", name="Check in Maya Singh").click()
    expect(page.get_by_text("Maya Singh is checked in for Laser cutter time.")).to_be_visible()
    expect(page.get_by_text("Safety checklist ticked by Daniel")).to_be_visible()
    assert_accessible(page)
