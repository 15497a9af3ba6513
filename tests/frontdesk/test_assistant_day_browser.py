"""An assistant's day in a real browser: log in from the home page and land on the start page, check in to the
shift, check a patron in by scanning the QR code of their confirmation, record the session's outcome, then take
a program's roster on a tablet. axe-core's WCAG 2.1 AA rules hold on every page along the way."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from bookings.links import booking_check_in_url
from bookings.models import Booking, MaintenanceWindow
from programs.models import Attendance, Participant, Registration, Session
from staffing.models import Assignment, HoursEntry
from tests.clock import LIBRARY_ZONE
from tests.conftest import PASSWORD
from tests.factories import (
    AssignmentFactory,
    BranchFactory,
    EquipmentFactory,
    PatronFactory,
    ProgramFactory,
    ServiceTypeFactory,
    ShiftFactory,
    StaffMemberFactory,
    UserFactory,
    make_booking,
)

TUESDAY = dt.datetime(2026, 11, 17, 10, 20, tzinfo=LIBRARY_ZONE)
TABLET = {"width": 820, "height": 1180}
pytestmark = [pytest.mark.browser, pytest.mark.time_machine(TUESDAY, tick=True)]


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(TUESDAY.date(), dt.time(hour, minute), tzinfo=LIBRARY_ZONE)


@pytest.fixture
def day(transactional_db):
    branch = BranchFactory(name="Central Library", slug="central", observes_statutory_holidays=False)
    me = StaffMemberFactory(
        user=UserFactory(username="assistant", first_name="Daniel", last_name="Okafor", role="Library assistant")
    )
    assignment = AssignmentFactory(
        shift=ShiftFactory(branch=branch, starts_at=at(10), min_headcount=1), staff_member=me
    )
    service = ServiceTypeFactory(branch=branch, name="Tech help: phone, tablet, laptop")
    booking = make_booking(service_type=service, staff_member=me, starts_at=at(10, 30), contact_name="Doris Campbell")
    program = ProgramFactory(title="Teen coding club", branch=branch)
    session = Session.objects.create(program=program, starts_at=at(10), ends_at=at(12))
    for name in ("Luis", "Chloe"):
        registration = Registration.objects.create(
            program=program,
            patron=PatronFactory(),
            status=Registration.Status.CONFIRMED,
            places=1,
            contact_name=f"{name} Martin",
            contact_email=f"{name.lower()}@example.net",
        )
        Participant.objects.create(registration=registration, first_name=name)
    machine = EquipmentFactory(branch=branch, name="Laser cutter")
    MaintenanceWindow.objects.create(equipment=machine, starts_at=at(8), ends_at=at(18), reason="New lens")
    return {"assignment": assignment, "booking": booking, "session": session, "branch": branch}


def test_an_assistants_day_from_login_to_the_roster(page, day, assert_accessible):
    page.goto("/")
    page.get_by_role("link", name="Staff login").click()
    page.get_by_label("Username").fill("assistant")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")
    expect(page.get_by_role("region", name="Your shift today")).to_contain_text("10:00 a.m. to noon")
    expect(page.get_by_role("region", name="At the desk today")).to_contain_text("Doris Campbell")
    expect(page.get_by_role("region", name="Needs attention")).to_contain_text("Laser cutter at Central Library")
    assert_accessible(page)

    page.get_by_role("region", name="Your shift today").get_by_role("button", name="Check in to my shift").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")
    expect(page.locator("#messages")).to_contain_text("You checked in to your shift")
    assert_accessible(page)
    assert Assignment.objects.get(pk=day["assignment"].pk).checked_in_at is not None

    page.get_by_role("link", name="Check in a patron").click()
    page.wait_for_load_state("load")
    expect(page.get_by_role("textbox", name="Check-in code")).to_be_focused()
    page.keyboard.type(booking_check_in_url(day["booking"]))
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Check in Doris Campbell").click()
    expect(page.get_by_text("Doris Campbell is checked in for Tech help: phone, tablet, laptop.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Record the outcome of Doris Campbell's session").click()
    page.get_by_label("What the session was about").fill("Setting up email on a new phone")
    page.get_by_label("Yes, resolved").check()
    assert_accessible(page)
    page.get_by_role("button", name="Save the outcome").click()
    expect(page.get_by_text("Outcome recorded for Doris Campbell.")).to_be_visible()
    booking = Booking.objects.get(pk=day["booking"].pk)
    assert (booking.status, booking.outcome_resolved) == (Booking.Status.ATTENDED, True)

    page.set_viewport_size(TABLET)
    page.get_by_role("navigation", name="Staff area").get_by_role("link", name="Today").click()
    programs = page.get_by_role("region", name="Programs today")
    expect(programs).to_contain_text("On now")
    programs.get_by_role("link", name="Roster for Teen coding club").click()
    expect(page.get_by_text("The session is on until")).to_be_visible()
    assert_accessible(page)
    page.get_by_text("Luis", exact=True).click()
    page.get_by_role("button", name="One more walk-in adult").click()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("Attendance saved: 1 registered came, 1 counted at the door.")).to_be_visible()
    assert_accessible(page)
    came = Attendance.objects.filter(session=day["session"], present=True).values_list(
        "participant__first_name", flat=True
    )
    assert list(came) == ["Luis"]
    assert not Attendance.objects.filter(session=day["session"], present=False).exists()


def test_the_coordinators_today_shows_approvals_and_short_shifts_and_links_to_them(page, day, assert_accessible):
    coordinator = UserFactory(username="coordinator", is_staff=True, role="Coordinator")
    HoursEntry.objects.create(staff_member=StaffMemberFactory(), day=TUESDAY.date(), hours=2, activity="Outreach table")
    ShiftFactory(branch=day["branch"], starts_at=at(14) + dt.timedelta(days=2), min_headcount=2)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(coordinator.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")
    approvals = page.get_by_role("region", name="Waiting for your approval")
    expect(approvals).to_contain_text("1 entry of hours")
    expect(page.get_by_role("region", name="Needs attention")).to_contain_text(
        "Thursday 19 November, 2:00 to 4:00 p.m."
    )
    assert_accessible(page)
    approvals.get_by_role("link", name="1 entry of hours").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hours to approve")
    page.go_back()
    page.get_by_role("region", name="Needs attention").get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/staff/schedule/\?branch=central&week=2026-11-16$"))
    assert_accessible(page)
