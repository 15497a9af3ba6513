"""Check-in by QR code: the code on the confirmations, and the staff check-in page that reads it."""

import datetime as dt
from html import unescape

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings.links import booking_check_in_code, booking_check_in_url
from bookings.models import Booking
from makerlab.cards import card_number_make
from makerlab.checkin import BadCode, check_in_code, check_in_code_read
from programs.checkin import registration_check_in_code
from programs.models import AgeGroup, Attendance, Headcount, Registration, Session
from programs.services.registration import (
    ParticipantDetails,
    RegistrantDetails,
    registration_cancel,
    registration_create,
)
from tests.factories import ProgramFactory, ServiceTypeFactory, StaffMemberFactory, at, make_booking

# A weekday mid-morning: a booking a few minutes away is on the same day (codes work on the session's day).
pytestmark = pytest.mark.time_machine("2026-11-18T10:30-05:00")

PAGE = "/staff/check-in/"
_cards = iter(range(30_000, 99_999))


@pytest.fixture
def desk_client(client, assistant):
    client.force_login(assistant)
    return client


@pytest.fixture
def service(db, branch):
    return ServiceTypeFactory(branch=branch, name="Tech help: phone, tablet, laptop")


def register(program, *names: str, name: str = "Carmen Lopez") -> Registration:
    n = next(_cards)
    details = RegistrantDetails(
        card_number=card_number_make(n),
        name=name,
        email=f"parent{n}@example.net",
        participants=[ParticipantDetails(first_name=first, age=13, is_child=True) for first in names],
    )
    return registration_create(program=program, details=details)


def session_at(program, starts_at: dt.datetime) -> Session:
    return Session.objects.create(program=program, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=2))


def page_text(response) -> str:
    return unescape(response.content.decode())


# --- The code ---------------------------------------------------------------------------------------------


def test_a_code_names_what_it_checks_in_and_nothing_personal(db, service):
    booking = make_booking(service_type=service, starts_at=timezone.now(), contact_name="Mei Chen")
    code = booking_check_in_code(booking)
    assert code.startswith(f"B.{booking.pk}.") and len(code) < 40
    assert "Mei" not in code and booking.manage_token not in code
    url = booking_check_in_url(booking)
    assert url == f"http://testserver/staff/check-in/?code={code}"
    clipped = url.split("?", 1)[1]  # a scan whose first characters never reached the field
    for typed in (
        code,
        code.lower(),
        f"  {code}\n",
        url,
        url.replace("http://testserver", "https://elsewhere"),
        clipped,
        url.replace("=", "%3D").replace("code%3D", "code="),
    ):
        read = check_in_code_read(typed)
        assert (read.kind, read.pk) == ("B", booking.pk)


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "B.1",
        "B.1.AAAAAAAAAAAAAAAA",
        "X.1.AAAAAAAAAAAAAAAA",
        "<script>",
        "B.-1.AAAAAAAAAAAAAAAA",
        "?code=",
        "é" * 400,
    ],
)
def test_anything_else_is_not_a_code(db, typed):
    with pytest.raises(BadCode):
        check_in_code_read(typed)


def test_a_changed_number_breaks_the_signature(db):
    kind, pk, signature = check_in_code(kind="B", pk=41).split(".")
    with pytest.raises(BadCode):
        check_in_code_read(f"{kind}.42.{signature}")
    with pytest.raises(BadCode):
        check_in_code_read(f"R.{pk}.{signature}")


# --- Confirmations carry the QR code ----------------------------------------------------------------------


