"""Reads about who works when: the source of truth for availability that bookings and programs ask."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import User
from django.db.models import Count, DurationField, Exists, F, OuterRef, Prefetch, Q, QuerySet, Sum
from psycopg2.extras import DateTimeTZRange

from makerlab.commitments import STAFF, busy_time
from makerlab.models import Branch
from makerlab.shift_rules import ShiftRules, shift_rules_for
from staffing.models import (
    EMPLOYEE_KINDS,
    Assignment,
    Availability,
    DecisionStatus,
    HoursEntry,
    Qualification,
    Shift,
    ShiftChange,
    ShiftInvitation,
    Skill,
    StaffKind,
    StaffMember,
    TimeOff,
    hours_between,
    qualifications_valid_on,
)

COMMUNITY_HOURS_REQUIRED = Decimal(40)


Interval = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True)
class PeopleOnShift:
    """Who is on shift in a period, with what bookings and programs need to know of each person.

    ``shifts``: each person's times on shift; ``qualifications``: the skills they hold (of those asked
    for), each in force on some days only; ``time_off``: their approved days off.
    """

    shifts: dict[int, list[Interval]]
    qualifications: dict[int, list[Qualification]]
    time_off: dict[int, list[tuple[dt.date, dt.date]]]

    @property
    def staff_member_ids(self) -> list[int]:
        return list(self.shifts)

    def covers(self, staff_member_id: int, start: dt.datetime, end: dt.datetime) -> bool:
        """Whether one of the person's shifts holds all of [start, end)."""
        return any(lower <= start and end <= upper for lower, upper in self.shifts.get(staff_member_id, []))

    def valid_skill_ids(self, staff_member_id: int, day: dt.date) -> set[int]:
        """The skills the person holds in force on ``day``."""
        return {q.skill_id for q in self.qualifications.get(staff_member_id, []) if q.is_valid_on(day)}

    def holds_skill(self, staff_member_id: int, skill_id: int, day: dt.date) -> bool:
        return skill_id in self.valid_skill_ids(staff_member_id, day)

    def is_off(self, staff_member_id: int, day: dt.date) -> bool:
        """Whether the person has approved time off on ``day``."""
        return any(first <= day <= last for first, last in self.time_off.get(staff_member_id, []))


def people_on_shift(
    *,
    branch: Branch,
    role: str,
    start: dt.datetime,
    end: dt.datetime,
    skill_ids: Iterable[int] | None = None,
) -> PeopleOnShift:
    """Active people on a published ``role`` shift at ``branch`` overlapping [start, end), their skills
    (only ``skill_ids`` when given) and their approved time off on the branch's days from ``start`` to
    ``end``: three queries at most, however many people, shifts and days."""
    shifts: dict[int, list[Interval]] = defaultdict(list)
    for staff_member_id, period in Assignment.objects.filter(
        shift__branch=branch,
        shift__role=role,
        shift__is_published=True,
        staff_member__is_active=True,
        period__overlap=DateTimeTZRange(start, end, "[)"),
    ).values_list("staff_member_id", "period"):
        shifts[staff_member_id].append((period.lower, period.upper))
    qualifications: dict[int, list[Qualification]] = defaultdict(list)
    time_off: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    if not shifts:
        return PeopleOnShift(dict(shifts), dict(qualifications), dict(time_off))
    held = Qualification.objects.filter(staff_member_id__in=list(shifts)).only(
        "staff_member_id", "skill_id", "granted_on", "expires_on"
    )
    if skill_ids is not None:
        held = held.filter(skill_id__in=list(skill_ids))
    for qualification in held.order_by():
        qualifications[qualification.staff_member_id].append(qualification)
    for staff_member_id, first_day, last_day in TimeOff.objects.filter(
        staff_member_id__in=list(shifts),
        status=DecisionStatus.APPROVED,
        first_day__lte=end.astimezone(branch.zone).date(),
        last_day__gte=start.astimezone(branch.zone).date(),
    ).values_list("staff_member_id", "first_day", "last_day"):
        time_off[staff_member_id].append((first_day, last_day))
    return PeopleOnShift(dict(shifts), dict(qualifications), dict(time_off))


def staff_members(*, ids: Iterable[int] | QuerySet) -> list[StaffMember]:
    """The people with these ids (a list, or a query of ids such as another app's ``staff_member_id``
    column), with their logins for their names: one query."""
    return list(StaffMember.objects.filter(pk__in=ids).select_related("user"))


ADULT_SUPERVISION_NEEDED = "adult_supervision_needed"


