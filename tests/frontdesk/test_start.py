"""The staff start page: what each role sees today, where each role lands after logging in, and fixed queries."""

import datetime as dt

import pytest
from django.test import Client

from bookings.models import Booking, MaintenanceWindow
from programs.models import Participant, Registration, Session
from seedlibrary.models import SeedRequest
from staffing.models import DecisionStatus, HoursEntry, ShiftChange, StaffKind, TimeOff
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
    VarietyFactory,
    make_booking,
)

# A Wednesday morning: the rest of the week still has shifts to fill.
WEDNESDAY = dt.datetime(2026, 12, 2, 9, 30, tzinfo=LIBRARY_ZONE)
pytestmark = pytest.mark.time_machine(WEDNESDAY, tick=True)


def at(hour: int, minute: int = 0, *, days: int = 0) -> dt.datetime:
    return dt.datetime.combine(WEDNESDAY.date() + dt.timedelta(days=days), dt.time(hour, minute), tzinfo=LIBRARY_ZONE)


def page_text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def central(db):
    return BranchFactory(name="Central Library", slug="central", observes_statutory_holidays=False)


@pytest.fixture
def me(assistant):
    assistant.first_name, assistant.last_name = "Daniel", "Okafor"
    assistant.save()
    return StaffMemberFactory(user=assistant, kind=StaffKind.LIBRARY_ASSISTANT)


def a_busy_day(branch, me, *, size: int) -> None:
    """``size`` of everything the start page shows, at ``branch``, today."""
    service = ServiceTypeFactory(branch=branch, name="Tech help")
    for number in range(size):
        patron = PatronFactory(first_name=f"Patron{number}", last_name="Campbell")
        make_booking(starts_at=at(10 + number % 6, 0), service_type=service, patron=patron, staff_member=me)
        program = ProgramFactory(branch=branch, title=f"Sewing circle {number}")
        Session.objects.create(program=program, starts_at=at(13), ends_at=at(15))
        registration = Registration.objects.create(
            program=program,
            patron=patron,
            status=Registration.Status.CONFIRMED,
            places=1,
            contact_name="Doris Campbell",
            contact_email="doris@example.net",
        )
        Participant.objects.create(registration=registration, first_name="Doris")
        SeedRequest.objects.create(
            patron=patron, branch=branch, contact_email="doris@example.net", expires_at=at(17, days=7)
        )
        ShiftFactory(branch=branch, starts_at=at(14, days=1 + number % 4), min_headcount=2)
        machine = EquipmentFactory(branch=branch, name=f"Laser cutter {number}")
        MaintenanceWindow.objects.create(
            equipment=machine, starts_at=at(8), ends_at=at(18), reason="New lens being fitted"
        )
        VarietyFactory(low_stock_threshold=5)


def test_an_assistant_sees_their_shift_the_desk_programs_seeds_and_alerts(client, central, me):
    shift = ShiftFactory(branch=central, starts_at=at(9), min_headcount=1)
    AssignmentFactory(shift=shift, staff_member=me)
    a_busy_day(central, me, size=1)
    client.force_login(me.user)
    html = page_text(client.get("/staff/"))
    assert "Your shift today" in html
    assert "9:00 to 11:00 a.m." in html
    assert "Check in<span" in html
    assert "At the desk today" in html and "Patron0 Campbell" in html and "<strong>You</strong>" in html
    assert "Programs today" in html and "Sewing circle 0" in html and "1 registered" in html
    assert "Seed requests" in html and "1 to set aside" in html
    assert "Laser cutter 0 at Central Library: Maintenance: New lens being fitted" in html
    assert "Seeds running low" in html
    # Approvals and staffing gaps are the coordinator's.
    assert "Waiting for your approval" not in html
    assert "Shifts still short of people" not in html


def test_the_coordinator_sees_approvals_and_shifts_short_of_people(client, central, coordinator):
    colleague = StaffMemberFactory(kind=StaffKind.LIBRARY_ASSISTANT)
    HoursEntry.objects.create(
        staff_member=colleague, day=WEDNESDAY.date(), hours=2, activity="Outreach", status=DecisionStatus.PENDING
    )
    ShiftFactory(branch=central, starts_at=at(14, days=2), min_headcount=2)
    ShiftFactory(branch=central, starts_at=at(14, days=7), min_headcount=2)  # next week: not this week's alert
    client.force_login(coordinator)
    html = page_text(client.get("/staff/"))
    assert "Waiting for your approval" in html
    assert "1 entry of hours" in html
    assert "Shifts still short of people this week" in html
    assert "Friday 4 December, 2:00 to 4:00 p.m." in html
    assert "week=2026-11-30" in html
    assert "Wednesday 9 December" not in html
    assert "Your next shift" not in html  # the coordinator has no staff record


