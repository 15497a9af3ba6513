"""Outcome surveys: inviting patrons who agreed, taking their anonymous answers, and the in-room QR code.

Anonymity: an invitation and its response name only the service or program, the branch and the month,
never a patron, a booking or a registration. The one thing that ties a person to a survey token is the
survey address in the invitation email, and the outbox keeps an email's context only until the email
is sent, then clears it. After sending, nothing links a token, or the answers given with it, to a
person. What the outbox keeps (the recipient and an idempotency key such as
``survey:booking:<id>:immediate``) records only that someone was invited, so nobody is invited twice.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking
from makerlab.models import Notification
from makerlab.services import notification_queue
from makerlab.validators import validate_plain_text
from programs.models import Attendance, Program, Registration, Session
from programs.notifications import program_zone
from stats.models import (
    Agreement,
    FollowUpAnswer,
    SurveyInvitation,
    SurveyKind,
    SurveyResponse,
    new_survey_token,
)

# Sessions that ended within this long ago get the immediate survey; the follow-up has a window as wide.
SEND_WINDOW = dt.timedelta(days=7)
# A QR-code link is for answering in the room, there and then.
IN_ROOM_LINK_LIFETIME = dt.timedelta(days=1)
IN_ROOM_SALT = "stats.in-room-survey"

STATEMENTS = {
    "learned": "I learned something new that is helpful.",
    "confident": "I feel more confident about what I learned.",
    "intend_to_apply": "I intend to apply what I learned.",
    "more_aware": "I am more aware of resources and services the library provides.",
}
OPEN_QUESTIONS = {
    "liked_most": "What did you like most?",
    "could_do_better": "What could the library do to help you learn more?",
}
FOLLOW_UP_QUESTIONS = {
    "applied": "Have you used what you learned?",
    "changed_something": "Have you changed something because of what you learned?",
    "used_other_resources": "Have you used other library resources or services since?",
}
MAX_ANSWER_LENGTH = 1000
NO_ANSWER = "Answer at least one question. Every question can be skipped, but not all of them."


class AlreadyAnswered(Exception):
    """This survey link was used already: each link takes one set of answers."""


class SurveyExpired(Exception):
    """This survey link is past its expiry."""


# --- Invitations by email ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Due:
    """One invitation the sweep may send: who to, what about, and the key that makes it happen once."""

    key: str
    needs_key: str  # a follow-up goes only to those invited right after; empty for an immediate survey
    kind: str
    recipient: str
    first_name: str
    about: str
    service_area: str
    service_type_id: int | None
    program_id: int | None
    branch_id: int | None
    month: dt.date


def _month_of(moment: dt.datetime, zone: dt.tzinfo) -> dt.date:
    return moment.astimezone(zone).date().replace(day=1)


def _bookings_due(*, kind: str, ended_after: dt.datetime, ended_before: dt.datetime) -> list[_Due]:
    bookings = (
        Booking.objects.filter(
            status=Booking.Status.ATTENDED,
            survey_consent=True,
            patron__anonymised_at__isnull=True,
            ends_at__gt=ended_after,
            ends_at__lte=ended_before,
        )
        .exclude(contact_email="")
        .select_related("service_type", "branch")
        .order_by("ends_at", "pk")
    )
    return [
        _Due(
            key=f"survey:booking:{booking.pk}:{kind}",
            needs_key=f"survey:booking:{booking.pk}:{SurveyKind.IMMEDIATE}" if kind == SurveyKind.FOLLOW_UP else "",
            kind=kind,
            recipient=booking.contact_email,
            first_name=booking.contact_name.split(" ", 1)[0],
            about=booking.service_type.name,
            service_area=booking.service_type.service_area,
            service_type_id=booking.service_type_id,
            program_id=None,
            branch_id=booking.branch_id,
            month=_month_of(booking.starts_at, booking.branch.zone),
        )
        for booking in bookings
    ]


def _registrations_due(*, kind: str, ended_after: dt.datetime, ended_before: dt.datetime) -> list[_Due]:
    last_session = Session.objects.filter(program=OuterRef("program_id"), cancelled_at__isnull=True).order_by(
        "-ends_at", "-pk"
    )
    came = Attendance.objects.filter(participant__registration=OuterRef("pk"), present=True)
    registrations = (
        Registration.objects.filter(
            status=Registration.Status.CONFIRMED, survey_consent=True, patron__anonymised_at__isnull=True
        )
        .exclude(contact_email="")
        .annotate(
            last_starts_at=Subquery(last_session.values("starts_at")[:1]),
            last_ends_at=Subquery(last_session.values("ends_at")[:1]),
        )
        .filter(Exists(came), last_ends_at__gt=ended_after, last_ends_at__lte=ended_before)
        .select_related("program__branch")
        .order_by("last_ends_at", "pk")
    )
    return [
        _Due(
            key=f"survey:registration:{registration.pk}:{kind}",
            needs_key=(
                f"survey:registration:{registration.pk}:{SurveyKind.IMMEDIATE}" if kind == SurveyKind.FOLLOW_UP else ""
            ),
            kind=kind,
            recipient=registration.contact_email,
            first_name=registration.contact_name.split(" ", 1)[0],
            about=registration.program.title,
            service_area=registration.program.service_area,
            service_type_id=None,
            program_id=registration.program_id,
            branch_id=registration.program.branch_id,
            month=_month_of(registration.last_starts_at, program_zone(registration.program)),
        )
        for registration in registrations
    ]


def _due(now: dt.datetime) -> list[_Due]:
    window = {"ended_after": now - SEND_WINDOW, "ended_before": now}
    due = [
        *_bookings_due(kind=SurveyKind.IMMEDIATE, **window),
        *_registrations_due(kind=SurveyKind.IMMEDIATE, **window),
    ]
    if settings.SURVEY_FOLLOW_UP:
        ago = now - dt.timedelta(weeks=settings.SURVEY_FOLLOW_UP_WEEKS)
        window = {"ended_after": ago - SEND_WINDOW, "ended_before": ago}
        due += [
            *_bookings_due(kind=SurveyKind.FOLLOW_UP, **window),
            *_registrations_due(kind=SurveyKind.FOLLOW_UP, **window),
        ]
    return due


def survey_url(token: str) -> str:
    """The absolute address of one survey, for emails."""
    return settings.SITE_URL.rstrip("/") + reverse("surveys:survey", args=[token])


def _invite(due: _Due, *, now: dt.datetime) -> bool:
    """Queue the email and make its invitation, both or neither; False when the email was queued already."""
    token = new_survey_token()
    expires_at = now + dt.timedelta(days=settings.SURVEY_LINK_DAYS)
    with transaction.atomic():
        # The outbox's unique key decides: a sweep running at the same time waits here, then finds the key.
        _, created = notification_queue(
            kind=f"survey_{due.kind}",
            recipient=due.recipient,
            template=f"survey_{due.kind}",
            context={
                "first_name": due.first_name,
                "about": due.about,
                "survey_url": survey_url(token),
                "expires_on": f"{timezone.localtime(expires_at):%B} {timezone.localtime(expires_at).day}",
            },
            idempotency_key=due.key,
        )
        if not created:
            return False
        SurveyInvitation.objects.create(
            token=token,
            kind=due.kind,
            channel=SurveyInvitation.Channel.EMAIL,
            service_area=due.service_area,
            service_type_id=due.service_type_id,
            program_id=due.program_id,
            branch_id=due.branch_id,
            month=due.month,
            created_at=now,
            expires_at=expires_at,
        )
    return True


def surveys_send_due(*, now: dt.datetime | None = None) -> int:
    """Invite, by email, everyone who agreed to a survey and whose session is due one; returns how many.

    Right after an attended 1-on-1 session or a program someone came to (its last session ended within
    a week), and, when SURVEY_FOLLOW_UP is on, SURVEY_FOLLOW_UP_WEEKS later to those invited right after.
    Five queries find the work, whatever the amount of data; each new invitation adds a fixed few.
    Running it again sends nothing more.
    """
    # In UTC: arithmetic on a local aware datetime is wall-clock, an hour off across a clock change.
    now = (now or timezone.now()).astimezone(dt.UTC)
    due = _due(now)
    if not due:
        return 0
    keys = {item.key for item in due} | {item.needs_key for item in due if item.needs_key}
    queued_already = set(
        Notification.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True)
    )
    sent = 0
    for item in due:
        if item.key in queued_already or (item.needs_key and item.needs_key not in queued_already):
            continue
        sent += _invite(item, now=now)
    return sent


# --- Answering ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyAnswers:
    """What a patron answered; None or "" for a question skipped."""

    learned: int | None = None
    confident: int | None = None
    intend_to_apply: int | None = None
    more_aware: int | None = None
    liked_most: str = ""
    could_do_better: str = ""
    applied: str = ""
    changed_something: str = ""
    used_other_resources: str = ""

    def for_kind(self, kind: str) -> dict[str, int | str | None]:
        """Only the answers that belong to this kind of survey."""
        names = [*STATEMENTS, *OPEN_QUESTIONS] if kind == SurveyKind.IMMEDIATE else list(FOLLOW_UP_QUESTIONS)
        return {name: getattr(self, name) for name in names}


def survey_invitation_find(*, token: str) -> SurveyInvitation | None:
    """The invitation with this token, with what it is about; None when there is none."""
    return SurveyInvitation.objects.select_related("program", "service_type").filter(token=token).first()


def survey_is_expired(invitation: SurveyInvitation, *, now: dt.datetime | None = None) -> bool:
    return invitation.expires_at <= (now or timezone.now())


def _check_answers(answers: dict[str, int | str | None]) -> dict[str, int | str | None]:
    cleaned: dict[str, int | str | None] = {}
    for name, value in answers.items():
        if name in STATEMENTS:
            if value is not None and value not in Agreement.values:
                raise ValidationError({name: "Choose one of the answers listed."})
        elif name in FOLLOW_UP_QUESTIONS:
            if value and value not in FollowUpAnswer.values:
                raise ValidationError({name: "Choose one of the answers listed."})
            value = value or ""
        else:
            value = (value or "").strip()
            validate_plain_text(value)
            if len(value) > MAX_ANSWER_LENGTH:
                raise ValidationError({name: f"Keep this answer to {MAX_ANSWER_LENGTH} characters."})
        cleaned[name] = value
    if all(value in (None, "") for value in cleaned.values()):
        raise ValidationError(NO_ANSWER)
    return cleaned


def survey_response_create(
    *, invitation: SurveyInvitation, answers: SurveyAnswers, now: dt.datetime | None = None
) -> SurveyResponse:
    """Store the answers to one invitation and close it; a second answer raises AlreadyAnswered.

    The invitation row is locked first, so two submits at once queue up and the second finds it used.
    """
    now = now or timezone.now()
    values = _check_answers(answers.for_kind(invitation.kind))
    with transaction.atomic():
        locked = SurveyInvitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.used_at is not None:
            raise AlreadyAnswered
        if survey_is_expired(locked, now=now):
            raise SurveyExpired
        response = SurveyResponse.objects.create(
            invitation=locked,
            kind=locked.kind,
            service_area=locked.service_area,
            service_type_id=locked.service_type_id,
            program_id=locked.program_id,
            branch_id=locked.branch_id,
            month=locked.month,
            submitted_on=timezone.localdate(now),
            **values,
        )
        locked.used_at = now
        locked.save(update_fields=["used_at"])
    return response


# --- The QR code in the room -------------------------------------------------------------------------------


def program_survey_code(program: Program) -> str:
    """The signed part of the address printed as a QR code for a program; it cannot be made up for another."""
    return signing.Signer(salt=IN_ROOM_SALT).sign(str(program.pk))


def program_for_survey_code(code: str) -> Program | None:
    """The program a QR code's signed address is for; None when the code was altered or its program is gone."""
    try:
        program_id = int(signing.Signer(salt=IN_ROOM_SALT).unsign(code))
    except (signing.BadSignature, ValueError):
        return None
    return Program.objects.select_related("branch").filter(pk=program_id).first()


