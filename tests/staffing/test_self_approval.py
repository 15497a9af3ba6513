"""Nobody approves their own time off, hours or shift change: a second coordinator or a superuser does."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from staffing import services
from staffing.models import Assignment, DecisionStatus, HoursEntry, ShiftChange, TimeOff
from tests.factories import AssignmentFactory, ShiftFactory, StaffMemberFactory, UserFactory, at
from tests.staffing.test_admin import action, open_day


@pytest.fixture
def coordinator_staff(coordinator):
    return StaffMemberFactory(user=coordinator)


@pytest.fixture
def second_coordinator(db):
    return UserFactory(username="second-coordinator", is_staff=True, role="Coordinator")


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def _time_off(person) -> TimeOff:
    day = timezone.localdate() + dt.timedelta(days=30)
    return services.time_off_request(staff_member=person, first_day=day, last_day=day, reason="Conference")


def _change(branch, *, offered_by, claimed_by) -> ShiftChange:
    shift = ShiftFactory(branch=branch, starts_at=at(open_day(), 10))
    assignment = AssignmentFactory(shift=shift, staff_member=offered_by)
    return ShiftChange.objects.create(
        assignment=assignment,
        offered_by=offered_by,
        claimed_by=claimed_by,
        claimed_at=timezone.now(),
        status=ShiftChange.Status.CLAIMED,
    )


@pytest.mark.parametrize("approve", [True, False])
def test_the_coordinator_cannot_decide_their_own_time_off(coordinator, coordinator_staff, second_coordinator, approve):
    own, other = _time_off(coordinator_staff), _time_off(StaffMemberFactory())
    assert services.time_off_decide(time_off_ids=[own.pk, other.pk], approve=approve, by=coordinator) == 1
    own.refresh_from_db()
    assert (own.status, own.decided_by) == (DecisionStatus.PENDING, None)
    assert services.time_off_decide(time_off_ids=[own.pk], approve=approve, by=second_coordinator) == 1
    own.refresh_from_db()
    assert own.decided_by == second_coordinator


@pytest.mark.parametrize("role", ["claimed_by", "offered_by"])
@pytest.mark.parametrize("approve", [True, False])
def test_the_coordinator_cannot_decide_a_shift_change_they_offered_or_claimed(
    coordinator, coordinator_staff, superuser, branch, role, approve
):
    people = {"offered_by": StaffMemberFactory(), "claimed_by": StaffMemberFactory(), role: coordinator_staff}
    change = _change(branch, **people)
    with pytest.raises(ValidationError) as refused:
        services.shift_change_decide(change=change, approve=approve, by=coordinator)
    assert refused.value.code == "own_decision"
    change.refresh_from_db()
    assert (change.status, change.decided_by) == (ShiftChange.Status.CLAIMED, None)
    assert Assignment.objects.get().staff_member == people["offered_by"]
    decided = services.shift_change_decide(change=change, approve=approve, by=superuser)
    assert decided.decided_by == superuser


def test_the_admin_action_leaves_the_coordinators_own_time_off_pending(client, coordinator, coordinator_staff):
    own = _time_off(coordinator_staff)
    client.force_login(coordinator)
    response = client.post("/admin/staffing/timeoff/", action("approve", [own], index="0"), follow=True)
    assert "0 time-off requests approved" in response.content.decode()
    own.refresh_from_db()
    assert own.status == DecisionStatus.PENDING


def test_the_admin_action_refuses_the_coordinators_own_claim(client, coordinator, coordinator_staff, branch):
    change = _change(branch, offered_by=StaffMemberFactory(), claimed_by=coordinator_staff)
    client.force_login(coordinator)
    response = client.post("/admin/staffing/shiftchange/", action("approve", [change], index="0"), follow=True)
    assert "another coordinator decides it" in response.content.decode()
    assert "0 claimed shifts approved" in response.content.decode()
    change.refresh_from_db()
    assert change.status == ShiftChange.Status.CLAIMED


def test_the_staff_page_refuses_the_coordinators_own_claim(client, coordinator, coordinator_staff, branch):
    change = _change(branch, offered_by=StaffMemberFactory(), claimed_by=coordinator_staff)
    client.force_login(coordinator)
    response = client.post(f"/staff/changes/{change.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 200
    assert "another coordinator decides it" in response.content.decode()
    change.refresh_from_db()
    assert change.status == ShiftChange.Status.CLAIMED


def _decide_url(change) -> str:
    return f"/staff/changes/{change.pk}/decide/"


@pytest.mark.parametrize("role", ["claimed_by", "offered_by"])
def test_the_changes_page_offers_no_approve_button_for_ones_own_change(
    client, coordinator, coordinator_staff, branch, role
):
    people = {"offered_by": StaffMemberFactory(), "claimed_by": StaffMemberFactory(), role: coordinator_staff}
    own = _change(branch, **people)
    others = _change(branch, offered_by=StaffMemberFactory(), claimed_by=StaffMemberFactory())
    client.force_login(coordinator)
    html = client.get("/staff/changes/").content.decode()
    assert _decide_url(own) not in html
    assert _decide_url(others) in html
    doing = "asked to take" if role == "claimed_by" else "gave up"
    assert f"Another coordinator approves this: you {doing} this shift." in html
    assert html.count(">Approve<") == 1


def test_the_hours_page_offers_no_box_for_ones_own_hours(client, coordinator, coordinator_staff):
    today = timezone.localdate()
    own = HoursEntry.objects.create(staff_member=coordinator_staff, day=today, hours=2, activity="Outreach")
    other = HoursEntry.objects.create(staff_member=StaffMemberFactory(), day=today, hours=1, activity="Desk")
    client.force_login(coordinator)
    html = client.get("/staff/hours/approve/").content.decode()
    assert f'value="{other.pk}"' in html and f'id="entry-{own.pk}"' not in html
    assert "Your own hours: another coordinator approves them." in html
