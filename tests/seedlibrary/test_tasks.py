"""The seed library's periodic job: unclaimed requests expire through the Celery task, once."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from makerlab.models import Notification
from seedlibrary import services, tasks
from seedlibrary.models import Loan, SeedRequest, Stock
from tests.factories import OrientationFactory, PatronFactory, lendable_lot

pytestmark = [pytest.mark.django_db, pytest.mark.calendar]


def test_the_expiry_task_runs_every_fifteen_minutes():
    entry = next(
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "seedlibrary.tasks.seed_requests_expire"
    )
    assert entry["schedule"] == 15 * 60


def test_the_task_expires_overdue_requests_and_running_it_again_changes_nothing(branch):
    lot = lendable_lot(branch=branch, packets=2, harvest_year=timezone.localdate().year - 1)
    patron = OrientationFactory(patron=PatronFactory(email="gone@example.com")).patron
    # Held until closing time a week later (or the next open day after it): two weeks ago is overdue whatever
    # the day the suite runs at.
    long_ago = timezone.now() - dt.timedelta(days=2 * settings.SEED_REQUEST_HOLD_DAYS)
    overdue = services.seed_request_create(
        card_number=patron.card_number, email=patron.email, branch=branch, varieties=[lot.variety], now=long_ago
    )
    assert overdue.expires_at < timezone.now()
    other = OrientationFactory(patron=PatronFactory(email="soon@example.com")).patron
    current = services.seed_request_create(
        card_number=other.card_number, email=other.email, branch=branch, varieties=[lot.variety], now=timezone.now()
    )
    assert Stock.objects.get(lot=lot).packets == 0

    tasks.seed_requests_expire.delay()
    tasks.seed_requests_expire.delay()

    overdue.refresh_from_db()
    current.refresh_from_db()
    assert overdue.status == SeedRequest.Status.EXPIRED
    assert overdue.loans.get().status == Loan.Status.RELEASED
    assert current.status == SeedRequest.Status.REQUESTED
    assert Stock.objects.get(lot=lot).packets == 1
    assert Notification.objects.filter(kind="seed_request_expired", recipient="gone@example.com").count() == 1
