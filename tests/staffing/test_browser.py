"""The staff area in a real browser: a shift changes hands from one person to another, and axe-core's
WCAG 2.1 AA rules hold on every staff page along the way."""

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from programs.models import Session
from staffing.models import Assignment, Availability, HoursEntry, ShiftChange, ShiftInvitation, StaffKind
from tests.conftest import PASSWORD
from tests.factories import (
    AssignmentFactory,
    BranchFactory,
    ProgramFactory,
    ShiftFactory,
    StaffMemberFactory,
    UserFactory,
)

pytestmark = pytest.mark.browser

TORONTO = zoneinfo.ZoneInfo("America/Toronto")


def day_words(day: dt.date) -> str:
    text = f"{day:%A} {day.day} {day:%B}"
    return text if day.year == timezone.localdate().year else f"{text} {day.year}"


@pytest.fixture
def lab(transactional_db):
    """A branch open every day, three people of the lab, and a shift the week after next."""
    central = BranchFactory(name="Central Library", slug="central", observes_statutory_holidays=False)
    people = {
        "assistant": StaffMemberFactory(
            user=UserFactory(username="assistant", first_name="Daniel", last_name="Okafor", role="Library assistant"),
            kind=StaffKind.LIBRARY_ASSISTANT,
        ),
        "volunteer": StaffMemberFactory(
            user=UserFactory(username="volunteer", first_name="Emma", last_name="Tremblay", role="Volunteer"),
            kind=StaffKind.VOLUNTEER,
        ),
        "coordinator": StaffMemberFactory(
            user=UserFactory(
                username="coordinator", first_name="Priya", last_name="Raman", role="Coordinator", is_staff=True
            ),
            kind=StaffKind.COORDINATOR,
        ),
    }
    today = timezone.localdate()
    monday = today + dt.timedelta(days=14 - today.weekday())
    day = monday + dt.timedelta(days=1)
    shift = ShiftFactory(
        branch=central,
        starts_at=dt.datetime.combine(day, dt.time(14), tzinfo=TORONTO),
        ends_at=dt.datetime.combine(day, dt.time(16), tzinfo=TORONTO),
        min_headcount=2,
        max_headcount=2,
    )
    assignment = AssignmentFactory(shift=shift, staff_member=people["assistant"])
    return {"people": people, "monday": monday, "day": day, "assignment": assignment}


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Staff login")).to_be_visible()


def test_a_facilitator_sees_the_programs_they_lead_and_follows_the_link(page, lab, assert_accessible):
    program = ProgramFactory(
        branch=lab["assignment"].shift.branch, title="Family 3D design", slug="family-3d-design", room="Maker Lab"
    )
    program.facilitators.add(lab["people"]["assistant"])
    Session.objects.create(
        program=program,
        starts_at=dt.datetime.combine(lab["day"], dt.time(10), tzinfo=TORONTO),
        ends_at=dt.datetime.combine(lab["day"], dt.time(11, 30), tzinfo=TORONTO),
    )
    log_in(page, "assistant")
    page.get_by_role("link", name="Staff area").click()
    page.get_by_role("navigation", name="Staff area").get_by_role("link", name="My shifts").click()
    section = page.get_by_role("region", name="Programs you facilitate")
    expect(section).to_contain_text(f"{day_words(lab['day'])}, 10:00 to 11:30 a.m.:")
    expect(section).to_contain_text("Central Library, Maker Lab")
    assert_accessible(page)
    section.get_by_role("link", name="Family 3D design").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Family 3D design")


