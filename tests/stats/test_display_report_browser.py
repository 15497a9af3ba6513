"""The Displays and exhibits section of a closed month's report in Chromium: the comparison table is read by a
screen reader as a table with its display, what is counted and each window, and passes axe."""

import datetime as dt

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from bookings.models import EquipmentKind
from promotion.models import Display
from stats import services
from tests.conftest import PASSWORD
from tests.factories import BranchFactory, EquipmentFactory, ServiceTypeFactory, UserFactory, at, make_booking

pytestmark = pytest.mark.browser

MARCH = dt.date(2027, 3, 1)


@pytest.fixture
def march_closed(transactional_db, settings):
    settings.BOARD_REPORT_EMAILS = []
    UserFactory(username="coordinator", is_staff=True, role="Coordinator")
    central = BranchFactory(name="Central Library", slug="central")
    laser = EquipmentFactory(branch=central, kind=EquipmentKind.LASER_CUTTER, name="Laser cutter")
    laser_time = ServiceTypeFactory(branch=central, name="Laser cutter time", equipment=laser)
    shown = Display.objects.create(
        title="Laser cutting",
        slug="laser-cutting",
        branch=central,
        area="Display case by the main entrance",
        starts_on=dt.date(2027, 3, 14),
        ends_on=dt.date(2027, 3, 20),
    )
    shown.equipment.set([laser])
    for day in (dt.date(2027, 3, 1), dt.date(2027, 3, 16), dt.date(2027, 3, 23)):
        make_booking(service_type=laser_time, starts_at=at(day, 10))
    services.month_close(month=MARCH, now=at(dt.date(2027, 4, 1), 6))


@pytest.mark.time_machine(at(dt.date(2027, 4, 2), 9))
def test_the_display_comparison_reads_as_a_table_and_passes_axe(page, march_closed, assert_accessible):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.goto(reverse("stats_reports:detail", args=["2027-03"]))
    expect(page.get_by_role("heading", name="Displays and exhibits")).to_be_visible()
    table = page.get_by_role("table", name="Use of what each display featured")
    expect(table.get_by_role("rowheader", name="Laser cutting")).to_be_visible()
    row = table.get_by_role("row", name="1-on-1 sessions on featured machines")
    expect(row.get_by_role("cell")).to_have_text(["0.2", "0.8", "up 211.1%"])  # 1 in 28 days; 2 in 18 days
    assert_accessible(page)
