"""Reads for programs: the public calendar, a program's page, places left and waitlist positions.

Places are counted with subqueries on the program rows, so a page of programs costs the same
number of queries however many programs or registrations there are.
"""

import datetime as dt
from typing import Any

from django.db.models import Exists, IntegerField, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from programs.models import Program, Registration, Session


def _places_sum(*statuses: str) -> Coalesce:
    total = (
        Registration.objects.filter(program=OuterRef("pk"), status__in=statuses)
        .order_by()
        .values("program")
        .annotate(total=Sum("places"))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=IntegerField()), Value(0))


def _next_session(field: str, now: dt.datetime) -> Subquery:
    upcoming = Session.objects.filter(program=OuterRef("pk"), ends_at__gt=now, cancelled_at__isnull=True).order_by(
        "starts_at"
    )
    return Subquery(upcoming.values(field)[:1])


def _with_places(queryset: QuerySet[Program]) -> QuerySet[Program]:
    return queryset.annotate(
        places_held=_places_sum(*Registration.HOLDING_PLACES),
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
    queryset = _with_places(
        Program.objects.filter(is_published=True)
        .select_related("branch", "partner_site")
        .annotate(next_starts_at=_next_session("starts_at", now), next_ends_at=_next_session("ends_at", now))
        .filter(next_starts_at__isnull=False)
    ).order_by("next_starts_at", "title")
    if filters:
        queryset = ProgramFilter(filters, queryset=queryset).qs
    return queryset


def programs_on_calendar() -> QuerySet[Program]:
    """Published programs, past and future, with places held and waiting: what the month view filters."""
    return _with_places(Program.objects.filter(is_published=True).select_related("branch", "partner_site"))


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


def program_is_cancelled(*, program: Program) -> bool:
    """True when the program has sessions and every one is cancelled (uses the prefetched sessions)."""
    sessions = program.sessions.all()
    return bool(sessions) and all(session.is_cancelled for session in sessions)


def program_places_left(*, program: Program) -> int:
    """Places not held by confirmed registrations or open offers (uses the annotation when present)."""
    held = getattr(program, "places_held", None)
    if held is None:
        held = (
            Registration.objects.filter(program=program, status__in=Registration.HOLDING_PLACES).aggregate(
                total=Sum("places")
            )["total"]
            or 0
        )
    return max(program.capacity - held, 0)


def registration_waitlist_position(*, registration: Registration) -> int | None:
    """1 for the first registration waiting, and so on; None when it is not waiting."""
    if registration.status != Registration.Status.WAITLISTED:
        return None
    return Registration.objects.filter(
        program_id=registration.program_id, status=Registration.Status.WAITLISTED, pk__lte=registration.pk
    ).count()


def registration_by_token(*, token: str) -> Registration | None:
    return (
        Registration.objects.select_related("program__branch", "program__partner_site")
        .prefetch_related("participants")
        .filter(manage_token=token)
        .first()
    )


def registration_by_offer_token(*, token: str) -> Registration | None:
    return (
        Registration.objects.select_related("program__branch", "program__partner_site")
        .prefetch_related("participants")
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
