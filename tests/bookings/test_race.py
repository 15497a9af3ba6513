"""Twenty patrons post the real booking form for the same time at once, each in its own transaction."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking
from tests.factories import at, build_desk
from tests.factories import booking_form_data as form_data

PATRONS = 20


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_posts_for_one_time_make_one_booking_and_no_error_page():
    day = timezone.localdate() + dt.timedelta(days=3)
    service = build_desk(day)
    url = reverse("bookings:book", args=[service.slug])
    barrier = threading.Barrier(PATRONS)
    statuses: list[tuple[int, str]] = []
    lock = threading.Lock()

    def post(sequence: int) -> None:
        client = Client(raise_request_exception=False)
        try:
            barrier.wait()
            # Each patron from their own address, so the per-address rate limit is not what refuses them.
            response = client.post(url, form_data(at(day, 14), sequence), REMOTE_ADDR=f"192.0.2.{sequence}")
            with lock:
                statuses.append((response.status_code, response.content.decode()))
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(n,)) for n in range(1, PATRONS + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)

    codes = sorted(code for code, _ in statuses)
    assert codes == [200] * (PATRONS - 1) + [302]
    refused = [body for code, body in statuses if code == 200]
    assert all("Here are the nearest other times." in body for body in refused)
    assert Booking.objects.filter(starts_at=at(day, 14)).count() == 1
