"""A seed request's private link works while the request is open, and until a set time after it ended."""

import datetime as dt

import pytest
from django.urls import reverse

from seedlibrary.models import SeedRequest
from tests.factories import OrientationFactory, lendable_lot
from tests.seedlibrary.test_request_views import _post

pytestmark = pytest.mark.django_db

EXPIRED = "This link has expired"


@pytest.fixture
def seed_request(client, branch, patron):
    OrientationFactory(patron=patron)
    lot = lendable_lot(branch=branch, packets=3)
    _post(client, varieties=[lot.variety_id], card_number=patron.card_number, branch=branch)
    return SeedRequest.objects.get()


def _pages(seed_request):
    return [
        reverse(name, args=[seed_request.manage_token])
        for name in ("seeds:request_manage", "seeds:request_sent", "seeds:request_cancel")
    ]


def test_an_open_request_keeps_its_link_long_after(client, seed_request, time_machine):
    time_machine.move_to(seed_request.expires_at + dt.timedelta(days=90), tick=False)
    assert client.get(reverse("seeds:request_manage", args=[seed_request.manage_token])).status_code == 200


@pytest.mark.parametrize(
    "status", [SeedRequest.Status.PICKED_UP, SeedRequest.Status.CANCELLED, SeedRequest.Status.EXPIRED]
)
def test_the_link_stops_30_days_after_the_request_ended(client, seed_request, time_machine, now, status):
    ended = now + dt.timedelta(days=2)
    SeedRequest.objects.filter(pk=seed_request.pk).update(status=status, closed_at=ended)
    time_machine.move_to(ended + dt.timedelta(days=30) - dt.timedelta(minutes=1), tick=False)
    for url in _pages(seed_request):
        response = client.get(url)
        assert response.status_code in (200, 302), url
    time_machine.move_to(ended + dt.timedelta(days=30, minutes=1), tick=False)
    for url in _pages(seed_request):
        response = client.get(url)
        assert response.status_code == 410, url
        assert EXPIRED in response.text and "contact the library" in response.text
        assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert client.post(_pages(seed_request)[2]).status_code == 410
