import datetime as dt

import icalendar
import pytest

from bookings.documents import booking_calendar
from bookings.services.booking import PatronDetails, booking_create
from makerlab.cards import card_number_make
from makerlab.formatting import time_span, when_text
from tests.factories import TORONTO, at, build_desk


@pytest.mark.parametrize(
    ("start", "end", "text"),
    [
        (dt.time(14), dt.time(14, 45), "2:00 to 2:45 p.m."),
        (dt.time(11, 30), dt.time(12, 15), "11:30 a.m. to 12:15 p.m."),
        (dt.time(11, 15), dt.time(12), "11:15 a.m. to noon"),
    ],
)
def test_times_in_plain_language(start, end, text):
    day = dt.date(2026, 1, 13)
    assert time_span(dt.datetime.combine(day, start), dt.datetime.combine(day, end)) == text


def test_when_text_uses_the_branch_zone():
    start = dt.datetime(2026, 1, 13, 19, tzinfo=dt.UTC)  # 2 p.m. in Toronto
    text = when_text(start, start + dt.timedelta(minutes=45), zone=TORONTO, today=dt.date(2026, 1, 1))
    assert text == "Tuesday 13 January, 2:00 to 2:45 p.m."


def test_the_calendar_file_parses_back_with_the_toronto_zone(db):
    day = dt.date(2026, 11, 1)  # the day the clocks go back
    service = build_desk([day])
    booking = booking_create(
        service_type=service,
        starts_at=at(day, 14),
        details=PatronDetails(card_number=card_number_make(1), name="Doris", email="d@example.net"),
        now=at(day, 8),
    )
    body = booking_calendar(booking=booking, manage_url="http://testserver/book/manage/abc/")
    calendar = icalendar.Calendar.from_ical(body)
    assert calendar["METHOD"] == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"bookings-booking-{booking.pk}@testserver"
    assert event.decoded("DTSTART") == at(day, 14)
    assert event.decoded("DTSTART").utcoffset() == dt.timedelta(hours=-5)
    assert event["DTSTART"].params["TZID"] == "America/Toronto"
    assert event.decoded("DTEND") == at(day, 14, 45)
    assert "http://testserver/book/manage/abc/" in str(event["DESCRIPTION"])
    assert event["SEQUENCE"] == 0
    assert str(event["ATTENDEE"]) == "mailto:d@example.net"
    assert str(event["ORGANIZER"]).startswith("mailto:")
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["America/Toronto"]
