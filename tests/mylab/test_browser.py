"""A patron asks for a My Maker Lab link with the keyboard alone (one mistake on the way), opens it from the
email in the outbox and sees everything of theirs; on a wide screen and on a phone. Axe runs on every page."""

import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from tests.mylab.helpers import fill_my_lab

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_patron_signs_in_by_email_and_sees_everything_with_the_keyboard(
    page, assert_accessible, patron, now, viewport
):
    fill_my_lab(patron, now=now, label="of Doris")
    mail.outbox.clear()
    page.set_viewport_size(viewport)
    keyboard = page.keyboard
    page.goto("/")
    if viewport is PHONE:
        page.get_by_role("button", name="Show or hide the menu").focus()
        keyboard.press("Enter")
    menu_link = page.get_by_role("link", name="My Maker Lab", exact=True)
    expect(menu_link).to_be_visible()
    menu_link.focus()
    keyboard.press("Enter")
    expect(page.get_by_role("heading", name="My Maker Lab", level=1)).to_be_visible()
    assert_accessible(page)

    # One mistake on the way: the email is left out.
    page.get_by_label("Library card number").focus()
    keyboard.type(patron.card_number)
    keyboard.press("Tab")
    keyboard.press("Tab")
    expect(page.get_by_role("button", name="Email me a link")).to_be_focused()
    keyboard.press("Enter")
    expect(page.get_by_text("Enter your email address.").first).to_be_visible()
    assert_accessible(page)
    assert mail.outbox == []

    page.get_by_role("textbox", name=re.compile(r"^Email")).focus()
    keyboard.type(patron.email.upper())
    keyboard.press("Tab")
    expect(page.get_by_role("button", name="Email me a link")).to_be_focused()
    keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert_accessible(page)

    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/my/sign-in/[^/\s]+/)", mail.outbox[0].body).group(1)
    page.goto(link)
    expect(page.get_by_role("heading", name="Open My Maker Lab")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Open My Maker Lab").focus()
    keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Your bookings")).to_be_visible()
    for heading in ("Your programs", f"Your seeds in {timezone.localdate(now).year}", "Your trainings"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.get_by_text("On the waitlist, number 2 in line")).to_be_visible()
    assert_accessible(page)

    # The manage link of the booking to come opens the booking's own page.
    page.get_by_role("link", name=re.compile(r"^See, move or cancel Tech help of Doris")).focus()
    keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/book/manage/"))

    # The link has served: opening it again explains why, kindly.
    page.goto(link)
    expect(page.get_by_role("heading", name="This link was already used")).to_be_visible()
    assert_accessible(page)
