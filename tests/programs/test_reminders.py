"""Program reminders: one the day before each session, to confirmed registrations only, in local time."""

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from makerlab.celery import app as celery_app
from makerlab.models import Notification
from programs import tasks
from programs.models import Registration, Session
from programs.services.registration import registration_cancel, registration_create
from programs.services.reminders import reminders_send_due
from tests.factories import TORONTO, ProgramFactory
from tests.programs.test_registration import registrant

pytestmark = pytest.mark.calendar

# Sunday 1 November 2026: clocks in Toronto go back at 2 a.m., so 10 a.m. is 15:00 UTC, not 14:00.
START = dt.datetime(2026, 11, 1, 10, tzinfo=TORONTO)
REGISTERED = dt.datetime(2026, 10, 20, 12, tzinfo=TORONTO)


@pytest.fixture
def program(db):
    program = ProgramFactory(title="Teen coding club", capacity=1, waitlist_capacity=5)
    for week in range(2):
        starts = START + dt.timedelta(weeks=week)
        Session.objects.create(program=program, starts_at=starts, ends_at=starts + dt.timedelta(minutes=90))
    return program


def reminder_keys() -> list[str]:
    return sorted(Notification.objects.filter(kind="program_reminder").values_list("idempotency_key", flat=True))


def key(registration, session) -> str:
    return f"registration:{registration.pk}:reminder:{session.pk}:{session.starts_at.astimezone(dt.UTC):%Y%m%dT%H%MZ}"


def sweep(now: dt.datetime, capture) -> int:
    with capture(execute=True):
        return reminders_send_due(now=now)


def test_sent_once_the_day_before_each_session_in_local_time(program, django_capture_on_commit_callbacks):
    registration = registration_create(program=program, details=registrant(1, name="Doris Campbell"), now=REGISTERED)
    # 10:30 a.m. on Saturday (EDT) is 24.5 hours before 10 a.m. on Sunday (EST): not yet.
    assert sweep(dt.datetime(2026, 10, 31, 10, 30, tzinfo=TORONTO), django_capture_on_commit_callbacks) == 0
    assert sweep(dt.datetime(2026, 10, 31, 11, 30, tzinfo=TORONTO), django_capture_on_commit_callbacks) == 1
    assert sweep(dt.datetime(2026, 10, 31, 11, 35, tzinfo=TORONTO), django_capture_on_commit_callbacks) == 0
    assert sweep(dt.datetime(2026, 11, 1, 9, 55, tzinfo=TORONTO), django_capture_on_commit_callbacks) == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [registration.contact_email]
    assert message.subject == "Reminder: Teen coding club, Sunday 1 November 2026, 10:00 to 11:30 a.m."
    assert "Hello Doris," in message.body
    assert "When: Sunday 1 November 2026, 10:00 to 11:30 a.m." in message.body
    assert "Teen1" in message.body
    first_session, second_session = program.sessions.order_by("starts_at")
    assert reminder_keys() == [key(registration, first_session)]
    assert reminder_keys() == [f"registration:{registration.pk}:reminder:{first_session.pk}:20261101T1500Z"]
    # The next week's session gets its own reminder, the day before it.
    assert sweep(dt.datetime(2026, 11, 7, 10, 30, tzinfo=TORONTO), django_capture_on_commit_callbacks) == 1
    assert reminder_keys() == sorted(
        [
            key(registration, first_session),
            key(registration, second_session),
        ]
    )


def test_never_for_the_waitlisted_or_after_a_cancel(program, django_capture_on_commit_callbacks):
    confirmed = registration_create(program=program, details=registrant(1), now=REGISTERED)
    waiting = registration_create(program=program, details=registrant(2), now=REGISTERED)
    assert waiting.status == Registration.Status.WAITLISTED
    registration_cancel(registration=confirmed, now=REGISTERED + dt.timedelta(days=1))
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.OFFERED  # an offer, not yet a place: no reminder
    assert sweep(START - dt.timedelta(hours=2), django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []


def test_not_for_a_registration_made_within_the_last_day(program, django_capture_on_commit_callbacks):
    registration_create(program=program, details=registrant(1), now=START - dt.timedelta(hours=5))
    assert sweep(START - dt.timedelta(hours=4), django_capture_on_commit_callbacks) == 0


def test_constant_queries_to_find_what_is_due(db, django_capture_on_commit_callbacks):
    def programs_with_registrations(count: int, offset: int) -> None:
        for index in range(count):
            program = ProgramFactory(capacity=5)
            Session.objects.create(program=program, starts_at=START, ends_at=START + dt.timedelta(hours=1))
            for person in range(3):
                registration_create(program=program, details=registrant(offset + index * 10 + person), now=REGISTERED)

    programs_with_registrations(2, 100)
    # Every reminder already queued: only the finding remains.
    sweep(START - dt.timedelta(hours=1), django_capture_on_commit_callbacks)
    with CaptureQueriesContext(connection) as few:
        assert reminders_send_due(now=START - dt.timedelta(hours=1)) == 0
    programs_with_registrations(6, 500)
    sweep(START - dt.timedelta(hours=1), django_capture_on_commit_callbacks)
    with CaptureQueriesContext(connection) as many:
        assert reminders_send_due(now=START - dt.timedelta(hours=1)) == 0
    assert len(many) == len(few) <= 4


def test_the_beat_runs_the_sweep(settings):
    assert settings.CELERY_BEAT_SCHEDULE["programs-reminders-send-due"] == {
        "task": "programs.tasks.reminders_send_due",
        "schedule": 300.0,
    }
    assert tasks.reminders_send_due.name in celery_app.tasks


def test_never_for_a_cancelled_session(program, coordinator, django_capture_on_commit_callbacks):
    from programs.services.messaging import session_cancel

    registration_create(program=program, details=registrant(1), now=REGISTERED)
    first_session, second_session = program.sessions.order_by("starts_at")
    session_cancel(session=first_session, reason="The lab is closed for repairs.", by=coordinator, now=REGISTERED)
    assert sweep(START - dt.timedelta(hours=2), django_capture_on_commit_callbacks) == 0
    assert not [m for m in mail.outbox if m.subject.startswith("Reminder")]
    # The series goes on: the next week's session is reminded of as usual.
    assert sweep(second_session.starts_at - dt.timedelta(hours=2), django_capture_on_commit_callbacks) == 1
    assert [k.split(":")[3] for k in reminder_keys()] == [str(second_session.pk)]


def test_a_moved_session_is_reminded_of_again_at_its_new_time(program, coordinator, django_capture_on_commit_callbacks):
    from programs.services.messaging import session_move

    registration_create(program=program, details=registrant(1), now=REGISTERED)
    first_session = program.sessions.order_by("starts_at").first()
    assert sweep(START - dt.timedelta(hours=2), django_capture_on_commit_callbacks) == 1
    # Moved to the Tuesday after: the reminder already sent was for the old time, so a new one goes out.
    new_start = START + dt.timedelta(days=2, hours=4)
    with django_capture_on_commit_callbacks(execute=True):
        session_move(
            session=first_session,
            starts_at=new_start,
            ends_at=new_start + dt.timedelta(minutes=90),
            by=coordinator,
            now=START - dt.timedelta(hours=1),
        )
    mail.outbox.clear()
    assert sweep(new_start - dt.timedelta(hours=3), django_capture_on_commit_callbacks) == 1
    assert sweep(new_start - dt.timedelta(hours=2), django_capture_on_commit_callbacks) == 0
    assert [m.subject for m in mail.outbox] == [
        "Reminder: Teen coding club, Tuesday 3 November 2026, 2:00 to 3:30 p.m."
    ]
