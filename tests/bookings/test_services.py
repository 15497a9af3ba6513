import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from bookings.models import Booking, Training
from bookings.selectors import open_slots
from bookings.services.booking import PatronDetails, SlotTaken, booking_cancel, booking_create, booking_reschedule
from makerlab.cards import card_number_make
from makerlab.models import Patron
from makerlab.refusals import CardRecordRefusal
from makerlab.services import patrons_anonymise_stale
from tests.concurrency import run_together
from tests.factories import (
    EquipmentFactory,
    PatronFactory,
    at,
    build_desk,
)
from tests.refusals import refusal_codes


def details(sequence: int = 1, **overrides) -> PatronDetails:
    values = {
        "card_number": card_number_make(sequence),
        "name": "Doris Campbell",
        "email": "doris@example.net",
        "reminder_consent": True,
    }
    return PatronDetails(**{**values, **overrides})


@pytest.fixture
def day() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=3)


@pytest.fixture
def service(db, day):
    return build_desk(day)


def test_a_patron_books_an_offered_time(service, day):
    booking = booking_create(service_type=service, starts_at=at(day, 14), details=details())
    assert booking.status == Booking.Status.BOOKED
    assert booking.ends_at == at(day, 14, 45)
    assert booking.busy.upper == at(day, 15)
    assert len(booking.manage_token) >= 40
    assert booking.patron.card_number == card_number_make(1)
    assert at(day, 14) not in [slot.starts_at for slot in open_slots(service_type=service, now=timezone.now())]


def test_a_time_not_offered_is_refused_with_the_nearest_other_times(service, day):
    with pytest.raises(SlotTaken) as caught:
        booking_create(service_type=service, starts_at=at(day, 14, 30), details=details())
    assert caught.value.code == "not_offered"
    assert [slot.starts_at.time() for slot in caught.value.alternatives] == [dt.time(14), dt.time(15), dt.time(13)]
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"card_number": "12345"}, "length"),
        ({"card_number": "2'; DROP TABLE x"}, "digits"),
        ({"name": "   "}, "name_missing"),
        ({"name": "<script>alert(1)</script>"}, "markup"),
        ({"accessibility_needs": "\x00"}, "control"),
    ],
)
def test_bad_details_are_refused_and_save_nothing(service, day, overrides, code):
    with pytest.raises(ValidationError) as refused:
        booking_create(service_type=service, starts_at=at(day, 14), details=details(**overrides))
    assert refusal_codes(refused.value) == [code]
    assert not Booking.objects.exists()
    assert not Patron.objects.exists()


def test_an_existing_patrons_stored_details_are_never_changed(service, day):
    patron = PatronFactory(card_number=card_number_make(1), first_name="Doris", email="doris@example.net")
    booking = booking_create(
        service_type=service, starts_at=at(day, 14), details=details(name="Someone Else", email="evil@example.net")
    )
    patron.refresh_from_db()
    assert (patron.first_name, patron.email) == ("Doris", "doris@example.net")
    assert booking.patron == patron
    assert booking.contact_email == "evil@example.net"


def test_per_patron_limits(service, day):
    service.max_future_bookings = 1
    service.save()
    booking_create(service_type=service, starts_at=at(day, 13), details=details())
    with pytest.raises(CardRecordRefusal) as refused:
        booking_create(service_type=service, starts_at=at(day, 15), details=details())
    assert refused.value.code == "upcoming_limit"
    booking_create(service_type=service, starts_at=at(day, 15), details=details(), override_limits="Phoned in, regular")


def test_equipment_time_needs_a_valid_training(db, day):
    service = build_desk(day)
    laser = EquipmentFactory(branch=service.branch)
    service.equipment, service.requires_training = laser, True
    service.save()
    with pytest.raises(ValidationError) as refused:
        booking_create(service_type=service, starts_at=at(day, 14), details=details())
    assert refused.value.code == "training_needed"
    patron = PatronFactory(card_number=card_number_make(1))
    Training.objects.create(patron=patron, equipment=laser, trained_on=day - dt.timedelta(days=10), expires_on=day)
    with pytest.raises(ValidationError) as refused:
        booking_create(service_type=service, starts_at=at(day, 14), details=details())
    assert refused.value.code == "training_needed"
    Training.objects.filter(patron=patron).update(expires_on=day + dt.timedelta(days=300))
    assert booking_create(service_type=service, starts_at=at(day, 14), details=details()).equipment == laser


def test_cancelling_frees_the_time_until_the_cut_off(service, day):
    booking = booking_create(service_type=service, starts_at=at(day, 14), details=details())
    with pytest.raises(ValidationError) as refused:
        booking_cancel(booking=booking, now=at(day, 13))
    assert refused.value.code == "too_close"
    booking_cancel(booking=booking, now=at(day, 11))
    with pytest.raises(ValidationError) as refused:
        booking_cancel(booking=booking, now=at(day, 11))
    assert refused.value.code == "cancelled"
    booking_create(service_type=service, starts_at=at(day, 14), details=details(2))