def adult_supervision_message(person: StaffMember, equipment: list[str]) -> str:
    return (
        f"{person} is under 18 and no adult staff member is on this shift: only an adult may supervise "
        f"{', '.join(equipment)}. Put an adult staff member on the shift too."
    )


def skill_holders(
    *, skill_ids: Iterable[int] | QuerySet, day: dt.date, staff_member_ids: Iterable[int] | None = None
) -> dict[StaffMember, set[int]]:
    """Active people holding any of ``skill_ids`` (a list, or a query of skill ids) in force on ``day`` (only
    ``staff_member_ids`` when given), each with the skills of those they hold, with their logins: one query."""
    held = Qualification.objects.filter(
        qualifications_valid_on(day),
        skill_id__in=skill_ids if isinstance(skill_ids, QuerySet) else list(skill_ids),
        staff_member__is_active=True,
    ).select_related("staff_member__user")
    if staff_member_ids is not None:
        held = held.filter(staff_member_id__in=list(staff_member_ids))
    people: dict[int, StaffMember] = {}
    skills: dict[int, set[int]] = defaultdict(set)
    for qualification in held.order_by():
        people.setdefault(qualification.staff_member_id, qualification.staff_member)
        skills[qualification.staff_member_id].add(qualification.skill_id)
    return {people[pk]: skills[pk] for pk in sorted(people, key=lambda pk: str(people[pk]))}


@dataclass(frozen=True)
class Warning:
    """A soft rule broken by an assignment: shown, and allowed only when the coordinator overrides it."""

    code: str
    message: str


@dataclass
class _PersonFacts:
    staff_member: StaffMember
    skills: dict[int, list[Qualification]] = field(default_factory=dict)
    windows: dict[int, list[tuple[dt.time, dt.time]]] = field(default_factory=dict)
    time_off: list[tuple[dt.date, dt.date]] = field(default_factory=list)
    assignments: list[tuple[int, dt.datetime, dt.datetime]] = field(default_factory=list)
    total_hours: Decimal = Decimal(0)


