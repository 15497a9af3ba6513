"""Booking at the desk for a patron who phones or walks in: a phone number will do, the service's questions are
asked, the card is looked up to fill in what is on file, and the form is the patrons' own contact form."""

import datetime as dt
from html import unescape

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.forms import BookingForm
from bookings.models import Booking, IntakeQuestion
from bookings.services.reminders import reminders_send_due
from bookings.staff_forms import DeskBookingForm
from makerlab.cards import card_number_make
from makerlab.forms import PatronContactForm
from makerlab.models import Notification, Patron
from tests.bookings.test_views import form_codes
from tests.factories import (
    AssignmentFactory,
    PatronFactory,
    QualificationFactory,
    ServiceTypeFactory,
    ShiftFactory,
    SkillFactory,
    at,
)

CARD = card_number_make(7)


@pytest.fixture
def open_desk(db, branch, desk_user):
    """A service with a required intake question, and Ada on the desk three days from now, 1 to 4 p.m."""
    day = timezone.localdate() + dt.timedelta(days=3)
    skill = SkillFactory(name="Tech help")
    service = ServiceTypeFactory(branch=branch, required_skill=skill, name="Tech help: phone, tablet, laptop")
    IntakeQuestion.objects.create(service_type=service, text="Which device will you bring?", required=True)
    QualificationFactory(staff_member=desk_user, skill=skill)
    shift = ShiftFactory(branch=branch, starts_at=at(day, 13), ends_at=at(day, 16))
    AssignmentFactory(shift=shift, staff_member=desk_user)
    return service, day


def question_field(service) -> str:
    return f"question_{service.questions.get().pk}"


def post_booking(client, service, starts_at: dt.datetime, **overrides):
    data = {
        "service": service.pk,
        "starts_at": starts_at.isoformat(),
        "card_number": CARD,
        "name": "Gordon Reid",
        "email": "",
        "phone": "519-555-0101",
        question_field(service): "An old iPad",
        **overrides,
    }
    return client.post(f"/staff/desk/book/?service={service.pk}", data)


def test_a_patron_with_a_phone_number_only_is_booked_and_the_desk_is_told_to_call(
    desk_client, desk_user, open_desk, django_capture_on_commit_callbacks
):
    service, day = open_desk
    with django_capture_on_commit_callbacks(execute=True):
        response = post_booking(desk_client, service, at(day, 13), reminder_consent="on")
    assert response.status_code == 302, response.content.decode()
    booking = Booking.objects.get()
    assert (booking.contact_email, booking.contact_phone, booking.reminder_consent) == ("", "519-555-0101", False)
    assert booking.intake_answers == {str(service.questions.get().pk): "An old iPad"}
    assert not mail.outbox and not Notification.objects.exists()  # no address: nothing to send
    followed = desk_client.get(response["Location"])
    assert "No email is sent: call them to remind them." in followed.content.decode()
    assert "No email: call to remind." in followed.content.decode()
    mine = desk_client.get("/staff/desk/mine/", {"day": f"{day:%Y-%m-%d}"}).content.decode()
    assert "No email: call to remind." in mine
    assert reminders_send_due(now=at(day, 12)) == 0


def test_a_patron_with_an_email_gets_the_confirmation_and_the_agenda_asks_no_call(
    desk_client, open_desk, django_capture_on_commit_callbacks
):
    service, day = open_desk
    with django_capture_on_commit_callbacks(execute=True):
        response = post_booking(desk_client, service, at(day, 13), email="gordon@example.net", phone="")
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["gordon@example.net"]
    assert "call to remind" not in desk_client.get(response["Location"]).content.decode()


def test_the_services_questions_are_asked_like_on_the_public_form(desk_client, open_desk):
    service, day = open_desk
    page = desk_client.get("/staff/desk/book/", {"service": service.pk}).content.decode()
    assert "Which device will you bring?" in page
    response = post_booking(desk_client, service, at(day, 13), **{question_field(service): ""})
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()[question_field(service)][0].code == "required"
    assert not Booking.objects.exists()


def test_the_desk_form_is_the_patrons_contact_form_worded_for_staff(open_desk):
    service, _ = open_desk
    questions = list(service.questions.all())
    desk = DeskBookingForm(service_type=service, questions=questions, times=[])
    public = BookingForm(service_type=service, questions=questions)
    assert isinstance(desk, PatronContactForm)
    for name in ("card_number", "email", "phone", question_field(service)):
        assert type(desk.fields[name]) is type(public.fields[name])
        assert desk.fields[name].max_length == public.fields[name].max_length
    assert desk.fields["card_number"].label == public.fields["card_number"].label == "Library card number"
    assert desk.fields["email"].label == public.fields["email"].label == "Email"
    assert desk.fields["name"].label == "Patron's name"
    assert not desk.fields["email"].required and public.fields["email"].required


