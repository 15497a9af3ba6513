"""Writes for bookings. Each function is one transaction and refuses what was not offered with a clear reason."""

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from psycopg2.extras import DateTimeTZRange

from bookings.links import booking_book_url, booking_check_in_code, booking_manage_url
from bookings.models import Booking, Equipment, MaintenanceWindow, NotifyRequest, ServiceType, Training, UnmetDemand
from bookings.selectors import (
    BookingChangeRefusal,
    Slot,
    booking_change_refusal,
    open_slots,
    patron_paused_until,
    pause_message,
    service_minimum_age,
)
from bookings.services.reminders import reminders_withdraw
from bookings.wording import age_text
from makerlab.cards import card_number_normalise, validate_card_number
from makerlab.equipment_rules import equipment_notices
from makerlab.formatting import count_text, when_text
from makerlab.locking import locked
from makerlab.models import Patron
from makerlab.pagecache import bump
from makerlab.refusals import CardRecordRefusal
from makerlab.services import NewPatron, notification_queue, patron_for_card
from makerlab.validators import validate_plain_text

logger = logging.getLogger(__name__)

NEAREST_ALTERNATIVES = 3


class SlotTaken(ValidationError):
    """The time is no longer free; ``alternatives`` are the nearest times that are."""

    def __init__(self, message: str, alternatives: list[Slot], *, code: str) -> None:
        self.alternatives = alternatives
        super().__init__(message, code=code)


@dataclass(frozen=True)
class PatronDetails:
    card_number: str
    name: str
    email: str
    phone: str = ""
    reminder_consent: bool = False
    survey_consent: bool = False
    intake_answers: dict[str, str] = field(default_factory=dict)
    accessibility_needs: str = ""
    meets_minimum_age: bool = False


def _nearest(service_type: ServiceType, start: dt.datetime, now: dt.datetime) -> list[Slot]:
    slots = open_slots(service_type=service_type, now=now)
    return sorted(slots, key=lambda slot: abs(slot.starts_at - start))[:NEAREST_ALTERNATIVES]


def _patron_for(details: PatronDetails, *, now: dt.datetime) -> Patron:
    """The patron with this card, locked, so their booking limits are counted one request at a time; created
    with these details if new (a known patron's details stay: the booking keeps the details given with it)."""
    card = card_number_normalise(details.card_number)
    validate_card_number(card)
    new = NewPatron.from_full_name(
        details.name, email=details.email, phone=details.phone, reminder_consent=details.reminder_consent
    )
    return patron_for_card(card_number=card, now=now, new=new)


def minimum_age_check(service_type: ServiceType, *, meets_minimum_age: bool, minimum_age: int | None) -> None:
    """The age rule, in one place: a service with a minimum age is booked only for someone who meets it.

    ``minimum_age`` is the service's, or its equipment's safety minimum when higher (service_minimum_age).
    The patron's form and the desk's form ask the question and call this; booking_create calls it again,
    so nothing booked skips it. No override: it is about safety on the equipment, not a booking limit.
    """
    if minimum_age and not meets_minimum_age:
        message = (
            f"{service_type.name} is for {age_text(minimum_age)}, for safety. "
            "Tick the box to confirm the age, or choose another service."
        )
        raise ValidationError({"meets_minimum_age": ValidationError(message, code="minimum_age")})


def _check_details(service_type: ServiceType, details: PatronDetails) -> None:
    minimum_age_check(
        service_type,
        meets_minimum_age=details.meets_minimum_age,
        minimum_age=service_minimum_age(service_type=service_type),
    )
    for text in (details.name, details.phone, details.accessibility_needs, *details.intake_answers.values()):
        validate_plain_text(text)
    if not details.name.strip():
        raise ValidationError({"name": ValidationError("Enter your name.", code="name_missing")})
    if not details.email.strip() and not details.phone.strip():
        # Booked at the desk for a patron without email: the phone is how the library reaches them.
        raise ValidationError(
            {"phone": ValidationError("Enter a phone number or an email address.", code="no_contact")}
        )
    for question in service_type.questions.all():
        if question.required and not details.intake_answers.get(str(question.pk), "").strip():
            raise ValidationError(f"Answer: {question.text}", code="intake_answer_missing")


