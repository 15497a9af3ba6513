"""Today at a glance for one person of the lab, gathered from every app in a fixed number of queries.

Each section reads its own app's models or selectors; the start page only puts them side by side.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, Exists, IntegerField, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from bookings.models import Booking, Equipment, MaintenanceWindow
from bookings.selectors import agenda_for_branch
from makerlab.formatting import time_span
from makerlab.models import Branch
from makerlab.selectors import branches_active, day_bounds
from programs.models import Participant, Registration, Session
from seedlibrary.models import SeedRequest
from seedlibrary.selectors import LowStock, low_stock_varieties
from staffing import selectors as staffing_selectors
from staffing.models import Assignment, Shift, StaffMember
from staffing.selectors import ApprovalsWaiting, week_start_of
from staffing.wording import shift_when

ALERTS_SHOWN = 5


@dataclass(frozen=True)
class NextShift:
    assignment: Assignment
    when: str
    is_today: bool
    can_check_in: bool
    can_check_out: bool


@dataclass(frozen=True)
class DeskSession:
    booking: Booking
    time: str
    is_mine: bool


@dataclass(frozen=True)
class ProgramSessionToday:
    session: Session
    time: str
    place: str
    expected: int
    came: int
    is_on_now: bool


@dataclass(frozen=True)
class SeedRequestsWaiting:
    to_set_aside: int
    to_pick_up: int
    oldest_asked: dt.datetime | None


@dataclass(frozen=True)
class UncoveredShift:
    shift: Shift
    when: str
    missing: int
    week_start: dt.date


@dataclass(frozen=True)
class EquipmentOut:
    equipment: Equipment
    reason: str


@dataclass(frozen=True)
class Alerts:
    uncovered_shifts: list[UncoveredShift] = field(default_factory=list)
    uncovered_more: int = 0
    equipment_out: list[EquipmentOut] = field(default_factory=list)
    low_stock: list[LowStock] = field(default_factory=list)
    low_stock_more: int = 0

    @property
    def any(self) -> bool:
        return bool(self.uncovered_shifts or self.equipment_out or self.low_stock)


@dataclass(frozen=True)
class StaffDay:
    branch: Branch
    today: dt.date
    next_shift: NextShift | None
    desk_sessions: list[DeskSession]
    program_sessions: list[ProgramSessionToday]
    seed_requests: SeedRequestsWaiting | None
    approvals: ApprovalsWaiting | None
    alerts: Alerts


def my_next_shift(*, staff_member: StaffMember, now: dt.datetime, today: dt.date) -> NextShift | None:
    """The person's next published shift (or the one they are on), with whether they may check in or out now."""
    assignment = staffing_selectors.next_shift(staff_member=staff_member, now=now)
    if assignment is None:
        return None
    shift = assignment.shift
    zone = shift.branch.zone
    is_today = shift.starts_at.astimezone(zone).date() == now.astimezone(zone).date()
    checked_in = assignment.checked_in_at is not None
    return NextShift(
        assignment=assignment,
        when=shift_when(shift, today=today),
        is_today=is_today,
        can_check_in=is_today and not checked_in and shift.ends_at > now,
        can_check_out=checked_in and assignment.checked_out_at is None,
    )


def desk_sessions(*, branch: Branch, day: dt.date, staff_member: StaffMember | None) -> list[DeskSession]:
    zone = branch.zone
    return [
        DeskSession(
            booking=booking,
            time=time_span(booking.starts_at.astimezone(zone), booking.ends_at.astimezone(zone)),
            is_mine=staff_member is not None and booking.staff_member_id == staff_member.pk,
        )
        for booking in agenda_for_branch(branch=branch, day=day)
    ]


def program_sessions_today(*, branch: Branch, day: dt.date, now: dt.datetime) -> list[ProgramSessionToday]:
    """The day's sessions held at the branch (and at partner sites), with how many are expected and came."""
    start, end = day_bounds(day, branch.zone)
    expected = Participant.objects.filter(
        registration__program=OuterRef("program"), registration__status=Registration.Status.CONFIRMED
    )
    sessions = (
        Session.objects.filter(starts_at__gte=start, starts_at__lt=end, cancelled_at__isnull=True)
        .filter(Q(program__branch=branch) | Q(program__branch__isnull=True))
        .select_related("program__branch", "program__partner_site")
        .annotate(
            expected=_count_of(expected),
            came=Count("attendance", filter=Q(attendance__present=True)),
        )
        .order_by("starts_at", "program__title")
    )
    rows = []
    for session in sessions:
        program = session.program
        zone = branch.zone
        rows.append(
            ProgramSessionToday(
                session=session,
                time=time_span(session.starts_at.astimezone(zone), session.ends_at.astimezone(zone)),
                place=program.place_name,
                expected=session.expected,
                came=session.came,
                is_on_now=session.starts_at <= now < session.ends_at,
            )
        )
    return rows