class WarningChecker:
    """Warnings for assignments of a set of people around a set of shifts, from a fixed number of queries.

    Loads the people's skills, availability, approved time off, their assignments in the weeks
    concerned, and for co-op students their total hours; then answers for any (shift, person)
    pair without touching the database. The rules other apps register (``makerlab.shift_rules``: a
    procedure to acknowledge, equipment only an adult may supervise) and the people already on the shifts
    are loaded once, the first time a shift requiring skills asks for them.
    """

    def __init__(self, *, people: Iterable[StaffMember], shifts: Iterable[Shift]) -> None:
        shifts = list(shifts)
        people = {person.pk: person for person in people}
        self._facts = {pk: _PersonFacts(person) for pk, person in people.items()}
        self._shift_ids = [s.pk for s in shifts if s.pk is not None]
        self._rules: list[ShiftRules] | None = None
        self._people_on: dict[int, list[StaffMember]] | None = None
        if not shifts or not people:
            self._window = None
            self._employees_on = {}
            return
        first = min(s.starts_at for s in shifts)
        last = max(s.ends_at for s in shifts)
        # Whole weeks around the shifts, for the weekly hour limit (weeks start on Monday, local time).
        first_day = first.astimezone(shifts[0].branch.zone).date()
        week_start = first_day - dt.timedelta(days=first_day.weekday())
        last_day = last.astimezone(shifts[0].branch.zone).date()
        week_end = last_day + dt.timedelta(days=7 - last_day.weekday())
        zone = shifts[0].branch.zone
        self._window = (
            dt.datetime.combine(week_start, dt.time(), tzinfo=zone),
            dt.datetime.combine(week_end, dt.time(), tzinfo=zone),
        )
        ids = list(people)
        for qualification in Qualification.objects.filter(staff_member_id__in=ids):
            self._facts[qualification.staff_member_id].skills.setdefault(qualification.skill_id, []).append(
                qualification
            )
        for window in Availability.objects.filter(staff_member_id__in=ids):
            self._facts[window.staff_member_id].windows.setdefault(window.weekday, []).append(
                (window.starts, window.ends)
            )
        for off in TimeOff.objects.filter(
            staff_member_id__in=ids,
            status=DecisionStatus.APPROVED,
            first_day__lte=week_end,
            last_day__gte=week_start,
        ):
            self._facts[off.staff_member_id].time_off.append((off.first_day, off.last_day))
        window_range = DateTimeTZRange(*self._window, "[)")
        for staff_member_id, shift_id, period in Assignment.objects.filter(
            staff_member_id__in=ids, period__overlap=window_range
        ).values_list("staff_member_id", "shift_id", "period"):
            self._facts[staff_member_id].assignments.append((shift_id, period.lower, period.upper))
        coop_ids = [pk for pk, person in people.items() if person.coop_agreement_hours]
        if coop_ids:
            for row in (
                Assignment.objects.filter(staff_member_id__in=coop_ids)
                .values("staff_member_id")
                .annotate(total=Sum(F("shift__ends_at") - F("shift__starts_at"), output_field=DurationField()))
            ):
                self._facts[row["staff_member_id"]].total_hours = Decimal(row["total"].total_seconds()) / 3600
        # Which paid staff are on shift when, at each branch: a minor needs one there for the whole shift.
        self._employees_on: dict[int, list[tuple[int, dt.datetime, dt.datetime]]] = defaultdict(list)
        for branch_id, staff_member_id, period in Assignment.objects.filter(
            shift__branch_id__in={s.branch_id for s in shifts},
            staff_member__kind__in=EMPLOYEE_KINDS,
            period__overlap=DateTimeTZRange(first, last, "[)"),
        ).values_list("shift__branch_id", "staff_member_id", "period"):
            self._employees_on[branch_id].append((staff_member_id, period.lower, period.upper))

    def warnings(
        self,
        *,
        shift: Shift,
        staff_member: StaffMember,
        required_skills: Iterable,
        alongside: Iterable[StaffMember] = (),
    ) -> list[Warning]:
        """The soft rules putting ``staff_member`` on ``shift`` breaks; ``alongside``: others joining it with them."""
        facts = self._facts[staff_member.pk]
        person = facts.staff_member
        required_skills = list(required_skills)
        zone = shift.branch.zone
        day = shift.starts_at.astimezone(zone).date()
        found = []

        # No windows recorded means availability is not known, which is not a conflict.
        if facts.windows and not self.is_available(shift=shift, staff_member=person):
            found.append(Warning("availability", f"{person} is not usually available at this time."))
        if any(first <= day <= last for first, last in facts.time_off):
            found.append(Warning("time_off", f"{person} has approved time off that day."))

        missing = [
            skill.name
            for skill in required_skills
            if not self.holds_skill(staff_member=person, skill_id=skill.pk, day=day)
        ]
        if missing:
            found.append(Warning("skill", f"{person} does not hold: {', '.join(sorted(missing))}."))
        skill_ids = {skill.pk for skill in required_skills}
        if skill_ids:
            found += [
                Warning(concern.code, f"{person} {concern.text}")
                for rules in self._shift_rules()
                for concern in rules.concerns(staff_member_id=person.pk, skill_ids=skill_ids, branch_id=shift.branch_id)
            ]
        # Refused when putting the person on the shift; shown if it arises later (the adult taken off).
        alone_on = self.adult_only_alone(
            shift=shift, staff_member=person, required_skills=required_skills, alongside=alongside
        )
        if alone_on:
            found.append(Warning(ADULT_SUPERVISION_NEEDED, adult_supervision_message(person, alone_on)))

        if person.weekly_hour_limit:
            week_start = day - dt.timedelta(days=day.weekday())
            hours = self._hours_in_week(facts, week_start, zone, exclude_shift_id=shift.pk) + shift.hours
            if hours > person.weekly_hour_limit:
                found.append(
                    Warning(
                        "weekly_hours",
                        f"{person} would work {hours:.1f} hours that week; the limit is {person.weekly_hour_limit}.",
                    )
                )

        if person.coop_agreement_hours:
            already_on = any(shift_id == shift.pk for shift_id, _, _ in facts.assignments)
            total = facts.total_hours + (0 if already_on else shift.hours)
            if total > person.coop_agreement_hours:
                found.append(
                    Warning(
                        "coop_cap",
                        f"{person} would reach {total:.1f} scheduled hours; "
                        f"the co-op agreement allows {person.coop_agreement_hours}.",
                    )
                )

        # A minor needs a staff member on shift for the whole shift: one already on, or one joining this shift.
        supervised = any(other.is_employee and other.pk != person.pk for other in alongside) or any(
            other != person.pk and start <= shift.starts_at and shift.ends_at <= end
            for other, start, end in self._employees_on.get(shift.branch_id, [])
        )
        if person.is_minor_on(day) and not supervised:
            found.append(
                Warning("unsupervised_minor", f"{person} is under 18 and no staff member is on shift at the same time.")
            )
        return found

    def adult_only_alone(
        self,
        *,
        shift: Shift,
        staff_member: StaffMember,
        required_skills: Iterable,
        alongside: Iterable[StaffMember] = (),
    ) -> list[str]:
        """The equipment the shift supervises that only an adult may supervise, when ``staff_member`` is under 18
        that day and no adult employee is on the shift (already, or joining it ``alongside``); else empty."""
        day = shift.starts_at.astimezone(shift.branch.zone).date()
        skill_ids = {skill.pk for skill in required_skills}
        if not skill_ids or not staff_member.is_minor_on(day):
            return []
        adult_only = sorted(
            {
                name
                for rules in self._shift_rules()
                for name in rules.adult_only(skill_ids=skill_ids, branch_id=shift.branch_id)
            }
        )
        if not adult_only:
            return []
        others = [*alongside, *self._people_on_shift(shift)]
        if any(o.pk != staff_member.pk and o.is_employee and not o.is_minor_on(day) for o in others):
            return []
        return adult_only

    def _shift_rules(self) -> list[ShiftRules]:
        if self._rules is None:
            self._rules = shift_rules_for(staff_member_ids=list(self._facts))
        return self._rules

    def _people_on_shift(self, shift: Shift) -> list[StaffMember]:
        if shift.pk is None:
            return []
        if self._people_on is None:
            self._people_on = defaultdict(list)
            for assignment in Assignment.objects.filter(shift_id__in=self._shift_ids).select_related("staff_member"):
                self._people_on[assignment.shift_id].append(assignment.staff_member)
        return self._people_on.get(shift.pk, [])

    def is_available(self, *, shift: Shift, staff_member: StaffMember) -> bool:
        """Whether one of the person's weekly windows holds the whole shift (False when none are recorded)."""
        zone = shift.branch.zone
        local_start, local_end = shift.starts_at.astimezone(zone), shift.ends_at.astimezone(zone)
        day = local_start.date()
        return local_end.date() == day and any(
            starts <= local_start.time() and local_end.time() <= ends
            for starts, ends in self._facts[staff_member.pk].windows.get(day.weekday(), [])
        )

    def holds_skill(self, *, staff_member: StaffMember, skill_id: int, day: dt.date) -> bool:
        return any(q.is_valid_on(day) for q in self._facts[staff_member.pk].skills.get(skill_id, []))

    def is_on_shift(self, *, shift: Shift, staff_member: StaffMember) -> bool:
        """Whether the person is on ``shift`` itself."""
        return shift.pk is not None and any(
            shift_id == shift.pk for shift_id, _, _ in self._facts[staff_member.pk].assignments
        )

    def is_on_another_shift(self, *, shift: Shift, staff_member: StaffMember) -> bool:
        """Whether the person is on a shift (this one or another) overlapping ``shift``."""
        return any(
            lower < shift.ends_at and shift.starts_at < upper
            for _, lower, upper in self._facts[staff_member.pk].assignments
        )

    def hours_in_week_of(self, *, shift: Shift, staff_member: StaffMember) -> Decimal:
        """The person's scheduled hours in the week (Monday to Sunday, local time) of ``shift``, without it."""
        zone = shift.branch.zone
        week_start = week_start_of(shift.starts_at.astimezone(zone).date())
        return self._hours_in_week(self._facts[staff_member.pk], week_start, zone, exclude_shift_id=shift.pk)

    @staticmethod
    def _hours_in_week(facts: _PersonFacts, week_start: dt.date, zone, *, exclude_shift_id: int | None) -> Decimal:
        start = dt.datetime.combine(week_start, dt.time(), tzinfo=zone)
        end = dt.datetime.combine(week_start + dt.timedelta(days=7), dt.time(), tzinfo=zone)
        return sum(
            (
                hours_between(max(lower, start), min(upper, end))
                for shift_id, lower, upper in facts.assignments
                if shift_id != exclude_shift_id and lower < end and start < upper
            ),
            Decimal(0),
        )


