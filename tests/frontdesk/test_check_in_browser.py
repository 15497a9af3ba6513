"""Check-in by QR code in a real browser: an assistant opens the check-in page from the staff menu, a USB
scanner types the QR code's address and presses Enter, the assistant checks the patron in and records the
outcome; axe-core's WCAG 2.1 AA rules hold on every page along the way."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.links import booking_check_in_url
from bookings.models import Booking
from makerlab.cards import card_number_make
from programs.checkin import registration_check_in_url
from programs.models import Attendance, Session
from programs.services.registration import ParticipantDetails, RegistrantDetails, registration_create
from tests.conftest import PASSWORD
from tests.factories import (
    BranchFactory,
    ProgramFactory,
    ServiceTypeFactory,
    StaffMemberFactory,
    UserFactory,
    make_booking,
)

pytestmark = [pytest.mark.browser, pytest.mark.time_machine("2026-11-18T10:30-05:00")]


@pytest.fixture
def desk(transactional_db):
    branch = BranchFactory(name="Central Library", slug="central", observes_statutory_holidays=False)
    service = ServiceTypeFactory(branch=branch, name="Tech help: phone, tablet, laptop")
    assistant = StaffMemberFactory(
        user=UserFactory(username="assistant", first_name="Daniel", last_name="Okafor", role="Library assistant")
    )
    booking = make_booking(
        service_type=service,
        staff_member=assistant,
        starts_at=timezone.now() + dt.timedelta(minutes=5),
        contact_name="Doris Campbell",
    )
    program = ProgramFactory(title="Robots and rockets", branch=branch, places_per_registration=3)
    start = timezone.now() + dt.timedelta(minutes=15)
    Session.objects.create(program=program, starts_at=start, ends_at=start + dt.timedelta(hours=2))
    registration = registration_create(
        program=program,
        details=RegistrantDetails(
            card_number=card_number_make(12),
            name="Carmen Lopez",
            email="carmen@example.net",
            participants=[ParticipantDetails(first_name=name, age=13, is_child=True) for name in ("Ana", "Ben")],
        ),
    )
    return {"booking": booking, "registration": registration}


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def scan(page, payload: str) -> None:
    """What a USB scanner does: type the QR code's text into the focused field, then press Enter."""
    expect(page.get_by_role("textbox", name="Check-in code")).to_be_focused()
    page.keyboard.type(payload)
    page.keyboard.press("Enter")


def test_an_assistant_checks_a_patron_in_by_scanning_and_records_the_outcome(page, desk, assert_accessible):
    booking = desk["booking"]
    log_in(page, "assistant")
    page.goto("/staff/")
    page.get_by_role("navigation", name="Staff area").get_by_role("link", name="Check in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check in")
    assert_accessible(page)

    scan(page, booking_check_in_url(booking))
    expect(page.get_by_role("heading", name="Doris Campbell")).to_be_visible()
    expect(page.get_by_text("Tech help: phone, tablet, laptop")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Check in Doris Campbell").click()
    expect(page.get_by_text("Doris Campbell is checked in for Tech help: phone, tablet, laptop.")).to_be_visible()
    expect(page.get_by_role("textbox", name="Check-in code")).to_have_value("")  # ready for the next scan
    assert_accessible(page)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.ATTENDED

    page.get_by_role("link", name="Record the outcome of Doris Campbell's session").click()
    assert_accessible(page)
    page.get_by_label("What the session was about").fill("Video calls with family")
    page.get_by_label("Yes, resolved").check()
    page.get_by_role("button", name="Save the outcome").click()
    expect(page.get_by_text("Outcome recorded for Doris Campbell.")).to_be_visible()
    assert_accessible(page)
    booking.refresh_from_db()
    assert (booking.outcome_topic, booking.outcome_resolved) == ("Video calls with family", True)


def test_a_family_is_checked_in_for_a_program_and_a_bad_scan_is_explained(page, desk, assert_accessible):
    log_in(page, "assistant")
    page.goto("/staff/check-in/")
    scan(page, "B.1.NOTAREALCODE00")
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_role("link", name="This is not a Maker Lab check-in code.", exact=False)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("textbox", name="Check-in code").fill("")
    page.get_by_role("textbox", name="Check-in code").focus()
    scan(page, registration_check_in_url(desk["registration"]))
    expect(page.get_by_text("Ana, Ben")).to_be_visible()
    page.get_by_role("button", name="Check in Carmen Lopez").click()
    expect(page.get_by_text("Checked in for Robots and rockets: Ana, Ben.")).to_be_visible()
    assert_accessible(page)
    assert Attendance.objects.filter(present=True).count() == 2
