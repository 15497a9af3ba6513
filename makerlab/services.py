"""Writes shared by every app: the notification outbox and patron retention."""

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from email.mime.base import MIMEBase
from email.utils import parseaddr
from importlib import import_module
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.formats import date_format

from makerlab.cards import card_number_normalise
from makerlab.http import site_url
from makerlab.locking import locked
from makerlab.models import Notification, Patron
from makerlab.pagecache import bump
from makerlab.retention import registered_dated_personal_fields, registered_personal_fields
from makerlab.selectors import patron_by_card, patrons_holding_card

logger = logging.getLogger(__name__)

# Celery stops a task of the outbox (makerlab/tasks.py) after this long, killing its process if need be.
SEND_TIME_LIMIT = dt.timedelta(seconds=90)
# So a claim older than the limit, plus a margin for the workers' clocks, belongs to a worker that died: the sweep
# takes the message over (a live worker never holds a claim that long).
STALE_CLAIM = SEND_TIME_LIMIT + dt.timedelta(seconds=30)
# The sweep starts no new send after this long, so its time limit rarely stops it in the middle of one.
SWEEP_SENDS_FOR = SEND_TIME_LIMIT / 2


def notification_queue(
    *,
    kind: str,
    recipient: str,
    template: str,
    context: dict[str, Any],
    idempotency_key: str,
    related_object: models.Model | None = None,
) -> tuple[Notification, bool]:
    """Put an email in the outbox, once per ``idempotency_key``; returns (notification, created).

    Call it inside the transaction that makes the email true (a booking, a registration): the
    message is handed to the worker only after that transaction commits, and the periodic sweep
    sends it later if the broker or worker is down at that moment.
    """
    content_type = ContentType.objects.get_for_model(related_object) if related_object is not None else None
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                kind=kind,
                recipient=recipient,
                template=template,
                context=context,
                idempotency_key=idempotency_key,
                content_type=content_type,
                object_id=str(related_object.pk) if related_object is not None else "",
            )
    except IntegrityError:
        return Notification.objects.get(idempotency_key=idempotency_key), False
    transaction.on_commit(lambda: _hand_to_worker(notification.pk))
    return notification, True


@dataclass(frozen=True)
class Reminder:
    """A reminder still due, as read under its row lock: where it goes, what it says, what it is about."""

    recipient: str
    context: dict[str, Any]
    related_object: models.Model


def reminders_queue(*, kind: str, template: str, due: dict[str, Callable[[], Reminder | None]]) -> int:
    """Queue the reminders a sweep found due that the outbox has not had yet; returns how many were queued.

    ``due`` maps each reminder's idempotency key to a function run in the reminder's own transaction: it locks
    what the reminder is about and returns the reminder, or None when it is no longer due (a cancel that
    committed since the sweep's query wins). One query finds the reminders already in the outbox.
    """
    if not due:
        return 0
    already = set(Notification.objects.filter(idempotency_key__in=list(due)).values_list("idempotency_key", flat=True))
    queued = 0
    for key, reminder_under_lock in due.items():
        if key in already:
            continue
        with transaction.atomic():
            reminder = reminder_under_lock()
            if reminder is None:
                continue
            _, created = notification_queue(
                kind=kind,
                recipient=reminder.recipient,
                template=template,
                context=reminder.context,
                idempotency_key=key,
                related_object=reminder.related_object,
            )
        queued += created
    return queued


def _hand_to_worker(notification_id: int) -> None:
    from makerlab.tasks import notification_deliver

    try:
        notification_deliver.apply_async((notification_id,), retry=False)
    except Exception:
        # The broker is down: the row stays pending and the periodic sweep sends it.
        logger.warning("Broker unavailable; notification %s left for the sweep.", notification_id, exc_info=True)


def _claim(notification_id: int, *, now: dt.datetime) -> bool:
    """Take the message for this process with a conditional UPDATE; False when another has it or it is done."""
    claimable = Q(status=Notification.Status.PENDING) | Q(
        status=Notification.Status.SENDING, claimed_at__lt=now - STALE_CLAIM
    )
    return bool(
        Notification.objects.filter(claimable, pk=notification_id).update(
            status=Notification.Status.SENDING, claimed_at=now
        )
    )


# Attachments are built when the email is sent, from the notification's related object, so the outbox
# keeps no body. Apps register a builder per kind in their AppConfig.ready().
# Each attachment is (filename, content, MIME type), or a MIME part already built (an inline image) with two Nones.
Attachment = tuple[str, bytes, str] | tuple[MIMEBase, None, None]
AttachmentBuilder = Callable[[models.Model | None], list[Attachment]]
_attachment_builders: dict[str, AttachmentBuilder] = {}


def notification_attachments_register(*, kind: str, builder: AttachmentBuilder) -> None:
    """Attach what ``builder(related_object)`` returns (filename, content, MIME type) to every email of ``kind``."""
    _attachment_builders[kind] = builder


