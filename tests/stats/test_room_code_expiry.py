"""A program's QR code in the room opens its survey until a set time after the program's last session."""

import datetime as dt

from django.urls import reverse

from stats.models import SurveysSent
from stats.surveys import program_survey_code
from tests.factories import ProgramFactory, with_sessions


def _last_end(program):
    return program.sessions.order_by("-ends_at").first().ends_at


def test_the_code_opens_surveys_until_14_days_after_the_last_session(client, db, time_machine):
    program = with_sessions(ProgramFactory(title="Sewing club"), days=(1, 8))
    url = reverse("surveys:program", args=[program_survey_code(program)])
    time_machine.move_to(_last_end(program) + dt.timedelta(days=14) - dt.timedelta(minutes=1), tick=False)
    assert client.get(url).status_code == 302
    assert SurveysSent.objects.get().count == 1
    time_machine.move_to(_last_end(program) + dt.timedelta(days=14, minutes=1), tick=False)
    closed = client.get(url)
    assert closed.status_code == 410
    assert "The survey for Sewing club has closed" in closed.text
    assert closed["X-Robots-Tag"] == "noindex, nofollow"
    assert SurveysSent.objects.get().count == 1


def test_the_days_are_a_setting(client, db, time_machine, settings):
    settings.SURVEY_ROOM_CODE_DAYS = 2
    program = with_sessions(ProgramFactory(title="Sewing club"), days=(1,))
    url = reverse("surveys:program", args=[program_survey_code(program)])
    time_machine.move_to(_last_end(program) + dt.timedelta(days=3), tick=False)
    assert client.get(url).status_code == 410
    assert not SurveysSent.objects.exists()


def test_a_program_without_sessions_stays_open(client, db, time_machine):
    program = ProgramFactory(title="Sewing club")
    time_machine.move_to(dt.datetime(2030, 1, 1, tzinfo=dt.UTC), tick=False)
    assert client.get(reverse("surveys:program", args=[program_survey_code(program)])).status_code == 302
