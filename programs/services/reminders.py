"""Reminders the day before each session of a program, sent by a periodic sweep.

Every few minutes the sweep finds the sessions that start within the next 24 hours, takes for each
program only its next session, and queues one reminder per confirmed registration. Waitlisted,
offered and cancelled registrations are not found. The outbox's idempotency key (one per
registration, session and session time) makes each reminder go out at most once, however often the sweep runs.
"""

import datetime as dt
from functools import partial

from django.urls import reverse
from django.utils import timezone

from makerlab.formatting import when_text
from makerlab.locking import locked
from makerlab.services import Reminder, reminders_queue
from programs.models import Registration, Session
from programs.notifications import _absolute, program_place, program_zone

KIND = "program_reminder"
TEMPLATE = "program_reminder"
AHEAD = dt.timedelta(hours=24)


def reminder_key(registration_id: int, session_id: int, starts_at: dt.datetime, moves: int = 0) -> str:
    """One reminder per registration, session time and move: a session moved is reminded of again, even when
    it moved back to a time whose reminder was withdrawn."""
    key = f"registration:{registration_id}:reminder:{session_id}:{starts_at.astimezone(dt.UTC):%Y%m%dT%H%MZ}"
    return f"{key}:move{moves}" if moves else key


def _next_sessions(now: dt.datetime) -> dict[int, Session]:
    """Each program's first session still to start, when it starts within the next 24 hours."""
    sessions = Session.objects.filter(
        starts_at__gt=now, starts_at__lte=now + AHEAD, program__registration_required=True, cancelled_at__isnull=True
    ).select_related("program__branch", "program__partner_site")
    found: dict[int, Session] = {}
    for session in sessions.order_by("starts_at", "pk"):
        found.setdefault(session.program_id, session)
    return found


def reminders_send_due(*, now: dt.datetime | None = None) -> int:
    """Queue every program reminder due now; returns how many were queued. Three queries to find them."""
    # In UTC: arithmetic on a local aware datetime is wall-clock, an hour off across a clock change.
    now = (now or timezone.now()).astimezone(dt.UTC)
    sessions = _next_sessions(now)
    if not sessions:
        return 0
    registrations = Registration.objects.filter(
        program_id__in=list(sessions), status=Registration.Status.CONFIRMED
    ).prefetch_related("participants")
    due = {}
    for registration in registrations:
        session = sessions[registration.program_id]
        # Registered within the last day: the confirmation has just said when; a reminder would repeat it.
        if registration.created_at >= session.starts_at - AHEAD:
            continue
        key = reminder_key(registration.pk, session.pk, session.starts_at, session.moves)
        due[key] = partial(_reminder_if_confirmed, registration, session)
    return reminders_queue(kind=KIND, template=TEMPLATE, due=due)


def _reminder_if_confirmed(registration: Registration, session: Session) -> Reminder | None:
    # Checked again under the row lock: a cancel that committed since the query wins.
    still = locked(Registration.objects.filter(pk=registration.pk, status=Registration.Status.CONFIRMED))
    if not still.exists():
        return None
    # And the session: a cancel waits for this lock, then withdraws what was queued here.
    if not locked(Session.objects.filter(pk=session.pk, cancelled_at__isnull=True)).exists():
        return None
    return Reminder(
        recipient=registration.contact_email, context=_context(registration, session), related_object=registration
    )


def _context(registration: Registration, session: Session) -> dict[str, str]:
    program = session.program
    return {
        "first_name": registration.contact_name.split(" ", 1)[0],
        "program": program.title,
        "when": when_text(session.starts_at, session.ends_at, zone=program_zone(program)),
        "place": program_place(program),
        "people": ", ".join(p.first_name for p in registration.participants.all()),
        "materials": program.materials,
        "manage_url": _absolute(reverse("programs:manage", args=[registration.manage_token])),
    }
