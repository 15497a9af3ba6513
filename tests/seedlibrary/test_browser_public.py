"""A patron builds a seed request across two pages of the catalogue and a filter, with the keyboard alone, and
sends it; on a phone the results come before the filters. Axe runs on every page visited.

"Sow now" follows the suite's clock: the varieties are given the sowing window that touches its month
(``sowing_now_fields``), so the test holds whatever the moment.
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from seedlibrary.models import Difficulty, Loan, SeedRequest
from seedlibrary.views import VARIETIES_PER_PAGE
from tests.factories import OrientationFactory, VarietyFactory, lendable_lot
from tests.seedlibrary.test_catalogue import not_sowing_now_fields, sowing_now_fields

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def catalogue(branch):
    """Two pages: beans fill the first, the seeds to sow this month (and two more) are on the second."""
    today = timezone.localdate()
    now, later = sowing_now_fields(today), not_sowing_now_fields(today)
    beans = [
        VarietyFactory(common_name=f"Bean {n:02d}", variety_name="", difficulty=Difficulty.INTERMEDIATE, **later)
        for n in range(1, VARIETIES_PER_PAGE + 1)
    ]
    wanted = [
        VarietyFactory(common_name=name, variety_name="", difficulty=Difficulty.EASY, **now)
        for name in ("Garlic", "Milkweed", "Spinach")
    ]
    VarietyFactory(common_name="Squash", variety_name="", difficulty=Difficulty.ADVANCED, **now)
    VarietyFactory(common_name="Tomato", variety_name="", difficulty=Difficulty.EASY, **later)
    for variety in [*beans, *wanted]:
        lendable_lot(branch=branch, variety=variety, packets=2)
    return wanted


def adding(name: str) -> re.Pattern:
    """The name of a seed's "Add to my request" button (the seed's name is there for screen readers)."""
    return re.compile(rf"^Add to my request\W+{name}$")


def basket_heading(page, count: int):
    return page.get_by_role("heading", name=f"My request: {count} packet{'' if count == 1 else 's'}")


def test_a_patron_builds_a_request_across_two_pages_and_a_filter_with_the_keyboard(
    page, assert_accessible, catalogue, patron, branch
):
    OrientationFactory(patron=patron)
    keyboard = page.keyboard
    page.goto("/seeds/")
    expect(page.get_by_role("heading", name="Seed library", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="29 seeds, page 1 of 2")).to_be_visible()
    expect(page.get_by_label("How hard to save seed")).to_be_visible()  # wide screen: the filters stay open
    expect(basket_heading(page, 0)).to_be_visible()
    assert_accessible(page)

    # Page 1: a bean. The page comes back at the same seed, so Tab goes on from there.
    page.get_by_role("button", name=adding("Bean 03")).focus()
    keyboard.press("Enter")
    expect(page.get_by_text("Bean 03 is in your request (1 packet).")).to_be_visible()
    expect(basket_heading(page, 1)).to_be_visible()
    assert re.search(r"/seeds/#variety-\d+$", page.url)
    assert_accessible(page)
    keyboard.press("Tab")
    expect(page.get_by_role("link", name="Bean 03")).to_be_focused()
    keyboard.press("Tab")
    expect(page.get_by_role("button", name="Remove Bean 03 from my request").last).to_be_focused()

    # Page 2: the basket is still there; add Milkweed.
    page.get_by_role("link", name="Next page").focus()
    keyboard.press("Enter")
    expect(page.get_by_role("heading", name="29 seeds, page 2 of 2")).to_be_visible()
    expect(basket_heading(page, 1)).to_be_visible()
    page.get_by_role("button", name=adding("Milkweed")).focus()
    keyboard.press("Space")
    expect(basket_heading(page, 2)).to_be_visible()
    assert "page=2" in page.url
    assert_accessible(page)

    # A filter change: easy seeds to sow this month; the basket survives it.
    page.get_by_label("How hard to save seed").focus()
    keyboard.type("Easy")
    keyboard.press("Tab")
    expect(page.get_by_label("Sow this month")).to_be_focused()
    keyboard.press("Space")
    keyboard.press("Tab")
    keyboard.press("Tab")
    expect(page.get_by_role("button", name="Show seeds")).to_be_focused()
    keyboard.press("Enter")
    expect(page.get_by_role("heading", name="3 seeds")).to_be_visible()
    assert re.search(r"difficulty=easy.*sow_now=on", page.url)
    expect(basket_heading(page, 2)).to_be_visible()
    expect(page.get_by_text("In your request")).to_have_count(1)  # Milkweed, shown on this page too
    page.get_by_role("button", name=adding("Spinach")).focus()
    keyboard.press("Enter")
    expect(basket_heading(page, 3)).to_be_visible()
    assert re.search(r"difficulty=easy.*sow_now=on.*#variety-\d+$", page.url)
    assert_accessible(page)

    page.get_by_role("link", name="Review and send my request").focus()
    keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Ask for seed packets")).to_be_visible()
    for name in ("Bean 03", "Milkweed", "Spinach"):
        expect(page.get_by_role("checkbox", name=name)).to_be_checked()
    assert_accessible(page)
    page.get_by_label("Library card number").focus()
    keyboard.type(patron.card_number)
    keyboard.press("Tab")
    keyboard.type("doris@example.net")
    keyboard.press("Tab")
    expect(page.get_by_label("Pick up at")).to_be_focused()
    keyboard.press("Tab")
    expect(page.get_by_role("button", name="Set these packets aside for me")).to_be_focused()
    keyboard.press("Enter")

    expect(page.get_by_role("heading", name="We have your seed request", level=1)).to_be_visible()
    expect(page.get_by_text("We are getting your packets ready at Central Library")).to_be_visible()
    for name in ("Bean 03", "Milkweed", "Spinach"):
        expect(page.get_by_role("listitem").filter(has_text=name)).to_be_visible()
    assert_accessible(page)
    seed_request = SeedRequest.objects.get()
    held = Loan.objects.filter(request=seed_request, status=Loan.Status.HELD)
    assert sorted(held.values_list("variety__common_name", flat=True)) == ["Bean 03", "Milkweed", "Spinach"]

    page.get_by_role("link", name="Back to the seed library").focus()
    keyboard.press("Enter")
    expect(basket_heading(page, 0)).to_be_visible()  # sent: the basket is empty again
    assert_accessible(page)

    page.go_back()
    page.get_by_role("link", name="your private request page").focus()
    keyboard.press("Enter")
    expect(page.get_by_role("heading", name="We have your seed request", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Cancel my request").focus()
    keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Cancel this seed request?", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Keep my request").focus()
    keyboard.press("Enter")
    expect(page.get_by_role("heading", name="We have your seed request", level=1)).to_be_visible()
    page.get_by_role("link", name="Cancel my request").focus()
    keyboard.press("Enter")
    page.get_by_role("button", name="Yes, cancel my request").focus()
    keyboard.press("Enter")
    expect(page.get_by_text("Your request is cancelled")).to_be_visible()
    expect(page.get_by_role("heading", name="Your seed request is cancelled", level=1)).to_be_visible()
    assert_accessible(page)


def test_on_a_phone_the_results_come_first_and_the_filters_open_from_a_button(page, assert_accessible, catalogue):
    page.set_viewport_size(PHONE)
    page.emulate_media(reduced_motion="reduce")  # axe measures the focused button's colours, not a transition
    page.goto("/seeds/")
    results = page.get_by_role("heading", name="29 seeds, page 1 of 2")
    expect(results).to_be_in_viewport()
    expect(page.get_by_label("How hard to save seed")).to_be_hidden()
    filter_button = page.locator("summary", has_text="Filter")
    expect(filter_button).to_be_visible()
    first_seed = page.get_by_role("link", name="Bean 01")
    expect(first_seed).to_be_in_viewport()
    assert_accessible(page)

    filter_button.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("How hard to save seed")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Name").focus()
    page.keyboard.type("garlic")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="1 seed")).to_be_visible()
    expect(page.locator("summary", has_text="Filter seeds (1 in use)")).to_be_visible()
    expect(page.get_by_role("heading", name="1 seed")).to_be_in_viewport()
    expect(page.get_by_label("Name")).to_be_hidden()
    assert_accessible(page)


def test_a_variety_page_is_accessible_and_adds_to_the_request(page, assert_accessible, catalogue):
    page.goto(f"/seeds/{catalogue[0].slug}/")
    expect(page.get_by_role("heading", name="Garlic", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="When to sow")).to_be_visible()
    expect(page.get_by_text("Seed saving: Easy").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name=adding("Garlic")).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("This seed is in")).to_be_visible()
    expect(page.get_by_role("button", name="Remove Garlic from my request")).to_be_visible()
    assert_accessible(page)
