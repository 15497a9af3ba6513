import datetime as dt

import pytest

from makerlab.selectors import branch_calendar, branch_calendars, branch_is_open, statutory_holiday
from tests.factories import BranchFactory, ClosureFactory

pytestmark = pytest.mark.calendar

UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture
def branch(db):
    """Open 9:30 to 17:00 Toronto time, every day."""
    return BranchFactory(name="Central Library", slug="central")


def test_open_inside_hours_and_closed_outside(branch):
    # Tuesday 10 November 2026, EST (UTC-5): 10:00 to 11:00 local.
    assert branch_is_open(branch=branch, start=utc(2026, 11, 10, 15), end=utc(2026, 11, 10, 16))
    # 9:00 to 10:00 local starts before opening.
    assert not branch_is_open(branch=branch, start=utc(2026, 11, 10, 14), end=utc(2026, 11, 10, 15))
    # 16:30 to 17:30 local runs past closing.
    assert not branch_is_open(branch=branch, start=utc(2026, 11, 10, 21, 30), end=utc(2026, 11, 10, 22, 30))


def test_opening_follows_local_time_across_the_spring_daylight_saving_change(branch):
    # Saturday 7 March 2026 is EST (UTC-5): 14:00 UTC is 9:00, before opening.
    assert not branch_is_open(branch=branch, start=utc(2026, 3, 7, 14), end=utc(2026, 3, 7, 15))
    # Sunday 8 March 2026 is EDT (UTC-4): the same UTC hour is 10:00, open.
    assert branch_is_open(branch=branch, start=utc(2026, 3, 8, 14), end=utc(2026, 3, 8, 15))
    # 16:30 to 17:00 EST on the 7th is open; 21:30 UTC on the 8th is 17:30 EDT, closed.
    assert branch_is_open(branch=branch, start=utc(2026, 3, 7, 21, 30), end=utc(2026, 3, 7, 22))
    assert not branch_is_open(branch=branch, start=utc(2026, 3, 8, 21, 30), end=utc(2026, 3, 8, 22))


def test_opening_follows_local_time_across_the_autumn_daylight_saving_change(branch):
    # Saturday 31 October 2026 is EDT: 13:30 UTC is 9:30, opening time.
    assert branch_is_open(branch=branch, start=utc(2026, 10, 31, 13, 30), end=utc(2026, 10, 31, 14))
    # Sunday 1 November 2026 is EST: 13:30 UTC is 8:30, still closed.
    assert not branch_is_open(branch=branch, start=utc(2026, 11, 1, 13, 30), end=utc(2026, 11, 1, 14))
    assert branch_is_open(branch=branch, start=utc(2026, 11, 1, 14, 30), end=utc(2026, 11, 1, 15))


def test_calendar_intervals_carry_the_right_utc_offset_each_side_of_the_change(branch):
    calendar = branch_calendar(branch=branch, first_day=dt.date(2026, 3, 7), last_day=dt.date(2026, 3, 8))
    (sat_open, _), (sun_open, _) = calendar.open_intervals()
    assert sat_open.utcoffset() == dt.timedelta(hours=-5)
    assert sun_open.utcoffset() == dt.timedelta(hours=-4)
    assert sat_open.astimezone(UTC) == utc(2026, 3, 7, 14, 30)
    assert sun_open.astimezone(UTC) == utc(2026, 3, 8, 13, 30)


def test_closed_on_an_ontario_statutory_holiday(branch):
    assert statutory_holiday(dt.date(2026, 7, 1)) == "Canada Day"
    # Wednesday 1 July 2026, 11:00 to 12:00 EDT.
    assert not branch_is_open(branch=branch, start=utc(2026, 7, 1, 15), end=utc(2026, 7, 1, 16))
    assert branch_is_open(branch=branch, start=utc(2026, 7, 2, 15), end=utc(2026, 7, 2, 16))
    # Family Day is an Ontario holiday, not a federal one.
    day = branch_calendar(branch=branch, first_day=dt.date(2026, 2, 16), last_day=dt.date(2026, 2, 16)).day(
        dt.date(2026, 2, 16)
    )
    assert not day.is_open
    assert day.closed_reason == "Family Day"


def test_a_branch_that_opens_on_holidays_is_open(db):
    branch = BranchFactory(observes_statutory_holidays=False)
    assert branch_is_open(branch=branch, start=utc(2026, 7, 1, 15), end=utc(2026, 7, 1, 16))


def test_one_off_closures_of_one_branch_or_of_all(branch):
    other = BranchFactory()
    ClosureFactory(branch=branch, start_date=dt.date(2026, 11, 12), end_date=dt.date(2026, 11, 13))
    ClosureFactory(branch=None, start_date=dt.date(2026, 11, 20), reason="Power outage")
    thursday = (utc(2026, 11, 12, 15), utc(2026, 11, 12, 16))
    assert not branch_is_open(branch=branch, start=thursday[0], end=thursday[1])
    assert branch_is_open(branch=other, start=thursday[0], end=thursday[1])
    for each in (branch, other):
        assert not branch_is_open(branch=each, start=utc(2026, 11, 20, 15), end=utc(2026, 11, 20, 16))
    day = branch_calendar(branch=other, first_day=dt.date(2026, 11, 20), last_day=dt.date(2026, 11, 20)).day(
        dt.date(2026, 11, 20)
    )
    assert day.closed_reason == "Power outage"


def test_an_interval_across_a_midday_break_is_not_open(db):
    split = {1: [(dt.time(9), dt.time(12)), (dt.time(13), dt.time(17))]}
    branch = BranchFactory(hours=split)
    # Tuesday 10 November 2026, EST.
    assert branch_is_open(branch=branch, start=utc(2026, 11, 10, 14), end=utc(2026, 11, 10, 17))
    assert not branch_is_open(branch=branch, start=utc(2026, 11, 10, 16), end=utc(2026, 11, 10, 19))
    assert not branch_is_open(branch=branch, start=utc(2026, 11, 11, 15), end=utc(2026, 11, 11, 16))


def test_empty_or_naive_intervals(branch):
    start = utc(2026, 11, 10, 15)
    assert not branch_is_open(branch=branch, start=start, end=start)
    with pytest.raises(ValueError, match="aware"):
        branch_is_open(branch=branch, start=dt.datetime(2026, 11, 10, 10), end=dt.datetime(2026, 11, 10, 11))


def test_branch_calendars_take_the_same_queries_for_one_branch_or_many(db, django_assert_num_queries):
    BranchFactory()
    with django_assert_num_queries(3):
        calendars = branch_calendars(first_day=dt.date(2026, 11, 9), last_day=dt.date(2026, 11, 15))
        [c.days() for c in calendars]
    for _ in range(5):
        BranchFactory()
        ClosureFactory(branch=None, start_date=dt.date(2026, 11, 10))
    with django_assert_num_queries(3):
        calendars = branch_calendars(first_day=dt.date(2026, 11, 9), last_day=dt.date(2026, 11, 15))
        [c.days() for c in calendars]
    assert len(calendars) == 6