def _check_training(service_type: ServiceType, patron: Patron, day: dt.date) -> None:
    if not service_type.requires_training:
        return
    if not Training.objects.filter(patron=patron, equipment=service_type.equipment_id, expires_on__gt=day).exists():
        raise CardRecordRefusal(
            f"Book an orientation on the {service_type.equipment} first: time on it is for patrons trained to use it.",
            code="training_needed",
        )


def _check_limits(service_type: ServiceType, patron: Patron, start: dt.datetime, now: dt.datetime) -> None:
    active = Booking.objects.filter(patron=patron, service_type=service_type, status=Booking.Status.BOOKED)
    if active.filter(starts_at__gt=now).count() >= service_type.max_future_bookings:
        raise CardRecordRefusal(
            f"You already have {count_text(service_type.max_future_bookings, 'upcoming booking')} for "
            f"{service_type}. Cancel one or wait until after it to book another.",
            code="upcoming_limit",
        )
    week_start = start - dt.timedelta(days=start.astimezone(service_type.branch.zone).weekday())
    week_start = week_start.astimezone(service_type.branch.zone).replace(hour=0, minute=0, second=0, microsecond=0)
    in_week = active.filter(starts_at__gte=week_start, starts_at__lt=week_start + dt.timedelta(days=7)).count()
    if in_week >= service_type.max_per_week:
        raise CardRecordRefusal(
            f"You can book {service_type} at most {count_text(service_type.max_per_week, 'time')} a week.",
            code="week_limit",
        )


def booking_create(
    *,
    service_type: ServiceType,
    starts_at: dt.datetime,
    details: PatronDetails,
    now: dt.datetime | None = None,
    by: AbstractBaseUser | None = None,
    override_limits: str = "",
) -> Booking:
    """Book ``starts_at`` for a patron, if it is one of the times offered.

    The time is checked against the derived open slots; the exclusion constraints settle a race
    between two requests for the last free staff member. A lost race raises SlotTaken with the
    nearest other times.
    """
    now = now or timezone.now()
    if not service_type.is_active:
        raise ValidationError("This service cannot be booked at the moment.", code="service_inactive")
    _check_details(service_type, details)
    offered = open_slots(service_type=service_type, now=now, first=starts_at, last=starts_at)
    offered = [slot for slot in offered if slot.starts_at == starts_at]
    if not offered:
        raise SlotTaken(
            "That time is not available. Here are the nearest other times.",
            _nearest(service_type, starts_at, now),
            code="not_offered",
        )
    slot = offered[0]
    busy_until = slot.ends_at + dt.timedelta(minutes=service_type.buffer_minutes)
    try:
        with transaction.atomic():
            bump("bookings")
            patron = _patron_for(details, now=now)
            if not override_limits.strip() and (paused_until := patron_paused_until(patron=patron, now=now)):
                raise CardRecordRefusal(pause_message(paused_until, zone=service_type.branch.zone), code="paused")
            _check_training(service_type, patron, starts_at.astimezone(service_type.branch.zone).date())
            if override_limits.strip():
                validate_plain_text(override_limits)
            else:
                _check_limits(service_type, patron, starts_at, now)
            _check_equipment_still_in_service(service_type, slot.starts_at, busy_until, now)
            booking = None
            for staff_member_id in slot.staff_member_ids:
                try:
                    with transaction.atomic():
                        booking = Booking.objects.create(
                            service_type=service_type,
                            branch=service_type.branch,
                            patron=patron,
                            staff_member_id=staff_member_id,
                            equipment=service_type.equipment,
                            starts_at=slot.starts_at,
                            ends_at=slot.ends_at,
                            busy=DateTimeTZRange(slot.starts_at, busy_until, "[)"),
                            contact_name=details.name.strip(),
                            contact_email=details.email.strip(),
                            contact_phone=details.phone.strip(),
                            # Reminders go by email: without an address the desk calls instead.
                            reminder_consent=details.reminder_consent and bool(details.email.strip()),
                            survey_consent=details.survey_consent,
                            intake_answers=details.intake_answers,
                            accessibility_needs=details.accessibility_needs.strip(),
                            booked_by=by,
                            limits_overridden=override_limits.strip(),
                        )
                    break
                except IntegrityError as error:
                    if "booking_no_double_booked_equipment" in str(error):
                        raise
                    continue  # that staff member was just taken: try the next one
            if booking is None:
                raise IntegrityError("every staff member for this time was just booked")
            # The confirmation always goes out: reminder consent is about reminders only.
            _email_booking(booking, kind="booking_confirmation", key=f"booking:{booking.pk}:confirmation", now=now)
            return booking
    except IntegrityError as error:
        raise SlotTaken(
            "That time was just booked. Here are the nearest other times.",
            _nearest(service_type, starts_at, now),
            code="taken",
        ) from error


