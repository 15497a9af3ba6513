"""Sharing a program on social media: the page's Open Graph and Twitter card tags, and its share image."""

import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from makerlab.share_image import FOOTER_HEIGHT, HEIGHT
from programs.models import Program
from programs.selectors import program_to_share
from programs.sharing import program_share_card
from tests.clock import LIBRARY_ZONE as TORONTO
from tests.factories import ProgramFactory, with_sessions
from tests.programs.test_views import cancel_session, programs_at_scale
from tests.sharing import (
    assert_complete_share_tags,
    assert_nothing_drawn_in_the_right_margin,
    is_background,
    opened,
    share_tags,
)

PICTURE_COLOUR = (200, 40, 40)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def image_url(program: Program) -> str:
    return reverse("programs:share_image", args=[program.slug])


def with_stored_picture(program: Program) -> Program:
    """A picture whose renditions are really in storage, as the admin leaves them: red, 16:9."""
    renditions = []
    for width in (400, 1200):
        encoded = io.BytesIO()
        Image.new("RGB", (width, width * 9 // 16), PICTURE_COLOUR).save(encoded, "WEBP", quality=90)
        name = default_storage.save(
            f"programs/images/2026/renditions/{program.slug}-{width}w.webp", ContentFile(encoded.getvalue())
        )
        renditions.append({"width": width, "height": width * 9 // 16, "name": name})
    Program.objects.filter(pk=program.pk).update(
        image=f"programs/images/2026/{program.slug}.jpg", image_alt="Teens at a laptop", image_renditions=renditions
    )
    program.refresh_from_db()
    return program


def near(pixel, colour, tolerance=12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


# --- What the card says ------------------------------------------------------------------------------------


def test_the_card_tells_the_next_session_to_come_in_plain_words(db, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 18, 10, 30, tzinfo=TORONTO), tick=False)
    program = with_sessions(ProgramFactory(title="Teen coding", room="Room B"), days=(-1, 3, 10, 400))
    cancel_session(program.sessions.order_by("starts_at")[1])
    card = program_share_card(program_to_share(slug=program.slug, now=timezone.now()), now=timezone.now())
    assert card.title == "Teen coding"
    assert card.details == ("Saturday 28 November", "3:00 to 4:00 p.m.", f"{program.branch.name}, Room B")
    time_machine.move_to(dt.datetime(2026, 12, 1, 10, 30, tzinfo=TORONTO), tick=False)
    card = program_share_card(program_to_share(slug=program.slug, now=timezone.now()), now=timezone.now())
    assert card.details == ("Thursday 23 December 2027", "3:00 to 4:00 p.m.", f"{program.branch.name}, Room B")


def test_a_program_with_no_session_to_come_is_told_by_its_place_only(db):
    program = with_sessions(ProgramFactory(room=""), days=(-3,))
    card = program_share_card(program_to_share(slug=program.slug, now=timezone.now()), now=timezone.now())
    assert card.details == (program.branch.name,)


# --- The image --------------------------------------------------------------------------------------------


def test_the_share_image_is_a_1200_by_630_png_that_caches_publicly(client, db):
    program = with_sessions(ProgramFactory(title="Teen coding", slug="teen-coding"))
    response = client.get(image_url(program))
    opened(response)
    assert "public" in response["Cache-Control"] and "max-age=600" in response["Cache-Control"]
    assert response["ETag"].startswith('"') and response["Last-Modified"]


def test_a_conditional_get_is_answered_not_modified(client, db):
    program = with_sessions(ProgramFactory())
    first = client.get(image_url(program))
    by_tag = client.get(image_url(program), headers={"if-none-match": first["ETag"]})
    assert by_tag.status_code == 304 and by_tag.content == b""
    assert by_tag["ETag"] == first["ETag"]
    by_date = client.get(image_url(program), headers={"if-modified-since": first["Last-Modified"]})
    assert by_date.status_code == 304
    stale = client.get(image_url(program), headers={"if-none-match": '"something-else"'})
    assert stale.status_code == 200 and stale.content == first.content
    # The ETag names what the image shows: a match is answered even when the cache has lost the image.
    cache.clear()
    assert client.get(image_url(program), headers={"if-none-match": first["ETag"]}).status_code == 304


def test_the_second_request_is_served_from_the_cache_without_reading_the_picture(client, db, media):
    program = with_stored_picture(with_sessions(ProgramFactory()))
    first = client.get(image_url(program))
    for rendition in program.image_renditions:
        default_storage.delete(rendition["name"])
    second = client.get(image_url(program))
    assert second.content == first.content
    assert near(opened(second).getpixel((1000, 300)), PICTURE_COLOUR)
    # A change to the program draws it again, from storage: the picture is gone now.
    Program.objects.filter(pk=program.pk).update(title="Teen coding, new term", updated_at=timezone.now())
    redrawn = opened(client.get(image_url(program)))
    assert is_background(redrawn.getpixel((1000, 300)))


def test_a_new_title_draws_a_new_image(client, db):
    program = with_sessions(ProgramFactory(title="Teen coding"))
    before = client.get(image_url(program))
    program.title = "Teen robotics"
    program.save()
    after = client.get(image_url(program))
    assert after.content != before.content and after["ETag"] != before["ETag"]
    assert client.get(image_url(program), headers={"if-none-match": before["ETag"]}).status_code == 200


def test_moving_the_next_session_draws_a_new_image(client, db):
    program = with_sessions(ProgramFactory(), days=(3, 10))
    before = client.get(image_url(program))
    session = program.sessions.order_by("starts_at").first()
    session.starts_at += dt.timedelta(hours=2)
    session.ends_at += dt.timedelta(hours=2)
    session.save()
    after = client.get(image_url(program))
    assert after.content != before.content and after["ETag"] != before["ETag"]


def test_a_program_with_a_picture_shows_it_on_the_right_and_one_without_does_not(client, db, media):
    pictured = with_stored_picture(with_sessions(ProgramFactory()))
    plain = with_sessions(ProgramFactory())
    with_picture = opened(client.get(image_url(pictured)))
    without = opened(client.get(image_url(plain)))
    for point in ((730, 10), (1190, 620), (1000, 300)):
        assert near(with_picture.getpixel(point), PICTURE_COLOUR), point
    assert is_background(without.getpixel((1000, 300)))
    # Text is drawn left of the picture, never over it.
    assert all(near(pixel, PICTURE_COLOUR) for pixel in with_picture.crop((720, 0, 1200, HEIGHT)).get_flattened_data())


def test_a_picture_that_cannot_be_read_leaves_the_card_without_it_for_a_minute(client, db, media, time_machine):
    program = with_stored_picture(with_sessions(ProgramFactory()))
    largest = program.image_renditions[-1]["name"]
    readable = default_storage.open(largest).read()
    default_storage.delete(largest)
    default_storage.save(largest, ContentFile(b"not a picture"))
    image = opened(client.get(image_url(program)))
    assert is_background(image.getpixel((1000, 300)))
    default_storage.delete(largest)
    default_storage.save(largest, ContentFile(readable))
    assert is_background(opened(client.get(image_url(program))).getpixel((1000, 300)))
    time_machine.shift(dt.timedelta(seconds=61))
    assert near(opened(client.get(image_url(program))).getpixel((1000, 300)), PICTURE_COLOUR)


def test_a_hostile_very_long_title_wraps_and_ends_with_an_ellipsis_inside_the_card(client, db):
    title = ("\u202e\x07Wunderbarwerkstattmaschinen" * 5 + " 💥 " + "extraordinary " * 8)[:150]
    program = with_sessions(ProgramFactory(title=title))
    image = opened(client.get(image_url(program)))
    assert_nothing_drawn_in_the_right_margin(image, above=HEIGHT - FOOTER_HEIGHT)


def test_a_program_without_sessions_to_come_still_has_an_image(client, db):
    program = with_sessions(ProgramFactory(), days=(-3,))
    opened(client.get(image_url(program)))


@pytest.mark.parametrize("slug", ["no-such-program", "draft"])
def test_an_unknown_or_unpublished_program_has_no_image(client, db, slug):
    ProgramFactory(slug="draft", is_published=False)
    assert client.get(reverse("programs:share_image", args=[slug])).status_code == 404


def test_the_image_takes_one_query_at_two_sizes_drawn_or_cached(client, db, media):
    program = with_stored_picture(programs_at_scale(1))
    with CaptureQueriesContext(connection) as small:
        opened(client.get(image_url(program)))
    with_sessions(program, days=range(12, 30))
    programs_at_scale(8)
    with CaptureQueriesContext(connection) as large:
        opened(client.get(image_url(program)))
    with CaptureQueriesContext(connection) as cached:
        opened(client.get(image_url(program)))
    assert len(small) == len(large) == len(cached) == 1, [q["sql"] for q in large.captured_queries]


# --- The page's tags --------------------------------------------------------------------------------------


def test_the_program_page_tells_social_media_its_title_description_and_image(client, db):
    description = "Build games in Python.\n\n" + "We learn one new idea each week, then play. " * 10
    program = with_sessions(ProgramFactory(title="Teen coding & games", slug="teen-coding", description=description))
    tags = share_tags(client.get(reverse("programs:program", args=[program.slug])).content.decode())
    assert_complete_share_tags(tags, url="http://testserver/programs/teen-coding/", title="Teen coding & games")
    assert tags["og:image"] == "http://testserver/programs/teen-coding/share.png"
    assert tags["og:description"].startswith("Build games in Python. We learn one new idea")
    assert tags["og:description"].endswith("…")
    assert tags["og:site_name"] == "Elgin Valley Public Library Maker Lab"
    opened(client.get(tags["og:image"].removeprefix("http://testserver")))


def test_the_program_page_still_takes_its_queries_with_the_tags(client, db):
    program = programs_at_scale(1)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("programs:program", args=[program.slug])).status_code == 200
    assert len(queries) <= 3


def test_two_programs_with_the_same_title_and_times_never_share_a_cached_image(client, db, media):
    first = with_stored_picture(with_sessions(ProgramFactory(title="Same")))
    second = with_sessions(ProgramFactory(title="Same"))
    assert client.get(image_url(first))["ETag"] != client.get(image_url(second))["ETag"]
    assert is_background(opened(client.get(image_url(second))).getpixel((1000, 300)))


def test_the_tags_give_the_address_the_library_publishes(client, db, settings):
    settings.SITE_URL = "https://makerlab.example.org"
    program = with_sessions(ProgramFactory(slug="teen-coding"))
    tags = share_tags(client.get(reverse("programs:program", args=[program.slug])).content.decode())
    assert tags["og:url"] == "https://makerlab.example.org/programs/teen-coding/"
    assert tags["og:image"] == tags["twitter:image"] == "https://makerlab.example.org/programs/teen-coding/share.png"