def test_the_booking_confirmation_page_and_email_carry_the_qr_code(client, branch, django_capture_on_commit_callbacks):
    from bookings.selectors import open_slots
    from bookings.services.booking import PatronDetails, booking_create
    from tests.factories import AssignmentFactory, QualificationFactory, ShiftFactory, SkillFactory

    skill = SkillFactory(name="Tech help")
    service = ServiceTypeFactory(branch=branch, required_skill=skill)
    staff = StaffMemberFactory()
    QualificationFactory(staff_member=staff, skill=skill)
    day = timezone.localdate() + dt.timedelta(days=2)
    AssignmentFactory(shift=ShiftFactory(branch=branch, starts_at=at(day, 13), ends_at=at(day, 16)), staff_member=staff)
    slot = open_slots(service_type=service, now=timezone.now())[0]
    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_create(
            service_type=service,
            starts_at=slot.starts_at,
            details=PatronDetails(card_number=card_number_make(3), name="Doris Campbell", email="doris@example.net"),
        )
    code = booking_check_in_code(booking)
    html = client.get(reverse("bookings:confirmed", args=[booking.manage_token])).content.decode()
    assert 'class="check-in-qr"' in html and code in html
    [message] = mail.outbox
    image = next(part for part in message.attachments if not isinstance(part, tuple))
    assert image["Content-ID"] == "<check-in-code>" and image.get_content_type() == "image/png"
    assert image.get_payload(decode=True).startswith(b"\x89PNG")
    assert 'src="cid:check-in-code"' in message.alternatives[0][0]
    assert f"Check-in code: {code}" in message.body


def test_the_program_confirmation_page_and_email_carry_the_qr_code(client, db, django_capture_on_commit_callbacks):
    program = ProgramFactory(title="Robots and rockets", places_per_registration=4)
    session_at(program, timezone.now() + dt.timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        registration = register(program, "Ana")
    code = registration_check_in_code(registration)
    html = client.get(reverse("programs:registered", args=[registration.manage_token])).content.decode()
    assert 'class="check-in-qr"' in html and code in html
    [message] = mail.outbox
    image = next(part for part in message.attachments if not isinstance(part, tuple))
    assert image["Content-ID"] == "<check-in-code>"
    assert 'src="cid:check-in-code"' in message.alternatives[0][0]
    assert f"Check-in code: {code}" in message.body


# --- The check-in page: bookings --------------------------------------------------------------------------


def test_only_desk_staff_open_the_check_in_page(client, volunteer, db):
    assert client.get(PAGE).status_code == 302  # to the login page
    client.force_login(volunteer)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"code": "B.1.AAAAAAAAAAAAAAAA"}).status_code == 403


def test_scanning_a_booking_shows_it_and_check_in_marks_it_attended(desk_client, assistant, service):
    booking = make_booking(
        service_type=service, starts_at=timezone.now() + dt.timedelta(minutes=10), contact_name="Mei Chen"
    )
    code = booking_check_in_code(booking)
    shown = page_text(desk_client.get(PAGE, {"code": booking_check_in_url(booking)}))
    assert "Mei Chen" in shown and "Tech help: phone, tablet, laptop" in shown
    assert f'name="code" value="{code}"' in shown  # the Check in button's form
    assert Booking.objects.get().status == Booking.Status.BOOKED  # looking changes nothing

    response = desk_client.post(PAGE, {"code": code}, follow=True)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.ATTENDED
    assert booking.history.first().history_user == assistant
    html = page_text(response)
    assert "Mei Chen is checked in for Tech help: phone, tablet, laptop." in html
    assert f"/staff/desk/bookings/{booking.pk}/outcome/" in html  # next: record the outcome


def test_the_page_takes_the_code_alone_as_typed(desk_client, service):
    booking = make_booking(service_type=service, starts_at=timezone.now() + dt.timedelta(hours=1))
    html = page_text(desk_client.get(PAGE, {"code": booking_check_in_code(booking).lower()}))
    assert booking.contact_name in html and "Check in" in html


