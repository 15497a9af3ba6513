"""The representative records the monthly inspection in a browser, and the coordinator follows the actions it made:
every page, with its errors shown, clean under axe-core's WCAG 2.1 AA rules."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from safety.models import CorrectiveAction, InspectionItem
from tests.conftest import PASSWORD
from tests.factories import BranchFactory, UserFactory
from tests.safety.helpers import action_for, inspection_for, representative_of

pytestmark = pytest.mark.browser

CHECKLIST = ["First-aid kit stocked", "Fire extinguisher tagged", "Ventilation running", "Floors clear"]


@pytest.fixture
def inspection(transactional_db):
    for position, text in enumerate(CHECKLIST, start=1):  # a transactional test before this one may have emptied it
        InspectionItem.objects.get_or_create(text=text, defaults={"position": position})
    branch = BranchFactory(name="Central Library", slug="central")
    rep = UserFactory(username="rep", first_name="Jamal", last_name="Haddad", is_staff=True, role="Library assistant")
    representative_of(branch, rep)
    UserFactory(username="coordinator", first_name="Priya", last_name="Raman", is_staff=True, role="Coordinator")
    return inspection_for(branch, month=timezone.localdate().replace(day=1), inspector=rep)


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_the_representative_records_the_inspection_and_the_coordinator_follows_the_action(
    page, inspection, assert_accessible
):
    log_in(page, "rep")
    page.goto(f"/staff/safety/inspections/{inspection.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Workplace inspection: Central Library")
    assert_accessible(page)

    page.get_by_role("button", name="Record the inspection").click()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Say whether “First-aid kit stocked” is OK.")
    assert_accessible(page)

    for group in page.locator("fieldset").all():
        group.get_by_role("radio", name="OK", exact=False).first.check()
    kit = page.get_by_role("group", name="First-aid kit stocked")
    kit.get_by_role("radio", name="Not OK").check()
    kit.get_by_label("Note").fill("Burn gel used up.")
    page.get_by_role("button", name="Record the inspection").click()
    expect(page.get_by_text("Inspection recorded. 1 corrective action made.")).to_be_visible()
    expect(page.get_by_role("table", name="What the inspection found")).to_contain_text("Burn gel used up.")
    assert_accessible(page)

    page.get_by_role("navigation", name="Health and safety").get_by_role("link", name="My actions").click()
    expect(page.get_by_role("table")).to_contain_text("First-aid kit stocked: Burn gel used up.")
    assert_accessible(page)

    action = CorrectiveAction.objects.get()
    action_for(action.owner, due_on=timezone.localdate() - dt.timedelta(days=2), description="Clear the aisle")
    page.get_by_role("button", name="Log out").click()
    log_in(page, "coordinator")
    page.goto("/staff/")
    expect(page.get_by_role("heading", name="Overdue health and safety work")).to_be_visible()
    expect(page.get_by_text("Clear the aisle")).to_be_visible()
    page.get_by_role("link", name="All open actions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("All open health and safety actions")
    assert_accessible(page)
    page.get_by_role("button", name="Add the action").click()
    expect(page.locator("#error-summary")).to_contain_text("Say what to put right.")
    assert_accessible(page)

    page.get_by_label("Status of “Clear the aisle”").select_option("done")
    page.get_by_role("button", name="Save the status of “Clear the aisle”").click()
    expect(page.get_by_text("“Clear the aisle” is now done.")).to_be_visible()
    page.get_by_role("link", name="Inspections").click()
    expect(page.get_by_role("table", name="Inspections, the latest month first")).to_contain_text("Jamal Haddad")
    assert_accessible(page)
