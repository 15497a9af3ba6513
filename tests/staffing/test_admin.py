"""The coordinator's staffing admin: the real admin forms, their rules, their actions, and lists that cost the same."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from makerlab.formatting import day_text
from makerlab.selectors import statutory_holiday
from staffing.models import (
    Assignment,
    Availability,
    DecisionStatus,
    HoursEntry,
    Qualification,
    Shift,
    ShiftChange,
    ShiftPattern,
    ShiftRole,
    StaffKind,
    StaffMember,
    TimeOff,
)
from tests.factories import (
    TORONTO,
    AssignmentFactory,
    BranchFactory,
    ClosureFactory,
    QualificationFactory,
    ShiftFactory,
    SkillFactory,
    StaffMemberFactory,
    UserFactory,
    at,
)


@pytest.fixture
def admin_client_as_coordinator(client, coordinator):
    client.force_login(coordinator)
    return client


def open_day(days_ahead: int = 10) -> dt.date:
    """A day at least ``days_ahead`` from today that is no statutory holiday (the test branch opens every day)."""
    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    while statutory_holiday(day):
        day += dt.timedelta(days=1)
    return day


def management(prefix: str, total: int, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def admin_refusal_codes(response) -> set[str]:
    """The codes of every error on an admin page (its form, each inline row and formset), once each message is
    seen on the page."""
    assert response.status_code == 200
    context = response.context
    forms = [context["adminform"].form] if "adminform" in context else [context["form"]]
    formsets = [inline.formset for inline in context.get("inline_admin_formsets", [])]
    forms += [form for formset in formsets for form in formset.forms]
    errors = [error for form in forms for field_errors in form.errors.as_data().values() for error in field_errors]
    errors += [error for formset in formsets for error in formset.non_form_errors().as_data()]
    html = response.content.decode()
    assert all(escape(message) in html for error in errors for message in error.messages)
    return {error.code for error in errors}


# People


def staff_member_form(user, **overrides) -> dict[str, str]:
    data = {
        "user": str(user.pk),
        "kind": StaffKind.VOLUNTEER,
        "date_of_birth": "2008-03-14",
        "school": "Central Elgin Collegiate Institute",
        "emergency_contact_name": "Sam Lavoie",
        "emergency_contact_phone": "519-555-0133",
        "weekly_hour_limit": "6",
        "coop_agreement_hours": "",
        "is_active": "on",
        **management("qualifications", 0),
        **management("availability", 1),
        "availability-0-weekday": "1",
        "availability-0-starts": "15:30",
        "availability-0-ends": "19:00",
    }
    return {**data, **overrides}


def test_coordinator_adds_a_volunteer_with_skills_and_availability(admin_client_as_coordinator):
    user = UserFactory(first_name="Wei", last_name="Chen")
    skill = SkillFactory(name="3D printer")
    data = staff_member_form(
        user,
        **management("qualifications", 1),
        **{"qualifications-0-skill": str(skill.pk), "qualifications-0-granted_on": "2026-09-12"},
    )
    response = admin_client_as_coordinator.post("/admin/staffing/staffmember/add/", data)
    assert response.status_code == 302, response.content.decode()
    person = StaffMember.objects.get(user=user)
    assert person.kind == StaffKind.VOLUNTEER
    assert list(person.availability.values_list("weekday", "starts", "ends")) == [(1, dt.time(15, 30), dt.time(19))]
    assert list(person.qualifications.values_list("skill__name", flat=True)) == ["3D printer"]


def test_the_login_list_offers_only_logins_without_a_person(admin_client_as_coordinator):
    taken = StaffMemberFactory(user__username="taken-login")
    free = UserFactory(username="free-login")
    html = admin_client_as_coordinator.get("/admin/staffing/staffmember/add/").content.decode()
    assert free.username in html
    assert taken.user.username not in html


def _years_ago(years: int, days: int = 0) -> str:
    today = timezone.localdate()
    # On 29 February, that many years ago is the 28th (a birthday on a leap day is kept on the 28th).
    then = today.replace(year=today.year - years, day=min(today.day, 28) if today.month == 2 else today.day)
    return (then - dt.timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    ("overrides", "codes"),
    [
        ({"date_of_birth": _years_ago(13, days=-1)}, {"too_young"}),
        ({"date_of_birth": (timezone.localdate() + dt.timedelta(days=3)).isoformat()}, {"born_in_future"}),
        ({"date_of_birth": ""}, {"no_date_of_birth"}),
        ({"date_of_birth": "1890-01-01"}, {"born_too_long_ago"}),
        ({"date_of_birth": "2008-02-30"}, {"invalid"}),
        ({"kind": "astronaut"}, {"invalid_choice"}),
        ({"school": "<script>alert(1)</script>" * 10}, {"markup", "max_length"}),
        ({"emergency_contact_name": "Robert'); DROP TABLE staffing_staffmember;--" * 4}, {"max_length"}),
        ({"emergency_contact_phone": "<img src=x onerror=alert(1)>"}, {"invalid", "markup"}),
        ({"school": "Central\x00Elgin"}, {"control", "null_characters_not_allowed"}),
        ({"school": "<b onmouseover=alert(1)>Parkside</b>"}, {"markup"}),
        ({"emergency_contact_name": "Pat\x1bDoe"}, {"control"}),
        ({"weekly_hour_limit": "-5"}, {"weekly_limit_not_positive"}),
        ({"weekly_hour_limit": "1e9"}, {"max_digits"}),
        ({"coop_agreement_hours": "120"}, {"not_coop_student"}),
        ({"availability-0-ends": "15:00"}, {"ends_before_start"}),
        ({"availability-0-starts": "25:61"}, {"invalid"}),
        (
            {
                **management("availability", 2),
                "availability-1-weekday": "1",
                "availability-1-starts": "18:00",
                "availability-1-ends": "20:00",
            },
            {"windows_overlap"},
        ),
    ],
)
def test_bad_staff_member_input_is_refused_on_the_form(admin_client_as_coordinator, overrides, codes):
    user = UserFactory()
    data = staff_member_form(user, **overrides)
    response = admin_client_as_coordinator.post("/admin/staffing/staffmember/add/", data)
    assert admin_refusal_codes(response) == codes
    assert not StaffMember.objects.exists()
    assert not Availability.objects.exists()


def test_a_fourteen_year_old_volunteer_is_welcome(admin_client_as_coordinator):
    user = UserFactory()
    response = admin_client_as_coordinator.post(
        "/admin/staffing/staffmember/add/", staff_member_form(user, date_of_birth=_years_ago(14))
    )
    assert response.status_code == 302
    assert StaffMember.objects.get(user=user).is_minor_on(timezone.localdate())


def test_a_qualification_cannot_expire_before_it_is_granted(admin_client_as_coordinator):
    person = StaffMemberFactory()
    skill = SkillFactory(name="WHMIS")
    data = staff_member_form(
        person.user,
        kind=StaffKind.LIBRARY_ASSISTANT,
        date_of_birth="",
        **management("qualifications", 1),
        **management("availability", 0),
        **{
            "qualifications-0-skill": str(skill.pk),
            "qualifications-0-granted_on": "2026-01-10",
            "qualifications-0-expires_on": "2025-01-10",
        },
    )
    response = admin_client_as_coordinator.post(f"/admin/staffing/staffmember/{person.pk}/change/", data)
    assert admin_refusal_codes(response) == {"expires_before_granted"}
    assert not Qualification.objects.exists()


def test_editing_availability_replaces_the_windows(admin_client_as_coordinator):
    person = StaffMemberFactory()
    window = Availability.objects.create(staff_member=person, weekday=0, starts=dt.time(9), ends=dt.time(12))
    data = staff_member_form(
        person.user,
        kind=StaffKind.LIBRARY_ASSISTANT,
        date_of_birth="",
        **management("availability", 2, initial=1),
        **{
            "availability-0-id": str(window.pk),
            "availability-0-staff_member": str(person.pk),
            "availability-0-weekday": "0",
            "availability-0-starts": "09:00",
            "availability-0-ends": "12:00",
            "availability-0-DELETE": "on",
            "availability-1-weekday": "2",
            "availability-1-starts": "13:00",
            "availability-1-ends": "17:00",
        },
    )
    response = admin_client_as_coordinator.post(f"/admin/staffing/staffmember/{person.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()
    assert list(person.availability.values_list("weekday", "starts", "ends")) == [(2, dt.time(13), dt.time(17))]


def test_people_are_found_by_name_and_filtered_by_kind(admin_client_as_coordinator):
    StaffMemberFactory(user__first_name="Harold", user__last_name="MacDonald", kind=StaffKind.VOLUNTEER)
    StaffMemberFactory(user__first_name="Karen", user__last_name="Van Dyk")
    html = admin_client_as_coordinator.get("/admin/staffing/staffmember/", {"q": "macdonald"}).content.decode()
    assert "Harold MacDonald" in html
    assert "Karen Van Dyk" not in html
    response = admin_client_as_coordinator.get("/admin/staffing/staffmember/", {"kind__exact": "assistant"})
    html = response.content.decode()
    assert "Karen Van Dyk" in html
    assert "Harold MacDonald" not in html


# Shifts


def shift_form(branch, day: dt.date, *, start: str = "10:00", end: str = "12:00", **overrides) -> dict:
    data = {
        "branch": str(branch.pk),
        "role": ShiftRole.HELP_DESK,
        "starts_at_0": day.isoformat(),
        "starts_at_1": start,
        "ends_at_0": day.isoformat(),
        "ends_at_1": end,
        "min_headcount": "1",
        "max_headcount": "2",
        "notes": "",
        "is_published": "on",
        **management("assignments", 0),
    }
    return {**data, **overrides}


def with_people(*people, reasons: dict | None = None) -> dict[str, str]:
    data = management("assignments", len(people))
    for index, person in enumerate(people):
        data[f"assignments-{index}-staff_member"] = str(person.pk)
        data[f"assignments-{index}-override_reason"] = (reasons or {}).get(person, "")
    return data


def existing_shift_form(shift, *, people=(), **overrides) -> dict:
    """The change form of ``shift`` as the browser posts it, its current people listed, ``people`` added."""
    local_start = shift.starts_at.astimezone(TORONTO)
    local_end = shift.ends_at.astimezone(TORONTO)
    current = list(shift.assignments.order_by("pk"))
    data = {
        "branch": str(shift.branch_id),
        "role": shift.role,
        "starts_at_0": local_start.date().isoformat(),
        "starts_at_1": f"{local_start:%H:%M}",
        "ends_at_0": local_end.date().isoformat(),
        "ends_at_1": f"{local_end:%H:%M}",
        "min_headcount": str(shift.min_headcount),
        "max_headcount": str(shift.max_headcount),
        "required_skills": [str(s.pk) for s in shift.required_skills.all()],
        "notes": shift.notes,
        "is_published": "on" if shift.is_published else "",
        **management("assignments", len(current) + len(people), initial=len(current)),
    }
    for index, assignment in enumerate(current):
        data[f"assignments-{index}-id"] = str(assignment.pk)
        data[f"assignments-{index}-shift"] = str(shift.pk)
        data[f"assignments-{index}-staff_member"] = str(assignment.staff_member_id)
    for index, person in enumerate(people, start=len(current)):
        data[f"assignments-{index}-shift"] = str(shift.pk)
        data[f"assignments-{index}-staff_member"] = str(person.pk)
    return {**data, **overrides}


def test_coordinator_adds_a_shift_with_a_person(admin_client_as_coordinator, branch):
    person = StaffMemberFactory(user__first_name="Daniel", user__last_name="Okafor")
    skill = SkillFactory(name="Tech help")
    QualificationFactory(staff_member=person, skill=skill)
    day = open_day()
    data = shift_form(branch, day, required_skills=[str(skill.pk)], **with_people(person))
    response = admin_client_as_coordinator.post("/admin/staffing/shift/add/", data)
    assert response.status_code == 302, response.content.decode()
    shift = Shift.objects.get()
    assert shift.starts_at == at(day, 10)
    assert list(shift.required_skills.all()) == [skill]
    assignment = shift.assignments.get()
    assert assignment.staff_member == person
    assert (assignment.period.lower, assignment.period.upper) == (at(day, 10), at(day, 12))
    assert assignment.overridden_warnings == []


def _next_canada_day() -> dt.date:
    today = timezone.localdate()
    canada_day = dt.date(today.year, 7, 1)
    return canada_day if canada_day > today else canada_day.replace(year=today.year + 1)


@pytest.mark.parametrize(
    ("overrides", "codes"),
    [
        ({"ends_at_1": "09:00"}, {"ends_before_start"}),
        ({"ends_at_1": "10:00"}, {"ends_before_start"}),
        ({"starts_at_1": "00:30", "ends_at_1": "23:30"}, {"too_long"}),
        ({"starts_at_0": "2027-02-30"}, {"invalid"}),
        ({"starts_at_1": "noon"}, {"invalid"}),
        ({"role": "karaoke"}, {"invalid_choice"}),
        ({"min_headcount": "3", "max_headcount": "2"}, {"headcounts"}),
        ({"min_headcount": "-1"}, {"min_value"}),
        ({"notes": "<script>alert('x')</script>" * 20}, {"markup", "max_length"}),
        ({"notes": "<img src=x onerror=alert(1)>"}, {"markup"}),
    ],
)
def test_bad_shift_input_is_refused_on_the_form(admin_client_as_coordinator, branch, overrides, codes):
    data = shift_form(branch, open_day(), **overrides)
    response = admin_client_as_coordinator.post("/admin/staffing/shift/add/", data)
    assert admin_refusal_codes(response) == codes
    assert not Shift.objects.exists()


def test_a_shift_years_away_is_refused(admin_client_as_coordinator, branch):
    day = open_day(365 * 5)
    response = admin_client_as_coordinator.post("/admin/staffing/shift/add/", shift_form(branch, day))
    assert admin_refusal_codes(response) == {"horizon"}
    assert not Shift.objects.exists()


def test_a_shift_on_a_statutory_holiday_is_refused_with_the_reason(admin_client_as_coordinator, branch):
    day = _next_canada_day()
    response = admin_client_as_coordinator.post("/admin/staffing/shift/add/", shift_form(branch, day))
    assert admin_refusal_codes(response) == {"branch_closed"}
    assert "(Canada Day)" in response.content.decode()
    assert not Shift.objects.exists()


def test_a_shift_on_a_closure_is_refused_with_the_reason(admin_client_as_coordinator, branch):
    day = open_day(20)
    ClosureFactory(branch=branch, start_date=day, reason="Flooded basement")
    response = admin_client_as_coordinator.post("/admin/staffing/shift/add/", shift_form(branch, day))
    assert admin_refusal_codes(response) == {"branch_closed"}
    assert "(Flooded basement)" in response.content.decode()
    assert not Shift.objects.exists()


def test_outreach_may_happen_on_a_closed_day(admin_client_as_coordinator, branch):
    day = _next_canada_day()
    response = admin_client_as_coordinator.post(
        "/admin/staffing/shift/add/", shift_form(branch, day, role=ShiftRole.OUTREACH)
    )
    assert response.status_code == 302


def test_a_person_already_on_a_shift_at_that_time_is_refused(admin_client_as_coordinator, branch):
    day = open_day()
    person = StaffMemberFactory(user__first_name="Jamal", user__last_name="Haddad")
    AssignmentFactory(staff_member=person, shift=ShiftFactory(branch=branch, starts_at=at(day, 11)))
    data = shift_form(branch, day, role=ShiftRole.OPEN_LAB, **with_people(person))
    response = admin_client_as_coordinator.post("/admin/staffing/shift/add/", data)
    assert admin_refusal_codes(response) == {"busy"}
    assert "Jamal Haddad" in response.content.decode()
    assert Shift.objects.count() == 1
    assert Assignment.objects.count() == 1


def test_a_warning_needs_an_override_reason_which_is_recorded(admin_client_as_coordinator, coordinator, branch):
    printer = SkillFactory(name="3D printer")
    shift = ShiftFactory(branch=branch, starts_at=at(open_day(), 14), required_skills=[printer])
    person = StaffMemberFactory(user__first_name="Harold", user__last_name="MacDonald")
    url = f"/admin/staffing/shift/{shift.pk}/change/"

    response = admin_client_as_coordinator.post(url, existing_shift_form(shift, people=[person]))
    assert admin_refusal_codes(response) == {"skill", "override_needed"}
    assert "Harold MacDonald does not hold: 3D printer." in response.content.decode()
    assert not Assignment.objects.exists()

    data = existing_shift_form(shift, people=[person])
    data["assignments-0-override_reason"] = "Trained on the printer last week; certificate on its way."
    response = admin_client_as_coordinator.post(url, data)
    assert response.status_code == 302, response.content.decode()
    assignment = Assignment.objects.get()
    assert assignment.staff_member == person
    assert assignment.overridden_warnings == ["skill"]
    assert assignment.overridden_by == coordinator
    assert assignment.override_reason == "Trained on the printer last week; certificate on its way."

    html = admin_client_as_coordinator.get(url).content.decode()
    assert "Overridden by" in html
    assert "Trained on the printer last week" in html


def test_a_minor_added_with_a_staff_member_needs_no_override(admin_client_as_coordinator, branch):
    teen = StaffMemberFactory(kind=StaffKind.VOLUNTEER, date_of_birth=timezone.localdate().replace(year=2010))
    assistant = StaffMemberFactory()
    data = shift_form(branch, open_day(), **with_people(teen, assistant))
    response = admin_client_as_coordinator.post("/admin/staffing/shift/add/", data)
    assert response.status_code == 302, response.content.decode()
    assert Assignment.objects.count() == 2
    assert Assignment.objects.get(staff_member=teen).overridden_warnings == []


def test_a_minor_alone_is_refused_until_overridden(admin_client_as_coordinator, branch):
    teen = StaffMemberFactory(
        kind=StaffKind.VOLUNTEER,
        date_of_birth=timezone.localdate().replace(year=2010),
        user__first_name="Lucas",
        user__last_name="Martin",
    )
    response = admin_client_as_coordinator.post(
        "/admin/staffing/shift/add/", shift_form(branch, open_day(), **with_people(teen))
    )
    assert admin_refusal_codes(response) == {"unsupervised_minor", "override_needed"}
    assert not Shift.objects.exists()


def test_a_full_shift_takes_no_one_else(admin_client_as_coordinator, branch):
    shift = ShiftFactory(branch=branch, starts_at=at(open_day(), 10), max_headcount=1)
    AssignmentFactory(shift=shift)
    response = admin_client_as_coordinator.post(
        f"/admin/staffing/shift/{shift.pk}/change/", existing_shift_form(shift, people=[StaffMemberFactory()])
    )
    assert admin_refusal_codes(response) == {"full"}
    assert Assignment.objects.count() == 1


def test_a_full_shift_takes_someone_new_when_someone_is_taken_off_in_the_same_change(
    admin_client_as_coordinator, branch
):
    shift = ShiftFactory(branch=branch, starts_at=at(open_day(), 10), max_headcount=1)
    AssignmentFactory(shift=shift)
    newcomer = StaffMemberFactory()
    data = existing_shift_form(shift, people=[newcomer], **{"assignments-0-DELETE": "on"})
    response = admin_client_as_coordinator.post(f"/admin/staffing/shift/{shift.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()
    assert [a.staff_member for a in shift.assignments.all()] == [newcomer]


def test_a_minor_listed_before_the_staff_member_joining_with_them_is_supervised(admin_client_as_coordinator, branch):
    """The rule is the service's (assignment_check): nothing depends on the order of the rows."""
    shift = ShiftFactory(branch=branch, starts_at=at(open_day(), 10), max_headcount=3)
    teen = StaffMemberFactory(kind=StaffKind.VOLUNTEER, date_of_birth=timezone.localdate().replace(year=2010))
    adult_volunteer = StaffMemberFactory(
        kind=StaffKind.VOLUNTEER, date_of_birth=dt.date(1990, 1, 1), user__first_name="Grace"
    )
    response = admin_client_as_coordinator.post(
        f"/admin/staffing/shift/{shift.pk}/change/", existing_shift_form(shift, people=[teen, adult_volunteer])
    )
    assert admin_refusal_codes(response) == {"unsupervised_minor", "override_needed"}
    assert not shift.assignments.exists()

    assistant = StaffMemberFactory(kind=StaffKind.LIBRARY_ASSISTANT)
    response = admin_client_as_coordinator.post(
        f"/admin/staffing/shift/{shift.pk}/change/",
        existing_shift_form(shift, people=[teen, adult_volunteer, assistant]),
    )
    assert response.status_code == 302, response.content.decode()
    assert {(a.staff_member, tuple(a.overridden_warnings)) for a in shift.assignments.all()} == {
        (teen, ()),
        (adult_volunteer, ()),
        (assistant, ()),
    }


