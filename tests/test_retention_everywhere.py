"""Retention, checked the way a reviewer would: a patron active in every app goes idle, every retention job runs,
and then every text column of every table (history tables included) is searched for anything that named them.

What is kept on purpose is listed in README's Privacy section; none of it names the patron.
"""

import datetime as dt
import json

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from bookings.models import Booking
from bookings.services.booking import notify_request_create, notify_requests_forget_stale
from makerlab.models import Notification
from makerlab.services import (
    dated_personal_fields_clear,
    notifications_forget_old,
    patrons_anonymise_stale,
    sessions_clear_expired,
)
from programs.models import Participant, Registration
from seedlibrary.models import Loan, Lot, Orientation, SeedRequest
from stats.models import PurchaseSuggestion
from tests.factories import PatronFactory, ProgramFactory, ServiceTypeFactory, lendable_lot, make_booking

pytestmark = pytest.mark.calendar

FIRST, LAST = "Wilhelmina", "Quackenbush"
CHILD = "Zebulon"
EMAIL = "wilhelmina.q@example.net"
PHONE = "519-555-0177"
FREE_TEXT = "purple ukulele"


def _text_columns(model: type[models.Model]) -> list[str]:
    kinds = (models.CharField, models.TextField, models.JSONField)
    return [field.attname for field in model._meta.concrete_fields if isinstance(field, kinds)]


def _where_the_patron_remains(card_number: str) -> list[str]:
    """Every "model.column" (or "model.json column") whose value still holds one of the patron's details."""
    needles = [FIRST, LAST, CHILD, EMAIL, PHONE, FREE_TEXT, card_number]
    found = []
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.managed or model._meta.proxy:
            continue
        for column in _text_columns(model):
            for row in model._base_manager.values_list(column, flat=True).iterator():
                text = json.dumps(row) if not isinstance(row, str) else row
                hits = [needle for needle in needles if needle and needle.casefold() in (text or "").casefold()]
                if hits:
                    found.append(f"{model._meta.label}.{column}: {hits}")
    return found


def test_after_retention_no_table_holds_anything_about_the_patron(db, settings, branch):
    settings.PATRON_RETENTION_DAYS = 400
    settings.NOTIFICATION_RETENTION_DAYS = 90
    now = timezone.now()
    long_ago = now - dt.timedelta(days=500)
    patron = PatronFactory(first_name=FIRST, last_name=LAST, email=EMAIL, phone=PHONE, last_activity_at=long_ago)

    service = ServiceTypeFactory(branch=branch)
    booking = make_booking(
        starts_at=long_ago,
        service_type=service,
        patron=patron,
        contact_name=f"{FIRST} {LAST}",
        contact_email=EMAIL,
        contact_phone=PHONE,
        accessibility_needs=f"Brings a {FREE_TEXT}",
        intake_answers={"What do you need help with?": f"Tuning my {FREE_TEXT}"},
    )
    booking.status, booking.outcome_topic, booking.outcome_notes = Booking.Status.ATTENDED, "Music apps", FREE_TEXT
    booking.save()

    registration = Registration.objects.create(
        program=ProgramFactory(branch=branch),
        patron=patron,
        status=Registration.Status.CONFIRMED,
        places=1,
        contact_name=f"{FIRST} {LAST}",
        contact_email=EMAIL,
        contact_phone=PHONE,
        accommodations=f"Needs room for a {FREE_TEXT}",
        created_at=long_ago,
    )
    Participant.objects.create(registration=registration, first_name=CHILD, age=9, is_child=True)

    lot = lendable_lot(branch=branch)
    request = SeedRequest.objects.create(
        patron=patron, branch=branch, contact_email=EMAIL, created_at=long_ago, expires_at=long_ago
    )
    Loan.objects.create(
        patron=patron,
        variety=lot.variety,
        lot=lot,
        branch=branch,
        request=request,
        season=long_ago.year,
        status=Loan.Status.LENT,
        created_at=long_ago,
        lent_at=long_ago,
    )
    Orientation.objects.create(patron=patron, completed_on=long_ago.date())
    Lot.objects.create(
        variety=lot.variety,
        code="RET-1",
        source=Lot.Source.PATRON_DONATION,
        donor_patron=patron,
        donor_name=f"{FIRST} {LAST}",
        harvest_year=long_ago.year,
        grower_notes=f"Grown beside my {FREE_TEXT}",
    )

    waiting = notify_request_create(service_type=service, name=f"{FIRST} {LAST}", email=EMAIL)
    waiting.__class__.objects.filter(pk=waiting.pk).update(created_at=long_ago)

    PurchaseSuggestion.objects.create(
        kind="equipment", what="Laser cutter", normalised="laser cutter", why="Signs", email=EMAIL, created_at=long_ago
    )

    booking_type = ContentType.objects.get_for_model(Booking)
    for key, status in (("sent", Notification.Status.SENT), ("failed", Notification.Status.FAILED)):
        Notification.objects.create(
            kind="survey_immediate",
            recipient=EMAIL,
            template="survey_immediate",
            context={"first_name": FIRST, "survey_url": "https://lab.example/survey/abc/"},
            idempotency_key=f"retention-test:{key}",
            content_type=booking_type,
            object_id=str(booking.pk),
            status=status,
            created_at=long_ago,
        )
    card = patron.card_number
    assert _where_the_patron_remains(card)  # the search finds what is there before retention

    patrons_anonymise_stale(now=now)
    notifications_forget_old(now=now)
    notify_requests_forget_stale(now=now)
    dated_personal_fields_clear(now=now)
    sessions_clear_expired()

    assert _where_the_patron_remains(card) == []
