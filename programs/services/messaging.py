"""Writes that tell a program's registrants about a change: a session cancelled, moved or added, a message.

Each service locks the program row first (as the registration services do), so the people emailed are
exactly the registrations that exist when the change commits, and queues its emails inside that
transaction. Keys make each email go out once per registration and change, however often a request or
task is retried: ``session:<pk>:cancelled:<registration pk>``, ``session:<pk>:move:<move number>:<registration
pk>`` (each move counts, so A to B, back to A, then to B again is told three times),
``session:<pk>:added:<registration pk>``, ``program_message:<message pk>:<registration pk>``.
"""

import datetime as dt
import logging

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from makerlab.formatting import clock_text, day_text, moment_text, when_text
from makerlab.locking import locked
from makerlab.models import Notification
from makerlab.pagecache import bump
from makerlab.selectors import branch_calendar, branch_is_open
from makerlab.services import notification_queue, notifications_withdraw
from makerlab.validators import validate_plain_text
from programs.models import Program, ProgramMessage, Registration, Session
from programs.notifications import _absolute, program_place, program_zone
from programs.services.reminders import reminder_key

logger = logging.getLogger(__name__)

SESSION_CANCELLED = "program_session_cancelled"
SESSION_MOVED = "program_session_moved"
SESSION_ADDED = "program_session_added"
PROGRAM_MESSAGE = "program_message"

REASON_MAX = 250
SUBJECT_MAX = 150
BODY_MAX = 5000
# A second identical message this soon after the first is a double click, not a new message.
REPEAT_WINDOW = dt.timedelta(minutes=10)

# Everyone a session change concerns: people holding places and people waiting for one.
TOLD_OF_CHANGES = Registration.ACTIVE


def _locked_program(program_id: int) -> Program:
    return locked(Program.objects.select_related("branch", "partner_site").filter(pk=program_id)).get()


def _locked_session(session_id: int) -> Session:
    return locked(Session.objects.filter(pk=session_id)).get()


def _recipients(program: Program, statuses) -> QuerySet[Registration]:
    return Registration.objects.filter(program=program, status__in=statuses).prefetch_related("participants")


def registrants_count(*, program: Program, statuses=TOLD_OF_CHANGES) -> int:
    """How many registrations in ``statuses`` a change to the program would email."""
    return Registration.objects.filter(program=program, status__in=statuses).count()


def _personal(registration: Registration) -> dict:
    return {
        "first_name": registration.contact_name.split(" ", 1)[0],
        "people": ", ".join(p.first_name for p in registration.participants.all()),
        "manage_url": _absolute(reverse("programs:manage", args=[registration.manage_token])),
        # Someone waiting holds no place: the email says so rather than offering to pass a place on.
        "waiting": registration.status == Registration.Status.WAITLISTED,
    }


def _queue_each(
    registrations: QuerySet[Registration], *, kind: str, shared: dict, key: str, related_object=None
) -> int:
    """Queue one email of ``kind`` per registration; ``key`` is formatted with ``registration``. Returns how many."""
    queued = 0
    for registration in registrations:
        _, created = notification_queue(
            kind=kind,
            recipient=registration.contact_email,
            template=kind,
            context={**shared, **_personal(registration)},
            idempotency_key=key.format(registration=registration.pk),
            related_object=related_object or registration,
        )
        queued += created
    return queued


def _withdraw_pending_reminders(session: Session, reason: str) -> None:
    """A reminder queued but not yet sent would give the old time, or a session that is off: stop it."""
    keys = [
        reminder_key(pk, session.pk, session.starts_at, session.moves)
        for pk in Registration.objects.filter(program_id=session.program_id).values_list("pk", flat=True)
    ]
    ids = list(Notification.objects.filter(idempotency_key__in=keys).values_list("pk", flat=True))
    if ids:
        notifications_withdraw(notification_ids=ids, reason=reason)


def _sessions_to_come(program: Program, now: dt.datetime) -> list[Session]:
    return list(program.sessions.filter(cancelled_at__isnull=True, ends_at__gt=now).order_by("starts_at"))


def session_cancel(
    *, session: Session, reason: str, by: AbstractBaseUser | None, now: dt.datetime | None = None
) -> int:
    """Call a session off and tell everyone registered or waiting why; returns how many were emailed.

    The email lists the sessions that remain, or says the program is off when none do.
    """
    now = now or timezone.now()
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError(
            {
                "reason": ValidationError(
                    "Say why the session is cancelled: registrants read it in the email.", code="reason_missing"
                )
            }
        )
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {"reason": ValidationError(f"Keep the reason to {REASON_MAX} characters or fewer.", code="reason_too_long")}
        )
    validate_plain_text(reason)
    with transaction.atomic():
        bump("programs")
        program = _locked_program(session.program_id)
        session = _locked_session(session.pk)
        zone = program_zone(program)
        if session.is_cancelled:
            raise ValidationError(
                f"This session was already cancelled on {moment_text(session.cancelled_at, zone=zone)}.",
                code="session_cancelled",
            )
        if session.ends_at <= now:
            raise ValidationError(
                "This session has already taken place, so it cannot be cancelled.", code="session_over"
            )
        session.cancelled_at = now
        session.cancellation_reason = reason
        session.save(update_fields=["cancelled_at", "cancellation_reason", "updated_at"])
        _withdraw_pending_reminders(session, "The session was cancelled.")
        remaining = [when_text(s.starts_at, s.ends_at, zone=zone) for s in _sessions_to_come(program, now)]
        shared = {
            "program": program.title,
            "when": when_text(session.starts_at, session.ends_at, zone=zone),
            "reason": reason,
            "remaining": remaining,
            "place": program_place(program),
        }
        sent = _queue_each(
            _recipients(program, TOLD_OF_CHANGES),
            kind=SESSION_CANCELLED,
            shared=shared,
            key=f"session:{session.pk}:cancelled:{{registration}}",
        )
    logger.info("Session %s of program %s cancelled by %s; %s emailed.", session.pk, program.pk, by, sent)
    return sent


