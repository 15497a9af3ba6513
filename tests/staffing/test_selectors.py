import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from makerlab.models import Branch
from staffing import selectors
from staffing.models import (
    DecisionStatus,
    HoursEntry,
    Qualification,
    ShiftChange,
    ShiftRole,
    Skill,
    StaffKind,
    StaffMember,
    TimeOff,
    qualifications_valid_on,
)
from staffing.selectors import (
    hours_summary,
    people_on_shift,
    upcoming_shifts,
    week_schedule,
    week_start_of,
)
from tests.factories import (
    AssignmentFactory,
    BranchFactory,
    QualificationFactory,
    ShiftFactory,
    SkillFactory,
    StaffMemberFactory,
    UserFactory,
    at,
)

pytestmark = pytest.mark.calendar


@pytest.fixture
def branch(db):
    return BranchFactory(observes_statutory_holidays=False)


@pytest.fixture
def monday() -> dt.date:
    return week_start_of(timezone.localdate()) + dt.timedelta(days=7)


def test_people_on_shift_says_who_covers_a_time_with_the_skill_in_force(branch, monday):
    laser = SkillFactory(name="Laser cutter")
    sewing = SkillFactory(name="Sewing machine")
    trained, untrained, expired = StaffMemberFactory(), StaffMemberFactory(), StaffMemberFactory()
    QualificationFactory(staff_member=trained, skill=laser)
    QualificationFactory(staff_member=trained, skill=sewing)
    QualificationFactory(staff_member=expired, skill=laser, granted_on=dt.date(2020, 1, 1), expires_on=monday)
    shift = ShiftFactory(branch=branch, starts_at=at(monday, 13), ends_at=at(monday, 17), max_headcount=3)
    for person in (trained, untrained, expired):
        AssignmentFactory(shift=shift, staff_member=person)

    found = people_on_shift(
        branch=branch, role=ShiftRole.HELP_DESK, start=at(monday, 14), end=at(monday, 15), skill_ids=[laser.pk]
    )
    assert set(found.staff_member_ids) == {trained.pk, untrained.pk, expired.pk}
    assert [pk for pk in found.staff_member_ids if found.covers(pk, at(monday, 14), at(monday, 15))]
    assert not found.covers(trained.pk, at(monday, 16), at(monday, 18))
    assert [pk for pk in found.staff_member_ids if found.holds_skill(pk, laser.pk, monday)] == [trained.pk]
    # Only the skills asked for are read; the expired one was in force the day before it lapsed.
    assert found.valid_skill_ids(trained.pk, monday) == {laser.pk}
    assert found.holds_skill(expired.pk, laser.pk, monday - dt.timedelta(days=1))
    # Past the end of the shift, or another role: nobody.
    assert not people_on_shift(
        branch=branch, role=ShiftRole.HELP_DESK, start=at(monday, 17), end=at(monday, 18)
    ).staff_member_ids
    assert not people_on_shift(
        branch=branch, role=ShiftRole.OPEN_LAB, start=at(monday, 14), end=at(monday, 15)
    ).staff_member_ids


def test_unpublished_shifts_and_inactive_people_are_not_on_shift(branch, monday):
    draft = ShiftFactory(branch=branch, starts_at=at(monday, 13), ends_at=at(monday, 17), is_published=False)
    AssignmentFactory(shift=draft)
    published = ShiftFactory(branch=branch, role=ShiftRole.OPEN_LAB, starts_at=at(monday, 13), ends_at=at(monday, 17))
    AssignmentFactory(shift=published, staff_member=StaffMemberFactory(is_active=False))
    for role in (ShiftRole.HELP_DESK, ShiftRole.OPEN_LAB):
        found = people_on_shift(branch=branch, role=role, start=at(monday, 14), end=at(monday, 15))
        assert found.staff_member_ids == []


def test_people_on_shift_know_their_approved_time_off_only(branch, monday):
    person = StaffMemberFactory()
    tuesday = monday + dt.timedelta(days=1)
    for day in (monday, tuesday):
        AssignmentFactory(
            shift=ShiftFactory(branch=branch, starts_at=at(day, 10), ends_at=at(day, 12)), staff_member=person
        )
    TimeOff.objects.create(staff_member=person, first_day=tuesday, last_day=tuesday)

    def days_off() -> list[dt.date]:
        found = people_on_shift(branch=branch, role=ShiftRole.HELP_DESK, start=at(monday, 0), end=at(tuesday, 23))
        return [day for day in (monday, tuesday) if found.is_off(person.pk, day)]

    assert days_off() == []
    TimeOff.objects.filter(staff_member=person).update(status=DecisionStatus.APPROVED)
    assert days_off() == [tuesday]


