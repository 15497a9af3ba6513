"""Reads for programs: the public calendar, a program's page, places left and waitlist positions.

Places are counted with subqueries on the program rows, so a page of programs costs the same
number of queries however many programs or registrations there are.
"""

import datetime as dt
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from makerlab.models import Branch, Patron
from programs.models import Attendance, Headcount, Program, Registration, RegistrationEvent, Session


def _places_sum(*statuses: str) -> Coalesce:
    total = (
        Registration.objects.filter(program=OuterRef("pk"), status__in=statuses)
        .order_by()
        .values("program")
        .annotate(total=Sum("places"))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=IntegerField()), Value(0))


def _sessions_to_come(now: dt.datetime) -> QuerySet[Session]:
    return Session.objects.filter(ends_at__gt=now, cancelled_at__isnull=True)


def _next_session(field: str, now: dt.datetime) -> Subquery:
    upcoming = _sessions_to_come(now).filter(program=OuterRef("pk")).order_by("starts_at")
    return Subquery(upcoming.values(field)[:1])


def _places_held() -> Coalesce:
    """The places a program's registrations hold: the confirmed ones and the open waitlist offers.

    The one definition, for a list of programs (an annotation) and for one program (``program_places_held``).
    """
    return _places_sum(*Registration.HOLDING_PLACES)


def _with_places(queryset: QuerySet[Program]) -> QuerySet[Program]:
    return queryset.annotate(
        places_held=_places_held(),
        places_waiting=_places_sum(Registration.Status.WAITLISTED),
        queue_length=_places_sum(Registration.Status.WAITLISTED, Registration.Status.OFFERED),
    )


def programs_published(*, filters: dict[str, Any] | None = None, now: dt.datetime | None = None) -> QuerySet[Program]:
    """Published programs with a session still to come, soonest first, with places held and waiting.

    Cancelled sessions are not counted: a program whose remaining sessions are all cancelled drops out.

    ``filters`` are the calendar's query parameters (see ``programs.filters.ProgramFilter``); invalid
    values are ignored rather than refused.
    """
    from programs.filters import ProgramFilter

    now = now or timezone.now()
    # The programs with a session to come are found from those sessions in one pass, so the programs of years
    # past are never looked at one by one.
    queryset = _with_places(
        Program.objects.filter(is_published=True, pk__in=_sessions_to_come(now).values("program_id"))
        .select_related("branch", "partner_site")
        .annotate(next_starts_at=_next_session("starts_at", now), next_ends_at=_next_session("ends_at", now))
    ).order_by("next_starts_at", "title")
    if filters:
        queryset = ProgramFilter(filters, queryset=queryset).qs
    return queryset


FEED_PROGRAMS = 100


def programs_in_feed(*, programs: QuerySet[Program], limit: int = FEED_PROGRAMS) -> list[Program]:
    """The first ``limit`` of ``programs`` (``programs_published``, filtered), each with ``changed_at``: the latest
    change to the program or to one of its sessions (a move, a cancellation, a new session). One query."""
    sessions_changed = (
        Session.objects.filter(program=OuterRef("pk"))
        .order_by()
        .values("program")
        .annotate(latest=Max("updated_at"))
        .values("latest")
    )
    found = list(programs.annotate(sessions_changed_at=Subquery(sessions_changed))[:limit])
    for program in found:
        program.changed_at = max(filter(None, (program.updated_at, program.sessions_changed_at)))
    return found


def programs_on_calendar() -> QuerySet[Program]:
    """Published programs, past and future, with places held and waiting: what the month view filters."""
    return _with_places(Program.objects.filter(is_published=True).select_related("branch", "partner_site"))


def programs_with_sessions() -> QuerySet[Program]:
    """Every program that has a session, by title then first session, each with ``first_session`` (its start):
    the staff's choice of program. Only the title is loaded, as the list holds every program ever run."""
    return (
        Program.objects.only("pk", "title")
        .annotate(first_session=Min("sessions__starts_at"))
        .filter(first_session__isnull=False)
        .order_by("title", "first_session", "pk")
    )


