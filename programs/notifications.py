"""Emails about program registrations, queued after a service has changed a registration.

Each email is queued once per registration and kind (key ``registration:<pk>:<kind>``), so a retried
request or a second call never sends it twice.
"""

from django.urls import reverse

from makerlab.formatting import moment_text, when_text
from makerlab.http import site_url
from makerlab.services import notification_queue
from programs.checkin import registration_check_in_code
from programs.eligibility import people_text
from programs.models import Participant, Program, Registration
from programs.selectors import registration_waitlist_position


def program_zone(program: Program):
    return program.zone


def program_place(program: Program) -> str:
    if program.branch_id:
        room = f", {program.room}" if program.room else ""
        return f"{program.branch.name}{room}, {program.branch.address_line}"
    site = program.partner_site
    return f"{site.name} ({site.organisation}), {site.street_address}, {site.city} {site.postal_code}"


def _absolute(path: str) -> str:
    return site_url(path)


def _context(registration: Registration) -> dict:
    program = registration.program
    zone = program_zone(program)
    first = program.sessions.order_by("starts_at").first()
    return {
        "first_name": registration.contact_name.split(" ", 1)[0],
        "program": program.title,
        "place": program_place(program),
        "first_session": when_text(first.starts_at, first.ends_at, zone=zone) if first else "",
        "people": ", ".join(p.first_name for p in registration.participants.all()),
        "manage_url": _absolute(reverse("programs:manage", args=[registration.manage_token])),
    }


def _queue(registration: Registration, kind: str, *, key: str = "", **extra) -> None:
    if kind == "program_registered":
        # The confirmation carries the QR code staff scan at the desk (attached as an image when sent).
        extra["check_in_code"] = registration_check_in_code(registration)
    notification_queue(
        kind=kind,
        recipient=registration.contact_email,
        template=kind,
        context={**_context(registration), **extra},
        idempotency_key=f"registration:{registration.pk}:{key or kind}",
        related_object=registration,
    )


def _opening(registration: Registration) -> str:
    """ "a place opens for Ada" or "places open for all 3 people": what the waitlist waits for."""
    people = list(registration.participants.all())
    if len(people) == 1:
        return f"a place opens for {people[0].first_name}"
    return f"places open for all {people_text(len(people))}"


def registration_emails_after_create(registration: Registration) -> None:
    if registration.status == Registration.Status.WAITLISTED:
        program = registration.program
        _queue(
            registration,
            "program_waitlisted",
            position=registration_waitlist_position(registration=registration),
            opening=_opening(registration),
            offer_hours=0 if program.automatic_enrolment else program.offer_hours,
        )
    else:
        _queue(registration, "program_registered")


def _offer(registration: Registration) -> None:
    zone = program_zone(registration.program)
    _queue(
        registration,
        "program_offer",
        claim_url=_absolute(reverse("programs:claim", args=[registration.offer_token])),
        expires=moment_text(registration.offer_expires_at, zone=zone),
    )


def registration_emails_after_cancel(
    registration: Registration, moved: list[Registration], *, was_waiting: bool = False
) -> None:
    """The cancellation (worded for the waitlist when it was waiting), then each place passed on."""
    _queue(registration, "program_cancelled", was_waiting=was_waiting)
    registration_emails_after_moving(moved)


def registration_emails_after_person_cancel(
    registration: Registration, person: Participant, moved: list[Registration], *, was_waiting: bool = False
) -> None:
    """One person's place (or place on the waitlist) is cancelled, the others keep theirs; then places passed on."""
    _queue(
        registration,
        "program_person_cancelled",
        key=f"person:{person.pk}:cancelled",
        cancelled_person=person.first_name,
        was_waiting=was_waiting,
    )
    registration_emails_after_moving(moved)


def registration_emails_after_moving(moved: list[Registration]) -> None:
    for waiting in moved:
        if waiting.status == Registration.Status.OFFERED:
            _offer(waiting)
        elif waiting.status == Registration.Status.CONFIRMED:
            _queue(waiting, "program_registered")


def registration_emails_after_claim(registration: Registration) -> None:
    _queue(registration, "program_registered")
