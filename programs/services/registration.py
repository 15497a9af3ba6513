"""Writes for programs: registration, waitlists and offers.

Every function that counts places locks the program row first (SELECT ... FOR UPDATE), so
concurrent registrations, cancellations and claims for one program queue up, and the program
never holds more places than its capacity.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from makerlab.cards import card_number_normalise, validate_card_number
from makerlab.locking import locked
from makerlab.models import Patron
from makerlab.pagecache import bump
from makerlab.refusals import CardRecordRefusal
from makerlab.services import NewPatron, patron_for_card
from makerlab.validators import validate_plain_text
from programs import images
from programs.eligibility import participants_check, people_text, places_text
from programs.models import Participant, Program, Registration, RegistrationEvent, new_token
from programs.notifications import (
    registration_emails_after_cancel,
    registration_emails_after_claim,
    registration_emails_after_create,
    registration_emails_after_moving,
    registration_emails_after_person_cancel,
)
from programs.selectors import program_places_held, program_places_waiting


@dataclass(frozen=True)
class ParticipantDetails:
    first_name: str
    age: int | None = None
    is_child: bool = False


@dataclass(frozen=True)
class RegistrantDetails:
    card_number: str
    name: str
    email: str
    phone: str = ""
    participants: list[ParticipantDetails] = field(default_factory=list)
    accommodations: str = ""
    photo_consent: bool = False
    survey_consent: bool = False


def _locked(program: Program) -> Program:
    """The program row, locked until the transaction ends; refuses to run outside one."""
    return locked(Program.objects.filter(pk=program.pk)).get()


def _check_registrant(program: Program, details: RegistrantDetails, now: dt.datetime) -> None:
    if not program.is_published or not program.registration_required:
        raise ValidationError("This program does not take registrations.", code="not_registering")
    if program.registration_opens_at and now < program.registration_opens_at:
        raise ValidationError("Registration for this program has not opened yet.", code="not_open_yet")
    if program.registration_closes_at and now >= program.registration_closes_at:
        raise ValidationError("Registration for this program has closed.", code="closed")
    if not details.name.strip():
        raise ValidationError({"name": ValidationError("Enter your name.", code="name_missing")})
    for text in (details.name, details.accommodations, *(p.first_name for p in details.participants)):
        validate_plain_text(text)
    participants_check(program, details.participants)


def _check_people_not_registered(program: Program, patron: Patron, details: RegistrantDetails) -> None:
    """Refuse a person this card already registered for the program: the same first name and age.

    Per person, not per card: a parent registers each child, one registration after another when the
    program takes one person per registration. Only this card's registrations are compared, so the
    answer never tells anyone what another card has done.
    """
    wanted = {(p.first_name.strip().casefold(), p.age) for p in details.participants}
    registered = Participant.objects.filter(
        registration__program=program, registration__patron=patron, registration__status__in=Registration.ACTIVE
    ).values_list("first_name", "age", "is_child")
    for first_name, age, is_child in registered:
        if (first_name.strip().casefold(), age) not in wanted:
            continue
        who = f"{first_name} (age {age})" if age is not None else first_name
        another = "To register a brother or sister, give their name and age instead. " if is_child else ""
        raise CardRecordRefusal(
            f"{who} is already registered for this program with this library card. {another}"
            f"To see or change {first_name}'s registration, use the private link in the email we sent you.",
            code="person_already_registered",
        )


def _waitlist_consent_refusal(*, free: int, queue_empty: bool, places: int) -> ValidationError:
    group = people_text(places)
    if free <= 0:
        why = "This program has no places left right now"
    elif not queue_empty:
        why = "People are already waiting for places in this program"
    else:
        why = f"Only {places_text(free)} left and you are registering {group}"
    return ValidationError(
        f"{why}, so we can only put you on the waitlist. On the waitlist you do not have a place yet: "
        f"we email you if places open for all {group}. To join the waitlist, tick “Yes, put us on the "
        "waitlist” and send the form again.",
        code="waitlist_consent_needed",
    )


def _patron_for(details: RegistrantDetails, now: dt.datetime) -> Patron:
    """The patron with this card, locked, created if new; an existing patron's stored details are never changed."""
    card = card_number_normalise(details.card_number)
    validate_card_number(card)
    new = NewPatron.from_full_name(details.name, email=details.email, phone=details.phone)
    return patron_for_card(card_number=card, now=now, new=new)


