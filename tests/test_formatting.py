"""Day names are formatted once per day and language, and still follow the language of the page."""

import datetime as dt

from django.utils import translation

from makerlab.formatting import day_text


def test_day_text_says_the_day_with_the_year_only_when_it_is_another_year():
    day = dt.date(2027, 1, 12)
    assert day_text(day, today=dt.date(2027, 6, 1)) == "Tuesday 12 January"
    assert day_text(day, today=dt.date(2026, 12, 31)) == "Tuesday 12 January 2027"
    assert day_text(day) == "Tuesday 12 January 2027"


def test_day_text_follows_the_active_language_after_the_same_day_was_named_in_another():
    day = dt.date(2027, 1, 12)
    assert day_text(day) == "Tuesday 12 January 2027"
    with translation.override("fr"):
        assert day_text(day) == "mardi 12 janvier 2027"
    assert day_text(day) == "Tuesday 12 January 2027"
