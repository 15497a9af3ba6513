import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from staffing import services
from staffing.models import (
    Assignment,
    Availability,
    DecisionStatus,
    HoursEntry,
    Shift,
    ShiftChange,
    ShiftPattern,
    ShiftRole,
    StaffKind,
    TimeOff,
)
from staffing.services import AssignmentWarnings
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
from tests.refusals import refusal_codes


def local(*args: int, fold: int = 0) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TORONTO, fold=fold)


@pytest.fixture
def branch(db):
    return BranchFactory(name="Central Library", slug="central", observes_statutory_holidays=False)


@pytest.fixture
def next_monday() -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=7 - today.weekday())


class TestShiftInput:
    def test_a_good_shift_is_created(self, branch, next_monday):
        skill = SkillFactory(name="3D printer")
        shift = services.shift_create(
            branch=branch,
            role=ShiftRole.HELP_DESK,
            starts_at=at(next_monday, 13),
            ends_at=at(next_monday, 16),
            required_skills=[skill],
        )
        assert list(shift.required_skills.all()) == [skill]
        assert shift.hours == 3

    @pytest.mark.parametrize(
        ("start", "end"),
        [
            ((13, 0), (12, 0)),
            ((13, 0), (13, 0)),
        ],
    )
    def test_end_not_after_start_is_refused(self, branch, next_monday, start, end):
        with pytest.raises(ValidationError) as refused:
            services.shift_create(
                branch=branch,
                role=ShiftRole.HELP_DESK,
                starts_at=at(next_monday, *start),
                ends_at=at(next_monday, *end),
            )
        assert refusal_codes(refused.value) == ["ends_before_start"]
        assert not Shift.objects.exists()

    def test_an_implausibly_long_shift_is_refused(self, branch, next_monday):
        with pytest.raises(ValidationError) as refused:
            services.shift_create(
                branch=branch,
                role=ShiftRole.OUTREACH,
                starts_at=at(next_monday, 6),
                ends_at=at(next_monday + dt.timedelta(days=1), 6),
            )
        assert refusal_codes(refused.value) == ["too_long"]

    @pytest.mark.parametrize("years", [-5, 5])
    def test_a_date_far_in_the_past_or_future_is_refused(self, branch, next_monday, years):
        day = next_monday + dt.timedelta(days=365 * years)
        with pytest.raises(ValidationError) as refused:
            services.shift_create(branch=branch, role=ShiftRole.HELP_DESK, starts_at=at(day, 10), ends_at=at(day, 12))
        assert refusal_codes(refused.value) == ["horizon"]

    def test_a_shift_on_a_statutory_holiday_is_refused_with_the_reason(self, db):
        branch = BranchFactory(observes_statutory_holidays=True)
        canada_day = dt.date(timezone.localdate().year + 1, 7, 1)
        if (canada_day - timezone.localdate()).days > 400:
            canada_day = dt.date(timezone.localdate().year, 7, 1)
        with pytest.raises(ValidationError) as refused:
            services.shift_create(
                branch=branch, role=ShiftRole.HELP_DESK, starts_at=at(canada_day, 10), ends_at=at(canada_day, 12)
            )
        assert refusal_codes(refused.value) == ["branch_closed"]
        assert "(Canada Day)" in refused.value.messages[0]

    def test_a_shift_on_a_closure_is_refused_but_outreach_may_go_ahead(self, branch, next_monday):
        ClosureFactory(branch=branch, start_date=next_monday, reason="Staff development day")
        with pytest.raises(ValidationError) as refused:
            services.shift_create(
                branch=branch, role=ShiftRole.OPEN_LAB, starts_at=at(next_monday, 10), ends_at=at(next_monday, 12)
            )
        assert refusal_codes(refused.value) == ["branch_closed"]
        assert "Staff development day" in refused.value.messages[0]
        services.shift_create(
            branch=branch, role=ShiftRole.OUTREACH, starts_at=at(next_monday, 10), ends_at=at(next_monday, 12)
        )


