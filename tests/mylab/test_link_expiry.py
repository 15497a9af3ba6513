"""My Maker Lab offers each private link only while it works (MANAGE_LINK_DAYS after what it is about ended)."""

import datetime as dt

import pytest
from django.urls import reverse

from seedlibrary.models import SeedRequest
from tests.factories import PatronFactory
from tests.mylab.helpers import fill_my_lab
from tests.mylab.test_views import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def doris(db):
    return PatronFactory(first_name="Doris", last_name="Campbell", email="doris.campbell@example.net")


def test_links_past_their_time_are_not_offered(client, doris, now, time_machine, django_capture_on_commit_callbacks):
    mine = fill_my_lab(doris, now=now)
    SeedRequest.objects.filter(pk=mine.seed_request.pk).update(
        status=SeedRequest.Status.PICKED_UP, closed_at=now - dt.timedelta(days=31)
    )
    # The past booking ended 20 days ago: its link works 10 more days.
    past_link = reverse("bookings:manage", args=[mine.past_booking.manage_token])
    sign_in(client, doris, django_capture_on_commit_callbacks)
    page = client.get(reverse("mylab:start")).text
    assert past_link in page
    assert reverse("bookings:manage", args=[mine.upcoming_booking.manage_token]) in page
    assert reverse("programs:manage", args=[mine.registration.manage_token]) in page
    assert reverse("seeds:request_manage", args=[mine.seed_request.manage_token]) not in page
    assert client.get(past_link).status_code == 200
    time_machine.shift(dt.timedelta(days=11))
    sign_in(client, doris, django_capture_on_commit_callbacks)
    page = client.get(reverse("mylab:start")).text
    assert "Tech help: Attended" in page and past_link not in page
    assert client.get(past_link).status_code == 410
