import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from bookings.models import Booking, BookingPause, EquipmentKind, Training
from bookings.selectors import patron_paused_until, pause_message
from bookings.services.desk import (
    booking_mark_attended,
    booking_mark_no_show,
    booking_pause_lift,
    booking_record_outcome,
)
from tests.factories import TORONTO, EquipmentFactory, PatronFactory, ServiceTypeFactory, SkillFactory, at, make_booking

NOW = dt.datetime(2026, 6, 15, 12, tzinfo=TORONTO)


@pytest.fixture
def service(db, branch):
    return ServiceTypeFactory(branch=branch)


def no_show(service, patron, starts_at, *, now=None):
    booking = make_booking(service_type=service, patron=patron, starts_at=starts_at)
    return booking_mark_no_show(booking=booking, now=now or starts_at + dt.timedelta(minutes=20))


def test_three_no_shows_within_ninety_days_pause_online_booking_for_thirty_days(service, patron, settings):
    assert (settings.NO_SHOW_LIMIT, settings.NO_SHOW_WINDOW_DAYS, settings.NO_SHOW_PAUSE_DAYS) == (3, 90, 30)
    first, second, third = NOW - dt.timedelta(days=80), NOW - dt.timedelta(days=30), NOW - dt.timedelta(hours=1)
    assert no_show(service, patron, first)[1] is None
    assert no_show(service, patron, second)[1] is None
    booking, pause = no_show(service, patron, third, now=NOW)
    assert booking.status == Booking.Status.NO_SHOW
    assert pause is not None
    assert pause.paused_until == dt.datetime(2026, 7, 16, tzinfo=TORONTO)  # the whole of 15 July, 30 days on
    assert pause.reason == "3 missed sessions in 90 days"
    assert patron_paused_until(patron=patron, now=NOW) == pause.paused_until
    assert patron_paused_until(patron=patron, now=NOW + dt.timedelta(days=31)) is None
    assert "from Thursday 16 July 2026." in pause_message(pause.paused_until, zone=TORONTO)


def test_three_no_shows_spread_over_two_hundred_days_do_not_pause(service, patron):
    for days_ago in (200, 100, 0):
        _, pause = no_show(service, patron, NOW - dt.timedelta(days=days_ago, hours=1), now=NOW)
    assert pause is None
    assert not BookingPause.objects.exists()
    assert patron_paused_until(patron=patron, now=NOW) is None


def test_other_patrons_no_shows_do_not_count(service, patron):
    for days_ago in (20, 10):
        no_show(service, PatronFactory(), NOW - dt.timedelta(days=days_ago))
    no_show(service, patron, NOW - dt.timedelta(days=5))
    assert not BookingPause.objects.exists()


def test_the_limits_come_from_settings(service, patron, settings):
    settings.NO_SHOW_LIMIT, settings.NO_SHOW_PAUSE_DAYS = 2, 7
    no_show(service, patron, NOW - dt.timedelta(days=3))
    _, pause = no_show(service, patron, NOW - dt.timedelta(hours=1), now=NOW)
    assert pause.paused_until == dt.datetime(2026, 6, 23, tzinfo=TORONTO)


def test_staff_lift_a_pause_and_the_old_no_shows_do_not_pause_again(service, patron, assistant):
    for days_ago in (40, 20):
        no_show(service, patron, NOW - dt.timedelta(days=days_ago))
    _, pause = no_show(service, patron, NOW - dt.timedelta(hours=1), now=NOW)
    lifted = booking_pause_lift(pause=pause, by=assistant, now=NOW + dt.timedelta(hours=1))
    assert (lifted.lifted_by, lifted.lifted_at) == (assistant, NOW + dt.timedelta(hours=1))
    assert patron_paused_until(patron=patron, now=NOW + dt.timedelta(hours=2)) is None
    _, again = no_show(service, patron, NOW + dt.timedelta(days=2))
    assert again is None
    with pytest.raises(ValidationError) as refused:
        booking_pause_lift(pause=pause, by=assistant, now=NOW + dt.timedelta(hours=3))
    assert refused.value.code == "already_lifted"


def test_an_ended_pause_cannot_be_lifted(service, patron, assistant):
    pause = BookingPause.objects.create(patron=patron, paused_until=NOW, reason="test")
    with pytest.raises(ValidationError) as refused:
        booking_pause_lift(pause=pause, by=assistant, now=NOW + dt.timedelta(minutes=1))
    assert refused.value.code == "pause_over"
    pause.refresh_from_db()
    assert pause.lifted_at is None