def _branch_hours_text(program: Program, starts_at: dt.datetime) -> str:
    """What the branch's hours are on that local day, to say why a time is refused."""
    zone = program.branch.zone
    day = starts_at.astimezone(zone).date()
    hours = branch_calendar(branch=program.branch, first_day=day, last_day=day).day(day)
    name = program.branch.name
    if not hours.is_open:
        reason = f" ({hours.closed_reason})" if hours.closed_reason else ""
        return f"{name} is closed on {day_text(day)}{reason}. Choose another day."
    spans = ", ".join(f"{clock_text(opens)} to {clock_text(closes)}" for opens, closes in hours.windows)
    return f"{name} is open {spans} on {day_text(day)}. Choose a time within those hours."


def session_move_check(*, session: Session, starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime) -> None:
    """Refuse a new time that cannot be: raises ValidationError naming the field at fault."""
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValueError("Session times are aware datetimes.")
    if session.is_cancelled:
        raise ValidationError("This session is cancelled, so it cannot be moved.", code="session_cancelled")
    if session.ends_at <= now:
        raise ValidationError("This session has already taken place, so it cannot be moved.", code="session_over")
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": ValidationError("The session must end after it starts.", code="ends_first")})
    if starts_at <= now:
        raise ValidationError(
            {
                "starts_at": ValidationError(
                    "The new time has already passed. Choose a time still to come.", code="starts_in_past"
                )
            }
        )
    if starts_at == session.starts_at and ends_at == session.ends_at:
        raise ValidationError("That is already the session's time, so nothing was changed.", code="same_time")
    program = session.program
    if program.branch_id and not branch_is_open(branch=program.branch, start=starts_at, end=ends_at):
        raise ValidationError(
            {"starts_at": ValidationError(_branch_hours_text(program, starts_at), code="branch_closed")}
        )


def session_move(
    *,
    session: Session,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    by: AbstractBaseUser | None,
    now: dt.datetime | None = None,
) -> int:
    """Give a session a new time and tell everyone registered or waiting; returns how many were emailed."""
    now = now or timezone.now()
    with transaction.atomic():
        bump("programs")
        program = _locked_program(session.program_id)
        session = _locked_session(session.pk)
        session.program = program
        session_move_check(session=session, starts_at=starts_at, ends_at=ends_at, now=now)
        zone = program_zone(program)
        old_when = when_text(session.starts_at, session.ends_at, zone=zone)
        _withdraw_pending_reminders(session, "The session moved to a new time.")
        session.starts_at, session.ends_at = starts_at, ends_at
        session.moves += 1
        session.save(update_fields=["starts_at", "ends_at", "moves", "updated_at"])
        shared = {
            "program": program.title,
            "old_when": old_when,
            "new_when": when_text(starts_at, ends_at, zone=zone),
            "place": program_place(program),
        }
        sent = _queue_each(
            _recipients(program, TOLD_OF_CHANGES),
            kind=SESSION_MOVED,
            shared=shared,
            key=f"session:{session.pk}:move:{session.moves}:{{registration}}",
        )
    logger.info("Session %s of program %s moved by %s; %s emailed.", session.pk, program.pk, by, sent)
    return sent


def session_add_check(*, program: Program, starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime) -> None:
    """Refuse a new session that cannot be: raises ValidationError naming the field at fault.

    A session in the past may be added (to record one held already); a session to come must fit the branch's hours.
    """
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValueError("Session times are aware datetimes.")
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": ValidationError("The session must end after it starts.", code="ends_first")})
    to_come = starts_at > now
    if to_come and program.branch_id and not branch_is_open(branch=program.branch, start=starts_at, end=ends_at):
        raise ValidationError(
            {"starts_at": ValidationError(_branch_hours_text(program, starts_at), code="branch_closed")}
        )


