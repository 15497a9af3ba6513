"""Writes about who works when. Each function is one transaction and refuses bad input with a ValidationError."""

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from psycopg2.extras import DateTimeTZRange

from makerlab.formatting import count_text
from makerlab.locking import locked
from makerlab.models import Branch, Weekday
from makerlab.pagecache import bump
from makerlab.selectors import branch_calendar
from makerlab.validators import validate_plain_text
from staffing.models import (
    Assignment,
    Availability,
    DecisionStatus,
    HoursEntry,
    Shift,
    ShiftChange,
    ShiftInvitation,
    ShiftPattern,
    ShiftRole,
    Skill,
    StaffKind,
    StaffMember,
    TimeOff,
    hours_between,
    new_calendar_token,
)
from staffing.selectors import (
    ADULT_SUPERVISION_NEEDED,
    CandidateFinder,
    Warning,
    WarningChecker,
    adult_supervision_message,
    own_requests,
    shift_change_is_own,
)

# How far from today a shift, time off or hours entry may be dated: beyond is a typing mistake.
PLANNING_HORIZON = dt.timedelta(days=400)
LONGEST_SHIFT = dt.timedelta(hours=14)
MINIMUM_VOLUNTEER_AGE = 14


class AssignmentWarnings(ValidationError):
    """The assignment breaks soft rules; it is saved only when the coordinator overrides them with a reason.

    Each warning is one error whose code is the warning's (``skill``, ``availability``...).
    """

    def __init__(self, warnings: list[Warning]) -> None:
        self.warnings = warnings
        super().__init__([ValidationError(w.message, code=w.code) for w in warnings])


def _period(shift: Shift) -> DateTimeTZRange:
    return DateTimeTZRange(shift.starts_at, shift.ends_at, "[)")


def check_in_horizon(day: dt.date, *, what: str, today: dt.date | None = None) -> None:
    """Refuse a date further from today than the planning horizon: beyond is a typing mistake."""
    today = today or timezone.localdate()
    if abs(day - today) > PLANNING_HORIZON:
        raise ValidationError(
            f"Check the date: {what.lower()} must be within {PLANNING_HORIZON.days} days of today.", code="horizon"
        )


def staff_member_check_age(*, kind: str, date_of_birth: dt.date | None, today: dt.date) -> None:
    """Volunteers and students give a date of birth; volunteers are at least 14."""
    if date_of_birth is None:
        if kind in (StaffKind.VOLUNTEER, StaffKind.COMMUNITY_SERVICE_STUDENT, StaffKind.COOP_STUDENT):
            raise ValidationError(
                {
                    "date_of_birth": ValidationError(
                        "Volunteers and students need a date of birth.", code="no_date_of_birth"
                    )
                }
            )
        return
    if date_of_birth >= today:
        raise ValidationError(
            {"date_of_birth": ValidationError("The date of birth must be in the past.", code="born_in_future")}
        )
    age = today.year - date_of_birth.year - ((today.month, today.day) < (date_of_birth.month, date_of_birth.day))
    if age > 120:
        raise ValidationError(
            {
                "date_of_birth": ValidationError(
                    "Check the date of birth: that is more than 120 years ago.", code="born_too_long_ago"
                )
            }
        )
    if kind == StaffKind.VOLUNTEER and age < MINIMUM_VOLUNTEER_AGE:
        raise ValidationError(
            {
                "date_of_birth": ValidationError(
                    f"Volunteers must be at least {MINIMUM_VOLUNTEER_AGE} years old.", code="too_young"
                )
            }
        )