def registration_create(
    *,
    program: Program,
    details: RegistrantDetails,
    now: dt.datetime | None = None,
    by: AbstractBaseUser | None = None,
    over_capacity_reason: str = "",
    waitlist_ok: bool = True,
) -> Registration:
    """Register people for a program: confirmed while places last, then waitlisted, then refused.

    With ``waitlist_ok=False`` (the public form, until the patron has agreed) a registration that
    would only reach the waitlist is refused with the code ``waitlist_consent_needed`` instead, so
    nobody lands on a waitlist without being told first. Staff may add a registration over capacity
    with a recorded reason.
    """
    now = now or timezone.now()
    _check_registrant(program, details, now)
    over_capacity_reason = over_capacity_reason.strip()
    validate_plain_text(over_capacity_reason)
    with transaction.atomic():
        bump("programs")
        program = _locked(program)
        patron = _patron_for(details, now)
        _check_people_not_registered(program, patron, details)
        places = len(details.participants)
        free = program.capacity - program_places_held(program=program)
        waiting_room = program.waitlist_capacity - program_places_waiting(program=program)
        # Nobody jumps the queue: with people waiting, a newcomer waits too.
        queue_empty = not Registration.objects.filter(
            program=program, status__in=(Registration.Status.WAITLISTED, Registration.Status.OFFERED)
        ).exists()
        if over_capacity_reason and by is not None:
            status, kind = Registration.Status.CONFIRMED, RegistrationEvent.Kind.OVERRIDE
        elif places <= free and queue_empty:
            status, kind = Registration.Status.CONFIRMED, RegistrationEvent.Kind.REGISTERED
        elif places <= waiting_room:
            if not waitlist_ok:
                raise _waitlist_consent_refusal(free=free, queue_empty=queue_empty, places=places)
            status, kind = Registration.Status.WAITLISTED, RegistrationEvent.Kind.WAITLISTED
        else:
            raise ValidationError(
                "This program and its waitlist are full, so we could not register you. "
                "See other programs, or call the library.",
                code="full",
            )
        registration = Registration.objects.create(
            program=program,
            patron=patron,
            status=status,
            places=places,
            contact_name=details.name.strip(),
            contact_email=details.email,
            contact_phone=details.phone,
            accommodations=details.accommodations.strip(),
            photo_consent=details.photo_consent,
            survey_consent=details.survey_consent,
            over_capacity_reason=over_capacity_reason if kind == RegistrationEvent.Kind.OVERRIDE else "",
            added_by=by,
            created_at=now,
        )
        Participant.objects.bulk_create(
            Participant(registration=registration, first_name=p.first_name.strip(), age=p.age, is_child=p.is_child)
            for p in details.participants
        )
        RegistrationEvent.objects.create(registration=registration, kind=kind, at=now)
        # Queued in the same transaction: the email exists exactly when the registration does.
        registration_emails_after_create(registration)
        return registration


def _release(program: Program, now: dt.datetime) -> list[Registration]:
    """Hand freed places to the waitlist in order: offers, or enrolment when the program says so.

    Called with the program locked. Returns the registrations that were offered or enrolled.
    """
    free = program.capacity - program_places_held(program=program)
    moved = []
    # The queue is in the order registrations got the program's lock: their primary keys.
    for waiting in Registration.objects.filter(program=program, status=Registration.Status.WAITLISTED).order_by("pk"):
        if waiting.places > free:
            break  # the next in line waits for enough places: nobody is skipped
        if program.automatic_enrolment:
            waiting.status = Registration.Status.CONFIRMED
            kind = RegistrationEvent.Kind.PROMOTED
        else:
            waiting.status = Registration.Status.OFFERED
            waiting.offer_token = new_token()
            waiting.offer_expires_at = now + dt.timedelta(hours=program.offer_hours)
            kind = RegistrationEvent.Kind.OFFERED
        waiting.save(update_fields=["status", "offer_token", "offer_expires_at"])
        RegistrationEvent.objects.create(registration=waiting, kind=kind, at=now)
        free -= waiting.places
        moved.append(waiting)
    return moved


def _locked_active(registration: Registration) -> Registration:
    """The registration's row, locked; refused when it is cancelled already (call with its program locked)."""
    registration = locked(Registration.objects.filter(pk=registration.pk)).get()
    if registration.status not in Registration.ACTIVE:
        raise ValidationError("This registration is already cancelled.", code="already_cancelled")
    return registration


def registration_cancel(*, registration: Registration, now: dt.datetime | None = None) -> list[Registration]:
    """Cancel a registration and pass its places on; returns whom they went to."""
    now = now or timezone.now()
    with transaction.atomic():
        bump("programs")
        program = _locked(registration.program)
        registration = _locked_active(registration)
        was_waiting = registration.status == Registration.Status.WAITLISTED
        registration.status = Registration.Status.CANCELLED
        registration.cancelled_at = now
        registration.offer_token = None
        registration.save(update_fields=["status", "cancelled_at", "offer_token"])
        RegistrationEvent.objects.create(registration=registration, kind=RegistrationEvent.Kind.CANCELLED, at=now)
        moved = _release(program, now)
        registration_emails_after_cancel(registration, moved, was_waiting=was_waiting)
        return moved


