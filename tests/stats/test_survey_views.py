"""The survey pages as patrons and staff meet them, the consent boxes on the public forms, and unmet demand."""

import datetime as dt
import re

import factory
import pytest
from django.conf import settings
from django.contrib.sessions.models import Session as WebSession
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from bookings.models import Booking, UnmetDemand
from programs.models import Registration, Session
from stats.models import SurveyChannel, SurveyKind, SurveyResponse, SurveysSent, UsedSurveyLink
from stats.surveys import program_survey_code
from tests.concurrency import run_together
from tests.factories import (
    SURVEY_ANSWERS,
    ProgramFactory,
    ServiceTypeFactory,
    SkillFactory,
    SurveyResponseFactory,
    SurveysSentFactory,
    at,
    build_desk,
    register_url,
    survey_link,
    with_sessions,
)
from tests.factories import booking_form_data as booking_form
from tests.factories import registration_form_data as registration_form


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def program(db):
    return ProgramFactory(title="Intro to Arduino", service_area="digital_learning")


@pytest.fixture
def invitation(program) -> str:
    """An emailed survey link's token, about the program."""
    return survey_link(program=program, service_area="digital_learning")


def survey_url(token: str) -> str:
    return reverse("surveys:survey", args=[token])


# --- Consent on the public forms ---------------------------------------------------------------------------


def test_the_booking_form_asks_for_survey_consent_unticked_and_keeps_the_answer(client, db):
    day = timezone.localdate() + dt.timedelta(days=3)
    service = build_desk([day])
    page = client.get(reverse("bookings:book", args=[service.slug]), {"starts_at": at(day, 14).isoformat()})
    box = re.search(r'<input[^>]*name="survey_consent"[^>]*>', page.text)[0]
    assert "checked" not in box
    assert "Email me a two-minute survey afterwards (anonymous)" in page.text
    client.post(reverse("bookings:book", args=[service.slug]), booking_form(at(day, 14), survey_consent="on"))
    client.post(reverse("bookings:book", args=[service.slug]), booking_form(at(day, 15), sequence=2))
    assert dict(Booking.objects.values_list("starts_at", "survey_consent")) == {at(day, 14): True, at(day, 15): False}


def test_the_registration_form_asks_for_survey_consent_unticked_and_keeps_the_answer(client, db):
    program = with_sessions(ProgramFactory(min_age=None, max_age=None, places_per_registration=3), days=(3,))
    page = client.get(register_url(program))
    box = re.search(r'<input[^>]*name="survey_consent"[^>]*>', page.text)[0]
    assert "checked" not in box
    assert "Email me a two-minute survey afterwards (anonymous)" in page.text
    client.post(register_url(program), registration_form(1, survey_consent="on"))
    client.post(register_url(program), registration_form(2))
    consents = dict(Registration.objects.values_list("contact_email", "survey_consent"))
    assert consents == {"doris1@example.net": True, "doris2@example.net": False}


# --- Unmet demand ------------------------------------------------------------------------------------------


def test_a_fully_booked_service_counts_once_per_address_per_day(client, db, time_machine):
    full = build_desk([])
    url = reverse("bookings:service", args=[full.slug])
    assert "No free times right now" in client.get(url).text
    client.get(url)
    client.get(url, {"week": "2"})
    assert UnmetDemand.objects.filter(service_type=full).count() == 1
    Client(REMOTE_ADDR="10.0.0.2").get(url)  # another visitor
    assert UnmetDemand.objects.filter(service_type=full).count() == 2
    time_machine.shift(dt.timedelta(days=1))  # the same visitor, the next day
    client.get(url)
    assert UnmetDemand.objects.filter(service_type=full).count() == 3


def test_anonymous_views_of_a_full_service_are_bounded_and_make_no_session(db):
    full = build_desk([])
    url = reverse("bookings:service", args=[full.slug])
    for _ in range(20):
        response = Client(REMOTE_ADDR="203.0.113.7").get(url)  # a new visitor without cookies each time
        assert response.status_code == 200
        assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert UnmetDemand.objects.filter(service_type=full).count() == 1
    assert not WebSession.objects.exists()
    Client(REMOTE_ADDR="203.0.113.8").get(url)
    assert UnmetDemand.objects.filter(service_type=full).count() == 2


def test_with_the_cache_down_the_page_still_answers_and_counts_nothing(client, db, settings):
    full = build_desk([])
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    assert client.get(reverse("bookings:service", args=[full.slug])).status_code == 200
    assert not UnmetDemand.objects.exists()