def test_lowering_the_headcount_below_the_people_on_it_is_refused(admin_client_as_coordinator, branch):
    shift = ShiftFactory(branch=branch, starts_at=at(open_day(), 10), max_headcount=2)
    AssignmentFactory.create_batch(2, shift=shift)
    response = admin_client_as_coordinator.post(
        f"/admin/staffing/shift/{shift.pk}/change/", existing_shift_form(shift, max_headcount="1")
    )
    assert admin_refusal_codes(response) == {"below_people_on_it"}
    shift.refresh_from_db()
    assert shift.max_headcount == 2


def test_moving_a_shift_moves_its_people(admin_client_as_coordinator, branch):
    day = open_day()
    shift = ShiftFactory(branch=branch, starts_at=at(day, 10))
    assignment = AssignmentFactory(shift=shift)
    data = existing_shift_form(shift, starts_at_1="13:00", ends_at_1="15:30", notes="Moved after the program")
    response = admin_client_as_coordinator.post(f"/admin/staffing/shift/{shift.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()
    shift.refresh_from_db()
    assignment.refresh_from_db()
    assert (shift.starts_at, shift.ends_at, shift.notes) == (at(day, 13), at(day, 15, 30), "Moved after the program")
    assert (assignment.period.lower, assignment.period.upper) == (at(day, 13), at(day, 15, 30))


def test_moving_a_shift_onto_another_shift_of_its_person_is_refused(admin_client_as_coordinator, branch):
    day = open_day()
    person = StaffMemberFactory(user__first_name="Karen", user__last_name="Van Dyk")
    shift = ShiftFactory(branch=branch, starts_at=at(day, 10))
    AssignmentFactory(shift=shift, staff_member=person)
    AssignmentFactory(shift=ShiftFactory(branch=branch, starts_at=at(day, 14)), staff_member=person)
    data = existing_shift_form(shift, starts_at_1="13:00", ends_at_1="15:00")
    response = admin_client_as_coordinator.post(f"/admin/staffing/shift/{shift.pk}/change/", data)
    assert admin_refusal_codes(response) == {"busy"}
    assert "Karen Van Dyk" in response.content.decode()
    shift.refresh_from_db()
    assert shift.starts_at == at(day, 10)


def test_taking_a_person_off_a_shift(admin_client_as_coordinator, branch):
    shift = ShiftFactory(branch=branch, starts_at=at(open_day(), 10))
    AssignmentFactory(shift=shift)
    data = existing_shift_form(shift, **{"assignments-0-DELETE": "on"})
    response = admin_client_as_coordinator.post(f"/admin/staffing/shift/{shift.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()
    assert not Assignment.objects.exists()


def test_a_person_who_checked_in_stays_on_the_shift(admin_client_as_coordinator, branch):
    shift = ShiftFactory(branch=branch, starts_at=at(open_day(), 10))
    AssignmentFactory(shift=shift, checked_in_at=shift.starts_at, staff_member__user__first_name="Ethan")
    data = existing_shift_form(shift, **{"assignments-0-DELETE": "on"})
    response = admin_client_as_coordinator.post(f"/admin/staffing/shift/{shift.pk}/change/", data)
    assert admin_refusal_codes(response) == {"checked_in"}
    assert Assignment.objects.count() == 1


def test_the_shift_page_shows_conflicts_and_gaps(admin_client_as_coordinator, branch):
    printer = SkillFactory(name="3D printer")
    shift = ShiftFactory(branch=branch, starts_at=at(open_day(), 10), min_headcount=2, required_skills=[printer])
    AssignmentFactory(shift=shift, staff_member__user__first_name="Aisha", staff_member__user__last_name="Mohamud")
    html = admin_client_as_coordinator.get(f"/admin/staffing/shift/{shift.pk}/change/").content.decode()
    assert "Aisha Mohamud does not hold: 3D printer." in html
    assert "Needs 1 more people to reach its fewest." in html


def test_the_shift_list_counts_open_warnings_but_not_overridden_ones(admin_client_as_coordinator, branch):
    printer = SkillFactory(name="3D printer")
    day = open_day()
    warned = ShiftFactory(branch=branch, starts_at=at(day, 10), required_skills=[printer])
    AssignmentFactory(shift=warned)
    overridden = ShiftFactory(branch=branch, starts_at=at(day, 14), required_skills=[printer])
    AssignmentFactory(shift=overridden, overridden_warnings=["skill"], override_reason="Supervised")
    response = admin_client_as_coordinator.get("/admin/staffing/shift/")
    shifts = {shift.pk: shift for shift in response.context["cl"].result_list}
    assert shifts[warned.pk].open_warnings == 1
    assert shifts[overridden.pk].open_warnings == 0


def test_an_assistant_sees_shifts_but_cannot_change_them(client, assistant, branch):
    shift = ShiftFactory(branch=branch)
    client.force_login(assistant)
    assert client.get("/admin/staffing/shift/").status_code == 200
    assert client.get(f"/admin/staffing/shift/{shift.pk}/change/").status_code == 200
    response = client.post(f"/admin/staffing/shift/{shift.pk}/change/", existing_shift_form(shift, notes="x"))
    assert response.status_code == 403
    assert client.get("/admin/staffing/staffmember/").status_code == 403


def test_shift_lists_show_times_on_the_twelve_hour_clock(admin_client_as_coordinator, branch):
    day = open_day()
    shift = ShiftFactory(branch=branch, starts_at=at(day, 14), ends_at=at(day, 16))
    ShiftPattern.objects.create(
        branch=branch, role=ShiftRole.OPEN_LAB, weekday=1, starts=dt.time(11, 30), ends=dt.time(13)
    )
    ShiftChange.objects.create(assignment=AssignmentFactory(shift=shift), offered_by=StaffMemberFactory())
    for url in ("/admin/staffing/shift/", "/admin/staffing/shiftchange/"):
        html = admin_client_as_coordinator.get(url).content.decode()
        assert f"{day_text(day, today=timezone.localdate())}, 2:00 to 4:00 p.m." in html, url
        assert "14:00" not in html and "16:00" not in html, url
    html = admin_client_as_coordinator.get("/admin/staffing/shiftpattern/").content.decode()
    assert "11:30 a.m. to 1:00 p.m." in html and "13:00" not in html


# Who holds a skill


def test_the_skill_list_counts_who_holds_each_skill_and_links_to_them(admin_client_as_coordinator):
    printer, laser = SkillFactory(name="3D printer"), SkillFactory(name="Laser cutter")
    today = timezone.localdate()
    QualificationFactory.create_batch(2, skill=printer)
    QualificationFactory(skill=printer, granted_on=today - dt.timedelta(days=400), expires_on=today)  # expired today
    QualificationFactory(skill=printer, staff_member__is_active=False)  # no longer works here
    html = admin_client_as_coordinator.get("/admin/staffing/skill/").content.decode()
    assert f'href="/admin/staffing/staffmember/?is_active__exact=1&amp;skill={printer.pk}">2 people</a>' in html
    assert "0 people" in html and laser.name in html


def test_the_staff_list_filtered_by_a_skill_shows_those_who_hold_it_today(admin_client_as_coordinator):
    printer = SkillFactory(name="3D printer")
    today = timezone.localdate()
    QualificationFactory(skill=printer, staff_member__user__first_name="Wei", staff_member__user__last_name="Chen")
    QualificationFactory(
        skill=printer,
        granted_on=today - dt.timedelta(days=400),
        expires_on=today,
        staff_member__user__first_name="Aisha",
        staff_member__user__last_name="Mohamud",
    )
    StaffMemberFactory(user__first_name="Karen", user__last_name="Van Dyk")
    response = admin_client_as_coordinator.get("/admin/staffing/staffmember/", {"skill": printer.pk})
    names = {str(person) for person in response.context["cl"].result_list}
    assert names == {"Wei Chen"}


def test_the_skill_page_lists_who_holds_it_with_expiry(admin_client_as_coordinator):
    printer = SkillFactory(name="3D printer")
    today = timezone.localdate()
    QualificationFactory(skill=printer, staff_member__user__first_name="Wei", staff_member__user__last_name="Chen")
    QualificationFactory(
        skill=printer,
        granted_on=today - dt.timedelta(days=30),
        expires_on=today + dt.timedelta(days=60),
        staff_member__user__first_name="Aisha",
        staff_member__user__last_name="Mohamud",
    )
    QualificationFactory(
        skill=printer,
        granted_on=today - dt.timedelta(days=400),
        expires_on=today - dt.timedelta(days=2),
        staff_member__user__first_name="Tom",
        staff_member__user__last_name="Reid",
    )
    html = admin_client_as_coordinator.get(f"/admin/staffing/skill/{printer.pk}/change/").content.decode()
    expires = today + dt.timedelta(days=60)
    expired = today - dt.timedelta(days=2)
    assert "Wei Chen" in html and "Does not expire" in html
    assert "Aisha Mohamud" in html and f"Expires {day_text(expires, today=today)}" in html
    assert f"Expired {day_text(expired, today=today)}" in html


def test_the_skill_page_costs_the_same_however_many_hold_it(admin_client_as_coordinator):
    printer = SkillFactory(name="3D printer")
    url = f"/admin/staffing/skill/{printer.pk}/change/"
    QualificationFactory.create_batch(2, skill=printer)
    admin_client_as_coordinator.get(url)
    with CaptureQueriesContext(connection) as small:
        assert admin_client_as_coordinator.get(url).status_code == 200
    QualificationFactory.create_batch(20, skill=printer)
    with CaptureQueriesContext(connection) as large:
        assert admin_client_as_coordinator.get(url).status_code == 200
    assert len(small) == len(large)


# Actions


def action(name: str, objects, **data) -> dict:
    return {"action": name, "_selected_action": [str(obj.pk) for obj in objects], **data}


def test_publish_action(admin_client_as_coordinator, branch):
    shifts = ShiftFactory.create_batch(2, branch=branch, is_published=False, starts_at=at(open_day(), 10))
    response = admin_client_as_coordinator.post("/admin/staffing/shift/", action("publish", shifts, index="0"))
    assert response.status_code == 302
    assert Shift.objects.filter(is_published=True).count() == 2


def test_copy_week_action_asks_for_the_weeks_then_copies_with_people(admin_client_as_coordinator, branch):
    today = timezone.localdate()
    monday = today + dt.timedelta(days=14 - today.weekday())
    shift = ShiftFactory(branch=branch, starts_at=at(monday + dt.timedelta(days=2), 10))
    person = StaffMemberFactory()
    AssignmentFactory(shift=shift, staff_member=person)

    response = admin_client_as_coordinator.post("/admin/staffing/shift/", action("copy_week", [shift], index="0"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Copy a week of shifts" in html
    assert f'value="{monday.isoformat()}"' in html

    target = monday + dt.timedelta(days=7)
    data = action("copy_week", [shift], apply="1", from_week=monday.isoformat(), to_week=target.isoformat())
    data["with_people"] = "on"
    response = admin_client_as_coordinator.post("/admin/staffing/shift/", data)
    assert response.status_code == 302
    copy = Shift.objects.exclude(pk=shift.pk).get()
    assert copy.starts_at == at(target + dt.timedelta(days=2), 10)
    assert not copy.is_published
    assert list(copy.assignments.values_list("staff_member", flat=True)) == [person.pk]


@pytest.mark.parametrize(
    ("from_offset", "to_offset", "code"),
    [
        (1, 8, "not_monday"),
        (0, 0, "same_week"),
        (0, 7 * 60, "horizon"),
    ],
)
def test_copy_week_refuses_bad_weeks_on_the_form(admin_client_as_coordinator, branch, from_offset, to_offset, code):
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())
    shift = ShiftFactory(branch=branch, starts_at=at(monday, 10))
    data = action(
        "copy_week",
        [shift],
        apply="1",
        from_week=(monday + dt.timedelta(days=from_offset)).isoformat(),
        to_week=(monday + dt.timedelta(days=to_offset)).isoformat(),
    )
    response = admin_client_as_coordinator.post("/admin/staffing/shift/", data)
    assert admin_refusal_codes(response) == {code}
    assert Shift.objects.count() == 1


def test_generate_action_makes_shifts_from_the_patterns(admin_client_as_coordinator, branch):
    skill = SkillFactory(name="Tech help")
    pattern = ShiftPattern.objects.create(
        branch=branch, role=ShiftRole.HELP_DESK, weekday=2, starts=dt.time(14), ends=dt.time(17)
    )
    pattern.required_skills.set([skill])
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())
    data = action(
        "generate_shifts",
        [pattern],
        apply="1",
        first_day=monday.isoformat(),
        last_day=(monday + dt.timedelta(days=20)).isoformat(),
        publish="on",
    )
    response = admin_client_as_coordinator.post("/admin/staffing/shiftpattern/", data)
    assert response.status_code == 302
    shifts = list(Shift.objects.order_by("starts_at"))
    expected = [
        monday + dt.timedelta(days=2 + 7 * week)
        for week in range(3)
        if not statutory_holiday(monday + dt.timedelta(days=2 + 7 * week))
    ]
    assert [s.starts_at for s in shifts] == [at(day, 14) for day in expected]
    assert all(s.is_published and list(s.required_skills.all()) == [skill] for s in shifts)


def test_generate_action_refuses_a_backwards_range(admin_client_as_coordinator, branch):
    pattern = ShiftPattern.objects.create(
        branch=branch, role=ShiftRole.HELP_DESK, weekday=2, starts=dt.time(14), ends=dt.time(17)
    )
    today = timezone.localdate()
    data = action(
        "generate_shifts",
        [pattern],
        apply="1",
        first_day=(today + dt.timedelta(days=20)).isoformat(),
        last_day=today.isoformat(),
    )
    response = admin_client_as_coordinator.post("/admin/staffing/shiftpattern/", data)
    assert admin_refusal_codes(response) == {"last_before_first"}
    assert not Shift.objects.exists()


def test_approve_and_decline_hours(admin_client_as_coordinator, coordinator):
    person = StaffMemberFactory(kind=StaffKind.COMMUNITY_SERVICE_STUDENT)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    first, second = (
        HoursEntry.objects.create(staff_member=person, day=yesterday, hours=Decimal(3), activity="Seed desk")
        for _ in range(2)
    )
    response = admin_client_as_coordinator.post("/admin/staffing/hoursentry/", action("approve", [first], index="0"))
    assert response.status_code == 302
    response = admin_client_as_coordinator.post("/admin/staffing/hoursentry/", action("decline", [second], index="0"))
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.decided_by) == (DecisionStatus.APPROVED, coordinator)
    assert second.status == DecisionStatus.DECLINED
    html = admin_client_as_coordinator.get(f"/admin/staffing/hoursentry/{first.pk}/change/").content.decode()
    assert 'name="hours"' not in html  # decided entries are read-only


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"hours": "-3"}, "hours_out_of_range"),
        ({"hours": "25"}, "hours_out_of_range"),
        ({"day": (timezone.localdate() + dt.timedelta(days=2)).isoformat()}, "future_day"),
        ({"day": "2019-01-01"}, "horizon"),
        ({"activity": "   "}, "required"),
        ({"activity": "<a href=//evil.example>Desk</a>"}, "markup"),
    ],
)
def test_bad_hours_are_refused_on_the_form(admin_client_as_coordinator, overrides, code):
    person = StaffMemberFactory(kind=StaffKind.VOLUNTEER)
    data = {
        "staff_member": str(person.pk),
        "day": timezone.localdate().isoformat(),
        "hours": "2.5",
        "activity": "Helped at the 1-on-1 desk",
        "counts_for_community_hours": "on",
        **overrides,
    }
    response = admin_client_as_coordinator.post("/admin/staffing/hoursentry/add/", data)
    assert admin_refusal_codes(response) == {code}
    assert not HoursEntry.objects.exists()


