"""Survey invitations by email, answers stored once, and the in-room QR code's signed address."""

import datetime as dt
import re
import threading

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.models import Booking
from makerlab.models import Notification, Patron
from programs.models import Attendance, Participant, Registration, Session
from stats.models import SurveyChannel, SurveyKind, SurveyResponse, SurveysSent, UsedSurveyLink
from stats.surveys import (
    AlreadyAnswered,
    SurveyAnswers,
    SurveyExpired,
    in_room_link_create,
    program_for_survey_code,
    program_survey_code,
    survey_link_new,
    survey_link_read,
    survey_response_create,
    surveys_send_due,
)
from tests.factories import (
    TORONTO,
    PatronFactory,
    ProgramFactory,
    ServiceTypeFactory,
    make_booking,
)
from tests.refusals import refusal_codes

pytestmark = pytest.mark.calendar

NOW = dt.datetime(2026, 4, 2, 16, 0, tzinfo=dt.UTC)


def toronto(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=TORONTO)


def token_in(body: str) -> str:
    """The survey link's token in an email."""
    return re.search(r"http://testserver/survey/([A-Za-z0-9_:-]+)/", body).group(1)


def link_of(*, kind: str = SurveyKind.IMMEDIATE, service_area: str = "digital_learning", open_until=None, program=None):
    return survey_link_new(
        kind=kind,
        service_area=service_area,
        month=dt.date(2026, 3, 1),
        open_until=open_until or dt.date(2026, 5, 1),
        program_id=program.pk if program else None,
    )


def attended_booking(starts_at: dt.datetime, **fields) -> Booking:
    values = {"status": Booking.Status.ATTENDED, "survey_consent": True, **fields}
    return make_booking(starts_at=starts_at, **values)


def program_with_registration(
    *session_starts: dt.datetime, present: bool = True, consent: bool = True, cancelled: tuple = ()
) -> Registration:
    """A program with sessions at these times, one registration, and its participant marked at the first."""
    program = ProgramFactory(title="Intro to Arduino", service_area="education")
    sessions = [
        Session.objects.create(
            program=program,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            cancelled_at=NOW if start in cancelled else None,
        )
        for start in session_starts
    ]
    patron = PatronFactory()
    registration = Registration.objects.create(
        program=program,
        patron=patron,
        status=Registration.Status.CONFIRMED,
        places=1,
        contact_name="Ravi Patel",
        contact_email="ravi@example.net",
        survey_consent=consent,
    )
    participant = Participant.objects.create(registration=registration, first_name="Ravi")
    Attendance.objects.create(session=sessions[0], participant=participant, present=present)
    return registration


# --- Immediate surveys after a 1-on-1 session --------------------------------------------------------------


def test_an_attended_booking_with_consent_gets_one_survey_email_once(db, django_capture_on_commit_callbacks):
    service = ServiceTypeFactory(name="Email and online accounts", service_area="digital_learning")
    booking = attended_booking(toronto(2026, 3, 30, 14), service_type=service)

    with django_capture_on_commit_callbacks(execute=True):
        assert surveys_send_due(now=NOW) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert surveys_send_due(now=NOW + dt.timedelta(minutes=15)) == 0

    sent = SurveysSent.objects.get()
    assert (sent.kind, sent.channel, sent.count) == (SurveyKind.IMMEDIATE, SurveyChannel.EMAIL, 1)
    assert (sent.service_area, sent.service_type, sent.program) == ("digital_learning", service, None)
    assert (sent.branch, sent.month) == (booking.branch, dt.date(2026, 3, 1))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [booking.contact_email]
    assert "Email and online accounts" in message.subject
    assert "anonymous" in message.body
    token = token_in(message.body)
    link = survey_link_read(token)
    assert (link.kind, link.service_area, link.service_type_id, link.program_id) == (
        SurveyKind.IMMEDIATE,
        "digital_learning",
        service.pk,
        None,
    )
    assert (link.branch_id, link.month, link.open_until) == (
        booking.branch_id,
        dt.date(2026, 3, 1),
        dt.date(2026, 5, 2),
    )
    assert "May 2" in message.body
    notification = Notification.objects.get(idempotency_key=f"survey:booking:{booking.pk}:immediate")
    # Once sent, the outbox keeps nothing that ties the token to the person.
    assert notification.status == Notification.Status.SENT
    assert notification.context == {}
    assert link.nonce not in str(Notification.objects.values())


