import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError

from programs.models import Program, Session
from programs.services.term import program_duplicate
from tests.factories import ProgramFactory, StaffMemberFactory

pytestmark = pytest.mark.calendar

TORONTO = zoneinfo.ZoneInfo("America/Toronto")


@pytest.fixture
def program(db):
    program = ProgramFactory(slug="teen-coding-club", title="Teen coding club")
    for week in range(3):
        start = dt.datetime(2026, 10, 13, 18, 0, tzinfo=TORONTO) + dt.timedelta(weeks=week)
        Session.objects.create(program=program, starts_at=start, ends_at=start + dt.timedelta(hours=2))
    program.facilitators.add(StaffMemberFactory())
    return program


def test_the_copy_is_unpublished_with_a_new_slug_and_title(program):
    copy = program_duplicate(program=program, weeks=12)
    assert copy.pk != program.pk
    assert not copy.is_published
    assert copy.slug == "teen-coding-club-2027-01"
    assert copy.title == "Teen coding club (January 2027)"
    assert list(copy.facilitators.all()) == list(program.facilitators.all())
    assert program.sessions.count() == 3  # the old term is untouched
    assert Program.objects.get(pk=program.pk).is_published


def test_sessions_keep_their_local_time_across_daylight_saving(program):
    copy = program_duplicate(program=program, weeks=4)
    starts = [s.starts_at.astimezone(TORONTO) for s in copy.sessions.all()]
    assert [s.date() for s in starts] == [dt.date(2026, 11, 10), dt.date(2026, 11, 17), dt.date(2026, 11, 24)]
    assert {s.time() for s in starts} == {dt.time(18, 0)}


def test_copying_twice_to_the_same_month_gives_distinct_slugs(program):
    first = program_duplicate(program=program, weeks=12)
    second = program_duplicate(program=program, weeks=12)
    assert first.slug != second.slug
    assert second.slug == "teen-coding-club-2027-01-2"


def test_weeks_out_of_range_are_refused(program):
    with pytest.raises(ValidationError) as refused:
        program_duplicate(program=program, weeks=0)
    assert refused.value.code == "weeks_out_of_range"
    assert Program.objects.count() == 1
