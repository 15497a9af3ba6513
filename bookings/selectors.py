"""Reads for bookings: which times a service can be booked at, derived, never stored."""

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Q, QuerySet, Sum
from django.db.models.functions import Lower, Trim
from django.utils import timezone
from django.utils.dateformat import format as date_format
from psycopg2.extras import DateTimeTZRange

from bookings.models import (
    Booking,
    BookingPause,
    Equipment,
    MaintenanceWindow,
    NotifyRequest,
    ServiceType,
    Training,
    UnmetDemand,
)
from makerlab.commitments import EQUIPMENT, STAFF, Commitment, busy_time
from makerlab.equipment_rules import equipment_minimum_ages
from makerlab.models import Branch, Patron
from makerlab.selectors import branch_calendar, branch_calendars, day_bounds
from staffing.models import ShiftRole, StaffMember
from staffing.selectors import people_on_shift

Interval = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True)
class Slot:
    """A time a patron can book, and who could take it (most free first)."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    staff_member_ids: tuple[int, ...]


def _overlaps(start: dt.datetime, end: dt.datetime, intervals: list[Interval]) -> bool:
    return any(lower < end and start < upper for lower, upper in intervals)


def _inside(start: dt.datetime, end: dt.datetime, intervals: list[Interval]) -> bool:
    return any(lower <= start and end <= upper for lower, upper in intervals)


def open_slots(
    *,
    service_type: ServiceType,
    now: dt.datetime,
    first: dt.datetime | None = None,
    last: dt.datetime | None = None,
) -> list[Slot]:
    """Every bookable time of ``service_type`` from ``first`` to ``last`` (default: its whole horizon).

    A time is open when the branch is open for the session, a staff member with the skill (in force
    that day) is on a published 1-on-1 help shift for the session and its buffer, is not on approved
    time off and not busy with another booking or a commitment another app registered (a program
    session they facilitate), and the equipment (if any) is in service, not under maintenance, not
    booked and not taken by such a commitment (a program using it). Staffing says who is on shift,
    with which skills and time off (``people_on_shift``). At most nine queries, whatever the history
    size: the registered providers answer in one query per kind of resource.
    """
    branch = service_type.branch
    zone = branch.zone
    duration = dt.timedelta(minutes=service_type.duration_minutes)
    busy_for = duration + dt.timedelta(minutes=service_type.buffer_minutes)
    earliest = now + dt.timedelta(hours=service_type.minimum_notice_hours)
    latest = now + dt.timedelta(days=service_type.horizon_days)
    first = max(first or earliest, earliest)
    last = min(last or latest, latest)
    equipment = service_type.equipment
    if first > last or (equipment is not None and not equipment.in_service):
        return []
    window = DateTimeTZRange(first, last + busy_for, "[)")

    calendar = branch_calendar(
        branch=branch, first_day=first.astimezone(zone).date(), last_day=(last + busy_for).astimezone(zone).date()
    )
    open_intervals = calendar.open_intervals()

    on_shift = people_on_shift(
        branch=branch,
        role=ShiftRole.HELP_DESK,
        start=window.lower,
        end=window.upper,
        skill_ids=[service_type.required_skill_id],
    )
    people = on_shift.staff_member_ids
    if not people:
        return []

    staff_busy: dict[int, list[Interval]] = defaultdict(list)
    equipment_busy: list[Interval] = []
    active = Booking.objects.filter(status__in=Booking.ACTIVE, busy__overlap=window)
    wanted = Q(staff_member_id__in=people)
    if equipment is not None:
        wanted |= Q(equipment=equipment)
    for staff_member_id, equipment_id, busy in active.filter(wanted).values_list(
        "staff_member_id", "equipment_id", "busy"
    ):
        staff_busy[staff_member_id].append((busy.lower, busy.upper))
        if equipment is not None and equipment_id == equipment.pk:
            equipment_busy.append((busy.lower, busy.upper))
    if equipment is not None:
        equipment_busy += [
            (start, end)
            for start, end in MaintenanceWindow.objects.filter(
                equipment=equipment, starts_at__lt=window.upper, ends_at__gt=window.lower
            ).values_list("starts_at", "ends_at")
        ]
    for commitment in busy_time(
        staff_member_ids=people,
        equipment_ids=[equipment.pk] if equipment is not None else [],
        starts=window.lower,
        ends=window.upper,
    ):
        if commitment.kind == STAFF:
            staff_busy[commitment.resource_id].append((commitment.starts_at, commitment.ends_at))
        elif commitment.kind == EQUIPMENT:
            equipment_busy.append((commitment.starts_at, commitment.ends_at))

    def can_take(staff_member_id: int, start: dt.datetime) -> bool:
        day = start.astimezone(zone).date()
        return (
            on_shift.covers(staff_member_id, start, start + busy_for)
            and on_shift.holds_skill(staff_member_id, service_type.required_skill_id, day)
            and not on_shift.is_off(staff_member_id, day)
            and not _overlaps(start, start + busy_for, staff_busy[staff_member_id])
        )

    # Candidate times start at each shift's start and follow each other session by session.
    starts: set[dt.datetime] = set()
    for intervals in on_shift.shifts.values():
        for lower, upper in intervals:
            start = lower
            while start + busy_for <= upper:
                starts.add(start)
                start += busy_for
    slots = []
    for start in sorted(starts):
        end = start + duration
        if not first <= start <= last or not _inside(start, end, open_intervals):
            continue
        if _overlaps(start, start + busy_for, equipment_busy):
            continue
        takers = [pk for pk in people if can_take(pk, start)]
        if takers:
            takers.sort(key=lambda pk: (len(staff_busy[pk]), pk))
            slots.append(Slot(start.astimezone(zone), end.astimezone(zone), tuple(takers)))
    return slots


# --- What a patron may still do with a booking ---------------------------------------------------------------


class BookingChangeRefusal(enum.StrEnum):
    """Why a booking can no longer be cancelled or moved online."""

    CANCELLED = "cancelled"
    OVER = "over"
    TOO_CLOSE = "too_close"


def booking_change_refusal(
    *, booking: Booking, now: dt.datetime, by_staff: bool = False
) -> BookingChangeRefusal | None:
    """None when the booking can still be cancelled or moved, else why not.

    The one rule behind the manage pages and the cancel and move services: only a booking still booked;
    patrons until the service's cut-off before it starts; staff at any time, so a cancel phoned in can
    be recorded after the fact.
    """
    if booking.status == Booking.Status.CANCELLED:
        return BookingChangeRefusal.CANCELLED
    if booking.status != Booking.Status.BOOKED:
        return BookingChangeRefusal.OVER
    if by_staff:
        return None
    if now >= booking.starts_at:
        return BookingChangeRefusal.OVER
    if now > booking.starts_at - dt.timedelta(hours=booking.service_type.change_cutoff_hours):
        return BookingChangeRefusal.TOO_CLOSE
    return None


# --- The desk: agendas and no-show pauses -------------------------------------------------------------------


def _agenda(bookings, *, include_cancelled: bool):
    if not include_cancelled:
        bookings = bookings.exclude(status=Booking.Status.CANCELLED)
    return list(
        bookings.select_related(
            "service_type", "equipment", "patron", "staff_member__user", "branch", "booked_by"
        ).order_by("starts_at", "staff_member_id")
    )


def agenda_for_staff_member(
    *, staff_member: StaffMember, day: dt.date, zone: dt.tzinfo | None = None, include_cancelled: bool = False
) -> list[Booking]:
    """The staff member's sessions on ``day`` (in ``zone``, default the site's), in one query."""
    start, end = day_bounds(day, zone or timezone.get_default_timezone())
    bookings = Booking.objects.filter(staff_member=staff_member, starts_at__gte=start, starts_at__lt=end)
    return _agenda(bookings, include_cancelled=include_cancelled)


def program_sessions_for_staff_member(
    *, staff_member: StaffMember, day: dt.date, zone: dt.tzinfo | None = None
) -> list[Commitment]:
    """The program sessions the staff member facilitates on ``day``, by start; from the apps that register
    commitments (bookings does not read programs), in one query per registered app."""
    start, end = day_bounds(day, zone or timezone.get_default_timezone())
    return [
        commitment
        for commitment in busy_time(staff_member_ids=[staff_member.pk], starts=start, ends=end)
        if commitment.kind == STAFF and start <= commitment.starts_at < end
    ]


def agenda_for_branch(*, branch: Branch, day: dt.date, include_cancelled: bool = False) -> list[Booking]:
    """Every session at the branch's desk on ``day`` (in the branch's time zone), in one query."""
    start, end = day_bounds(day, branch.zone)
    bookings = Booking.objects.filter(branch=branch, starts_at__gte=start, starts_at__lt=end)
    return _agenda(bookings, include_cancelled=include_cancelled)


def _pauses_in_force(now: dt.datetime):
    return BookingPause.objects.filter(lifted_at__isnull=True, paused_until__gt=now)


def patron_paused_until(*, patron: Patron, now: dt.datetime) -> dt.datetime | None:
    """When the patron's online booking pause ends, or None when they may book online."""
    return _pauses_in_force(now).filter(patron=patron).aggregate(until=Max("paused_until"))["until"]


