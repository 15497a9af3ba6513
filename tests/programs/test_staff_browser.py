"""Taking attendance on a tablet: the week's sessions, the roster, ticking who came, counting walk-ins, offline."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from makerlab.cards import card_number_make
from programs.models import Attendance, Headcount, Session
from programs.services.registration import ParticipantDetails, RegistrantDetails, registration_create
from tests.conftest import PASSWORD
from tests.factories import ProgramFactory, UserFactory

pytestmark = pytest.mark.browser

TABLET = {"width": 820, "height": 1180}


def _register(program, number: int, name: str, *children: tuple[str, int]) -> None:
    registration_create(
        program=program,
        details=RegistrantDetails(
            card_number=card_number_make(number),
            name=name,
            email=f"family{number}@example.net",
            participants=[ParticipantDetails(first_name=first, age=age, is_child=True) for first, age in children],
        ),
    )


@pytest.fixture
def session(transactional_db):
    """A session of the teen coding club that started twenty minutes ago, and one of another club next week."""
    UserFactory(username="assistant", is_staff=True, role="Library assistant")
    program = ProgramFactory(title="Teen coding club", places_per_registration=4)
    start = timezone.now() - dt.timedelta(minutes=20)
    session = Session.objects.create(program=program, starts_at=start, ends_at=start + dt.timedelta(hours=2))
    _register(program, 501, "Maria Lopez", ("Ana", 13), ("Luis", 15))
    _register(program, 502, "Sam Chen", ("Chloe", 14))
    later = ProgramFactory(title="Robot club")
    next_week = start + dt.timedelta(days=8)
    Session.objects.create(program=later, starts_at=next_week, ends_at=next_week + dt.timedelta(hours=1))
    return session


def _marks() -> dict[str, bool]:
    return {a.participant.first_name: a.present for a in Attendance.objects.select_related("participant")}


def test_assistant_takes_attendance_on_a_tablet_and_loses_no_tick_offline(page, session, assert_accessible):
    page.set_viewport_size(TABLET)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("assistant")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.goto("/staff/")
    page.get_by_role("navigation", name="Staff area").get_by_role("link", name="Programs").click()
    expect(page.get_by_role("heading", name="Program sessions")).to_be_visible()
    expect(page.get_by_text("On now")).to_be_visible()
    expect(page.get_by_role("link", name="Robot club")).to_have_count(0)
    assert_accessible(page)
    other_weeks = page.get_by_role("navigation", name="Other weeks")
    other_weeks.get_by_role("link", name="Next week").click()
    expect(page.get_by_role("link", name="Robot club")).to_be_visible()
    assert_accessible(page)
    other_weeks.get_by_role("link", name="Today").click()

    page.get_by_role("link", name="Teen coding club").click()
    expect(page.get_by_role("heading", name="Teen coding club")).to_be_visible()
    expect(page.get_by_text("The session is on until")).to_be_visible()
    assert_accessible(page)
    # Each name is a target at least 44 pixels high: tapping it ticks the box.
    luis = page.locator("label", has_text="Luis")
    assert luis.bounding_box()["height"] >= 44
    luis.click()
    expect(page.get_by_label("Luis")).to_be_checked()
    page.locator("label", has_text="Ana").click()
    more_adults = page.get_by_role("button", name="One more walk-in adult")
    assert more_adults.bounding_box()["height"] >= 44
    more_adults.click()
    more_adults.click()
    page.get_by_role("button", name="One fewer walk-in adult").click()
    page.get_by_role("button", name="One more walk-in teen").click()
    expect(page.get_by_label("Adults (18 to 64)")).to_have_value("1")
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("Attendance saved: 2 registered came, 2 counted at the door.")).to_be_visible()
    expect(page.get_by_label("Luis")).to_be_checked()
    assert_accessible(page)
    assert _marks() == {"Ana": True, "Luis": True}
    assert sorted(Headcount.objects.values_list("age_group", "count")) == [("13_17", 1), ("18_64", 1)]

    # The connection drops: the tick is kept on the tablet and saved once the connection is back.
    page.context.set_offline(True)
    page.locator("label", has_text="Chloe").click()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("Not saved yet: you are offline, your ticks are kept on this tablet.")).to_be_visible()
    assert_accessible(page)
    assert "Chloe" not in _marks()
    page.context.set_offline(False)
    expect(page.get_by_text("Attendance saved: 3 registered came, 2 counted at the door.")).to_be_visible()
    expect(page.get_by_label("Chloe")).to_be_checked()
    assert _marks() == {"Ana": True, "Luis": True, "Chloe": True}
    assert_accessible(page)


def test_a_roster_before_the_start_keeps_the_ticks_it_cannot_save(page, session, assert_accessible):
    Session.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() + dt.timedelta(hours=1), ends_at=timezone.now() + dt.timedelta(hours=2)
    )
    page.set_viewport_size(TABLET)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("assistant")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.goto(f"/staff/programs/sessions/{session.pk}/")
    expect(page.get_by_text("This session has not started yet.", exact=True)).to_be_visible()
    page.locator("label", has_text="Luis").click()
    page.get_by_role("button", name="One more walk-in child").click()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_label("Luis")).to_be_checked()
    expect(page.get_by_label("Children (0 to 12)")).to_have_value("1")
    assert_accessible(page)
    assert not Attendance.objects.exists() and not Headcount.objects.exists()
    # Opened again later on this tablet, the ticks are still there, ready to save once the session starts.
    page.goto(f"/staff/programs/sessions/{session.pk}/")
    expect(page.get_by_label("Luis")).to_be_checked()
    expect(page.get_by_text("Ticks and counts kept on this tablet are back on the form.")).to_be_visible()
