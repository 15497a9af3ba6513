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
from tests.bookings.test_views import at, build_desk


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


def the_ics(message) -> icalendar.Calendar:
    [attachment] = message.attachments
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


def test_a_move_sends_the_new_time_with_the_same_uid(service, day, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(service, day)
        booking_reschedule(booking=booking, starts_at=at(day, 15))
    first, moved = mail.outbox
    assert "3:00 to 3:45 p.m." in moved.body
    old_event, new_event = the_ics(first).walk("VEVENT")[0], the_ics(moved).walk("VEVENT")[0]
    assert str(old_event["UID"]) == str(new_event["UID"])
    assert new_event.decoded("DTSTART") == at(day, 15)


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
    first.refresh_from_db()
    assert first.notified_at is not None
    assert NotifyRequest.objects.filter(notified_at__isnull=True).get().email == "ben@example.net"
