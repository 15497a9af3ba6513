"""Calendar months: counting them and where one begins and ends in the library's time zone."""

import datetime as dt

from django.utils import timezone


def add_months(month: dt.date, count: int) -> dt.date:
    """The first day of the month ``count`` months after ``month``'s (before it when negative)."""
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The month's first moment and the next month's, at the library's local midnights: a month with a clock
    change has a 23- or 25-hour day, and that is right."""
    zone = timezone.get_default_timezone()
    return (
        dt.datetime.combine(month.replace(day=1), dt.time(), tzinfo=zone),
        dt.datetime.combine(add_months(month, 1), dt.time(), tzinfo=zone),
    )
