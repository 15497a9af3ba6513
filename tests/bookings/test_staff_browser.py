"""The staff desk in a real browser: an assistant checks a patron in, records the outcome, books for a
caller and lifts a pause, and axe-core's WCAG 2.1 AA rules hold on each desk page along the way."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Booking, BookingPause
from tests.conftest import PASSWORD
from tests.factories import (
    AssignmentFactory,
    BranchFactory,
    PatronFactory,
    QualificationFactory,
    ServiceTypeFactory,
    ShiftFactory,
    SkillFactory,
    StaffMemberFactory,
    UserFactory,
    at,
    make_booking,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def desk(transactional_db):
    branch = BranchFactory(name="Central Library", slug="central", observes_statutory_holidays=False)
    skill = SkillFactory(name="Tech help")
    service = ServiceTypeFactory(branch=branch, name="Tech help: phone, tablet, laptop", required_skill=skill)
    assistant = StaffMemberFactory(
        user=UserFactory(username="assistant", first_name="Daniel", last_name="Okafor", role="Library assistant")
    )
    QualificationFactory(staff_member=assistant, skill=skill)
    day = timezone.localdate() + dt.timedelta(days=3)
    shift = ShiftFactory(branch=branch, starts_at=at(day, 13), ends_at=at(day, 16))
    AssignmentFactory(shift=shift, staff_member=assistant)
    patron = PatronFactory(first_name="Doris", last_name="Campbell")
    booking = make_booking(
        service_type=service,
        patron=patron,
        staff_member=assistant,
        starts_at=timezone.now() - dt.timedelta(minutes=5),
        contact_name="Doris Campbell",
    )
    paused = PatronFactory(first_name="Harold", last_name="Fraser")
    BookingPause.objects.create(
        patron=paused, paused_until=timezone.now() + dt.timedelta(days=20), reason="3 missed sessions in 90 days"
    )
    return {"service": service, "booking": booking, "day": day}


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_a_session_at_the_desk_and_every_desk_page_is_accessible(page, desk, assert_accessible):
    log_in(page, "assistant")
    page.goto("/staff/")
    page.get_by_role("link", name="Desk", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Desk agenda, Central Library")
    assert_accessible(page)

    page.get_by_role("button", name="Check in Doris Campbell").click()
    expect(page.get_by_text("Doris Campbell: checked in.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Record outcome for Doris Campbell").click()
    assert_accessible(page)
    page.get_by_role("button", name="Save the outcome").click()  # empty: refused on the form
    expect(page.get_by_text("This field is required.").first).to_be_visible()
    assert_accessible(page)
    page.get_by_label("What the session was about").fill("Video calls with family")
    page.get_by_label("No, needs follow-up").check()
    page.get_by_role("button", name="Save the outcome").click()
    expect(page.get_by_text("Outcome recorded for Doris Campbell.")).to_be_visible()
    booking = Booking.objects.get(pk=desk["booking"].pk)
    assert (booking.status, booking.outcome_resolved) == ("attended", False)

    page.get_by_role("link", name="My sessions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My sessions")
    assert_accessible(page)

    page.get_by_role("link", name="Book for a patron").click()
    assert_accessible(page)
    page.get_by_label("Service").select_option(label="Tech help: phone, tablet, laptop")
    page.get_by_role("button", name="Show times").click()
    assert_accessible(page)
    page.get_by_label("Card to look up").fill(desk["booking"].patron.card_number)
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_text("On file: Doris Campbell.")).to_be_visible()
    expect(page.get_by_label("Patron's name")).to_have_value("Doris Campbell")
    assert_accessible(page)
    page.get_by_label("Time").select_option(index=1)
    page.get_by_label("Library card number").fill("not a card")
    page.get_by_label("Patron's name").fill("Gordon Reid")
    page.get_by_role("textbox", name="Email").fill("gordon@example.net")
    page.get_by_role("button", name="Book").click()
    assert_accessible(page)  # the refusal, on the form
    assert not Booking.objects.filter(contact_name="Gordon Reid").exists()

    page.get_by_role("link", name="Paused patrons").click()
    expect(page).to_have_url(re.compile(r"/staff/desk/paused/$"))
    assert_accessible(page)
    page.get_by_role("button", name="Lift the pause for Harold Fraser").click()
    expect(page.get_by_text("Harold Fraser can book online again.")).to_be_visible()
    assert_accessible(page)


def test_a_cancel_phoned_in_is_confirmed_at_the_desk_and_accessible(page, desk, assert_accessible):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    booking = make_booking(service_type=desk["service"], starts_at=at(tomorrow, 10), contact_name="Mei Chen")
    log_in(page, "assistant")
    page.goto(f"/staff/desk/?branch=central&day={tomorrow:%Y-%m-%d}")
    page.get_by_role("link", name="Cancel the booking of Mei Chen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel this booking?")
    expect(page.locator(".booking-summary")).to_contain_text("Mei Chen")
    assert_accessible(page)
    page.get_by_role("link", name="Keep the booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Desk agenda, Central Library")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED

    page.get_by_role("link", name="Cancel the booking of Mei Chen").click()
    page.get_by_role("button", name="Yes, cancel this booking").click()
    expect(page.get_by_text("Cancelled Mei Chen's booking")).to_be_visible()
    expect(page.get_by_role("link", name="Cancel the booking of Mei Chen")).to_have_count(0)
    assert_accessible(page)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