def shift_check(
    *, branch: Branch, role: str, starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime | None = None
) -> None:
    """Refuse a shift that ends before it starts, is implausibly long or far off, or falls on a closed day."""
    now = now or timezone.now()
    if ends_at <= starts_at:
        raise ValidationError(
            {"ends_at": ValidationError("A shift must end after it starts.", code="ends_before_start")}
        )
    if hours_between(starts_at, ends_at) > Decimal(LONGEST_SHIFT.total_seconds()) / 3600:
        raise ValidationError(
            {
                "ends_at": ValidationError(
                    f"A shift can be at most {LONGEST_SHIFT.seconds // 3600} hours long.", code="too_long"
                )
            }
        )
    check_in_horizon(starts_at.astimezone(branch.zone).date(), today=timezone.localdate(now), what="A shift")
    if role == ShiftRole.OUTREACH:
        return  # outreach happens at partners' sites, also on days the branch is closed
    local_day = starts_at.astimezone(branch.zone).date()
    day = branch_calendar(branch=branch, first_day=local_day, last_day=local_day).day(local_day)
    if not day.is_open:
        reason = f" ({day.closed_reason})" if day.closed_reason else ""
        raise ValidationError(
            {
                "starts_at": ValidationError(
                    f"{branch} is closed on {local_day:%A %d %B %Y}{reason}.", code="branch_closed"
                )
            }
        )


@transaction.atomic
def shift_create(
    *,
    branch: Branch,
    role: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    min_headcount: int = 1,
    max_headcount: int = 1,
    required_skills: Iterable[Skill] = (),
    notes: str = "",
    is_published: bool = False,
) -> Shift:
    shift_check(branch=branch, role=role, starts_at=starts_at, ends_at=ends_at)
    shift = Shift(
        branch=branch,
        role=role,
        starts_at=starts_at,
        ends_at=ends_at,
        min_headcount=min_headcount,
        max_headcount=max_headcount,
        notes=notes,
        is_published=is_published,
    )
    shift.full_clean()
    shift.save()
    shift.required_skills.set(required_skills)
    return shift


@transaction.atomic
def shift_move(*, shift: Shift, starts_at: dt.datetime, ends_at: dt.datetime) -> Shift:
    """Change a shift's times, and its assignments' with it; refused if that double-books someone."""
    shift_check(branch=shift.branch, role=shift.role, starts_at=starts_at, ends_at=ends_at)
    shift.starts_at, shift.ends_at = starts_at, ends_at
    shift.save(update_fields=["starts_at", "ends_at"])
    try:
        with transaction.atomic():
            Assignment.objects.filter(shift=shift).update(period=_period(shift))
    except IntegrityError as error:
        raise ValidationError(
            "Someone on this shift is already on another shift at the new time.", code="busy"
        ) from error
    return shift


def shifts_generate(*, branch: Branch, first_day: dt.date, last_day: dt.date, publish: bool = False) -> int:
    """Create the shifts of the branch's weekly patterns for each open day in the range; returns how many.

    Times are local to the branch, so a 10:00 shift stays at 10:00 across daylight-saving changes.
    Running it again for the same range creates nothing new.
    """
    if last_day < first_day:
        raise ValidationError("The last day must not be before the first.", code="last_before_first")
    if (last_day - first_day).days > 370:
        raise ValidationError("Generate at most a year of shifts at a time.", code="too_many_days")
    patterns = list(ShiftPattern.objects.filter(branch=branch, is_active=True).prefetch_related("required_skills"))
    calendar = branch_calendar(branch=branch, first_day=first_day, last_day=last_day)
    zone = branch.zone
    created = 0
    with transaction.atomic():
        for day in calendar.days():
            for pattern in patterns:
                if pattern.weekday != day.date.weekday():
                    continue
                if not day.is_open and pattern.role != ShiftRole.OUTREACH:
                    continue
                shift, was_created = Shift.objects.get_or_create(
                    pattern=pattern,
                    starts_at=dt.datetime.combine(day.date, pattern.starts, tzinfo=zone),
                    defaults={
                        "branch": branch,
                        "role": pattern.role,
                        "ends_at": dt.datetime.combine(day.date, pattern.ends, tzinfo=zone),
                        "min_headcount": pattern.min_headcount,
                        "max_headcount": pattern.max_headcount,
                        "is_published": publish,
                    },
                )
                if was_created:
                    shift.required_skills.set(pattern.required_skills.all())
                    created += 1
    return created


@transaction.atomic
def shifts_publish(*, shift_ids: Iterable[int]) -> int:
    bump("bookings")
    return Shift.objects.filter(pk__in=list(shift_ids), is_published=False).update(is_published=True)


