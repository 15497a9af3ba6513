"""One of each thing "My Maker Lab" lists, made directly (the apps' own tests cover making them)."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from bookings.models import Booking, Training
from makerlab.models import Patron
from programs.models import Participant, Program, Registration, Session
from seedlibrary.models import Loan, Orientation, SeedRequest
from tests.factories import (
    BranchFactory,
    EquipmentFactory,
    OrientationFactory,
    PatronFactory,
    ProgramFactory,
    ServiceTypeFactory,
    lendable_lot,
    make_booking,
)


@dataclass
class Belongings:
    upcoming_booking: Booking
    past_booking: Booking
    registration: Registration
    waitlisted: Registration
    seed_request: SeedRequest
    desk_loan: Loan
    training: Training


def _program(title: str, *, starts_at: dt.datetime) -> Program:
    program = ProgramFactory(title=title)
    Session.objects.create(program=program, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=2))
    return program


def _registration(program: Program, patron: Patron, status: str, *children: str) -> Registration:
    registration = Registration.objects.create(
        program=program,
        patron=patron,
        status=status,
        places=max(len(children), 1),
        contact_name=f"{patron.first_name} {patron.last_name}",
        contact_email=patron.email or "someone@example.net",
    )
    for age, name in enumerate(children, start=8):
        Participant.objects.create(registration=registration, first_name=name, age=age, is_child=True)
    return registration


def fill_my_lab(patron: Patron, *, now: dt.datetime, label: str = "") -> Belongings:
    """A booking to come and one past, a registration with two children, a place on a waitlist behind
    someone else, a seed request and a desk loan this season, and a training; ``label`` tells them apart."""
    branch = BranchFactory()
    service = ServiceTypeFactory(branch=branch, name=f"Tech help {label}".strip())
    upcoming = make_booking(starts_at=now + dt.timedelta(days=3), service_type=service, patron=patron)
    past = make_booking(
        starts_at=now - dt.timedelta(days=20), service_type=service, patron=patron, status=Booking.Status.ATTENDED
    )
    program = _program(f"Robot club {label}".strip(), starts_at=now + dt.timedelta(days=5))
    registration = _registration(program, patron, Registration.Status.CONFIRMED, "Ana", "Ben")
    full = _program(f"Sewing circle {label}".strip(), starts_at=now + dt.timedelta(days=6))
    _registration(full, PatronFactory(), Registration.Status.WAITLISTED, "Someone")
    waitlisted = _registration(full, patron, Registration.Status.WAITLISTED, "Cleo")
    lot = lendable_lot(branch=branch, variety__common_name=f"Bean {label}".strip())
    seed_request = SeedRequest.objects.create(
        patron=patron, branch=branch, contact_email=patron.email, expires_at=now + dt.timedelta(days=7)
    )
    Loan.objects.create(
        patron=patron,
        variety=lot.variety,
        lot=lot,
        branch=branch,
        request=seed_request,
        season=timezone.localdate(now).year,
        status="held",
    )
    desk_lot = lendable_lot(branch=branch, variety__common_name=f"Squash {label}".strip())
    desk_loan = Loan.objects.create(
        patron=patron,
        variety=desk_lot.variety,
        lot=desk_lot,
        branch=branch,
        season=timezone.localdate(now).year,
        status=Loan.Status.LENT,
        lent_at=now - dt.timedelta(days=30),
    )
    training = Training.objects.create(
        patron=patron,
        equipment=EquipmentFactory(branch=branch, name=f"Laser cutter {label}".strip()),
        trained_on=timezone.localdate(now) - dt.timedelta(days=60),
        expires_on=timezone.localdate(now) + dt.timedelta(days=300),
    )
    if not Orientation.objects.filter(patron=patron).exists():
        OrientationFactory(patron=patron)
    return Belongings(upcoming, past, registration, waitlisted, seed_request, desk_loan, training)
