import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from makerlab.cards import card_number_make
from makerlab.models import Patron
from makerlab.services import patrons_anonymise_stale
from programs.models import Participant, Registration, RegistrationEvent
from programs.services.registration import (
    ParticipantDetails,
    RegistrantDetails,
    offer_claim,
    offers_expire,
    registration_cancel,
    registration_create,
)
from tests.concurrency import run_together
from tests.factories import ProgramFactory
from tests.refusals import refusal_codes

Status = Registration.Status


def registrant(sequence: int, *children: tuple[str, int], **overrides) -> RegistrantDetails:
    participants = [ParticipantDetails(first_name=name, age=age, is_child=True) for name, age in children] or [
        ParticipantDetails(first_name=f"Teen{sequence}", age=14)
    ]
    values = {
        "card_number": card_number_make(sequence),
        "name": f"Parent {sequence}",
        "email": f"parent{sequence}@example.net",
        "participants": participants,
    }
    return RegistrantDetails(**{**values, **overrides})


@pytest.fixture
def program(db):
    return ProgramFactory(capacity=2, waitlist_capacity=2)


def test_places_then_waitlist_then_full(program):
    first = registration_create(program=program, details=registrant(1))
    second = registration_create(program=program, details=registrant(2))
    third = registration_create(program=program, details=registrant(3))
    fourth = registration_create(program=program, details=registrant(4))
    assert [r.status for r in (first, second, third, fourth)] == [Status.CONFIRMED] * 2 + [Status.WAITLISTED] * 2
    with pytest.raises(ValidationError) as refused:
        registration_create(program=program, details=registrant(5))
    assert refused.value.code == "full"
    assert Registration.objects.count() == 4


def test_a_guardian_registers_two_children_who_take_two_places(program):
    registration = registration_create(program=program, details=registrant(1, ("Maya", 13), ("Leo", 12)))
    assert registration.places == 2
    assert [p.first_name for p in registration.participants.all()] == ["Maya", "Leo"]
    assert registration_create(program=program, details=registrant(2)).status == Status.WAITLISTED


@pytest.mark.parametrize(
    ("details", "code"),
    [
        (registrant(1, ("Maya", 9)), "too_young"),
        (registrant(1, ("Maya", 19)), "child_too_old"),
        (registrant(1, ("Maya", 13), ("maya", 13)), "listed_twice"),
        (registrant(1, ("Maya", None)), "age_missing"),
        (registrant(1, *[(f"Kid{n}", 13) for n in range(5)]), "too_many_people"),
        (registrant(1, ("<b>Maya</b>", 13)), "markup"),
        (registrant(1, participants=[]), "nobody"),
        (registrant(1, card_number="123"), "length"),
        (registrant(1, name="  "), "name_missing"),
    ],
)
def test_bad_registrations_are_refused_and_save_nothing(program, details, code):
    with pytest.raises(ValidationError) as refused:
        registration_create(program=program, details=details)
    assert refusal_codes(refused.value) == [code]
    assert not Registration.objects.exists()
    assert not Participant.objects.exists()


def test_outside_the_window_or_unpublished_is_refused(program):
    now = timezone.now()
    program.registration_opens_at = now + dt.timedelta(days=1)
    program.save()
    with pytest.raises(ValidationError) as refused:
        registration_create(program=program, details=registrant(1), now=now)
    assert refused.value.code == "not_open_yet"
    program.registration_opens_at, program.registration_closes_at = None, now - dt.timedelta(hours=1)
    program.save()
    with pytest.raises(ValidationError) as refused:
        registration_create(program=program, details=registrant(1), now=now)
    assert refused.value.code == "closed"
    program.registration_closes_at, program.is_published = None, False
    program.save()
    with pytest.raises(ValidationError) as refused:
        registration_create(program=program, details=registrant(1), now=now)
    assert refused.value.code == "not_registering"


def test_one_card_registers_each_person_once(program):
    """Duplicates are refused per person (name and age), not per card: a brother registers after his sister."""
    registration_create(program=program, details=registrant(1, ("Maya", 13)))
    registration_create(program=program, details=registrant(1, ("Leo", 12)))
    with pytest.raises(ValidationError) as refused:
        registration_create(program=program, details=registrant(1, ("maya ", 13)))
    assert refused.value.code == "person_already_registered"
    assert "give their name and age instead" in refused.value.messages[0]
    # Another card's Maya is someone else: the answer never tells what another card has done.
    registration_create(program=program, details=registrant(2, ("Maya", 13)))
    assert Registration.objects.filter(patron__card_number=card_number_make(1)).count() == 2