def assignment_warnings(*, shift: Shift, staff_member: StaffMember) -> list[Warning]:
    """The warnings that assigning ``staff_member`` to ``shift`` would raise."""
    checker = WarningChecker(people=[staff_member], shifts=[shift])
    return checker.warnings(shift=shift, staff_member=staff_member, required_skills=list(shift.required_skills.all()))


@dataclass
class ScheduledShift:
    shift: Shift
    assignments: list[Assignment]
    warnings: dict[int, list[Warning]]
    missing_skills: list[Skill] = field(default_factory=list)

    @property
    def gap(self) -> int:
        """How many more people the shift needs to reach its minimum headcount."""
        return max(0, self.shift.min_headcount - len(self.assignments))

    @property
    def has_room(self) -> bool:
        return len(self.assignments) < self.shift.max_headcount

    @property
    def is_short(self) -> bool:
        """Fewer people than it needs, or a required skill that no one on it holds."""
        return bool(self.gap or self.missing_skills)


@dataclass
class WeekSchedule:
    branch: Branch
    week_start: dt.date
    days: list[tuple[dt.date, list[ScheduledShift]]]

    @property
    def gaps(self) -> int:
        return sum(scheduled.gap for _, shifts in self.days for scheduled in shifts)


def week_start_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def week_schedule(*, branch: Branch, week_start: dt.date, published_only: bool = False) -> WeekSchedule:
    """The week's shifts at ``branch`` with their people, gaps and warnings, in a fixed number of queries."""
    zone = branch.zone
    start = dt.datetime.combine(week_start, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(week_start + dt.timedelta(days=7), dt.time(), tzinfo=zone)
    shifts = Shift.objects.filter(branch=branch, starts_at__gte=start, starts_at__lt=end)
    if published_only:
        shifts = shifts.filter(is_published=True)
    shifts = list(
        shifts.select_related("branch")
        .prefetch_related(
            "required_skills",
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related("staff_member__user").order_by(
                    "staff_member__user__last_name"
                ),
            ),
        )
        .order_by("starts_at", "role")
    )
    people = {a.staff_member.pk: a.staff_member for s in shifts for a in s.assignments.all()}
    checker = WarningChecker(people=people.values(), shifts=shifts)
    by_day: dict[dt.date, list[ScheduledShift]] = {week_start + dt.timedelta(days=i): [] for i in range(7)}
    for shift in shifts:
        skills = list(shift.required_skills.all())
        assignments = list(shift.assignments.all())
        warnings = {
            a.pk: [
                w
                for w in checker.warnings(shift=shift, staff_member=a.staff_member, required_skills=skills)
                if w.code not in a.overridden_warnings
            ]
            for a in assignments
        }
        day = shift.starts_at.astimezone(zone).date()
        missing_skills = [
            skill
            for skill in skills
            if not any(
                checker.holds_skill(staff_member=assignment.staff_member, skill_id=skill.pk, day=day)
                for assignment in assignments
            )
        ]
        by_day[day].append(ScheduledShift(shift, assignments, warnings, missing_skills))
    return WeekSchedule(branch=branch, week_start=week_start, days=list(by_day.items()))


