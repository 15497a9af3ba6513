"""What staff do at the desk: check patrons in, mark no-shows, record outcomes, lift no-show pauses.

Each function is one transaction on a locked booking (or pause) and refuses what does not make sense
with a plain-language ValidationError; nothing is changed when it refuses. History (who, when) is kept
by django-simple-history on every save.
"""

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from bookings.models import Booking, BookingPause, Training
from bookings.selectors import booking_check_in_refusal
from makerlab.equipment_rules import equipment_check_in
from makerlab.locking import locked
from makerlab.models import Patron
from makerlab.validators import validate_plain_text

TOPIC_MAX = Booking._meta.get_field("outcome_topic").max_length
NOTES_MAX = Booking._meta.get_field("outcome_notes").max_length


def _locked(booking: Booking) -> Booking:
    return locked(Booking.objects.select_related("service_type", "equipment", "branch").filter(pk=booking.pk)).get()


def _save(booking: Booking, fields: list[str], *, by: AbstractBaseUser | None, reason: str) -> None:
    booking._history_user = by  # recorded outside a request too (admin actions, the shell)
    booking._change_reason = reason
    booking.save(update_fields=fields)


def booking_mark_attended(
    *,
    booking: Booking,
    by: AbstractBaseUser | None = None,
    now: dt.datetime | None = None,
    pre_use_checklist: Sequence[str] = (),
) -> Booking:
    """The patron came. An orientation trains them on its equipment, from the session's day for its validity.

    Time on equipment with a pre-use checklist needs every line ticked (``pre_use_checklist``: the keys of the
    lines ticked); the equipment's rules refuse otherwise and keep what was ticked with the booking.
    """
    now = (now or timezone.now()).astimezone(dt.UTC)
    with transaction.atomic():
        booking = _locked(booking)
        if booking.status != Booking.Status.BOOKED:
            raise ValidationError(
                f"This booking is already marked “{booking.get_status_display().lower()}”.", code="already_marked"
            )
        zone = booking.branch.zone
        session_day = booking.starts_at.astimezone(zone).date()
        if now.astimezone(zone).date() < session_day:
            raise ValidationError(
                "A patron can be checked in on the day of the session, not before.", code="before_session_day"
            )
        equipment_check_in(
            booking_id=booking.pk, equipment_id=booking.equipment_id, ticked=pre_use_checklist, by=by, now=now
        )
        booking.status = Booking.Status.ATTENDED
        _save(booking, ["status"], by=by, reason="Checked in")
        if booking.service_type.trains_on_equipment and booking.equipment is not None:
            Training.objects.update_or_create(
                patron_id=booking.patron_id,
                equipment=booking.equipment,
                defaults={
                    "trained_on": session_day,
                    "expires_on": session_day + dt.timedelta(days=booking.equipment.training_valid_days),
                    "booking": booking,
                },
            )
        return booking


def booking_check_in_by_code(
    *,
    booking: Booking,
    by: AbstractBaseUser | None = None,
    now: dt.datetime | None = None,
    pre_use_checklist: Sequence[str] = (),
) -> Booking:
    """The patron showed the QR code of their confirmation at the desk: checked in, on the session's day only."""
    now = (now or timezone.now()).astimezone(dt.UTC)
    with transaction.atomic():
        booking = _locked(booking)
        if refusal := booking_check_in_refusal(booking=booking, now=now):
            raise ValidationError(refusal, code="check_in_refused")
        return booking_mark_attended(booking=booking, by=by, now=now, pre_use_checklist=pre_use_checklist)


def booking_mark_no_show(
    *, booking: Booking, by: AbstractBaseUser | None = None, now: dt.datetime | None = None
) -> tuple[Booking, BookingPause | None]:
    """The patron did not come. Returns the booking and the pause it started, if the policy now applies."""
    now = (now or timezone.now()).astimezone(dt.UTC)
    with transaction.atomic():
        booking = _locked(booking)
        if booking.status != Booking.Status.BOOKED:
            raise ValidationError(
                f"This booking is already marked “{booking.get_status_display().lower()}”.", code="already_marked"
            )
        if now < booking.starts_at:
            raise ValidationError("A session can be marked as missed once it has started.", code="not_started")
        booking.status = Booking.Status.NO_SHOW
        _save(booking, ["status"], by=by, reason="Did not come")
        pause = _apply_no_show_policy(patron_id=booking.patron_id, now=now)
        return booking, pause


