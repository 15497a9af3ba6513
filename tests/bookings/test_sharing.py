"""Sharing a 1-on-1 service's page on social media: its tags, and its share image."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings.models import ServiceType
from tests.bookings.test_views import _grow
from tests.factories import build_desk
from tests.sharing import assert_complete_share_tags, opened, share_tags


@pytest.fixture
def day() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=3)


@pytest.fixture
def service(db, day) -> ServiceType:
    service = build_desk([day])
    ServiceType.objects.filter(pk=service.pk).update(name="Tech help: phone, tablet, laptop", slug="tech-help")
    service.refresh_from_db()
    return service


def image_url(service: ServiceType) -> str:
    return reverse("bookings:share_image", args=[service.slug])


def test_the_service_page_tells_social_media_its_name_description_and_image(client, service):
    page = client.get(reverse("bookings:service", args=[service.slug])).content.decode()
    tags = share_tags(page)
    assert_complete_share_tags(tags, url="http://testserver/book/tech-help/", title="Tech help: phone, tablet, laptop")
    assert tags["og:image"] == "http://testserver/book/tech-help/share.png"
    assert tags["og:description"] == "Help with your phone, tablet or laptop."
    opened(client.get(tags["og:image"].removeprefix("http://testserver")))


def test_the_service_image_is_a_png_that_changes_with_the_name_and_answers_304(client, service):
    first = client.get(image_url(service))
    opened(first)
    assert "public" in first["Cache-Control"]
    assert client.get(image_url(service), headers={"if-none-match": first["ETag"]}).status_code == 304
    ServiceType.objects.filter(pk=service.pk).update(name="Tech help for everyone")
    renamed = client.get(image_url(service))
    assert renamed.content != first.content and renamed["ETag"] != first["ETag"]


def test_an_unknown_or_withdrawn_service_has_no_image(client, service):
    assert client.get(reverse("bookings:share_image", args=["no-such-service"])).status_code == 404
    ServiceType.objects.filter(pk=service.pk).update(is_active=False)
    assert client.get(image_url(service)).status_code == 404


def test_the_service_image_takes_one_query_at_two_sizes(client, service, day):
    with CaptureQueriesContext(connection) as small:
        opened(client.get(image_url(service)))
    _grow(day, service)
    with CaptureQueriesContext(connection) as large:
        opened(client.get(image_url(service)))
    assert len(small) == len(large) == 1