def _render_plain_text(template_name: str, context: dict) -> str:
    """A plain-text template rendered without HTML escaping: "Robots & rockets" stays as written."""
    template = get_template(template_name).template
    return template.render(Context(context, autoescape=False))


def _message_id(notification: Notification) -> str:
    """The same Message-ID each time one notification is sent, so mail systems can drop a second copy."""
    digest = salted_hmac("makerlab.notification.message_id", notification.idempotency_key).hexdigest()[:40]
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "makerlab.invalid"
    return f"<{digest}@{domain}>"


def notification_render(notification: Notification) -> EmailMultiAlternatives:
    context = {**notification.context, "library_name": settings.LIBRARY_NAME, "site_url": settings.SITE_URL}
    subject = _render_plain_text(f"emails/{notification.template}_subject.txt", context).strip()
    text = _render_plain_text(f"emails/{notification.template}.txt", context)
    html = render_to_string(f"emails/{notification.template}.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient],
        headers={"Message-ID": _message_id(notification)},
    )
    message.attach_alternative(html, "text/html")
    builder = _attachment_builders.get(notification.kind)
    if builder is not None:
        for filename, content, mimetype in builder(notification.related_object):
            message.attach(filename, content, mimetype)
    return message


def notification_deliver(*, notification_id: int) -> bool:
    """Send one queued email; True when this call sent it. Safe to run twice or concurrently."""
    now = timezone.now()
    if not _claim(notification_id, now=now):
        return False
    notification = Notification.objects.get(pk=notification_id)
    connection = get_connection()
    try:
        message = notification_render(notification)
        connection.open()
        connection.send_messages([message])
    except Exception as error:
        _close_quietly(connection)
        attempts = notification.attempts + 1
        failed = attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
        Notification.objects.filter(pk=notification_id).update(
            status=Notification.Status.FAILED if failed else Notification.Status.PENDING,
            attempts=attempts,
            last_error=f"{type(error).__name__}: {error}"[:500],
            claimed_at=None,
            # Given up: the values it was to be written with (a first name, a private link) are not kept.
            **({"context": {}} if failed else {}),
        )
        logger.warning("Sending notification %s failed (attempt %s).", notification_id, attempts, exc_info=True)
        return False
    # The mail server has it: record that first, in one UPDATE of its own (autocommit), before even closing the
    # connection, so a worker that dies from here on (on a slow goodbye to the server) leaves it recorded as sent.
    Notification.objects.filter(pk=notification_id).update(
        status=Notification.Status.SENT, sent_at=timezone.now(), attempts=notification.attempts + 1, context={}
    )
    _close_quietly(connection)
    return True


def _close_quietly(connection: BaseEmailBackend) -> None:
    try:
        connection.close()
    except Exception:
        logger.warning("Closing the connection to the mail server failed.", exc_info=True)


def notifications_withdraw(*, notification_ids: list[int], reason: str) -> int:
    """Stop messages that are no longer true (a cancelled booking's reminder); returns how many.

    Only messages still pending are withdrawn, with a conditional UPDATE, so none is both sent and withdrawn.
    """
    return Notification.objects.filter(pk__in=notification_ids, status=Notification.Status.PENDING).update(
        status=Notification.Status.WITHDRAWN, last_error=reason[:500]
    )


def notifications_deliver_pending(*, limit: int = 200) -> int:
    """Send what is waiting in the outbox (including messages whose worker died); returns how many were sent."""
    now = timezone.now()
    due = Notification.objects.filter(
        Q(status=Notification.Status.PENDING) | Q(status=Notification.Status.SENDING, claimed_at__lt=now - STALE_CLAIM)
    ).order_by("created_at")
    ids = list(due.values_list("pk", flat=True)[:limit])
    sent = 0
    for pk in ids:
        if timezone.now() - now > SWEEP_SENDS_FOR:
            break  # the next sweep, a minute later, goes on
        sent += notification_deliver(notification_id=pk)
    return sent


@dataclass(frozen=True)
class NewPatron:
    """Who a card belongs to, as a form gave it: used only when the library has not seen the card before."""

    first_name: str
    last_name: str = ""
    email: str = ""
    phone: str = ""
    reminder_consent: bool = False

    @classmethod
    def from_full_name(cls, name: str, **contact) -> "NewPatron":
        """ "Mary Ann Smith" is first name "Mary" and last name "Ann Smith": the one way a typed name is split."""
        first, _, last = " ".join(name.split()).partition(" ")
        return cls(first_name=first, last_name=last, **contact)


