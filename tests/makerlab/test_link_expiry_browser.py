"""An expired private link and a closed room survey in a real browser, on a desk and on a phone; axe on each."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Booking
from stats.surveys import program_survey_code
from tests.factories import ProgramFactory, make_booking, with_sessions

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 390])
def test_an_expired_link_says_so_and_points_to_my_maker_lab(page, transactional_db, assert_accessible, width):
    page.set_viewport_size({"width": width, "height": 900})
    booking = make_booking(starts_at=timezone.now() - dt.timedelta(days=40), status=Booking.Status.ATTENDED)
    response = page.goto(f"/book/manage/{booking.manage_token}/")
    assert response.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text("This link has expired")
    assert_accessible(page)
    page.get_by_role("link", name="My Maker Lab").first.click()
    expect(page).to_have_url("/my/")
    assert_accessible(page)


@pytest.mark.parametrize("width", [1280, 390])
def test_a_closed_room_survey_says_so(page, transactional_db, assert_accessible, width):
    page.set_viewport_size({"width": width, "height": 900})
    program = with_sessions(ProgramFactory(title="Sewing club"), days=(-20,))
    response = page.goto(f"/survey/program/{program_survey_code(program)}/")
    assert response.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text("The survey for Sewing club has closed")
    assert_accessible(page)