@dataclass(frozen=True)
class WeekCopy:
    shifts: int
    people_left_out: list[str]


@transaction.atomic
def shifts_copy_week(*, branch: Branch, from_week: dt.date, to_week: dt.date, with_people: bool = True) -> WeekCopy:
    """Copy a week's shifts, and their people where no rule is broken, to another week, all or nothing.

    Days closed in the target week are skipped, and so are shifts already there at the same time and
    role. People who would break a rule in the new week are left out and named in the result.
    """
    if from_week.weekday() != 0 or to_week.weekday() != 0:
        raise ValidationError("Weeks start on a Monday.", code="not_monday")
    if from_week == to_week:
        raise ValidationError("Choose a different week to copy to.", code="same_week")
    zone = branch.zone
    offset_days = (to_week - from_week).days
    source = (
        Shift.objects.filter(
            branch=branch,
            starts_at__gte=dt.datetime.combine(from_week, dt.time(), tzinfo=zone),
            starts_at__lt=dt.datetime.combine(from_week + dt.timedelta(days=7), dt.time(), tzinfo=zone),
        )
        .prefetch_related("required_skills", "assignments__staff_member__user")
        .order_by("starts_at")
    )
    copied = 0
    left_out: list[str] = []
    for shift in source:
        local_start = shift.starts_at.astimezone(zone)
        local_end = shift.ends_at.astimezone(zone)
        # Shift the local wall-clock time, not the UTC instant, so copies keep their hours across DST.
        starts_at = dt.datetime.combine(local_start.date() + dt.timedelta(days=offset_days), local_start.time(), zone)
        ends_at = dt.datetime.combine(local_end.date() + dt.timedelta(days=offset_days), local_end.time(), zone)
        if Shift.objects.filter(branch=branch, role=shift.role, starts_at=starts_at).exists():
            continue
        try:
            copy = shift_create(
                branch=branch,
                role=shift.role,
                starts_at=starts_at,
                ends_at=ends_at,
                min_headcount=shift.min_headcount,
                max_headcount=shift.max_headcount,
                required_skills=shift.required_skills.all(),
                notes=shift.notes,
            )
        except ValidationError:
            continue
        copied += 1
        if with_people:
            for assignment in shift.assignments.all():
                try:
                    assignment_create(shift=copy, staff_member=assignment.staff_member)
                except ValidationError:
                    left_out.append(f"{assignment.staff_member} ({copy})")
    return WeekCopy(shifts=copied, people_left_out=left_out)


@dataclass(frozen=True)
class Newcomer:
    """A person to put on a shift, with the reason to override any warning they raise."""

    staff_member: StaffMember
    override_reason: str = ""


