import datetime as dt
import os
import time

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from bookings import tasks
from bookings.models import Booking
from bookings.services.booking import PatronDetails, booking_cancel, booking_create
from bookings.services.reminders import reminders_send_due, reminders_withdraw, reminders_withdraw_cancelled
from makerlab.cards import card_number_make
from makerlab.celery import app as celery_app
from makerlab.models import Notification
from makerlab.services import notifications_deliver_pending
from tests.factories import (
    TORONTO,
    BranchFactory,
    ServiceTypeFactory,
    at,
    build_desk,
    make_booking,
)

pytestmark = pytest.mark.calendar

START = dt.datetime(2026, 6, 17, 14, tzinfo=TORONTO)


@pytest.fixture
def service(db, branch):
    return ServiceTypeFactory(branch=branch, name="Email and online accounts")


def sweep(now: dt.datetime, capture) -> int:
    with capture(execute=True):
        return reminders_send_due(now=now)


def test_each_offset_is_sent_once_however_often_the_sweep_runs(service, django_capture_on_commit_callbacks):
    booking = make_booking(service_type=service, starts_at=START, contact_name="Doris Campbell")
    assert sweep(START - dt.timedelta(hours=25), django_capture_on_commit_callbacks) == 0
    assert sweep(START - dt.timedelta(hours=23, minutes=55), django_capture_on_commit_callbacks) == 1
    assert sweep(START - dt.timedelta(hours=23, minutes=50), django_capture_on_commit_callbacks) == 0
    assert sweep(START - dt.timedelta(hours=3), django_capture_on_commit_callbacks) == 0
    assert sweep(START - dt.timedelta(hours=1, minutes=58), django_capture_on_commit_callbacks) == 1
    assert sweep(START - dt.timedelta(hours=1, minutes=53), django_capture_on_commit_callbacks) == 0
    assert sweep(START - dt.timedelta(minutes=5), django_capture_on_commit_callbacks) == 0
    assert sweep(START + dt.timedelta(minutes=5), django_capture_on_commit_callbacks) == 0
    assert len(mail.outbox) == 2
    assert sorted(Notification.objects.values_list("idempotency_key", flat=True)) == [
        f"booking:{booking.pk}:reminder:24h",
        f"booking:{booking.pk}:reminder:2h",
    ]
    message = mail.outbox[0]
    assert message.to == [booking.contact_email]
    assert message.subject == "Reminder: Email and online accounts, Wednesday 17 June 2026 at 2:00 p.m."
    assert "Hello Doris," in message.body
    assert "Wednesday 17 June 2026 at 2:00 p.m. to 2:45 p.m." in message.body


def test_the_reminder_carries_the_private_manage_link(service, django_capture_on_commit_callbacks):
    booking = make_booking(service_type=service, starts_at=START, contact_name="Doris Campbell")
    assert sweep(START - dt.timedelta(hours=23), django_capture_on_commit_callbacks) == 1
    [message] = mail.outbox
    manage_url = f"http://testserver/book/manage/{booking.manage_token}/"
    assert manage_url in message.body
    html = message.alternatives[0][0]
    assert f'<a href="{manage_url}">Manage your booking</a>' in html
    assert "link in your booking confirmation email" not in message.body


def test_offsets_come_from_settings(service, settings, django_capture_on_commit_callbacks):
    settings.BOOKING_REMINDER_HOURS = [48]
    make_booking(service_type=service, starts_at=START, created_at=START - dt.timedelta(days=5))
    assert sweep(START - dt.timedelta(hours=47), django_capture_on_commit_callbacks) == 1
    assert sweep(START - dt.timedelta(hours=1), django_capture_on_commit_callbacks) == 0
    assert Notification.objects.get().idempotency_key.endswith(":reminder:48h")