def test_no_show_only_once_the_session_started_and_only_for_booked(service, patron):
    booking = make_booking(service_type=service, patron=patron, starts_at=NOW + dt.timedelta(hours=1))
    with pytest.raises(ValidationError) as refused:
        booking_mark_no_show(booking=booking, now=NOW)
    assert refused.value.code == "not_started"
    booking_mark_no_show(booking=booking, now=NOW + dt.timedelta(hours=2))
    with pytest.raises(ValidationError) as refused:
        booking_mark_attended(booking=booking, now=NOW + dt.timedelta(hours=2))
    assert refused.value.code == "already_marked"
    cancelled = make_booking(service_type=service, starts_at=NOW - dt.timedelta(hours=3), status="cancelled")
    with pytest.raises(ValidationError) as refused:
        booking_mark_no_show(booking=cancelled, now=NOW)
    assert refused.value.code == "already_marked"


def test_check_in_on_the_day_not_before(service, patron):
    booking = make_booking(service_type=service, patron=patron, starts_at=at(dt.date(2026, 6, 16), 14))
    with pytest.raises(ValidationError) as refused:
        booking_mark_attended(booking=booking, now=NOW)
    assert refused.value.code == "before_session_day"
    booking = booking_mark_attended(booking=booking, now=at(dt.date(2026, 6, 16), 13, 50))
    assert booking.status == Booking.Status.ATTENDED
    assert not Training.objects.exists()  # tech help is no orientation


@pytest.fixture
def orientation(db, branch):
    printer = EquipmentFactory(branch=branch, name="Prusa MK4", kind=EquipmentKind.PRINTER_3D, training_valid_days=365)
    return ServiceTypeFactory(
        branch=branch,
        name="3D printing orientation",
        equipment=printer,
        trains_on_equipment=True,
        required_skill=SkillFactory(name="3D printer"),
    )


def test_attending_an_orientation_trains_the_patron_until_its_expiry(orientation, patron, assistant):
    booking = make_booking(service_type=orientation, patron=patron, starts_at=at(dt.date(2026, 6, 15), 19))
    booking_mark_attended(booking=booking, by=assistant, now=at(dt.date(2026, 6, 15), 19, 5))
    training = Training.objects.get()
    assert (training.patron, training.equipment, training.booking) == (patron, orientation.equipment, booking)
    assert training.trained_on == dt.date(2026, 6, 15)
    assert training.expires_on == dt.date(2027, 6, 15)
    history = booking.history.order_by("-history_date").first()
    assert history.history_user == assistant
    assert history.status == Booking.Status.ATTENDED


def test_a_refresher_orientation_renews_the_training(orientation, patron):
    Training.objects.create(
        patron=patron, equipment=orientation.equipment, trained_on=dt.date(2025, 1, 10), expires_on=dt.date(2026, 1, 10)
    )
    orientation.equipment.training_valid_days = 180
    orientation.equipment.save()
    booking = make_booking(service_type=orientation, patron=patron, starts_at=at(dt.date(2026, 6, 15), 10))
    booking_mark_attended(booking=booking, now=at(dt.date(2026, 6, 15), 11))
    training = Training.objects.get()
    assert (training.trained_on, training.expires_on) == (dt.date(2026, 6, 15), dt.date(2026, 12, 12))


@pytest.fixture
def attended(service, patron):
    booking = make_booking(service_type=service, patron=patron, starts_at=NOW - dt.timedelta(hours=1))
    return booking_mark_attended(booking=booking, now=NOW)


def test_outcome_is_recorded_with_history(attended, assistant):
    booking = booking_record_outcome(
        booking=attended,
        topic="  Set up email on an iPad ",
        resolved=False,
        notes="Needs her Apple ID password.",
        by=assistant,
    )
    booking.refresh_from_db()
    assert (booking.outcome_topic, booking.outcome_resolved) == ("Set up email on an iPad", False)
    assert booking.outcome_notes == "Needs her Apple ID password."
    assert booking.history.first().history_change_reason == "Outcome recorded"


@pytest.mark.parametrize(
    ("topic", "notes", "field", "code"),
    [
        ("", "", "topic", "topic_missing"),
        ("   ", "", "topic", "topic_missing"),
        ("<script>alert(1)</script>", "", "topic", "markup"),
        ("Email", "<img src=x onerror=alert(1)>", "notes", "markup"),
        ("Email\x00", "", "topic", "control"),
        ("x" * 201, "", "topic", "topic_too_long"),
        ("Email", "y" * 1001, "notes", "notes_too_long"),
    ],
)
def test_outcome_bad_input_is_refused_and_nothing_changes(attended, topic, notes, field, code):
    with pytest.raises(ValidationError) as caught:
        booking_record_outcome(booking=attended, topic=topic, resolved=True, notes=notes)
    assert [error.code for error in caught.value.error_dict[field]] == [code]
    attended.refresh_from_db()
    assert (attended.outcome_topic, attended.outcome_resolved, attended.outcome_notes) == ("", None, "")


def test_outcome_needs_a_check_in_first(service):
    booking = make_booking(service_type=service, starts_at=timezone.now() - dt.timedelta(hours=1))
    with pytest.raises(ValidationError) as refused:
        booking_record_outcome(booking=booking, topic="Email", resolved=True)
    assert refused.value.code == "not_checked_in"