def assignment_check(
    *,
    shift: Shift,
    staff_member: StaffMember,
    override_reason: str = "",
    alongside: Sequence[StaffMember] = (),
    taken_off: int = 0,
    required_skills: Iterable[Skill] | None = None,
    checker: WarningChecker | None = None,
) -> list[Warning]:
    """Whether ``staff_member`` may be put on ``shift``: the one check of the admin and ``assignment_create``.

    Refused outright when the person is inactive, already on this shift or on another at that time, when
    the shift would have more than its most people, or when a person under 18 would supervise equipment
    only an adult may supervise with no adult employee on the shift. Soft rules (availability, time off,
    skills, hours, a minor with no staff member on shift, a procedure not acknowledged) raise
    AssignmentWarnings unless ``override_reason`` is given; the warnings it overrides are returned.

    ``alongside``: others put on the shift in the same change; a staff member among them supervises a
    minor for the whole shift. ``taken_off``: how many of those on it now the same change takes off.
    ``required_skills``: the shift's, unless the same change sets them. ``checker``: a WarningChecker
    shared by several checks, loaded for everyone concerned.
    """
    if not staff_member.is_active:
        raise ValidationError(f"{staff_member} is not active.", code="inactive")
    checker = checker or WarningChecker(people=[staff_member, *alongside], shifts=[shift])
    if checker.is_on_shift(shift=shift, staff_member=staff_member):
        raise ValidationError(f"{staff_member} is already on this shift.", code="already_on_shift")
    on_it = shift.assignments.count() if shift.pk else 0
    if on_it - taken_off + len(alongside) + 1 > shift.max_headcount:
        raise ValidationError(
            f"This shift takes at most {count_text(shift.max_headcount, 'person', 'people')}. "
            "Raise the most people, or take someone off.",
            code="full",
        )
    if checker.is_on_another_shift(shift=shift, staff_member=staff_member):
        raise ValidationError(f"{staff_member} is already on a shift at that time.", code="busy")
    if required_skills is None:
        required_skills = shift.required_skills.all() if shift.pk else []
    required_skills = list(required_skills)
    # Never overridden: a minor alone supervising equipment only an adult may supervise.
    alone_on = checker.adult_only_alone(
        shift=shift, staff_member=staff_member, required_skills=required_skills, alongside=alongside
    )
    if alone_on:
        raise ValidationError(adult_supervision_message(staff_member, alone_on), code=ADULT_SUPERVISION_NEEDED)
    warnings = checker.warnings(
        shift=shift, staff_member=staff_member, required_skills=required_skills, alongside=alongside
    )
    if warnings and not override_reason.strip():
        raise AssignmentWarnings(warnings)
    return warnings


def assignments_create(
    *, shift: Shift, newcomers: Sequence[Newcomer], by: AbstractBaseUser | None = None
) -> list[Assignment]:
    """Put several people on a shift in one change, all or none, each checked with the others alongside.

    The shift is locked: concurrent assignments to it queue here, so the headcount check holds. The
    database's exclusion constraint has the last word on a person on two shifts at once.
    """
    with transaction.atomic():
        shift = locked(Shift.objects.select_related("branch").filter(pk=shift.pk)).get()
        people = [newcomer.staff_member for newcomer in newcomers]
        checker = WarningChecker(people=people, shifts=[shift])
        skills = list(shift.required_skills.all())
        checked = [
            (
                newcomer,
                assignment_check(
                    shift=shift,
                    staff_member=newcomer.staff_member,
                    override_reason=newcomer.override_reason,
                    alongside=[person for person in people if person.pk != newcomer.staff_member.pk],
                    required_skills=skills,
                    checker=checker,
                ),
            )
            for newcomer in newcomers
        ]
        created = []
        for newcomer, warnings in checked:
            try:
                with transaction.atomic():
                    created.append(
                        Assignment.objects.create(
                            shift=shift,
                            staff_member=newcomer.staff_member,
                            period=_period(shift),
                            overridden_warnings=[w.code for w in warnings],
                            override_reason=newcomer.override_reason.strip() if warnings else "",
                            overridden_by=by if warnings else None,
                        )
                    )
            except IntegrityError as error:
                raise ValidationError(
                    f"{newcomer.staff_member} is already on a shift at that time.", code="busy"
                ) from error
        return created


def assignment_create(
    *,
    shift: Shift,
    staff_member: StaffMember,
    by: AbstractBaseUser | None = None,
    override_reason: str = "",
) -> Assignment:
    """Put a person on a shift (see ``assignment_check``); an override reason is recorded with ``by``."""
    (assignment,) = assignments_create(shift=shift, newcomers=[Newcomer(staff_member, override_reason)], by=by)
    return assignment


def assignment_removal_check(*, assignment: Assignment) -> None:
    """A person who checked in to a shift stays on it: the shift is the record of their hours."""
    if assignment.checked_in_at is not None:
        raise ValidationError(
            f"{assignment.staff_member} has checked in to this shift and can no longer be taken off it.",
            code="checked_in",
        )


@transaction.atomic
def assignment_remove(*, assignment: Assignment) -> None:
    assignment = locked(Assignment.objects.select_related("staff_member__user").filter(pk=assignment.pk)).get()
    assignment_removal_check(assignment=assignment)
    assignment.delete()