def test_a_service_with_free_times_is_not_unmet_demand(client, db):
    day = timezone.localdate() + dt.timedelta(days=3)
    service = build_desk([day])
    other_full = build_desk([], branch=service.branch, skill=SkillFactory(name="Sewing help"))
    client.get(reverse("bookings:service", args=[service.slug]))
    assert not UnmetDemand.objects.exists()
    # A visitor seeing a full service, then one with times: only the full one counts.
    client.get(reverse("bookings:service", args=[other_full.slug]))
    client.get(reverse("bookings:service", args=[service.slug]))
    assert list(UnmetDemand.objects.values_list("service_type", flat=True)) == [other_full.pk]


# --- The immediate survey ----------------------------------------------------------------------------------


def test_the_survey_names_the_program_and_asks_four_statements_and_two_questions(client, invitation):
    page = client.get(survey_url(invitation))
    assert page.status_code == 200
    assert page["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-cache" in page["Cache-Control"] or "max-age=0" in page["Cache-Control"]
    text = page.text
    assert "Intro to Arduino" in text and "Digital learning" in text
    assert text.count("<fieldset") == 4
    assert text.count("<legend") == 4
    for statement in (
        "I learned something new that is helpful.",
        "I feel more confident about what I learned.",
        "I intend to apply what I learned.",
        "I am more aware of resources and services the library provides.",
    ):
        assert f">{statement}</legend>" in text
    assert text.count('type="radio"') == 4 * 6
    assert text.count(">Not applicable</label>") == 4
    assert text.count("<textarea") == 2
    assert 'maxlength="1000"' in text
    assert "checked" not in text


def test_a_patron_answers_once_and_is_thanked(client, program, invitation):
    response = client.post(survey_url(invitation), SURVEY_ANSWERS)
    assert response.status_code == 302
    assert response["Location"] == reverse("surveys:thanks")
    assert "Thank you" in client.get(response["Location"]).text
    answer = SurveyResponse.objects.get()
    assert (answer.learned, answer.confident, answer.intend_to_apply, answer.more_aware) == (5, 4, 0, None)
    assert answer.liked_most == "The volunteer was patient with me."
    assert answer.program == program
    assert UsedSurveyLink.objects.count() == 1

    again = client.post(survey_url(invitation), {**SURVEY_ANSWERS, "learned": "1"})
    assert again.status_code == 200
    assert "already answered, thank you" in again.text
    assert "already answered, thank you" in client.get(survey_url(invitation)).text
    assert SurveyResponse.objects.get().learned == 5


@pytest.mark.parametrize(
    ("changes", "refused"),
    [
        ({name: "" for name in SURVEY_ANSWERS}, {"__all__": ["no_answer"]}),
        ({"liked_most": "<script>alert(1)</script>"}, {"liked_most": ["markup"]}),
        ({"could_do_better": "fine\x00\x07"}, {"could_do_better": ["control", "null_characters_not_allowed"]}),
        ({"could_do_better": "x" * 1001}, {"could_do_better": ["max_length"]}),
        ({"learned": "9"}, {"learned": ["invalid_choice"]}),
        ({"confident": "'; DROP TABLE stats_surveyresponse; --"}, {"confident": ["invalid_choice"]}),
        ({"more_aware": "-1"}, {"more_aware": ["invalid_choice"]}),
    ],
)
def test_bad_answers_get_a_clear_message_and_change_nothing(client, invitation, changes, refused):
    response = client.post(survey_url(invitation), {**SURVEY_ANSWERS, **changes})
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()
    assert {field: [error.code for error in field_errors] for field, field_errors in errors.items()} == refused
    for field_errors in errors.values():
        assert all(escape(message) in response.text for error in field_errors for message in error.messages)
    assert not SurveyResponse.objects.exists()
    assert not UsedSurveyLink.objects.exists()


def test_a_filled_honeypot_stores_nothing(client, invitation):
    response = client.post(survey_url(invitation), {**SURVEY_ANSWERS, "website": "http://spam.example"})
    assert response.status_code == 400
    assert not SurveyResponse.objects.exists()


def test_survey_posts_are_rate_limited_per_address(client, invitation, settings):
    settings.PUBLIC_REFUSED_POSTS_RATE = "3/10m"
    for _ in range(3):
        assert client.post(survey_url(invitation), {"website": ""}).status_code == 200
    response = client.post(survey_url(invitation), SURVEY_ANSWERS)
    assert response.status_code == 429
    assert "Please wait a few minutes" in response.text
    assert not SurveyResponse.objects.exists()


def test_an_expired_link_gets_a_kind_page(client, db):
    invitation = survey_link(open_until=timezone.localdate() - dt.timedelta(days=1))
    page = client.get(survey_url(invitation))
    assert page.status_code == 410
    assert "This survey has closed" in page.text
    assert client.post(survey_url(invitation), SURVEY_ANSWERS).status_code == 410
    assert not SurveyResponse.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/survey/" + "A" * 43 + "/",
        "/survey/%3Cscript%3E/",
        "/survey/" + "a" * 300 + "/",
        "/survey/..%2F..%2Fetc/",
        "/survey/program/nonsense/",
        "/survey/program/1:forged-signature/",
    ],
)
def test_unknown_or_tampered_links_answer_404(client, invitation, path):
    assert client.get(path).status_code == 404
    assert client.post(path, SURVEY_ANSWERS).status_code in (404, 405)