def patron_for_card(*, card_number: str, now: dt.datetime, new: NewPatron | None = None) -> Patron | None:
    """The patron holding this card, locked until the transaction ends; created from ``new`` when the card is new.

    The lock is the point: every limit counted for a patron (bookings this week, packets this season, people
    already registered) is counted after it, so two requests with one card at once are counted one after the
    other. A known patron's stored details are never changed here (whoever types a card number must not
    rewrite someone else's details), only the time of their last activity. None when the card is new and
    ``new`` is not given. The card number must have been checked (``validate_card_number``).
    """
    patron = locked(patrons_holding_card(card_number)).first()
    if patron is None and new is not None:
        try:
            with transaction.atomic():
                patron = Patron.objects.create(
                    card_number=card_number_normalise(card_number),
                    first_name=new.first_name.strip()[:80],
                    last_name=new.last_name.strip()[:80],
                    email=new.email.strip(),
                    phone=new.phone.strip(),
                    reminder_consent=new.reminder_consent,
                    created_at=now,
                    last_activity_at=now,
                )
            return patron
        except IntegrityError:  # another request added the same card a moment ago: wait for it, then use it
            patron = locked(patrons_holding_card(card_number)).get()
    if patron is not None:
        Patron.objects.filter(pk=patron.pk).update(last_activity_at=now)
    return patron


def card_refusal_tell(*, card_number: str, doing: str, reason: str, code: str, now: dt.datetime) -> bool:
    """Email why a public form refused this card to the address on file for it; True when an email was queued.

    Nothing goes when the card is unknown or has no address on file, and at most one email a day for one
    card and reason, so the form cannot flood anyone's inbox. The outbox key is a keyed hash: it
    names neither the card nor the request. See ``makerlab.refusals``.
    """
    patron = patron_by_card(card_number=card_number)
    if patron is None or not patron.email:
        return False
    day = timezone.localdate(now)
    # Not keyed by the request: trying one time after another must not send one email per time.
    digest = salted_hmac("makerlab.card-refusal", f"{patron.card_number}|{code}|{day}").hexdigest()
    _, created = notification_queue(
        kind="card_refusal",
        recipient=patron.email,
        template="card_refusal",
        context={
            "first_name": patron.first_name,
            "card_end": patron.card_number[-4:],
            "doing": doing,
            "reason": reason,
            "day": date_format(day, "l j F Y"),
            "my_lab_url": site_url(reverse("mylab:start")),
        },
        idempotency_key=f"card-refusal:{digest[:40]}",
    )
    return created


def patrons_anonymise_stale(*, now: dt.datetime | None = None) -> int:
    """Blank the personal data of patrons idle for PATRON_RETENTION_DAYS; rows stay so counts stay right.

    Returns how many patrons were anonymised. Running it again changes nothing more.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.PATRON_RETENTION_DAYS)
    with transaction.atomic():
        ids = list(
            locked(
                Patron.objects.filter(anonymised_at__isnull=True, last_activity_at__lt=cutoff), skip_locked=True
            ).values_list("pk", flat=True)
        )
        if not ids:
            return 0
        for entry in registered_personal_fields():
            model = apps.get_model(entry.model_label)
            model._base_manager.filter(**{entry.patron_lookup(): ids}).update(**entry.cleared_values())
        Patron.objects.filter(pk__in=ids).update(anonymised_at=now)
        bump("staff")
    logger.info("Anonymised %s patrons idle since before %s.", len(ids), cutoff.date())
    return len(ids)


def dated_personal_fields_clear(*, now: dt.datetime | None = None) -> int:
    """Blank the personal fields registered with a date (``register_dated_personal_fields``) on rows older than
    PATRON_RETENTION_DAYS; the rows stay, so what they count stays right. Returns how many rows were cleared."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.PATRON_RETENTION_DAYS)
    cleared = 0
    for entry in registered_dated_personal_fields():
        model = apps.get_model(entry.model_label)
        holding = Q()
        for name in entry.blank_fields:
            holding |= ~Q(**{name: ""})
        rows = model._base_manager.filter(holding, **{f"{entry.dated_by}__lt": cutoff})
        cleared += rows.update(**entry.cleared_values())
    if cleared:
        logger.info("Removed personal details from %s rows older than %s.", cleared, cutoff.date())
    return cleared


def notifications_forget_old(*, now: dt.datetime | None = None) -> int:
    """Delete outbox rows sent, failed or withdrawn more than NOTIFICATION_RETENTION_DAYS ago: to whom each
    email went and what it was about are not kept longer. Emails still waiting to go are kept."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.NOTIFICATION_RETENTION_DAYS)
    done = (Notification.Status.SENT, Notification.Status.FAILED, Notification.Status.WITHDRAWN)
    removed, _ = Notification.objects.filter(status__in=done, created_at__lt=cutoff).delete()
    logger.info("Removed %s outbox rows older than %s days.", removed, settings.NOTIFICATION_RETENTION_DAYS)
    return removed


def sessions_clear_expired() -> None:
    """Delete expired sessions from the session store, as ``clearsessions`` does."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()


def login_logs_clear_old() -> int:
    """Forget logins and failed logins (who, from which address, when) older than LOGIN_LOG_RETENTION_DAYS.

    Lockouts in force are kept: django-axes counts those from its attempts until their cool-off ends.
    """
    from axes.handlers.proxy import AxesProxyHandler

    days = settings.LOGIN_LOG_RETENTION_DAYS
    removed = AxesProxyHandler.reset_logs(age_days=days) + AxesProxyHandler.reset_failure_logs(age_days=days)
    logger.info("Removed %s login records older than %s days.", removed, days)
    return removed