def shift_give_up(*, assignment: Assignment, staff_member: StaffMember, note: str = "", now=None) -> ShiftChange:
    """Offer one's own shift to others; the person stays responsible until a claim is approved."""
    now = now or timezone.now()
    if assignment.staff_member_id != staff_member.pk:
        raise ValidationError("You can only give up your own shifts.", code="not_own_shift")
    if not assignment.shift.is_published:
        raise ValidationError("This shift is not published yet; ask the coordinator to change it.", code="draft")
    validate_plain_text(note)
    if assignment.shift.starts_at <= now:
        raise ValidationError("This shift has already started.", code="started")
    try:
        with transaction.atomic():
            return ShiftChange.objects.create(assignment=assignment, offered_by=staff_member, note=note.strip())
    except IntegrityError as error:
        raise ValidationError("You have already offered this shift.", code="already_given_up") from error


def shift_claim(*, change: ShiftChange, staff_member: StaffMember, now=None) -> ShiftChange:
    """Ask to take a shift someone gave up; the coordinator approves."""
    now = now or timezone.now()
    with transaction.atomic():
        change = locked(ShiftChange.objects.select_related("assignment__shift").filter(pk=change.pk)).get()
        if change.status != ShiftChange.Status.OFFERED:
            raise ValidationError(
                "Someone has already claimed this shift, or it is no longer offered.", code="not_offered"
            )
        if change.offered_by_id == staff_member.pk:
            raise ValidationError("You cannot claim a shift you gave up; withdraw the offer instead.", code="own_offer")
        shift = change.assignment.shift
        if shift.starts_at <= now:
            raise ValidationError("This shift has already started.", code="started")
        if Assignment.objects.filter(staff_member=staff_member, period__overlap=_period(shift)).exists():
            raise ValidationError("You are already on a shift at that time.", code="busy")
        change.claimed_by = staff_member
        change.claimed_at = now
        change.status = ShiftChange.Status.CLAIMED
        change.save(update_fields=["claimed_by", "claimed_at", "status"])
        return change


def shift_change_withdraw(*, change: ShiftChange, staff_member: StaffMember) -> ShiftChange:
    with transaction.atomic():
        change = locked(ShiftChange.objects.filter(pk=change.pk)).get()
        if change.offered_by_id != staff_member.pk:
            raise ValidationError(
                "Only the person who offered the shift can withdraw the offer.", code="not_your_offer"
            )
        if change.status not in ShiftChange.OPEN_STATUSES:
            raise ValidationError("This offer is already closed.", code="offer_closed")
        change.status = ShiftChange.Status.WITHDRAWN
        change.save(update_fields=["status"])
        return change


