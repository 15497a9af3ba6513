"""Row locks: taken inside a transaction only, held on a card's patron while their limits are counted, and a
request that waits too long for one gets the "busy" page, never an error page. Real parallel transactions."""

import datetime as dt
import threading
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking
from makerlab.cards import card_number_make
from makerlab.locking import is_busy, locked
from makerlab.models import Patron
from makerlab.refusals import PUBLIC_ANSWER
from makerlab.services import NewPatron, patron_for_card
from tests.concurrency import run_together
from tests.factories import PatronFactory, at, booking_form_data, build_desk

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def held_elsewhere(patron: Patron):
    """The patron's row locked by another connection until the block ends."""
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                locked(Patron.objects.filter(pk=patron.pk)).get()
                taken.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert taken.wait(timeout=10)
    try:
        yield
    finally:
        release.set()
        thread.join(timeout=30)


@contextmanager
def short_lock_timeout():
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        [(configured,)] = cursor.fetchall()
        cursor.execute("SET lock_timeout = '300ms'")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = %s", [configured])


def test_rows_are_locked_inside_a_transaction_only():
    with pytest.raises(RuntimeError, match="inside a transaction only"):
        locked(Patron.objects.all())


def test_every_connection_waits_a_bounded_time_for_a_lock(settings):
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == f"{settings.LOCK_TIMEOUT_SECONDS}s"


def test_finding_a_patron_by_card_holds_their_row_until_the_transaction_ends():
    patron = PatronFactory()
    with (
        held_elsewhere(patron),
        short_lock_timeout(),
        pytest.raises(OperationalError) as waited,
        transaction.atomic(),
    ):
        patron_for_card(card_number=patron.card_number, now=timezone.now())
    assert is_busy(waited.value)
    with transaction.atomic():
        assert patron_for_card(card_number=patron.card_number, now=timezone.now()) == patron


def test_a_new_card_typed_twice_at_once_makes_one_patron():
    card = card_number_make(42)

    def find() -> int:
        with transaction.atomic():
            return patron_for_card(card_number=card, now=timezone.now(), new=NewPatron.from_full_name("Ada Lo")).pk

    found = run_together([find, find])
    assert len(found) == 2 and found[0] == found[1], found
    assert Patron.objects.get(card_number=card).first_name == "Ada"


def test_a_request_that_waits_too_long_for_a_lock_gets_the_busy_page_and_nothing_is_saved():
    day = timezone.localdate() + dt.timedelta(days=3)
    service = build_desk(day)
    patron = PatronFactory(card_number=card_number_make(1))
    with held_elsewhere(patron), short_lock_timeout():
        response = Client().post(reverse("bookings:book", args=[service.slug]), booking_form_data(at(day, 14)))
    assert response.status_code == 503 and response["Retry-After"]
    assert "Busy just now: please try again" in response.content.decode()
    assert not Booking.objects.exists()


def test_two_bookings_posted_at_once_with_one_card_respect_its_limit():
    day = timezone.localdate() + dt.timedelta(days=3)
    service = build_desk(day, people=2)
    service.max_future_bookings = 1
    service.save()
    url = reverse("bookings:book", args=[service.slug])

    def post(hour: int):
        return lambda: Client().post(url, booking_form_data(at(day, hour)), REMOTE_ADDR=f"192.0.2.{hour}")

    responses = run_together([post(13), post(15)])
    assert Booking.objects.count() == 1
    assert sorted(response.status_code for response in responses) == [200, 302]
    assert any(PUBLIC_ANSWER in response.content.decode() for response in responses)
