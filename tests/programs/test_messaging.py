"""Telling registrants about changes: a session cancelled, a session moved, a message from the coordinator.

The coordinator works in the admin; these tests post the admin's real forms and check who was emailed.
"""

import datetime as dt

import pytest
from django.contrib.admin import helpers
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from playwright.sync_api import expect

from makerlab.models import Notification
from makerlab.services import notification_render
from programs.models import ProgramMessage, Registration, Session
from programs.services.messaging import program_message_send, session_cancel, session_move
from programs.services.registration import registration_cancel, registration_create
from programs.services.reminders import reminders_send_due
from tests.conftest import PASSWORD
from tests.factories import TORONTO, ClosureFactory, ProgramFactory, UserFactory
from tests.programs.test_registration import registrant
from tests.refusals import refusal_codes

Status = Registration.Status
# Tuesdays in the autumn of 2027, either side of the clocks going back (Sunday 7 November 2027).
BEFORE_CHANGE = dt.datetime(2027, 10, 26, 14, 0, tzinfo=TORONTO)
AFTER_CHANGE = dt.datetime(2027, 11, 9, 14, 0, tzinfo=TORONTO)


def _sessions(program, *starts: dt.datetime) -> list[Session]:
    return [
        Session.objects.create(program=program, starts_at=start, ends_at=start + dt.timedelta(minutes=90))
        for start in starts
    ]


@pytest.fixture
def program(db):
    """Two places: Ana's family and Ben confirmed, Chloe waiting, Dev cancelled; three Tuesday sessions."""
    program = ProgramFactory(title="Robots & rockets", capacity=2, waitlist_capacity=5)
    _sessions(program, BEFORE_CHANGE, BEFORE_CHANGE + dt.timedelta(weeks=1), AFTER_CHANGE)
    for number, name in enumerate(["Ana Silva", "Ben Okafor", "Chloe Tremblay"], start=1):
        registration_create(program=program, details=registrant(number, name=name, email=f"{name[:3].lower()}@x.ca"))
    dev = registration_create(program=program, details=registrant(9, name="Dev Patel", email="dev@x.ca"))
    registration_cancel(registration=dev)
    assert dict(program.registrations.values_list("contact_name", "status")) == {
        "Ana Silva": Status.CONFIRMED,
        "Ben Okafor": Status.CONFIRMED,
        "Chloe Tremblay": Status.WAITLISTED,
        "Dev Patel": Status.CANCELLED,
    }
    return program


@pytest.fixture
def first(program) -> Session:
    return program.sessions.order_by("starts_at").first()


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


def _emails(kind: str) -> list[str]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient", flat=True))


EVERYONE_ACTIVE = ["ana@x.ca", "ben@x.ca", "chl@x.ca"]


# --- Cancelling a session ------------------------------------------------------------------------------------


def test_cancelling_a_session_emails_everyone_registered_or_waiting_once(
    coordinator_client, program, first, django_capture_on_commit_callbacks
):
    url = f"/admin/programs/session/{first.pk}/cancel/"
    page = coordinator_client.get(url)
    assert "3 registrations (registered, offered and waiting) are emailed" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(url, {"reason": "The instructor is ill."}, follow=True)
    assert "Session cancelled; 3 registrations were emailed." in response.content.decode()
    first.refresh_from_db()
    assert first.is_cancelled and first.cancellation_reason == "The instructor is ill."
    assert _emails("program_session_cancelled") == EVERYONE_ACTIVE
    message = next(m for m in mail.outbox if m.to == ["ana@x.ca"] and m.subject.startswith("Session cancelled"))
    assert message.subject == "Session cancelled: Robots & rockets, Tuesday 26 October 2027, 2:00 to 3:30 p.m."
    assert "Why: The instructor is ill." in message.body
    assert "- Tuesday 2 November 2027, 2:00 to 3:30 p.m.\n- Tuesday 9 November 2027, 2:00 to 3:30 p.m." in (
        message.body
    )
    assert "/programs/manage/" in message.body
    html = message.alternatives[0][0]
    assert "Robots &amp; rockets" in html and "<li>Tuesday 9 November 2027, 2:00 to 3:30 p.m.</li>" in html
    # Cancelling again is refused, and nobody hears twice.
    again = coordinator_client.post(url, {"reason": "Still ill."})
    assert _form_codes(again) == ["session_cancelled"]
    assert len(_emails("program_session_cancelled")) == 3


