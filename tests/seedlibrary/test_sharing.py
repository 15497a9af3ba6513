"""Sharing a seed's page on social media: its tags, and its share image."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from seedlibrary.models import Variety
from tests.factories import BranchFactory, LotFactory, VarietyFactory, lendable_lot
from tests.sharing import assert_complete_share_tags, is_background, opened, share_tags


@pytest.fixture
def variety(db) -> Variety:
    return VarietyFactory(
        common_name="Tomato", variety_name="Brandywine", slug="tomato-brandywine", growing_notes="Stake the plants."
    )


def image_url(variety: Variety) -> str:
    return reverse("seeds:share_image", args=[variety.slug])


def test_the_variety_page_tells_social_media_its_name_description_and_image(client, variety):
    tags = share_tags(client.get(reverse("seeds:variety", args=[variety.slug])).content.decode())
    assert_complete_share_tags(tags, url="http://testserver/seeds/tomato-brandywine/", title="Tomato 'Brandywine'")
    assert tags["og:image"] == "http://testserver/seeds/tomato-brandywine/share.png"
    assert tags["og:description"] == "Stake the plants."
    opened(client.get(tags["og:image"].removeprefix("http://testserver")))


def test_the_variety_image_is_a_png_that_changes_with_the_name_and_answers_304(client, variety):
    first = client.get(image_url(variety))
    opened(first)
    assert client.get(image_url(variety), headers={"if-none-match": first["ETag"]}).status_code == 304
    Variety.objects.filter(pk=variety.pk).update(variety_name="Cherokee Purple")
    renamed = client.get(image_url(variety))
    assert renamed.content != first.content and renamed["ETag"] != first["ETag"]


def test_a_variety_photo_is_shown_on_the_card(client, variety, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    encoded = io.BytesIO()
    Image.new("RGB", (900, 900), (40, 160, 40)).save(encoded, "JPEG", quality=95)
    Variety.objects.filter(pk=variety.pk).update(
        photo=default_storage.save("seeds/tomato.jpg", ContentFile(encoded.getvalue()))
    )
    pictured = opened(client.get(image_url(variety)))
    red, green, blue = pictured.getpixel((1000, 300))
    assert green > 140 and red < 60 and blue < 60
    other = VarietyFactory()
    assert is_background(opened(client.get(image_url(other))).getpixel((1000, 300)))


def test_an_unknown_or_unpublished_variety_has_no_image(client, variety):
    assert client.get(reverse("seeds:share_image", args=["no-such-seed"])).status_code == 404
    Variety.objects.filter(pk=variety.pk).update(is_published=False)
    assert client.get(image_url(variety)).status_code == 404


def test_the_variety_image_takes_one_query_at_two_sizes(client, variety):
    lendable_lot(branch=BranchFactory(), variety=variety)
    with CaptureQueriesContext(connection) as small:
        opened(client.get(image_url(variety)))
    for _ in range(10):
        lendable_lot(branch=BranchFactory(), variety=variety)
        LotFactory(variety=variety)
    with CaptureQueriesContext(connection) as large:
        opened(client.get(image_url(variety)))
    assert len(small) == len(large) == 1
