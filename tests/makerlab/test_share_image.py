"""The share image's drawing: text that always fits the card, whatever it is given."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from PIL import Image

from makerlab.share_image import (
    ACCENT,
    BACKGROUND,
    DETAIL_SIZE,
    FOOTER,
    FOOTER_HEIGHT,
    HEIGHT,
    SOFT_TEXT,
    TEXT,
    TITLE_SIZE,
    ShareCard,
    _font,
    plain_text,
    share_image_draw,
    short_description,
    wrap,
)
from tests.factories import ProgramFactory, VarietyFactory, build_desk, with_sessions
from tests.sharing import assert_nothing_drawn_in_the_right_margin, opened

HOSTILE = [
    "W" * 5000,
    "word " * 3000,
    "\u202eevil\u202c \u200b\u200b zero-width \x00\x07 controls\r\n\ttabs",
    "中文 日本語 한국어 🎉🎉🎉 " * 50,
    "<script>alert(1)</script> & ' \" " * 40,
]


@pytest.mark.parametrize("text", HOSTILE)
def test_long_or_hostile_text_wraps_to_the_width_and_is_cut_with_an_ellipsis(text):
    font = _font(TITLE_SIZE)
    lines = wrap(text, font, 600, 3)
    assert 1 <= len(lines) <= 3 or not plain_text(text)
    assert all(font.getlength(line) <= 600 for line in lines)
    if len(plain_text(text)) > 60:
        assert lines[-1].endswith("…")


def test_no_room_for_a_line_gives_no_line_rather_than_an_error():
    assert wrap("A long title that would need lines", _font(TITLE_SIZE), 600, 0) == []


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


@pytest.mark.parametrize(
    ("text", "background"),
    [(TEXT, BACKGROUND), (SOFT_TEXT, BACKGROUND), (ACCENT, BACKGROUND), (TEXT, FOOTER)],
)
def test_every_text_colour_has_enough_contrast_on_its_background(text, background):
    lighter, darker = sorted((_luminance(text), _luminance(background)), reverse=True)
    assert (lighter + 0.05) / (darker + 0.05) >= 4.5


def test_short_text_is_left_whole():
    assert wrap("Sewing  machine\nbasics", _font(DETAIL_SIZE), 600, 2) == ["Sewing machine basics"]


def test_letters_the_font_lacks_are_drawn_as_their_base_letter_and_controls_dropped():
    assert plain_text("Café crème \u2014 Œuvre\u202e\x07") == "Cafe creme - OEuvre"


@pytest.mark.parametrize("text", HOSTILE)
def test_a_card_of_hostile_text_stays_inside_its_margins(text):
    card = ShareCard(title=text, label=text, details=(text, text, text))
    image = Image.open(io.BytesIO(share_image_draw(card)))
    assert image.format == "PNG" and image.size == (1200, 630)
    assert_nothing_drawn_in_the_right_margin(image.convert("RGB"), above=HEIGHT - FOOTER_HEIGHT)


def test_a_short_description_is_cut_after_a_whole_word():
    text = "Build games in Python. " * 20
    short = short_description(text)
    assert len(short) <= 201 and short.endswith("…") and not short.endswith(".…")
    assert short.removesuffix("…") in text
    assert short_description("Two\n\nlines") == "Two lines"


def test_the_bench_measures_each_share_image_or_falls_back_to_its_listing(client, db):
    from bench.pages import PAGES

    share_pages = [page for page in PAGES if page.name.endswith("_share_image")]
    assert len(share_pages) == 3
    assert {page.resolve_path() for page in share_pages} == {"/programs/", "/book/", "/seeds/"}
    with_sessions(ProgramFactory())
    build_desk([timezone.localdate() + dt.timedelta(days=3)])
    VarietyFactory()
    for page in share_pages:
        path = page.resolve_path()
        assert path.endswith("/share.png"), path
        opened(client.get(path))