def _relabelled(token: str) -> str:
    payload, signature = token.rsplit(":", 1)
    changed = signing.b64_decode(payload.encode()).replace(b"digital_learning", b"education")
    assert changed != signing.b64_decode(payload.encode())
    return f"{signing.b64_encode(changed).decode()}:{signature}"


@pytest.mark.parametrize(
    "alter",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # the signature changed
        lambda token: _relabelled(token),  # what the link is about changed, its signature kept
        lambda token: token[:40],  # cut short when copied
        lambda token: token.split(":")[0],  # no signature at all
    ],
)
def test_an_altered_link_gets_a_kind_page_and_stores_nothing(client, invitation, alter):
    tampered = alter(invitation)
    page = client.get(survey_url(tampered))
    assert page.status_code == 404
    assert "This survey link does not work" in page.text
    refused = client.post(survey_url(tampered), SURVEY_ANSWERS)
    assert refused.status_code == 404 and "This survey link does not work" in refused.text
    assert not SurveyResponse.objects.exists() and not UsedSurveyLink.objects.exists()


def test_a_link_signed_for_something_else_is_not_a_survey(client, db):
    for other in (
        signing.Signer(salt="stats.in-room-survey").sign("1"),
        signing.Signer(salt="stats.survey-link").sign_object(["weekly", "x", 1, None, None, "2026-03", "", 5]),
        signing.Signer(salt="stats.survey-link").sign_object({"kind": "immediate"}),
    ):
        assert client.get(survey_url(other)).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_submits_at_once_store_one_answer_and_thank_both():
    invitation = survey_link()

    def submit(score: str):
        def post():
            response = Client(raise_request_exception=False).post(
                survey_url(invitation), {**SURVEY_ANSWERS, "learned": score}
            )
            return response.status_code, "already answered" in response.content.decode()

        return post

    statuses = run_together([submit("2"), submit("5")])
    assert sorted(statuses) == [(200, True), (302, False)]
    assert SurveyResponse.objects.count() == UsedSurveyLink.objects.count() == 1
    assert UsedSurveyLink.objects.count() == 1


def test_the_survey_page_costs_the_same_queries_with_more_surveys(client, program):
    def counts() -> tuple[int, int]:
        fresh = survey_link(program=program)
        with CaptureQueriesContext(connection) as shown:
            client.get(survey_url(fresh))
        with CaptureQueriesContext(connection) as answered:
            client.post(survey_url(fresh), SURVEY_ANSWERS)
        return len(shown), len(answered)

    few = counts()
    SurveyResponseFactory.create_batch(30, program=program)
    SurveysSentFactory(program=program, count=30)
    for _ in range(30):
        client.post(survey_url(survey_link(program=program)), SURVEY_ANSWERS)
    assert counts() == few


# --- The follow-up survey ----------------------------------------------------------------------------------


def test_the_follow_up_asks_three_yes_not_yet_no_questions(client, db):
    service = ServiceTypeFactory(name="Sewing machine basics")
    invitation = survey_link(kind=SurveyKind.FOLLOW_UP, service_type=service)
    page = client.get(survey_url(invitation))
    assert "Sewing machine basics" in page.text
    assert page.text.count("<legend") == 3
    assert page.text.count('type="radio"') == 9
    assert "<textarea" not in page.text
    bad = client.post(survey_url(invitation), {"applied": "maybe", "website": ""})
    assert "Choose one of the answers listed" in bad.text
    response = client.post(survey_url(invitation), {"applied": "not_yet", "changed_something": "yes", "website": ""})
    assert response.status_code == 302
    answer = SurveyResponse.objects.get()
    assert (answer.kind, answer.applied, answer.changed_something, answer.used_other_resources) == (
        "follow_up",
        "not_yet",
        "yes",
        "",
    )