def _count_of(queryset: QuerySet) -> Coalesce:
    """A subquery counting the rows of ``queryset`` (correlated through OuterRef), as an integer annotation."""
    counted = queryset.order_by().values("registration__program").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def seed_requests_waiting(*, branch: Branch) -> SeedRequestsWaiting:
    figures = SeedRequest.objects.filter(branch=branch, status__in=SeedRequest.OPEN).aggregate(
        to_set_aside=Count("pk", filter=Q(status=SeedRequest.Status.REQUESTED)),
        to_pick_up=Count("pk", filter=Q(status=SeedRequest.Status.READY)),
        oldest_asked=Min("created_at", filter=Q(status=SeedRequest.Status.REQUESTED)),
    )
    return SeedRequestsWaiting(**figures)


def shifts_short_this_week(*, now: dt.datetime, today: dt.date) -> tuple[list[UncoveredShift], int]:
    """Shifts from now to the end of this week (Monday to Sunday) with fewer people than they need."""
    zone = timezone.get_default_timezone()
    week_end = dt.datetime.combine(week_start_of(today) + dt.timedelta(days=7), dt.time(), tzinfo=zone)
    shifts = staffing_selectors.uncovered_shifts(start=now, end=week_end, limit=200)
    rows = [
        UncoveredShift(
            shift=shift,
            when=shift_when(shift, today=today),
            missing=shift.min_headcount - shift.people,
            week_start=week_start_of(shift.starts_at.astimezone(shift.branch.zone).date()),
        )
        for shift in shifts[:ALERTS_SHOWN]
    ]
    more = max(0, len(shifts) - ALERTS_SHOWN)
    return rows, more


def equipment_out_of_service(*, now: dt.datetime) -> list[EquipmentOut]:
    """Machines switched off in the admin, or in a maintenance window right now, with the reason."""
    in_maintenance = MaintenanceWindow.objects.filter(
        equipment=OuterRef("pk"), starts_at__lte=now, ends_at__gt=now
    ).order_by("starts_at")
    machines = (
        Equipment.objects.annotate(
            in_maintenance=Exists(in_maintenance),
            maintenance_reason=Subquery(in_maintenance.values("reason")[:1]),
        )
        .filter(Q(in_service=False) | Q(in_maintenance=True))
        .select_related("branch")
        .order_by("branch__display_order", "branch__name", "name")
    )
    return [
        EquipmentOut(
            equipment=machine,
            reason=f"Maintenance: {machine.maintenance_reason}" if machine.in_service else "Out of service",
        )
        for machine in machines
    ]


def staff_day(
    *, user: AbstractBaseUser, staff_member: StaffMember | None, branch: Branch | None, now: dt.datetime
) -> StaffDay:
    """Everything the start page shows: what this person may act on, and nothing they may not.

    Without a chosen ``branch``, the day is told at the branch of the person's shift today, else the first one.
    """
    local_today = timezone.localdate(now)
    shift = my_next_shift(staff_member=staff_member, now=now, today=local_today) if staff_member else None
    if branch is None:
        branch = shift.assignment.shift.branch if shift and shift.is_today else branches_active()[0]
    today = now.astimezone(branch.zone).date()
    low_stock = low_stock_varieties(today=today) if user.has_perm("seedlibrary.add_loan") else []
    uncovered, uncovered_more = (
        shifts_short_this_week(now=now, today=today) if user.has_perm("staffing.change_assignment") else ([], 0)
    )
    return StaffDay(
        branch=branch,
        today=today,
        next_shift=shift,
        desk_sessions=desk_sessions(branch=branch, day=today, staff_member=staff_member)
        if user.has_perm("bookings.change_booking")
        else [],
        program_sessions=program_sessions_today(branch=branch, day=today, now=now)
        if user.has_perm("programs.add_attendance")
        else [],
        seed_requests=seed_requests_waiting(branch=branch) if user.has_perm("seedlibrary.change_seedrequest") else None,
        approvals=staffing_selectors.approvals_waiting(user=user)
        if user.has_perm("staffing.change_shiftchange")
        else None,
        alerts=Alerts(
            uncovered_shifts=uncovered,
            uncovered_more=uncovered_more,
            equipment_out=equipment_out_of_service(now=now) if user.has_perm("bookings.change_booking") else [],
            low_stock=low_stock[:ALERTS_SHOWN],
            low_stock_more=max(0, len(low_stock) - ALERTS_SHOWN),
        ),
    )
