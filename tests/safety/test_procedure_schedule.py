"""Scheduling someone to supervise equipment: a procedure they have not acknowledged is a warning the coordinator
may override with a reason; a minor alone on equipment only an adult may supervise is refused outright."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safety import services
from staffing.models import Assignment, Shift, StaffKind
from staffing.selectors import week_schedule
from tests.factories import (
    AssignmentFactory,
    BranchFactory,
    QualificationFactory,
    ShiftFactory,
    SkillFactory,
    StaffMemberFactory,
    at,
)
from tests.safety.procedures import publish, supervised_equipment, supervisor
from tests.staffing.test_admin import (
    admin_client_as_coordinator,  # noqa: F401 (a fixture)
    admin_refusal_codes,
    existing_shift_form,
    open_day,
    shift_form,
    with_people,
)

pytestmark = pytest.mark.django_db


def teen(skill, **fields):
    """A volunteer who is 16, holding ``skill``."""
    born = timezone.localdate().replace(year=timezone.localdate().year - 16) - dt.timedelta(days=30)
    person = StaffMemberFactory(kind=StaffKind.VOLUNTEER, date_of_birth=born, **fields)
    QualificationFactory(staff_member=person, skill=skill)
    return person


@pytest.fixture
def laser(branch):
    return supervised_equipment(branch, adult_only_supervision=True)


def test_a_procedure_not_acknowledged_is_a_warning_overridden_with_a_recorded_reason(
    admin_client_as_coordinator,  # noqa: F811
    coordinator,
    branch,
    laser,
):
    equipment, skill = laser
    publish(equipment)
    publish(equipment, body="New extractor: switch it on first.")
    shift = ShiftFactory(branch=branch, starts_at=at(open_day(), 14), required_skills=[skill])
    person = supervisor(skill, user__first_name="Harold", user__last_name="MacDonald")
    url = f"/admin/staffing/shift/{shift.pk}/change/"

    response = admin_client_as_coordinator.post(url, existing_shift_form(shift, people=[person]))
    assert admin_refusal_codes(response) == {"procedure_not_acknowledged", "override_needed"}
    assert (
        "Harold MacDonald has not acknowledged the current safe operating procedure of: Laser cutter (version 2)."
        in response.content.decode()
    )
    assert not Assignment.objects.exists()

    data = existing_shift_form(shift, people=[person])
    data["assignments-0-override_reason"] = "Reads it with me before the shift starts."
    response = admin_client_as_coordinator.post(url, data)
    assert response.status_code == 302, response.content.decode()
    assignment = Assignment.objects.get()
    assert assignment.overridden_warnings == ["procedure_not_acknowledged"]
    assert assignment.override_reason == "Reads it with me before the shift starts."
    assert assignment.overridden_by == coordinator
    assert "Overridden by" in admin_client_as_coordinator.get(url).content.decode()


def test_someone_who_acknowledged_the_current_procedure_is_scheduled_without_a_warning(
    admin_client_as_coordinator,  # noqa: F811
    branch,
    laser,
):
    equipment, skill = laser
    person = supervisor(skill)
    services.procedure_acknowledge(version=publish(equipment), staff_member=person)
    shift = ShiftFactory(branch=branch, starts_at=at(open_day(), 14), required_skills=[skill])
    response = admin_client_as_coordinator.post(
        f"/admin/staffing/shift/{shift.pk}/change/", existing_shift_form(shift, people=[person])
    )
    assert response.status_code == 302, response.content.decode()
    assert Assignment.objects.get().overridden_warnings == []


def test_equipment_at_another_branch_or_a_shift_without_its_skill_raises_no_warning(
    admin_client_as_coordinator,  # noqa: F811
    branch,
    laser,
):
    equipment, skill = laser
    publish(equipment)
    elsewhere = BranchFactory(name="East", slug="east")
    person = supervisor(skill)
    shift = ShiftFactory(branch=elsewhere, starts_at=at(open_day(), 14), required_skills=[skill])
    other = ShiftFactory(branch=branch, starts_at=at(open_day(), 17), required_skills=[SkillFactory(name="Sewing")])
    QualificationFactory(staff_member=person, skill=other.required_skills.get())
    for each in (shift, other):
        response = admin_client_as_coordinator.post(
            f"/admin/staffing/shift/{each.pk}/change/", existing_shift_form(each, people=[person])
        )
        assert response.status_code == 302, response.content.decode()
    assert Assignment.objects.count() == 2


def test_a_minor_alone_on_adult_only_equipment_is_refused_even_with_a_reason(
    admin_client_as_coordinator,  # noqa: F811
    branch,
    laser,
):
    _, skill = laser
    lucas = teen(skill, user__first_name="Lucas", user__last_name="Martin")
    data = shift_form(
        branch, open_day(), required_skills=[str(skill.pk)], **with_people(lucas, reasons={lucas: "He is careful."})
    )
    response = admin_client_as_coordinator.post("/admin/staffing/shift/add/", data)
    assert admin_refusal_codes(response) == {"adult_supervision_needed"}
    assert "Lucas Martin is under 18 and no adult staff member is on this shift" in response.content.decode()
    assert not Shift.objects.exists()


def test_an_adult_volunteer_does_not_count_but_an_adult_employee_on_the_shift_does(
    admin_client_as_coordinator,  # noqa: F811
    branch,
    laser,
):
    _, skill = laser
    minor = teen(skill)
    adult_volunteer = StaffMemberFactory(kind=StaffKind.VOLUNTEER, date_of_birth=dt.date(1990, 1, 1))
    QualificationFactory(staff_member=adult_volunteer, skill=skill)
    shift = ShiftFactory(branch=branch, starts_at=at(open_day(), 10), max_headcount=3, required_skills=[skill])
    url = f"/admin/staffing/shift/{shift.pk}/change/"
    response = admin_client_as_coordinator.post(url, existing_shift_form(shift, people=[minor, adult_volunteer]))
    assert "adult_supervision_needed" in admin_refusal_codes(response)
    assert not shift.assignments.exists()

    AssignmentFactory(shift=shift, staff_member=supervisor(skill))  # an adult library assistant already on it
    response = admin_client_as_coordinator.post(url, existing_shift_form(shift, people=[minor]))
    assert response.status_code == 302, response.content.decode()
    assert shift.assignments.count() == 2


def test_a_minor_alone_on_equipment_any_staff_may_supervise_gets_the_usual_warning(
    admin_client_as_coordinator,  # noqa: F811
    branch,
):
    _, skill = supervised_equipment(branch, name="Sewing machine", skill_name="Sewing", adult_only_supervision=False)
    minor = teen(skill)
    response = admin_client_as_coordinator.post(
        "/admin/staffing/shift/add/",
        shift_form(branch, open_day(), required_skills=[str(skill.pk)], **with_people(minor)),
    )
    assert admin_refusal_codes(response) == {"unsupervised_minor", "override_needed"}


def test_the_week_schedule_shows_the_warning_and_a_minor_left_alone(branch, laser):
    equipment, skill = laser
    publish(equipment)
    day = open_day()
    shift = ShiftFactory(branch=branch, starts_at=at(day, 10), required_skills=[skill])
    minor = teen(skill, user__first_name="Lucas", user__last_name="Martin")
    assignment = AssignmentFactory(shift=shift, staff_member=minor)  # the adult was taken off since
    schedule = week_schedule(branch=branch, week_start=day - dt.timedelta(days=day.weekday()))
    (scheduled,) = [s for _, shifts in schedule.days for s in shifts]
    codes = {warning.code for warning in scheduled.warnings[assignment.pk]}
    assert codes == {"procedure_not_acknowledged", "adult_supervision_needed", "unsupervised_minor"}


def _schedule_queries(branch, week_start) -> int:
    with CaptureQueriesContext(connection) as captured:
        week_schedule(branch=branch, week_start=week_start)
    return len(captured.captured_queries)


def test_the_schedule_checks_take_the_same_queries_at_two_sizes(branch):
    day = open_day()
    week_start = day - dt.timedelta(days=day.weekday())

    def fill(count: int, offset: int) -> None:
        for n in range(count):
            equipment, skill = supervised_equipment(branch, name=f"Machine {offset + n}", skill_name=f"S{offset + n}")
            publish(equipment)
            start = at(week_start + dt.timedelta(days=n % 7), 9 + offset // 7 + n // 7)
            shift = ShiftFactory(
                branch=branch, starts_at=start, ends_at=start + dt.timedelta(hours=1), required_skills=[skill]
            )
            AssignmentFactory(shift=shift, staff_member=supervisor(skill))
            AssignmentFactory(shift=shift, staff_member=teen(skill))

    fill(1, 0)
    small = _schedule_queries(branch, week_start)
    fill(14, 7)
    large = _schedule_queries(branch, week_start)
    assert small == large
