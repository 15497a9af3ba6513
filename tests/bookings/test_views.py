import datetime as dt
import re
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking, BookingPause, IntakeQuestion, NotifyRequest
from bookings.services.booking import PatronDetails, booking_create
from makerlab.cards import card_number_make
from makerlab.formatting import day_text, when_text
from makerlab.models import Notification, Patron
from makerlab.refusals import PUBLIC_ANSWER
from tests.factories import (
    TORONTO,
    AssignmentFactory,
    EquipmentFactory,
    PatronFactory,
    QualificationFactory,
    ServiceTypeFactory,
    ShiftFactory,
    StaffMemberFactory,
    at,
    build_desk,
)
from tests.factories import booking_form_data as form_data
from tests.outbox import card_refusal_emails, card_refusal_text
from tests.refusals import refusal_codes


@pytest.fixture
def day() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=3)


@pytest.fixture
def service(db, day):
    return build_desk([day])


def post_booking(client, service, data):
    return client.post(reverse("bookings:book", args=[service.slug]), data)


def form_codes(form) -> list[str]:
    """The codes of the refusals on a form, its fields' and its own."""
    return refusal_codes(ValidationError(form.errors.as_data()))


def test_services_are_listed_in_plain_language(client, service):
    response = client.get(reverse("bookings:services"))
    assert response.status_code == 200
    assert service.name in response.text
    assert reverse("bookings:service", args=[service.slug]) in response.text


def test_times_are_grouped_by_day_as_radio_inputs(client, service, day):
    response = client.get(reverse("bookings:service", args=[service.slug]))
    assert response.status_code == 200
    text = response.text
    assert text.count('type="radio"') == 3
    assert f'<legend class="h5">{day_text(day, today=timezone.localdate())}</legend>' in text
    assert "2:00 to 2:45 p.m." in text
    assert at(day, 14).isoformat() in text


def test_a_patron_books_with_the_real_form_and_gets_a_confirmation(
    client, service, day, django_capture_on_commit_callbacks
):
    page = client.get(reverse("bookings:book", args=[service.slug]), {"starts_at": at(day, 14).isoformat()})
    assert page.status_code == 200
    assert "2:00 to 2:45 p.m." in page.text
    card = card_number_make(1)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_booking(
            client, service, form_data(at(day, 14), card_number=f" {card[:4]} {card[4:9]}-{card[9:]} ")
        )
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("bookings:confirmed", args=[booking.manage_token])
    assert booking.reminder_consent
    confirmed = client.get(response["Location"])
    assert "You are booked" in confirmed.text
    assert len(mail.outbox) == 1
    assert booking.patron.card_number == card


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"card_number": ""}, "required"),
        ({"card_number": "12345"}, "length"),
        ({"card_number": "2'; DROP TABLE bookings_booking; --"}, "digits"),
        ({"card_number": "9" * 5000}, "max_length"),
        ({"name": ""}, "required"),
        ({"name": "<script>alert(1)</script>"}, "markup"),
        ({"name": "x" * 161}, "max_length"),
        ({"email": "not-an-email"}, "invalid"),
        ({"phone": "\x00\x01"}, "control"),
        ({"accessibility_needs": "<img src=x onerror=alert(1)>"}, "markup"),
        ({"accessibility_needs": "a" * 501}, "max_length"),
    ],
)
def test_bad_input_gets_a_message_on_the_form_and_saves_nothing(client, service, day, overrides, code):
    response = post_booking(client, service, form_data(at(day, 14), **overrides))
    assert response.status_code == 200
    assert code in form_codes(response.context["form"])
    assert 'class="invalid-feedback"' in response.text or "alert-danger" in response.text
    assert not Booking.objects.exists()
    assert not Patron.objects.exists()