def test_coordinator_logs_hours_for_someone(admin_client_as_coordinator):
    person = StaffMemberFactory(kind=StaffKind.VOLUNTEER)
    data = {
        "staff_member": str(person.pk),
        "day": timezone.localdate().isoformat(),
        "hours": "2.5",
        "activity": "  Seed swap  ",
        "counts_for_community_hours": "on",
    }
    response = admin_client_as_coordinator.post("/admin/staffing/hoursentry/add/", data)
    assert response.status_code == 302
    entry = HoursEntry.objects.get()
    assert (entry.hours, entry.activity, entry.status) == (Decimal("2.5"), "Seed swap", DecisionStatus.PENDING)


def test_approve_time_off(admin_client_as_coordinator, coordinator):
    day = timezone.localdate() + dt.timedelta(days=30)
    requested = TimeOff.objects.create(staff_member=StaffMemberFactory(), first_day=day, last_day=day)
    response = admin_client_as_coordinator.post("/admin/staffing/timeoff/", action("approve", [requested], index="0"))
    assert response.status_code == 302
    requested.refresh_from_db()
    assert (requested.status, requested.decided_by) == (DecisionStatus.APPROVED, coordinator)


@pytest.mark.parametrize(
    ("first", "last", "code"),
    [
        (10, 5, "last_before_first"),
        (10, 3000, "horizon"),
        (-10, -3, "past"),
    ],
)
def test_bad_time_off_is_refused_on_the_form(admin_client_as_coordinator, first, last, code):
    today = timezone.localdate()
    data = {
        "staff_member": str(StaffMemberFactory().pk),
        "first_day": (today + dt.timedelta(days=first)).isoformat(),
        "last_day": (today + dt.timedelta(days=last)).isoformat(),
        "reason": "Family wedding",
    }
    response = admin_client_as_coordinator.post("/admin/staffing/timeoff/add/", data)
    assert admin_refusal_codes(response) == {code}
    assert not TimeOff.objects.exists()