def month_sessions(
    *,
    programs: QuerySet[Program],
    starts: dt.datetime,
    ends: dt.datetime,
    first_day: dt.date | None = None,
    last_day: dt.date | None = None,
) -> list[Session]:
    """Sessions starting in [starts, ends) of the given programs, cancelled ones included, soonest first.

    Two queries whatever the month holds: the programs (with their annotations), then their sessions,
    each session given its program so nothing more is fetched while rendering. ``first_day`` and
    ``last_day`` narrow the sessions to the calendar's own date filters.
    """
    window = Q(starts_at__gte=starts, starts_at__lt=ends)
    if first_day is not None:
        window &= Q(starts_at__date__gte=first_day)
    if last_day is not None:
        window &= Q(starts_at__date__lte=last_day)
    in_window = Session.objects.filter(window, program=OuterRef("pk"))
    by_pk = {program.pk: program for program in programs.filter(Exists(in_window))}
    if not by_pk:
        return []
    sessions = list(Session.objects.filter(window, program_id__in=by_pk).order_by("starts_at", "pk"))
    for session in sessions:
        session.program = by_pk[session.program_id]
    return sessions


def program_detail(*, slug: str, now: dt.datetime | None = None) -> Program | None:
    """A published program with its sessions (``program.sessions.all()``) and places counted."""
    return (
        _with_places(Program.objects.filter(is_published=True, slug=slug))
        .select_related("branch", "partner_site")
        .prefetch_related(Prefetch("sessions", queryset=Session.objects.order_by("starts_at")))
        .first()
    )


def program_to_share(*, slug: str, now: dt.datetime) -> Program | None:
    """A published program with its next session to come (``next_starts_at``, ``next_ends_at`` and
    ``next_updated_at``, None when none is left): what its share image shows, in one query."""
    return (
        Program.objects.filter(is_published=True, slug=slug)
        .select_related("branch", "partner_site")
        .annotate(
            next_starts_at=_next_session("starts_at", now),
            next_ends_at=_next_session("ends_at", now),
            next_updated_at=_next_session("updated_at", now),
        )
        .first()
    )


def program_is_cancelled(*, program: Program) -> bool:
    """True when the program has sessions and every one is cancelled (uses the prefetched sessions)."""
    sessions = program.sessions.all()
    return bool(sessions) and all(session.is_cancelled for session in sessions)


def program_places_held(*, program: Program) -> int:
    """The places the program's registrations hold now, counted afresh in one query (the services count them
    with the program locked)."""
    return Program.objects.filter(pk=program.pk).annotate(held=_places_held()).values_list("held", flat=True).get()


def program_places_waiting(*, program: Program) -> int:
    """The places asked for on the program's waitlist, counted afresh in one query."""
    waiting = _places_sum(Registration.Status.WAITLISTED)
    return Program.objects.filter(pk=program.pk).annotate(waiting=waiting).values_list("waiting", flat=True).get()


def program_places_left(*, program: Program) -> int:
    """Places not held by confirmed registrations or open offers (uses the annotation when present)."""
    held = getattr(program, "places_held", None)
    if held is None:
        held = program_places_held(program=program)
    return max(program.capacity - held, 0)


def registration_waitlist_position(*, registration: Registration) -> int | None:
    """1 for the first registration waiting, and so on; None when it is not waiting."""
    if registration.status != Registration.Status.WAITLISTED:
        return None
    return Registration.objects.filter(
        program_id=registration.program_id, status=Registration.Status.WAITLISTED, pk__lte=registration.pk
    ).count()


def _last_session_end() -> Coalesce:
    """When the program's last session ends: of the sessions held, else (all cancelled) of any."""
    sessions = Session.objects.filter(program=OuterRef("program")).order_by("-ends_at").values("ends_at")
    return Coalesce(Subquery(sessions.filter(cancelled_at__isnull=True)[:1]), Subquery(sessions[:1]))


def registration_by_token(*, token: str) -> Registration | None:
    """The registration with this private link, with ``last_session_ends_at`` (None for a program with no
    sessions): the link stops working a while after it."""
    return (
        Registration.objects.select_related("program__branch", "program__partner_site", "patron")
        .prefetch_related("participants")
        .annotate(last_session_ends_at=_last_session_end())
        .filter(manage_token=token)
        .first()
    )


def registration_by_offer_token(*, token: str) -> Registration | None:
    """The registration offered a place by this link, with ``last_session_ends_at`` as for the manage link."""
    return (
        Registration.objects.select_related("program__branch", "program__partner_site")
        .prefetch_related("participants")
        .annotate(last_session_ends_at=_last_session_end())
        .filter(offer_token=token)
        .first()
    )


FEED_PAST = dt.timedelta(days=30)


def feed_sessions(*, category: str = "", audience: str = "", now: dt.datetime | None = None) -> list[Session]:
    """Sessions of published programs from the last month on, for the calendar feed; one query."""
    now = now or timezone.now()
    sessions = Session.objects.filter(program__is_published=True, ends_at__gte=now - FEED_PAST).select_related(
        "program__branch", "program__partner_site"
    )
    if category:
        sessions = sessions.filter(program__category=category)
    if audience:
        sessions = sessions.filter(program__audience=audience)
    return list(sessions.order_by("starts_at", "pk"))