def test_cancelling_the_last_session_left_says_the_program_is_off(program, coordinator):
    sessions = list(program.sessions.order_by("starts_at"))
    for session in sessions[:-1]:
        session_cancel(session=session, reason="Room flooded", by=coordinator)
    session_cancel(session=sessions[-1], reason="Room flooded", by=coordinator)
    ben = program.registrations.get(contact_name="Ben Okafor")
    emails = Notification.objects.filter(kind="program_session_cancelled", object_id=str(ben.pk)).order_by("pk")
    assert emails.count() == 3
    message = notification_render(emails.last())
    assert message.subject.startswith("Cancelled: Robots & rockets")
    assert "There are no other sessions still to come, so Robots & rockets is off." in message.body


def test_a_session_that_has_ended_cannot_be_cancelled(coordinator_client, program):
    past_start = timezone.now() - dt.timedelta(hours=3)
    (past,) = _sessions(program, past_start)
    response = coordinator_client.post(f"/admin/programs/session/{past.pk}/cancel/", {"reason": "Too late"})
    assert response.status_code == 400
    assert _form_codes(response) == ["session_over"]
    past.refresh_from_db()
    assert not past.is_cancelled
    assert not Notification.objects.filter(kind="program_session_cancelled").exists()


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        ("", "required"),
        ("   ", "required"),
        ("<script>alert(1)</script>", "markup"),
        ("x" * 251, "max_length"),
    ],
)
def test_a_bad_reason_is_refused_and_changes_nothing(coordinator_client, first, reason, code):
    response = coordinator_client.post(f"/admin/programs/session/{first.pk}/cancel/", {"reason": reason})
    assert response.status_code == 400
    assert _form_codes(response) == [code]
    first.refresh_from_db()
    assert not first.is_cancelled
    assert not Notification.objects.filter(kind="program_session_cancelled").exists()


