import datetime as dt
import time

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from makerlab import tasks
from makerlab.celery import app as celery_app
from makerlab.models import Notification
from makerlab.services import notification_deliver, notification_queue, notifications_deliver_pending
from makerlab.tasks import notifications_forget_old


def queue(key: str = "test:1", **overrides):
    arguments = {
        "kind": "test_message",
        "recipient": "doris@example.net",
        "template": "test_message",
        "context": {"first_name": "Doris"},
        "idempotency_key": key,
    }
    return notification_queue(**{**arguments, **overrides})


@pytest.fixture
def broker_down(settings):
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


def test_queued_email_is_sent_after_commit_and_recorded_without_its_body(
    db, patron, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notification, created = queue(related_object=patron)
    assert created
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["doris@example.net"]
    assert message.subject == "Your test message, Doris"
    assert "Hello Doris, this is a test." in message.body
    assert "<p>Hello Doris, this is a test.</p>" in message.alternatives[0][0]
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.sent_at is not None
    assert notification.context == {}
    assert notification.related_object == patron


def test_nothing_is_sent_when_the_transaction_rolls_back(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        queue()
        raise RuntimeError("the booking failed")
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_the_same_idempotency_key_sends_once(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first, created_first = queue(key="reminder:booking:7")
        second, created_second = queue(key="reminder:booking:7", recipient="someone-else@example.net")
    assert (created_first, created_second) == (True, False)
    assert second.pk == first.pk
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1
    assert notification_deliver(notification_id=first.pk) is False
    assert len(mail.outbox) == 1


def test_the_database_refuses_a_duplicate_idempotency_key(db):
    Notification.objects.create(kind="k", recipient="a@example.net", template="t", idempotency_key="dup")
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(kind="k", recipient="b@example.net", template="t", idempotency_key="dup")


def test_a_failed_send_stays_pending_and_is_retried_by_the_sweep(db, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1
    with django_capture_on_commit_callbacks(execute=True):
        notification, _ = queue()
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert notification.attempts == 1
    assert "ConnectionRefusedError" in notification.last_error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notifications_deliver_pending() == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert len(mail.outbox) == 1
    assert notifications_deliver_pending() == 0


def test_a_message_gives_up_after_the_maximum_attempts(db, settings, django_capture_on_commit_callbacks):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1
    with django_capture_on_commit_callbacks(execute=True):
        notification, _ = queue()
    notifications_deliver_pending()
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.attempts == 2
    assert notification.context == {}  # the first name and any private link are not kept
    assert notifications_deliver_pending() == 0


def test_the_daily_job_forgets_finished_emails_past_their_retention_and_keeps_the_rest(db, settings):
    settings.NOTIFICATION_RETENTION_DAYS = 90
    now = timezone.now()
    for key, status, age in [
        ("old-sent", Notification.Status.SENT, 91),
        ("old-failed", Notification.Status.FAILED, 91),
        ("old-withdrawn", Notification.Status.WITHDRAWN, 91),
        ("old-pending", Notification.Status.PENDING, 91),
        ("recent-sent", Notification.Status.SENT, 89),
    ]:
        notification, _ = queue(key)
        Notification.objects.filter(pk=notification.pk).update(status=status, created_at=now - dt.timedelta(days=age))
    notifications_forget_old.delay()
    assert sorted(Notification.objects.values_list("idempotency_key", flat=True)) == ["old-pending", "recent-sent"]
    assert (
        settings.CELERY_BEAT_SCHEDULE["notifications-forget-old"]["task"] == "makerlab.tasks.notifications_forget_old"
    )


def test_a_message_claimed_by_a_worker_that_died_is_taken_over(db):
    def claimed(key: str, *, minutes_ago: int) -> Notification:
        return Notification.objects.create(
            kind="test_message",
            recipient="doris@example.net",
            template="test_message",
            context={"first_name": "Doris"},
            idempotency_key=key,
            status=Notification.Status.SENDING,
            claimed_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
        )

    notification = claimed("stale", minutes_ago=30)
    fresh = claimed("fresh", minutes_ago=0)
    assert notifications_deliver_pending() == 1
    notification.refresh_from_db()
    fresh.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert fresh.status == Notification.Status.SENDING


def claimed_by_a_worker(key: str, *, seconds_ago: int) -> Notification:
    notification, _ = queue(key)
    Notification.objects.filter(pk=notification.pk).update(
        status=Notification.Status.SENDING, claimed_at=timezone.now() - dt.timedelta(seconds=seconds_ago)
    )
    return notification


def test_a_lost_claim_is_taken_over_once_past_the_tasks_time_limit_not_ten_minutes_later(db):
    lost = claimed_by_a_worker("lost", seconds_ago=150)
    in_flight = claimed_by_a_worker("in-flight", seconds_ago=80)  # its worker may still be sending it
    assert notifications_deliver_pending() == 1
    assert [message.to for message in mail.outbox] == [["doris@example.net"]]
    lost.refresh_from_db()
    in_flight.refresh_from_db()
    assert lost.status == Notification.Status.SENT
    assert in_flight.status == Notification.Status.SENDING
    # The window follows the time limit Celery enforces on the outbox's tasks: a live worker never holds a claim
    # longer than that.
    assert tasks.notification_deliver.time_limit == tasks.notifications_deliver_pending.time_limit == 90
    assert notifications_deliver_pending() == 0


class WorkerKilled(BaseException):
    """What a worker's death looks like from inside it: nothing after it runs, no ``except Exception`` catches it."""


class DiesSayingGoodbye(BaseEmailBackend):
    """A mail server that accepts the message; the worker is then killed while closing the connection (QUIT)."""

    accepted: list = []

    def open(self) -> bool:
        if getattr(self, "opened", False):
            return False
        self.opened = True
        return True

    def send_messages(self, messages) -> int:
        new_connection = self.open()
        self.accepted.extend(messages)
        if new_connection:
            self.close()
        return len(messages)

    def close(self) -> None:
        raise WorkerKilled


def test_an_email_the_mail_server_accepted_is_recorded_before_the_worker_can_die_closing(db, settings, time_machine):
    settings.EMAIL_BACKEND = f"{__name__}.DiesSayingGoodbye"
    DiesSayingGoodbye.accepted.clear()
    notification, _ = queue()
    with pytest.raises(WorkerKilled):
        notification_deliver(notification_id=notification.pk)
    assert len(DiesSayingGoodbye.accepted) == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    time_machine.move_to(timezone.now() + dt.timedelta(hours=1))
    assert notifications_deliver_pending() == 0
    assert len(DiesSayingGoodbye.accepted) == 1


def test_a_message_sent_twice_carries_the_same_message_id_so_mail_systems_can_drop_the_copy(db):
    notification, _ = queue("booking:1")
    other, _ = queue("booking:2")
    assert notification_deliver(notification_id=notification.pk)
    # As when the worker died before recording the send: the sweep sends it again.
    Notification.objects.filter(pk=notification.pk).update(
        status=Notification.Status.SENDING, claimed_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert notification_deliver(notification_id=notification.pk)
    assert notification_deliver(notification_id=other.pk)
    first, again, another = (message.message()["Message-ID"] for message in mail.outbox)
    assert first == again
    assert another != first
    assert first.endswith("@library.example>") or first.endswith("@localhost>")
    assert "booking" not in first  # the key is hashed, not shown


def test_queueing_succeeds_when_the_broker_is_down_and_the_sweep_sends_later(
    db, broker_down, django_capture_on_commit_callbacks
):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        notification, created = queue()
    assert created
    assert time.monotonic() - started < 5
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert mail.outbox == []
    assert notifications_deliver_pending() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_through_the_broker(settings):
    """The path production takes: commit, publish to the broker, a Celery worker consumes and sends."""
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    def close_worker_connection(**kwargs) -> None:
        connection.close()  # the worker thread's own connection, so the test database can be dropped

    celery_app.conf.task_always_eager = False
    task_postrun.connect(close_worker_connection, weak=False)
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            notification, _ = queue(key="worker:1")
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                notification.refresh_from_db()
                if notification.status == Notification.Status.SENT:
                    break
                time.sleep(0.2)
    finally:
        task_postrun.disconnect(close_worker_connection)
        celery_app.conf.task_always_eager = True
    assert notification.status == Notification.Status.SENT
    assert [m.subject for m in mail.outbox] == ["Your test message, Doris"]