def program_calendar_sessions(*, slug: str) -> list[Session] | None:
    """Every session of one published program, cancelled ones included, for its own calendar file; one query.

    None when no published program has this address; an empty list when it has no sessions yet.
    """
    sessions = list(
        Session.objects.filter(program__slug=slug, program__is_published=True)
        .select_related("program__branch", "program__partner_site")
        .order_by("starts_at", "pk")
    )
    if sessions:
        return sessions
    return [] if Program.objects.filter(slug=slug, is_published=True).exists() else None


def feed_last_changed() -> dt.datetime | None:
    """When the feed last changed as far as the data tells: a program published or a session cancelled.

    One query. Cancelling a session sets ``cancelled_at``, so a calendar app asking "changed since?"
    learns of the cancellation.
    """
    latest = Program.objects.filter(is_published=True).aggregate(
        created=Max("created_at"), cancelled=Max("sessions__cancelled_at")
    )
    moments = [moment for moment in latest.values() if moment is not None]
    return max(moments, default=None)


# --- Figures for the monthly report: aggregates over a period, in a fixed number of queries ---------------------


def _sessions_held(start_at: dt.datetime, end_at: dt.datetime, branch: Branch | None) -> QuerySet[Session]:
    sessions = Session.objects.filter(starts_at__gte=start_at, starts_at__lt=end_at, cancelled_at__isnull=True)
    return sessions if branch is None else sessions.filter(program__branch=branch)