def test_coordinator_records_time_off_for_someone(admin_client_as_coordinator):
    today = timezone.localdate()
    data = {
        "staff_member": str(StaffMemberFactory().pk),
        "first_day": (today + dt.timedelta(days=10)).isoformat(),
        "last_day": (today + dt.timedelta(days=12)).isoformat(),
        "reason": "Family wedding",
    }
    response = admin_client_as_coordinator.post("/admin/staffing/timeoff/add/", data)
    assert response.status_code == 302
    assert TimeOff.objects.get().status == DecisionStatus.PENDING


def _claimed_change(branch, *, claimant_skills=()):
    printer = SkillFactory(name="3D printer")
    shift = ShiftFactory(branch=branch, starts_at=at(open_day(), 10), required_skills=[printer])
    assignment = AssignmentFactory(shift=shift)
    claimant = StaffMemberFactory(user__first_name="Gurpreet", user__last_name="Sandhu")
    for skill in claimant_skills or [printer]:
        QualificationFactory(staff_member=claimant, skill=skill)
    return ShiftChange.objects.create(
        assignment=assignment,
        offered_by=assignment.staff_member,
        claimed_by=claimant,
        claimed_at=timezone.now(),
        status=ShiftChange.Status.CLAIMED,
    )


def test_approve_a_claimed_shift(admin_client_as_coordinator, branch):
    change = _claimed_change(branch)
    response = admin_client_as_coordinator.post("/admin/staffing/shiftchange/", action("approve", [change], index="0"))
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.status == ShiftChange.Status.APPROVED
    assert change.assignment.staff_member == change.claimed_by


