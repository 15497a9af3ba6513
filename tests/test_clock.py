"""The suite's clock: every test starts at the suite's moment, a test may choose its own, and TEST_NOW is read
the way the README says."""

import datetime as dt
import time

import pytest
import time_machine
from django.utils import timezone

from tests.clock import CALENDAR_MATRIX, DEFAULT_MOMENT, LIBRARY_ZONE, moment_parse
from tests.conftest import SUITE_MOMENT


def test_every_test_starts_at_the_suites_moment_and_time_runs_on(now):
    assert now - SUITE_MOMENT < dt.timedelta(seconds=5)
    time.sleep(0.01)
    assert timezone.now() > now


@pytest.mark.time_machine(dt.datetime(2027, 3, 14, 3, 1, tzinfo=LIBRARY_ZONE))
def test_a_test_may_choose_its_own_moment():
    assert timezone.localtime(timezone.now()).strftime("%Y-%m-%d %H:%M %Z") == "2027-03-14 03:01 EDT"


def test_on_the_real_clock_a_test_says_so_in_its_name_real_clock():
    real = time_machine.escape_hatch.datetime.datetime.now(dt.UTC)
    assert abs(timezone.now() - real) < dt.timedelta(seconds=5)


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("2027-01-01T00:30", "2027-01-01 00:30 EST"),
        ("2026-11-01T01:30-04:00", "2026-11-01 01:30 EDT"),
        ("2026-11-01T01:30-05:00", "2026-11-01 01:30 EST"),
        # A time the spring change skips is read on the winter clock, as a wall clock that was not yet moved.
        ("2027-03-14T02:30", "2027-03-14 03:30 EDT"),
        ("2028-02-29T12:00Z", "2028-02-29 07:00 EST"),
    ],
)
def test_test_now_is_toronto_time_unless_it_carries_an_offset(text, local):
    moment = moment_parse(text)
    assert moment.tzinfo == dt.UTC
    assert moment.astimezone(LIBRARY_ZONE).strftime("%Y-%m-%d %H:%M %Z") == local


@pytest.mark.parametrize("text", ["tomorrow", "2027-02-30T10:00", ""])
def test_a_test_now_that_cannot_be_read_says_how_to_write_it(text):
    with pytest.raises(ValueError, match=r"e\.g\. 2027-03-14T02:30"):
        moment_parse(text)


def test_the_matrix_and_the_default_are_moments():
    assert len({moment_parse(text) for text in [DEFAULT_MOMENT, *CALENDAR_MATRIX]}) == len(CALENDAR_MATRIX) + 1