def test_a_cancel_withdraws_reminders_not_yet_sent(program, first, coordinator, django_capture_on_commit_callbacks):
    Registration.objects.filter(program=program).update(created_at=BEFORE_CHANGE - dt.timedelta(days=20))
    day_before = BEFORE_CHANGE - dt.timedelta(hours=20)
    assert reminders_send_due(now=day_before) == 2
    # Queued but not yet sent (the worker is busy): the cancel withdraws them.
    session_cancel(session=first, reason="Snow", by=coordinator, now=day_before)
    reminders = Notification.objects.filter(kind="program_reminder")
    assert set(reminders.values_list("status", flat=True)) == {Notification.Status.WITHDRAWN}
    assert reminders_send_due(now=day_before + dt.timedelta(minutes=5)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_due(now=day_before) == 0
    assert not [m for m in mail.outbox if m.subject.startswith("Reminder")]


# --- Moving a session ----------------------------------------------------------------------------------------


def _move(client, session, day: str, starts: str, ends: str, capture=None):
    url = f"/admin/programs/session/{session.pk}/move/"
    data = {"day": day, "starts_at": starts, "ends_at": ends}
    if capture is None:
        return client.post(url, data, follow=True)
    with capture(execute=True):
        return client.post(url, data, follow=True)


def test_moving_across_the_clock_change_emails_the_local_times_with_a_calendar(
    coordinator_client, program, first, django_capture_on_commit_callbacks
):
    page = coordinator_client.get(f"/admin/programs/session/{first.pk}/move/")
    assert 'value="2027-10-26"' in page.content.decode() and 'value="14:00"' in page.content.decode()
    response = _move(coordinator_client, first, "2027-11-16", "14:00", "15:30", django_capture_on_commit_callbacks)
    assert "Session moved to Tuesday 16 November 2027, 2:00 to 3:30 p.m.; 3 registrations were emailed." in (
        response.content.decode()
    )
    first.refresh_from_db()
    assert first.starts_at == dt.datetime(2027, 11, 16, 19, 0, tzinfo=dt.UTC)  # EST: five hours behind UTC
    assert _emails("program_session_moved") == EVERYONE_ACTIVE
    message = next(m for m in mail.outbox if m.to == ["chl@x.ca"] and m.subject.startswith("New time"))
    assert message.subject == "New time: Robots & rockets, Tuesday 16 November 2027, 2:00 to 3:30 p.m."
    assert "Was: Tuesday 26 October 2027, 2:00 to 3:30 p.m.\nNow: Tuesday 16 November 2027, 2:00 to 3:30 p.m." in (
        message.body
    )
    ((filename, calendar, mimetype),) = message.attachments
    assert filename == "maker-lab-program.ics" and mimetype.startswith("text/calendar")
    assert "DTSTART:20271116T190000Z" in calendar
    # Chloe is waiting: she holds no place to pass on.
    assert "You are on the waitlist, so you do not have a place yet." in message.body
    assert "so someone waiting can have the place" not in message.body
    confirmed = next(m for m in mail.outbox if m.to == ["ana@x.ca"] and m.subject.startswith("New time"))
    assert "so someone waiting can have the place" in confirmed.body


def test_a_second_move_sends_a_second_email_but_a_retry_sends_none(program, first, coordinator):
    later = BEFORE_CHANGE + dt.timedelta(days=1)
    assert session_move(session=first, starts_at=later, ends_at=later + dt.timedelta(hours=1), by=coordinator) == 3
    with pytest.raises(ValidationError) as refused:
        session_move(session=first, starts_at=later, ends_at=later + dt.timedelta(hours=1), by=coordinator)
    assert refused.value.code == "same_time"
    assert len(_emails("program_session_moved")) == 3
    again = later + dt.timedelta(hours=1)
    assert session_move(session=first, starts_at=again, ends_at=again + dt.timedelta(hours=1), by=coordinator) == 3
    assert len(_emails("program_session_moved")) == 6


@pytest.mark.parametrize(
    ("day", "starts", "ends", "code"),
    [
        ("2027-11-16", "15:00", "14:00", "ends_first"),
        ("2020-01-07", "14:00", "15:00", "starts_in_past"),
        ("2027-11-16", "19:00", "20:30", "branch_closed"),
        ("2027-12-24", "14:00", "15:00", "branch_closed"),
        ("16/11/2027", "2pm", "3pm", "invalid"),
        ("2027-11-16", "<b>", "15:00", "invalid"),
        ("2027-11-16", "", "", "required"),
    ],
)
def test_a_bad_new_time_is_refused_and_changes_nothing(coordinator_client, program, first, day, starts, ends, code):
    ClosureFactory(branch=program.branch, start_date=dt.date(2027, 12, 24))
    before = first.starts_at
    response = _move(coordinator_client, first, day, starts, ends)
    assert response.status_code == 400
    assert code in _form_codes(response)
    first.refresh_from_db()
    assert first.starts_at == before
    assert not Notification.objects.filter(kind="program_session_moved").exists()


def test_a_cancelled_session_cannot_be_moved(coordinator_client, first, coordinator):
    session_cancel(session=first, reason="Snow", by=coordinator)
    response = _move(coordinator_client, first, "2027-11-16", "14:00", "15:30")
    assert _form_codes(response) == ["session_cancelled"]
    first.refresh_from_db()
    assert first.starts_at == BEFORE_CHANGE
    assert not Notification.objects.filter(kind="program_session_moved").exists()


def test_moving_a_session_back_and_forth_tells_of_every_move(
    program, first, coordinator, django_capture_on_commit_callbacks
):
    a_start, a_end = first.starts_at, first.ends_at
    b_start, b_end = a_start + dt.timedelta(days=1), a_end + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        for starts_at, ends_at in ((b_start, b_end), (a_start, a_end), (b_start, b_end)):
            assert session_move(session=first, starts_at=starts_at, ends_at=ends_at, by=coordinator) == 3
    assert len(_emails("program_session_moved")) == 9
    to_ana = [m for m in mail.outbox if m.to == ["ana@x.ca"] and m.subject.startswith("New time")]
    assert [m.subject.split(", ", 1)[1] for m in to_ana] == [
        "Wednesday 27 October 2027, 2:00 to 3:30 p.m.",
        "Tuesday 26 October 2027, 2:00 to 3:30 p.m.",
        "Wednesday 27 October 2027, 2:00 to 3:30 p.m.",
    ]
    first.refresh_from_db()
    assert first.moves == 3


def test_a_retried_move_email_is_queued_once(program, first, coordinator):
    """The key names the move, so queueing the same move's emails again (a retried task) adds none."""
    from programs.services.messaging import SESSION_MOVED, TOLD_OF_CHANGES, _queue_each, _recipients

    later = first.starts_at + dt.timedelta(days=1)
    session_move(session=first, starts_at=later, ends_at=later + dt.timedelta(hours=1), by=coordinator)
    first.refresh_from_db()
    again = _queue_each(
        _recipients(program, TOLD_OF_CHANGES),
        kind=SESSION_MOVED,
        shared={},
        key=f"session:{first.pk}:move:{first.moves}:{{registration}}",
    )
    assert again == 0
    assert len(_emails("program_session_moved")) == 3


def test_moving_back_to_a_time_reminds_of_it_again(program, first, coordinator):
    """The reminder for the first time was withdrawn by the move; moving back queues a new one."""
    a_start, a_end = first.starts_at, first.ends_at
    day_before = a_start - dt.timedelta(hours=20)
    assert reminders_send_due(now=day_before) == 2
    later = a_start + dt.timedelta(days=1)
    session_move(session=first, starts_at=later, ends_at=later + dt.timedelta(hours=1), by=coordinator, now=day_before)
    session_move(session=first, starts_at=a_start, ends_at=a_end, by=coordinator, now=day_before)
    assert reminders_send_due(now=day_before) == 2
    pending = Notification.objects.filter(kind="program_reminder", status=Notification.Status.PENDING)
    assert pending.count() == 2


# --- Adding a session ----------------------------------------------------------------------------------------


def test_a_session_added_after_people_registered_is_announced_once(
    program, coordinator, django_capture_on_commit_callbacks
):
    from programs.services.messaging import session_add, session_announce

    start = AFTER_CHANGE + dt.timedelta(weeks=1)
    with django_capture_on_commit_callbacks(execute=True):
        session, sent = session_add(
            program=program, starts_at=start, ends_at=start + dt.timedelta(minutes=90), by=coordinator
        )
    assert sent == 3
    assert _emails("program_session_added") == EVERYONE_ACTIVE
    message = next(m for m in mail.outbox if m.to == ["ana@x.ca"])
    assert message.subject == "New session: Robots & rockets, Tuesday 16 November 2027, 2:00 to 3:30 p.m."
    assert "When: Tuesday 16 November 2027, 2:00 to 3:30 p.m." in message.body
    ana = program.registrations.get(contact_name="Ana Silva")
    assert f"/programs/manage/{ana.manage_token}/" in message.body
    ((filename, calendar, _),) = message.attachments
    assert filename == "maker-lab-program.ics" and "DTSTART:20271116T190000Z" in calendar
    waiting = next(m for m in mail.outbox if m.to == ["chl@x.ca"])
    assert "You are on the waitlist, so you do not have a place yet" in waiting.body
    # Announced again (a retried task): nobody hears of it twice.
    assert session_announce(session=session) == 0
    assert len(_emails("program_session_added")) == 3


def test_a_session_added_in_the_past_or_at_a_closed_time_is_announced_to_no_one(program, coordinator):
    from programs.services.messaging import session_add

    held = timezone.now() - dt.timedelta(days=2)
    session, sent = session_add(program=program, starts_at=held, ends_at=held + dt.timedelta(hours=1), by=coordinator)
    assert (sent, session.pk is not None) == (0, True)
    evening = AFTER_CHANGE.replace(hour=19)
    with pytest.raises(ValidationError) as refused:
        session_add(program=program, starts_at=evening, ends_at=evening + dt.timedelta(hours=1), by=coordinator)
    assert refused.value.error_dict["starts_at"][0].code == "branch_closed"
    assert not Notification.objects.filter(kind="program_session_added").exists()
    assert program.sessions.count() == 4


def _form_codes(response) -> list[str]:
    """The codes of the refusals on the page's form, fields and form alike."""
    return refusal_codes(ValidationError(response.context["form"].errors.as_data()))


def _sessions_codes(response) -> list[str]:
    """The codes of the refusals on the program page's sessions, rows and formset alike."""
    formset = response.context["inline_admin_formsets"][0].formset
    row_codes = [code for form in formset.forms for code in refusal_codes(ValidationError(form.errors.as_data()))]
    return row_codes + [error.code for error in formset.non_form_errors().as_data()]


def _program_page(client, program) -> tuple[str, dict, str]:
    """The program's admin page as the browser would post it back: its address, its fields, the sessions' prefix."""
    url = f"/admin/programs/program/{program.pk}/change/"
    page = client.get(url)
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["facilitators"] = []
    data.pop("image")  # no picture: a file input sends nothing
    formset = page.context["inline_admin_formsets"][0].formset
    prefix = formset.prefix
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    data.update({f"{prefix}-{k}": v for k, v in formset.management_form.initial.items()})
    for index, session in enumerate(program.sessions.order_by("starts_at")):
        local_start, local_end = session.starts_at.astimezone(TORONTO), session.ends_at.astimezone(TORONTO)
        data.update(
            {
                f"{prefix}-{index}-id": session.pk,
                f"{prefix}-{index}-program": program.pk,
                f"{prefix}-{index}-starts_at_0": f"{local_start:%Y-%m-%d}",
                f"{prefix}-{index}-starts_at_1": f"{local_start:%H:%M:%S}",
                f"{prefix}-{index}-ends_at_0": f"{local_end:%Y-%m-%d}",
                f"{prefix}-{index}-ends_at_1": f"{local_end:%H:%M:%S}",
            }
        )
    return url, data, prefix


def test_adding_a_session_in_the_program_page_announces_it(
    coordinator_client, program, django_capture_on_commit_callbacks
):
    url, data, prefix = _program_page(coordinator_client, program)
    data[f"{prefix}-TOTAL_FORMS"] = "4"
    new_row = {"program": program.pk, "starts_at_0": "2027-11-16", "ends_at_0": "2027-11-16"}
    data.update({f"{prefix}-3-{k}": v for k, v in new_row.items()})
    # Outside the branch's hours: refused on the row, nothing added, nobody told.
    data.update({f"{prefix}-3-starts_at_1": "19:00:00", f"{prefix}-3-ends_at_1": "20:00:00"})
    response = coordinator_client.post(url, data)
    assert _sessions_codes(response) == ["branch_closed"]
    assert program.sessions.count() == 3
    data.update({f"{prefix}-3-starts_at_1": "14:00:00", f"{prefix}-3-ends_at_1": "15:30:00"})
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(url, data, follow=True)
    assert "Session on Tuesday 16 November 2027, 2:00 to 3:30 p.m. added; 3 registrations were told of it." in (
        response.content.decode()
    )
    assert program.sessions.count() == 4
    assert _emails("program_session_added") == EVERYONE_ACTIVE


def test_changing_times_in_the_program_page_moves_through_the_service(
    coordinator_client, program, django_capture_on_commit_callbacks
):
    url, data, prefix = _program_page(coordinator_client, program)
    # The third session, after the clock change, starts half an hour later.
    data[f"{prefix}-2-starts_at_1"] = "14:30:00"
    data[f"{prefix}-2-ends_at_1"] = "16:00:00"
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(url, data, follow=True)
    assert response.status_code == 200, response.content.decode()[:2000]
    assert "Session moved to Tuesday 9 November 2027, 2:30 to 4:00 p.m.; 3 registrations were emailed." in (
        response.content.decode()
    )
    assert _emails("program_session_moved") == EVERYONE_ACTIVE
    moved = program.sessions.order_by("starts_at").last()
    assert moved.starts_at == dt.datetime(2027, 11, 9, 19, 30, tzinfo=dt.UTC)

    # A time outside the branch's hours is refused on the row, and nothing changes.
    data[f"{prefix}-2-starts_at_1"] = "18:00:00"
    data[f"{prefix}-2-ends_at_1"] = "19:00:00"
    response = coordinator_client.post(url, data)
    assert response.status_code == 200
    assert _sessions_codes(response) == ["branch_closed"]
    moved.refresh_from_db()
    assert moved.starts_at == dt.datetime(2027, 11, 9, 19, 30, tzinfo=dt.UTC)
    assert len(_emails("program_session_moved")) == 3

    # Deleting a session people registered for is refused: cancelling tells them why.
    data[f"{prefix}-2-starts_at_1"] = "14:30:00"
    data[f"{prefix}-2-ends_at_1"] = "16:00:00"
    data[f"{prefix}-2-DELETE"] = "on"
    response = coordinator_client.post(url, data)
    assert _sessions_codes(response) == ["has_registrants"]
    assert program.sessions.count() == 3


# --- Emailing registrants ------------------------------------------------------------------------------------


def _message_form(**overrides) -> dict:
    return {"subject": "Bring a laptop", "body": "Hello all,\nPlease bring a laptop.", "audience": "registered"} | (
        overrides
    )


def test_the_coordinator_emails_the_registered_only_by_default(
    coordinator_client, program, django_capture_on_commit_callbacks
):
    url = f"/admin/programs/program/{program.pk}/email/"
    page = coordinator_client.get(url).content.decode()
    assert "Registered people and open offers: 2 registrations" in page
    assert "Registered people, open offers and the waitlist: 3 registrations" in page
    body = "Hello all,\nPlease bring a laptop & a <charger>?"
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(url, _message_form(body=body), follow=True)
    assert _form_codes(response) == ["markup"]  # a tag-like "<charger>" is refused
    body = "Hello all,\nPlease bring a laptop & a charger."
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(url, _message_form(body=body), follow=True)
    assert "Sent to 2 registrations." in response.content.decode()
    assert _emails("program_message") == ["ana@x.ca", "ben@x.ca"]
    message = ProgramMessage.objects.get()
    assert (message.recipients, message.sent_by.username, message.session) == (2, "coordinator", None)
    keys = set(Notification.objects.filter(kind="program_message").values_list("idempotency_key", flat=True))
    ana, ben = program.registrations.filter(contact_name__in=["Ana Silva", "Ben Okafor"]).order_by("pk")
    assert keys == {f"program_message:{message.pk}:{ana.pk}", f"program_message:{message.pk}:{ben.pk}"}
    email = next(m for m in mail.outbox if m.subject == "Bring a laptop")
    assert "Hello Ana,\n\nA message about Robots & rockets:\n\nHello all,\nPlease bring a laptop & a charger." in (
        email.body
    )
    assert "<p>Hello all,<br>Please bring a laptop &amp; a charger.</p>" in email.alternatives[0][0]
    # The same message again (a double click) is not sent twice.
    response = coordinator_client.post(url, _message_form(body=body))
    assert _form_codes(response) == ["already_sent"]
    assert ProgramMessage.objects.count() == 1


def test_the_waitlist_hears_when_asked_and_a_session_is_named(
    coordinator_client, program, first, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(
            f"/admin/programs/program/{program.pk}/email/",
            _message_form(audience="with_waitlist", session=first.pk),
            follow=True,
        )
    assert "Sent to 3 registrations." in response.content.decode()
    assert _emails("program_message") == EVERYONE_ACTIVE
    email = next(m for m in mail.outbox if m.to == ["chl@x.ca"] and m.subject == "Bring a laptop")
    assert "A message about Robots & rockets, the session on Tuesday 26 October 2027, 2:00 to 3:30 p.m.:" in email.body
    listing = coordinator_client.get(f"/admin/programs/programmessage/?program__id__exact={program.pk}")
    assert "Bring a laptop" in listing.content.decode()
    assert "Tuesday 26 October 2027" in listing.content.decode()


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"subject": ""}, "required"),
        ({"subject": "   "}, "required"),
        ({"body": "<img src=x onerror=alert(1)>"}, "markup"),
        ({"subject": "Hi\x07there"}, "control"),
        ({"body": "x" * 5001}, "max_length"),
        ({"audience": "everyone"}, "invalid_choice"),
        ({"session": "999999"}, "invalid_choice"),
        ({"session": "abc"}, "invalid_choice"),
    ],
)
def test_bad_input_on_the_email_form_sends_nothing(coordinator_client, program, overrides, code):
    response = coordinator_client.post(f"/admin/programs/program/{program.pk}/email/", _message_form(**overrides))
    assert response.status_code == 400
    assert _form_codes(response) == [code]
    assert not ProgramMessage.objects.exists()
    assert not Notification.objects.filter(kind="program_message").exists()