class TestDaylightSavingTime:
    def test_a_shift_across_the_autumn_change_lasts_one_hour_longer_than_the_clock_says(self, branch):
        # 31 October 2026, 22:00 EDT to 1 November 04:00 EST: six hours on the clock, seven in fact.
        shift = services.shift_create(
            branch=branch,
            role=ShiftRole.OUTREACH,
            starts_at=local(2026, 10, 31, 22),
            ends_at=local(2026, 11, 1, 4),
        )
        assert shift.hours == 7
        assert shift.starts_at.astimezone(dt.UTC) == dt.datetime(2026, 11, 1, 2, tzinfo=dt.UTC)
        assert shift.ends_at.astimezone(dt.UTC) == dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC)

    def test_the_repeated_hour_is_two_different_hours_for_double_booking(self, branch):
        person = StaffMemberFactory()
        # 00:30-01:30 EDT, then 01:00-02:00 EST (the second 1 a.m.): the clocks overlap, real time does not.
        first = services.shift_create(
            branch=branch,
            role=ShiftRole.OUTREACH,
            starts_at=local(2026, 11, 1, 0, 30),
            ends_at=local(2026, 11, 1, 1, 30),
        )
        second = services.shift_create(
            branch=branch,
            role=ShiftRole.OUTREACH,
            starts_at=local(2026, 11, 1, 1, 0, fold=1),
            ends_at=local(2026, 11, 1, 2),
        )
        services.assignment_create(shift=first, staff_member=person)
        services.assignment_create(shift=second, staff_member=person)
        assert Assignment.objects.filter(staff_member=person).count() == 2

    def test_generated_shifts_keep_their_local_time_across_the_spring_change(self, db):
        branch = BranchFactory(observes_statutory_holidays=False)
        ShiftPattern.objects.create(
            branch=branch, role=ShiftRole.HELP_DESK, weekday=6, starts=dt.time(10), ends=dt.time(12)
        )
        # Sundays 7 and 14 March 2027: clocks spring forward on the 14th.
        services.shifts_generate(branch=branch, first_day=dt.date(2027, 3, 7), last_day=dt.date(2027, 3, 14))
        before, after = Shift.objects.order_by("starts_at")
        assert before.starts_at.astimezone(TORONTO).time() == dt.time(10)
        assert after.starts_at.astimezone(TORONTO).time() == dt.time(10)
        assert before.starts_at.astimezone(dt.UTC).hour == 15
        assert after.starts_at.astimezone(dt.UTC).hour == 14
        assert before.hours == after.hours == 2

    def test_check_out_on_the_night_the_clocks_change_logs_the_real_hours(self, branch):
        person = StaffMemberFactory()
        shift = services.shift_create(
            branch=branch, role=ShiftRole.OUTREACH, starts_at=local(2026, 10, 31, 22), ends_at=local(2026, 11, 1, 4)
        )
        assignment = services.assignment_create(shift=shift, staff_member=person)
        services.assignment_check_in(assignment=assignment, now=local(2026, 10, 31, 22))
        entry = services.assignment_check_out(assignment=assignment, now=local(2026, 11, 1, 4))
        assert entry.hours == 7
        assert entry.day == dt.date(2026, 10, 31)