@pytest.mark.parametrize(
    ("make_unchangeable", "code"),
    [
        (lambda booking, day: booking_cancel(booking=booking, now=at(day, 9)), "cancelled"),
        (lambda booking, day: Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.ATTENDED), "over"),
        (lambda booking, day: Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.NO_SHOW), "over"),
    ],
    ids=["cancelled", "attended", "no-show"],
)
def test_a_cancelled_or_finished_booking_is_never_moved_nor_cancelled(service, day, make_unchangeable, code):
    booking = booking_create(service_type=service, starts_at=at(day, 14), details=details())
    make_unchangeable(booking, day)
    booking.refresh_from_db()
    before = (booking.status, booking.starts_at, booking.staff_member_id)
    with pytest.raises(ValidationError) as refused:
        booking_reschedule(booking=booking, starts_at=at(day, 15), now=at(day, 9))
    assert refused.value.code == code
    with pytest.raises(ValidationError) as refused:
        booking_cancel(booking=booking, now=at(day, 9), by_staff=True)
    assert refused.value.code == code
    booking.refresh_from_db()
    assert (booking.status, booking.starts_at, booking.staff_member_id) == before


def test_a_booking_whose_time_has_passed_is_never_moved_nor_cancelled_by_the_patron(service, day):
    booking = booking_create(service_type=service, starts_at=at(day, 14), details=details())
    for moment in (at(day, 14), at(day, 14, 30), at(day, 17)):
        with pytest.raises(ValidationError) as refused:
            booking_reschedule(booking=booking, starts_at=at(day, 15), now=moment)
        assert refused.value.code == "over"
        with pytest.raises(ValidationError) as refused:
            booking_cancel(booking=booking, now=moment)
        assert refused.value.code == "over"
    booking.refresh_from_db()
    assert (booking.status, booking.starts_at) == (Booking.Status.BOOKED, at(day, 14))
    # Staff may still record a cancel the patron phoned in.
    assert booking_cancel(booking=booking, now=at(day, 17), by_staff=True).status == Booking.Status.CANCELLED


def test_a_booking_on_the_day_the_clocks_change(db):
    # Sunday 1 November 2026, clocks fall back at 2 a.m.: a 13:00 booking is 13:00 EST, 18:00 UTC.
    sunday = dt.date(2026, 11, 1)
    service = build_desk(sunday)
    booking = booking_create(service_type=service, starts_at=at(sunday, 13), details=details(), now=at(sunday, 0, 30))
    assert booking.starts_at.astimezone(dt.UTC) == dt.datetime(2026, 11, 1, 18, tzinfo=dt.UTC)
    assert booking.ends_at - booking.starts_at == dt.timedelta(minutes=45)


def test_the_retention_task_blanks_what_a_patron_wrote_with_a_booking(service, day, settings):
    booking = booking_create(
        service_type=service,
        starts_at=at(day, 14),
        details=details(accessibility_needs="I use a wheelchair", intake_answers={"1": "iPhone 12"}),
    )
    Patron.objects.filter(pk=booking.patron_id).update(last_activity_at=timezone.now() - dt.timedelta(days=999))
    assert patrons_anonymise_stale() == 1
    booking.refresh_from_db()
    assert (booking.contact_name, booking.contact_email, booking.accessibility_needs) == ("", "", "")
    assert booking.intake_answers == {}
    assert booking.status == Booking.Status.BOOKED


@pytest.mark.django_db(transaction=True)
def test_twenty_patrons_racing_for_one_time_give_exactly_one_booking(day):
    service = build_desk(day)
    start = at(day, 14)
    outcomes = run_together(
        [lambda n=n: booking_create(service_type=service, starts_at=start, details=details(n)) for n in range(1, 21)]
    )
    bookings = [o for o in outcomes if isinstance(o, Booking)]
    refusals = [o for o in outcomes if isinstance(o, SlotTaken)]
    assert len(bookings) == 1
    assert len(refusals) == 19, [o for o in outcomes if not isinstance(o, Booking | SlotTaken)]
    assert all(refusal.alternatives for refusal in refusals)
    assert Booking.objects.filter(starts_at=start).count() == 1


def test_a_patron_paused_after_no_shows_cannot_book_online_but_staff_can_override(service, day):
    from bookings.models import BookingPause

    patron = PatronFactory(card_number=card_number_make(1))
    BookingPause.objects.create(
        patron=patron, paused_until=timezone.now() + dt.timedelta(days=20), reason="3 sessions missed"
    )
    with pytest.raises(ValidationError) as refused:
        booking_create(service_type=service, starts_at=at(day, 14), details=details())
    assert refused.value.code == "paused"
    assert not Booking.objects.exists()
    booking = booking_create(
        service_type=service, starts_at=at(day, 14), details=details(), override_limits="Called; explained the policy"
    )
    assert booking.limits_overridden == "Called; explained the policy"


def test_cancelling_withdraws_reminders_that_were_waiting(service, day):
    from makerlab.models import Notification
    from makerlab.services import notification_queue

    booking = booking_create(service_type=service, starts_at=at(day, 14), details=details())
    notification_queue(
        kind="booking_reminder",
        recipient=booking.contact_email,
        template="booking_reminder",
        context={},
        idempotency_key=f"booking:{booking.pk}:reminder:24h",
        related_object=booking,
    )
    Notification.objects.filter(kind="booking_reminder").update(status=Notification.Status.PENDING)
    booking_cancel(booking=booking, now=at(day, 9))
    assert Notification.objects.get(kind="booking_reminder").status == Notification.Status.WITHDRAWN