def test_a_session_of_another_program_is_refused(coordinator_client, program):
    (elsewhere,) = _sessions(ProgramFactory(), AFTER_CHANGE)
    response = coordinator_client.post(
        f"/admin/programs/program/{program.pk}/email/", _message_form(session=elsewhere.pk)
    )
    assert response.status_code == 400
    assert _form_codes(response) == ["invalid_choice"]
    with pytest.raises(ValidationError) as refused:
        program_message_send(
            program=program, session=elsewhere, audience="registered", subject="Hi", body="Hi", by=None
        )
    assert refusal_codes(refused.value) == ["session_of_other_program"]
    assert not ProgramMessage.objects.exists()


def test_a_program_nobody_registered_for_is_not_emailed(coordinator_client):
    empty = ProgramFactory()
    response = coordinator_client.post(f"/admin/programs/program/{empty.pk}/email/", _message_form())
    assert _form_codes(response) == ["no_recipients"]
    assert not ProgramMessage.objects.exists()


def test_the_action_takes_one_program_at_a_time(coordinator_client, program):
    other = ProgramFactory()
    both = coordinator_client.post(
        "/admin/programs/program/",
        {"action": "email_registrants", helpers.ACTION_CHECKBOX_NAME: [program.pk, other.pk]},
        follow=True,
    )
    assert "Choose one program at a time" in both.content.decode()
    one = coordinator_client.post(
        "/admin/programs/program/", {"action": "email_registrants", helpers.ACTION_CHECKBOX_NAME: [program.pk]}
    )
    assert one.status_code == 302 and one["Location"] == f"/admin/programs/program/{program.pk}/email/"
    change_page = coordinator_client.get(f"/admin/programs/program/{program.pk}/change/").content.decode()
    assert f'href="/admin/programs/program/{program.pk}/email/"' in change_page
    assert f"/admin/programs/session/{program.sessions.first().pk}/cancel/" in change_page


