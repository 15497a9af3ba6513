"""Filing a report from a phone in a real browser, with the keyboard only: log in, open the form from the start
page, file it (after a first try with nothing chosen), take the laser cutter out of service and read what
happens next. axe-core's WCAG 2.1 AA rules hold on every page along the way."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from bookings.models import Booking
from safety.models import OutOfService, SafetyReport
from tests.browser import tab_to, type_into
from tests.clock import LIBRARY_ZONE
from tests.conftest import PASSWORD
from tests.safety.report_world import build_lab

PHONE = {"width": 390, "height": 844}
pytestmark = [
    pytest.mark.browser,
    pytest.mark.time_machine(dt.datetime(2026, 11, 18, 10, 30, tzinfo=LIBRARY_ZONE), tick=True),
]


@pytest.fixture
def lab(transactional_db):
    return build_lab()


def test_an_assistant_files_a_report_from_a_phone_with_the_keyboard_only(page, lab, assert_accessible):
    page.set_viewport_size(PHONE)
    page.goto("/accounts/login/")
    type_into(page, "Username", "assistant")
    type_into(page, "Password", PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")

    tab_to(page, "Report a hazard or incident")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Report a hazard or incident")
    expect(page.get_by_label("When it happened")).to_have_value("2026-11-18T10:30")
    assert_accessible(page)

    tab_to(page, "File the report")
    page.keyboard.press("Enter")
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Choose hazard, near miss or incident.")
    expect(summary).to_be_focused()
    assert_accessible(page)

    tab_to(page, "Hazard: something that could hurt someone")
    page.keyboard.press("Space")
    type_into(page, "Where", "Laser room")
    type_into(page, "What happened", "The extraction fan stopped while the laser was cutting.")
    tab_to(page, "Machine")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Machine (if one was involved)")).to_have_value(str(lab.laser.pk))
    tab_to(page, "Take this machine out of service now")
    page.keyboard.press("Space")
    tab_to(page, "File the report")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Report filed")
    expect(page.get_by_role("region", name="What happens next")).to_contain_text(
        "The Laser cutter is out of service. 2 bookings on it were cancelled"
    )
    assert_accessible(page)
    report = SafetyReport.objects.get()
    assert (report.kind, report.location, report.equipment, report.reported_by) == (
        "hazard",
        "Laser room",
        lab.laser,
        lab.me.user,
    )
    assert OutOfService.objects.get().bookings_cancelled == 2
    assert not Booking.objects.filter(status=Booking.Status.BOOKED).exists()

    tab_to(page, "My reports")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("My safety reports")
    expect(page.get_by_text("Hazard: Laser room")).to_be_visible()
    assert_accessible(page)
