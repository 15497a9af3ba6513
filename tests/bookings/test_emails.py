import datetime as dt

import icalendar
import pytest
from django.core import mail
from django.utils import timezone

from bookings.models import NotifyRequest
from bookings.services.booking import (
    PatronDetails,
    booking_cancel,
    booking_create,
    booking_reschedule,
    notify_request_create,
)
from makerlab.cards import card_number_make
from makerlab.models import Notification
from makerlab.services import notifications_deliver_pending
from tests.factories import at, build_desk


@pytest.fixture
def day() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=3)


@pytest.fixture
def service(db, day):
    return build_desk([day])


def book(service, day, *, consent: bool = False, hour: int = 14):
    return booking_create(
        service_type=service,
        starts_at=at(day, hour),
        details=PatronDetails(
            card_number=card_number_make(1), name="Doris Campbell", email="doris@example.net", reminder_consent=consent
        ),
    )


def calendar_files(message) -> list[tuple[str, str, str]]:
    """The calendar file attachments (the confirmation also carries the check-in QR code as an image)."""
    return [item for item in message.attachments if isinstance(item, tuple) and item[2].startswith("text/calendar")]


def the_ics(message) -> icalendar.Calendar:
    [attachment] = calendar_files(message)
    filename, content, mimetype = attachment
    assert filename.endswith(".ics") and mimetype.startswith("text/calendar")
    return icalendar.Calendar.from_ical(content)