def test_a_cancellation_offers_the_place_and_a_claim_enrols(program):
    first = registration_create(program=program, details=registrant(1))
    registration_create(program=program, details=registrant(2))
    waiting = registration_create(program=program, details=registrant(3))
    now = timezone.now()
    (offered,) = registration_cancel(registration=first, now=now)
    assert offered.pk == waiting.pk
    assert offered.status == Status.OFFERED
    assert offered.offer_expires_at == now + dt.timedelta(hours=24)
    claimed = offer_claim(offer_token=offered.offer_token, now=now + dt.timedelta(hours=2))
    assert claimed.status == Status.CONFIRMED
    with pytest.raises(ValidationError) as refused:
        offer_claim(offer_token=offered.offer_token, now=now + dt.timedelta(hours=3))
    assert refused.value.code == "offer_ended"
    kinds = list(RegistrationEvent.objects.filter(registration=waiting).values_list("kind", flat=True))
    assert kinds == ["waitlisted", "offered", "claimed"]


def test_an_unclaimed_offer_expires_and_passes_on(program):
    first = registration_create(program=program, details=registrant(1))
    registration_create(program=program, details=registrant(2))
    second_in_line = registration_create(program=program, details=registrant(3))
    third_in_line = registration_create(program=program, details=registrant(4))
    now = timezone.now()
    registration_cancel(registration=first, now=now)
    token = Registration.objects.get(pk=second_in_line.pk).offer_token
    later = now + dt.timedelta(hours=25)
    with pytest.raises(ValidationError) as refused:
        offer_claim(offer_token=token, now=later)
    assert refused.value.code == "offer_expired"
    assert offers_expire(now=later) == 1
    assert offers_expire(now=later) == 0
    assert Registration.objects.get(pk=second_in_line.pk).status == Status.OFFER_EXPIRED
    assert Registration.objects.get(pk=third_in_line.pk).status == Status.OFFERED
    with pytest.raises(Registration.DoesNotExist):
        offer_claim(offer_token=token, now=later)


def test_automatic_enrolment_promotes_without_an_offer(program):
    program.automatic_enrolment = True
    program.save()
    first = registration_create(program=program, details=registrant(1))
    registration_create(program=program, details=registrant(2))
    waiting = registration_create(program=program, details=registrant(3))
    registration_cancel(registration=first)
    assert Registration.objects.get(pk=waiting.pk).status == Status.CONFIRMED


def test_newcomers_do_not_jump_the_waitlist(program):
    first = registration_create(program=program, details=registrant(1))
    registration_create(program=program, details=registrant(2))
    registration_create(program=program, details=registrant(3))
    registration_cancel(registration=first)  # the place is offered to #3
    assert registration_create(program=program, details=registrant(5)).status == Status.WAITLISTED


def test_staff_can_add_over_capacity_with_a_reason(program, coordinator):
    for sequence in (1, 2):
        registration_create(program=program, details=registrant(sequence))
    extra = registration_create(
        program=program, details=registrant(9), by=coordinator, over_capacity_reason="Sibling of a registrant"
    )
    assert extra.status == Status.CONFIRMED
    assert extra.over_capacity_reason == "Sibling of a registrant"
    assert extra.events.get().kind == RegistrationEvent.Kind.OVERRIDE


def test_children_s_details_are_wiped_with_the_patron(program):
    registration = registration_create(
        program=program, details=registrant(1, ("Maya", 13), accommodations="Needs a quiet corner")
    )
    Patron.objects.update(last_activity_at=timezone.now() - dt.timedelta(days=999))
    assert patrons_anonymise_stale() == 1
    registration.refresh_from_db()
    assert (registration.contact_name, registration.accommodations) == ("", "")
    assert list(registration.participants.values_list("first_name", "age")) == [("", None)]
    assert registration.places == 1


@pytest.mark.django_db(transaction=True)
def test_fifty_people_registering_at_once_never_overfill_the_program():
    program = ProgramFactory(capacity=12, waitlist_capacity=10)
    results = run_together(
        [lambda n=n: registration_create(program=program, details=registrant(n)) for n in range(1, 51)]
    )
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(refused) == 28, [r for r in results if not isinstance(r, Registration | ValidationError)]
    assert {r.code for r in refused} == {"full"}
    assert Registration.objects.filter(program=program, status=Status.CONFIRMED).count() == 12
    confirmed = Registration.objects.filter(program=program, status=Status.CONFIRMED).values_list("pk", flat=True)
    waitlisted = Registration.objects.filter(program=program, status=Status.WAITLISTED).values_list("pk", flat=True)
    assert len(waitlisted) == 10
    # First come, first served in the order the registrations got the program's lock.
    assert max(confirmed) < min(waitlisted)


