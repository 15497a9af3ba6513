"""The coordinator's week: who could fill a short shift (the candidate rules), offering it to one person,
and that person taking it or saying no."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from programs.models import Session
from staffing import selectors, services
from staffing.models import (
    Assignment,
    Availability,
    DecisionStatus,
    ShiftInvitation,
    StaffKind,
    StaffMember,
    TimeOff,
)
from tests.factories import (
    TORONTO,
    AssignmentFactory,
    BranchFactory,
    ProgramFactory,
    QualificationFactory,
    ShiftFactory,
    SkillFactory,
    StaffMemberFactory,
    UserFactory,
    at,
)


@pytest.fixture
def branch(db):
    return BranchFactory(name="Central Library", slug="central", observes_statutory_holidays=False)


@pytest.fixture
def monday() -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=7 - today.weekday())


@pytest.fixture
def laser(db):
    return SkillFactory(name="Laser cutter")


@pytest.fixture
def short_shift(branch, monday, laser):
    """Tuesday 2 to 4 p.m. next week, needing two people with the laser cutter skill; one is on it."""
    shift = ShiftFactory(
        branch=branch, starts_at=at(monday + dt.timedelta(days=1), 14), ends_at=at(monday + dt.timedelta(days=1), 16)
    )
    shift.min_headcount = shift.max_headcount = 2
    shift.save()
    shift.required_skills.add(laser)
    AssignmentFactory(shift=shift, staff_member=person("Daniel", "Okafor", skills=[laser]))
    return shift


def person(first: str, last: str, *, skills=(), afternoons: bool = True, **fields) -> StaffMember:
    """An active person, available every afternoon unless told otherwise, holding ``skills``."""
    fields.setdefault("kind", StaffKind.VOLUNTEER)
    member = StaffMemberFactory(
        user=UserFactory(username=f"{first}.{last}".lower(), first_name=first, last_name=last), **fields
    )
    if afternoons:
        Availability.objects.bulk_create(
            Availability(staff_member=member, weekday=day, starts=dt.time(12), ends=dt.time(18)) for day in range(7)
        )
    for skill in skills:
        QualificationFactory(staff_member=member, skill=skill)
    return member


def candidates(shift) -> list[str]:
    shift = (
        type(shift).objects.select_related("branch").prefetch_related("required_skills", "assignments").get(pk=shift.pk)
    )
    return [str(c.staff_member) for c in selectors.CandidateFinder(shifts=[shift]).candidates(shift=shift)]


def reasons(shift, member) -> list[str]:
    shift = (
        type(shift).objects.select_related("branch").prefetch_related("required_skills", "assignments").get(pk=shift.pk)
    )
    return selectors.CandidateFinder(shifts=[shift], people=[member]).reasons_not(shift=shift, staff_member=member)


# --- The candidate rules --------------------------------------------------------------------------------------


def test_an_available_skilled_person_with_hours_to_spare_is_a_candidate(short_shift, laser):
    person("Emma", "Tremblay", skills=[laser])
    assert candidates(short_shift) == ["Emma Tremblay"]


def test_someone_not_available_then_or_with_no_availability_is_not(short_shift, laser):
    mornings = person("Noor", "Haddad", skills=[laser], afternoons=False)
    Availability.objects.bulk_create(
        Availability(staff_member=mornings, weekday=day, starts=dt.time(8), ends=dt.time(12)) for day in range(7)
    )
    unknown = person("Lucas", "Martin", skills=[laser], afternoons=False)
    assert candidates(short_shift) == []
    assert reasons(short_shift, mornings) == ["Noor Haddad is not known to be available at this time."]
    assert reasons(short_shift, unknown) == ["Lucas Martin is not known to be available at this time."]


def test_approved_time_off_rules_a_person_out_and_a_pending_request_does_not(short_shift, laser):
    away = person("Emma", "Tremblay", skills=[laser])
    day = short_shift.starts_at.astimezone(TORONTO).date()
    TimeOff.objects.create(staff_member=away, first_day=day, last_day=day, status=DecisionStatus.APPROVED)
    asking = person("Noor", "Haddad", skills=[laser])
    TimeOff.objects.create(staff_member=asking, first_day=day, last_day=day, status=DecisionStatus.PENDING)
    assert candidates(short_shift) == ["Noor Haddad"]
    assert reasons(short_shift, away) == ["Emma Tremblay has approved time off that day."]


def test_someone_on_another_shift_or_leading_a_program_then_is_busy(short_shift, branch, laser):
    on_shift = person("Emma", "Tremblay", skills=[laser])
    AssignmentFactory(
        staff_member=on_shift,
        shift=ShiftFactory(branch=branch, starts_at=short_shift.starts_at + dt.timedelta(hours=1)),
    )
    teaching = person("Noor", "Haddad", skills=[laser])
    program = ProgramFactory(branch=branch, title="Laser-cut lanterns")
    program.facilitators.add(teaching)
    Session.objects.create(
        program=program,
        starts_at=short_shift.starts_at - dt.timedelta(minutes=30),
        ends_at=short_shift.starts_at + dt.timedelta(minutes=30),
    )
    free = person("Lucas", "Martin", skills=[laser])
    assert candidates(short_shift) == ["Lucas Martin"]
    assert reasons(short_shift, on_shift) == ["Emma Tremblay is on another shift at that time."]
    assert reasons(short_shift, teaching) == ["Noor Haddad leads a program at that time."]
    assert "already on this shift" in reasons(short_shift, short_shift.assignments.get().staff_member)[0]
    assert free.is_active


def test_a_missing_or_expired_skill_rules_a_person_out(short_shift, laser):
    person("Emma", "Tremblay")
    expired = person("Noor", "Haddad")
    QualificationFactory(
        staff_member=expired, skill=laser, granted_on=dt.date(2020, 1, 1), expires_on=timezone.localdate()
    )
    assert candidates(short_shift) == []
    assert reasons(short_shift, expired) == ["Noor Haddad does not hold: Laser cutter."]


def test_the_weekly_hour_limit_counts_the_shift_itself(short_shift, branch, laser, monday):
    at_limit = person("Emma", "Tremblay", skills=[laser], weekly_hour_limit=Decimal("4.0"))
    AssignmentFactory(
        staff_member=at_limit, shift=ShiftFactory(branch=branch, starts_at=at(monday, 13), ends_at=at(monday, 16))
    )
    room = person("Noor", "Haddad", skills=[laser], weekly_hour_limit=Decimal(5))
    AssignmentFactory(
        staff_member=room, shift=ShiftFactory(branch=branch, starts_at=at(monday, 13), ends_at=at(monday, 16))
    )
    assert candidates(short_shift) == ["Noor Haddad"]
    assert reasons(short_shift, at_limit) == ["Emma Tremblay would work 5.0 hours that week; the limit is 4.0."]


def test_inactive_people_are_never_candidates(short_shift, laser):
    gone = person("Emma", "Tremblay", skills=[laser])
    gone.is_active = False
    gone.save()
    assert candidates(short_shift) == []
    assert reasons(short_shift, gone) == ["Emma Tremblay is not active."]


def test_candidates_with_fewest_hours_that_week_come_first(short_shift, branch, laser, monday):
    busy = person("Anna", "Busy", skills=[laser])
    AssignmentFactory(
        staff_member=busy, shift=ShiftFactory(branch=branch, starts_at=at(monday, 13), ends_at=at(monday, 16))
    )
    person("Zoe", "Free", skills=[laser])
    assert candidates(short_shift) == ["Zoe Free", "Anna Busy"]


def test_the_week_lists_gaps_of_people_and_of_skills_with_their_candidates(short_shift, branch, laser, monday, now):
    covered_but_unskilled = ShiftFactory(branch=branch, starts_at=at(monday + dt.timedelta(days=2), 14))
    covered_but_unskilled.required_skills.add(laser)
    covered_but_unskilled.max_headcount = 2
    covered_but_unskilled.save()
    AssignmentFactory(shift=covered_but_unskilled, staff_member=person("Lucas", "Martin"))
    ShiftFactory(branch=branch, starts_at=at(monday + dt.timedelta(days=3), 14), is_published=False)
    full = ShiftFactory(
        branch=branch, starts_at=at(monday + dt.timedelta(days=4), 14), min_headcount=1, max_headcount=1
    )
    full.required_skills.add(laser)
    AssignmentFactory(shift=full, staff_member=person("Noor", "Haddad"))
    person("Emma", "Tremblay", skills=[laser])

    week = selectors.week_schedule(branch=branch, week_start=monday)
    gaps = selectors.coverage_gaps(schedule=week, now=now)
    assert set(gaps) == {short_shift.pk, covered_but_unskilled.pk}  # not the draft, not the full one
    assert [str(c.staff_member) for c in gaps[short_shift.pk].candidates] == ["Emma Tremblay"]
    # Daniel, on Tuesday's shift, could also do Wednesday's; with two hours already that week he comes second.
    assert [str(c.staff_member) for c in gaps[covered_but_unskilled.pk].candidates] == [
        "Emma Tremblay",
        "Daniel Okafor",
    ]
    by_id = {s.shift.pk: s for _, day in week.days for s in day}
    assert by_id[covered_but_unskilled.pk].missing_skills == [laser]
    assert by_id[full.pk].missing_skills == [laser]
    assert by_id[short_shift.pk].missing_skills == []


def test_a_started_shift_is_not_open_to_offers(short_shift, branch, laser, now):
    person("Emma", "Tremblay", skills=[laser])
    week = selectors.week_schedule(branch=branch, week_start=selectors.week_start_of(timezone.localdate()))
    later = selectors.coverage_gaps(schedule=week, now=short_shift.starts_at)
    assert later == {}


def _fill(branch, monday, laser, *, shifts: int, people: int, name: str) -> None:
    for n in range(people):
        member = person(name, f"Number{n}", skills=[laser], weekly_hour_limit=Decimal(20))
        if n % 3 == 0:
            TimeOff.objects.create(
                staff_member=member, first_day=monday, last_day=monday, status=DecisionStatus.APPROVED
            )
    for n in range(shifts):
        day = monday + dt.timedelta(days=n % 7)
        shift = ShiftFactory(branch=branch, starts_at=at(day, 12 + n // 7), ends_at=at(day, 13 + n // 7))
        shift.required_skills.add(laser)


def test_coverage_gaps_take_the_same_queries_for_a_small_or_a_busy_week(
    branch, monday, laser, now, django_assert_max_num_queries
):
    # Active staff, qualifications, availability, time off, their shifts that week, paid staff on shift,
    # programs they lead, offers already made, and the rules of the equipment the shifts' skills supervise
    # (makerlab.shift_rules: one query while no procedure is written).
    _fill(branch, monday, laser, shifts=2, people=3, name="First")
    week = selectors.week_schedule(branch=branch, week_start=monday)
    with django_assert_max_num_queries(9):
        small = selectors.coverage_gaps(schedule=week, now=now)
    _fill(branch, monday, laser, shifts=20, people=30, name="Second")
    week = selectors.week_schedule(branch=branch, week_start=monday)
    with django_assert_max_num_queries(9):
        busy = selectors.coverage_gaps(schedule=week, now=now)
    assert len(small) == 2
    assert len(busy) == 22
    assert max(len(gap.candidates) for gap in busy.values()) > 20


# --- Offering and taking ------------------------------------------------------------------------------------


@pytest.fixture
def emma(laser):
    return person("Emma", "Tremblay", skills=[laser])


def test_the_coordinator_offers_a_place_and_the_person_takes_it_without_approval(short_shift, emma, coordinator):
    invitation = services.shift_invitation_create(shift=short_shift, staff_member=emma, by=coordinator)
    assert (invitation.status, invitation.offered_by) == (ShiftInvitation.Status.OFFERED, coordinator)
    assert [i.pk for i in selectors.shift_invitations_to(staff_member=emma, now=timezone.now())] == [invitation.pk]
    assignment = services.shift_invitation_take(invitation=invitation, staff_member=emma)
    invitation.refresh_from_db()
    assert invitation.status == ShiftInvitation.Status.TAKEN
    assert (assignment.shift, assignment.staff_member) == (short_shift, emma)
    assert assignment.overridden_warnings == []
    assert selectors.shift_invitations_to(staff_member=emma, now=timezone.now()) == []


def test_offering_to_someone_who_cannot_fill_it_is_refused_and_saves_nothing(short_shift, coordinator):
    unskilled = person("Noor", "Haddad")
    with pytest.raises(ValidationError) as refused:
        services.shift_invitation_create(shift=short_shift, staff_member=unskilled, by=coordinator)
    assert refused.value.code == "not_a_candidate"
    assert "Noor Haddad does not hold: Laser cutter." in refused.value.messages[0]
    assert not ShiftInvitation.objects.exists()


def test_offering_twice_to_the_same_person_is_refused(short_shift, emma, coordinator):
    services.shift_invitation_create(shift=short_shift, staff_member=emma, by=coordinator)
    with pytest.raises(ValidationError) as refused:
        services.shift_invitation_create(shift=short_shift, staff_member=emma, by=coordinator)
    assert refused.value.code == "already_offered"
    assert ShiftInvitation.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [("draft", "draft"), ("started", "started"), ("full", "full")],
)
def test_a_draft_started_or_full_shift_cannot_be_offered(short_shift, emma, coordinator, change, code):
    if change == "draft":
        short_shift.is_published = False
        short_shift.save()
    if change == "full":
        short_shift.min_headcount = short_shift.max_headcount = 1
        short_shift.save()
    now = short_shift.starts_at + dt.timedelta(minutes=1) if change == "started" else None
    with pytest.raises(ValidationError) as refused:
        services.shift_invitation_create(shift=short_shift, staff_member=emma, by=coordinator, now=now)
    assert refused.value.code == code
    assert not ShiftInvitation.objects.exists()


def test_taking_is_checked_again_against_the_week_as_it_is_now(short_shift, emma, coordinator):
    invitation = services.shift_invitation_create(shift=short_shift, staff_member=emma, by=coordinator)
    day = short_shift.starts_at.astimezone(TORONTO).date()
    TimeOff.objects.create(staff_member=emma, first_day=day, last_day=day, status=DecisionStatus.APPROVED)
    with pytest.raises(ValidationError) as refused:
        services.shift_invitation_take(invitation=invitation, staff_member=emma)
    assert refused.value.code == "not_a_candidate"
    assert "no longer fits your week" in refused.value.messages[0]
    invitation.refresh_from_db()
    assert invitation.status == ShiftInvitation.Status.OFFERED
    assert not Assignment.objects.filter(staff_member=emma).exists()


def test_the_first_of_two_people_offered_the_last_place_takes_it(short_shift, emma, laser, coordinator):
    noor = person("Noor", "Haddad", skills=[laser])
    first = services.shift_invitation_create(shift=short_shift, staff_member=emma, by=coordinator)
    second = services.shift_invitation_create(shift=short_shift, staff_member=noor, by=coordinator)
    services.shift_invitation_take(invitation=first, staff_member=emma)
    assert selectors.shift_invitations_to(staff_member=noor, now=timezone.now()) == []
    with pytest.raises(ValidationError) as refused:
        services.shift_invitation_take(invitation=second, staff_member=noor)
    assert refused.value.code == "full"
    assert not Assignment.objects.filter(staff_member=noor).exists()


def test_only_the_person_offered_answers_and_only_once(short_shift, emma, laser, coordinator):
    invitation = services.shift_invitation_create(shift=short_shift, staff_member=emma, by=coordinator)
    other = person("Noor", "Haddad", skills=[laser])
    with pytest.raises(ValidationError) as refused:
        services.shift_invitation_take(invitation=invitation, staff_member=other)
    assert refused.value.code == "not_yours"
    services.shift_invitation_decline(invitation=invitation, staff_member=emma)
    invitation.refresh_from_db()
    assert invitation.status == ShiftInvitation.Status.DECLINED
    with pytest.raises(ValidationError) as again:
        services.shift_invitation_take(invitation=invitation, staff_member=emma)
    assert again.value.code == "answered"
    assert short_shift.assignments.count() == 1


def test_an_offer_disappears_once_the_person_is_put_on_the_shift_another_way(short_shift, emma, coordinator):
    short_shift.max_headcount = 3  # room left, so only being on it already hides the offer
    short_shift.save()
    services.shift_invitation_create(shift=short_shift, staff_member=emma, by=coordinator)
    AssignmentFactory(shift=short_shift, staff_member=emma)
    assert selectors.shift_invitations_to(staff_member=emma, now=timezone.now()) == []