@pytest.mark.parametrize(
    ("starts_at", "fields"),
    [
        (toronto(2026, 3, 30, 14), {"survey_consent": False}),
        (toronto(2026, 3, 30, 14), {"status": Booking.Status.NO_SHOW}),
        (toronto(2026, 3, 30, 14), {"status": Booking.Status.CANCELLED}),
        (toronto(2026, 3, 30, 14), {"status": Booking.Status.BOOKED}),
        (toronto(2026, 3, 25, 10), {}),  # ended more than a week ago
        (toronto(2026, 4, 2, 15), {}),  # not over yet
    ],
)
def test_no_survey_without_consent_attendance_or_a_recent_end(db, starts_at, fields):
    attended_booking(starts_at, **fields)
    assert surveys_send_due(now=NOW) == 0
    assert not SurveysSent.objects.exists()
    assert not Notification.objects.exists()


def test_an_anonymised_patron_is_not_surveyed(db):
    booking = attended_booking(toronto(2026, 3, 30, 14))
    Patron.objects.filter(pk=booking.patron_id).update(anonymised_at=NOW, card_number=None)
    assert surveys_send_due(now=NOW) == 0


def test_the_month_is_the_sessions_month_in_toronto_across_midnight_utc(db):
    # 9 p.m. on 31 March in Toronto is already 1 April in UTC.
    attended_booking(toronto(2026, 3, 31, 21))
    surveys_send_due(now=NOW)
    assert SurveysSent.objects.get().month == dt.date(2026, 3, 1)


# --- Immediate surveys after a program ---------------------------------------------------------------------


def test_a_program_someone_came_to_is_surveyed_after_its_last_session(db, django_capture_on_commit_callbacks):
    registration = program_with_registration(toronto(2026, 3, 24, 18), toronto(2026, 3, 31, 18))
    with django_capture_on_commit_callbacks(execute=True):
        assert surveys_send_due(now=NOW) == 1
    sent = SurveysSent.objects.get()
    assert (sent.program, sent.service_type, sent.service_area) == (registration.program, None, "education")
    assert (sent.branch, sent.month, sent.count) == (registration.program.branch, dt.date(2026, 3, 1), 1)
    link = survey_link_read(token_in(mail.outbox[0].body))
    assert (link.program_id, link.service_type_id) == (registration.program_id, None)
    assert Notification.objects.filter(idempotency_key=f"survey:registration:{registration.pk}:immediate").exists()
    assert mail.outbox[0].to == ["ravi@example.net"]
    assert "Intro to Arduino" in mail.outbox[0].body


def test_a_cancelled_last_session_does_not_hold_the_survey_back(db):
    last = toronto(2026, 4, 7, 18)
    program_with_registration(toronto(2026, 3, 31, 18), last, cancelled=(last,))
    assert surveys_send_due(now=NOW) == 1


@pytest.mark.parametrize(
    ("sessions", "options"),
    [
        ((toronto(2026, 3, 31, 18),), {"present": False}),
        ((toronto(2026, 3, 31, 18),), {"consent": False}),
        ((toronto(2026, 3, 31, 18), toronto(2026, 4, 7, 18)), {}),  # a session still to come
        ((toronto(2026, 3, 10, 18),), {}),  # ended weeks ago
    ],
)
def test_no_program_survey_when_nobody_came_without_consent_or_not_finished(db, sessions, options):
    program_with_registration(*sessions, **options)
    assert surveys_send_due(now=NOW) == 0


# --- Follow-up ---------------------------------------------------------------------------------------------


