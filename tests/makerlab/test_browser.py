"""The shared pages in a real browser: keyboard use, the layout, and axe-core's WCAG 2.1 AA rules."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.factories import BranchFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def central(transactional_db):
    return BranchFactory(name="Central Library", slug="central", observes_statutory_holidays=False)


def test_home_page_is_accessible_and_shows_the_branch(page, central, assert_accessible):
    page.goto("/")
    expect(page).to_have_title("Welcome | Elgin Valley Public Library")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to the Maker Lab")
    expect(page.get_by_role("heading", name="Central Library")).to_be_visible()
    expect(page.locator(".branch-status")).to_contain_text(re.compile("Open now|Closed now|Closed today"))
    assert_accessible(page)


def test_the_skip_link_is_first_and_moves_focus_to_the_content(page, central):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_the_menu_works_on_a_phone(page, central):
    page.set_viewport_size({"width": 375, "height": 700})
    page.goto("/")
    menu = page.get_by_role("button", name="Show or hide the menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("link", name="Staff login")).to_be_visible()


PUBLIC_AREAS = [
    ("Book help", "Book 1-on-1 help", "/book/"),
    ("Programs", "See upcoming programs", "/programs/"),
    ("Seed library", "Browse the seed library", "/seeds/"),
    ("My Maker Lab", "Open My Maker Lab", "/my/"),
]


@pytest.mark.parametrize("width", [1280, 375])
def test_every_public_area_is_reached_from_the_menu_and_the_home_page(page, central, width):
    page.set_viewport_size({"width": width, "height": 800})
    for menu_name, home_name, path in PUBLIC_AREAS:
        page.goto("/")
        page.get_by_role("link", name=home_name).click()
        expect(page).to_have_url(re.compile(f"{path}$"))
        page.goto("/")
        if width < 768:
            page.get_by_role("button", name="Show or hide the menu").click()
            # Clicked while the menu still slides open, a link may move from under the pointer.
            expect(page.locator("#main-nav")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
        page.get_by_role("navigation", name="Main").get_by_role("link", name=menu_name).click()
        expect(page).to_have_url(re.compile(f"{path}$"))
        current = page.locator("#main-nav").get_by_role("link", name=menu_name, include_hidden=True)
        expect(current).to_have_attribute("aria-current", "page")


def test_staff_login_page_is_accessible_and_shows_errors_on_the_form(page, assistant, assert_accessible):
    page.goto("/accounts/login/")
    assert_accessible(page)
    page.get_by_label("Username").fill("assistant")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Please enter a correct username and password")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert_accessible(page)


def test_admin_login_and_index_are_accessible(page, coordinator, assert_accessible):
    page.goto("/admin/")
    expect(page.locator("#site-name")).to_have_text("Elgin Valley Public Library Maker Lab")
    assert_accessible(page)
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Run the Maker Lab")).to_be_visible()
    assert_accessible(page)


def test_error_pages_are_accessible(page, transactional_db, assert_accessible):
    response = page.goto("/no-such-page/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("We could not find that page")
    assert_accessible(page)


def test_the_policy_blocks_inline_scripts_and_the_check_notices(page, central):
    page.goto("/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.injected = 1'; "
        "document.body.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.injected") is None
    assert page.csp_violations, "an inline script must be refused and reported"


@pytest.mark.parametrize(
    "path",
    [
        "/admin/makerlab/branch/",
        "/admin/makerlab/branch/add/",
        "/admin/makerlab/closure/add/",
        "/admin/makerlab/patron/",
        "/admin/makerlab/patron/add/",
        "/admin/makerlab/notification/",
        "/admin/django_celery_beat/periodictask/",
    ],
)
def test_the_coordinators_admin_pages_are_accessible(page, coordinator, central, assert_accessible, path):
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    response = page.goto(path)
    assert response.status == 200
    assert_accessible(page)


def test_the_admin_date_picker_works_under_the_content_security_policy(page, coordinator, central):
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/admin/makerlab/closure/add/")
    page.get_by_label("Reason").fill("Snow day")
    page.locator(".field-start_date").get_by_role("link", name="Today").click()
    page.locator(".field-end_date").get_by_role("link", name="Today").click()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    assert not page.csp_violations