class TestAssignmentRules:
    def test_the_database_refuses_a_person_on_two_overlapping_shifts(self, branch, next_monday):
        person = StaffMemberFactory()
        first = ShiftFactory(branch=branch, starts_at=at(next_monday, 10), ends_at=at(next_monday, 13))
        overlapping = ShiftFactory(
            branch=branch, role=ShiftRole.OPEN_LAB, starts_at=at(next_monday, 12), ends_at=at(next_monday, 14)
        )
        adjacent = ShiftFactory(
            branch=branch, role=ShiftRole.OPEN_LAB, starts_at=at(next_monday, 13), ends_at=at(next_monday, 15)
        )
        services.assignment_create(shift=first, staff_member=person)
        with pytest.raises(ValidationError) as refused:
            services.assignment_create(shift=overlapping, staff_member=person)
        assert refused.value.code == "busy"
        services.assignment_create(shift=adjacent, staff_member=person)
        with pytest.raises(ValidationError) as refused:
            services.assignment_create(shift=first, staff_member=person)
        assert refused.value.code == "already_on_shift"

    def test_a_full_shift_takes_no_one_else(self, branch):
        shift = ShiftFactory(branch=branch, max_headcount=1)
        services.assignment_create(shift=shift, staff_member=StaffMemberFactory())
        with pytest.raises(ValidationError) as refusal:
            services.assignment_create(shift=shift, staff_member=StaffMemberFactory())
        assert refusal.value.code == "full"

    def test_an_inactive_person_cannot_be_assigned(self, branch):
        with pytest.raises(ValidationError) as refused:
            services.assignment_create(
                shift=ShiftFactory(branch=branch), staff_member=StaffMemberFactory(is_active=False)
            )
        assert refused.value.code == "inactive"

    def test_a_missing_skill_is_a_warning_the_coordinator_can_override(self, branch, coordinator):
        laser = SkillFactory(name="Laser cutter")
        shift = ShiftFactory(branch=branch, required_skills=[laser])
        person = StaffMemberFactory()
        with pytest.raises(AssignmentWarnings) as caught:
            services.assignment_create(shift=shift, staff_member=person)
        assert [w.code for w in caught.value.warnings] == refusal_codes(caught.value) == ["skill"]
        assert "does not hold: Laser cutter" in caught.value.messages[0]
        assert not Assignment.objects.exists()

        assignment = services.assignment_create(
            shift=shift, staff_member=person, by=coordinator, override_reason="Shadowing Priya this week"
        )
        assert assignment.overridden_warnings == ["skill"]
        assert assignment.override_reason == "Shadowing Priya this week"
        assert assignment.overridden_by == coordinator

    def test_an_expired_qualification_no_longer_counts(self, branch):
        laser = SkillFactory(name="Laser cutter")
        person = StaffMemberFactory()
        shift = ShiftFactory(branch=branch, required_skills=[laser])
        QualificationFactory(
            staff_member=person, skill=laser, granted_on=dt.date(2020, 1, 1), expires_on=timezone.localdate()
        )
        with pytest.raises(AssignmentWarnings) as caught:
            services.assignment_create(shift=shift, staff_member=person)
        assert refusal_codes(caught.value) == ["skill"]

    def test_a_valid_qualification_raises_no_warning(self, branch):
        laser = SkillFactory(name="Laser cutter")
        person = StaffMemberFactory()
        QualificationFactory(staff_member=person, skill=laser)
        services.assignment_create(shift=ShiftFactory(branch=branch, required_skills=[laser]), staff_member=person)

    def test_outside_availability_and_during_time_off_are_warnings(self, branch, next_monday):
        person = StaffMemberFactory()
        Availability.objects.create(staff_member=person, weekday=0, starts=dt.time(9), ends=dt.time(12))
        late = ShiftFactory(branch=branch, starts_at=at(next_monday, 14), ends_at=at(next_monday, 16))
        with pytest.raises(AssignmentWarnings) as caught:
            services.assignment_create(shift=late, staff_member=person)
        assert [w.code for w in caught.value.warnings] == ["availability"]

        morning = ShiftFactory(branch=branch, starts_at=at(next_monday, 9), ends_at=at(next_monday, 11))
        TimeOff.objects.create(
            staff_member=person, first_day=next_monday, last_day=next_monday, status=DecisionStatus.APPROVED
        )
        with pytest.raises(AssignmentWarnings) as caught:
            services.assignment_create(shift=morning, staff_member=person)
        assert [w.code for w in caught.value.warnings] == ["time_off"]

    def test_time_off_still_waiting_for_approval_is_no_conflict(self, branch, next_monday):
        person = StaffMemberFactory()
        TimeOff.objects.create(staff_member=person, first_day=next_monday, last_day=next_monday)
        services.assignment_create(
            shift=ShiftFactory(branch=branch, starts_at=at(next_monday, 10)), staff_member=person
        )

    def test_going_over_the_weekly_hour_limit_is_a_warning(self, branch, next_monday):
        person = StaffMemberFactory(weekly_hour_limit=Decimal("5"))
        monday = ShiftFactory(branch=branch, starts_at=at(next_monday, 9), ends_at=at(next_monday, 13))
        tuesday = next_monday + dt.timedelta(days=1)
        services.assignment_create(shift=monday, staff_member=person)
        second = ShiftFactory(branch=branch, starts_at=at(tuesday, 9), ends_at=at(tuesday, 11))
        with pytest.raises(AssignmentWarnings) as caught:
            services.assignment_create(shift=second, staff_member=person)
        assert refusal_codes(caught.value) == ["weekly_hours"]
        assert "6.0 hours" in caught.value.messages[0]
        next_week = next_monday + dt.timedelta(days=7)
        services.assignment_create(
            shift=ShiftFactory(branch=branch, starts_at=at(next_week, 9), ends_at=at(next_week, 13)),
            staff_member=person,
        )

    def test_a_co_op_student_is_warned_before_exceeding_the_agreement(self, branch, next_monday):
        student = StaffMemberFactory(kind=StaffKind.COOP_STUDENT, coop_agreement_hours=Decimal("5"))
        services.assignment_create(
            shift=ShiftFactory(branch=branch, starts_at=at(next_monday, 9), ends_at=at(next_monday, 13)),
            staff_member=student,
        )
        later = next_monday + dt.timedelta(days=9)
        with pytest.raises(AssignmentWarnings) as caught:
            services.assignment_create(
                shift=ShiftFactory(branch=branch, starts_at=at(later, 9), ends_at=at(later, 11)), staff_member=student
            )
        assert refusal_codes(caught.value) == ["coop_cap"]

    def test_a_minor_needs_a_staff_member_on_shift_for_the_whole_time(self, branch, next_monday):
        minor = StaffMemberFactory(
            kind=StaffKind.VOLUNTEER, date_of_birth=timezone.localdate() - dt.timedelta(days=365 * 15)
        )
        shift = ShiftFactory(
            branch=branch, role=ShiftRole.OPEN_LAB, starts_at=at(next_monday, 13), ends_at=at(next_monday, 15)
        )
        with pytest.raises(AssignmentWarnings) as caught:
            services.assignment_create(shift=shift, staff_member=minor)
        assert refusal_codes(caught.value) == ["unsupervised_minor"]
        AssignmentFactory(
            shift=ShiftFactory(branch=branch, starts_at=at(next_monday, 12), ends_at=at(next_monday, 16)),
            staff_member=StaffMemberFactory(kind=StaffKind.LIBRARY_ASSISTANT),
        )
        services.assignment_create(shift=shift, staff_member=minor)

    def test_a_minor_put_on_a_shift_with_a_staff_member_in_one_change_is_supervised(self, branch, next_monday):
        """Listed first or last, the staff member joining the same shift supervises: no order to get right."""
        minor = StaffMemberFactory(
            kind=StaffKind.VOLUNTEER, date_of_birth=timezone.localdate() - dt.timedelta(days=365 * 15)
        )
        assistant = StaffMemberFactory(kind=StaffKind.LIBRARY_ASSISTANT)
        shift = ShiftFactory(branch=branch, starts_at=at(next_monday, 13), ends_at=at(next_monday, 15), max_headcount=2)
        created = services.assignments_create(
            shift=shift, newcomers=[services.Newcomer(minor), services.Newcomer(assistant)]
        )
        assert [(a.staff_member, a.overridden_warnings) for a in created] == [(minor, []), (assistant, [])]

    def test_a_minor_joined_only_by_another_volunteer_is_not_supervised(self, branch, next_monday):
        minor = StaffMemberFactory(
            kind=StaffKind.VOLUNTEER, date_of_birth=timezone.localdate() - dt.timedelta(days=365 * 15)
        )
        adult_volunteer = StaffMemberFactory(kind=StaffKind.VOLUNTEER, date_of_birth=dt.date(1990, 1, 1))
        shift = ShiftFactory(branch=branch, starts_at=at(next_monday, 13), max_headcount=2)
        with pytest.raises(AssignmentWarnings) as caught:
            services.assignment_check(shift=shift, staff_member=minor, alongside=[adult_volunteer])
        assert [w.code for w in caught.value.warnings] == ["unsupervised_minor"]

    def test_people_put_on_a_shift_together_go_on_all_or_none(self, branch, next_monday):
        free, busy = StaffMemberFactory(), StaffMemberFactory(user__first_name="Jamal", user__last_name="Haddad")
        AssignmentFactory(
            staff_member=busy,
            shift=ShiftFactory(branch=branch, role=ShiftRole.OPEN_LAB, starts_at=at(next_monday, 11)),
        )
        shift = ShiftFactory(branch=branch, starts_at=at(next_monday, 10), max_headcount=2)
        with pytest.raises(ValidationError) as refusal:
            services.assignments_create(shift=shift, newcomers=[services.Newcomer(free), services.Newcomer(busy)])
        assert refusal.value.code == "busy"
        assert "Jamal Haddad" in refusal.value.messages[0]
        assert not shift.assignments.exists()

    @pytest.mark.parametrize("refusal", ["inactive", "already_on_shift", "full", "busy"])
    def test_the_check_refuses_what_putting_someone_on_refuses(self, branch, next_monday, refusal):
        shift = ShiftFactory(branch=branch, starts_at=at(next_monday, 10), max_headcount=2)
        person = StaffMemberFactory(is_active=refusal != "inactive")
        if refusal == "already_on_shift":
            AssignmentFactory(shift=shift, staff_member=person)
        if refusal == "full":
            AssignmentFactory.create_batch(2, shift=shift)
        if refusal == "busy":
            other = ShiftFactory(branch=branch, role=ShiftRole.OPEN_LAB, starts_at=at(next_monday, 11))
            AssignmentFactory(shift=other, staff_member=person)
        with pytest.raises(ValidationError) as checked:
            services.assignment_check(shift=shift, staff_member=person)
        with pytest.raises(ValidationError) as created:
            services.assignment_create(shift=shift, staff_member=person)
        assert checked.value.code == created.value.code == refusal

    def test_the_check_counts_people_taken_off_in_the_same_change(self, branch, next_monday):
        shift = ShiftFactory(branch=branch, starts_at=at(next_monday, 10), max_headcount=1)
        AssignmentFactory(shift=shift)
        newcomer = StaffMemberFactory()
        with pytest.raises(ValidationError) as refused:
            services.assignment_check(shift=shift, staff_member=newcomer)
        assert refused.value.code == "full"
        assert services.assignment_check(shift=shift, staff_member=newcomer, taken_off=1) == []

    def test_a_person_who_checked_in_cannot_be_taken_off(self, branch):
        assignment = AssignmentFactory(shift=ShiftFactory(branch=branch), staff_member__user__first_name="Ethan")
        assignment.checked_in_at = assignment.shift.starts_at
        assignment.save()
        with pytest.raises(ValidationError) as refusal:
            services.assignment_remove(assignment=assignment)
        assert refusal.value.code == "checked_in"
        assert Assignment.objects.filter(pk=assignment.pk).exists()

    def test_an_adult_volunteer_needs_no_supervision(self, branch):
        volunteer = StaffMemberFactory(kind=StaffKind.VOLUNTEER, date_of_birth=dt.date(1990, 1, 1))
        services.assignment_create(shift=ShiftFactory(branch=branch), staff_member=volunteer)

    def test_moving_a_shift_moves_its_people_and_refuses_a_clash(self, branch, next_monday):
        person = StaffMemberFactory()
        shift = ShiftFactory(branch=branch, starts_at=at(next_monday, 9), ends_at=at(next_monday, 11))
        other = ShiftFactory(
            branch=branch, role=ShiftRole.OPEN_LAB, starts_at=at(next_monday, 14), ends_at=at(next_monday, 16)
        )
        services.assignment_create(shift=shift, staff_member=person)
        services.assignment_create(shift=other, staff_member=person)
        services.shift_move(shift=shift, starts_at=at(next_monday, 10), ends_at=at(next_monday, 12))
        assignment = Assignment.objects.get(shift=shift)
        assert assignment.period.lower == at(next_monday, 10)
        with pytest.raises(ValidationError) as refused:
            services.shift_move(shift=shift, starts_at=at(next_monday, 13), ends_at=at(next_monday, 15))
        assert refused.value.code == "busy"
        shift.refresh_from_db()
        assert shift.starts_at == at(next_monday, 10)


