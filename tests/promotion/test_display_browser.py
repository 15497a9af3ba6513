"""The displays pages in a real browser, at desktop and phone widths: axe-core's WCAG 2.1 AA rules hold on the
public list, a display's page, the home page's section and the coordinator's calendar."""

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.factories import EquipmentFactory, ProgramFactory, ServiceTypeFactory, UserFactory
from tests.promotion.displays import central, display_make

pytestmark = [pytest.mark.browser, pytest.mark.time_machine("2026-11-18T10:30-05:00")]


@pytest.fixture
def displays(transactional_db):
    branch = central()
    printer = EquipmentFactory(name="Prusa MK4 3D printer", branch=branch)
    ServiceTypeFactory(name="3D printing orientation", slug="3d-orientation", branch=branch, equipment=printer)
    printed = display_make(title="Printed this fall", slug="printed-this-fall", days=(-20, 25), photos=2)
    printed.equipment.add(printer)
    printed.programs.add(ProgramFactory(title="Family 3D design", slug="family-3d-design", branch=branch))
    display_make(title="Laser-cut lanterns", slug="lanterns", days=(30, 75), photos=1)
    display_make(title="Circuits you can touch", days=(90, 130), published=False)
    return printed


@pytest.mark.parametrize("width", [1280, 390])
def test_a_visitor_finds_a_display_from_the_home_page(page, displays, assert_accessible, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/")
    expect(page.get_by_role("heading", name="On display now")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="See every display").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Displays and exhibits")
    expect(page.get_by_role("link", name="Laser-cut lanterns")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Printed this fall").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Printed this fall")
    expect(page.get_by_role("link", name="3D printing orientation")).to_be_visible()
    expect(page.get_by_role("link", name="Family 3D design")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_coordinator_plans_the_year_on_the_calendar(page, displays, assert_accessible, width):
    UserFactory(username="coordinator", is_staff=True, role="Coordinator")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("navigation", name="Staff area").get_by_role("link", name="Promotion").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Promotion")
    assert_accessible(page)
    page.get_by_role("link", name="Calendar of displays").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Displays in 2026")
    assert_accessible(page)
    page.get_by_role("link", name="Next year").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Displays in 2027")
    expect(page.get_by_text("Planned", exact=True)).to_have_count(2)  # February and March
    assert_accessible(page)
    page.goto("/staff/promotion/displays/?year=0")
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)


def test_a_display_that_has_ended_says_so_and_points_to_what_is_on(page, displays, assert_accessible):
    display_make(title="Seed saving through the seasons", slug="seed-saving", days=(-80, -30))
    response = page.goto("/displays/seed-saving/")
    assert response.status == 410
    expect(page.get_by_role("heading", level=1)).to_contain_text("This display has ended")
    assert_accessible(page)
    page.get_by_role("link", name="See what is on display now").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Displays and exhibits")
