"""Two workers running the same health and safety task at once: one inspection, one email, one reminder."""

import datetime as dt

import pytest
from django.utils import timezone

from makerlab.models import Notification
from safety.models import Inspection
from safety.services import actions_remind_overdue, inspections_schedule
from tests.concurrency import run_together
from tests.factories import BranchFactory, UserFactory
from tests.safety.helpers import action_for, representative_of


@pytest.fixture
def today(transactional_db) -> dt.date:
    return timezone.localdate()


def test_two_schedules_at_once_make_one_inspection_and_one_email(today):
    branch = BranchFactory()
    representative_of(branch, UserFactory(is_staff=True))

    results = run_together([lambda: inspections_schedule(today=today)] * 3)

    assert sorted(results) == [0, 0, 1]
    assert Inspection.objects.count() == 1
    assert Notification.objects.filter(kind="safety_inspection_due").count() == 1


def test_two_reminder_sweeps_at_once_send_one_email(today):
    owner = UserFactory(is_staff=True)
    for days in (1, 2, 3):
        action_for(owner, due_on=today - dt.timedelta(days=days), description=f"Action {days}")

    results = run_together([lambda: actions_remind_overdue(today=today)] * 3)

    assert sorted(results) == [0, 0, 1]
    assert Notification.objects.filter(kind="safety_actions_overdue").count() == 1
