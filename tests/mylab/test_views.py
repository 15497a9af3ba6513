"""My Maker Lab: a sign-in link by email for a card and email that match, and one page with everything."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from makerlab.cards import card_number_make
from makerlab.formatting import day_text
from mylab.models import SignInLink
from mylab.services import sign_in_link_send
from mylab.tasks import sign_in_links_delete_old
from tests.factories import PatronFactory
from tests.mylab.helpers import fill_my_lab
from tests.refusals import refusal_codes

pytestmark = pytest.mark.django_db

START = reverse("mylab:start")
SAME_ANSWER = "If that card number and email match our records, we have sent a link"


@pytest.fixture
def doris(db):
    return PatronFactory(first_name="Doris", last_name="Campbell", email="doris.campbell@example.net")


def ask(client, card: str, email: str, capture):
    with capture(execute=True):
        return client.post(START, {"card_number": card, "email": email}, follow=True)


def link_in_last_email() -> str:
    return re.search(r"http://testserver(/my/sign-in/[^/\s]+/)", mail.outbox[-1].body).group(1)


def sign_in(client, doris, capture) -> None:
    ask(client, doris.card_number, doris.email, capture)
    response = client.post(link_in_last_email())
    assert response.status_code == 302


def assert_private(response) -> None:
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    # Pages with a form keep the referrer on our own site, or browsers would post them with "Origin: null".
    has_form = b'method="post"' in response.content
    assert response["Referrer-Policy"] == ("same-origin" if has_form else "no-referrer")
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


# --- Asking for a link ----------------------------------------------------------------------------------------


def test_the_form_explains_and_is_private(client):
    response = client.get(START)
    assert response.status_code == 200
    assert b"Email me a link" in response.content
    assert_private(response)


def test_a_known_card_and_email_get_a_link_and_the_same_answer_as_anyone(
    client, doris, django_capture_on_commit_callbacks
):
    known = ask(
        client,
        f" {doris.card_number[:4]}-{doris.card_number[4:]} ",
        "Doris.Campbell@EXAMPLE.net",
        django_capture_on_commit_callbacks,
    )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["Doris.Campbell@EXAMPLE.net"]
    assert mail.outbox[0].subject == "Your link to My Maker Lab"
    assert "works once, for 30 minutes" in mail.outbox[0].body

    capture = django_capture_on_commit_callbacks
    unknown_card = ask(client, card_number_make(424242), "doris.campbell@example.net", capture)
    wrong_email = ask(client, doris.card_number, "someone.else@example.net", capture)
    assert len(mail.outbox) == 1
    pages = [known, unknown_card, wrong_email]
    assert {page.redirect_chain[-1][0] for page in pages} == {reverse("mylab:sent")}
    assert len({page.content for page in pages}) == 1
    assert SAME_ANSWER in known.content.decode()
    assert_private(known)


def test_an_email_given_with_a_booking_also_matches(client, doris, now, django_capture_on_commit_callbacks):
    belongings = fill_my_lab(doris, now=now)
    belongings.upcoming_booking.contact_email = "doris@work.example"
    belongings.upcoming_booking.save()
    ask(client, doris.card_number, "DORIS@work.example", django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1


def test_an_anonymised_patron_gets_no_link(client, doris, django_capture_on_commit_callbacks):
    card, email = doris.card_number, doris.email
    doris.card_number, doris.anonymised_at = None, doris.created_at
    doris.save()
    ask(client, card, email, django_capture_on_commit_callbacks)
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("card", "email", "code"),
    [
        ("", "doris@example.net", "required"),
        ("not a card", "doris@example.net", "digits"),
        ("2" * 40, "doris@example.net", "length"),
        ("<script>alert(1)</script>", "doris@example.net", "digits"),
        ("2000\x00000", "doris@example.net", "null_characters_not_allowed"),
        ("'; DROP TABLE makerlab_patron; --", "doris@example.net", "digits"),
        (card_number_make(5), "", "required"),
        (card_number_make(5), "doris at example", "invalid"),
        (card_number_make(5), "a@" + "b" * 300 + ".net", "max_length"),
    ],
)
def test_bad_input_is_explained_on_the_form(client, doris, card, email, code, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(START, {"card_number": card, "email": email})
    assert response.status_code == 200
    assert code in refusal_codes(ValidationError(response.context["form"].errors.as_data()))
    assert 'role="alert"' in response.content.decode() or "error-summary" in response.content.decode()
    assert mail.outbox == []
    assert not SignInLink.objects.exists()


def test_a_filled_in_trap_field_sends_nothing(client, doris, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            START, {"card_number": doris.card_number, "email": doris.email, "website": "http://spam.example"}
        )
    assert response.status_code == 400
    assert mail.outbox == []


def test_asking_too_often_is_refused_kindly(client, doris, settings):
    settings.PUBLIC_POSTS_RATE = "2/10m"
    for _ in range(2):
        client.post(START, {"card_number": card_number_make(9), "email": "x@example.net"})
    response = client.post(START, {"card_number": doris.card_number, "email": doris.email})
    assert response.status_code == 429
    assert "Please wait a few minutes" in response.content.decode()
    assert not SignInLink.objects.exists()


# --- Using the link -------------------------------------------------------------------------------------------


def test_the_link_asks_for_a_press_then_opens_the_page_once(client, doris, django_capture_on_commit_callbacks):
    ask(client, doris.card_number, doris.email, django_capture_on_commit_callbacks)
    link = link_in_last_email()
    assert SignInLink.objects.get().token_digest not in mail.outbox[0].body

    confirm = client.get(link)
    assert confirm.status_code == 200
    assert "Open My Maker Lab" in confirm.content.decode()
    assert_private(confirm)
    assert client.get(START).content.decode().count("Email me a link") == 1  # a visit alone signs nobody in

    opened = client.post(link, follow=True)
    assert "Your bookings" in opened.content.decode()
    assert "Hello Doris" in opened.content.decode()
    assert_private(opened)

    again = client.get(link)
    assert again.status_code == 410
    assert "This link was already used" in again.content.decode()
    other_browser = client.__class__()
    assert other_browser.post(link).status_code == 410
    assert "Your bookings" not in other_browser.get(START).content.decode()


def test_an_expired_link_is_refused_kindly(client, doris, time_machine, django_capture_on_commit_callbacks):
    ask(client, doris.card_number, doris.email, django_capture_on_commit_callbacks)
    link = link_in_last_email()
    time_machine.shift(dt.timedelta(minutes=31))
    for response in (client.get(link), client.post(link)):
        assert response.status_code == 410
        assert "This link has expired" in response.content.decode()
        assert "works for 30 minutes only" in response.content.decode()
        assert_private(response)
    assert "Your bookings" not in client.get(START).content.decode()


@pytest.mark.parametrize("token", ["A" * 43, "tampered-" + "x" * 30])
def test_a_tampered_or_unknown_link_is_refused_kindly(client, doris, token, django_capture_on_commit_callbacks):
    ask(client, doris.card_number, doris.email, django_capture_on_commit_callbacks)
    real = link_in_last_email()
    for url in (reverse("mylab:sign_in", args=[token]), real[:-3] + ("B" if real[-3] != "B" else "C") + "/"):
        for response in (client.get(url), client.post(url)):
            assert response.status_code == 404
            assert "This link does not work" in response.content.decode()
    assert "Your bookings" not in client.get(START).content.decode()


def test_a_malformed_link_is_not_found(client):
    assert client.get("/my/sign-in/short/").status_code == 404
    assert client.get("/my/sign-in/" + "a" * 65 + "/").status_code == 404


def test_the_page_closes_after_its_time(client, doris, time_machine, django_capture_on_commit_callbacks):
    sign_in(client, doris, django_capture_on_commit_callbacks)
    time_machine.shift(dt.timedelta(minutes=119))
    assert "Your bookings" in client.get(START).content.decode()
    time_machine.shift(dt.timedelta(minutes=2))
    assert "Your bookings" not in client.get(START).content.decode()


def test_closing_the_page_signs_out(client, doris, django_capture_on_commit_callbacks):
    sign_in(client, doris, django_capture_on_commit_callbacks)
    response = client.post(reverse("mylab:sign_out"), follow=True)
    assert "You have left My Maker Lab" in response.content.decode()
    assert "Your bookings" not in response.content.decode()


# --- The page -------------------------------------------------------------------------------------------------


def test_the_page_lists_each_kind_with_its_manage_link(client, doris, now, django_capture_on_commit_callbacks):
    mine = fill_my_lab(doris, now=now, label="of Doris")
    sign_in(client, doris, django_capture_on_commit_callbacks)
    page = client.get(START).content.decode()

    assert reverse("bookings:manage", args=[mine.upcoming_booking.manage_token]) in page
    assert reverse("bookings:manage", args=[mine.past_booking.manage_token]) in page
    assert "Past and cancelled bookings" in page
    assert "Tech help of Doris: Attended" in page
    assert reverse("programs:manage", args=[mine.registration.manage_token]) in page
    assert "Robot club of Doris: Registered" in page
    assert "Ana (age 8), Ben (age 9)" in page
    assert "Sewing circle of Doris: On the waitlist, number 2 in line" in page
    assert reverse("programs:manage", args=[mine.waitlisted.manage_token]) in page
    assert reverse("seeds:request_manage", args=[mine.seed_request.manage_token]) in page
    assert "Bean of Doris" in page
    assert "Squash of Doris" in page
    assert "Laser cutter of Doris" in page
    assert "good until" in page
    assert "Seed-saving orientation" in page


def test_an_expired_training_says_so(client, doris, now, django_capture_on_commit_callbacks):
    mine = fill_my_lab(doris, now=now, label="of Doris")
    mine.training.expires_on = timezone.localdate(now) - dt.timedelta(days=1)
    mine.training.save()
    sign_in(client, doris, django_capture_on_commit_callbacks)
    page = client.get(START).content.decode()
    expired = day_text(mine.training.expires_on)
    assert f"Expired on {expired}. Book an orientation again before using it." in page


def test_another_patrons_things_never_appear(client, doris, now, django_capture_on_commit_callbacks):
    fill_my_lab(doris, now=now, label="of Doris")
    other = fill_my_lab(PatronFactory(), now=now, label="of Omar")
    sign_in(client, doris, django_capture_on_commit_callbacks)
    page = client.get(START).content.decode()
    assert "of Omar" not in page
    tokens = (other.upcoming_booking.manage_token, other.registration.manage_token, other.seed_request.manage_token)
    assert not [token for token in tokens if token in page]


def test_a_patron_with_nothing_yet_is_told_where_to_start(client, doris, django_capture_on_commit_callbacks):
    sign_in(client, doris, django_capture_on_commit_callbacks)
    assert "We have nothing on this card yet" in client.get(START).content.decode()


@pytest.mark.parametrize("size", [1, 4])
def test_the_page_costs_the_same_queries_at_any_size(
    client, doris, now, size, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    for n in range(size):
        fill_my_lab(doris, now=now, label=f"number {n}")
    sign_in(client, doris, django_capture_on_commit_callbacks)
    with django_assert_max_num_queries(10):
        response = client.get(START)
    assert response.content.decode().count("See, move or cancel") == size


# --- Old links ------------------------------------------------------------------------------------------------


def test_links_expired_over_a_day_ago_are_deleted_by_the_hourly_task(
    doris, now, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sign_in_link_send(card_number=doris.card_number, email=doris.email, now=now - dt.timedelta(days=2))
        sign_in_link_send(card_number=doris.card_number, email=doris.email, now=now)
    schedule = settings.CELERY_BEAT_SCHEDULE.values()
    assert {"task": "mylab.tasks.sign_in_links_delete_old", "schedule": 3600.0} in schedule
    sign_in_links_delete_old.delay()
    sign_in_links_delete_old.delay()
    assert list(SignInLink.objects.values_list("created_at", flat=True)) == [now]
