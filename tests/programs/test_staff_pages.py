"""The staff programs page: any week's sessions, past or future, for one program or all, in constant queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from makerlab.formatting import day_text
from programs.models import AgeGroup, Participant, Session
from programs.services.attendance import attendance_record
from tests.factories import ProgramFactory
from tests.programs.test_attendance import _register

URL = "/staff/programs/"


def _session(program, starts_at: dt.datetime) -> Session:
    return Session.objects.create(program=program, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1))


@pytest.fixture
def assistant_client(client, assistant):
    client.force_login(assistant)
    return client


def test_the_page_shows_any_week_past_or_future(assistant_client, now):
    today = timezone.localdate()
    _session(ProgramFactory(title="Robot club"), now + dt.timedelta(hours=2))
    _session(ProgramFactory(title="Sewing basics"), now - dt.timedelta(weeks=3))
    _session(ProgramFactory(title="Seed swap"), now + dt.timedelta(weeks=5))
    page = assistant_client.get(URL).content.decode()
    assert "Robot club</a>" in page and "Sewing basics</a>" not in page and "Seed swap</a>" not in page
    assert f'href="/staff/programs/?day={today - dt.timedelta(days=7)}">Previous week' in page
    assert f'href="/staff/programs/?day={today + dt.timedelta(days=7)}">Next week' in page
    assert 'href="/staff/programs/" aria-current="page">Today<' in page

    past = assistant_client.get(URL, {"day": f"{today - dt.timedelta(weeks=3)}"}).content.decode()
    assert "Sewing basics</a>" in past and "Robot club</a>" not in past
    assert "Attendance not taken yet" in past
    future = assistant_client.get(URL, {"day": f"{today + dt.timedelta(weeks=5)}"}).content.decode()
    assert "Seed swap</a>" in future and "Robot club</a>" not in future


def test_the_page_filters_by_program_and_keeps_the_filter_across_weeks(assistant_client, now):
    today = timezone.localdate()
    robots = ProgramFactory(title="Robot club")
    _session(robots, now + dt.timedelta(hours=2))
    _session(ProgramFactory(title="Sewing basics"), now + dt.timedelta(hours=3))
    page = assistant_client.get(URL, {"program": robots.pk}).content.decode()
    assert "Robot club" in page and "Sewing basics</a>" not in page
    assert f'href="/staff/programs/?day={today + dt.timedelta(days=7)}&amp;program={robots.pk}">Next week' in page
    assert f'href="/staff/programs/?program={robots.pk}" aria-current="page">Today<' in page


def test_a_session_on_now_and_one_with_attendance_taken_say_so(assistant_client, now, assistant):
    on_now = _session(ProgramFactory(title="Robot club"), now - dt.timedelta(minutes=10))
    attendance_record(session=on_now, present_ids=[], by=assistant, headcounts={AgeGroup.ADULTS: 3})
    page = assistant_client.get(URL).content.decode()
    assert "On now" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"day": "2026-02-30"}, "Enter a valid date."),
        ({"day": "9999-12-31"}, "Enter a date within ten years of today."),
        ({"program": "999999"}, "Choose a program from the list."),
        ({"program": "<script>"}, "Choose a program from the list."),
    ],
)
def test_a_bad_week_or_program_says_so_and_shows_this_week(assistant_client, now, query, message):
    _session(ProgramFactory(title="Robot club"), now + dt.timedelta(hours=2))
    response = assistant_client.get(URL, query)
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and message in page
    assert "Robot club</a>" in page


def _fill(count: int, now: dt.datetime) -> Session:
    """``count`` programs with a session each in the coming six days, three people registered for each; the last
    session."""
    session = None
    for number in range(count):
        program = ProgramFactory(title=f"Program {number}", places_per_registration=4, capacity=60)
        session = _session(program, now + dt.timedelta(days=number % 6, minutes=5))
        _register(program, "Ana", "Ben")
        _register(program, "Chloe")
    return session


def test_the_sessions_page_costs_the_same_queries_at_any_size(assistant_client, now, django_assert_max_num_queries):
    _fill(1, now)
    with CaptureQueriesContext(connection) as small:
        assert assistant_client.get(URL).status_code == 200
    _fill(12, now)
    with django_assert_max_num_queries(len(small)):
        page = assistant_client.get(URL, {"program": "", "day": f"{timezone.localdate()}"})
    assert page.content.decode().count("</a>,") == 13


def test_the_roster_costs_the_same_queries_at_any_size(assistant_client, assistant, now, django_assert_max_num_queries):
    session = _fill(1, now)
    with CaptureQueriesContext(connection) as small:
        assert assistant_client.get(f"/staff/programs/sessions/{session.pk}/").status_code == 200
    for _ in range(15):
        _register(session.program, "Dev", "Eli", "Fay")
    people = Participant.objects.filter(registration__program=session.program).values_list("pk", flat=True)
    attendance_record(
        session=session, present_ids=list(people)[::2], by=assistant, headcounts={"18_64": 2}, now=session.ends_at
    )
    with django_assert_max_num_queries(len(small)):
        page = assistant_client.get(f"/staff/programs/sessions/{session.pk}/")
    assert page.content.decode().count('name="present"') == 48


def test_every_program_ever_run_is_offered_by_title_and_first_day_without_loading_the_rest(assistant_client, now):
    """Years of past programs stay in the choice of program; only their titles and first days are read for it."""
    for years_ago in range(3, 0, -1):
        _session(ProgramFactory(title="Robot club", description="x" * 5000), now - dt.timedelta(days=365 * years_ago))
    with CaptureQueriesContext(connection) as captured:
        page = assistant_client.get(URL).content.decode()
    for years_ago in range(3, 0, -1):
        first_day = day_text(timezone.localtime(now - dt.timedelta(days=365 * years_ago)).date())
        assert f"Robot club (from {first_day})</option>" in page
    choices = [
        query["sql"] for query in captured.captured_queries if 'MIN("programs_session"."starts_at")' in query["sql"]
    ]
    assert len(choices) == 1
    assert '"programs_program"."description"' not in choices[0]