def test_no_reminder_for_a_cancelled_booking_or_without_consent(service, django_capture_on_commit_callbacks):
    cancelled = make_booking(service_type=service, starts_at=START)
    booking_cancel(booking=cancelled, now=START - dt.timedelta(days=2))
    make_booking(service_type=service, starts_at=START + dt.timedelta(hours=1), reminder_consent=False)
    assert sweep(START - dt.timedelta(hours=23), django_capture_on_commit_callbacks) == 0
    assert sweep(START - dt.timedelta(hours=1), django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []


def test_a_reminder_waiting_in_the_outbox_is_withdrawn_when_the_booking_is_cancelled(service):
    booking = make_booking(service_type=service, starts_at=START)
    other = make_booking(service_type=service, starts_at=START + dt.timedelta(hours=1))
    # No on-commit capture: the reminders wait in the outbox as when the broker is down.
    assert reminders_send_due(now=START - dt.timedelta(hours=23)) == 2
    booking_cancel(booking=booking, now=START - dt.timedelta(hours=22), by_staff=True)
    # Cancelling withdrew its reminder at once; the sweep has nothing left to withdraw.
    assert reminders_withdraw_cancelled(now=START - dt.timedelta(hours=22)) == 0
    assert reminders_withdraw(booking=other) == 1
    notifications_deliver_pending()
    assert not [message for message in mail.outbox if message.subject.startswith("Reminder")]
    reminders = Notification.objects.filter(kind="booking_reminder")
    assert set(reminders.values_list("status", flat=True)) == {Notification.Status.WITHDRAWN}


def test_booked_after_an_offset_only_the_later_reminders_are_sent(service, django_capture_on_commit_callbacks):
    make_booking(service_type=service, starts_at=START, created_at=START - dt.timedelta(hours=5))
    assert sweep(START - dt.timedelta(hours=4), django_capture_on_commit_callbacks) == 0
    assert sweep(START - dt.timedelta(hours=2), django_capture_on_commit_callbacks) == 1
    assert Notification.objects.get().idempotency_key.endswith(":reminder:2h")


def test_after_an_outage_only_the_nearest_reminder_is_sent(service, django_capture_on_commit_callbacks):
    make_booking(service_type=service, starts_at=START)
    # Nothing ran during the day before: at 1 p.m. both offsets have passed; one reminder, not two.
    assert sweep(START - dt.timedelta(hours=1), django_capture_on_commit_callbacks) == 1
    assert Notification.objects.get().idempotency_key.endswith(":reminder:2h")
    assert len(mail.outbox) == 1


def test_the_reminder_on_the_other_side_of_the_clock_change_tells_local_time(
    service, django_capture_on_commit_callbacks
):
    # Sunday 1 November 2026: clocks go back at 2 a.m. The session is at 10 a.m. EST (15:00 UTC);
    # 24 hours before is Saturday 11 a.m. EDT (15:00 UTC), a local hour later than the session's clock.
    starts = dt.datetime(2026, 11, 1, 10, tzinfo=TORONTO)
    assert starts.utcoffset() == dt.timedelta(hours=-5)
    make_booking(service_type=service, starts_at=starts)
    saturday = dt.date(2026, 10, 31)
    assert sweep(at(saturday, 10, 55), django_capture_on_commit_callbacks) == 0
    assert sweep(at(saturday, 11, 0), django_capture_on_commit_callbacks) == 1
    assert sweep(dt.datetime(2026, 11, 1, 8, tzinfo=TORONTO), django_capture_on_commit_callbacks) == 1
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert "Sunday 1 November 2026 at 10:00 a.m. to 10:45 a.m." in message.body
        assert "Sunday 1 November 2026 at 10:00 a.m." in message.subject


def test_spring_forward_reminder_names_local_time(service, django_capture_on_commit_callbacks):
    # Sunday 14 March 2027: clocks go forward at 2 a.m. Session 1 p.m. EDT; 24 h before is Saturday noon EST.
    starts = dt.datetime(2027, 3, 14, 13, tzinfo=TORONTO)
    make_booking(service_type=service, starts_at=starts)
    assert sweep(at(dt.date(2027, 3, 13), 11, 55), django_capture_on_commit_callbacks) == 0
    assert sweep(at(dt.date(2027, 3, 13), 12, 0), django_capture_on_commit_callbacks) == 1
    assert "Sunday 14 March 2027 at 1:00 p.m." in mail.outbox[0].body


def test_the_sweep_reads_in_constant_queries(service, django_assert_max_num_queries):
    def count(now):
        with django_assert_max_num_queries(2):
            assert reminders_send_due(now=now) == 0

    for offset in range(3):
        make_booking(service_type=service, starts_at=START + dt.timedelta(hours=offset), reminder_consent=False)
    count(START - dt.timedelta(hours=1))
    for offset in range(3, 30):
        make_booking(service_type=service, starts_at=START + dt.timedelta(hours=offset), reminder_consent=False)
    count(START - dt.timedelta(hours=1))


@pytest.fixture
def broker_down():
    """Point Celery at a port where nothing listens, as when Redis is down."""
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.broker_url, conf.broker_transport_options)
    conf.task_always_eager = False
    conf.broker_url = "redis://127.0.0.1:1/0"
    conf.broker_transport_options = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1}
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield
    conf.task_always_eager, conf.broker_url, conf.broker_transport_options = saved
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def test_booking_succeeds_with_the_broker_down_and_its_reminder_goes_out_when_it_is_back(
    db, broker_down, django_capture_on_commit_callbacks
):
    day = timezone.localdate() + dt.timedelta(days=3)
    service = build_desk(day)
    details = PatronDetails(
        card_number=card_number_make(1), name="Doris Campbell", email="doris@example.net", reminder_consent=True
    )
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_create(
            service_type=service, starts_at=at(day, 14), details=details, now=timezone.now() - dt.timedelta(days=2)
        )
    assert booking.status == Booking.Status.BOOKED
    # The 24-hour reminder's time comes while the broker is still down: it waits in the outbox.
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_due(now=booking.starts_at - dt.timedelta(hours=23)) == 1
    assert time.monotonic() - started < 10
    assert Notification.objects.filter(kind="booking_reminder", status=Notification.Status.PENDING).count() == 1
    assert not [m for m in mail.outbox if m.subject.startswith("Reminder")]
    # The broker is back: the outbox sweep sends whatever waited (the confirmation too, when there is one).
    sent = notifications_deliver_pending()
    assert sent == Notification.objects.count()
    assert len([m for m in mail.outbox if m.subject.startswith("Reminder")]) == 1
    assert not Notification.objects.exclude(status=Notification.Status.SENT).exists()