def shift_change_decide(
    *, change: ShiftChange, approve: bool, by: AbstractBaseUser, override_reason: str = "", now=None
) -> ShiftChange:
    """The coordinator approves a claim (the claimant takes the shift) or declines it (the shift is offered again).

    As for hours and time off, nobody decides a change they offered or claimed: another coordinator does.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            change = locked(
                ShiftChange.objects.select_related("assignment__shift__branch", "claimed_by", "offered_by").filter(
                    pk=change.pk
                )
            ).get()
            if change.status != ShiftChange.Status.CLAIMED:
                raise ValidationError("Only a claimed shift can be approved or declined.", code="not_claimed")
            if shift_change_is_own(change=change, user=by):
                raise ValidationError(
                    "You cannot approve or decline a shift change you offered or claimed; "
                    "another coordinator decides it.",
                    code="own_decision",
                )
            if not approve:
                change.status = ShiftChange.Status.OFFERED
                change.claimed_by = None
                change.claimed_at = None
                change.decided_by, change.decided_at = by, now
                change.save(update_fields=["status", "claimed_by", "claimed_at", "decided_by", "decided_at"])
                return change
            assignment = locked(Assignment.objects.filter(pk=change.assignment_id)).get()
            shift = change.assignment.shift
            claimant = change.claimed_by
            # The claimant takes the place of the person who gave the shift up.
            warnings = assignment_check(
                shift=shift, staff_member=claimant, override_reason=override_reason, taken_off=1
            )
            override_reason = override_reason.strip()
            assignment.staff_member = claimant
            assignment.overridden_warnings = [w.code for w in warnings]
            assignment.override_reason = override_reason if warnings else ""
            assignment.overridden_by = by if warnings else None
            assignment.save(update_fields=["staff_member", "overridden_warnings", "override_reason", "overridden_by"])
            change.status = ShiftChange.Status.APPROVED
            change.decided_by, change.decided_at = by, now
            change.save(update_fields=["status", "decided_by", "decided_at"])
            return change
    except IntegrityError as error:
        raise ValidationError(f"{change.claimed_by} is now on another shift at that time.", code="busy") from error


def _shift_for_offer(shift_id: int) -> Shift:
    """The shift, locked, with what the candidate rules read: its branch, skills and people."""
    return locked(
        Shift.objects.select_related("branch").prefetch_related("required_skills", "assignments").filter(pk=shift_id)
    ).get()


def _check_open_place(shift: Shift, *, now: dt.datetime) -> None:
    if not shift.is_published:
        raise ValidationError("Publish this shift before offering it to someone.", code="draft")
    if shift.starts_at <= now:
        raise ValidationError("This shift has already started.", code="started")
    if len(shift.assignments.all()) >= shift.max_headcount:
        raise ValidationError(f"This shift already has its {shift.max_headcount} people.", code="full")


def _check_candidate(shift: Shift, staff_member: StaffMember) -> None:
    reasons = CandidateFinder(shifts=[shift], people=[staff_member]).reasons_not(shift=shift, staff_member=staff_member)
    if reasons:
        raise ValidationError(" ".join(reasons), code="not_a_candidate")


def shift_invitation_create(
    *, shift: Shift, staff_member: StaffMember, by: AbstractBaseUser, now: dt.datetime | None = None
) -> ShiftInvitation:
    """Offer an open place on a shift to one person who could fill it (see CandidateFinder)."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            shift = _shift_for_offer(shift.pk)
            _check_open_place(shift, now=now)
            _check_candidate(shift, staff_member)
            return ShiftInvitation.objects.create(shift=shift, staff_member=staff_member, offered_by=by, offered_at=now)
    except IntegrityError as error:
        raise ValidationError(f"This shift is already offered to {staff_member}.", code="already_offered") from error


def _open_invitation(invitation: ShiftInvitation, staff_member: StaffMember) -> ShiftInvitation:
    invitation = locked(ShiftInvitation.objects.filter(pk=invitation.pk)).get()
    if invitation.staff_member_id != staff_member.pk:
        raise ValidationError("This shift was offered to someone else.", code="not_yours")
    if invitation.status != ShiftInvitation.Status.OFFERED:
        raise ValidationError("You have already answered this offer.", code="answered")
    return invitation


def shift_invitation_take(
    *, invitation: ShiftInvitation, staff_member: StaffMember, now: dt.datetime | None = None
) -> Assignment:
    """Take a place the coordinator offered: the person is on the shift at once.

    The rules are checked again: the week may have changed since the offer (other shifts, time off).
    """
    now = now or timezone.now()
    with transaction.atomic():
        invitation = _open_invitation(invitation, staff_member)
        shift = _shift_for_offer(invitation.shift_id)
        _check_open_place(shift, now=now)
        try:
            _check_candidate(shift, staff_member)
        except ValidationError as error:
            raise ValidationError(
                f"This shift no longer fits your week, so ask the coordinator: {' '.join(error.messages)}",
                code="not_a_candidate",
            ) from error
        assignment = assignment_create(shift=shift, staff_member=staff_member)
        invitation.status, invitation.answered_at = ShiftInvitation.Status.TAKEN, now
        invitation.save(update_fields=["status", "answered_at"])
        return assignment