def test_the_confirmation_is_sent_without_consent_with_the_ics_and_the_manage_link(
    service, day, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(service, day, consent=False)
    [message] = mail.outbox
    assert message.to == ["doris@example.net"]
    assert message.subject.startswith(f"You are booked: {service.name}")
    manage_url = f"http://testserver/book/manage/{booking.manage_token}/"
    assert manage_url in message.body and manage_url in message.alternatives[0][0]
    assert "2:00 to 2:45 p.m." in message.body
    [event] = the_ics(message).walk("VEVENT")
    assert event.decoded("DTSTART") == at(day, 14)
    notification = Notification.objects.get(idempotency_key=f"booking:{booking.pk}:confirmation")
    assert notification.status == Notification.Status.SENT
    assert notification.context == {}  # the outbox keeps no body


def the_event(message) -> icalendar.Event:
    [event] = the_ics(message).walk("VEVENT")
    return event


def ics_method(message) -> tuple[str, str]:
    """The METHOD inside the file and the one in its MIME type: calendar apps read either."""
    [(_, content, mimetype)] = calendar_files(message)
    return str(icalendar.Calendar.from_ical(content)["METHOD"]), mimetype.split("method=")[-1]


def test_a_move_sends_the_new_time_with_the_same_uid_and_a_higher_sequence(
    service, day, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(service, day)
    with django_capture_on_commit_callbacks(execute=True):
        booking_reschedule(booking=booking, starts_at=at(day, 15))
    first, moved = mail.outbox
    assert "3:00 to 3:45 p.m." in moved.body
    old_event, new_event = the_event(first), the_event(moved)
    assert str(old_event["UID"]) == str(new_event["UID"])
    assert new_event.decoded("DTSTART") == at(day, 15)
    assert int(new_event["SEQUENCE"]) > int(old_event["SEQUENCE"])
    assert ics_method(first) == ics_method(moved) == ("REQUEST", "REQUEST")
    assert str(new_event["STATUS"]) == "CONFIRMED"
    assert str(new_event["ATTENDEE"]) == "mailto:doris@example.net"


def test_a_cancel_sends_a_calendar_file_that_takes_the_event_out(service, day, django_capture_on_commit_callbacks):
    # Each email is sent when its change commits, as the worker does.
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(service, day)
    with django_capture_on_commit_callbacks(execute=True):
        booking_reschedule(booking=booking, starts_at=at(day, 15))
    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=booking)
    confirmation, moved, cancelled = mail.outbox
    assert cancelled.subject.startswith("Cancelled:")
    assert ics_method(cancelled) == ("CANCEL", "CANCEL")
    events = [the_event(message) for message in (confirmation, moved, cancelled)]
    assert len({str(event["UID"]) for event in events}) == 1
    assert [int(event["SEQUENCE"]) for event in events] == [0, 1, 2]  # each later file wins over the one before
    assert str(events[2]["STATUS"]) == "CANCELLED"
    assert events[2].decoded("DTSTART") == at(day, 15)
    assert str(events[2]["ORGANIZER"]) == str(events[0]["ORGANIZER"])


def test_a_confirmation_sent_late_for_a_booking_cancelled_since_takes_the_event_out(
    service, day, django_capture_on_commit_callbacks
):
    """The worker was down: both emails go out after the cancel, and the calendar must end without the event."""
    with django_capture_on_commit_callbacks(execute=False):
        booking = book(service, day)
        booking_cancel(booking=booking)
    notifications_deliver_pending()
    confirmation, cancelled = mail.outbox
    assert ics_method(confirmation) == ics_method(cancelled) == ("CANCEL", "CANCEL")
    assert the_event(confirmation)["SEQUENCE"] == the_event(cancelled)["SEQUENCE"] == 1
    book_url = f"http://testserver/book/{service.slug}/"
    assert book_url in cancelled.body and f'href="{book_url}"' in cancelled.alternatives[0][0]


def test_sending_a_file_again_gives_the_same_sequence_and_check_in_does_not_raise_it(
    service, day, django_capture_on_commit_callbacks
):
    from bookings.documents import booking_calendar_sequence
    from bookings.services.desk import booking_mark_attended

    booking = book(service, day)
    assert booking_calendar_sequence(booking) == booking_calendar_sequence(booking) == 0
    moved = booking_reschedule(booking=booking, starts_at=at(day, 15))
    assert booking_calendar_sequence(moved) == 1
    booking_mark_attended(booking=moved, by=None, now=at(day, 15))
    assert booking_calendar_sequence(moved) == 1


def test_a_cancel_emails_the_patron_and_the_first_waiting_person_once(service, day, django_capture_on_commit_callbacks):
    first = notify_request_create(service_type=service, name="Ann Lee", email="ann@example.net")
    notify_request_create(service_type=service, name="Ben Roe", email="ben@example.net")
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(service, day)
        booking_cancel(booking=booking)
    recipients = [message.to[0] for message in mail.outbox]
    assert recipients == ["doris@example.net", "doris@example.net", "ann@example.net"]
    assert "is cancelled" in mail.outbox[1].body
    assert f"http://testserver/book/{service.slug}/" in mail.outbox[2].body
    assert "Ann" in mail.outbox[2].body
    first.refresh_from_db()
    assert first.notified_at is not None
    assert (first.name, first.email) == ("", "")  # told: who asked is no longer kept
    assert NotifyRequest.objects.filter(notified_at__isnull=True).get().email == "ben@example.net"


def test_requests_still_waiting_after_the_retention_are_forgotten(service, settings):
    from bookings.tasks import notify_requests_forget_stale

    settings.PATRON_RETENTION_DAYS = 400
    stale = notify_request_create(service_type=service, name="Ann Lee", email="ann@example.net")
    recent = notify_request_create(service_type=service, name="Ben Roe", email="ben@example.net")
    NotifyRequest.objects.filter(pk=stale.pk).update(created_at=timezone.now() - dt.timedelta(days=401))
    NotifyRequest.objects.filter(pk=recent.pk).update(created_at=timezone.now() - dt.timedelta(days=399))
    notify_requests_forget_stale.delay()
    assert list(NotifyRequest.objects.values_list("email", flat=True)) == ["ben@example.net"]
    assert settings.CELERY_BEAT_SCHEDULE["notify-requests-forget-stale"]["task"] == (
        "bookings.tasks.notify_requests_forget_stale"
    )
