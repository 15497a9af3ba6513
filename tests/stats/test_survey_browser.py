"""A patron answers the survey with the keyboard alone; axe on every survey page and the staff QR page."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from stats.models import SurveyKind, SurveyResponse
from tests.conftest import PASSWORD
from tests.factories import ProgramFactory, ServiceTypeFactory, UserFactory, survey_link

pytestmark = pytest.mark.browser


def _focused_name(page) -> str:
    return page.evaluate("document.activeElement.name || document.activeElement.tagName")


def _tab_to(page, name: str, *, limit: int = 40) -> None:
    """Press Tab until the field called ``name`` has focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if _focused_name(page) == name:
            return
    raise AssertionError(f"Tab never reached {name}")


@pytest.fixture
def program(transactional_db):
    return ProgramFactory(title="Intro to Arduino", service_area="digital_learning")


def test_a_patron_answers_with_the_keyboard_only_and_is_thanked(page, program, assert_accessible):
    invitation = survey_link(program=program)
    page.goto(f"/survey/{invitation}/")
    expect(page.get_by_role("heading", name="Tell us how it went")).to_be_visible()
    expect(page.get_by_text("Intro to Arduino")).to_be_visible()
    assert_accessible(page)

    _tab_to(page, "learned")
    page.keyboard.press("Space")  # Strongly disagree, the first choice
    for _ in range(4):
        page.keyboard.press("ArrowDown")  # moves the choice along to Strongly agree
    page.keyboard.press("Tab")
    assert _focused_name(page) == "confident"
    page.keyboard.press("Space")
    for _ in range(3):
        page.keyboard.press("ArrowRight")  # Agree
    page.keyboard.press("Tab")
    assert _focused_name(page) == "intend_to_apply"
    page.keyboard.press("ArrowUp")  # from the first choice back round to the last: Not applicable
    page.keyboard.press("Tab")
    assert _focused_name(page) == "more_aware"  # skipped
    page.keyboard.press("Tab")
    assert _focused_name(page) == "liked_most"
    page.keyboard.type("Learning to solder with help.")
    page.keyboard.press("Tab")
    assert _focused_name(page) == "could_do_better"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Send my answers"
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    assert_accessible(page)
    answer = SurveyResponse.objects.get()
    assert (answer.learned, answer.confident, answer.intend_to_apply, answer.more_aware) == (5, 4, 0, None)
    assert answer.liked_most == "Learning to solder with help."

    page.goto(f"/survey/{invitation}/")
    expect(page.get_by_role("heading", name="This survey was already answered, thank you")).to_be_visible()
    assert_accessible(page)


def test_a_mistake_is_shown_on_the_form_and_the_follow_up_and_expired_pages_are_accessible(
    page, program, assert_accessible
):
    invitation = survey_link(program=program)
    page.goto(f"/survey/{invitation}/")
    page.get_by_label("What did you like most? (optional)").fill("<b>bold</b>")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator("#id_liked_most-error")).to_have_text("Write plain text, without < and > tags.")
    assert_accessible(page)

    service = ServiceTypeFactory(name="Sewing machine basics")
    follow_up = survey_link(kind=SurveyKind.FOLLOW_UP, service_type=service)
    page.goto(f"/survey/{follow_up}/")
    expect(page.get_by_role("heading", name="A few weeks later: three questions")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("group", name="Have you used what you learned?").get_by_label("Not yet").check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()

    expired = survey_link(open_until=timezone.localdate() - dt.timedelta(days=1))
    page.goto(f"/survey/{expired}/")
    expect(page.get_by_role("heading", name="This survey has closed")).to_be_visible()
    assert_accessible(page)

    page.goto(f"/survey/{expired[:-3]}/")
    expect(page.get_by_role("heading", name="This survey link does not work")).to_be_visible()
    assert_accessible(page)


def test_staff_open_the_printable_qr_code_from_the_roster(page, program, assert_accessible):
    UserFactory(username="assistant", is_staff=True, role="Library assistant")
    start = timezone.now() + dt.timedelta(hours=1)
    session = program.sessions.create(starts_at=start, ends_at=start + dt.timedelta(hours=2))
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("assistant")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.goto(f"/staff/programs/sessions/{session.pk}/")
    page.get_by_role("link", name="Print the survey QR code for this program").click()
    expect(page.get_by_role("heading", name="Intro to Arduino")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for the survey about Intro to Arduino")).to_be_visible()
    assert_accessible(page)