def _check_equipment_still_in_service(
    service_type: ServiceType, start: dt.datetime, busy_until: dt.datetime, now: dt.datetime
) -> None:
    """Lock the machine and look again: equipment taken out of service (``maintenance``) holds the same lock while
    it cancels the bookings on it, so a booking whose time was chosen just before never slips in after them."""
    if service_type.equipment_id is None:
        return
    equipment = locked(Equipment.objects.filter(pk=service_type.equipment_id)).get()
    under_maintenance = MaintenanceWindow.objects.filter(
        equipment=equipment, starts_at__lt=busy_until, ends_at__gt=start
    ).exists()
    if under_maintenance or not equipment.in_service:
        raise SlotTaken(
            f"The {equipment} was just taken out of service. Here are the nearest other times.",
            _nearest(service_type, start, now),
            code="equipment_out_of_service",
        )


CANCEL_REFUSALS = {
    BookingChangeRefusal.CANCELLED: "This booking is already cancelled.",
    BookingChangeRefusal.OVER: "This booking's time has passed, so it cannot be cancelled.",
    BookingChangeRefusal.TOO_CLOSE: "It is too close to the time to cancel online. Please call the library.",
}
MOVE_REFUSALS = {
    BookingChangeRefusal.CANCELLED: (
        "This booking is cancelled, so it cannot be moved. You are welcome to book a new time."
    ),
    BookingChangeRefusal.OVER: "This booking's time has passed, so it cannot be moved.",
    BookingChangeRefusal.TOO_CLOSE: "It is too close to the time to change it online. Please call the library.",
}


@dataclass(frozen=True)
class CancelNotice:
    """The library cancelled for a reason of its own (equipment out of service): the patron's one cancellation
    email is ``template``, told with ``context`` on top of the booking's, and the history records ``reason``. No
    patron waiting for the service is told a time opened: the time is not bookable either."""

    template: str
    reason: str
    context: dict = field(default_factory=dict)


def booking_cancel(
    *,
    booking: Booking,
    now: dt.datetime | None = None,
    by_staff: bool = False,
    by: AbstractBaseUser | None = None,
    notice: CancelNotice | None = None,
) -> Booking:
    """Cancel a booking; patrons may do so until the service's cut-off, staff at any time (booking_change_refusal).

    The patron is emailed either way (once per booking, whatever the reason), with a calendar file that takes the
    event out of their calendar.
    """
    now = now or timezone.now()
    with transaction.atomic():
        bump("bookings")
        booking = locked(Booking.objects.select_related("service_type").filter(pk=booking.pk)).get()
        refusal = booking_change_refusal(booking=booking, now=now, by_staff=by_staff)
        if refusal is not None:
            raise ValidationError(CANCEL_REFUSALS[refusal], code=refusal.value)
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = now
        if by is not None:
            booking._history_user = by
        if notice is not None:
            booking._change_reason = notice.reason
        else:
            booking._change_reason = "Cancelled at the desk" if by_staff else "Cancelled by the patron"
        booking.save(update_fields=["status", "cancelled_at"])
        reminders_withdraw(booking=booking)
        _email_booking(
            booking,
            kind=notice.template if notice else "booking_cancelled",
            key=f"booking:{booking.pk}:cancelled",
            now=now,
            extra=notice.context if notice else None,
        )
        if booking.starts_at > now and notice is None:
            _tell_first_waiting(booking.service_type, now=now)
        return booking