class TestPatternsAndWeeks:
    def test_generating_twice_creates_nothing_more_and_skips_closed_days(self, branch, next_monday):
        pattern = ShiftPattern.objects.create(
            branch=branch, role=ShiftRole.HELP_DESK, weekday=0, starts=dt.time(13), ends=dt.time(16)
        )
        pattern.required_skills.set([SkillFactory(name="Tech help")])
        ClosureFactory(branch=branch, start_date=next_monday + dt.timedelta(days=7))
        last = next_monday + dt.timedelta(days=27)
        assert services.shifts_generate(branch=branch, first_day=next_monday, last_day=last, publish=True) == 3
        assert services.shifts_generate(branch=branch, first_day=next_monday, last_day=last, publish=True) == 0
        shift = Shift.objects.first()
        assert shift.is_published
        assert [s.name for s in shift.required_skills.all()] == ["Tech help"]

    def test_generating_a_backwards_or_huge_range_is_refused(self, branch, next_monday):
        with pytest.raises(ValidationError) as refused:
            services.shifts_generate(branch=branch, first_day=next_monday, last_day=next_monday - dt.timedelta(days=1))
        assert refused.value.code == "last_before_first"
        with pytest.raises(ValidationError) as refused:
            services.shifts_generate(
                branch=branch, first_day=next_monday, last_day=next_monday + dt.timedelta(days=800)
            )
        assert refused.value.code == "too_many_days"

    def test_copying_a_week_copies_shifts_and_people(self, branch, next_monday):
        person = StaffMemberFactory()
        shift = ShiftFactory(branch=branch, starts_at=at(next_monday, 10), ends_at=at(next_monday, 12))
        services.assignment_create(shift=shift, staff_member=person)
        target = next_monday + dt.timedelta(days=7)
        assert services.shifts_copy_week(branch=branch, from_week=next_monday, to_week=target).shifts == 1
        copy = Shift.objects.get(starts_at=at(target, 10))
        assert not copy.is_published
        assert list(copy.assignments.values_list("staff_member", flat=True)) == [person.pk]
        assert services.shifts_copy_week(branch=branch, from_week=next_monday, to_week=target).shifts == 0

    def test_people_who_would_break_a_rule_in_the_new_week_are_named_not_copied(self, branch, next_monday):
        person = StaffMemberFactory()
        shift = ShiftFactory(branch=branch, starts_at=at(next_monday, 10), ends_at=at(next_monday, 12))
        services.assignment_create(shift=shift, staff_member=person)
        target = next_monday + dt.timedelta(days=7)
        TimeOff.objects.create(staff_member=person, first_day=target, last_day=target, status=DecisionStatus.APPROVED)
        result = services.shifts_copy_week(branch=branch, from_week=next_monday, to_week=target)
        assert result.shifts == 1
        assert result.people_left_out == [f"{person} ({Shift.objects.get(starts_at=at(target, 10))})"]

    def test_copying_needs_mondays_and_two_different_weeks(self, branch, next_monday):
        with pytest.raises(ValidationError) as refused:
            services.shifts_copy_week(branch=branch, from_week=next_monday + dt.timedelta(days=1), to_week=next_monday)
        assert refused.value.code == "not_monday"
        with pytest.raises(ValidationError) as refused:
            services.shifts_copy_week(branch=branch, from_week=next_monday, to_week=next_monday)
        assert refused.value.code == "same_week"

    def test_publishing(self, branch):
        shifts = [ShiftFactory(branch=branch, is_published=False) for _ in range(2)]
        assert services.shifts_publish(shift_ids=[s.pk for s in shifts]) == 2
        assert services.shifts_publish(shift_ids=[s.pk for s in shifts]) == 0