@pytest.mark.parametrize(
    "starts_at",
    ["", "tomorrow", "2025-13-45T99:99", "2030-01-01T14:00:00", "x" * 1000, "0001-01-01T00:00:00+00:00"],
)
def test_a_bad_or_tampered_time_gets_a_clear_message(client, service, day, starts_at):
    response = post_booking(client, service, {**form_data(at(day, 14)), "starts_at": starts_at})
    assert response.status_code in (200, 400)
    assert "alert-danger" in response.text
    assert not Booking.objects.exists()
    page = client.get(reverse("bookings:book", args=[service.slug]), {"starts_at": starts_at})
    assert page.status_code in (200, 400)
    assert "alert-danger" in page.text


@pytest.mark.parametrize(
    ("moment", "why"),
    [
        (lambda day: at(day, 14, 30), "not on the list"),
        (lambda day: timezone.now() - dt.timedelta(days=1), "past"),
        (lambda day: timezone.now() + dt.timedelta(minutes=30), "minimum notice"),
        (lambda day: at(day + dt.timedelta(days=60), 14), "beyond the horizon"),
        (lambda day: at(day, 18), "staff off shift"),
    ],
)
def test_a_time_that_was_not_offered_is_refused_with_a_reason(client, service, day, moment, why):
    response = post_booking(client, service, form_data(moment(day)))
    assert response.status_code == 200
    assert form_codes(response.context["form"]) == ["not_offered"]
    assert not Booking.objects.exists()


def test_equipment_out_of_service_refuses_the_time(client, db, day):

    service = build_desk([day])
    service.equipment = EquipmentFactory(branch=service.branch, in_service=False)
    service.save()
    response = post_booking(client, service, form_data(at(day, 14)))
    assert form_codes(response.context["form"]) == ["not_offered"]
    assert not Booking.objects.exists()


def test_a_patron_over_the_limit_is_told_why_by_email_only(client, service, day):
    service.max_future_bookings = 1
    service.save()
    post_booking(client, service, form_data(at(day, 13)))
    on_file = Patron.objects.get().email
    response = post_booking(client, service, form_data(at(day, 15), email="someone.else@example.org"))
    assert response.status_code == 200
    assert PUBLIC_ANSWER in response.text and "upcoming booking" not in response.text
    assert Booking.objects.count() == 1
    assert "You already have 1 upcoming booking for" in card_refusal_text(on_file)


def test_required_intake_questions_are_asked_and_answered(client, service, day):
    question = IntakeQuestion.objects.create(service_type=service, text="What device is it?", required=True)
    optional = IntakeQuestion.objects.create(service_type=service, text="Anything else?", order=1)
    page = client.get(reverse("bookings:book", args=[service.slug]), {"starts_at": at(day, 14).isoformat()})
    assert "What device is it?" in page.text and "Anything else? (optional)" in page.text
    response = post_booking(client, service, form_data(at(day, 14)))
    assert response.context["form"].errors.as_data()[f"question_{question.pk}"][0].code == "required"
    assert not Booking.objects.exists()
    post_booking(client, service, form_data(at(day, 14), **{f"question_{question.pk}": "An iPad"}))
    assert Booking.objects.get().intake_answers == {str(question.pk): "An iPad"}
    assert str(optional.pk) not in Booking.objects.get().intake_answers


def test_the_form_never_reveals_whether_a_card_is_known(client, service, day):
    PatronFactory(card_number=card_number_make(1), email="doris@example.net")
    known = post_booking(client, service, form_data(at(day, 14), sequence=1, email="x"))
    unknown = post_booking(client, service, form_data(at(day, 14), sequence=2, email="x"))
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|value="2[0-9]{13}"')
    assert strip.sub("", known.text) == strip.sub("", unknown.text)


def test_a_booking_never_changes_another_patrons_details(client, service, day):
    patron = PatronFactory(card_number=card_number_make(1), first_name="Doris", email="doris@example.net")
    post_booking(client, service, form_data(at(day, 14), name="Mallory Evil", email="mallory@example.net"))
    patron.refresh_from_db()
    assert (patron.first_name, patron.email) == ("Doris", "doris@example.net")
    assert Booking.objects.get().contact_email == "mallory@example.net"


