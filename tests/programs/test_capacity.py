"""A program's capacity and the places held: one definition of places held, and capacity changed under the lock."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from programs.models import Program, Registration
from programs.selectors import program_places_held, program_places_left, programs_on_calendar
from programs.services.registration import (
    offer_claim,
    program_capacity_change,
    registration_cancel,
    registration_create,
)
from tests.concurrency import run_together
from tests.factories import ProgramFactory
from tests.programs.test_registration import registrant

Status = Registration.Status


def test_places_held_are_the_confirmed_and_offered_places_wherever_they_are_counted(db):
    program = ProgramFactory(capacity=4, waitlist_capacity=5)
    registration_create(program=program, details=registrant(1, ("Maya", 13), ("Leo", 12)))
    cancelled = registration_create(program=program, details=registrant(2))
    registration_create(program=program, details=registrant(3))
    offered = registration_create(program=program, details=registrant(4))
    registration_create(program=program, details=registrant(5))  # still waiting
    registration_cancel(registration=cancelled)
    assert Registration.objects.get(pk=offered.pk).status == Status.OFFERED
    assert program_places_held(program=program) == 4  # Maya and Leo, the third, the offer
    Program.objects.filter(pk=program.pk).update(capacity=6)
    annotated = programs_on_calendar().get(pk=program.pk)
    assert annotated.places_held == 4
    assert program_places_left(program=annotated) == 2
    assert program_places_left(program=Program.objects.get(pk=program.pk)) == 2


def test_raising_the_capacity_enrols_the_waitlist_in_order_when_the_program_says_so(db):
    program = ProgramFactory(capacity=1, waitlist_capacity=5, automatic_enrolment=True)
    registration_create(program=program, details=registrant(1))
    pair = registration_create(program=program, details=registrant(2, ("Maya", 13), ("Leo", 12)))
    single = registration_create(program=program, details=registrant(3))
    # One more place is not enough for the pair at the head of the queue: nobody is skipped.
    assert program_capacity_change(program=program, capacity=2) == []
    moved = program_capacity_change(program=program, capacity=4)
    assert [r.pk for r in moved] == [pair.pk, single.pk]
    assert set(Registration.objects.values_list("status", flat=True)) == {Status.CONFIRMED}


def test_raising_the_capacity_offers_places_for_the_program_s_offer_time(db):
    program = ProgramFactory(capacity=1, waitlist_capacity=5, offer_hours=48)
    registration_create(program=program, details=registrant(1))
    waiting = registration_create(program=program, details=registrant(2))
    now = timezone.now()
    (offered,) = program_capacity_change(program=program, capacity=2, now=now)
    assert offered.pk == waiting.pk
    assert (offered.status, offered.offer_expires_at) == (Status.OFFERED, now + dt.timedelta(hours=48))
    assert offer_claim(offer_token=offered.offer_token).status == Status.CONFIRMED


def test_the_capacity_cannot_go_below_the_places_held(db):
    program = ProgramFactory(capacity=3, waitlist_capacity=5)
    registration_create(program=program, details=registrant(1, ("Maya", 13), ("Leo", 12)))
    with pytest.raises(ValidationError) as refusal:
        program_capacity_change(program=program, capacity=1)
    assert refusal.value.code == "below_places_held"
    program.refresh_from_db()
    assert program.capacity == 3
    program_capacity_change(program=program, capacity=2)
    program.refresh_from_db()
    assert program.capacity == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_a_capacity_change_and_a_registration_at_once_never_overfill_the_program(round_):
    """Lowering the capacity to the places held while someone registers: one of them waits for the other."""
    program = ProgramFactory(capacity=2, waitlist_capacity=5)
    registration_create(program=program, details=registrant(1))
    results = run_together(
        [
            lambda: program_capacity_change(program=program, capacity=1),
            lambda: registration_create(program=program, details=registrant(2)),
        ]
    )
    assert not [r for r in results if not isinstance(r, list | Registration | ValidationError)], results
    program.refresh_from_db()
    newcomer = Registration.objects.get(program=program, contact_email="parent2@example.net")
    assert program_places_held(program=program) <= program.capacity
    if program.capacity == 1:  # the change came first: the newcomer waits
        assert newcomer.status == Status.WAITLISTED
    else:  # the registration came first: the change is refused
        assert newcomer.status == Status.CONFIRMED
        (refusal,) = [r for r in results if isinstance(r, ValidationError)]
        assert refusal.code == "below_places_held"