class TestShiftChanges:
    @pytest.fixture
    def offered(self, branch):
        giver = StaffMemberFactory()
        assignment = AssignmentFactory(shift=ShiftFactory(branch=branch), staff_member=giver)
        return services.shift_give_up(assignment=assignment, staff_member=giver, note="Dentist")

    def test_give_up_claim_and_approve(self, offered, coordinator):
        taker = StaffMemberFactory()
        assert offered.assignment.staff_member == offered.offered_by  # still responsible
        services.shift_claim(change=offered, staff_member=taker)
        change = services.shift_change_decide(change=offered, approve=True, by=coordinator)
        assert change.status == ShiftChange.Status.APPROVED
        assert Assignment.objects.get(pk=offered.assignment_id).staff_member == taker

    def test_a_declined_claim_puts_the_shift_back_on_offer(self, offered, coordinator):
        services.shift_claim(change=offered, staff_member=StaffMemberFactory())
        change = services.shift_change_decide(change=offered, approve=False, by=coordinator)
        assert change.status == ShiftChange.Status.OFFERED
        assert change.claimed_by is None

    def test_no_one_gives_up_someone_elses_shift_or_the_same_shift_twice(self, offered):
        with pytest.raises(ValidationError) as refused:
            services.shift_give_up(assignment=offered.assignment, staff_member=StaffMemberFactory())
        assert refused.value.code == "not_own_shift"
        with pytest.raises(ValidationError) as refused:
            services.shift_give_up(assignment=offered.assignment, staff_member=offered.offered_by)
        assert refused.value.code == "already_given_up"

    def test_claims_that_cannot_be(self, offered, branch):
        with pytest.raises(ValidationError) as refused:
            services.shift_claim(change=offered, staff_member=offered.offered_by)
        assert refused.value.code == "own_offer"
        busy = StaffMemberFactory()
        shift = offered.assignment.shift
        AssignmentFactory(
            shift=ShiftFactory(branch=branch, role=ShiftRole.OPEN_LAB, starts_at=shift.starts_at),
            staff_member=busy,
        )
        with pytest.raises(ValidationError) as refused:
            services.shift_claim(change=offered, staff_member=busy)
        assert refused.value.code == "busy"
        services.shift_claim(change=offered, staff_member=StaffMemberFactory())
        with pytest.raises(ValidationError) as refused:
            services.shift_claim(change=offered, staff_member=StaffMemberFactory())
        assert refused.value.code == "not_offered"

    def test_approval_is_refused_if_the_claimant_took_another_shift_meanwhile(self, offered, branch, coordinator):
        taker = StaffMemberFactory()
        services.shift_claim(change=offered, staff_member=taker)
        shift = offered.assignment.shift
        AssignmentFactory(
            shift=ShiftFactory(branch=branch, role=ShiftRole.OPEN_LAB, starts_at=shift.starts_at), staff_member=taker
        )
        with pytest.raises(ValidationError) as refusal:
            services.shift_change_decide(change=offered, approve=True, by=coordinator)
        assert refusal.value.code == "busy"  # assignment_check's refusal, as when putting someone on a shift
        assert Assignment.objects.get(pk=offered.assignment_id).staff_member == offered.offered_by

    def test_approval_is_refused_if_the_claimant_is_no_longer_active(self, offered, coordinator):
        """Approving a claim puts the claimant on the shift, so assignment_check's rules hold (they once did not)."""
        taker = StaffMemberFactory()
        services.shift_claim(change=offered, staff_member=taker)
        taker.is_active = False
        taker.save()
        with pytest.raises(ValidationError) as refusal:
            services.shift_change_decide(change=offered, approve=True, by=coordinator)
        assert refusal.value.code == "inactive"
        assert Assignment.objects.get(pk=offered.assignment_id).staff_member == offered.offered_by

    def test_approval_asks_for_an_override_when_the_claimant_lacks_a_skill(self, branch, coordinator):
        laser = SkillFactory(name="Laser cutter")
        giver = StaffMemberFactory()
        QualificationFactory(staff_member=giver, skill=laser)
        assignment = AssignmentFactory(shift=ShiftFactory(branch=branch, required_skills=[laser]), staff_member=giver)
        change = services.shift_give_up(assignment=assignment, staff_member=giver)
        services.shift_claim(change=change, staff_member=StaffMemberFactory())
        with pytest.raises(AssignmentWarnings):
            services.shift_change_decide(change=change, approve=True, by=coordinator)
        services.shift_change_decide(change=change, approve=True, by=coordinator, override_reason="Supervised")
        assignment.refresh_from_db()
        assert assignment.overridden_warnings == ["skill"]

    def test_withdrawing_an_offer(self, offered):
        with pytest.raises(ValidationError) as refused:
            services.shift_change_withdraw(change=offered, staff_member=StaffMemberFactory())
        assert refused.value.code == "not_your_offer"
        change = services.shift_change_withdraw(change=offered, staff_member=offered.offered_by)
        assert change.status == ShiftChange.Status.WITHDRAWN
        with pytest.raises(ValidationError) as refused:
            services.shift_change_withdraw(change=offered, staff_member=offered.offered_by)
        assert refused.value.code == "offer_closed"


