"""The demo staff and schedule that load_demo builds: the right people, eight published weeks, loaded once."""

import datetime as dt
from collections import Counter

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from makerlab.demo_logins import DEMO_LOGINS
from makerlab.models import Branch
from staffing import selectors
from staffing.models import (
    Assignment,
    Availability,
    DecisionStatus,
    HoursEntry,
    Qualification,
    Shift,
    ShiftChange,
    ShiftPattern,
    Skill,
    StaffKind,
    StaffMember,
    TimeOff,
)

STAFFING_MODELS = (
    StaffMember,
    Skill,
    Qualification,
    Availability,
    TimeOff,
    ShiftPattern,
    Shift,
    Assignment,
    ShiftChange,
    HoursEntry,
    User,
)

pytestmark = [pytest.mark.django_db, pytest.mark.calendar]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in STAFFING_MODELS}


def this_monday() -> dt.date:
    today = timezone.localdate()
    return today - dt.timedelta(days=today.weekday())


def test_the_demo_has_the_people_a_makerspace_has(demo):
    kinds = Counter(StaffMember.objects.values_list("kind", flat=True))
    assert kinds == {
        StaffKind.COORDINATOR: 1,
        StaffKind.LIBRARY_ASSISTANT: 4,
        StaffKind.PAGE: 2,
        StaffKind.VOLUNTEER: 6,
        StaffKind.COMMUNITY_SERVICE_STUDENT: 2,
        StaffKind.COOP_STUDENT: 1,
    }
    today = timezone.localdate()
    assert all(p.age_on(today) >= 14 for p in StaffMember.objects.filter(kind=StaffKind.VOLUNTEER))
    assert StaffMember.objects.filter(date_of_birth__isnull=False).count() == 9
    assert sum(p.is_minor_on(today) for p in StaffMember.objects.all()) == 4


def test_people_are_in_the_groups_their_work_needs(demo):
    groups = {
        person.kind: set(person.user.groups.values_list("name", flat=True))
        for person in StaffMember.objects.select_related("user")
    }
    assert groups[StaffKind.COORDINATOR] == {"Coordinator"}
    assert groups[StaffKind.LIBRARY_ASSISTANT] == groups[StaffKind.PAGE] == {"Library assistant"}
    assert groups[StaffKind.VOLUNTEER] == groups[StaffKind.COMMUNITY_SERVICE_STUDENT] == {"Volunteer"}
    assert groups[StaffKind.COOP_STUDENT] == {"Volunteer"}
    others = User.objects.exclude(username__in=[login.username for login in DEMO_LOGINS])
    assert not any(user.has_usable_password() for user in others)


def test_skills_include_the_laser_cutter_which_earns_no_community_hours(demo):
    assert Skill.objects.count() == 10
    assert list(Skill.objects.filter(counts_for_community_hours=False).values_list("name", flat=True)) == [
        "Laser cutter"
    ]
    assert Qualification.objects.filter(skill__name="Police check", expires_on__isnull=False).exists()


def test_eight_weeks_of_published_shifts_from_this_monday(demo):
    monday = this_monday()
    branch = Branch.objects.get(slug="central")
    shifts = Shift.objects.filter(branch=branch)
    assert not shifts.filter(is_published=False).exists()
    zone = branch.zone
    days = {shift.starts_at.astimezone(zone).date() for shift in shifts}
    assert min(days) >= monday
    assert max(days) < monday + dt.timedelta(weeks=8)
    weeks = {(day - monday).days // 7 for day in days}
    assert weeks == set(range(8))
    assert shifts.filter(role="help_desk").exists()
    assert shifts.filter(role="open_lab").exists()
    assert shifts.filter(role="program", notes="Teen maker club").exists()


def test_the_schedule_is_mostly_covered_with_few_warnings(demo):
    branch = Branch.objects.get(slug="central")
    monday = this_monday()
    gaps = 0
    warned = []
    for week in range(8):
        schedule = selectors.week_schedule(branch=branch, week_start=monday + dt.timedelta(weeks=week))
        gaps += schedule.gaps
        warned += [
            (assignment_id, warning.code)
            for _, shifts in schedule.days
            for s in shifts
            for assignment_id, found in s.warnings.items()
            for warning in found
        ]
    assert Assignment.objects.count() > 150
    # The one exception is overridden, with its reason recorded; the demo's health and safety leaves one
    # supervisor who has not read the laser cutter's new procedure, and the schedule says so on their shifts.
    assert {code for _, code in warned} <= {"procedure_not_acknowledged"}
    warned_people = Assignment.objects.filter(pk__in=[pk for pk, _ in warned]).values("staff_member").distinct()
    assert warned_people.count() <= 1
    assert 1 <= gaps <= 3
    overridden = Assignment.objects.exclude(overridden_warnings=[]).get()
    assert overridden.overridden_warnings == ["availability"]
    assert overridden.overridden_by.username == "coordinator"
    assert "covered" in overridden.override_reason or "cover" in overridden.override_reason


def test_hours_time_off_and_shift_changes_are_there_to_decide(demo):
    assert HoursEntry.objects.filter(status=DecisionStatus.APPROVED).count() >= 10
    assert HoursEntry.objects.filter(status=DecisionStatus.PENDING).exists()
    assert HoursEntry.objects.filter(counts_for_community_hours=False).exists()
    assert TimeOff.objects.filter(status=DecisionStatus.PENDING).count() == 1
    assert TimeOff.objects.filter(status=DecisionStatus.APPROVED).count() == 1
    assert set(ShiftChange.objects.values_list("status", flat=True)) == {
        ShiftChange.Status.OFFERED,
        ShiftChange.Status.CLAIMED,
    }


def test_the_demo_logins_have_shifts_to_show(demo):
    now = timezone.now()
    for username in ("coordinator", "assistant", "volunteer"):
        person = StaffMember.objects.get(user__username=username)
        assert selectors.upcoming_shifts(staff_member=person, now=now), username
    login_names = {login.username: (login.first_name, login.last_name) for login in DEMO_LOGINS}
    for person in StaffMember.objects.filter(user__username__in=login_names).select_related("user"):
        assert (person.user.first_name, person.user.last_name) == login_names[person.user.username]
        assert person.user.check_password("makerlab-demo")
    assert not StaffMember.objects.filter(user__username="board").exists()


def test_loading_again_creates_nothing_new(demo):
    first = counts()
    call_command("load_demo", force=True)
    assert counts() == first


def test_scale_adds_people_and_weeks(demo):
    call_command("load_demo", scale=2, force=True)
    assert StaffMember.objects.count() == 16 + 6
    monday = this_monday()
    last = Shift.objects.latest("starts_at").starts_at.astimezone(Branch.objects.get().zone).date()
    assert monday + dt.timedelta(weeks=11) <= last < monday + dt.timedelta(weeks=12)
