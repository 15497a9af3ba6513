"""Outcome surveys: inviting patrons who agreed, taking their anonymous answers, and the in-room QR code.

Anonymity in fact, not only in name. A survey link is a signed token that carries what the survey is
about (kind, service area, service type or program, branch, month), the day it closes and a random
nonce; it is stored nowhere. Sending an email adds one to a count (``SurveysSent``), never a row per
link. Answering stores the answers with a random id and the month they were given, and, in a table
of its own, a keyed hash of the nonce so the link takes one set of answers. Neither holds a time, a
sequence number or anything from the email.

The outbox keeps an email's context (which holds the link) only until the email is sent, then clears
it. Its idempotency key, such as ``survey:booking:<id>:immediate``, records only that someone was
invited, so nobody is invited twice and the follow-up goes only to those invited right after.
"""

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from bookings.models import Booking, ServiceType
from makerlab.http import site_url
from makerlab.models import Branch, Notification
from makerlab.services import notification_queue
from makerlab.validators import validate_plain_text
from programs.models import Attendance, Program, Registration, Session
from programs.notifications import program_zone
from stats.models import (
    Agreement,
    FollowUpAnswer,
    SurveyChannel,
    SurveyKind,
    SurveyResponse,
    SurveysSent,
    UsedSurveyLink,
)

# Sessions that ended within this long ago get the immediate survey; the follow-up has a window as wide.
SEND_WINDOW = dt.timedelta(days=7)
# A QR-code link is for answering in the room, there and then.
IN_ROOM_LINK_DAYS = 1
IN_ROOM_SALT = "stats.in-room-survey"
LINK_SALT = "stats.survey-link"
USED_SALT = "stats.survey-link-used"

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


# --- Survey links ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyLink:
    """What a survey link says, read back from its signed token."""

    kind: str
    service_area: str
    service_type_id: int | None
    program_id: int | None
    branch_id: int | None
    month: dt.date
    open_until: dt.date  # the last day it takes answers, in the library's time zone
    nonce: str


def survey_link_new(
    *,
    kind: str,
    service_area: str,
    month: dt.date,
    open_until: dt.date,
    service_type_id: int | None = None,
    program_id: int | None = None,
    branch_id: int | None = None,
) -> SurveyLink:
    return SurveyLink(
        kind=kind,
        service_area=service_area,
        service_type_id=service_type_id,
        program_id=program_id,
        branch_id=branch_id,
        month=month,
        open_until=open_until,
        nonce=secrets.token_urlsafe(16),
    )


def survey_link_token(link: SurveyLink) -> str:
    """The link as a signed token for its address. A plain signer, not a timestamped one: the token says
    nothing about when it was made."""
    payload = [
        link.kind,
        link.service_area,
        link.service_type_id,
        link.program_id,
        link.branch_id,
        f"{link.month:%Y-%m}",
        link.open_until.isoformat(),
        link.nonce,
    ]
    return signing.Signer(salt=LINK_SALT).sign_object(payload)


def survey_link_read(token: str) -> SurveyLink | None:
    """The link a token stands for; None when it was altered, made up or is not a survey link at all."""
    try:
        payload = signing.Signer(salt=LINK_SALT).unsign_object(token)
        kind, area, service_type_id, program_id, branch_id, month, open_until, nonce = payload
        link = SurveyLink(
            kind=kind,
            service_area=area,
            service_type_id=service_type_id,
            program_id=program_id,
            branch_id=branch_id,
            month=dt.date.fromisoformat(f"{month}-01"),
            open_until=dt.date.fromisoformat(open_until),
            nonce=nonce,
        )
    except (signing.BadSignature, ValueError, TypeError):
        return None
    ids_ok = all(value is None or type(value) is int for value in (service_type_id, program_id, branch_id))
    if kind not in SurveyKind.values or not isinstance(area, str) or not isinstance(nonce, str) or not ids_ok:
        return None
    return link


def survey_link_is_expired(link: SurveyLink, *, now: dt.datetime | None = None) -> bool:
    return timezone.localdate(now or timezone.now()) > link.open_until


def _used_digests(link: SurveyLink) -> list[str]:
    """Keyed hashes of the link's nonce, with the site's secret key first, then any older key still accepted:
    without the key a hash cannot be made from a link, and a key change does not reopen answered links."""
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return [salted_hmac(USED_SALT, link.nonce, secret=key, algorithm="sha256").hexdigest() for key in keys]


def survey_link_is_used(link: SurveyLink) -> bool:
    return UsedSurveyLink.objects.filter(digest__in=_used_digests(link)).exists()


def survey_link_about(link: SurveyLink) -> str:
    """The name of the program or service the survey is about; empty when it is gone."""
    if link.program_id is not None:
        return Program.objects.filter(pk=link.program_id).values_list("title", flat=True).first() or ""
    if link.service_type_id is not None:
        return ServiceType.objects.filter(pk=link.service_type_id).values_list("name", flat=True).first() or ""
    return ""