def test_the_follow_up_goes_six_weeks_later_to_those_invited_right_after(db, django_capture_on_commit_callbacks):
    session = toronto(2026, 2, 17, 14)  # before the March clock change; the follow-up comes after it
    booking = attended_booking(session)
    program_registration = program_with_registration(session)
    with django_capture_on_commit_callbacks(execute=True):
        assert surveys_send_due(now=session + dt.timedelta(days=1)) == 2
    later = session + dt.timedelta(weeks=6, days=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert surveys_send_due(now=later) == 2
        assert surveys_send_due(now=later + dt.timedelta(hours=1)) == 0
    follow_ups = SurveysSent.objects.filter(kind=SurveyKind.FOLLOW_UP)
    assert sum(follow_ups.values_list("count", flat=True)) == 2
    assert set(follow_ups.values_list("month", flat=True)) == {dt.date(2026, 2, 1)}
    assert survey_link_read(token_in(mail.outbox[-1].body)).kind == SurveyKind.FOLLOW_UP
    assert Notification.objects.filter(idempotency_key=f"survey:booking:{booking.pk}:follow_up").exists()
    assert Notification.objects.filter(
        idempotency_key=f"survey:registration:{program_registration.pk}:follow_up"
    ).exists()
    assert "Three quick questions" in mail.outbox[-1].subject


def test_no_follow_up_for_someone_never_invited_right_after(db):
    session = toronto(2026, 2, 17, 14)
    attended_booking(session)
    assert surveys_send_due(now=session + dt.timedelta(weeks=6, days=2)) == 0


def test_no_follow_up_when_the_setting_is_off(db, settings):
    settings.SURVEY_FOLLOW_UP = False
    session = toronto(2026, 2, 17, 14)
    attended_booking(session)
    surveys_send_due(now=session + dt.timedelta(days=1))
    assert surveys_send_due(now=session + dt.timedelta(weeks=6, days=2)) == 0


# --- Bounded queries ---------------------------------------------------------------------------------------


def _sweep_queries(now: dt.datetime) -> int:
    with CaptureQueriesContext(connection) as queries:
        surveys_send_due(now=now)
    return len(queries)


def _add_due(count: int) -> None:
    for offset in range(count):
        attended_booking(toronto(2026, 3, 30, 10) + dt.timedelta(minutes=50 * offset))
        program_with_registration(toronto(2026, 3, 31, 18) - dt.timedelta(hours=offset))


def test_the_sweep_costs_the_same_queries_at_two_sizes(db):
    _add_due(2)
    first_few = _sweep_queries(NOW)
    nothing_new_few = _sweep_queries(NOW)
    SurveysSent.objects.all().delete()
    Notification.objects.all().delete()
    _add_due(6)  # twelve more: sixteen in all
    nothing_new_many_first = _sweep_queries(NOW)
    nothing_new_many = _sweep_queries(NOW)
    assert nothing_new_few == nothing_new_many == 5
    # Each new invitation costs the same few queries, wherever it is in the list.
    per_invitation = (first_few - nothing_new_few) / 4
    assert per_invitation == int(per_invitation) <= 6
    assert nothing_new_many_first - nothing_new_many == per_invitation * 16


# --- Answers -----------------------------------------------------------------------------------------------


def test_answers_are_stored_once_with_the_links_details_and_no_person(db):
    program = ProgramFactory()
    invitation = link_of(program=program, service_area="education")
    response = survey_response_create(
        link=invitation,
        answers=SurveyAnswers(learned=5, confident=0, liked_most="  The patient teacher. ", applied="yes"),
        now=NOW,
    )
    assert (response.kind, response.service_area, response.program, response.month) == (
        "immediate",
        "education",
        program,
        dt.date(2026, 3, 1),
    )
    assert (response.learned, response.confident, response.intend_to_apply) == (5, 0, None)
    assert response.liked_most == "The patient teacher."
    assert response.applied == ""  # a follow-up answer is not part of the immediate survey
    assert response.answered_in == dt.date(2026, 4, 1)  # the month, never the day or the time
    with pytest.raises(AlreadyAnswered):
        survey_response_create(link=invitation, answers=SurveyAnswers(learned=1), now=NOW)
    assert SurveyResponse.objects.count() == 1
    assert not {field.name for field in SurveyResponse._meta.get_fields()} & {"patron", "booking", "registration"}


def test_a_new_secret_key_does_not_reopen_an_answered_link(db, settings):
    invitation = link_of()
    survey_response_create(link=invitation, answers=SurveyAnswers(learned=5), now=NOW)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-key-" + "x" * 50
    with pytest.raises(AlreadyAnswered):
        survey_response_create(link=invitation, answers=SurveyAnswers(learned=1), now=NOW)
    assert SurveyResponse.objects.count() == 1


def test_answers_about_a_program_deleted_since_keep_the_rest(db):
    program = ProgramFactory()
    invitation = link_of(program=program, service_area="education")
    program.delete()
    response = survey_response_create(link=invitation, answers=SurveyAnswers(learned=5), now=NOW)
    assert (response.program, response.service_area) == (None, "education")


def test_a_link_takes_answers_to_the_end_of_its_last_day_in_toronto(db):
    invitation = link_of(open_until=dt.date(2026, 4, 2))
    last_minute = toronto(2026, 4, 2, 23, 59)  # already 3 April in UTC
    with pytest.raises(SurveyExpired):
        survey_response_create(link=invitation, answers=SurveyAnswers(learned=4), now=toronto(2026, 4, 3, 0, 1))
    assert not SurveyResponse.objects.exists() and not UsedSurveyLink.objects.exists()
    survey_response_create(link=invitation, answers=SurveyAnswers(learned=4), now=last_minute)
    assert SurveyResponse.objects.count() == 1


@pytest.mark.parametrize(
    ("answers", "code"),
    [
        (SurveyAnswers(), "no_answer"),
        (SurveyAnswers(liked_most="   "), "no_answer"),
        (SurveyAnswers(learned=9), "not_listed"),
        (SurveyAnswers(liked_most="<script>alert(1)</script>"), "markup"),
        (SurveyAnswers(could_do_better="x" * 1001), "too_long"),
    ],
)
def test_bad_answers_are_refused_and_change_nothing(db, answers, code):
    invitation = link_of()
    with pytest.raises(ValidationError) as refused:
        survey_response_create(link=invitation, answers=answers, now=NOW)
    assert refusal_codes(refused.value) == [code]
    assert not UsedSurveyLink.objects.exists()
    assert not SurveyResponse.objects.exists()


def test_a_follow_up_takes_only_its_three_answers(db):
    invitation = link_of(kind=SurveyKind.FOLLOW_UP)
    with pytest.raises(ValidationError) as refused:
        survey_response_create(link=invitation, answers=SurveyAnswers(applied="maybe"), now=NOW)
    assert refused.value.error_dict["applied"][0].code == "not_listed"
    with pytest.raises(ValidationError) as refused:
        survey_response_create(link=invitation, answers=SurveyAnswers(learned=5), now=NOW)
    assert refused.value.code == "no_answer"
    response = survey_response_create(
        link=invitation, answers=SurveyAnswers(applied="yes", used_other_resources="not_yet"), now=NOW
    )
    assert (response.applied, response.changed_something, response.used_other_resources) == ("yes", "", "not_yet")
    assert response.learned is None


@pytest.mark.django_db(transaction=True)
def test_two_answers_at_once_store_one_and_refuse_the_other():
    invitation = link_of(open_until=timezone.localdate() + dt.timedelta(days=1))
    start = threading.Barrier(2)
    outcomes = []

    def answer(score: int) -> None:
        try:
            start.wait()
            survey_response_create(link=invitation, answers=SurveyAnswers(learned=score))
            outcomes.append("stored")
        except AlreadyAnswered:
            outcomes.append("already")
        finally:
            connection.close()

    threads = [threading.Thread(target=answer, args=(score,)) for score in (2, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already", "stored"]
    assert SurveyResponse.objects.count() == 1
    assert UsedSurveyLink.objects.count() == 1


# --- The QR code in the room -------------------------------------------------------------------------------


def test_the_qr_address_is_signed_for_one_program(db):
    program = ProgramFactory()
    code = program_survey_code(program)
    assert program_for_survey_code(code) == program
    program_id, signature = code.split(":", 1)
    assert program_for_survey_code(f"{program_id}1:{signature}") is None
    assert program_for_survey_code(program_id) is None
    assert program_for_survey_code("x" * 500) is None


def test_an_in_room_link_is_for_the_programs_area_and_this_month_and_open_until_tomorrow(db):
    program = ProgramFactory(service_area="job_skills")
    link = survey_link_read(in_room_link_create(program=program, now=toronto(2026, 3, 31, 22)))
    assert link.kind == SurveyKind.IMMEDIATE
    assert (link.service_area, link.program_id, link.branch_id) == ("job_skills", program.pk, program.branch_id)
    assert (link.month, link.open_until) == (dt.date(2026, 3, 1), dt.date(2026, 4, 1))
    sent = SurveysSent.objects.get()
    assert (sent.channel, sent.program, sent.month, sent.count) == (SurveyChannel.IN_ROOM, program, link.month, 1)


def test_the_beat_runs_the_sweep_every_fifteen_minutes_through_a_thin_task(db, settings):
    from stats.tasks import surveys_send_due as task

    entry = settings.CELERY_BEAT_SCHEDULE["stats-surveys-send-due"]
    assert (entry["task"], entry["schedule"]) == ("stats.tasks.surveys_send_due", 900.0)
    attended_booking(timezone.now() - dt.timedelta(days=1))
    task.delay()
    task.delay()
    assert SurveysSent.objects.get().count == 1