def program_survey_is_closed(program: Program, *, now: dt.datetime | None = None) -> bool:
    """Whether the program's QR code in the room has stopped opening surveys: SURVEY_ROOM_CODE_DAYS after the
    program's last session. A program without sessions stays open."""
    now = now or timezone.now()
    last = Session.objects.filter(program=program).order_by("-ends_at").values_list("ends_at", flat=True).first()
    return last is not None and now > last + dt.timedelta(days=settings.SURVEY_ROOM_CODE_DAYS)


def in_room_invitation_create(*, program: Program, now: dt.datetime | None = None) -> SurveyInvitation:
    """A fresh single-use invitation for someone who scanned the program's QR code in the room."""
    now = now or timezone.now()
    return SurveyInvitation.objects.create(
        kind=SurveyKind.IMMEDIATE,
        channel=SurveyInvitation.Channel.IN_ROOM,
        service_area=program.service_area,
        program=program,
        branch_id=program.branch_id,
        month=_month_of(now, program_zone(program)),
        created_at=now,
        expires_at=now + IN_ROOM_LINK_LIFETIME,
    )


def in_room_invitation_reusable(
    *, program: Program, tokens: Iterable[str], now: dt.datetime | None = None
) -> SurveyInvitation | None:
    """Of the tokens this visitor was given in the room, one for this program still open to answer."""
    now = now or timezone.now()
    return (
        SurveyInvitation.objects.filter(
            token__in=list(tokens),
            program=program,
            channel=SurveyInvitation.Channel.IN_ROOM,
            used_at__isnull=True,
            expires_at__gt=now,
        )
        .order_by("-created_at")
        .first()
    )