def shift_invitation_decline(
    *, invitation: ShiftInvitation, staff_member: StaffMember, now: dt.datetime | None = None
) -> ShiftInvitation:
    """Say no to an offered place, so the coordinator sees it and asks someone else."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation = _open_invitation(invitation, staff_member)
        invitation.status, invitation.answered_at = ShiftInvitation.Status.DECLINED, now
        invitation.save(update_fields=["status", "answered_at"])
        return invitation


def _quarter_hours(start: dt.datetime, end: dt.datetime) -> Decimal:
    return (hours_between(start, end) * 4).quantize(Decimal(1), rounding=ROUND_HALF_UP) / 4


def assignment_check_in(*, assignment: Assignment, now: dt.datetime | None = None) -> Assignment:
    now = now or timezone.now()
    with transaction.atomic():
        assignment = locked(Assignment.objects.select_related("shift").filter(pk=assignment.pk)).get()
        if assignment.checked_in_at is not None:
            raise ValidationError("You have already checked in.", code="already_checked_in")
        if not assignment.shift.starts_at - dt.timedelta(hours=1) <= now <= assignment.shift.ends_at:
            raise ValidationError(
                "You can check in from an hour before the shift until it ends.", code="not_check_in_time"
            )
        assignment.checked_in_at = now
        assignment.save(update_fields=["checked_in_at"])
        return assignment


def assignment_check_out(*, assignment: Assignment, now: dt.datetime | None = None) -> HoursEntry:
    """Close the shift and log its hours (in quarter hours) for the coordinator to approve."""
    now = now or timezone.now()
    with transaction.atomic():
        assignment = locked(
            Assignment.objects.select_related("shift__branch")
            .prefetch_related("shift__required_skills")
            .filter(pk=assignment.pk)
        ).get()
        if assignment.checked_in_at is None:
            raise ValidationError("Check in first.", code="not_checked_in")
        if assignment.checked_out_at is not None:
            raise ValidationError("You have already checked out.", code="already_checked_out")
        assignment.checked_out_at = now
        assignment.save(update_fields=["checked_out_at"])
        shift = assignment.shift
        hours = max(Decimal("0.25"), min(Decimal(24), _quarter_hours(assignment.checked_in_at, now)))
        return HoursEntry.objects.create(
            staff_member_id=assignment.staff_member_id,
            day=assignment.checked_in_at.astimezone(shift.branch.zone).date(),
            hours=hours,
            activity=f"{shift.get_role_display()} at {shift.branch}",
            counts_for_community_hours=all(s.counts_for_community_hours for s in shift.required_skills.all()),
            source=HoursEntry.Source.SHIFT,
            assignment=assignment,
        )


def hours_check(*, day: dt.date, hours: Decimal, activity: str, today: dt.date | None = None) -> str:
    """Refuse hours for a future or implausible day, outside (0, 24], or without a plain-text activity.

    Returns the activity as it is stored.
    """
    today = today or timezone.localdate()
    if day > today:
        raise ValidationError(
            {"day": ValidationError("Hours can only be logged for today or earlier.", code="future_day")}
        )
    try:
        check_in_horizon(day, today=today, what="The day")
    except ValidationError as error:
        raise ValidationError({"day": ValidationError(error.message, code=error.code)}) from error
    if not Decimal(0) < hours <= Decimal(24):
        raise ValidationError(
            {"hours": ValidationError("Hours must be more than 0 and at most 24.", code="hours_out_of_range")}
        )
    activity = activity.strip()
    if not activity:
        raise ValidationError({"activity": ValidationError("Say what was done.", code="no_activity")})
    try:
        validate_plain_text(activity)
    except ValidationError as error:
        raise ValidationError({"activity": ValidationError(error.message, code=error.code)}) from error
    return activity


def hours_log(
    *,
    staff_member: StaffMember,
    day: dt.date,
    hours: Decimal,
    activity: str,
    counts_for_community_hours: bool = True,
    today: dt.date | None = None,
) -> HoursEntry:
    """Hours entered by hand, waiting for the coordinator's approval."""
    activity = hours_check(day=day, hours=hours, activity=activity, today=today)
    entry = HoursEntry(
        staff_member=staff_member,
        day=day,
        hours=hours,
        activity=activity,
        counts_for_community_hours=counts_for_community_hours,
        source=HoursEntry.Source.MANUAL,
    )
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def hours_decide(*, entry_ids: Iterable[int], approve: bool, by: AbstractBaseUser) -> int:
    """Approve or decline pending hours, never one's own; returns how many were decided."""
    pending = HoursEntry.objects.filter(pk__in=list(entry_ids), status=DecisionStatus.PENDING)
    bump("staff")
    return pending.exclude(own_requests(by)).update(
        status=DecisionStatus.APPROVED if approve else DecisionStatus.DECLINED,
        decided_by=by,
        decided_at=timezone.now(),
    )


