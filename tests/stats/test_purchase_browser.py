"""In Chromium: a patron suggests something at desktop and phone width, and the coordinator writes a
recommendation from the evidence; axe on each page."""

import re

import pytest
from playwright.sync_api import expect

from makerlab.models import Notification
from stats.models import PurchaseRecommendation, PurchaseSuggestion
from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 375])
def test_a_patron_suggests_something_to_buy(page, transactional_db, assert_accessible, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/")
    page.get_by_role("link", name="Suggest something for the Maker Lab to buy").click()
    expect(page.get_by_role("heading", name="Suggest something for the Maker Lab to buy")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Send my suggestion").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Equipment or a machine").check()
    page.get_by_label("What would you like the Maker Lab to have?").fill("Embroidery machine")
    page.get_by_label("How would it help you or others?").fill("Our quilting group would use it every week.")
    page.get_by_label("Your email (optional)").fill("quilts@example.net")
    page.get_by_role("button", name="Send my suggestion").click()

    expect(page.get_by_role("heading", name="Thank you for your suggestion")).to_be_visible()
    assert_accessible(page)
    assert PurchaseSuggestion.objects.get().normalised == "embroidery machine"


def test_the_coordinator_recommends_a_purchase_from_the_evidence(page, transactional_db, assert_accessible):
    UserFactory(username="coordinator", is_staff=True, role="Coordinator")
    for what, email in (("Laser cutter", "signs@example.net"), ("laser cutters", "")):
        PurchaseSuggestion.objects.create(
            kind="equipment", what=what, normalised="laser cutter", why="Signs", email=email
        )
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("navigation", name="Staff area").get_by_role("link", name="Purchases").click()
    expect(page.get_by_role("heading", name="Purchase recommendations", exact=True)).to_be_visible()
    assert_accessible(page)

    page.get_by_label("What to buy").fill("A second laser cutter")
    page.get_by_label("Estimated cost in dollars").fill("letters")
    page.get_by_role("button", name="Save the recommendation").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Estimated cost in dollars").fill("6,500")
    page.get_by_label("Why the lab should buy it").fill("Patrons keep asking for it.")
    page.get_by_label(re.compile(r"cutters? \(equipment or a machine\): suggested by 2 patrons")).check()
    page.get_by_role("button", name="Save the recommendation").click()

    expect(page.get_by_text("Recommendation saved: A second laser cutter.")).to_be_visible()
    assert_accessible(page)
    assert PurchaseRecommendation.objects.get().evidence[0]["detail"] == "suggested by 2 patrons, 2 not answered yet"

    page.get_by_role("link", name="Answer “Laser cutter”").click()
    expect(page.get_by_role("heading", name="Answer a suggestion")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Answer to email the patron (optional)").fill("We recommended a second one to the manager.")
    page.get_by_role("button", name="Mark answered (and email the answer if written)").click()
    expect(page.get_by_text("“Laser cutter” is marked answered and the answer is on its way by email.")).to_be_visible()
    assert Notification.objects.get(kind="purchase_suggestion_answer").recipient == "signs@example.net"