def participant_cancel(
    *, registration: Registration, participant_id: int, now: dt.datetime | None = None
) -> list[Registration]:
    """Cancel one person's place (a child who cannot come) while the others keep theirs.

    The freed place passes to the waitlist like any other. The last person's place is cancelled by
    cancelling the registration. Returns whom places went to.
    """
    now = now or timezone.now()
    with transaction.atomic():
        bump("programs")
        program = _locked(registration.program)
        registration = _locked_active(registration)
        people = list(registration.participants.all())
        person = next((p for p in people if p.pk == participant_id), None)
        if person is None:
            raise ValidationError("That person is not on this registration.", code="not_on_registration")
        if len(people) == 1:
            raise ValidationError(
                f"{person.first_name} is the only person on this registration: cancel the registration instead.",
                code="only_person",
            )
        was_waiting = registration.status == Registration.Status.WAITLISTED
        person.cancelled_at = now
        person.save(update_fields=["cancelled_at"])
        registration.places = len(people) - 1
        registration.save(update_fields=["places"])
        RegistrationEvent.objects.create(
            registration=registration, kind=RegistrationEvent.Kind.PERSON_CANCELLED, at=now
        )
        moved = _release(program, now)
        registration_emails_after_person_cancel(registration, person, moved, was_waiting=was_waiting)
        return moved


def offer_claim(*, offer_token: str, now: dt.datetime | None = None) -> Registration:
    """Take up a waitlist offer before it expires. Claiming twice, or late, is refused."""
    now = now or timezone.now()
    with transaction.atomic():
        bump("programs")
        found = Registration.objects.filter(offer_token=offer_token).only("program_id").first()
        if found is None:
            raise Registration.DoesNotExist
        _locked(found.program)
        registration = locked(Registration.objects.filter(pk=found.pk)).get()
        if registration.status != Registration.Status.OFFERED:
            raise ValidationError("This offer has already been taken up or has ended.", code="offer_ended")
        if now >= registration.offer_expires_at:
            raise ValidationError(
                "This offer has expired and the place went to the next person waiting.", code="offer_expired"
            )
        registration.status = Registration.Status.CONFIRMED
        registration.save(update_fields=["status"])
        RegistrationEvent.objects.create(registration=registration, kind=RegistrationEvent.Kind.CLAIMED, at=now)
        registration_emails_after_claim(registration)
        return registration


def offers_expire(*, now: dt.datetime | None = None) -> int:
    """End offers past their time and pass the places on; returns how many expired. Safe to run twice."""
    now = now or timezone.now()
    expired = 0
    program_ids = set(
        Registration.objects.filter(status=Registration.Status.OFFERED, offer_expires_at__lte=now).values_list(
            "program_id", flat=True
        )
    )
    for program_id in sorted(program_ids):
        with transaction.atomic():
            bump("programs")
            program = _locked(Program(pk=program_id))
            lapsed = list(
                locked(
                    Registration.objects.filter(
                        program=program, status=Registration.Status.OFFERED, offer_expires_at__lte=now
                    )
                )
            )
            for registration in lapsed:
                registration.status = Registration.Status.OFFER_EXPIRED
                registration.offer_token = None
                registration.save(update_fields=["status", "offer_token"])
                RegistrationEvent.objects.create(registration=registration, kind=RegistrationEvent.Kind.EXPIRED, at=now)
            expired += len(lapsed)
            # Queued in the same transaction: the next person hears of their offer exactly when it exists.
            registration_emails_after_moving(_release(program, now))
    return expired


# --- A program's capacity ---------------------------------------------------------------------------------------


def program_capacity_check(*, program: Program, capacity: int) -> None:
    """Refuse a capacity below the places registrations hold: those people keep their places.

    The admin form asks early, for a message by the field; ``program_capacity_change`` asks again with
    the program locked.
    """
    held = program_places_held(program=program)
    if capacity < held:
        raise ValidationError(
            f"Registrations hold {places_text(held)} in this program, so the capacity cannot be less than "
            f"{held}. To lower it further, cancel registrations first.",
            code="below_places_held",
        )


def program_capacity_change(*, program: Program, capacity: int, now: dt.datetime | None = None) -> list[Registration]:
    """Give the program ``capacity`` places, with the program locked as when places are counted.

    Places added go to the waitlist in order, as a cancellation's do (offers, or enrolment when the
    program says so); fewer places than registrations hold is refused. Returns whom places went to.
    """
    now = now or timezone.now()
    with transaction.atomic():
        bump("programs")
        program = _locked(program)
        program_capacity_check(program=program, capacity=capacity)
        program.capacity = capacity
        program.save(update_fields=["capacity"])
        moved = _release(program, now)
        # Queued in the same transaction: each person hears of their offer exactly when it exists.
        registration_emails_after_moving(moved)
        return moved


# --- A program's picture ---------------------------------------------------------------------------------------


def program_picture_update(
    *, program: Program, prepared: images.PreparedImage | None, previous_image: str, previous_renditions: list[dict]
) -> None:
    """After a program is saved with a new picture (``prepared``) or none: store the renditions the pages show,
    and remove the previous picture's files unless another program (a copy for a new term) still shows them."""
    storage = program.image.storage
    renditions = []
    if prepared is not None and program.image:
        renditions = images.renditions_store(storage=storage, original=program.image.name, prepared=prepared)
    Program.objects.filter(pk=program.pk).update(image_renditions=renditions)
    bump("programs")
    program.image_renditions = renditions
    replaced = previous_image and previous_image != program.image.name
    if replaced and not Program.objects.filter(image=previous_image).exists():
        images.image_files_delete(storage=storage, original=previous_image, recorded=previous_renditions)
