import datetime as dt

import pytest
from django.utils import timezone

from makerlab.models import Patron
from makerlab.retention import registered_personal_fields
from makerlab.services import patrons_anonymise_stale
from makerlab.tasks import patrons_anonymise_stale as patrons_anonymise_stale_task
from tests.factories import PatronFactory

pytestmark = pytest.mark.calendar


@pytest.fixture
def now():
    return timezone.now()


def test_idle_patrons_are_anonymised_and_recent_ones_kept(db, settings, now):
    settings.PATRON_RETENTION_DAYS = 400
    stale = PatronFactory(last_activity_at=now - dt.timedelta(days=401), first_name="Harold")
    recent = PatronFactory(last_activity_at=now - dt.timedelta(days=10), first_name="Leah")
    edge = PatronFactory(last_activity_at=now - dt.timedelta(days=399))
    total_before = Patron.objects.count()

    assert patrons_anonymise_stale(now=now) == 1

    stale.refresh_from_db()
    assert stale.card_number is None
    assert (stale.first_name, stale.last_name, stale.email, stale.phone) == ("", "", "", "")
    assert stale.anonymised_at == now
    assert str(stale) == f"Anonymised patron #{stale.pk}"
    recent.refresh_from_db()
    edge.refresh_from_db()
    assert recent.first_name == "Leah"
    assert recent.anonymised_at is None and edge.anonymised_at is None
    assert Patron.objects.count() == total_before


def test_running_the_retention_task_twice_changes_nothing_more(db, now):
    PatronFactory.create_batch(3, last_activity_at=now - dt.timedelta(days=900))
    assert patrons_anonymise_stale(now=now) == 3
    assert patrons_anonymise_stale(now=now) == 0
    patrons_anonymise_stale_task.delay()
    assert Patron.objects.filter(anonymised_at__isnull=False).count() == 3


def test_anonymised_patrons_free_their_card_number_for_reuse(db, now):
    stale = PatronFactory(last_activity_at=now - dt.timedelta(days=900))
    card = stale.card_number
    patrons_anonymise_stale(now=now)
    PatronFactory(card_number=card)
    assert Patron.objects.filter(card_number=card).count() == 1


def test_the_retention_period_is_a_setting(db, settings, now):
    settings.PATRON_RETENTION_DAYS = 30
    PatronFactory(last_activity_at=now - dt.timedelta(days=31))
    assert patrons_anonymise_stale(now=now) == 1


def test_patron_personal_fields_are_registered_last():
    entries = registered_personal_fields()
    assert entries[-1].model_label == "makerlab.Patron"
    assert set(entries[-1].cleared_values()) == {"first_name", "last_name", "email", "phone", "card_number"}
