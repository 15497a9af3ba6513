"""Issue 16: the calendar's reads do not grow with the programs of years past.

The test leaves years of past programs behind a few to come and asks PostgreSQL for the plan it ran:
how many times were sessions read? Looking at every program ever run for a session to come made the
calendar slower every month; finding the programs from the sessions to come does not.
"""

import datetime as dt

import pytest
from django.db import connection

from programs import selectors
from programs.models import Session
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db

PAST_PROGRAMS = 12
TO_COME = 2


def _session(program, starts_at: dt.datetime) -> Session:
    return Session.objects.create(program=program, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=2))


@pytest.fixture
def years_of_programs(now):
    for months_ago in range(PAST_PROGRAMS, 0, -1):
        _session(ProgramFactory(title=f"Past workshop {months_ago}"), now - dt.timedelta(days=30 * months_ago))
    coming = [ProgramFactory(title=f"Coming workshop {n}") for n in range(TO_COME)]
    for days, program in enumerate(coming, start=3):
        _session(program, now + dt.timedelta(days=days))
    return coming


def _session_reads(sql: str, params=()) -> int:
    """Times the plan read the sessions table (its loops, summed over every node that reads it)."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        (plan,) = cursor.fetchone()[0]

    def reads(node: dict) -> int:
        own = node["Actual Loops"] if node.get("Relation Name") == "programs_session" else 0
        return own + sum(reads(child) for child in node.get("Plans", []))

    return reads(plan["Plan"])


def test_the_calendar_reads_the_sessions_of_programs_to_come_only(years_of_programs, now):
    programs = selectors.programs_published(now=now)
    assert [program.title for program in programs] == ["Coming workshop 0", "Coming workshop 1"]
    sql, params = programs.query.sql_with_params()
    # One pass to find the programs with a session to come, then each of them for its next start and end.
    assert _session_reads(sql, params) <= 1 + 2 * TO_COME