@dataclass(frozen=True)
class Candidate:
    """Someone who could fill a place on a shift, with the hours they are already scheduled that week."""

    staff_member: StaffMember
    hours_that_week: Decimal


class CandidateFinder:
    """Who could fill a place on each of a set of shifts, from a fixed number of queries.

    A candidate is active, not on the shift already, known to be available for the whole shift (a
    weekly window holds it), has no approved time off that day, is on no other shift and leads no
    program then (``busy_time``), holds every required skill in force that day, and stays within their
    weekly hour limit with it. Any other warning the coordinator would be shown (a co-op student's
    agreed hours, a minor without a staff member on shift) rules a person out too.
    """

    def __init__(self, *, shifts: Iterable[Shift], people: Iterable[StaffMember] | None = None) -> None:
        shifts = list(shifts)
        if people is None:
            people = StaffMember.objects.filter(is_active=True).select_related("user") if shifts else []
        self._people = list(people)
        self._checker = WarningChecker(people=self._people, shifts=shifts)
        self._busy: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
        if shifts and self._people:
            for commitment in busy_time(
                staff_member_ids=[person.pk for person in self._people],
                starts=min(shift.starts_at for shift in shifts),
                ends=max(shift.ends_at for shift in shifts),
            ):
                if commitment.kind == STAFF:
                    self._busy[commitment.resource_id].append((commitment.starts_at, commitment.ends_at))

    def reasons_not(self, *, shift: Shift, staff_member: StaffMember) -> list[str]:
        """Why the person cannot fill a place on ``shift``; empty when they can."""
        person = staff_member
        reasons = []
        if not person.is_active:
            reasons.append(f"{person} is not active.")
        if any(assignment.staff_member_id == person.pk for assignment in shift.assignments.all()):
            reasons.append(f"{person} is already on this shift.")
        elif self._checker.is_on_another_shift(shift=shift, staff_member=person):
            reasons.append(f"{person} is on another shift at that time.")
        if any(start < shift.ends_at and shift.starts_at < end for start, end in self._busy.get(person.pk, [])):
            reasons.append(f"{person} leads a program at that time.")
        if not self._checker.is_available(shift=shift, staff_member=person):
            reasons.append(f"{person} is not known to be available at this time.")
        reasons += [
            warning.message
            for warning in self._checker.warnings(
                shift=shift, staff_member=person, required_skills=list(shift.required_skills.all())
            )
            if warning.code != "availability"
        ]
        return reasons

    def candidates(self, *, shift: Shift) -> list[Candidate]:
        """The people who could fill a place on ``shift``, fewest hours that week first, then by name."""
        found = [
            Candidate(person, self._checker.hours_in_week_of(shift=shift, staff_member=person))
            for person in self._people
            if not self.reasons_not(shift=shift, staff_member=person)
        ]
        return sorted(found, key=lambda candidate: (candidate.hours_that_week, str(candidate.staff_member)))


