"""Reading a procedure in a real browser: an assistant follows the start page's count to "Procedures to read",
acknowledges with the keyboard only, and opens the public page of the procedure; axe-core's WCAG 2.1 AA rules hold
on every page along the way."""

import pytest
from playwright.sync_api import expect

from safety.models import ProcedureAcknowledgement
from tests.browser import tab_to
from tests.conftest import PASSWORD
from tests.factories import BranchFactory, UserFactory
from tests.safety.procedures import publish, supervised_equipment, supervisor

pytestmark = [pytest.mark.browser, pytest.mark.time_machine("2026-11-18T10:30-05:00")]


@pytest.fixture
def laser(transactional_db):
    branch = BranchFactory(name="Central Library", slug="central", observes_statutory_holidays=False)
    equipment, skill = supervised_equipment(branch, adult_only_supervision=True, minimum_patron_age=14)
    publish(equipment, title="Using the laser cutter", body="Switch on the extractor.\n\nNever leave a cut running.")
    user = UserFactory(username="assistant", first_name="Daniel", last_name="Okafor", role="Library assistant")
    return equipment, supervisor(skill, user=user)


def test_an_assistant_reads_and_acknowledges_a_procedure_with_the_keyboard(page, laser, assert_accessible):
    _, me = laser
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("assistant")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.goto("/staff/")
    page.get_by_role("link", name="1 procedure to read").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Procedures to read")
    expect(page.get_by_text("Never leave a cut running.")).to_be_visible()
    assert_accessible(page)

    tab_to(page, "I have read and understood this procedure")
    page.keyboard.press("Enter")
    expect(page.get_by_text("You have read every procedure of the equipment you supervise.")).to_be_visible()
    assert ProcedureAcknowledgement.objects.get().staff_member == me
    assert_accessible(page)

    page.get_by_role("link", name="Using the laser cutter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Using the laser cutter")
    assert_accessible(page)


def test_the_public_page_of_a_procedure_is_accessible_without_login(page, laser, assert_accessible):
    equipment, _ = laser
    page.goto(f"/safety/procedures/{equipment.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Using the laser cutter")
    expect(page.get_by_text("Minimum age:")).to_be_visible()
    assert_accessible(page)