# --- Against the real broker: beat's task through Redis to a worker, and the email through it again. ----------

REDIS_URL = os.environ.get("REMINDER_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")


@pytest.fixture
def real_broker():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"Redis is not running at {REDIS_URL}.")
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.broker_url, conf.broker_transport_options)
    conf.task_always_eager = False
    conf.broker_url = REDIS_URL
    conf.broker_transport_options = {"visibility_timeout": 3600, "max_retries": 1}
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield
    conf.task_always_eager, conf.broker_url, conf.broker_transport_options = saved
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True)
def test_the_periodic_task_sends_reminders_through_the_real_broker_and_worker(real_broker):
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    def close_worker_connection(**kwargs) -> None:
        connection.close()

    service = ServiceTypeFactory(branch=BranchFactory(), name="Sewing machine basics")
    now = timezone.now()
    soon = make_booking(
        service_type=service, starts_at=now + dt.timedelta(hours=23), created_at=now - dt.timedelta(days=3)
    )
    cancelled = make_booking(service_type=service, starts_at=now + dt.timedelta(hours=22), status="cancelled")
    task_postrun.connect(close_worker_connection, weak=False)
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            tasks.reminders_send_due.delay()
            tasks.reminders_send_due.delay()  # beat firing twice (or two beats): still one email
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                if Notification.objects.filter(status=Notification.Status.SENT).exists():
                    break
                time.sleep(0.2)
            time.sleep(1)
    finally:
        task_postrun.disconnect(close_worker_connection)
    reminder = Notification.objects.get()
    assert reminder.idempotency_key == f"booking:{soon.pk}:reminder:24h"
    assert reminder.status == Notification.Status.SENT
    assert [m.to for m in mail.outbox] == [[soon.contact_email]]
    assert not Notification.objects.filter(object_id=str(cancelled.pk)).exists()