def _staff_a_week(branch: Branch, monday: dt.date, *, people: int, skill: Skill) -> None:
    for index in range(people):
        person = StaffMemberFactory()
        QualificationFactory(staff_member=person, skill=skill)
        QualificationFactory(staff_member=person)
        day_off = monday + dt.timedelta(days=index % 5)
        TimeOff.objects.create(staff_member=person, first_day=day_off, last_day=day_off, status=DecisionStatus.APPROVED)
        for weekday in range(5):
            day = monday + dt.timedelta(days=weekday)
            shift = ShiftFactory(branch=branch, starts_at=at(day, 9 + index % 8), ends_at=at(day, 10 + index % 8))
            AssignmentFactory(shift=shift, staff_member=person)


@pytest.mark.parametrize("people", [1, 12])
def test_people_on_shift_costs_three_queries_however_many_people(branch, monday, people, django_assert_max_num_queries):
    laser = SkillFactory(name="Laser cutter")
    _staff_a_week(branch, monday, people=people, skill=laser)
    with django_assert_max_num_queries(3):
        found = people_on_shift(
            branch=branch,
            role=ShiftRole.HELP_DESK,
            start=at(monday, 0),
            end=at(monday + dt.timedelta(days=7), 0),
            skill_ids=[laser.pk],
        )
        assert len(found.staff_member_ids) == people
        assert all(len(found.shifts[pk]) == 5 for pk in found.staff_member_ids)
        assert all(found.holds_skill(pk, laser.pk, monday) for pk in found.staff_member_ids)
        assert sum(found.is_off(pk, monday) for pk in found.staff_member_ids) == (people + 4) // 5


def test_a_qualification_is_valid_from_its_grant_until_the_day_it_expires(db):
    """The model's rule and its filter for the database say the same, on each side of both dates."""
    granted, expires = dt.date(2026, 3, 10), dt.date(2026, 9, 10)
    lasting = QualificationFactory(granted_on=granted, expires_on=None)
    lapsing = QualificationFactory(granted_on=granted, expires_on=expires)
    for day, in_force in [
        (granted - dt.timedelta(days=1), set()),
        (granted, {lasting, lapsing}),
        (expires - dt.timedelta(days=1), {lasting, lapsing}),
        (expires, {lasting}),
    ]:
        assert {q for q in (lasting, lapsing) if q.is_valid_on(day)} == in_force
        assert set(Qualification.objects.filter(qualifications_valid_on(day))) == in_force
        held = StaffMember.objects.filter(qualifications_valid_on(day, path="qualifications__"))
        assert set(held) == {q.staff_member for q in in_force}


def test_the_week_shows_gaps_and_warnings(branch, monday):
    laser = SkillFactory(name="Laser cutter")
    short = ShiftFactory(branch=branch, starts_at=at(monday, 10), ends_at=at(monday, 12), min_headcount=2)
    short.required_skills.set([laser])
    person = StaffMemberFactory()
    assignment = AssignmentFactory(shift=short, staff_member=person)
    schedule = week_schedule(branch=branch, week_start=monday)
    day, shifts = schedule.days[0]
    assert day == monday
    (scheduled,) = shifts
    assert scheduled.gap == 1
    assert schedule.gaps == 1
    assert [w.code for w in scheduled.warnings[assignment.pk]] == ["skill"]
    # An overridden warning is no longer shown.
    assignment.overridden_warnings = ["skill"]
    assignment.save()
    assert week_schedule(branch=branch, week_start=monday).days[0][1][0].warnings[assignment.pk] == []