class TestHours:
    def test_check_in_and_out_log_quarter_hours_for_approval(self, branch, next_monday):
        laser = SkillFactory(name="Laser cutter", counts_for_community_hours=False)
        student = StaffMemberFactory(kind=StaffKind.COMMUNITY_SERVICE_STUDENT)
        shift = ShiftFactory(branch=branch, starts_at=at(next_monday, 10), ends_at=at(next_monday, 12))
        shift.required_skills.set([laser])
        assignment = AssignmentFactory(shift=shift, staff_member=student)
        with pytest.raises(ValidationError) as refused:
            services.assignment_check_in(assignment=assignment, now=at(next_monday, 8))
        assert refused.value.code == "not_check_in_time"
        with pytest.raises(ValidationError) as refused:
            services.assignment_check_out(assignment=assignment, now=at(next_monday, 12))
        assert refused.value.code == "not_checked_in"
        services.assignment_check_in(assignment=assignment, now=at(next_monday, 9, 55))
        with pytest.raises(ValidationError) as refused:
            services.assignment_check_in(assignment=assignment, now=at(next_monday, 10))
        assert refused.value.code == "already_checked_in"
        entry = services.assignment_check_out(assignment=assignment, now=at(next_monday, 12, 3))
        assert entry.hours == Decimal("2.25")
        assert entry.status == DecisionStatus.PENDING
        assert entry.source == HoursEntry.Source.SHIFT
        assert entry.counts_for_community_hours is False  # operating the laser cutter does not count
        with pytest.raises(ValidationError) as refused:
            services.assignment_check_out(assignment=assignment, now=at(next_monday, 12, 5))
        assert refused.value.code == "already_checked_out"
        with pytest.raises(ValidationError) as refused:
            services.assignment_remove(assignment=assignment)
        assert refused.value.code == "checked_in"

    @pytest.mark.parametrize(
        ("days_ago", "hours", "activity", "code"),
        [
            (-1, "2", "Helped", "future_day"),
            (2000, "2", "Helped", "horizon"),
            (1, "0", "Helped", "hours_out_of_range"),
            (1, "-3", "Helped", "hours_out_of_range"),
            (1, "24.5", "Helped", "hours_out_of_range"),
            (1, "2", "   ", "no_activity"),
            (1, "2", "<b>Helped</b>", "markup"),
            (1, "2", "x" * 500, "max_length"),
        ],
    )
    def test_bad_hours_are_refused(self, db, days_ago, hours, activity, code):
        person = StaffMemberFactory()
        with pytest.raises(ValidationError) as refused:
            services.hours_log(
                staff_member=person,
                day=timezone.localdate() - dt.timedelta(days=days_ago),
                hours=Decimal(hours),
                activity=activity,
            )
        assert refusal_codes(refused.value) == [code]
        assert not HoursEntry.objects.exists()

    def test_hours_are_approved_once(self, db, coordinator):
        person = StaffMemberFactory()
        entry = services.hours_log(
            staff_member=person, day=timezone.localdate(), hours=Decimal("3"), activity="Seed packing"
        )
        assert services.hours_decide(entry_ids=[entry.pk], approve=True, by=coordinator) == 1
        assert services.hours_decide(entry_ids=[entry.pk], approve=False, by=coordinator) == 0
        entry.refresh_from_db()
        assert entry.status == DecisionStatus.APPROVED