# --- The QR code in the room -------------------------------------------------------------------------------


def test_scanning_the_qr_code_opens_a_fresh_single_use_survey(client, db):
    program = ProgramFactory(title="Sewing club", service_area="education")
    url = reverse("surveys:program", args=[program_survey_code(program)])
    response = client.get(url)
    assert response.status_code == 302
    location = response["Location"]
    sent = SurveysSent.objects.get()
    assert (sent.kind, sent.channel, sent.count) == (SurveyKind.IMMEDIATE, SurveyChannel.IN_ROOM, 1)
    assert (sent.program, sent.service_area) == (program, "education")
    assert sent.month == timezone.localdate().replace(day=1)
    assert "Sewing club" in client.get(location).text
    # Scanning again before answering reopens the same survey; another phone gets its own.
    assert client.get(url)["Location"] == location
    assert Client().get(url)["Location"] != location
    assert SurveysSent.objects.get().count == 2
    # Once answered, the next scan is a new survey (for the next program, say).
    assert client.post(location, SURVEY_ANSWERS).status_code == 302
    assert client.get(url)["Location"] != location
    assert SurveysSent.objects.get().count == 3
    assert SurveyResponse.objects.get().program == program


def test_a_room_of_phones_on_one_address_is_limited_per_room(db, settings):
    settings.SURVEY_POSTS_RATE = "3/10m"
    url = reverse("surveys:program", args=[program_survey_code(ProgramFactory())])
    for _ in range(3):
        assert Client().get(url).status_code == 302
    refused = Client().get(url)
    assert refused.status_code == 429 and refused["X-Robots-Tag"] == "noindex, nofollow"
    assert SurveysSent.objects.get().count == 3
    assert Client(REMOTE_ADDR="10.0.0.9").get(url).status_code == 302


# --- The staff QR page -------------------------------------------------------------------------------------


def qr_url(program) -> str:
    return reverse("surveys_staff:program_qr", args=[program.pk])


@pytest.mark.parametrize("persona", ["coordinator", "assistant"])
def test_staff_print_a_qr_code_for_a_program(client, db, request, persona):
    program = ProgramFactory(title="Sewing & mending club")
    client.force_login(request.getfixturevalue(persona))
    page = client.get(qr_url(program))
    assert page.status_code == 200
    text = page.text
    assert "Sewing &amp; mending club" in text
    assert '<svg role="img" aria-label="QR code for the survey about Sewing &amp; mending club"' in text
    assert "style=" not in text.split("<svg", 1)[1].split("</svg>")[0]
    assert f"http://testserver/survey/program/{program_survey_code(program)}/" in text


def test_only_staff_who_run_programs_see_the_qr_page(client, db, volunteer, board_member):
    program = ProgramFactory()
    assert client.get(qr_url(program))["Location"].startswith(reverse("login"))
    for person in (volunteer, board_member):
        client.force_login(person)
        assert client.get(qr_url(program)).status_code == 403


def test_an_unknown_program_has_no_qr_page(client, coordinator):
    client.force_login(coordinator)
    assert client.get("/staff/stats/surveys/programs/999999/qr/").status_code == 404
    assert client.get("/staff/stats/surveys/programs/99999999999999999999/qr/").status_code == 404


def test_the_roster_links_to_the_qr_page(client, assistant):
    program = ProgramFactory()
    start = timezone.now() + dt.timedelta(hours=1)
    session = Session.objects.create(program=program, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    client.force_login(assistant)
    page = client.get(reverse("programs_staff:roster", args=[session.pk]))
    assert f'href="{qr_url(program)}"' in page.text


def test_the_qr_page_costs_the_same_queries_with_more_programs(client, coordinator):
    client.force_login(coordinator)
    program = ProgramFactory()
    client.get(qr_url(program))
    with CaptureQueriesContext(connection) as few:
        client.get(qr_url(program))
    ProgramFactory.create_batch(20)
    SurveysSentFactory.create_batch(20, program=program, month=factory.Sequence(lambda n: dt.date(2000 + n, 1, 1)))
    with CaptureQueriesContext(connection) as many:
        client.get(qr_url(program))
    assert len(few) == len(many)