@pytest.mark.django_db(transaction=True)
def test_two_claims_of_one_offer_never_both_succeed():
    program = ProgramFactory(capacity=1, waitlist_capacity=1)
    first = registration_create(program=program, details=registrant(1))
    waiting = registration_create(program=program, details=registrant(2))
    registration_cancel(registration=first)
    token = Registration.objects.get(pk=waiting.pk).offer_token
    results = run_together([lambda: offer_claim(offer_token=token)] * 2)
    assert sum(isinstance(r, Registration) for r in results) == 1
    assert sum(isinstance(r, ValidationError) for r in results) == 1
    assert Registration.objects.filter(program=program, status=Status.CONFIRMED).count() == 1


def test_the_expiry_task_runs_the_service(program):
    from programs.tasks import offers_expire as offers_expire_task

    first = registration_create(program=program, details=registrant(1))
    registration_create(program=program, details=registrant(2))
    waiting = registration_create(program=program, details=registrant(3))
    registration_cancel(registration=first, now=timezone.now() - dt.timedelta(hours=30))
    offers_expire_task.delay()
    assert Registration.objects.get(pk=waiting.pk).status == Status.OFFER_EXPIRED


def test_when_an_offer_lapses_the_next_person_is_emailed_their_offer(program, django_capture_on_commit_callbacks):
    from django.core import mail

    first = registration_create(program=program, details=registrant(1))
    registration_create(program=program, details=registrant(2))
    registration_create(program=program, details=registrant(3))
    registration_create(program=program, details=registrant(4))
    registration_cancel(registration=first, now=timezone.now() - dt.timedelta(hours=30))
    with django_capture_on_commit_callbacks(execute=True):
        assert offers_expire() == 1
    assert [message.to for message in mail.outbox] == [["parent4@example.net"]]


def child(name, age):
    return ParticipantDetails(first_name=name, age=age, is_child=True)


def grown_up(name="Doris", age=None):
    return ParticipantDetails(first_name=name, age=age)


@pytest.mark.parametrize(
    ("program_fields", "people", "code"),
    [
        ({"audience": "children", "min_age": 8, "max_age": 12}, [grown_up()], "children_only"),
        ({"audience": "children", "min_age": 8, "max_age": 12}, [grown_up(), child("Ada", 9)], "children_only"),
        ({"audience": "children", "min_age": 8, "max_age": 12}, [child("Ada", 13)], "too_old"),
        ({"audience": "adults", "min_age": 18, "max_age": None}, [child("Ada", 9)], "children_not_taken"),
        ({"audience": "adults", "min_age": None, "max_age": None}, [child("Ada", 9)], "children_not_taken"),
        ({"audience": "adults", "min_age": None, "max_age": None}, [grown_up(), grown_up("Sam")], "too_many_people"),
        ({"audience": "teens", "min_age": 16, "max_age": None}, [child("Ada", 16)], "children_not_taken"),
        ({"audience": "teens", "min_age": 12, "max_age": 17}, [grown_up()], "age_missing"),
        ({"audience": "families", "min_age": 6, "max_age": 12}, [grown_up(), child("Ada", 4)], "too_young"),
    ],
)
def test_the_program_decides_who_may_take_a_place(db, program_fields, people, code):
    program = ProgramFactory(places_per_registration=4, **program_fields)
    with pytest.raises(ValidationError) as refused:
        registration_create(program=program, details=registrant(1, participants=people))
    assert refused.value.code == code
    assert not Registration.objects.exists()


def test_a_family_program_takes_grown_ups_of_any_age_with_children_in_range(db):
    program = ProgramFactory(audience="families", min_age=6, max_age=12)
    registration = registration_create(
        program=program, details=registrant(1, participants=[grown_up(age=41), child("Ada", 7)])
    )
    assert registration.places == 2


def test_the_waitlist_needs_the_patrons_yes_when_asked(program):
    registration_create(program=program, details=registrant(1, ("Maya", 13)))
    with pytest.raises(ValidationError) as refused:
        registration_create(program=program, details=registrant(2, ("Leo", 12), ("Ada", 13)), waitlist_ok=False)
    assert refused.value.code == "waitlist_consent_needed"
    assert "Only 1 place left and you are registering 2 people" in refused.value.messages[0]
    assert Registration.objects.count() == 1
    waiting = registration_create(program=program, details=registrant(2, ("Leo", 12), ("Ada", 13)), waitlist_ok=True)
    assert waiting.status == Status.WAITLISTED