def test_the_coordinators_own_requests_wait_for_another_coordinator(client, central, coordinator):
    mine, colleague = StaffMemberFactory(user=coordinator), StaffMemberFactory()
    for person in (mine, colleague):
        HoursEntry.objects.create(staff_member=person, day=WEDNESDAY.date(), hours=2, activity="Outreach")
    TimeOff.objects.create(staff_member=mine, first_day=WEDNESDAY.date(), last_day=WEDNESDAY.date())
    assignment = AssignmentFactory(shift=ShiftFactory(branch=central, starts_at=at(14, days=2)), staff_member=colleague)
    ShiftChange.objects.create(
        assignment=assignment,
        offered_by=colleague,
        claimed_by=mine,
        claimed_at=WEDNESDAY,
        status=ShiftChange.Status.CLAIMED,
    )
    client.force_login(coordinator)
    html = page_text(client.get("/staff/"))
    assert "1 entry of hours" in html
    assert "1 shift change" not in html and "request for time off" not in html
    assert "3 requests of your own (hours, time off or a shift change) wait for another coordinator" in html


def test_a_volunteer_sees_only_their_shift(client, central, volunteer):
    me = StaffMemberFactory(user=volunteer, kind=StaffKind.VOLUNTEER)
    AssignmentFactory(shift=ShiftFactory(branch=central, starts_at=at(14, days=3)), staff_member=me)
    a_busy_day(central, StaffMemberFactory(), size=1)
    client.force_login(volunteer)
    html = page_text(client.get("/staff/"))
    assert "Your next shift" in html and "Saturday 5 December, 2:00 to 4:00 p.m." in html
    for other in ("At the desk today", "Programs today", "Seed requests", "Needs attention", "Waiting for"):
        assert other not in html


def test_someone_not_of_the_lab_is_refused(client, central, board_member):
    client.force_login(board_member)
    assert client.get("/staff/").status_code == 403


def test_the_branch_can_be_chosen_and_a_bad_one_falls_back(client, central, me):
    BranchFactory(name="Riverside", slug="riverside")
    client.force_login(me.user)
    assert "at Riverside" in page_text(client.get("/staff/", {"branch": "riverside"}))
    for hostile in ("nowhere", "<script>", "' OR 1=1 --", "x" * 5000):
        html = page_text(client.get("/staff/", {"branch": hostile}))
        assert "at Central Library" in html
        assert "<script>" not in html.split("<main", 1)[1].split("</main>", 1)[0]


@pytest.mark.parametrize("size", [1, 6])
def test_the_start_page_takes_the_same_queries_at_two_sizes(
    client, central, coordinator, size, django_assert_max_num_queries
):
    me = StaffMemberFactory(user=coordinator, kind=StaffKind.LIBRARY_ASSISTANT)
    AssignmentFactory(shift=ShiftFactory(branch=central, starts_at=at(9)), staff_member=me)
    a_busy_day(central, me, size=size)
    client.force_login(coordinator)
    with django_assert_max_num_queries(18):
        html = page_text(client.get("/staff/"))
    assert html.count("Roster<span") == size


def test_checking_in_from_the_start_page_comes_back_to_it(client, central, me):
    assignment = AssignmentFactory(shift=ShiftFactory(branch=central, starts_at=at(9)), staff_member=me)
    client.force_login(me.user)
    response = client.post(f"/staff/shifts/{assignment.pk}/check-in/", {"next": "/staff/"})
    assert response.status_code == 302
    assert response["Location"] == "/staff/"
    assignment.refresh_from_db()
    assert assignment.checked_in_at is not None
    assert "You checked in at" in page_text(client.get("/staff/"))


def test_a_check_in_never_goes_back_to_another_site(client, central, me):
    assignment = AssignmentFactory(shift=ShiftFactory(branch=central, starts_at=at(9)), staff_member=me)
    client.force_login(me.user)
    response = client.post(f"/staff/shifts/{assignment.pk}/check-in/", {"next": "https://evil.example/"})
    assert response["Location"] == "/staff/shifts/"


# --- Where each role lands after logging in --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role_fixture", "landing"),
    [
        ("assistant", "/staff/"),
        ("coordinator", "/staff/"),
        ("board_member", "/staff/stats/reports/"),
    ],
)
def test_each_role_lands_on_its_own_start_page(request, db, role_fixture, landing):
    user = request.getfixturevalue(role_fixture)
    response = Client().post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == landing


def test_a_volunteer_lands_on_the_start_page(db, volunteer):
    StaffMemberFactory(user=volunteer, kind=StaffKind.VOLUNTEER)
    response = Client().post("/accounts/login/", {"username": "volunteer", "password": PASSWORD})
    assert response["Location"] == "/staff/"


def test_the_page_asked_for_before_logging_in_wins(db, assistant):
    response = Client().post("/accounts/login/?next=/staff/desk/", {"username": "assistant", "password": PASSWORD})
    assert response["Location"] == "/staff/desk/"


def test_desk_bookings_that_were_cancelled_are_not_on_the_start_page(client, central, me):
    booking = make_booking(starts_at=at(11), service_type=ServiceTypeFactory(branch=central), staff_member=me)
    booking.status = Booking.Status.CANCELLED
    booking.save()
    client.force_login(me.user)
    assert "No desk sessions today." in page_text(client.get("/staff/"))