def _count_sent(link: SurveyLink, *, channel: str) -> None:
    """Add one to the count of links sent about this subject and month, in one statement whoever else counts."""
    table = SurveysSent._meta.db_table
    subject = ["kind", "channel", "service_area", "service_type_id", "program_id", "branch_id", "month"]
    values = [link.kind, channel, link.service_area, link.service_type_id, link.program_id, link.branch_id]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(subject)}, count) VALUES (%s, %s, %s, %s, %s, %s, %s, 1) "  # noqa: S608
            f"ON CONFLICT ({', '.join(subject)}) DO UPDATE SET count = {table}.count + 1",
            [*values, link.month],
        )


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
    return site_url(reverse("surveys:survey", args=[token]))


def _invite(due: _Due, *, now: dt.datetime) -> bool:
    """Queue the email and count it, both or neither; False when the email was queued already."""
    link = survey_link_new(
        kind=due.kind,
        service_area=due.service_area,
        service_type_id=due.service_type_id,
        program_id=due.program_id,
        branch_id=due.branch_id,
        month=due.month,
        open_until=timezone.localdate(now) + dt.timedelta(days=settings.SURVEY_LINK_DAYS),
    )
    with transaction.atomic():
        # The outbox's unique key decides: a sweep running at the same time waits here, then finds the key.
        _, created = notification_queue(
            kind=f"survey_{due.kind}",
            recipient=due.recipient,
            template=f"survey_{due.kind}",
            context={
                "first_name": due.first_name,
                "about": due.about,
                "survey_url": survey_url(survey_link_token(link)),
                "expires_on": f"{link.open_until:%B} {link.open_until.day}",
            },
            idempotency_key=due.key,
        )
        if not created:
            return False
        _count_sent(link, channel=SurveyChannel.EMAIL)
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


def _check_answers(answers: dict[str, int | str | None]) -> dict[str, int | str | None]:
    cleaned: dict[str, int | str | None] = {}
    for name, value in answers.items():
        if name in STATEMENTS:
            if value is not None and value not in Agreement.values:
                raise ValidationError({name: ValidationError("Choose one of the answers listed.", code="not_listed")})
        elif name in FOLLOW_UP_QUESTIONS:
            if value and value not in FollowUpAnswer.values:
                raise ValidationError({name: ValidationError("Choose one of the answers listed.", code="not_listed")})
            value = value or ""
        else:
            value = (value or "").strip()
            validate_plain_text(value)
            if len(value) > MAX_ANSWER_LENGTH:
                raise ValidationError(
                    {name: ValidationError(f"Keep this answer to {MAX_ANSWER_LENGTH} characters.", code="too_long")}
                )
        cleaned[name] = value
    if all(value in (None, "") for value in cleaned.values()):
        raise ValidationError(NO_ANSWER, code="no_answer")
    return cleaned


def _existing_pk(model, pk: int | None) -> int | None:
    """The id when the row is still there; None once it was deleted (its answers keep the rest)."""
    return pk if pk is not None and model.objects.filter(pk=pk).exists() else None


def survey_response_create(
    *, link: SurveyLink, answers: SurveyAnswers, now: dt.datetime | None = None
) -> SurveyResponse:
    """Store the answers given with one link; a second answer with the same link raises AlreadyAnswered.

    The link's hash goes in first, under a primary key: of two submits at once, the second waits for the
    first to commit, then the database refuses it. The answers keep the month they were given, no closer.
    """
    now = now or timezone.now()
    values = _check_answers(answers.for_kind(link.kind))
    if survey_link_is_expired(link, now=now):
        raise SurveyExpired
    digest, *older = _used_digests(link)
    with transaction.atomic():
        if older and UsedSurveyLink.objects.filter(digest__in=older).exists():
            raise AlreadyAnswered
        try:
            with transaction.atomic():
                UsedSurveyLink.objects.create(digest=digest)
        except IntegrityError:
            raise AlreadyAnswered from None
        return SurveyResponse.objects.create(
            kind=link.kind,
            service_area=link.service_area,
            service_type_id=_existing_pk(ServiceType, link.service_type_id),
            program_id=_existing_pk(Program, link.program_id),
            branch_id=_existing_pk(Branch, link.branch_id),
            month=link.month,
            answered_in=timezone.localdate(now).replace(day=1),
            **values,
        )


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


def in_room_link_create(*, program: Program, now: dt.datetime | None = None) -> str:
    """A fresh single-use survey link (its token) for someone who scanned the program's QR code in the room,
    open until the next day, and counted as sent."""
    now = now or timezone.now()
    link = survey_link_new(
        kind=SurveyKind.IMMEDIATE,
        service_area=program.service_area,
        program_id=program.pk,
        branch_id=program.branch_id,
        month=_month_of(now, program_zone(program)),
        open_until=timezone.localdate(now) + dt.timedelta(days=IN_ROOM_LINK_DAYS),
    )
    _count_sent(link, channel=SurveyChannel.IN_ROOM)
    return survey_link_token(link)


def in_room_link_reusable(*, program: Program, token: object, now: dt.datetime | None = None) -> str | None:
    """The token this visitor was given in the room for this program, while it is still open to answer."""
    link = survey_link_read(token) if isinstance(token, str) else None
    if link is None or link.program_id != program.pk or survey_link_is_expired(link, now=now):
        return None
    return None if survey_link_is_used(link) else token