def _apply_no_show_policy(*, patron_id: int, now: dt.datetime) -> BookingPause | None:
    """Pause online booking after NO_SHOW_LIMIT missed sessions within NO_SHOW_WINDOW_DAYS.

    The patron row is locked so that two staff marking no-shows at once start one pause, not two.
    Missed sessions before the patron's last pause do not count again: a pause, lifted or served,
    is a fresh start.
    """
    locked(Patron.objects.filter(pk=patron_id)).first()
    pauses = BookingPause.objects.filter(patron_id=patron_id)
    if pauses.filter(lifted_at__isnull=True, paused_until__gt=now).exists():
        return None
    since = now - dt.timedelta(days=settings.NO_SHOW_WINDOW_DAYS)
    last_pause = pauses.order_by("-created_at").values_list("created_at", flat=True).first()
    if last_pause is not None:
        since = max(since, last_pause)
    missed = Booking.objects.filter(
        patron_id=patron_id, status=Booking.Status.NO_SHOW, starts_at__gt=since, starts_at__lte=now
    ).count()
    if missed < settings.NO_SHOW_LIMIT:
        return None
    # Until midnight at the end of the last day, so "you can book again from <day>" is exact.
    zone = timezone.get_default_timezone()
    last_day = (now + dt.timedelta(days=settings.NO_SHOW_PAUSE_DAYS)).astimezone(zone).date()
    return BookingPause.objects.create(
        patron_id=patron_id,
        paused_until=dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0), tzinfo=zone),
        reason=f"{missed} missed sessions in {settings.NO_SHOW_WINDOW_DAYS} days",
        created_at=now,
    )


def booking_record_outcome(
    *,
    booking: Booking,
    topic: str,
    resolved: bool,
    notes: str = "",
    by: AbstractBaseUser | None = None,
) -> Booking:
    """What the session was about and whether it was sorted out; plain text only, for the monthly report."""
    topic, notes = topic.strip(), notes.strip()
    errors: dict[str, list[ValidationError]] = {}
    if not topic:
        errors["topic"] = [ValidationError("Say in a few words what the session was about.", code="topic_missing")]
    elif len(topic) > TOPIC_MAX:
        errors["topic"] = [
            ValidationError(f"Keep the topic to {TOPIC_MAX} characters (it has {len(topic)}).", code="topic_too_long")
        ]
    if len(notes) > NOTES_MAX:
        errors["notes"] = [
            ValidationError(
                f"Keep the notes to {NOTES_MAX} characters (they have {len(notes)}).", code="notes_too_long"
            )
        ]
    for field, text in (("topic", topic), ("notes", notes)):
        try:
            validate_plain_text(text)
        except ValidationError as error:
            errors.setdefault(field, []).extend(error.error_list)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        booking = _locked(booking)
        if booking.status != Booking.Status.ATTENDED:
            raise ValidationError(
                "Check the patron in before recording the outcome of the session.", code="not_checked_in"
            )
        booking.outcome_topic = topic
        booking.outcome_resolved = resolved
        booking.outcome_notes = notes
        _save(
            booking,
            ["outcome_topic", "outcome_resolved", "outcome_notes"],
            by=by,
            reason="Outcome recorded",
        )
        return booking


def booking_pause_lift(*, pause: BookingPause, by: AbstractBaseUser, now: dt.datetime | None = None) -> BookingPause:
    """Let the patron book online again before the pause ends; who lifted it and when are kept."""
    now = (now or timezone.now()).astimezone(dt.UTC)
    with transaction.atomic():
        pause = locked(BookingPause.objects.select_related("patron").filter(pk=pause.pk)).get()
        # The patron too: a pause made after more missed bookings waits for this lift, then sees it.
        locked(Patron.objects.filter(pk=pause.patron_id)).first()
        if pause.lifted_at is not None:
            raise ValidationError("This pause was already lifted.", code="already_lifted")
        if pause.paused_until <= now:
            raise ValidationError("This pause has already ended.", code="pause_over")
        pause.lifted_at = now
        pause.lifted_by = by
        pause.save(update_fields=["lifted_at", "lifted_by"])
        return pause