def test_a_shift_changes_hands_and_every_staff_page_is_accessible(page, lab, assert_accessible):
    day = day_words(lab["day"])
    monday = lab["monday"]

    # The assistant sees the week, then gives up the shift.
    log_in(page, "assistant")
    page.get_by_role("link", name="Staff area").click()
    page.get_by_role("navigation", name="Staff area").get_by_role("link", name="My shifts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My shifts")
    this_shift = page.get_by_role("region", name="Coming up").get_by_role("row", name=day)
    expect(this_shift).to_contain_text("2:00 to 4:00 p.m.")
    assert_accessible(page)

    page.get_by_role("navigation", name="Staff area").get_by_role("link", name="Week schedule").click()
    page.get_by_label("Week of").fill(monday.isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"week of {monday:%A} {monday.day} {monday:%B %Y}")
    shift_row = page.get_by_role("row", name="2:00 to 4:00 p.m.")
    expect(shift_row).to_contain_text("Daniel Okafor")
    expect(shift_row).to_contain_text("Needs 1 more person")
    assert_accessible(page)

    page.get_by_role("link", name="My shifts").click()
    page.get_by_role("button", name=f"Give up my shift on {day}").click()
    expect(page.locator("#messages")).to_contain_text("It stays yours until someone takes it")
    expect(page.get_by_text("no one has taken it yet")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="My hours").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My hours")
    page.get_by_label("Day").fill((timezone.localdate() - dt.timedelta(days=1)).isoformat())
    page.get_by_role("spinbutton", name="Hours").fill("2")
    page.get_by_label("What you did").fill("Outreach table at the farmers' market")
    page.get_by_role("button", name="Log these hours").click()
    expect(page.locator("#messages")).to_contain_text("You logged 2.00 hours")
    assert_accessible(page)
    log_out(page)

    # A volunteer takes it.
    log_in(page, "volunteer")
    page.goto("/staff/shifts/")
    offers = page.get_by_role("region", name="Shifts you can take")
    expect(offers).to_contain_text("Given up by Daniel Okafor")
    offers.get_by_role("button", name=f"Take the shift on {day}").click()
    expect(page.locator("#messages")).to_contain_text("once the coordinator approves")
    assert_accessible(page)
    log_out(page)

    # The coordinator approves the change and the hours.
    log_in(page, "coordinator")
    page.goto("/staff/shifts/")
    page.get_by_role("link", name="Shift changes to approve").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Shift changes to approve")
    expect(page.get_by_text("Emma Tremblay asked to take it")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name=f"Approve Emma Tremblay taking the shift on {day}").click()
    expect(page.locator("#messages")).to_contain_text("Approved: Emma Tremblay takes the shift")
    expect(page.get_by_text("No shift changes are waiting for you.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Hours to approve").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hours to approve")
    assert_accessible(page)
    page.get_by_label("2.00 hours by Daniel Okafor").check()
    page.get_by_role("button", name="Approve the chosen hours").click()
    expect(page.locator("#messages")).to_contain_text("Approved 1 entry of hours.")
    assert_accessible(page)

    page.goto(f"/staff/schedule/?branch=central&week={monday.isoformat()}")
    expect(page.get_by_role("row", name="2:00 to 4:00 p.m.")).to_contain_text("Emma Tremblay")
    assert_accessible(page)
    log_out(page)

    # The shift is now the volunteer's.
    log_in(page, "volunteer")
    page.goto("/staff/shifts/")
    expect(page.get_by_role("region", name="Coming up").get_by_role("row", name=day)).to_contain_text(
        "2:00 to 4:00 p.m."
    )
    expect(page.get_by_text("No shifts are on offer right now.")).to_be_visible()
    assert_accessible(page)

    assignment = Assignment.objects.get(pk=lab["assignment"].pk)
    assert assignment.staff_member == lab["people"]["volunteer"]
    assert ShiftChange.objects.get().status == ShiftChange.Status.APPROVED
    assert HoursEntry.objects.get().status == "approved"


def test_errors_are_shown_on_the_form_and_stay_accessible(page, lab, assert_accessible):
    log_in(page, "assistant")
    page.goto("/staff/hours/")
    page.get_by_label("Day").fill("1900-01-01")
    page.get_by_role("spinbutton", name="Hours").fill("25")
    page.get_by_label("What you did").fill("<script>alert(1)</script>")
    page.get_by_role("button", name="Log these hours").click()
    expect(page.get_by_label("What you did")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Write plain text, without < and > tags.")).to_be_visible()
    assert_accessible(page)
    assert not HoursEntry.objects.exists()


def test_the_coordinator_approves_despite_warnings_with_a_reason(page, lab, assert_accessible):
    assistant, volunteer = lab["people"]["assistant"], lab["people"]["volunteer"]
    volunteer.weekly_hour_limit = 1
    volunteer.save()
    change = ShiftChange.objects.create(
        assignment=lab["assignment"],
        offered_by=assistant,
        claimed_by=volunteer,
        status=ShiftChange.Status.CLAIMED,
        claimed_at=timezone.now(),
    )
    log_in(page, "coordinator")
    page.goto("/staff/changes/")
    page.get_by_role("button", name="Approve Emma Tremblay taking the shift").click()
    expect(page.get_by_text("Emma Tremblay would work 2.0 hours that week; the limit is 1.0.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Reason to approve anyway").fill("Emma asked for extra hours this week")
    page.get_by_role("button", name="Approve anyway").click()
    expect(page.locator("#messages")).to_contain_text("Approved: Emma Tremblay takes the shift")
    change.refresh_from_db()
    assert change.status == ShiftChange.Status.APPROVED
    assert Assignment.objects.get().override_reason == "Emma asked for extra hours this week"


def test_a_volunteer_asks_for_time_off(page, lab, assert_accessible):
    log_in(page, "volunteer")
    page.get_by_role("link", name="Staff area").click()
    page.get_by_role("navigation", name="Staff area").get_by_role("link", name="My shifts").click()
    page.get_by_role("link", name="Time off").click()
    assert_accessible(page)
    first = lab["monday"] + dt.timedelta(days=3)
    page.get_by_label("First day off").fill(first.isoformat())
    page.get_by_label("Last day off").fill((first - dt.timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Ask for this time off").click()
    expect(page.get_by_text("The last day off cannot be before the first.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Last day off").fill(first.isoformat())
    page.get_by_label("Reason (optional)").fill("Family visit")
    page.get_by_role("button", name="Ask for this time off").click()
    expect(page.get_by_role("status")).to_contain_text("You asked for time off")
    expect(page.get_by_role("cell", name="Waiting for approval")).to_be_visible()
    assert_accessible(page)


def test_the_coordinator_offers_a_gap_to_someone_who_takes_it(page, lab, assert_accessible):
    volunteer = lab["people"]["volunteer"]
    Availability.objects.bulk_create(
        Availability(staff_member=volunteer, weekday=weekday, starts=dt.time(12), ends=dt.time(18))
        for weekday in range(7)
    )
    day, monday = day_words(lab["day"]), lab["monday"]

    log_in(page, "coordinator")
    page.get_by_role("link", name="Staff area").click()
    page.get_by_role("navigation", name="Staff area").get_by_role("link", name="Week schedule").click()
    assert_accessible(page)
    page.get_by_label("Week of").fill(monday.isoformat())
    page.get_by_role("button", name="Show").click()
    shift_row = page.get_by_role("row", name="2:00 to 4:00 p.m.")
    expect(shift_row).to_contain_text("Needs 1 more person")
    expect(shift_row).to_contain_text("Could fill it:")
    assert_accessible(page)
    shift_row.get_by_role("button", name="Offer to Emma Tremblay").click()
    expect(page.locator("#messages")).to_contain_text("to Emma Tremblay. It shows on their My shifts page")
    expect(page.get_by_role("row", name="2:00 to 4:00 p.m.")).to_contain_text(
        "Offered to Emma Tremblay, waiting for an answer."
    )
    assert_accessible(page)
    log_out(page)

    log_in(page, "volunteer")
    page.get_by_role("link", name="Staff area").click()
    page.get_by_role("navigation", name="Staff area").get_by_role("link", name="My shifts").click()
    offers = page.get_by_role("region", name="Shifts you can take")
    expect(offers.get_by_role("row", name=day)).to_contain_text("Priya Raman asked you")
    assert_accessible(page)
    offers.get_by_role("button", name=f"Take the shift on {day}").click()
    expect(page.locator("#messages")).to_contain_text("You took the shift on")
    expect(page.get_by_role("region", name="Coming up").get_by_role("row", name=day)).to_contain_text("Yours")
    expect(page.get_by_text("No shifts are on offer right now.")).to_be_visible()
    assert_accessible(page)
    assert set(Assignment.objects.filter(shift=lab["assignment"].shift).values_list("staff_member", flat=True)) == {
        lab["people"]["assistant"].pk,
        volunteer.pk,
    }
    assert ShiftInvitation.objects.get().status == ShiftInvitation.Status.TAKEN


def test_the_coordinators_own_requests_offer_no_approval(page, lab, assert_accessible):
    assistant, coordinator = lab["people"]["assistant"], lab["people"]["coordinator"]
    ShiftChange.objects.create(
        assignment=lab["assignment"],
        offered_by=assistant,
        claimed_by=coordinator,
        status=ShiftChange.Status.CLAIMED,
        claimed_at=timezone.now(),
    )
    HoursEntry.objects.create(staff_member=coordinator, day=timezone.localdate(), hours=2, activity="Outreach")
    log_in(page, "coordinator")
    page.goto("/staff/changes/")
    expect(page.get_by_text("Another coordinator approves this: you asked to take this shift.")).to_be_visible()
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    assert_accessible(page)
    page.goto("/staff/hours/approve/")
    expect(page.get_by_text("Your own hours: another coordinator approves them.")).to_be_visible()
    expect(page.get_by_role("checkbox")).to_have_count(0)
    assert_accessible(page)
    page.goto("/staff/")
    approvals = page.get_by_role("region", name="Waiting for your approval")
    expect(approvals).to_contain_text("Nothing is waiting for you.")
    expect(approvals).to_contain_text("2 requests of your own (hours, time off or a shift change) wait for another")
    assert_accessible(page)