# --- Who may ---------------------------------------------------------------------------------------------------


def test_an_assistant_can_neither_cancel_move_nor_email(client, assistant, program, first):
    client.force_login(assistant)
    assert client.post(f"/admin/programs/session/{first.pk}/cancel/", {"reason": "x"}).status_code == 403
    assert _move(client, first, "2027-11-16", "14:00", "15:30").status_code == 403
    assert client.post(f"/admin/programs/program/{program.pk}/email/", _message_form()).status_code == 403
    assert client.get(f"/admin/programs/program/{program.pk}/email/").status_code == 403
    first.refresh_from_db()
    assert not first.is_cancelled and first.starts_at == BEFORE_CHANGE
    assert not Notification.objects.filter(kind__startswith="program_session").exists()
    assert not ProgramMessage.objects.exists()


def test_a_patron_is_sent_to_log_in(client, program, first):
    response = client.get(f"/admin/programs/program/{program.pk}/email/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


# --- Speed -------------------------------------------------------------------------------------------------------


def _more(program, count: int, offset: int) -> None:
    program.capacity += count
    program.waitlist_capacity += count
    program.save(update_fields=["capacity", "waitlist_capacity"])
    for number in range(offset, offset + count):
        registration_create(program=program, details=registrant(number))
    other = ProgramFactory()
    _sessions(other, AFTER_CHANGE)
    program_message_send(program=program, audience="registered", subject=f"Note {offset}", body="Hello", by=None)
    _sessions(program, AFTER_CHANGE + dt.timedelta(weeks=offset))


@pytest.mark.parametrize(
    "path",
    [
        "/admin/programs/program/{program}/email/",
        "/admin/programs/program/{program}/change/",
        "/admin/programs/session/{session}/cancel/",
        "/admin/programs/session/{session}/move/",
        "/admin/programs/session/",
        "/admin/programs/session/{session}/change/",
        "/admin/programs/programmessage/",
        "/admin/programs/programmessage/?program__id__exact={program}",
    ],
)
def test_the_new_admin_pages_cost_the_same_queries_at_any_size(coordinator_client, program, first, path):
    url = path.format(program=program.pk, session=first.pk)
    _more(program, 2, 100)
    coordinator_client.get(url)  # caches filled once per process (content types) are not the page's cost
    with CaptureQueriesContext(connection) as small:
        assert coordinator_client.get(url).status_code == 200
    _more(program, 10, 200)
    with CaptureQueriesContext(connection) as large:
        assert coordinator_client.get(url).status_code == 200
    assert len(small) == len(large), f"{url}: {len(small)} then {len(large)}"
    assert len(large) <= 12, f"{url}: {len(large)} queries"


# --- In the browser ----------------------------------------------------------------------------------------------


@pytest.mark.browser
def test_the_coordinator_emails_registrants_and_cancels_a_session_in_the_browser(
    page, transactional_db, assert_accessible
):
    UserFactory(username="coordinator", is_staff=True, role="Coordinator")
    program = ProgramFactory(title="Sewing basics", capacity=4)
    (session,) = _sessions(program, AFTER_CHANGE)
    registration_create(program=program, details=registrant(1, name="Ana Silva", email="ana@x.ca"))
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/admin/programs/program/{program.pk}/change/")
    assert_accessible(page)
    page.get_by_role("link", name="Email registrants").click()
    expect(page.get_by_role("heading", name="Email registrants")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Send the email").click()
    expect(page.locator(".errornote")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Subject").fill("Room change")
    page.get_by_label("Message").fill("We meet in the Maker Lab.\nSee you there.")
    page.get_by_label("About one session").select_option(label="Tuesday 9 November 2027, 2:00 to 3:30 p.m.")
    page.get_by_role("button", name="Send the email").click()
    expect(page.get_by_text("Sent to 1 registrations.")).to_be_visible()
    page.get_by_role("link", name="Messages sent").click()
    expect(page.get_by_role("link", name="Room change")).to_be_visible()
    assert_accessible(page)
    page.goto(f"/admin/programs/program/{program.pk}/change/")
    page.get_by_role("link", name="Move", exact=True).click()
    expect(page.get_by_role("heading", name="Move a session")).to_be_visible()
    assert_accessible(page)
    page.go_back()
    page.get_by_role("link", name="Cancel", exact=True).click()
    assert_accessible(page)
    page.get_by_label("Why is it cancelled?").fill("The instructor is ill.")
    page.get_by_role("button", name="Cancel the session and email registrants").click()
    expect(page.get_by_text("Session cancelled; 1 registrations were emailed.")).to_be_visible()
    expect(page.get_by_text("Cancelled: The instructor is ill.")).to_be_visible()
    session.refresh_from_db()
    assert session.is_cancelled
    assert _emails("program_session_cancelled") == ["ana@x.ca"]
    page.goto("/admin/programs/session/")
    assert_accessible(page)