def test_a_claim_with_warnings_is_approved_only_with_an_override(admin_client_as_coordinator, coordinator, branch):
    change = _claimed_change(branch, claimant_skills=[SkillFactory(name="Sewing machine")])
    response = admin_client_as_coordinator.post(
        "/admin/staffing/shiftchange/", action("approve", [change], index="0"), follow=True
    )
    assert "Gurpreet Sandhu does not hold: 3D printer." in response.content.decode()
    change.refresh_from_db()
    assert change.status == ShiftChange.Status.CLAIMED

    response = admin_client_as_coordinator.post(
        "/admin/staffing/shiftchange/", action("approve_with_override", [change], apply="1", override_reason="  ")
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()

    data = action("approve_with_override", [change], apply="1", override_reason="Printer jobs paused that day")
    response = admin_client_as_coordinator.post("/admin/staffing/shiftchange/", data)
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.status == ShiftChange.Status.APPROVED
    assignment = Assignment.objects.get()
    assert (assignment.overridden_warnings, assignment.overridden_by) == (["skill"], coordinator)


# Lists cost the same at any size


def _grow(model: str, count: int, branch) -> None:
    day = open_day()
    for index in range(count):
        person = StaffMemberFactory(kind=StaffKind.VOLUNTEER if index % 2 else StaffKind.LIBRARY_ASSISTANT)
        skill = SkillFactory()
        QualificationFactory(staff_member=person, skill=skill)
        Availability.objects.create(staff_member=person, weekday=index % 7, starts=dt.time(9), ends=dt.time(12))
        if model in ("shift", "shiftchange"):
            shift = ShiftFactory(
                branch=branch, starts_at=at(day + dt.timedelta(days=index), 10), required_skills=[skill]
            )
            assignment = AssignmentFactory(shift=shift, staff_member=person)
            AssignmentFactory(shift=shift)
            ShiftChange.objects.create(assignment=assignment, offered_by=person)
        elif model == "shiftpattern":
            pattern = ShiftPattern.objects.create(
                branch=branch, role=ShiftRole.OPEN_LAB, weekday=index % 7, starts=dt.time(10), ends=dt.time(12)
            )
            pattern.required_skills.set([skill])
        elif model == "timeoff":
            TimeOff.objects.create(staff_member=person, first_day=day, last_day=day, reason="Away")
        elif model == "hoursentry":
            HoursEntry.objects.create(staff_member=person, day=timezone.localdate(), hours=2, activity="Desk")


@pytest.mark.parametrize(
    "model", ["staffmember", "skill", "shiftpattern", "shift", "timeoff", "hoursentry", "shiftchange"]
)
def test_staffing_admin_lists_cost_the_same_queries_at_any_size(admin_client_as_coordinator, branch, model):
    url = f"/admin/staffing/{model}/"
    _grow(model, 2, branch)
    with CaptureQueriesContext(connection) as small:
        assert admin_client_as_coordinator.get(url).status_code == 200
    _grow(model, 25, branch)
    with CaptureQueriesContext(connection) as large:
        assert admin_client_as_coordinator.get(url).status_code == 200
    assert len(small) == len(large), [q["sql"] for q in large.captured_queries]


def test_change_pages_cost_the_same_whoever_is_on_them(admin_client_as_coordinator, branch):
    shift = ShiftFactory(branch=branch, starts_at=at(open_day(), 10), max_headcount=4)
    person = StaffMemberFactory()
    AssignmentFactory(shift=shift, staff_member=person)
    QualificationFactory(staff_member=person)
    urls = [f"/admin/staffing/shift/{shift.pk}/change/", f"/admin/staffing/staffmember/{person.pk}/change/"]
    for url in urls:  # the first visit fills Django's caches (content types)
        admin_client_as_coordinator.get(url)
    with CaptureQueriesContext(connection) as small:
        for url in urls:
            assert admin_client_as_coordinator.get(url).status_code == 200
    AssignmentFactory.create_batch(3, shift=shift)
    QualificationFactory.create_batch(3, staff_member=person)
    with CaptureQueriesContext(connection) as large:
        for url in urls:
            assert admin_client_as_coordinator.get(url).status_code == 200
    assert len(small) == len(large)


@pytest.mark.parametrize("path", ["staffmember", "skill", "shiftpattern", "shift", "timeoff", "hoursentry"])
def test_staffing_add_pages_open(admin_client_as_coordinator, branch, path):
    assert admin_client_as_coordinator.get(f"/admin/staffing/{path}/add/").status_code == 200


# In a real browser


@pytest.fixture
def logged_in_coordinator(page, coordinator):
    from tests.conftest import PASSWORD

    page.goto("/admin/login/")
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return page


@pytest.fixture
def some_staffing(transactional_db):
    from tests.factories import BranchFactory

    branch = BranchFactory(name="Central Library", slug="central", observes_statutory_holidays=False)
    printer = SkillFactory(name="3D printer")
    shift = ShiftFactory(branch=branch, required_skills=[printer])
    assignment = AssignmentFactory(
        shift=shift, staff_member__user__first_name="Wei", staff_member__user__last_name="Chen"
    )
    QualificationFactory(staff_member=assignment.staff_member, skill=SkillFactory(name="Arduino"))
    Availability.objects.create(staff_member=assignment.staff_member, weekday=1, starts=dt.time(9), ends=dt.time(12))
    ShiftPattern.objects.create(branch=branch, role=ShiftRole.OPEN_LAB, weekday=1, starts=dt.time(16), ends=dt.time(20))
    TimeOff.objects.create(staff_member=assignment.staff_member, first_day=open_day(), last_day=open_day())
    HoursEntry.objects.create(staff_member=assignment.staff_member, day=timezone.localdate(), hours=2, activity="Desk")
    ShiftChange.objects.create(assignment=assignment, offered_by=assignment.staff_member)
    return shift


@pytest.mark.browser
@pytest.mark.parametrize(
    "path",
    [
        "/admin/staffing/staffmember/",
        "/admin/staffing/staffmember/add/",
        "/admin/staffing/staffmember/{person}/change/",
        "/admin/staffing/shift/",
        "/admin/staffing/shift/add/",
        "/admin/staffing/shift/{shift}/change/",
        "/admin/staffing/shiftpattern/",
        "/admin/staffing/shiftpattern/add/",
        "/admin/staffing/timeoff/",
        "/admin/staffing/timeoff/add/",
        "/admin/staffing/hoursentry/",
        "/admin/staffing/hoursentry/add/",
        "/admin/staffing/shiftchange/",
        "/admin/staffing/skill/",
        "/admin/staffing/skill/{skill}/change/",
        "/admin/staffing/staffmember/?is_active__exact=1&skill={skill}",
    ],
)
def test_the_staffing_admin_pages_are_accessible(logged_in_coordinator, some_staffing, assert_accessible, path):
    page = logged_in_coordinator
    person = some_staffing.assignments.get().staff_member_id
    skill = some_staffing.required_skills.get().pk
    response = page.goto(path.format(shift=some_staffing.pk, person=person, skill=skill))
    assert response.status == 200
    assert_accessible(page)


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_the_coordinator_finds_who_holds_a_skill_from_the_skill_list(
    logged_in_coordinator, some_staffing, assert_accessible, width
):
    from playwright.sync_api import expect

    page = logged_in_coordinator
    page.set_viewport_size({"width": width, "height": 900})
    QualificationFactory(
        skill=some_staffing.required_skills.get(),
        staff_member__user__first_name="Aisha",
        staff_member__user__last_name="Mohamud",
    )
    page.goto("/admin/staffing/skill/")
    assert_accessible(page)
    page.locator("tr", has_text="3D printer").get_by_role("link", name="1 person").click()
    expect(page.locator("#result_list")).to_contain_text("Aisha Mohamud")
    expect(page.locator("#result_list")).not_to_contain_text("Wei Chen")
    assert_accessible(page)
    page.goto("/admin/staffing/shift/")
    expect(page.locator("#result_list")).to_contain_text("10:00 a.m. to noon")
    assert_accessible(page)


@pytest.mark.browser
def test_the_copy_week_page_is_accessible_and_shows_errors_by_the_field(
    logged_in_coordinator, some_staffing, assert_accessible
):
    from playwright.sync_api import expect

    page = logged_in_coordinator
    page.goto("/admin/staffing/shift/")
    page.locator("input.action-select").first.check()
    page.get_by_label("Action:").select_option("copy_week")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_role("heading", name="Copy a week of shifts")).to_be_visible()
    assert_accessible(page)
    tuesday = timezone.localdate() + dt.timedelta(days=8 - timezone.localdate().weekday())
    page.get_by_label("To the week starting").fill(tuesday.isoformat())
    page.get_by_role("button", name="Copy the week").click()
    expect(page.get_by_text("is not a Monday; weeks start on a Monday.")).to_be_visible()
    expect(page.get_by_label("To the week starting")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
    assert Shift.objects.count() == 1


def test_a_shift_someone_checked_in_to_cannot_be_deleted(admin_client_as_coordinator):
    branch = BranchFactory(observes_statutory_holidays=False)
    worked = ShiftFactory(branch=branch)
    AssignmentFactory(shift=worked, checked_in_at=timezone.now())
    spare = ShiftFactory(branch=branch, role=ShiftRole.OPEN_LAB)
    assert admin_client_as_coordinator.get(f"/admin/staffing/shift/{worked.pk}/delete/").status_code == 403
    response = admin_client_as_coordinator.post(
        "/admin/staffing/shift/",
        {"action": "delete_selected", "_selected_action": [worked.pk, spare.pk], "post": "yes"},
    )
    assert response.status_code == 403
    assert Shift.objects.count() == 2
    admin_client_as_coordinator.post(
        "/admin/staffing/shift/", {"action": "delete_selected", "_selected_action": [spare.pk], "post": "yes"}
    )
    assert list(Shift.objects.values_list("pk", flat=True)) == [worked.pk]
