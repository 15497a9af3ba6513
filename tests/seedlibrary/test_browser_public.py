"""A patron finds seeds to sow this month and asks for three packets with the keyboard alone; axe on every page.

"Sow now" follows the real clock: the varieties are given the sowing window that touches this month
(``sowing_now_fields``), so the test holds whatever the month.
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from seedlibrary.models import Difficulty, Loan, SeedRequest
from tests.factories import OrientationFactory, VarietyFactory, lendable_lot
from tests.seedlibrary.test_catalogue import not_sowing_now_fields, sowing_now_fields

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def catalogue(branch):
    today = timezone.localdate()
    now = sowing_now_fields(today)
    wanted = [
        VarietyFactory(common_name=name, variety_name="", difficulty=Difficulty.EASY, **now)
        for name in ("Garlic", "Milkweed", "Spinach")
    ]
    VarietyFactory(common_name="Squash", variety_name="", difficulty=Difficulty.ADVANCED, **now)
    VarietyFactory(common_name="Tomato", variety_name="", difficulty=Difficulty.EASY, **not_sowing_now_fields(today))
    for variety in wanted:
        lendable_lot(branch=branch, variety=variety, packets=2)
    return wanted


def test_a_patron_asks_for_three_packets_with_the_keyboard(page, assert_accessible, catalogue, patron, branch):
    OrientationFactory(patron=patron)
    page.goto("/seeds/")
    expect(page.get_by_role("heading", name="Seed library", level=1)).to_be_visible()
    assert_accessible(page)

    keyboard = page.keyboard
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
    assert_accessible(page)

    page.get_by_role("checkbox", name=re.compile(r"Add to my request\W+Garlic")).focus()
    keyboard.press("Space")
    for _ in range(2):
        keyboard.press("Tab")  # past the next variety's link, to its box
        keyboard.press("Tab")
        keyboard.press("Space")
    keyboard.press("Tab")
    expect(page.get_by_role("button", name="Ask for the packets I ticked")).to_be_focused()
    keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Ask for seed packets")).to_be_visible()
    for name in ("Garlic", "Milkweed", "Spinach"):
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
    for name in ("Garlic", "Milkweed", "Spinach"):
        expect(page.get_by_role("listitem").filter(has_text=name)).to_be_visible()
    assert_accessible(page)
    seed_request = SeedRequest.objects.get()
    assert Loan.objects.filter(request=seed_request, status=Loan.Status.HELD).count() == 3

    page.get_by_role("link", name="your private request page").click()
    expect(page.get_by_role("heading", name="We have your seed request", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Cancel my request").focus()
    keyboard.press("Enter")
    expect(page.get_by_text("Your request is cancelled")).to_be_visible()
    expect(page.get_by_role("heading", name="Your seed request is cancelled", level=1)).to_be_visible()
    assert_accessible(page)


def test_a_variety_page_is_accessible(page, assert_accessible, catalogue):
    page.goto(f"/seeds/{catalogue[0].slug}/")
    expect(page.get_by_role("heading", name="Garlic", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="When to sow")).to_be_visible()
    expect(page.get_by_text("Seed saving: Easy").first).to_be_visible()
    assert_accessible(page)
