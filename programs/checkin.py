"""Check-in by QR code for program registrations: the code on the confirmation, and marking the
registration's people present for the session happening now.

Check-in opens 30 minutes before a session starts and closes when it ends (the attendance service's
``CHECK_IN_OPENS_BEFORE``). The people are marked present through that service, so a check-in and a roster
taken on a tablet are one record; whoever else is on the roster keeps what was recorded for them.
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from makerlab.checkin import REGISTRATION, check_in_code, check_in_url
from makerlab.formatting import clock_text, day_text, full_stop
from makerlab.locking import locked
from programs.models import Attendance, Participant, Registration, Session
from programs.services.attendance import CHECK_IN_OPENS_BEFORE, registration_mark_present

STATUS_REFUSALS = {
    Registration.Status.CANCELLED: "This registration was cancelled.",
    Registration.Status.WAITLISTED: "This registration is on the waitlist: it has no place to check in to yet.",
    Registration.Status.OFFERED: "This registration was offered a place that has not been claimed yet.",
    Registration.Status.OFFER_EXPIRED: "This registration's offer of a place expired.",
}


def registration_check_in_code(registration: Registration) -> str:
    """The code staff scan at the desk; it names the registration and gives none of the manage link's rights."""
    return check_in_code(kind=REGISTRATION, pk=registration.pk)


def registration_check_in_url(registration: Registration) -> str:
    return check_in_url(registration_check_in_code(registration))


def registration_for_check_in(*, pk: int) -> Registration | None:
    """The registration a code names, its program, people and sessions still on, in three queries."""
    return (
        Registration.objects.select_related("program__branch", "program__partner_site")
        .prefetch_related(
            Prefetch("participants", queryset=Participant.objects.order_by("pk")),
            Prefetch(
                "program__sessions",
                queryset=Session.objects.filter(cancelled_at__isnull=True).order_by("starts_at", "pk"),
                to_attr="sessions_on",
            ),
        )
        .filter(pk=pk)
        .first()
    )


@dataclass(frozen=True)
class RegistrationCheckIn:
    """Whether the registration's people can be checked in now, and for which session; ``refusal`` says why not."""

    session: Session | None
    refusal: str


def _opening_sentence(session: Session, *, zone: dt.tzinfo, now: dt.datetime) -> str:
    start = session.starts_at.astimezone(zone)
    opens = (session.starts_at - CHECK_IN_OPENS_BEFORE).astimezone(zone)
    today = now.astimezone(zone).date()
    return full_stop(
        f"This registration's next session is {day_text(start.date(), today=today)} at {clock_text(start.time())}; "
        f"check-in opens at {clock_text(opens.time())}"
    )


def registration_check_in_state(*, registration: Registration, now: dt.datetime) -> RegistrationCheckIn:
    """The session open for check-in now (from 30 minutes before it starts until it ends), or why there is none.

    Reads the sessions prefetched by ``registration_for_check_in`` when present.
    """
    if refusal := STATUS_REFUSALS.get(registration.status):
        return RegistrationCheckIn(session=None, refusal=refusal)
    program = registration.program
    sessions = getattr(program, "sessions_on", None)
    if sessions is None:
        sessions = list(program.sessions.filter(cancelled_at__isnull=True).order_by("starts_at", "pk"))
    zone = program.zone
    for session in sessions:
        if session.ends_at <= now:
            continue
        if session.starts_at - CHECK_IN_OPENS_BEFORE <= now:
            return RegistrationCheckIn(session=session, refusal="")
        return RegistrationCheckIn(session=None, refusal=_opening_sentence(session, zone=zone, now=now))
    if not sessions:
        return RegistrationCheckIn(session=None, refusal="This program has no sessions to check in to.")
    last_day = day_text(sessions[-1].starts_at.astimezone(zone).date(), today=now.astimezone(zone).date())
    return RegistrationCheckIn(
        session=None, refusal=full_stop(f"This code has expired: the program's last session was on {last_day}")
    )


def registration_present_ids(*, registration: Registration, session: Session) -> set[int]:
    """Which of the registration's people are already marked present for the session."""
    return set(
        Attendance.objects.filter(session=session, present=True, participant__registration=registration).values_list(
            "participant_id", flat=True
        )
    )


def registration_check_in(
    *, registration: Registration, by: AbstractBaseUser | None, now: dt.datetime | None = None
) -> tuple[Session, list[Participant]]:
    """Mark the registration's people present for the session open for check-in now; returns it and them.

    The roster's attendance service records it, so a check-in and a roster taken on a tablet are one record
    and nobody else on the roster is marked absent.
    """
    now = now or timezone.now()
    with transaction.atomic():
        registration = locked(Registration.objects.select_related("program").filter(pk=registration.pk)).get()
        state = registration_check_in_state(registration=registration, now=now)
        if state.session is None:
            raise ValidationError(state.refusal, code="check_in_closed")
        registration_mark_present(session=state.session, registration=registration, by=by, now=now)
        return state.session, list(registration.participants.order_by("pk"))
