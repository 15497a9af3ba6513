"""Shifts in plain language ("Tuesday 12 January, 2:00 to 4:00 p.m."), told in their branch's time zone: the staff
pages, the start page and the admin say a shift the same way."""

import datetime as dt

from makerlab.formatting import clock_text, day_text, time_span
from staffing.models import Shift


def shift_when(shift: Shift, *, today: dt.date) -> str:
    """When a shift happens, in its branch's time zone."""
    zone = shift.branch.zone
    start, end = shift.starts_at.astimezone(zone), shift.ends_at.astimezone(zone)
    first = day_text(start.date(), today=today)
    if end.date() == start.date() or (end.time() == dt.time(0) and end.date() == start.date() + dt.timedelta(days=1)):
        return f"{first}, {time_span(start, end)}"
    return f"{first}, {clock_text(start.time())} to {day_text(end.date(), today=today)}, {clock_text(end.time())}"


def shift_day(shift: Shift, *, today: dt.date) -> str:
    return day_text(shift.starts_at.astimezone(shift.branch.zone).date(), today=today)