def pause_message(paused_until: dt.datetime, *, zone: dt.tzinfo) -> str:
    """What a paused patron reads when booking online: why, until when, and what to do instead."""
    day = paused_until.astimezone(zone).date()
    return (
        "Online booking is paused for your library card after several missed sessions. "
        f"You can book online again from {date_format(day, 'l j F Y')}. "
        "To book sooner, call or visit the library and staff will help you."
    )


def pauses_active(*, now: dt.datetime) -> list[BookingPause]:
    """Pauses in force now, the ones ending soonest first, in one query."""
    return list(_pauses_in_force(now).select_related("patron").order_by("paused_until", "pk"))


# --- Figures for the monthly report: aggregates over a period, in a fixed number of queries ---------------------

BOOKED_LENGTH = ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())
TOPICS_SHOWN = 10
NO_TOPIC = "Not recorded"
OTHER_TOPICS = "Other topics"
# Topics are typed by staff; one typed in only once or twice could hold a name. Reports name a topic only
# when at least this many sessions share it, and count the rest together.
TOPIC_NAMED_FROM = 3


def _bookings_starting(start_at: dt.datetime, end_at: dt.datetime, branch: Branch | None):
    bookings = Booking.objects.filter(starts_at__gte=start_at, starts_at__lt=end_at)
    return bookings if branch is None else bookings.filter(branch=branch)