def shift_is_open_to_offers(*, scheduled: ScheduledShift, now: dt.datetime) -> bool:
    """A published shift, not yet started, short of people or of a skill, with room for one more."""
    shift = scheduled.shift
    return scheduled.is_short and scheduled.has_room and shift.is_published and shift.starts_at > now


@dataclass(frozen=True)
class CoverageGap:
    """A shift short of people or of a skill, who could fill it, and whom it was offered to already."""

    scheduled: ScheduledShift
    candidates: list[Candidate]
    invitations: dict[int, ShiftInvitation]

    @property
    def offerable(self) -> list[Candidate]:
        """Candidates not yet asked: one who was offered the shift, or said no, is not offered it again."""
        return [c for c in self.candidates if c.staff_member.pk not in self.invitations]


def coverage_gaps(*, schedule: WeekSchedule, now: dt.datetime) -> dict[int, CoverageGap]:
    """The week's shifts open to offers, by shift id, each with its candidates: a fixed number of queries."""
    open_shifts = [
        scheduled
        for _, day in schedule.days
        for scheduled in day
        if shift_is_open_to_offers(scheduled=scheduled, now=now)
    ]
    if not open_shifts:
        return {}
    finder = CandidateFinder(shifts=[scheduled.shift for scheduled in open_shifts])
    invitations: dict[int, dict[int, ShiftInvitation]] = defaultdict(dict)
    for invitation in (
        ShiftInvitation.objects.filter(
            shift_id__in=[scheduled.shift.pk for scheduled in open_shifts],
            status__in=[ShiftInvitation.Status.OFFERED, ShiftInvitation.Status.DECLINED],
        )
        .select_related("staff_member__user")
        .order_by("offered_at")
    ):
        invitations[invitation.shift_id][invitation.staff_member_id] = invitation
    return {
        scheduled.shift.pk: CoverageGap(
            scheduled=scheduled,
            candidates=finder.candidates(shift=scheduled.shift),
            invitations=invitations[scheduled.shift.pk],
        )
        for scheduled in open_shifts
    }


def shift_invitations_to(*, staff_member: StaffMember, now: dt.datetime, limit: int = 50) -> list[ShiftInvitation]:
    """Places on shifts the coordinator offered this person, still open: not started, not yet full, and not
    already theirs (the coordinator may have put them on it in the admin since)."""
    already_on = Assignment.objects.filter(shift_id=OuterRef("shift_id"), staff_member=staff_member)
    return list(
        ShiftInvitation.objects.filter(
            staff_member=staff_member,
            status=ShiftInvitation.Status.OFFERED,
            shift__starts_at__gt=now,
            shift__is_published=True,
        )
        .exclude(Exists(already_on))
        .annotate(people=Count("shift__assignments"))
        .filter(people__lt=F("shift__max_headcount"))
        .select_related("shift__branch", "offered_by")
        .order_by("shift__starts_at")[:limit]
    )


def upcoming_shifts(*, staff_member: StaffMember, now: dt.datetime, limit: int = 50) -> list[Assignment]:
    """The person's published shifts that have not ended, or that they have not checked out of yet,
    soonest first, with any open change."""
    return list(
        Assignment.objects.filter(staff_member=staff_member, shift__is_published=True)
        .filter(Q(shift__ends_at__gt=now) | Q(checked_in_at__isnull=False, checked_out_at__isnull=True))
        .select_related("shift__branch")
        .prefetch_related(
            Prefetch(
                "changes",
                queryset=ShiftChange.objects.filter(status__in=ShiftChange.OPEN_STATUSES).select_related(
                    "claimed_by__user"
                ),
                to_attr="open_changes",
            )
        )
        .order_by("shift__starts_at")[:limit]
    )


def next_shift(*, staff_member: StaffMember, now: dt.datetime) -> Assignment | None:
    """The person's published shift going on now or coming next (one not yet checked out of counts as going on)."""
    shifts = upcoming_shifts(staff_member=staff_member, now=now, limit=1)
    return shifts[0] if shifts else None