# The emails sent before the patron comes: they say how to be safe on the equipment.
TELLS_SAFETY = ("booking_confirmation", "booking_rescheduled")


def _email_booking(booking: Booking, *, kind: str, key: str, now: dt.datetime, extra: dict | None = None) -> None:
    """Queue an email about the booking; a patron booked at the desk without an email gets none."""
    if not booking.contact_email:
        return
    branch = booking.branch
    context = {
        "first_name": booking.contact_name.split(" ", 1)[0],
        "service": booking.service_type.name,
        "when": when_text(
            booking.starts_at, booking.ends_at, zone=branch.zone, today=now.astimezone(branch.zone).date()
        ),
        "branch": branch.name,
        "address": branch.address_line,
        "phone": branch.phone,
        "manage_url": booking_manage_url(booking),
        "book_url": booking_book_url(booking.service_type),
        "check_in_code": booking_check_in_code(booking),
        **(extra or {}),
    }
    if kind in TELLS_SAFETY:
        # What the patron must know before coming: hazards, protective equipment, minimum age (as it is now).
        context["equipment_safety"] = equipment_notices([booking.equipment_id]).get(booking.equipment_id, [])
    notification_queue(
        kind=kind,
        recipient=booking.contact_email,
        template=kind,
        context=context,
        idempotency_key=key,
        related_object=booking,
    )


def _tell_first_waiting(service_type: ServiceType, *, now: dt.datetime) -> NotifyRequest | None:
    """Email the first patron waiting for this service that a time opened; each request is told once."""
    waiting = locked(
        NotifyRequest.objects.filter(service_type=service_type, notified_at__isnull=True).order_by("created_at", "pk"),
        skip_locked=True,
    ).first()
    if waiting is None:
        return None
    notification_queue(
        kind="time_opened",
        recipient=waiting.email,
        template="time_opened",
        context={
            "first_name": waiting.name.split(" ", 1)[0],
            "service": service_type.name,
            "book_url": booking_book_url(service_type),
        },
        idempotency_key=f"notify_request:{waiting.pk}:time_opened",
        related_object=waiting,
    )
    # Told: the request keeps when it was made and when it was answered, not who made it.
    waiting.notified_at, waiting.name, waiting.email = now, "", ""
    waiting.save(update_fields=["notified_at", "name", "email"])
    return waiting


