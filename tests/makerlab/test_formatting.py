"""Days told in words: remembered once formatted, yet always in the language that is active."""

import datetime as dt

from django.utils import translation

from makerlab.formatting import day_text

DAY = dt.date(2026, 3, 4)


def test_a_day_is_told_with_its_year_unless_it_is_this_year():
    assert day_text(DAY) == "Wednesday 4 March 2026"
    assert day_text(DAY, today=dt.date(2026, 12, 31)) == "Wednesday 4 March"
    assert day_text(DAY, today=dt.date(2027, 1, 1)) == "Wednesday 4 March 2026"


def test_a_day_already_told_in_one_language_is_told_afresh_in_another():
    assert day_text(DAY) == "Wednesday 4 March 2026"
    with translation.override("fr"):
        assert day_text(DAY) == "mercredi 4 mars 2026"
    assert day_text(DAY) == "Wednesday 4 March 2026"