def uncovered_shifts(*, start: dt.datetime, end: dt.datetime, limit: int = 50) -> list[Shift]:
    """Published shifts starting in [start, end), at any branch, with fewer people than they need: one query.

    Each carries ``people`` (how many are on it); the schedule page also shows shifts short of a skill.
    """
    return list(
        Shift.objects.filter(is_published=True, starts_at__gte=start, starts_at__lt=end)
        .annotate(people=Count("assignments"))
        .filter(people__lt=F("min_headcount"))
        .select_related("branch")
        .order_by("starts_at", "pk")[:limit]
    )


def own_requests(user: AbstractBaseUser) -> Q:
    """Hours and time off of this user's own: another coordinator (or a superuser) decides them."""
    return Q(staff_member__user=user)


def request_is_own(*, request: HoursEntry | TimeOff, user: AbstractBaseUser) -> bool:
    """Whether these hours or this time off are the user's own (the rule of ``own_requests``, for one row)."""
    return request.staff_member.user_id == user.pk


def own_shift_changes(user: AbstractBaseUser) -> Q:
    """Shift changes this user offered or claimed: another coordinator (or a superuser) decides them."""
    return Q(offered_by__user=user) | Q(claimed_by__user=user)


def shift_change_is_own(*, change: ShiftChange, user: AbstractBaseUser) -> bool:
    """Whether the user offered or claimed this change (with its ``offered_by`` and ``claimed_by`` loaded)."""
    people = (change.offered_by, change.claimed_by)
    return any(person is not None and person.user_id == user.pk for person in people)


@dataclass(frozen=True)
class ApprovalsWaiting:
    """What waits for this coordinator's decision (hours, shift changes, time off), and how many of their own
    requests wait for another coordinator's."""

    hours: int
    shift_changes: int
    time_off: int
    own: int = 0

    @property
    def total(self) -> int:
        return self.hours + self.shift_changes + self.time_off


def approvals_waiting(*, user: AbstractBaseUser) -> ApprovalsWaiting:
    """How many decisions wait for this coordinator, their own requests apart: three counting queries."""
    counts = {}
    for name, pending, own in (
        ("hours", HoursEntry.objects.filter(status=DecisionStatus.PENDING), own_requests(user)),
        ("shift_changes", ShiftChange.objects.filter(status=ShiftChange.Status.CLAIMED), own_shift_changes(user)),
        ("time_off", TimeOff.objects.filter(status=DecisionStatus.PENDING), own_requests(user)),
    ):
        # Counted as all less one's own: a negated filter across the nullable claimant would drop rows.
        found = pending.aggregate(all=Count("pk"), own=Count("pk", filter=own, distinct=True))
        counts[name] = (found["all"] - found["own"], found["own"])
    return ApprovalsWaiting(
        hours=counts["hours"][0],
        shift_changes=counts["shift_changes"][0],
        time_off=counts["time_off"][0],
        own=sum(own for _others, own in counts.values()),
    )


def shifts_offered_to(*, staff_member: StaffMember, now: dt.datetime, limit: int = 50) -> list[ShiftChange]:
    """Published shifts others have given up that this person could claim: none that clash with their own."""
    own_clash = Assignment.objects.filter(staff_member=staff_member, period__overlap=OuterRef("assignment__period"))
    return list(
        ShiftChange.objects.filter(
            status=ShiftChange.Status.OFFERED,
            assignment__shift__starts_at__gt=now,
            assignment__shift__is_published=True,
        )
        .exclude(offered_by=staff_member)
        .exclude(Exists(own_clash))
        .select_related("assignment__shift__branch", "offered_by__user")
        .order_by("assignment__shift__starts_at")[:limit]
    )


def shift_claims_by(*, staff_member: StaffMember, now: dt.datetime, limit: int = 50) -> list[ShiftChange]:
    """Shifts this person claimed that wait for the coordinator's approval."""
    return list(
        ShiftChange.objects.filter(
            claimed_by=staff_member, status=ShiftChange.Status.CLAIMED, assignment__shift__ends_at__gt=now
        )
        .select_related("assignment__shift__branch", "offered_by__user")
        .order_by("assignment__shift__starts_at")[:limit]
    )


def shift_changes_awaiting_approval(*, limit: int = 100) -> list[ShiftChange]:
    return list(
        ShiftChange.objects.filter(status=ShiftChange.Status.CLAIMED)
        .select_related("assignment__shift__branch", "offered_by__user", "claimed_by__user")
        .order_by("assignment__shift__starts_at")[:limit]
    )


