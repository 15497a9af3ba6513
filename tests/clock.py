"""The moment the test suite runs at.

Time is an input: every test starts at the suite's moment, never at the day or hour the suite happens to run.
The moment is ``TEST_NOW`` (ISO 8601; a time without an offset is read in America/Toronto, and an offset picks
either side of the autumn clock change, e.g. ``2026-11-01T01:30-04:00`` or ``-05:00``), or ``DEFAULT_MOMENT``.
"""

import datetime as dt
import os
from zoneinfo import ZoneInfo

from makerlab import formatting

LIBRARY_ZONE = ZoneInfo("America/Toronto")
# A Wednesday morning in term, with the lab open: an ordinary moment for the tests that do not choose one.
DEFAULT_MOMENT = "2026-11-18T10:30"

# The moments the calendar matrix in .ci/run runs the date-dependent tests at (the `calendar` marker).
CALENDAR_MATRIX = [
    "2027-01-01T00:30",
    "2028-02-29T12:00",
    "2027-03-14T01:59",
    "2027-03-14T03:01",
    "2027-04-01T09:00",
    "2027-06-15T12:00",
    "2026-11-01T01:30-04:00",
    "2026-11-01T01:30-05:00",
    "2026-12-01T22:00",
    "2026-12-31T23:59",
]


def moment_parse(text: str) -> dt.datetime:
    """An aware UTC datetime from ISO 8601 text; a time without an offset is Toronto's."""
    try:
        moment = formatting.moment_parse(text, zone=LIBRARY_ZONE)
    except ValueError as error:
        raise ValueError(f"TEST_NOW={text!r} is not an ISO 8601 date and time, e.g. 2027-03-14T02:30") from error
    return moment.astimezone(dt.UTC)


def suite_moment() -> dt.datetime:
    return moment_parse(os.environ.get("TEST_NOW") or DEFAULT_MOMENT)