def _minutes(length: dt.timedelta | None) -> int:
    return int(length.total_seconds() // 60) if length else 0


def booking_figures(*, start_at: dt.datetime, end_at: dt.datetime, branch: Branch | None = None) -> dict[str, int]:
    """Sessions due to start in [start_at, end_at), by what became of them, and minutes of help: one query."""
    status = Booking.Status
    totals = _bookings_starting(start_at, end_at, branch).aggregate(
        booked=Count("pk"),
        attended=Count("pk", filter=Q(status=status.ATTENDED)),
        no_shows=Count("pk", filter=Q(status=status.NO_SHOW)),
        cancelled=Count("pk", filter=Q(status=status.CANCELLED)),
        help_length=Sum(BOOKED_LENGTH, filter=Q(status=status.ATTENDED)),
    )
    totals["help_minutes"] = _minutes(totals.pop("help_length"))
    return totals


def attended_by_service(
    *, start_at: dt.datetime, end_at: dt.datetime, branch: Branch | None = None
) -> list[tuple[str, int]]:
    """Attended sessions per service name (services of one name at several branches together), most first."""
    rows = (
        _bookings_starting(start_at, end_at, branch)
        .filter(status=Booking.Status.ATTENDED)
        .values("service_type__name")
        .annotate(sessions=Count("pk"))
        .order_by("-sessions", "service_type__name")
    )
    return [(row["service_type__name"], row["sessions"]) for row in rows]


def _topic_label(topic: str) -> str:
    return topic[:1].upper() + topic[1:] if topic else NO_TOPIC


def attended_by_topic(
    *, start_at: dt.datetime, end_at: dt.datetime, branch: Branch | None = None
) -> list[tuple[str, int]]:
    """The most common topics staff recorded for attended sessions (whatever their capitals), most first.

    A topic shared by fewer than ``TOPIC_NAMED_FROM`` sessions is counted under "Other topics", so free
    text typed once (perhaps a name) never reaches a report.
    """
    rows = list(
        _bookings_starting(start_at, end_at, branch)
        .filter(status=Booking.Status.ATTENDED)
        .annotate(topic=Lower(Trim("outcome_topic")))
        .values("topic")
        .annotate(sessions=Count("pk"))
        .order_by("-sessions", "topic")
    )
    named = [row for row in rows if not row["topic"] or row["sessions"] >= TOPIC_NAMED_FROM][:TOPICS_SHOWN]
    others = sum(row["sessions"] for row in rows) - sum(row["sessions"] for row in named)
    table = [(_topic_label(row["topic"]), row["sessions"]) for row in named]
    return [*table, (OTHER_TOPICS, others)] if others else table


@dataclass(frozen=True)
class MachineUse:
    """One machine in service over a period: hours booked on it and hours its branch was open."""

    equipment_id: int
    name: str
    branch_name: str
    booked: dt.timedelta
    open: dt.timedelta

    @property
    def percent(self) -> float | None:
        if not self.open:
            return None
        return round(100 * self.booked / self.open, 1)


def equipment_hours_booked(*, start_at: dt.datetime, end_at: dt.datetime, branch: Branch | None = None) -> float:
    """Hours of attended or still-booked sessions starting in the period that occupy a machine: one query."""
    length = (
        _bookings_starting(start_at, end_at, branch)
        .filter(status__in=Booking.ACTIVE, equipment__isnull=False)
        .aggregate(length=Sum(BOOKED_LENGTH))["length"]
    )
    return round(length.total_seconds() / 3600, 2) if length else 0.0


def _open_time(intervals: list[Interval], start_at: dt.datetime, end_at: dt.datetime) -> dt.timedelta:
    """Open time inside [start_at, end_at), subtracted in UTC so that a clock change is counted."""
    start_at, end_at = start_at.astimezone(dt.UTC), end_at.astimezone(dt.UTC)
    clipped = (
        min(upper.astimezone(dt.UTC), end_at) - max(lower.astimezone(dt.UTC), start_at) for lower, upper in intervals
    )
    return sum((length for length in clipped if length > dt.timedelta(0)), dt.timedelta(0))


def equipment_use(*, start_at: dt.datetime, end_at: dt.datetime, branch: Branch | None = None) -> list[MachineUse]:
    """Every machine in service (at active branches) with its booked and open time in the period.

    Open time comes from the branch calendar: opening hours, less closures and statutory holidays.
    Booked time is the length of attended or still-booked sessions starting in the period. At most
    five queries whatever the number of machines and bookings.
    """
    machines = Equipment.objects.filter(in_service=True, branch__is_active=True).select_related("branch")
    if branch is not None:
        machines = machines.filter(branch=branch)
    machines = list(machines.order_by("branch__display_order", "branch__name", "name"))
    if not machines:
        return []
    booked = dict(
        _bookings_starting(start_at, end_at, branch)
        .filter(status__in=Booking.ACTIVE, equipment__in=machines)
        .values("equipment_id")
        .annotate(length=Sum(BOOKED_LENGTH))
        .order_by()
        .values_list("equipment_id", "length")
    )
    zone = timezone.get_default_timezone()
    first_day = start_at.astimezone(zone).date() - dt.timedelta(days=1)
    last_day = end_at.astimezone(zone).date() + dt.timedelta(days=1)
    if branch is not None:
        calendars = [branch_calendar(branch=branch, first_day=first_day, last_day=last_day)]
    else:
        calendars = branch_calendars(first_day=first_day, last_day=last_day)
    open_by_branch = {
        calendar.branch.pk: _open_time(calendar.open_intervals(), start_at, end_at) for calendar in calendars
    }
    return [
        MachineUse(
            equipment_id=machine.pk,
            name=machine.name,
            branch_name=machine.branch.name,
            booked=booked.get(machine.pk) or dt.timedelta(0),
            open=open_by_branch.get(machine.branch_id, dt.timedelta(0)),
        )
        for machine in machines
    ]


def patron_visits():
    """Attended sessions as patron activity: ``patron_ref``, ``at`` (start) and ``at_branch`` (for stats)."""
    return Booking.objects.filter(status=Booking.Status.ATTENDED).annotate(
        patron_ref=F("patron_id"), at=F("starts_at"), at_branch=F("branch_id")
    )


def demand_figures(*, start_at: dt.datetime, end_at: dt.datetime, branch: Branch | None = None) -> dict[str, int]:
    """Times patrons found no free time, and notify-me requests made, in the period: two queries."""
    unmet = UnmetDemand.objects.filter(asked_at__gte=start_at, asked_at__lt=end_at)
    requests = NotifyRequest.objects.filter(created_at__gte=start_at, created_at__lt=end_at)
    if branch is not None:
        unmet = unmet.filter(service_type__branch=branch)
        requests = requests.filter(service_type__branch=branch)
    return {"no_free_time": unmet.count(), "notify_requests": requests.count()}


# --- One patron's own bookings and trainings (for "My Maker Lab") ------------------------------------------


def patron_bookings(*, patron: Patron) -> list[Booking]:
    """Every booking of ``patron``, oldest first, with what its summary shows; one query."""
    return list(
        Booking.objects.filter(patron=patron).select_related("service_type", "branch").order_by("starts_at", "pk")
    )


def patron_trainings(*, patron: Patron) -> list[Training]:
    """The equipment ``patron`` is trained on and until when, the one expiring first at the top; one query."""
    return list(Training.objects.filter(patron=patron).select_related("equipment").order_by("expires_on", "pk"))


def booking_for_check_in(*, pk: int) -> Booking | None:
    """The booking a check-in code names, with what the check-in page shows, in one query."""
    return Booking.objects.select_related("service_type", "branch", "staff_member__user").filter(pk=pk).first()


def booking_check_in_refusal(*, booking: Booking, now: dt.datetime) -> str:
    """Why the patron cannot be checked in by their code now (empty when they can), in plain words.

    A code works on the session's day only: before it the patron is early, after it the code has expired.
    """
    zone = booking.branch.zone
    session_day = booking.starts_at.astimezone(zone).date()
    today = now.astimezone(zone).date()
    if booking.status == Booking.Status.CANCELLED:
        return "This booking was cancelled."
    if booking.status == Booking.Status.ATTENDED:
        return "Already checked in."
    if booking.status == Booking.Status.NO_SHOW:
        return "This booking is marked “did not come”. Correct it in the admin if they came after all."
    if today < session_day:
        return f"This booking is on {date_format(session_day, 'l j F')}: check the patron in on that day."
    if today > session_day:
        return f"This code has expired: the booking was on {date_format(session_day, 'l j F Y')}."
    return ""


def patron_booked_with_email(*, patron: Patron, email: str) -> bool:
    """Whether ``patron`` gave ``email`` (in any letter case) with one of their bookings."""
    return Booking.objects.filter(patron=patron, contact_email__iexact=email).exists()


# --- Equipment out of service ---------------------------------------------------------------------------------


def bookings_cancelled_untold(*, equipment: Equipment, cancelled_at: dt.datetime) -> list[Booking]:
    """The bookings on ``equipment`` cancelled at that moment (taken out of service) whose patron gave no email,
    so no one has told them: staff phone them. One query."""
    return list(
        Booking.objects.filter(
            equipment=equipment, status=Booking.Status.CANCELLED, cancelled_at=cancelled_at, contact_email=""
        )
        .select_related("branch", "service_type")
        .order_by("starts_at", "pk")
    )


# --- Minimum ages ------------------------------------------------------------------------------------------


def service_minimum_ages(*, services: list[ServiceType]) -> dict[int, int]:
    """The youngest age that may book each service that has one (by service id): the service's own minimum, or
    the safety minimum of the equipment it uses when that is higher. One query for every service at once."""
    equipment_ages = equipment_minimum_ages(service.equipment_id for service in services)
    ages = {}
    for service in services:
        found = [age for age in (service.minimum_age, equipment_ages.get(service.equipment_id)) if age]
        if found:
            ages[service.pk] = max(found)
    return ages


def service_minimum_age(*, service_type: ServiceType) -> int | None:
    return service_minimum_ages(services=[service_type]).get(service_type.pk)


# --- Services patrons can book -----------------------------------------------------------------------------


def services_bookable(*, branch_ids: Iterable[int] | None = None) -> QuerySet[ServiceType]:
    """The services patrons can book (active, at an open branch), with their branch, in the lab's order."""
    services = ServiceType.objects.filter(is_active=True, branch__is_active=True)
    if branch_ids is not None:
        services = services.filter(branch_id__in=list(branch_ids))
    return services.select_related("branch")


# --- What a machine is used for ------------------------------------------------------------------------------


def services_using_equipment(*, equipment_ids: list[int]) -> dict[int, list[ServiceType]]:
    """The 1-on-1 services patrons can book on each machine (by equipment id), in the order of the services page.
    One query for every machine at once."""
    found: dict[int, list[ServiceType]] = defaultdict(list)
    if not equipment_ids:
        return found
    services = services_bookable().filter(equipment_id__in=list(equipment_ids)).order_by("display_order", "name", "pk")
    for service in services:
        found[service.equipment_id].append(service)
    return found
