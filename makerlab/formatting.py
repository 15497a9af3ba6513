"""Dates and times in plain language, as patrons and staff read them: "Tuesday 12 January, 2:00 to 2:45 p.m."."""

import datetime as dt
from functools import lru_cache

from django.utils import translation
from django.utils.dateformat import format as date_format


def _clock(moment: dt.time) -> tuple[str, str]:
    if moment == dt.time(12):
        return "noon", ""
    if moment == dt.time(0):
        return "midnight", ""
    return f"{moment.hour % 12 or 12}:{moment.minute:02d}", "a.m." if moment.hour < 12 else "p.m."


def clock_text(moment: dt.time) -> str:
    """ "2:00 p.m.", "noon", "midnight"."""
    return " ".join(part for part in _clock(moment) if part)


def clock_span(start: dt.time, end: dt.time) -> str:
    """ "2:00 to 2:45 p.m.", "11:30 a.m. to 12:15 p.m.", "11:15 a.m. to noon"."""
    (start_text, start_half), (end_text, end_half) = _clock(start), _clock(end)
    if start_half and start_half == end_half:
        return f"{start_text} to {end_text} {end_half}"
    return f"{clock_text(start)} to {clock_text(end)}"


def time_span(start: dt.datetime, end: dt.datetime) -> str:
    """The same for two moments, told in the time zone they are given in."""
    return clock_span(start.time(), end.time())


def count_text(number: int, unit: str, plural: str = "") -> str:
    """ "1 place", "3 places", "2 children" (``plural`` when adding an s is wrong)."""
    return f"{number} {unit}" if number == 1 else f"{number} {plural or unit + 's'}"


def full_stop(text: str) -> str:
    """ "2:00 to 2:45 p.m." ends a sentence as it is; other text gets its full stop."""
    return text if text.endswith((".", "!", "?")) else f"{text}."


def day_text(day: dt.date, *, today: dt.date | None = None) -> str:
    """ "Tuesday 12 January", with the year when it is not this year (always, without ``today``)."""
    text = _weekday_day_month(day, translation.get_language())
    return text if today is not None and day.year == today.year else f"{text} {day.year}"


@lru_cache(maxsize=4096)
def _weekday_day_month(day: dt.date, language: str | None) -> str:
    """ "Tuesday 12 January" in ``language``: a long page names the same few days hundreds of times, and Django's
    date formatting is slow enough to show."""
    with translation.override(language):
        return date_format(day, "l j F")


def relative_day_text(day: dt.date, *, today: dt.date) -> str:
    """ "today", "tomorrow", "Monday" within the coming week, else "Monday 14 December"."""
    offset = (day - today).days
    if offset == 0:
        return "today"
    if offset == 1:
        return "tomorrow"
    if 1 < offset < 7:
        return date_format(day, "l")
    return day_text(day, today=today)


def when_text(start: dt.datetime, end: dt.datetime, *, zone: dt.tzinfo, today: dt.date | None = None) -> str:
    """ "Tuesday 12 January, 2:00 to 2:45 p.m.", in the branch's time zone."""
    start, end = start.astimezone(zone), end.astimezone(zone)
    return f"{day_text(start.date(), today=today)}, {time_span(start, end)}"


def moment_text(moment: dt.datetime, *, zone: dt.tzinfo, today: dt.date | None = None) -> str:
    """ "Sunday 1 November 2026 at 10:00 a.m.", in the branch's time zone."""
    local = moment.astimezone(zone)
    return f"{day_text(local.date(), today=today)} at {clock_text(local.time())}"


def moment_parse(text: str, *, zone: dt.tzinfo) -> dt.datetime:
    """An aware moment from ISO 8601 text such as 2027-03-14T10:00; a time without an offset is ``zone``'s.

    Raises ValueError for text that is not a date and time."""
    moment = dt.datetime.fromisoformat(text.strip())
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
