"""The coordinator's printables and newsletter digest in a real browser: reached from the Promotion start page,
the digest copied with its button, a bad month told on the form; axe-core's WCAG 2.1 AA rules hold throughout."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from programs.models import Session
from tests.conftest import PASSWORD
from tests.factories import BranchFactory, ProgramFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.time_machine("2026-11-18T10:30-05:00")]

TORONTO = ZoneInfo("America/Toronto")


@pytest.fixture
def robots(transactional_db):
    branch = BranchFactory(name="Central Library", slug="central")
    program = ProgramFactory(branch=branch, title="Robot Builders", slug="robot-builders")
    for day in (dt.date(2026, 12, 1), dt.date(2026, 12, 8)):
        start = dt.datetime.combine(day, dt.time(14), tzinfo=TORONTO)
        Session.objects.create(program=program, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    UserFactory(username="coordinator", first_name="Amira", last_name="Haddad", role="Coordinator", is_staff=True)
    return program


def log_in(page) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_the_coordinator_finds_the_posters_and_copies_the_digest(page, robots, assert_accessible):
    log_in(page)
    page.goto("/staff/promotion/")
    page.get_by_role("link", name="Posters, flyers and the month's sheet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Printables")
    expect(page.get_by_role("link", name="Poster, Letter for Robot Builders")).to_be_visible()
    expect(page.get_by_role("link", name="What's on in December 2026 (PDF, 1 page)")).to_be_visible()
    assert_accessible(page)

    page.goto("/staff/promotion/")
    page.get_by_role("link", name="Newsletter digest").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Newsletter digest: December 2026")
    preview = page.frame_locator("iframe.digest-preview")
    expect(preview.get_by_role("link", name="Robot Builders")).to_be_visible()
    assert_accessible(page)

    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy the HTML").click()
    expect(page.get_by_text("Copied. Paste it into the newsletter tool.")).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("<table") and "http://testserver/programs/robot-builders/" in copied

    page.get_by_role("textbox", name="Month").fill("2027-13")
    page.get_by_role("button", name="Show the digest").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_role("link", name="Write the month as the year")).to_be_visible()
    assert_accessible(page)


def test_without_javascript_the_digest_is_there_to_select_and_copy(browser, live_server, robots):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    log_in(page)
    page.goto("/staff/promotion/digest/?month=2026-12")
    assert "Robot Builders" in page.get_by_label("HTML source of the digest").input_value()
    expect(page.get_by_role("button", name="Copy the HTML")).to_be_hidden()
    context.close()
