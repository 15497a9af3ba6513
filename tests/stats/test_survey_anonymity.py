"""Surveys are anonymous in fact: once the emails are sent, nothing stored matches an answer with an email or a
person, or puts answers in the order they were given."""

import datetime as dt
import re
import uuid

import pytest
from django.apps import apps
from django.core import mail
from django.db import connection, models
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from makerlab.models import Notification
from stats.models import SurveyResponse, SurveysSent, UsedSurveyLink
from stats.surveys import survey_link_read, surveys_send_due
from tests.factories import (
    ProgramFactory,
    ServiceTypeFactory,
    SurveyResponseFactory,
    SurveysSentFactory,
    survey_link,
)
from tests.stats.test_surveys import attended_booking, program_with_registration, toronto

pytestmark = pytest.mark.calendar

NOW = dt.datetime(2026, 4, 2, 16, 0, tzinfo=dt.UTC)
ANSWERS = {"learned": "5", "confident": "4", "liked_most": "Very patient.", "website": ""}
SURVEY_MODELS = [SurveyResponse, SurveysSent, UsedSurveyLink]
# What a survey may name: what it was about, never who.
SUBJECTS = {"bookings.ServiceType", "programs.Program", "makerlab.Branch"}


def _survey_path(body: str) -> str:
    return re.search(r"http://testserver(/survey/[A-Za-z0-9_:-]+/)", body).group(1)


def _everything_stored() -> str:
    """Every row of every table the project has, as text."""
    return "\n".join(
        str(list(model._default_manager.values_list()))
        for model in apps.get_models(include_auto_created=True)
        if not model._meta.proxy
    )


def test_after_sending_and_answering_nothing_stored_ties_an_answer_to_an_email(
    db, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(NOW, tick=False)
    tech = ServiceTypeFactory(name="Tech help", service_area="digital_learning")
    bookings = [attended_booking(toronto(2026, 3, 30, hour), service_type=tech) for hour in (10, 12, 14)]
    registration = program_with_registration(toronto(2026, 3, 31, 18))
    with django_capture_on_commit_callbacks(execute=True):
        assert surveys_send_due(now=NOW) == 4
    links = {message.to[0]: _survey_path(message.body) for message in mail.outbox}
    assert len(set(links.values())) == 4
    by_booking = [links[booking.contact_email] for booking in bookings]

    # The second and the first booking's patrons answer, two weeks apart, in that order; so does the program's.
    client = Client()
    assert client.post(by_booking[1], {**ANSWERS, "learned": "2"}).status_code == 302
    time_machine.move_to(NOW + dt.timedelta(days=14), tick=False)
    assert client.post(by_booking[0], {**ANSWERS, "learned": "4"}).status_code == 302
    assert client.post(links[registration.contact_email], ANSWERS).status_code == 302

    # One use: the same link again is thanked, and stores nothing more.
    again = client.post(by_booking[1], ANSWERS)
    assert again.status_code == 200 and "already answered" in again.text
    assert "already answered" in client.get(by_booking[0]).text
    assert SurveyResponse.objects.count() == UsedSurveyLink.objects.count() == 3

    # No survey link, nor its random part, is stored anywhere once the emails are sent.
    stored = _everything_stored()
    for path in links.values():
        token = path.split("/")[2]
        for secret in (token, *token.split(":"), survey_link_read(token).nonce):
            assert secret not in stored
    assert set(Notification.objects.values_list("status", flat=True)) == {Notification.Status.SENT}
    assert all(context == {} for context in Notification.objects.values_list("context", flat=True))
    assert not Notification.objects.exclude(object_id="").exists()
    assert not Notification.objects.filter(content_type__isnull=False).exists()

    # Survey tables hold no time, no date closer than the month, no counter in answer order, and no link to a
    # person, a booking, a registration or an email.
    for model in SURVEY_MODELS:
        for field in model._meta.concrete_fields:
            assert not isinstance(field, models.DateTimeField | models.TimeField), (model, field.name)
            assert not isinstance(field, models.AutoField | models.BigAutoField) or model is SurveysSent
            if field.is_relation:
                assert field.related_model._meta.label in SUBJECTS, (model, field.name)
            if isinstance(field, models.DateField):
                assert {day.day for day in model.objects.values_list(field.name, flat=True)} <= {1}
    assert {response.pk.version for response in SurveyResponse.objects.all()} == {4}
    assert all(uuid.UUID(str(response.pk)) for response in SurveyResponse.objects.all())
    # The two answers about the same service differ in nothing but the answers: which came from whom, or first,
    # cannot be told.
    about_tech = SurveyResponse.objects.filter(service_type=tech)
    context = ["kind", "service_area", "service_type", "program", "branch", "month", "answered_in"]
    assert about_tech.values(*context).distinct().count() == 1
    assert sorted(about_tech.values_list("learned", flat=True)) == [2, 4]
    # What was sent is a count per subject and month, with nothing per email.
    assert set(SurveysSent.objects.values_list("program", "service_type", "count")) == {
        (None, tech.pk, 3),
        (registration.program_id, None, 1),
    }


@pytest.mark.parametrize("days_late", [1, 40])
def test_an_expired_link_gets_the_closed_page_never_an_error(client, db, time_machine, days_late):
    time_machine.move_to(NOW, tick=False)
    path = reverse("surveys:survey", args=[survey_link(open_until=dt.date(2026, 4, 2) - dt.timedelta(days=days_late))])
    for response in (client.get(path), client.post(path, ANSWERS)):
        assert response.status_code == 410
        assert "This survey has closed" in response.text
    assert not SurveyResponse.objects.exists() and not UsedSurveyLink.objects.exists()


def _admin_pages(client) -> list:
    response = SurveyResponse.objects.first()
    return [
        client.get(reverse("admin:stats_surveyssent_changelist")),
        client.get(reverse("admin:stats_surveyresponse_changelist")),
        client.get(reverse("admin:stats_surveyresponse_change", args=[response.pk])),
    ]


def test_the_coordinator_sees_counts_and_answers_by_month_with_nothing_to_match_them(client, coordinator):
    tech = ServiceTypeFactory(name="Tech help")
    SurveysSentFactory(service_type=tech, count=3)
    SurveyResponseFactory(service_type=tech, liked_most="Very patient.")
    client.force_login(coordinator)
    sent, answers, answer = _admin_pages(client)
    assert sent.status_code == answers.status_code == answer.status_code == 200
    assert "Tech help" in sent.text and ">3<" in sent.text
    assert "Very patient." in answer.text and "March 2026" in answer.text
    for page in (sent, answers, answer):
        assert "/survey/" not in page.text
        assert not [label for label in ("Used at", "Created at", "Expires at", "Submitted on") if label in page.text]
    assert client.get("/admin/stats/usedsurveylink/").status_code == 404


@pytest.mark.parametrize("size", [1, 30])
def test_the_survey_admin_pages_cost_the_same_queries_at_two_sizes(client, coordinator, size):
    for month in range(1, size + 1):
        SurveysSentFactory(month=dt.date(2000 + month, 1, 1), program=ProgramFactory())
    SurveyResponseFactory.create_batch(size, program=ProgramFactory(), service_type=ServiceTypeFactory())
    client.force_login(coordinator)
    _admin_pages(client)
    with CaptureQueriesContext(connection) as queries:
        assert all(page.status_code == 200 for page in _admin_pages(client))
    assert len(queries) <= 30
