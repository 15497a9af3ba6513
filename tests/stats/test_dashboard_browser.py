"""The dashboard in Chromium: the coordinator opens it from the menu, filters by branch and months,
and follows a link to a closed monthly report; axe on each page."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from stats.dashboard import add_months, month_first
from stats.services import month_close
from tests.conftest import PASSWORD
from tests.factories import BranchFactory, SurveyResponseFactory, SurveysSentFactory, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def stats_data(transactional_db):
    UserFactory(username="coordinator", is_staff=True, role="Coordinator")
    central = BranchFactory(name="Central Library", slug="central")
    east = BranchFactory(name="East Branch", slug="east")
    this_month = month_first(timezone.localdate())
    last_month = add_months(this_month, -1)
    for branch, count in ((central, 3), (east, 5)):
        SurveysSentFactory(month=last_month, branch=branch, count=count)
        for _ in range(count):
            SurveyResponseFactory(month=last_month, branch=branch)
    month_close(month=add_months(this_month, -2))
    return {"this_month": this_month, "last_month": last_month, "closed": add_months(this_month, -2)}


def log_in(page) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def chart_texts_cut_off(page) -> list[str]:
    """The texts of the page's charts that reach outside their chart, as drawn by the browser."""
    return page.evaluate(
        """() => [...document.querySelectorAll("svg.chart")].flatMap((svg) => {
            const box = svg.getBoundingClientRect();
            return [...svg.querySelectorAll("text")].filter((text) => {
                const r = text.getBoundingClientRect();
                return r.left < box.left - 1 || r.right > box.right + 1
                    || r.top < box.top - 1 || r.bottom > box.bottom + 1;
            }).map((text) => text.textContent);
        })"""
    )


def test_coordinator_reads_filters_and_opens_a_report(page, stats_data, assert_accessible):
    this_month, last_month, closed = stats_data["this_month"], stats_data["last_month"], stats_data["closed"]
    log_in(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Maker Lab dashboard", exact=True)).to_be_visible()
    expect(
        page.get_by_role("heading", name=f"{this_month:%B %Y} so far, beside the same days last year")
    ).to_be_visible()
    expect(page.get_by_role("img", name="Sessions attended")).to_be_visible()
    assert chart_texts_cut_off(page) == []
    surveys = page.get_by_role("table", name="Main figures").get_by_role("row", name="Surveys answered")
    expect(surveys).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Branch").select_option(label="East Branch")
    page.get_by_label("From month").fill(f"{add_months(last_month, -2):%Y-%m}")
    page.get_by_label("To month").fill(f"{last_month:%Y-%m}")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="Maker Lab dashboard, East Branch")).to_be_visible()
    expect(page.get_by_role("heading", name=f"{last_month:%B %Y}, beside {last_month:%B} last year")).to_be_visible()
    row = page.get_by_role("table", name="Main figures").get_by_role("row", name="Surveys answered")
    expect(row.get_by_role("cell").first).to_have_text("5")
    assert_accessible(page)

    # The month picker refuses a thirteenth month; a hand-edited address is explained, not failed.
    page.goto("/staff/stats/?start=2026-13&branch=east")
    expect(page.get_by_text("Showing the last 13 months for all branches.")).to_be_visible()
    expect(page.get_by_text("Enter a month as year and month, like 2026-03.").first).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=f"Report for {closed:%B %Y}").click()
    expect(page).to_have_url(re.compile(rf"/staff/stats/reports/{closed:%Y-%m}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{closed:%B %Y}")
    assert_accessible(page)