def time_off_check(*, first_day: dt.date, last_day: dt.date, reason: str = "", today: dt.date | None = None) -> None:
    """Refuse time off that runs backwards, is already over, is far off, or has a reason with markup."""
    today = today or timezone.localdate()
    errors: dict[str, list[ValidationError]] = {}
    for name, day in (("first_day", first_day), ("last_day", last_day)):
        try:
            check_in_horizon(day, today=today, what="Time off")
        except ValidationError as error:
            errors.setdefault(name, []).append(error)
    if last_day < first_day:
        errors.setdefault("last_day", []).append(
            ValidationError("The last day off cannot be before the first.", code="last_before_first")
        )
    elif last_day < today:
        errors.setdefault("last_day", []).append(ValidationError("Time off must be today or later.", code="past"))
    try:
        validate_plain_text(reason)
    except ValidationError as error:
        errors["reason"] = [error]
    if errors:
        raise ValidationError(errors)


def time_off_request(
    *, staff_member: StaffMember, first_day: dt.date, last_day: dt.date, reason: str = "", today=None
) -> TimeOff:
    time_off_check(first_day=first_day, last_day=last_day, reason=reason, today=today)
    return TimeOff.objects.create(
        staff_member=staff_member, first_day=first_day, last_day=last_day, reason=reason.strip()
    )


@transaction.atomic
def time_off_decide(*, time_off_ids: Iterable[int], approve: bool, by: AbstractBaseUser) -> int:
    """Approve or decline pending time off, never one's own (as for hours); returns how many were decided."""
    pending = TimeOff.objects.filter(pk__in=list(time_off_ids), status=DecisionStatus.PENDING)
    bump("bookings")  # time off takes a person's hours out of the times patrons can book
    return pending.exclude(own_requests(by)).update(
        status=DecisionStatus.APPROVED if approve else DecisionStatus.DECLINED,
        decided_by=by,
        decided_at=timezone.now(),
    )


def availability_check(*, windows: Iterable[tuple[int, dt.time, dt.time]]) -> None:
    """Refuse weekly windows that end before they start, or that overlap on the same day."""
    windows = sorted(windows)
    for _weekday, starts, ends in windows:
        if ends <= starts:
            raise ValidationError(
                "The end of an availability window must be after its start.", code="ends_before_start"
            )
    for (day_a, starts_a, ends_a), (day_b, starts_b, ends_b) in itertools.pairwise(windows):
        if day_a == day_b and starts_b < ends_a:
            name = Weekday(day_a).label
            raise ValidationError(
                f"Availability windows on the same day must not overlap: {name} "
                f"{starts_a:%H:%M} to {ends_a:%H:%M} and {starts_b:%H:%M} to {ends_b:%H:%M}.",
                code="windows_overlap",
            )


@transaction.atomic
def availability_set(*, staff_member: StaffMember, windows: Iterable[tuple[int, dt.time, dt.time]]) -> None:
    """Replace the person's weekly availability; refuses windows that end before they start or overlap."""
    windows = sorted(windows)
    availability_check(windows=windows)
    bump("bookings")
    Availability.objects.filter(staff_member=staff_member).delete()
    Availability.objects.bulk_create(
        Availability(staff_member=staff_member, weekday=weekday, starts=starts, ends=ends)
        for weekday, starts, ends in windows
    )


def calendar_token_reset(*, staff_member: StaffMember) -> str:
    """Give the person a new calendar feed address; the old one stops working."""
    staff_member.calendar_token = new_calendar_token()
    staff_member.save(update_fields=["calendar_token"])
    return staff_member.calendar_token