class TestPeople:
    @pytest.mark.parametrize(
        ("kind", "years", "code"),
        [
            (StaffKind.VOLUNTEER, 13, "too_young"),
            (StaffKind.VOLUNTEER, None, "no_date_of_birth"),
            (StaffKind.COOP_STUDENT, -1, "born_in_future"),
            (StaffKind.LIBRARY_ASSISTANT, 130, "born_too_long_ago"),
        ],
    )
    def test_age_rules(self, kind, years, code):
        today = dt.date(2026, 11, 28)
        born = None if years is None else today.replace(year=today.year - years)
        with pytest.raises(ValidationError) as refused:
            services.staff_member_check_age(kind=kind, date_of_birth=born, today=today)
        assert refusal_codes(refused.value) == [code]

    def test_a_fourteen_year_old_volunteer_and_an_assistant_without_birth_date_are_fine(self):
        today = dt.date(2026, 11, 28)
        services.staff_member_check_age(kind=StaffKind.VOLUNTEER, date_of_birth=dt.date(2012, 11, 28), today=today)
        services.staff_member_check_age(kind=StaffKind.LIBRARY_ASSISTANT, date_of_birth=None, today=today)

    def test_availability_windows_must_not_overlap_or_run_backwards(self, db):
        person = StaffMemberFactory()
        with pytest.raises(ValidationError) as refused:
            services.availability_set(
                staff_member=person, windows=[(0, dt.time(9), dt.time(12)), (0, dt.time(11), dt.time(14))]
            )
        assert refused.value.code == "windows_overlap"
        with pytest.raises(ValidationError) as refused:
            services.availability_set(staff_member=person, windows=[(1, dt.time(12), dt.time(9))])
        assert refused.value.code == "ends_before_start"
        services.availability_set(
            staff_member=person, windows=[(0, dt.time(9), dt.time(12)), (0, dt.time(12), dt.time(14))]
        )
        assert person.availability.count() == 2

    def test_time_off_requests_and_decisions(self, db, coordinator):
        person = StaffMemberFactory()
        today = timezone.localdate()
        with pytest.raises(ValidationError) as refused:
            services.time_off_request(staff_member=person, first_day=today, last_day=today - dt.timedelta(days=1))
        assert refused.value.error_dict["last_day"][0].code == "last_before_first"
        with pytest.raises(ValidationError) as refused:
            services.time_off_request(
                staff_member=person, first_day=today + dt.timedelta(days=900), last_day=today + dt.timedelta(days=901)
            )
        assert refusal_codes(refused.value) == ["horizon", "horizon"]
        with pytest.raises(ValidationError) as refused:
            services.time_off_request(
                staff_member=person,
                first_day=today - dt.timedelta(days=3),
                last_day=today - dt.timedelta(days=1),
                reason="<script>",
            )
        assert {field: [e.code for e in errors] for field, errors in refused.value.error_dict.items()} == {
            "last_day": ["past"],
            "reason": ["markup"],
        }
        assert not TimeOff.objects.exists()
        off = services.time_off_request(staff_member=person, first_day=today, last_day=today, reason="Exam")
        assert services.time_off_decide(time_off_ids=[off.pk], approve=True, by=coordinator) == 1
        off.refresh_from_db()
        assert off.status == DecisionStatus.APPROVED
        assert off.decided_by == coordinator

    def test_a_new_calendar_address_retires_the_old_one(self, db):
        person = StaffMemberFactory(user=UserFactory())
        old = person.calendar_token
        new = services.calendar_token_reset(staff_member=person)
        assert new != old
        assert len(new) >= 32
