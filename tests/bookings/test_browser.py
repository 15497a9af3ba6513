"""The patron's booking flow in a real browser, with the keyboard only: book, read the email and its
calendar file, move the booking, cancel it through the confirmation step, find the cancelled booking's
pages; a second browser loses a race; axe-core on every page."""

import datetime as dt
import re

import icalendar
import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Booking
from makerlab.cards import card_number_make
from tests.browser import tab_to, type_into
from tests.factories import ServiceTypeFactory, SkillFactory, at, build_desk

pytestmark = pytest.mark.browser


@pytest.fixture
def desk(transactional_db):
    cache.clear()
    day = timezone.localdate() + dt.timedelta(days=3)
    service = build_desk([day])
    service.name = "Tech help: phone, tablet, laptop"
    service.save()
    return {"service": service, "day": day}


def day_words(day: dt.date) -> str:
    text = f"{day:%A} {day.day} {day:%B}"
    return text if day.year == timezone.localdate().year else f"{text} {day.year}"


def test_a_patron_books_moves_and_cancels_with_the_keyboard(page, desk, assert_accessible):
    service, day = desk["service"], desk["day"]
    page.goto("/")
    tab_to(page, "Book help")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Book 1-on-1 help")
    assert_accessible(page)

    tab_to(page, service.name)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(service.name)
    expect(page.get_by_role("group", name=day_words(day))).to_be_visible()
    expect(page.get_by_role("radio", name=f"{day_words(day)}, 1:00 to 1:45 p.m.")).to_be_visible()
    assert_accessible(page)

    tab_to(page, f"{day_words(day)}, 1:00 to 1:45 p.m.")
    page.keyboard.press("ArrowDown")  # the next time in the group: 2:00
    page.keyboard.press("Space")
    expect(page.get_by_role("radio", name=f"{day_words(day)}, 2:00 to 2:45 p.m.")).to_be_checked()
    tab_to(page, "Continue with this time")
    page.keyboard.press("Enter")
    expect(page.get_by_text(f"{day_words(day)}, 2:00 to 2:45 p.m.")).to_be_visible()
    assert_accessible(page)

    # A mistake first: the message is on the form and tied to the field.
    type_into(page, "Library card number", "1234")
    tab_to(page, "Book this time")
    page.keyboard.press("Enter")
    expect(page.locator("#id_card_number_error")).to_contain_text(re.compile("digits only|has 14 digits"))
    expect(page.locator("#error-summary")).to_be_focused()
    assert_accessible(page)

    tab_to(page, "Library card number")
    page.keyboard.press("ControlOrMeta+a")
    card = card_number_make(7)
    page.keyboard.type(f"{card[:4]} {card[4:9]} {card[9:]}")
    type_into(page, "Your name", "Doris Campbell")
    type_into(page, "Email", "doris@example.net")
    tab_to(page, "Email me a reminder")
    page.keyboard.press("Space")
    tab_to(page, "Book this time")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are booked")
    assert_accessible(page)

    [message] = mail.outbox
    assert message.to == ["doris@example.net"]
    (filename, content, _), qr_code = message.attachments
    assert filename.endswith(".ics")
    assert qr_code["Content-ID"] == "<check-in-code>" and "cid:check-in-code" in message.alternatives[0][0]
    [event] = icalendar.Calendar.from_ical(content).walk("VEVENT")
    assert event.decoded("DTSTART") == at(day, 14)
    manage_url = re.search(r"http://testserver(/book/manage/[^/\s]+/)", message.body).group(1)

    page.goto(manage_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your booking")
    assert_accessible(page)
    tab_to(page, "Pick another time")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pick another time")
    assert_accessible(page)
    tab_to(page, f"{day_words(day)}, 1:00 to 1:45 p.m.")
    page.keyboard.press("ArrowDown")  # 3:00 (2:00 is the current time, not offered again)
    page.keyboard.press("Space")
    tab_to(page, "Move my booking")
    page.keyboard.press("Enter")
    expect(page.get_by_text(f"Your booking is now on {day_words(day)}, 3:00 to 3:45 p.m.")).to_be_visible()
    assert_accessible(page)
    assert Booking.objects.get().starts_at == at(day, 15)
    assert len(mail.outbox) == 2

    # Cancelling asks first, on a page of its own that names the booking; "Keep my booking" changes nothing.
    new_time = f"{day_words(day)}, 3:00 to 3:45 p.m."
    tab_to(page, "Cancel this booking")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel this booking?")
    summary = page.locator(".booking-summary")
    for detail in (service.name, new_time, service.branch.name):
        expect(summary).to_contain_text(detail)
    assert_accessible(page)
    tab_to(page, "Keep my booking")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your booking")
    assert Booking.objects.get().status == Booking.Status.BOOKED

    tab_to(page, "Cancel this booking")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel this booking?")
    tab_to(page, "Yes, cancel this booking")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your cancelled booking")
    expect(page.get_by_text(f"Your booking for {service.name} on {new_time} is cancelled.")).to_be_visible()
    assert_accessible(page)
    assert Booking.objects.get().status == Booking.Status.CANCELLED
    cancelled = mail.outbox[2]
    [(_, content, _)] = cancelled.attachments
    calendar = icalendar.Calendar.from_ical(content)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(calendar.walk("VEVENT")[0]["UID"]) == str(event["UID"])

    # The old "pick another time" link now says the booking is cancelled and offers to book again.
    page.goto(manage_url + "move/")
    expect(page.get_by_role("heading", level=1)).to_have_text("This booking is cancelled")
    expect(page.get_by_role("radio")).to_have_count(0)
    assert_accessible(page)
    tab_to(page, f"Book {service.name} again")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(service.name)


def test_a_second_browser_loses_the_race_and_gets_the_nearest_times(
    browser, live_server, page, desk, assert_accessible
):
    service, day = desk["service"], desk["day"]
    other_context = browser.new_context(base_url=live_server.url, locale="en-CA", timezone_id="America/Toronto")
    other = other_context.new_page()
    other.csp_violations = []
    try:
        for index, tab in enumerate((page, other)):
            tab.goto(f"/book/{service.slug}/book/?starts_at={at(day, 14).isoformat().replace('+', '%2B')}")
            card = card_number_make(20 + index)
            tab.get_by_label("Library card number").fill(card)
            tab.get_by_label("Your name").fill(f"Person {index}")
            tab.locator("#id_email").fill(f"p{index}@example.net")
        page.get_by_role("button", name="Book this time").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("You are booked")
        other.get_by_role("button", name="Book this time").click()
        expect(other.get_by_text("Here are the nearest other times")).to_be_visible()
        expect(other.get_by_role("radio", name=f"{day_words(day)}, 3:00 to 3:45 p.m.")).to_be_visible()
        assert_accessible(other)
        other.get_by_role("radio", name=f"{day_words(day)}, 3:00 to 3:45 p.m.").check()
        other.get_by_role("button", name="Book this time").click()
        expect(other.get_by_role("heading", level=1)).to_have_text("You are booked")
        assert Booking.objects.count() == 2
    finally:
        other_context.close()


def test_nothing_free_asks_to_be_told_and_is_accessible(page, desk, assert_accessible):
    empty = ServiceTypeFactory(branch=desk["service"].branch, required_skill=SkillFactory(name="Sewing"))
    page.goto(f"/book/{empty.slug}/")
    expect(page.get_by_role("heading", name="No free times right now")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Email me when a time opens").click()
    expect(page.locator("#id_name_error")).to_have_text("Enter your name.")
    expect(page.locator("#error-summary")).to_be_focused()
    assert_accessible(page)
    page.get_by_label("Your name").fill("Ann Lee")
    page.locator("#id_email").fill("ann@example.net")
    page.get_by_role("button", name="Email me when a time opens").click()
    expect(page.get_by_text("We will email ann@example.net")).to_be_visible()
    assert_accessible(page)
