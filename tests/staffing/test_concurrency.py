"""Real parallel transactions at PostgreSQL: the database, not luck, keeps people off two shifts at once."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from staffing.models import Assignment, ShiftRole
from staffing.services import assignment_create
from tests.factories import BranchFactory, ShiftFactory, StaffMemberFactory

WORKERS = 20


def run_in_parallel(calls) -> tuple[int, list[Exception]]:
    """Start every call at the same moment, each in its own thread and database connection."""
    barrier = threading.Barrier(len(calls))
    successes = []
    failures: list[Exception] = []
    lock = threading.Lock()

    def run(call) -> None:
        try:
            barrier.wait()
            call()
            with lock:
                successes.append(True)
        except Exception as error:
            with lock:
                failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return len(successes), failures


@pytest.mark.django_db(transaction=True)
def test_one_person_sent_to_twenty_overlapping_shifts_at_once_lands_on_exactly_one():
    branch = BranchFactory(observes_statutory_holidays=False)
    person = StaffMemberFactory()
    first = ShiftFactory(branch=branch, role=ShiftRole.HELP_DESK)
    shifts = [first] + [
        ShiftFactory(branch=branch, role=ShiftRole.OPEN_LAB, starts_at=first.starts_at, ends_at=first.ends_at)
        for _ in range(WORKERS - 1)
    ]
    calls = [
        lambda shift=shift: assignment_create(shift=shift, staff_member=person, override_reason="Testing")
        for shift in shifts
    ]
    succeeded, failures = run_in_parallel(calls)
    assert succeeded == 1
    assert len(failures) == WORKERS - 1
    assert all(isinstance(error, ValidationError) for error in failures), failures
    assert {error.code for error in failures} == {"busy"}
    assert Assignment.objects.filter(staff_member=person).count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_people_sent_to_a_shift_for_three_at_once_fill_exactly_three_places():
    shift = ShiftFactory(branch=BranchFactory(observes_statutory_holidays=False), min_headcount=1, max_headcount=3)
    people = [StaffMemberFactory() for _ in range(WORKERS)]
    calls = [
        lambda person=person: assignment_create(shift=shift, staff_member=person, override_reason="Testing")
        for person in people
    ]
    succeeded, failures = run_in_parallel(calls)
    assert succeeded == 3
    assert all(isinstance(error, ValidationError) for error in failures), failures
    assert Assignment.objects.filter(shift=shift).count() == 3