@dataclass(frozen=True)
class HoursSummary:
    approved: Decimal
    pending: Decimal
    community_hours: Decimal
    community_hours_required: Decimal

    @property
    def community_hours_remaining(self) -> Decimal:
        return max(Decimal(0), self.community_hours_required - self.community_hours)


def hours_summary(*, staff_member: StaffMember) -> HoursSummary:
    """Approved and pending hours, and community involvement hours counted toward the 40 required."""
    totals = HoursEntry.objects.filter(staff_member=staff_member).aggregate(
        approved=Sum("hours", filter=Q(status=DecisionStatus.APPROVED)),
        pending=Sum("hours", filter=Q(status=DecisionStatus.PENDING)),
        community=Sum("hours", filter=Q(status=DecisionStatus.APPROVED, counts_for_community_hours=True)),
    )
    return HoursSummary(
        approved=totals["approved"] or Decimal(0),
        pending=totals["pending"] or Decimal(0),
        community_hours=totals["community"] or Decimal(0),
        community_hours_required=COMMUNITY_HOURS_REQUIRED,
    )


def hours_awaiting_approval(*, limit: int = 200) -> list[HoursEntry]:
    """Everyone's pending hours, oldest day first."""
    return list(
        HoursEntry.objects.filter(status=DecisionStatus.PENDING)
        .select_related("staff_member__user")
        .order_by("day", "staff_member__user__last_name", "staff_member__user__first_name", "pk")[:limit]
    )


def record_supervisor() -> AbstractBaseUser | None:
    """Who signs records of hours by default: the first active member of the Coordinator group."""
    return (
        User.objects.filter(groups__name="Coordinator", is_active=True)
        .order_by("last_name", "first_name", "pk")
        .first()
    )


def time_off_requests(*, staff_member: StaffMember, limit: int = 50) -> list[TimeOff]:
    """The person's time off, latest first."""
    return list(TimeOff.objects.filter(staff_member=staff_member).order_by("-first_day", "-pk")[:limit])


def hours_entries(*, staff_member: StaffMember, limit: int = 100) -> list[HoursEntry]:
    return list(HoursEntry.objects.filter(staff_member=staff_member).order_by("-day", "-created_at")[:limit])


def community_hours_record(*, staff_member: StaffMember) -> list[HoursEntry]:
    """Approved hours that count toward the Ontario community involvement requirement, oldest first."""
    return list(
        HoursEntry.objects.filter(
            staff_member=staff_member, status=DecisionStatus.APPROVED, counts_for_community_hours=True
        ).order_by("day", "created_at")
    )


def staff_member_for_calendar(*, token: str) -> StaffMember | None:
    return StaffMember.objects.filter(calendar_token=token, is_active=True).select_related("user").first()


def calendar_shifts(*, staff_member: StaffMember, since: dt.datetime) -> list[Assignment]:
    """Published shifts for the person's calendar feed: from ``since`` onward."""
    return list(
        Assignment.objects.filter(staff_member=staff_member, shift__is_published=True, shift__ends_at__gte=since)
        .select_related("shift__branch")
        .order_by("shift__starts_at")[:500]
    )


def hours_figures(*, first_day: dt.date, end_day: dt.date, branch: Branch | None = None) -> dict[str, Decimal]:
    """Approved hours worked on days in [first_day, end_day), by kind of person: one query.

    ``staff``: employees; ``volunteers``: volunteers and students; ``community``: community-service
    students' hours on work that counts towards their community involvement hours. With ``branch``,
    only hours from that branch's shifts: hours entered by hand belong to no branch.
    """
    entries = HoursEntry.objects.filter(status=DecisionStatus.APPROVED, day__gte=first_day, day__lt=end_day)
    if branch is not None:
        entries = entries.filter(assignment__shift__branch=branch)
    totals = entries.aggregate(
        staff=Sum("hours", filter=Q(staff_member__kind__in=EMPLOYEE_KINDS)),
        volunteers=Sum("hours", filter=~Q(staff_member__kind__in=EMPLOYEE_KINDS)),
        community=Sum(
            "hours",
            filter=Q(staff_member__kind=StaffKind.COMMUNITY_SERVICE_STUDENT, counts_for_community_hours=True),
        ),
    )
    return {key: value or Decimal(0) for key, value in totals.items()}


def branch_ids_worked(*, staff_member: StaffMember, start: dt.datetime, end: dt.datetime) -> set[int]:
    """The branches of the person's shifts overlapping [start, end), published or not: one query."""
    return set(
        Assignment.objects.filter(staff_member=staff_member, period__overlap=DateTimeTZRange(start, end, "[)"))
        .order_by()
        .values_list("shift__branch_id", flat=True)
        .distinct()
    )
