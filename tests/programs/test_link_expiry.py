"""A registration's private link stops working a set time after the program's last session, and says so."""

import datetime as dt

import pytest
from django.urls import reverse

from programs.models import Audience, Registration
from programs.services.registration import ParticipantDetails, registration_create
from tests.factories import ProgramFactory, with_sessions
from tests.programs.test_views import details

EXPIRED = "This link has expired"


@pytest.fixture
def registration(db):
    """A registration for two children in a program whose last session ends 10 days from now, at 4 p.m."""
    program = ProgramFactory(
        title="Little makers", audience=Audience.CHILDREN, min_age=6, max_age=10, capacity=6, places_per_registration=3
    )
    with_sessions(program, days=(3, 10))
    siblings = [ParticipantDetails("Ada", 7, True), ParticipantDetails("Grace", 9, True)]
    return registration_create(program=program, details=details(80, *siblings))


def _last_end(registration: Registration) -> dt.datetime:
    return registration.program.sessions.order_by("-ends_at").first().ends_at


def test_the_links_work_until_30_days_after_the_last_session(client, registration, time_machine):
    grace = registration.participants.get(first_name="Grace")
    pages = [
        reverse("programs:manage", args=[registration.manage_token]),
        reverse("programs:registered", args=[registration.manage_token]),
        reverse("programs:cancel", args=[registration.manage_token]),
        reverse("programs:cancel_person", args=[registration.manage_token, grace.pk]),
    ]
    time_machine.move_to(_last_end(registration) + dt.timedelta(days=30) - dt.timedelta(minutes=1), tick=False)
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 302), url
        assert EXPIRED not in response.text
    time_machine.move_to(_last_end(registration) + dt.timedelta(days=30, minutes=1), tick=False)
    for url in pages:
        response = client.get(url)
        assert response.status_code == 410, url
        assert EXPIRED in response.text and "My Maker Lab" in response.text
        assert "could not find" not in response.text
        assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_an_expired_link_cancels_nothing(client, registration, time_machine):
    grace = registration.participants.get(first_name="Grace")
    time_machine.move_to(_last_end(registration) + dt.timedelta(days=31), tick=False)
    assert client.post(reverse("programs:cancel", args=[registration.manage_token])).status_code == 410
    cancel_grace = reverse("programs:cancel_person", args=[registration.manage_token, grace.pk])
    assert client.post(cancel_grace).status_code == 410
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED and registration.participants.count() == 2


def test_the_lifetime_is_a_setting(client, registration, time_machine, settings):
    settings.MANAGE_LINK_DAYS = 5
    time_machine.move_to(_last_end(registration) + dt.timedelta(days=6), tick=False)
    assert client.get(reverse("programs:manage", args=[registration.manage_token])).status_code == 410


def test_an_unknown_link_still_says_not_found(client, registration, time_machine):
    time_machine.move_to(_last_end(registration) + dt.timedelta(days=31), tick=False)
    response = client.get(reverse("programs:manage", args=["x" * 43]))
    assert response.status_code == 404 and EXPIRED not in response.text


def test_an_offer_link_long_after_the_program_says_the_link_has_expired(client, registration, time_machine):
    Registration.objects.filter(pk=registration.pk).update(
        status=Registration.Status.OFFERED, offer_token="o" * 43, offer_expires_at=_last_end(registration)
    )
    url = reverse("programs:claim", args=["o" * 43])
    time_machine.move_to(_last_end(registration) + dt.timedelta(days=29), tick=False)
    assert "This offer has expired" in client.get(url).text
    time_machine.move_to(_last_end(registration) + dt.timedelta(days=31), tick=False)
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 410 and EXPIRED in response.text
    registration.refresh_from_db()
    assert registration.status == Registration.Status.OFFERED


def test_a_cancelled_last_session_does_not_stretch_the_link(client, registration, time_machine):
    last = registration.program.sessions.order_by("-ends_at").first()
    first = registration.program.sessions.order_by("ends_at").first()
    type(last).objects.filter(pk=last.pk).update(cancelled_at=first.ends_at)
    time_machine.move_to(first.ends_at + dt.timedelta(days=31), tick=False)
    assert client.get(reverse("programs:manage", args=[registration.manage_token])).status_code == 410
