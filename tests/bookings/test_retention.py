"""A booking's history keeps what happened and who did it, never what the patron or staff wrote: after
retention nothing personal is left in it, and the admin's "Revert" cannot bring anything back."""

import datetime as dt

from django.db import connection
from django.utils import timezone

from bookings.models import Booking
from makerlab.services import patrons_anonymise_stale
from tests.factories import PatronFactory, ServiceTypeFactory, make_booking

NOTES = "Doris's grandson Liam set up her phone; she lives alone at 12 Elm Street"


def history_text(booking: Booking) -> str:
    """Every column of every history row of the booking, as text."""
    table = Booking.history.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{table}" WHERE id = %s', [booking.pk])  # noqa: S608 (our own table name)
        return " ".join(str(value) for row in cursor.fetchall() for value in row)


def test_retention_leaves_nothing_personal_in_the_history_and_a_revert_restores_none_of_it(
    client, coordinator, branch, settings
):
    settings.PATRON_RETENTION_DAYS = 400
    now = timezone.now()
    patron = PatronFactory(first_name="Doris", last_name="Campbell", last_activity_at=now - dt.timedelta(days=500))
    booking = make_booking(
        starts_at=now - dt.timedelta(days=501),
        service_type=ServiceTypeFactory(branch=branch),
        patron=patron,
        contact_name="Doris Campbell",
        contact_phone="519-555-0142",
    )
    booking.status = Booking.Status.ATTENDED
    booking.outcome_topic = "Phone setup"
    booking.outcome_notes = NOTES
    booking.save()
    first_version = booking.history.earliest()
    assert "Liam" not in history_text(booking)

    patrons_anonymise_stale(now=now)
    booking.refresh_from_db()
    assert (booking.contact_name, booking.contact_phone, booking.outcome_notes) == ("", "", "")
    text = history_text(booking)
    for personal in ("Doris", "Campbell", "519-555-0142", "Liam", "Elm Street"):
        assert personal not in text

    client.force_login(coordinator)
    revert_page = f"/admin/bookings/booking/{booking.pk}/history/{first_version.history_id}/"
    form = client.get(revert_page)
    assert form.status_code == 200
    assert "Liam" not in form.content.decode()
    client.post(revert_page, {"outcome_topic": "", "outcome_resolved": "unknown", "outcome_notes": ""})
    booking.refresh_from_db()
    assert (booking.contact_name, booking.contact_phone, booking.outcome_notes) == ("", "", "")