def session_add(
    *,
    program: Program,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    by: AbstractBaseUser | None,
    now: dt.datetime | None = None,
) -> tuple[Session, int]:
    """Add a session to a program and announce it to everyone registered or waiting; returns it and how many
    were emailed. A session added in the past (recorded after the fact) is announced to no one."""
    now = now or timezone.now()
    with transaction.atomic():
        bump("programs")
        program = _locked_program(program.pk)
        session_add_check(program=program, starts_at=starts_at, ends_at=ends_at, now=now)
        session = Session.objects.create(program=program, starts_at=starts_at, ends_at=ends_at)
        sent = session_announce(session=session, now=now)
    logger.info("Session %s added to program %s by %s; %s emailed.", session.pk, program.pk, by, sent)
    return session, sent


def session_announce(*, session: Session, now: dt.datetime | None = None) -> int:
    """Tell the program's registrants (and waitlist) about a session added after they registered; returns how
    many were emailed. Safe to call again: each registration hears of a session once."""
    now = now or timezone.now()
    with transaction.atomic():
        program = _locked_program(session.program_id)
        session = _locked_session(session.pk)
        if session.is_cancelled or session.starts_at <= now:
            return 0
        zone = program_zone(program)
        shared = {
            "program": program.title,
            "new_when": when_text(session.starts_at, session.ends_at, zone=zone),
            "place": program_place(program),
            "sessions": [when_text(s.starts_at, s.ends_at, zone=zone) for s in _sessions_to_come(program, now)],
        }
        return _queue_each(
            _recipients(program, TOLD_OF_CHANGES),
            kind=SESSION_ADDED,
            shared=shared,
            key=f"session:{session.pk}:added:{{registration}}",
        )


def message_statuses(audience: str) -> tuple[str, ...]:
    if audience == ProgramMessage.Audience.REGISTERED_AND_WAITLIST:
        return Registration.ACTIVE
    return Registration.HOLDING_PLACES


def program_message_check(
    *, program: Program, session: Session | None, audience: str, subject: str, body: str
) -> tuple[str, str]:
    """The subject and message tidied, or a ValidationError naming the field at fault."""
    subject = " ".join(subject.split())
    body = "\n".join(line.rstrip() for line in body.strip().replace("\r\n", "\n").split("\n"))
    errors: dict[str, ValidationError] = {}
    if not subject:
        errors["subject"] = ValidationError(
            "Write a subject: it is the first thing people see.", code="subject_missing"
        )
    elif len(subject) > SUBJECT_MAX:
        errors["subject"] = ValidationError(
            f"Keep the subject to {SUBJECT_MAX} characters or fewer.", code="subject_too_long"
        )
    if not body:
        errors["body"] = ValidationError("Write the message.", code="body_missing")
    elif len(body) > BODY_MAX:
        errors["body"] = ValidationError(f"Keep the message to {BODY_MAX} characters or fewer.", code="body_too_long")
    for name, text in (("subject", subject), ("body", body)):
        if name not in errors:
            try:
                validate_plain_text(text)
            except ValidationError as error:
                errors[name] = error.error_list[0]
    if audience not in ProgramMessage.Audience.values:
        errors["audience"] = ValidationError("Choose who receives the message.", code="unknown_audience")
    if session is not None and session.program_id != program.pk:
        errors["session"] = ValidationError("Choose a session of this program.", code="session_of_other_program")
    if errors:
        raise ValidationError(errors)
    return subject, body


def program_message_send(
    *,
    program: Program,
    session: Session | None = None,
    audience: str,
    subject: str,
    body: str,
    by: AbstractBaseUser | None,
    now: dt.datetime | None = None,
) -> ProgramMessage:
    """Email a message to a program's registrants (and its waitlist when asked), and keep a record of it.

    Every registration is for all of a program's sessions, so a message about one session goes to the
    same people; the session is named in the email.
    """
    now = now or timezone.now()
    subject, body = program_message_check(
        program=program, session=session, audience=audience, subject=subject, body=body
    )
    with transaction.atomic():
        program = _locked_program(program.pk)
        repeat = ProgramMessage.objects.filter(
            program=program, session=session, subject=subject, body=body, sent_at__gte=now - REPEAT_WINDOW
        ).first()
        if repeat is not None:
            sent_at = clock_text(repeat.sent_at.astimezone(program_zone(program)).time())
            raise ValidationError(
                f"This message was already sent at {sent_at} to {repeat.recipients} registrations, "
                "so it was not sent again.",
                code="already_sent",
            )
        recipients = list(_recipients(program, message_statuses(audience)))
        if not recipients:
            raise ValidationError(
                {
                    "audience": ValidationError(
                        "Nobody would receive this message: no one is registered yet.", code="no_recipients"
                    )
                }
            )
        message = ProgramMessage.objects.create(
            program=program,
            session=session,
            audience=audience,
            subject=subject,
            body=body,
            recipients=len(recipients),
            sent_by=by,
            sent_at=now,
        )
        zone = program_zone(program)
        shared = {
            "program": program.title,
            "subject": subject,
            "body": body,
            "session_when": when_text(session.starts_at, session.ends_at, zone=zone) if session else "",
            "place": program_place(program),
        }
        _queue_each(
            recipients,
            kind=PROGRAM_MESSAGE,
            shared=shared,
            key=f"program_message:{message.pk}:{{registration}}",
        )
    return message