def _fill_week(branch, monday, *, shifts_per_day: int) -> None:
    skill = SkillFactory(name="Tech help")
    minor = StaffMemberFactory(
        kind=StaffKind.VOLUNTEER, date_of_birth=timezone.localdate() - dt.timedelta(days=15 * 365)
    )
    for offset in range(7):
        day = monday + dt.timedelta(days=offset)
        for index in range(shifts_per_day):
            shift = ShiftFactory(
                branch=branch,
                role=list(ShiftRole)[index % len(ShiftRole)],
                starts_at=at(day, 9 + index),
                ends_at=at(day, 10 + index),
                max_headcount=3,
            )
            shift.required_skills.set([skill])
            AssignmentFactory(shift=shift, staff_member=StaffMemberFactory(weekly_hour_limit=Decimal(10)))
            if index == 0:
                AssignmentFactory(shift=shift, staff_member=minor)


def test_the_week_takes_the_same_queries_for_few_or_many_shifts(branch, monday, django_assert_max_num_queries):
    _fill_week(branch, monday, shifts_per_day=1)
    with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as small:
        week_schedule(branch=branch, week_start=monday)
    _fill_week(branch, monday, shifts_per_day=4)
    with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as large:
        schedule = week_schedule(branch=branch, week_start=monday)
    assert len(small) == len(large)
    assert sum(len(shifts) for _, shifts in schedule.days) == 35


def test_my_upcoming_shifts_take_the_same_queries_for_few_or_many(branch, monday, django_assert_max_num_queries):
    person = StaffMemberFactory()
    now = timezone.now()
    AssignmentFactory(shift=ShiftFactory(branch=branch, starts_at=at(monday, 10)), staff_member=person)
    with CaptureQueriesContext(connection) as small:
        [a.open_changes for a in upcoming_shifts(staff_member=person, now=now)]
    for offset in range(1, 12):
        day = monday + dt.timedelta(days=offset)
        AssignmentFactory(shift=ShiftFactory(branch=branch, starts_at=at(day, 10)), staff_member=person)
    with django_assert_max_num_queries(2), CaptureQueriesContext(connection) as large:
        shifts = upcoming_shifts(staff_member=person, now=now)
        [(a.open_changes, a.shift.branch.name) for a in shifts]
    assert len(small) == len(large)
    assert len(shifts) == 12


def test_hours_summary_counts_only_approved_community_hours(db):
    student = StaffMemberFactory(kind=StaffKind.COMMUNITY_SERVICE_STUDENT)
    today = timezone.localdate()
    for hours, status, counts in [
        ("10", DecisionStatus.APPROVED, True),
        ("4", DecisionStatus.APPROVED, False),
        ("3", DecisionStatus.PENDING, True),
        ("2", DecisionStatus.DECLINED, True),
    ]:
        HoursEntry.objects.create(
            staff_member=student,
            day=today,
            hours=Decimal(hours),
            activity="Seed packing",
            status=status,
            counts_for_community_hours=counts,
        )
    summary = hours_summary(staff_member=student)
    assert summary.approved == 14
    assert summary.pending == 3
    assert summary.community_hours == 10
    assert summary.community_hours_remaining == 30


def test_offers_exclude_drafts_and_shifts_that_clash_with_ones_own(branch, monday):
    from staffing.selectors import shifts_offered_to
    from staffing.services import shift_give_up

    giver, me = StaffMemberFactory(), StaffMemberFactory()
    free = AssignmentFactory(shift=ShiftFactory(branch=branch, starts_at=at(monday, 10)), staff_member=giver)
    clashing = AssignmentFactory(
        shift=ShiftFactory(branch=branch, starts_at=at(monday + dt.timedelta(days=1), 10)), staff_member=giver
    )
    AssignmentFactory(
        shift=ShiftFactory(branch=branch, role=ShiftRole.OPEN_LAB, starts_at=at(monday + dt.timedelta(days=1), 11)),
        staff_member=me,
    )
    offered_free = shift_give_up(assignment=free, staff_member=giver)
    shift_give_up(assignment=clashing, staff_member=giver)
    assert shifts_offered_to(staff_member=me, now=timezone.now()) == [offered_free]
    assert shifts_offered_to(staff_member=giver, now=timezone.now()) == []