def test_look_up_fills_in_what_is_on_file(desk_client, open_desk):
    service, _ = open_desk
    PatronFactory(
        card_number=CARD, first_name="Gordon", last_name="Reid", email="gordon@example.net", phone="519-555-0101"
    )
    typed = f"{CARD[:4]} {CARD[4:8]}-{CARD[8:]}"  # as read off the card, with a space and a dash
    response = desk_client.get("/staff/desk/book/", {"service": service.pk, "card_number": typed})
    html = response.content.decode()
    assert "On file: Gordon Reid." in html
    assert 'value="Gordon Reid"' in html and 'value="gordon@example.net"' in html and 'value="519-555-0101"' in html
    assert f'value="{CARD}"' in html


def test_look_up_of_a_new_card_says_so_and_keeps_the_number(desk_client, open_desk):
    service, _ = open_desk
    html = desk_client.get("/staff/desk/book/", {"service": service.pk, "card_number": CARD}).content.decode()
    assert "No patron has this card yet." in html
    assert f'value="{CARD}"' in html


def test_the_desk_and_the_booking_service_find_the_same_patron_by_card(
    desk_client, open_desk, django_capture_on_commit_callbacks
):
    service, day = open_desk
    patron = PatronFactory(card_number=CARD, first_name="Gordon", last_name="Reid", email="", phone="")
    typed = f"{CARD[:4]}-{CARD[4:]}"
    assert (
        f"On file: {patron}."
        in desk_client.get("/staff/desk/book/", {"service": service.pk, "card_number": typed}).content.decode()
    )
    response = post_booking(desk_client, service, at(day, 13), card_number=typed)
    assert response.status_code == 302
    assert Booking.objects.get().patron == patron
    assert Patron.objects.count() == 1


@pytest.mark.parametrize(
    ("card_number", "message"),
    [("12345", "card"), ("<script>alert(1)</script>", "card"), ("9" * 500, "card"), ("", "Enter the patron")],
)
def test_a_bad_card_to_look_up_is_refused_on_the_form(desk_client, open_desk, card_number, message):
    service, _ = open_desk
    response = desk_client.get("/staff/desk/book/", {"service": service.pk, "card_number": card_number})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="error-summary"' in html and message in html
    assert 'href="#lookup_card_number"' in html


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"email": "", "phone": ""}, "no_contact"),
        ({"phone": "<b>555</b>"}, "markup"),
        ({"phone": "5" * 31}, "max_length"),
        ({"email": "not-an-email"}, "invalid"),
        ({"name": ""}, "required"),
        ({"starts_at": "2020-01-01T10:00:00-05:00"}, "invalid_choice"),
        ({"card_number": "1' OR '1'='1"}, "digits"),
        ({"accessibility_needs": "x" * 501}, "max_length"),
    ],
)
def test_bad_desk_booking_input_is_refused_on_the_form(desk_client, open_desk, overrides, code):
    service, day = open_desk
    overrides = {"starts_at": at(day, 13).isoformat(), **overrides}
    response = desk_client.post(
        f"/staff/desk/book/?service={service.pk}",
        {
            "service": service.pk,
            "card_number": CARD,
            "name": "Gordon Reid",
            "phone": "519-555-0101",
            question_field(service): "An old iPad",
            **overrides,
        },
    )
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert 'id="error-summary"' in html and code in form_codes(response.context["form"])
    assert not Booking.objects.exists() and not Patron.objects.exists()


def test_the_desk_booking_page_costs_the_same_with_more_data(desk_client, desk_user, open_desk):
    service, _ = open_desk
    PatronFactory(card_number=CARD)
    url = f"/staff/desk/book/?service={service.pk}&card_number={CARD}"

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = desk_client.get(url)
        assert response.status_code == 200
        return len(queries)

    def add(n: int) -> None:
        for index in range(n):
            other = ServiceTypeFactory(branch=service.branch, required_skill=service.required_skill)
            IntakeQuestion.objects.create(service_type=service, text=f"Question {index}?")
            IntakeQuestion.objects.create(service_type=other, text="Anything else?")
            PatronFactory()

    add(2)
    small = count()
    add(20)
    assert count() == small