@pytest.mark.parametrize(
    ("starts_in", "status", "message"),
    [
        (dt.timedelta(days=2), "booked", "check the patron in on that day."),
        (dt.timedelta(days=-2), "booked", "This code has expired"),
        (dt.timedelta(hours=1), "cancelled", "This booking was cancelled."),
        (dt.timedelta(hours=-1), "no_show", "did not come"),
    ],
)
def test_a_booking_that_cannot_be_checked_in_now_says_why_and_stays_as_it_is(
    desk_client, service, starts_in, status, message
):
    booking = make_booking(service_type=service, starts_at=timezone.now() + starts_in, status=status)
    code = booking_check_in_code(booking)
    assert message in page_text(desk_client.get(PAGE, {"code": code}))
    response = desk_client.post(PAGE, {"code": code})
    assert response.status_code == 200
    assert message in page_text(response)
    booking.refresh_from_db()
    assert booking.status == status


def test_a_second_scan_says_already_checked_in(desk_client, service):
    booking = make_booking(service_type=service, starts_at=timezone.now(), status="attended")
    html = page_text(desk_client.get(PAGE, {"code": booking_check_in_code(booking)}))
    assert "Checked in." in html and "Record the outcome" in html
    response = desk_client.post(PAGE, {"code": booking_check_in_code(booking)})
    assert "Already checked in." in page_text(response)


@pytest.mark.parametrize(
    ("code", "refusal"),
    [
        ("", "required"),
        ("hello", "bad_code"),
        ("B.1.AAAAAAAAAAAAAAAA", "bad_code"),  # tampered: the signature is wrong
        ("https://example.com/?code=<script>alert(1)</script>", "bad_code"),
        ("B." + "9" * 400, "max_length"),
        ("\x00\x01", "null_characters_not_allowed"),
        ("' OR 1=1 --", "bad_code"),
        (check_in_code(kind="B", pk=987654), "unknown"),
        (check_in_code(kind="R", pk=987654), "unknown"),
    ],
)
def test_bad_codes_give_a_clear_message_and_change_nothing(desk_client, service, code, refusal):
    booking = make_booking(service_type=service, starts_at=timezone.now())
    for response in (desk_client.get(PAGE, {"code": code}), desk_client.post(PAGE, {"code": code})):
        assert response.status_code == 200
        html = page_text(response)
        assert 'id="error-summary"' in html
        assert refusal in [error.code for error in response.context["form"].errors.as_data()["code"]]
        assert 'href="#id_code"' in html
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED


# --- The check-in page: program registrations --------------------------------------------------------------


@pytest.fixture
def program(db):
    return ProgramFactory(title="Robots and rockets", places_per_registration=4)


def test_a_registrations_people_are_marked_present_for_the_session_happening_now(desk_client, assistant, program):
    session = session_at(program, timezone.now() + dt.timedelta(minutes=20))  # check-in opens 30 minutes before
    family = register(program, "Ana", "Ben", name="Carmen Lopez")
    other = register(program, "Chloe")
    Headcount.objects.create(session=session, age_group=AgeGroup.ADULTS, count=2)
    Attendance.objects.create(session=session, participant=other.participants.get(), present=True)
    code = registration_check_in_code(family)

    html = page_text(desk_client.get(PAGE, {"code": code}))
    assert "Carmen Lopez" in html and "Robots and rockets" in html and "Ana, Ben" in html

    response = desk_client.post(PAGE, {"code": code}, follow=True)
    assert "Checked in for Robots and rockets: Ana, Ben." in page_text(response)
    present = dict(Attendance.objects.filter(session=session).values_list("participant__first_name", "present"))
    assert present == {"Ana": True, "Ben": True, "Chloe": True}  # Chloe, checked in before, stays present
    assert set(Attendance.objects.filter(participant__registration=family).values_list("marked_by", flat=True)) == {
        assistant.pk
    }
    assert Headcount.objects.get().count == 2  # the walk-ins counted before are kept
    assert "Checked in." in page_text(desk_client.get(PAGE, {"code": code}))


@pytest.mark.time_machine("2026-12-08T14:00-05:00")
def test_a_registration_checked_in_too_early_is_told_when_check_in_opens(desk_client, program):
    session_at(program, dt.datetime(2026, 12, 8, 18, 0, tzinfo=timezone.get_default_timezone()))
    registration = register(program, "Ana")
    code = registration_check_in_code(registration)
    message = "This registration's next session is Tuesday 8 December at 6:00 p.m.; check-in opens at 5:30 p.m."
    assert message in page_text(desk_client.get(PAGE, {"code": code}))
    response = desk_client.post(PAGE, {"code": code})
    assert response.status_code == 200 and message in page_text(response)
    assert not Attendance.objects.exists()