def test_a_shift_not_yet_checked_out_of_stays_in_my_shifts(branch):
    person = StaffMemberFactory()
    now = timezone.now()
    ended = ShiftFactory(branch=branch, starts_at=now - dt.timedelta(hours=3), ends_at=now - dt.timedelta(hours=1))
    done = ShiftFactory(branch=branch, starts_at=now - dt.timedelta(hours=6), ends_at=now - dt.timedelta(hours=4))
    open_one = AssignmentFactory(shift=ended, staff_member=person, checked_in_at=now - dt.timedelta(hours=3))
    AssignmentFactory(
        shift=done,
        staff_member=person,
        checked_in_at=now - dt.timedelta(hours=6),
        checked_out_at=now - dt.timedelta(hours=4),
    )
    assert upcoming_shifts(staff_member=person, now=now) == [open_one]


def test_next_shift_is_the_one_going_on_or_coming_next(branch, monday):
    person = StaffMemberFactory()
    later = AssignmentFactory(staff_member=person, shift=ShiftFactory(branch=branch, starts_at=at(monday, 15)))
    draft = ShiftFactory(branch=branch, starts_at=at(monday, 10), is_published=False)
    AssignmentFactory(staff_member=person, shift=draft)
    now = at(monday, 9)
    assert selectors.next_shift(staff_member=person, now=now) == later
    assert selectors.next_shift(staff_member=person, now=at(monday, 18)) is None


def test_uncovered_shifts_are_published_and_short_of_people_at_any_branch(branch, monday, django_assert_num_queries):
    short = ShiftFactory(branch=branch, starts_at=at(monday, 10), min_headcount=2, max_headcount=2)
    AssignmentFactory(shift=short)
    elsewhere = ShiftFactory(starts_at=at(monday + dt.timedelta(days=1), 10))
    covered = ShiftFactory(branch=branch, starts_at=at(monday, 14))
    AssignmentFactory(shift=covered)
    ShiftFactory(branch=branch, starts_at=at(monday, 16), is_published=False)
    ShiftFactory(branch=branch, starts_at=at(monday + dt.timedelta(days=7), 10))
    start = at(monday, 0)
    with django_assert_num_queries(1):
        found = selectors.uncovered_shifts(start=start, end=start + dt.timedelta(days=7))
        assert [(shift, shift.people, shift.branch.name) for shift in found] == [
            (short, 1, branch.name),
            (elsewhere, 0, elsewhere.branch.name),
        ]


def test_approvals_waiting_counts_hours_claims_and_time_off(db, django_assert_num_queries):
    person = StaffMemberFactory()
    today = timezone.localdate()
    HoursEntry.objects.create(staff_member=person, day=today, hours=2, activity="Desk")
    HoursEntry.objects.create(staff_member=person, day=today, hours=1, activity="Desk", status=DecisionStatus.APPROVED)
    TimeOff.objects.create(staff_member=person, first_day=today, last_day=today)
    coordinator = UserFactory(username="coordinator", is_staff=True, role="Coordinator")
    with django_assert_num_queries(3):
        waiting = selectors.approvals_waiting(user=coordinator)
    assert (waiting.hours, waiting.shift_changes, waiting.time_off, waiting.total, waiting.own) == (1, 0, 1, 2, 0)


def test_approvals_waiting_leaves_out_the_coordinators_own(db, django_assert_num_queries):
    coordinator = UserFactory(username="coordinator", is_staff=True, role="Coordinator")
    mine, colleague = StaffMemberFactory(user=coordinator), StaffMemberFactory()
    today = timezone.localdate()
    for person in (mine, colleague):
        HoursEntry.objects.create(staff_member=person, day=today, hours=2, activity="Desk")
        TimeOff.objects.create(staff_member=person, first_day=today, last_day=today)
    changes = ((colleague, mine), (mine, StaffMemberFactory()), (colleague, StaffMemberFactory()))
    for days, (offered_by, claimed_by) in enumerate(changes, start=3):
        ShiftChange.objects.create(
            assignment=AssignmentFactory(
                shift=ShiftFactory(starts_at=timezone.now() + dt.timedelta(days=days)), staff_member=offered_by
            ),
            offered_by=offered_by,
            claimed_by=claimed_by,
            claimed_at=timezone.now(),
            status=ShiftChange.Status.CLAIMED,
        )
    with django_assert_num_queries(3):
        waiting = selectors.approvals_waiting(user=coordinator)
    assert (waiting.hours, waiting.shift_changes, waiting.time_off, waiting.total, waiting.own) == (1, 1, 1, 3, 4)