def test_a_filled_honeypot_saves_nothing(client, service, day):
    response = post_booking(client, service, form_data(at(day, 14), website="http://spam.example"))
    assert response.status_code == 400
    assert "We could not take this request" in response.text
    assert not Booking.objects.exists()


def test_a_patron_who_mistyped_their_card_ten_times_can_still_book(client, service, day):
    for _ in range(10):
        refused = post_booking(client, service, form_data(at(day, 14), card_number="12345"))
        assert refused.status_code == 200 and "has 14 digits" in refused.text
    assert post_booking(client, service, form_data(at(day, 14))).status_code == 302
    assert Booking.objects.count() == 1


def test_an_address_is_limited_on_the_bookings_it_makes(client, service, day, settings):
    settings.PUBLIC_POSTS_RATE = "2/10m"
    for sequence, hour in ((1, 13), (2, 14)):
        made = post_booking(client, service, form_data(at(day, hour), sequence, email=f"p{sequence}@example.net"))
        assert made.status_code == 302
    third = form_data(at(day, 15), 3, email="p3@example.net")
    refused = post_booking(client, service, third)
    assert refused.status_code == 429
    assert "Please wait" in refused.text and 0 < int(refused["Retry-After"]) <= 600
    assert Booking.objects.count() == 2
    other = client.post(reverse("bookings:book", args=[service.slug]), third, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302


def test_an_address_is_limited_on_refused_forms_with_a_higher_ceiling(client, service, day, settings):
    settings.PUBLIC_POSTS_RATE = "2/10m"
    settings.PUBLIC_REFUSED_POSTS_RATE = "5/10m"
    for _ in range(5):
        assert post_booking(client, service, form_data(at(day, 14), name="")).status_code == 200
    assert post_booking(client, service, form_data(at(day, 14))).status_code == 429
    assert not Booking.objects.exists()
    other = client.post(reverse("bookings:book", args=[service.slug]), form_data(at(day, 14)), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302


def test_the_race_loser_gets_the_nearest_other_times(client, service, day):
    booking_create(
        service_type=service,
        starts_at=at(day, 14),
        details=PatronDetails(card_number=card_number_make(9), name="Quick Person", email="q@example.net"),
    )
    response = post_booking(client, service, form_data(at(day, 14)))
    assert response.status_code == 200
    assert form_codes(response.context["form"]) == ["not_offered"]
    assert "3:00 to 3:45 p.m." in response.text and "1:00 to 1:45 p.m." in response.text
    assert 'type="radio"' in response.text
    # The details stay filled in: choosing another time books it.
    assert 'value="Doris Campbell"' in response.text
    assert post_booking(client, service, form_data(at(day, 15))).status_code == 302


def test_unknown_and_tampered_manage_links_answer_404_and_expired_ones_say_so(client, service, day):
    booking = booking_create(
        service_type=service,
        starts_at=at(day, 14),
        details=PatronDetails(card_number=card_number_make(1), name="Doris", email="d@example.net"),
    )
    assert client.get(reverse("bookings:manage", args=[booking.manage_token])).status_code == 200
    tampered = booking.manage_token[:-1] + ("A" if booking.manage_token[-1] != "A" else "B")
    assert client.get(reverse("bookings:manage", args=[tampered])).status_code == 404
    assert client.get("/book/manage/short/").status_code == 404
    assert client.get("/book/manage/" + "%3Cscript%3E" * 5 + "/").status_code == 404
    assert client.post(reverse("bookings:cancel", args=[tampered])).status_code == 404
    long_ago = timezone.now() - dt.timedelta(days=31)
    Booking.objects.filter(pk=booking.pk).update(
        starts_at=long_ago - dt.timedelta(hours=1), ends_at=long_ago, status=Booking.Status.ATTENDED
    )
    expired = client.get(reverse("bookings:manage", args=[booking.manage_token]))
    assert expired.status_code == 410
    assert "This link has expired" in expired.text and expired["X-Robots-Tag"] == "noindex, nofollow"


def test_the_patron_cancels_until_the_cut_off(client, service, day):
    booking = booking_create(
        service_type=service,
        starts_at=at(day, 14),
        details=PatronDetails(card_number=card_number_make(1), name="Doris", email="d@example.net"),
    )
    page = client.get(reverse("bookings:manage", args=[booking.manage_token]))
    assert "Cancel this booking" in page.text and "Pick another time" in page.text
    response = client.post(reverse("bookings:cancel", args=[booking.manage_token]), follow=True)
    assert "is cancelled" in response.text
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    again = client.post(reverse("bookings:cancel", args=[booking.manage_token]))
    assert again.status_code == 200
    assert again.context["refusal"] == "cancelled" and again.context["errors"]


def test_past_the_cut_off_the_manage_page_explains_and_gives_the_phone(client, service, day):
    booking = booking_create(
        service_type=service,
        starts_at=at(day, 14),
        details=PatronDetails(card_number=card_number_make(1), name="Doris", email="d@example.net"),
    )
    Booking.objects.filter(pk=booking.pk).update(
        starts_at=timezone.now() + dt.timedelta(hours=1), ends_at=timezone.now() + dt.timedelta(hours=2)
    )
    page = client.get(reverse("bookings:manage", args=[booking.manage_token]))
    assert "too close to the time" in page.text and "519-555-0100" in page.text
    assert "Cancel this booking" not in page.text
    refused = client.post(reverse("bookings:cancel", args=[booking.manage_token]))
    assert refused.context["refusal"] == "too_close" and refused.context["errors"]


def test_the_patron_moves_the_booking_to_another_time(client, service, day):
    booking = booking_create(
        service_type=service,
        starts_at=at(day, 14),
        details=PatronDetails(card_number=card_number_make(1), name="Doris", email="d@example.net"),
    )
    url = reverse("bookings:move", args=[booking.manage_token])
    page = client.get(url)
    assert page.text.count('type="radio"') == 2  # the current time is not offered again
    bad = client.post(url, {"starts_at": "nonsense"})
    assert bad.status_code == 200 and "could not be read" in bad.text
    response = client.post(url, {"starts_at": at(day, 15).isoformat()}, follow=True)
    assert "3:00 to 3:45 p.m." in response.text
    booking.refresh_from_db()
    assert booking.starts_at == at(day, 15)
    assert booking.status == Booking.Status.BOOKED


def book_doris(service, day, hour: int = 14) -> Booking:
    return booking_create(
        service_type=service,
        starts_at=at(day, hour),
        details=PatronDetails(card_number=card_number_make(1), name="Doris", email="d@example.net"),
    )


def when_words(booking: Booking) -> str:
    return when_text(booking.starts_at, booking.ends_at, zone=TORONTO, today=timezone.localdate())


def test_cancel_asks_first_naming_the_booking_and_keeps_it_until_the_patron_says_yes(service, day):
    booking = book_doris(service, day)
    client = Client(enforce_csrf_checks=True)
    manage_url = reverse("bookings:manage", args=[booking.manage_token])
    cancel_url = reverse("bookings:cancel", args=[booking.manage_token])
    manage = client.get(manage_url)
    assert f'href="{cancel_url}">Cancel this booking</a>' in manage.text
    confirm = client.get(cancel_url)
    assert confirm.status_code == 200
    assert confirm["Cache-Control"].startswith("max-age=0") or "no-store" in confirm["Cache-Control"]
    text = confirm.text
    assert "<h1" in text and "Cancel this booking?" in text
    for detail in (service.name, when_words(booking), service.branch.name):
        assert detail in text
    assert re.search(r'<form method="post" action="' + re.escape(cancel_url) + '"', text)
    assert 'name="csrfmiddlewaretoken"' in text
    assert 'type="submit" class="btn btn-danger">Yes, cancel this booking</button>' in text
    assert f'href="{manage_url}">Keep my booking</a>' in text
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED  # looking at the question cancels nothing
    assert client.post(cancel_url).status_code == 403  # no CSRF token, no cancel
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text).group(1)
    done = client.post(cancel_url, {"csrfmiddlewaretoken": token}, follow=True)
    assert done.redirect_chain == [(manage_url, 302)]
    assert f"Your booking for {service.name} on {when_words(booking)} is cancelled." in done.text
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


@pytest.mark.parametrize(
    "data",
    [{}, {"confirm": "no"}, {"starts_at": "x" * 5000}, {"status": "booked", "token": "<script>alert(1)</script>"}],
)
def test_the_cancel_confirmation_ignores_stray_fields_and_refuses_other_methods(client, service, day, data):
    booking = book_doris(service, day)
    cancel_url = reverse("bookings:cancel", args=[booking.manage_token])
    assert client.put(cancel_url, data).status_code == 405
    assert client.delete(cancel_url).status_code == 405
    assert client.get(cancel_url, data).status_code == 200
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED
    assert client.post(cancel_url, data).status_code == 302
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


def test_the_cancel_question_is_not_asked_when_the_booking_cannot_be_cancelled(client, service, day):
    booking = book_doris(service, day)
    manage_url = reverse("bookings:manage", args=[booking.manage_token])
    cancel_url = reverse("bookings:cancel", args=[booking.manage_token])
    Booking.objects.filter(pk=booking.pk).update(
        starts_at=timezone.now() + dt.timedelta(hours=1), ends_at=timezone.now() + dt.timedelta(hours=2)
    )
    too_close = client.get(cancel_url)
    assert too_close.status_code == 302 and too_close["Location"] == manage_url
    assert "too close to the time" in client.get(manage_url).text
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
    assert client.get(cancel_url)["Location"] == manage_url
    again = client.post(cancel_url)
    assert again.status_code == 200 and again.context["refusal"] == "cancelled" and again.context["errors"]
    assert "Yes, cancel this booking" not in again.text


def test_a_cancelled_bookings_pages_say_so_and_offer_to_book_again(client, service, day):
    booking = book_doris(service, day)
    client.post(reverse("bookings:cancel", args=[booking.manage_token]))
    book_again = f'href="{reverse("bookings:service", args=[service.slug])}">Book {service.name} again</a>'

    manage = client.get(reverse("bookings:manage", args=[booking.manage_token]))
    assert "This booking is cancelled" in manage.text and book_again in manage.text
    assert "Pick another time" not in manage.text and "Cancel this booking" not in manage.text

    move_url = reverse("bookings:move", args=[booking.manage_token])
    move = client.get(move_url)
    assert move.status_code == 200
    assert "This booking is cancelled" in move.text and book_again in move.text
    assert 'type="radio"' not in move.text and "Move my booking" not in move.text
    assert "stays yours" not in move.text and "too close to the time" not in move.text

    mail.outbox.clear()
    refused = client.post(move_url, {"starts_at": at(day, 15).isoformat()})
    assert refused.status_code == 200
    assert refused.context["refusal"] == "cancelled" and refused.context["error"]
    assert 'type="radio"' not in refused.text and book_again in refused.text
    booking.refresh_from_db()
    assert (booking.status, booking.starts_at) == (Booking.Status.CANCELLED, at(day, 14))
    assert not mail.outbox
    for hostile in ("", "nonsense", "x" * 5000, at(day, 14).isoformat()):
        response = client.post(move_url, {"starts_at": hostile})
        assert response.status_code == 200 and "alert-danger" in response.text
    booking.refresh_from_db()
    assert (booking.status, booking.starts_at) == (Booking.Status.CANCELLED, at(day, 14))


@pytest.mark.parametrize("state", ["attended", "no_show", "started", "ended"])
def test_a_finished_booking_is_offered_no_time_and_cannot_be_moved(client, service, day, state):
    booking = book_doris(service, day)
    now = timezone.now()
    if state in ("attended", "no_show"):
        Booking.objects.filter(pk=booking.pk).update(status=state)
    else:
        start = now - dt.timedelta(minutes=10 if state == "started" else 90)
        Booking.objects.filter(pk=booking.pk).update(starts_at=start, ends_at=start + dt.timedelta(minutes=45))
    booking.refresh_from_db()
    book_again = f'href="{reverse("bookings:service", args=[service.slug])}">Book {service.name} again</a>'
    move_url = reverse("bookings:move", args=[booking.manage_token])
    move = client.get(move_url)
    assert move.status_code == 200
    assert 'type="radio"' not in move.text and "stays yours" not in move.text
    assert "time of this booking has passed" in move.text and book_again in move.text
    manage = client.get(reverse("bookings:manage", args=[booking.manage_token]))
    assert "time of this booking has passed" in manage.text and "Cancel this booking" not in manage.text
    refused = client.post(move_url, {"starts_at": at(day, 15).isoformat()})
    assert refused.context["refusal"] == "over" and refused.context["error"]
    assert Booking.objects.get(pk=booking.pk).starts_at == booking.starts_at


def test_nothing_free_lets_the_patron_ask_to_be_told(client, db):
    service = build_desk([])
    page = client.get(reverse("bookings:service", args=[service.slug]))
    assert "Email me when a time opens" in page.text
    url = reverse("bookings:notify", args=[service.slug])
    bad = client.post(url, {"name": "<b>x</b>", "email": "nope"})
    assert bad.status_code == 200 and form_codes(bad.context["notify_form"]) == ["markup", "invalid"]
    assert client.post(url, {"name": "Ann", "email": "ann@example.net", "website": "spam"}).status_code == 400
    assert not NotifyRequest.objects.exists()
    response = client.post(url, {"name": "Ann Lee", "email": "ann@example.net"}, follow=True)
    assert "We will email ann@example.net" in response.text
    client.post(url, {"name": "Ann Lee", "email": "ann@example.net"})
    assert NotifyRequest.objects.count() == 1


def test_unknown_service_answers_404_and_huge_week_numbers_are_harmless(client, service):
    assert client.get("/book/no-such-service/").status_code == 404
    url = reverse("bookings:service", args=[service.slug])
    for week in ["9" * 100, "-1", "abc", "3"]:
        assert client.get(url + "?" + urlencode({"week": week})).status_code == 200


def _grow(day: dt.date, service) -> None:
    """More days of shifts, staff and bookings for the same service: the page must not query more."""
    extra_days = [day + dt.timedelta(days=n) for n in range(1, 6)]
    skill = service.required_skill
    for offset, extra in enumerate(extra_days):
        person = StaffMemberFactory()
        QualificationFactory(staff_member=person, skill=skill)
        shift = ShiftFactory(branch=service.branch, starts_at=at(extra, 13), ends_at=at(extra, 16))
        AssignmentFactory(shift=shift, staff_member=person)
        booking_create(
            service_type=service,
            starts_at=at(extra, 13),
            details=PatronDetails(card_number=card_number_make(100 + offset), name="P Q", email="p@example.net"),
        )
    ServiceTypeFactory.create_batch(5, branch=service.branch, required_skill=skill)
    ServiceTypeFactory.create_batch(
        3, branch=service.branch, required_skill=skill, minimum_age=16, what_to_bring="Closed-toe shoes."
    )
    service.minimum_age = 16
    service.what_to_bring = "Your phone, charged."
    service.save(update_fields=["minimum_age", "what_to_bring"])


def test_pages_render_in_a_constant_number_of_queries(client, service, day, django_assert_max_num_queries):
    booking = booking_create(
        service_type=service,
        starts_at=at(day, 14),
        details=PatronDetails(card_number=card_number_make(1), name="Doris", email="d@example.net"),
    )
    urls = [
        reverse("bookings:services"),
        reverse("bookings:service", args=[service.slug]),
        reverse("bookings:book", args=[service.slug]) + "?" + urlencode({"starts_at": at(day, 13).isoformat()}),
        reverse("bookings:manage", args=[booking.manage_token]),
        reverse("bookings:move", args=[booking.manage_token]),
        reverse("bookings:cancel", args=[booking.manage_token]),
    ]

    def counts() -> list[int]:
        result = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result.append(len(queries))
        return result

    small = counts()
    _grow(day, service)
    large = counts()
    assert small == large
    for url in urls:
        with django_assert_max_num_queries(12):
            client.get(url)
    print("query counts", dict(zip(urls, large, strict=True)))


def test_bench_pages_find_a_service_and_a_booking_or_fall_back(client, db, day):
    from bench.pages import booking_manage_page, busiest_service

    assert booking_manage_page() == "/book/"
    assert busiest_service() == "/book/"
    service = build_desk([day])
    booking = booking_create(
        service_type=service,
        starts_at=at(day, 14),
        details=PatronDetails(card_number=card_number_make(1), name="Doris", email="d@example.net"),
    )
    assert busiest_service() == f"/book/{service.slug}/"
    assert booking_manage_page() == f"/book/manage/{booking.manage_token}/"
    for path in (busiest_service(), booking_manage_page()):
        assert client.get(path).status_code == 200


# --- Refusals about the card itself: the same answer on the page, the reason by email to the address on file ---

REASONS_IN_THE_EMAIL = {
    "upcoming_limit": "You already have 1 upcoming booking for",
    "week_limit": "at most 1 time a week",
    "training_needed": "Book an orientation on the",
    "paused": "Online booking is paused for your library card",
}


@pytest.mark.parametrize("reason", list(REASONS_IN_THE_EMAIL))
def test_a_refusal_about_the_card_reads_the_same_whatever_the_reason(client, service, day, reason):
    patron = PatronFactory(card_number=card_number_make(1), first_name="Doris", email="doris.on.file@example.net")
    if reason in ("upcoming_limit", "week_limit"):
        service.max_future_bookings, service.max_per_week = (1, 5) if reason == "upcoming_limit" else (5, 1)
        service.save()
        assert post_booking(client, service, form_data(at(day, 13))).status_code == 302
    elif reason == "training_needed":
        service.equipment, service.requires_training = EquipmentFactory(branch=service.branch), True
        service.save()
    else:
        BookingPause.objects.create(patron=patron, paused_until=at(day + dt.timedelta(days=20), 9), reason="3 missed")
    booked = Booking.objects.count()

    response = post_booking(client, service, form_data(at(day, 15), email="someone.else@example.org"))

    assert response.status_code == 200
    assert response.context["form"].errors == {"__all__": [PUBLIC_ANSWER]}
    assert form_codes(response.context["form"]) == ["card_record"]
    assert Booking.objects.count() == booked
    [(recipient, text)] = card_refusal_emails()
    assert recipient == "doris.on.file@example.net"
    assert REASONS_IN_THE_EMAIL[reason] in text and "Hello Doris" in text
    assert f"ending in {patron.card_number[-4:]}" in text and "Was it not you?" in text


def test_the_reason_is_emailed_once_a_day_and_never_without_an_address_on_file(client, service, day):
    service.max_future_bookings = 1
    service.save()
    post_booking(client, service, form_data(at(day, 13)))
    for _ in range(3):
        assert PUBLIC_ANSWER in post_booking(client, service, form_data(at(day, 15))).text
    assert len(card_refusal_emails()) == 1
    key = Notification.objects.get(kind="card_refusal").idempotency_key
    assert card_number_make(1) not in key and service.name not in key

    PatronFactory(card_number=card_number_make(2), email="")
    post_booking(client, service, form_data(at(day, 14), sequence=2))
    response = post_booking(client, service, form_data(at(day, 15), sequence=2))
    assert response.context["form"].errors == {"__all__": [PUBLIC_ANSWER]}
    assert len(card_refusal_emails()) == 1