def session_attendance(*, start_at: dt.datetime, end_at: dt.datetime, branch: Branch | None = None) -> list[dict]:
    """Sessions held (not cancelled) starting in the period and the people at them, in one query.

    One row per (audience, category, outreach) with ``sessions`` and ``people``: participants marked
    present (including any who later left the program) plus walk-ins and headcounts. A session at a
    partner's site is outreach. With ``branch``, only programs at that branch (outreach has none).
    """
    present = (
        Attendance.objects.filter(session=OuterRef("pk"), present=True)
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    counted = Headcount.objects.filter(session=OuterRef("pk")).order_by().values("session").annotate(n=Sum("count"))
    rows = (
        _sessions_held(start_at, end_at, branch)
        .annotate(
            attendees=Coalesce(Subquery(present, output_field=IntegerField()), Value(0))
            + Coalesce(Subquery(counted.values("n"), output_field=IntegerField()), Value(0)),
            outreach=ExpressionWrapper(Q(program__partner_site__isnull=False), output_field=BooleanField()),
        )
        .values("program__audience", "program__category", "outreach")
        .annotate(sessions=Count("pk"), people=Sum("attendees"))
        .order_by()
    )
    return [
        {
            "audience": row["program__audience"],
            "category": row["program__category"],
            "outreach": row["outreach"],
            "sessions": row["sessions"],
            "people": row["people"] or 0,
        }
        for row in rows
    ]


def programs_delivered(*, start_at: dt.datetime, end_at: dt.datetime, branch: Branch | None = None) -> int:
    """Programs with at least one session held (not cancelled) starting in the period: one query."""
    return _sessions_held(start_at, end_at, branch).aggregate(programs=Count("program", distinct=True))["programs"]


def registration_figures(*, start_at: dt.datetime, end_at: dt.datetime, branch: Branch | None = None) -> dict[str, int]:
    """Registrations made in the period, and waitlist joins, offers and claims: two queries.

    An automatic enrolment from the waitlist is an offer taken up at once: it counts as both.
    """
    registrations = Registration.objects.filter(created_at__gte=start_at, created_at__lt=end_at)
    events = RegistrationEvent.objects.filter(at__gte=start_at, at__lt=end_at)
    if branch is not None:
        registrations = registrations.filter(program__branch=branch)
        events = events.filter(registration__program__branch=branch)
    kind = RegistrationEvent.Kind
    totals = events.aggregate(
        waitlisted=Count("pk", filter=Q(kind=kind.WAITLISTED)),
        offers=Count("pk", filter=Q(kind__in=(kind.OFFERED, kind.PROMOTED))),
        offers_claimed=Count("pk", filter=Q(kind__in=(kind.CLAIMED, kind.PROMOTED))),
    )
    totals["registrations"] = registrations.count()
    return totals


def waitlisted_places_at(*, moment: dt.datetime, branch: Branch | None = None) -> int:
    """Places on program waitlists at ``moment``, replayed from the registrations' events: one query.

    A registration was waiting when its last event before ``moment`` (one person leaving aside) was
    joining the waitlist. Its places are the places it holds now.
    """
    last_event = (
        RegistrationEvent.objects.filter(registration=OuterRef("pk"), at__lt=moment)
        .exclude(kind=RegistrationEvent.Kind.PERSON_CANCELLED)
        .order_by("-at", "-pk")
        .values("kind")[:1]
    )
    registrations = Registration.objects.annotate(last_kind=Subquery(last_event)).filter(
        last_kind=RegistrationEvent.Kind.WAITLISTED
    )
    if branch is not None:
        registrations = registrations.filter(program__branch=branch)
    return registrations.aggregate(places=Coalesce(Sum("places"), 0))["places"]


def patron_attendance():
    """Sessions attended as patron activity: ``patron_ref`` (the registrant), ``at`` and ``at_branch`` (for stats)."""
    return Attendance.objects.filter(present=True, session__cancelled_at__isnull=True).annotate(
        patron_ref=F("participant__registration__patron_id"),
        at=F("session__starts_at"),
        at_branch=F("session__program__branch_id"),
    )


# --- One patron's own registrations (for "My Maker Lab") -----------------------------------------------------


def patron_registrations(*, patron: Patron) -> list[Registration]:
    """Every registration of ``patron`` with its program, the people it signs up, its first and last session
    (``first_starts_at``, ``last_ends_at``: sessions not cancelled) and, while waiting, its place on the
    waitlist (``waitlist_place``); two queries however many there are."""
    sessions = Session.objects.filter(program=OuterRef("program_id"), cancelled_at__isnull=True)
    waiting_up_to_here = (
        Registration.objects.filter(
            program_id=OuterRef("program_id"), status=Registration.Status.WAITLISTED, pk__lte=OuterRef("pk")
        )
        .order_by()
        .values("program_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    registrations = list(
        Registration.objects.filter(patron=patron)
        .select_related("program__branch", "program__partner_site")
        .prefetch_related("participants")
        .annotate(
            first_starts_at=Subquery(sessions.order_by("starts_at").values("starts_at")[:1]),
            last_ends_at=Subquery(sessions.order_by("-ends_at").values("ends_at")[:1]),
            waiting_place=Subquery(waiting_up_to_here, output_field=IntegerField()),
        )
        .order_by("pk")
    )
    for registration in registrations:
        waiting = registration.status == Registration.Status.WAITLISTED
        registration.waitlist_place = registration.waiting_place if waiting else None
    return registrations


def patron_registered_with_email(*, patron: Patron, email: str) -> bool:
    """Whether ``patron`` gave ``email`` (in any letter case) with one of their registrations."""
    return Registration.objects.filter(patron=patron, contact_email__iexact=email).exists()


# --- Interest by month, for planning ----------------------------------------------------------------------------


def interest_by_month(
    *, first_day: dt.date, last_day: dt.date, zone: dt.tzinfo, branch: Branch | None = None
) -> dict[dt.date, dict[str, dict[str, int]]]:
    """Registrations made and waitlist joins in each month of [``first_day``, ``last_day``], by program category:
    ``{first of month: {category: {"registrations": n, "waitlisted": n}}}``. Two queries whatever the span."""
    start_at = dt.datetime.combine(first_day, dt.time.min, tzinfo=zone)
    end_at = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    registrations = Registration.objects.filter(created_at__gte=start_at, created_at__lt=end_at)
    joins = RegistrationEvent.objects.filter(at__gte=start_at, at__lt=end_at, kind=RegistrationEvent.Kind.WAITLISTED)
    if branch is not None:
        registrations = registrations.filter(program__branch=branch)
        joins = joins.filter(registration__program__branch=branch)
    found: dict[dt.date, dict[str, dict[str, int]]] = {}
    by_month = (
        (
            "registrations",
            registrations.annotate(month=TruncMonth("created_at", tzinfo=zone), category=F("program__category")),
        ),
        (
            "waitlisted",
            joins.annotate(month=TruncMonth("at", tzinfo=zone), category=F("registration__program__category")),
        ),
    )
    for figure, rows in by_month:
        for row in rows.values("month", "category").annotate(count=Count("pk")).order_by():
            month = row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]
            counts = found.setdefault(month, {}).setdefault(row["category"], {"registrations": 0, "waitlisted": 0})
            counts[figure] = row["count"]
    return found
