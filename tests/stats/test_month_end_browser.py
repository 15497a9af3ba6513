"""The coordinator's month end in Chromium: November closed on the 1st by the monthly job, the coordinator finds the
report from the menu on the 2nd, chooses a patron quote, presses "Send to the board" and sees it sent; then a board
member reads the report with the quote. Axe on every page visited."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from makerlab.models import Notification
from stats import services
from stats.models import ReportClosing
from tests.conftest import PASSWORD
from tests.factories import (
    ServiceTypeFactory,
    SurveyResponseFactory,
    UserFactory,
    at,
    make_booking,
)

pytestmark = pytest.mark.browser

NOVEMBER = dt.date(2026, 11, 1)
QUOTE = "I can finally video call my grandchildren on my own."
OTHER_ANSWER = "More evening times, please."


@pytest.fixture
def november_closed_on_the_first(transactional_db, settings):
    settings.BOARD_REPORT_EMAILS = ["board@example.org"]
    settings.BOARD_REPORT_SEND_DAY = 3
    UserFactory(username="coordinator", first_name="Alex", last_name="Moreau", is_staff=True, role="Coordinator")
    UserFactory(username="board", role="Board")
    service = ServiceTypeFactory()
    for day in (4, 12, 19):
        make_booking(service_type=service, starts_at=at(dt.date(2026, 11, day), 10), status="attended")
    SurveyResponseFactory(month=NOVEMBER, liked_most=QUOTE, answered_in=NOVEMBER)
    SurveyResponseFactory(month=NOVEMBER, could_do_better=OTHER_ANSWER, answered_in=NOVEMBER)
    # The monthly job at 6:00 on the 1st: the month is closed, its PDF built, and no one emailed yet.
    services.month_close_previous(now=at(dt.date(2026, 12, 1), 6))
    assert not Notification.objects.exists()


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def open_november_from_the_menu(page, assert_accessible) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Maker Lab dashboard", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Report for November 2026").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("monthly report, November 2026")
    assert_accessible(page)


@pytest.mark.time_machine(at(dt.date(2026, 12, 2), 9))
def test_the_coordinator_chooses_a_quote_and_sends_the_report_then_the_board_reads_it(
    page, november_closed_on_the_first, assert_accessible
):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, "coordinator")
    open_november_from_the_menu(page, assert_accessible)
    status = page.locator("#board-status")
    expect(status).to_have_text("Goes to the board on Thursday 3 December unless you send it sooner.")

    page.get_by_role("link", name="Choose quotes").click()
    expect(page.get_by_role("heading", name="Choose quotes for November 2026")).to_be_visible()
    assert_accessible(page)
    page.get_by_label(re.compile(re.escape(QUOTE))).check()
    page.get_by_role("button", name="Put these quotes in the report").click()

    expect(page.get_by_text("1 quote in the report for November 2026.")).to_be_visible()
    expect(page.get_by_role("heading", name="In patrons' words")).to_be_visible()
    expect(page.get_by_text(QUOTE)).to_be_visible()
    expect(page.get_by_text(OTHER_ANSWER)).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("button", name="Send to the board").click()
    expect(page.get_by_text("The report for November 2026 is on its way to the board.")).to_be_visible()
    expect(status).to_have_text(
        re.compile(r"^Sent to the board on Wednesday 2 December at 9:0\d a\.m\. by Alex Moreau\.$")
    )
    expect(page.get_by_role("button", name="Send to the board")).to_have_count(0)
    assert_accessible(page)
    closing = ReportClosing.objects.get()
    assert closing.sent_at is not None
    assert Notification.objects.filter(kind="monthly_report", status=Notification.Status.SENT).count() == 1

    # The daily send on the 3rd finds nothing left to send.
    assert services.reports_send_due(now=at(dt.date(2026, 12, 3), 7)) == 0

    page.get_by_role("button", name="Log out").click()
    log_in(page, "board")
    open_november_from_the_menu(page, assert_accessible)
    expect(page.get_by_text(QUOTE)).to_be_visible()
    expect(page.get_by_role("button", name="Send to the board")).to_have_count(0)
    expect(page.locator("#board-status")).to_have_count(0)