def notify_requests_forget_stale(*, now: dt.datetime | None = None) -> int:
    """Delete requests still waiting after PATRON_RETENTION_DAYS: no time opened for that long, so the name and
    email are not kept; requests already answered keep neither."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.PATRON_RETENTION_DAYS)
    removed, _ = NotifyRequest.objects.filter(notified_at__isnull=True, created_at__lt=cutoff).delete()
    return removed


def booking_reschedule(*, booking: Booking, starts_at: dt.datetime, now: dt.datetime | None = None) -> Booking:
    """Move a patron's booking to another offered time, until the service's cut-off.

    One transaction: the booking is locked, its old time set aside so it does not block the new one,
    the new time checked against the open slots and given to the first free staff member; the
    exclusion constraints settle a race, and a lost race keeps the old time and raises SlotTaken.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            bump("bookings")
            booking = locked(
                Booking.objects.select_related("service_type__branch", "service_type__equipment", "branch").filter(
                    pk=booking.pk
                )
            ).get()
            service_type = booking.service_type
            refusal = booking_change_refusal(booking=booking, now=now)
            if refusal is not None:
                raise ValidationError(MOVE_REFUSALS[refusal], code=refusal.value)
            if starts_at == booking.starts_at:
                raise ValidationError(
                    "That is already the time of your booking. Choose another time.", code="same_time"
                )
            if not service_type.is_active:
                raise ValidationError("This service cannot be booked at the moment.", code="service_inactive")
            # Set the old time aside (no history row) so the checks below see it as free.
            Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
            offered = open_slots(service_type=service_type, now=now, first=starts_at, last=starts_at)
            offered = [slot for slot in offered if slot.starts_at == starts_at]
            if not offered:
                raise IntegrityError("the new time is not offered")
            slot = offered[0]
            _check_training(service_type, booking.patron, starts_at.astimezone(service_type.branch.zone).date())
            if not booking.limits_overridden:
                _check_limits(service_type, booking.patron, starts_at, now)
            busy_until = slot.ends_at + dt.timedelta(minutes=service_type.buffer_minutes)
            for staff_member_id in slot.staff_member_ids:
                booking.staff_member_id = staff_member_id
                booking.starts_at = slot.starts_at
                booking.ends_at = slot.ends_at
                booking.busy = DateTimeTZRange(slot.starts_at, busy_until, "[)")
                booking.status = Booking.Status.BOOKED
                try:
                    with transaction.atomic():
                        booking.save(update_fields=["staff_member", "starts_at", "ends_at", "busy", "status"])
                    break
                except IntegrityError as error:
                    if "booking_no_double_booked_equipment" in str(error):
                        raise
                    continue
            else:
                raise IntegrityError("every staff member for this time was just booked")
            _email_booking(
                booking,
                kind="booking_rescheduled",
                key=f"booking:{booking.pk}:rescheduled:{slot.starts_at.isoformat()}:{now.isoformat()}",
                now=now,
            )
            return booking
    except IntegrityError as error:
        raise SlotTaken(
            "That time was just booked. Here are the nearest other times.",
            _nearest(booking.service_type, starts_at, now),
            code="taken",
        ) from error


def notify_request_create(*, service_type: ServiceType, name: str, email: str) -> NotifyRequest:
    """Put a patron on the list to be told when a time opens; asking twice keeps one place in the list."""
    name = name.strip()
    email = email.strip()
    validate_plain_text(name)
    if not name:
        raise ValidationError({"name": ValidationError("Enter your name.", code="name_missing")})
    validate_email(email)
    if not service_type.is_active:
        raise ValidationError("This service cannot be booked at the moment.", code="service_inactive")
    try:
        with transaction.atomic():
            return NotifyRequest.objects.create(service_type=service_type, name=name[:160], email=email)
    except IntegrityError:
        return NotifyRequest.objects.get(service_type=service_type, email=email, notified_at__isnull=True)


UNMET_DEMAND_SEEN_SECONDS = 2 * 24 * 3600  # the key names the day; this only lets the cache forget it


def unmet_demand_first_today(*, address: str, service_type: ServiceType, day: dt.date) -> bool:
    """True the first time this client address finds the service fully booked on this day, then False.

    The cache key is a keyed hash of the address, the service and the day, so the cache holds no address.
    """
    digest = salted_hmac("bookings.unmet_demand", f"{address}|{service_type.pk}|{day.isoformat()}").hexdigest()
    try:
        return cache.add(f"unmet-demand:{digest}", 1, timeout=UNMET_DEMAND_SEEN_SECONDS)
    except Exception:  # whatever the cache backend raises when it is down
        # A public page must not fail because the cache is down; the look is then not counted, so a cache
        # outage can never let demand rows pile up without bound.
        logger.warning("Unmet demand not counted: the cache did not answer.", exc_info=True)
        return False


def unmet_demand_record(*, service_type: ServiceType, now: dt.datetime | None = None) -> UnmetDemand:
    """Note that a patron looked for a time for this service and none was free: a demand signal for reports."""
    return UnmetDemand.objects.create(service_type=service_type, asked_at=now or timezone.now())
