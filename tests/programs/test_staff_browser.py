"""Taking attendance on a tablet: the week's sessions, the roster, ticking who came, counting walk-ins."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from makerlab.cards import card_number_make
from programs.models import Attendance, Headcount, Session
from programs.services import ParticipantDetails, RegistrantDetails, registration_create
from tests.conftest import PASSWORD
from tests.factories import ProgramFactory, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def session(transactional_db):
    UserFactory(username="assistant", is_staff=True, role="Library assistant")
    program = ProgramFactory(title="Teen coding club", places_per_registration=4)
    start = timezone.now() + dt.timedelta(hours=1)
    session = Session.objects.create(program=program, starts_at=start, ends_at=start + dt.timedelta(hours=2))
    registration_create(
        program=program,
        details=RegistrantDetails(
            card_number=card_number_make(501),
            name="Maria Lopez",
            email="maria@example.net",
            participants=[
                ParticipantDetails(first_name="Ana", age=13, is_child=True),
                ParticipantDetails(first_name="Luis", age=15, is_child=True),
            ],
        ),
    )
    return session


def test_assistant_takes_attendance_on_the_roster(page, session, assert_accessible):
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("assistant")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.goto("/staff/programs/")
    expect(page.get_by_role("navigation", name="Staff area").get_by_role("link", name="Programs")).to_be_visible()
    expect(page.get_by_role("heading", name="Program sessions this week")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Teen coding club").click()
    expect(page.get_by_role("heading", name="Teen coding club")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Luis").check()
    page.get_by_label("Teens (13 to 17)").fill("3")
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("Attendance saved: 1 registered came, 3 counted at the door.")).to_be_visible()
    expect(page.get_by_label("Luis")).to_be_checked()
    assert_accessible(page)

    assert {a.participant.first_name: a.present for a in Attendance.objects.select_related("participant")} == {
        "Ana": False,
        "Luis": True,
    }
    assert Headcount.objects.get().count == 3