def test_a_registration_whose_sessions_are_over_has_an_expired_code(desk_client, program):
    session_at(program, timezone.now() - dt.timedelta(days=3))
    registration = register(program, "Ana")
    response = desk_client.post(PAGE, {"code": registration_check_in_code(registration)})
    assert "This code has expired" in page_text(response)
    assert not Attendance.objects.exists()


def test_a_cancelled_registration_is_not_checked_in(desk_client, program):
    session_at(program, timezone.now() + dt.timedelta(minutes=10))
    registration = register(program, "Ana")
    registration_cancel(registration=registration)
    response = desk_client.post(PAGE, {"code": registration_check_in_code(registration)})
    assert "This registration was cancelled." in page_text(response)
    assert not Attendance.objects.exists()


def test_program_check_in_needs_the_roster_permission(client, program):
    from tests.factories import UserFactory

    desk_only = UserFactory(username="desk-only")
    from django.contrib.auth.models import Permission

    desk_only.user_permissions.add(Permission.objects.get(codename="change_booking"))
    client.force_login(desk_only)
    session_at(program, timezone.now() + dt.timedelta(minutes=10))
    registration = register(program, "Ana")
    response = client.post(PAGE, {"code": registration_check_in_code(registration)})
    assert "needs the roster permission" in page_text(response)
    assert not Attendance.objects.exists()


# --- Query budgets ----------------------------------------------------------------------------------------


def _count(client, data) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(PAGE, data)
    assert response.status_code == 200
    return len(queries)


def test_the_check_in_page_for_a_booking_costs_the_same_with_more_data(desk_client, service):
    booking = make_booking(service_type=service, starts_at=timezone.now() + dt.timedelta(hours=1))
    code = {"code": booking_check_in_code(booking)}

    def add(n: int) -> None:
        for index in range(n):
            make_booking(service_type=service, starts_at=timezone.now() + dt.timedelta(days=1, hours=index))

    add(2)
    small = _count(desk_client, code)
    add(20)
    assert _count(desk_client, code) == small


def test_the_check_in_page_for_a_registration_costs_the_same_with_more_data(desk_client, program):
    session = session_at(program, timezone.now() + dt.timedelta(minutes=10))
    registration = register(program, "Ana", "Ben")
    code = {"code": registration_check_in_code(registration)}

    def add(n: int) -> None:
        for index in range(n):
            session_at(program, timezone.now() + dt.timedelta(days=index + 1))
            other = register(program, f"Kid{index}")
            Attendance.objects.create(session=session, participant=other.participants.get(), present=True)

    add(1)
    small = _count(desk_client, code)
    add(8)
    assert _count(desk_client, code) == small


def test_bench_pages_find_a_registration_and_a_patron_or_fall_back(desk_client, program, service):
    from bench.pages import check_in_of_largest_registration, desk_booking_of_busiest_patron

    assert check_in_of_largest_registration() == PAGE
    assert desk_booking_of_busiest_patron() == "/staff/desk/book/"
    session_at(program, timezone.now() + dt.timedelta(minutes=10))
    register(program, "Ana")
    family = register(program, "Ben", "Chloe")
    booking = make_booking(service_type=service, starts_at=timezone.now() + dt.timedelta(hours=2))
    assert check_in_of_largest_registration() == f"{PAGE}?code={registration_check_in_code(family)}"
    assert desk_booking_of_busiest_patron() == (
        f"/staff/desk/book/?service={service.pk}&card_number={booking.patron.card_number}"
    )
    for path in (check_in_of_largest_registration(), desk_booking_of_busiest_patron()):
        assert desk_client.get(path).status_code == 200
