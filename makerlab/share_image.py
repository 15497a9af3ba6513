"""The picture a page shows when it is shared on social media: a 1200 by 630 PNG card with a title, a few plain
lines (when, where), a picture on one side if there is one, and the library's name.

Each app says what its card shows (``ShareCard``) and serves it with ``share_image_response``. A card is drawn
once and kept in the cache under a fingerprint of what it shows, so a change to the title, the date or the
picture draws a new one; the fingerprint is also the ETag, and a conditional GET is answered 304.

The text is set in the font Pillow itself ships (Aileron, drawn through FreeType): it is on every machine that
has Pillow, so the card never depends on the system's fonts. That font has no accented letters: an accented
letter is drawn as its base letter ("Café" as "Cafe"), and a character it cannot draw at all is left out.
"""

import hashlib
import io
import logging
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import Storage
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from PIL import Image, ImageDraw, ImageFont, ImageOps

from makerlab.http import site_address

logger = logging.getLogger(__name__)

WIDTH, HEIGHT = 1200, 630
PICTURE_WIDTH = 480
MARGIN = 64
# The site's colours (static/css/site.css): white and pale blue on the header's teal, the focus ring's yellow.
BACKGROUND = "#1d4e5f"
TEXT = "#ffffff"
SOFT_TEXT = "#e3f0f4"
ACCENT = "#ffbf47"
FOOTER = "#0b2530"

TITLE_SIZE, TITLE_LINE, TITLE_LINES = 60, 72, 3
LABEL_SIZE = 28
DETAIL_SIZE, DETAIL_LINE, DETAIL_LINES = 34, 44, 2
FOOTER_SIZE, FOOTER_HEIGHT = 30, 96
# Longer text could never fit the card: it is cut before it is measured, so hostile input costs nothing.
MOST_CHARACTERS = 400
ELLIPSIS = "…"
# A picture larger than this is not read (a photo uploaded outside the checked program form).
MOST_PICTURE_PIXELS = 40_000_000

CACHE_SECONDS = 24 * 60 * 60
# A card drawn without its picture (storage did not answer) is drawn again soon, not kept for a day.
INCOMPLETE_CACHE_SECONDS = 60
BROWSER_SECONDS = 10 * 60
_CACHE_KEY = "share-image:{fingerprint}"
# Part of every fingerprint: a change to how cards are drawn makes every cached one stale.
DESIGN = "1"
# Letters and marks the font lacks, and that have no base letter to fall back to.
_SUBSTITUTES = {
    "\u2014": "-",
    "\u2013": "-",
    "\u2011": "-",
    "ß": "ss",
    "Æ": "AE",
    "æ": "ae",
    "Œ": "OE",
    "œ": "oe",
    "Ø": "O",
    "ø": "o",
    "Ł": "L",
    "ł": "l",
    "Đ": "D",
    "đ": "d",
}


@dataclass(frozen=True)
class ShareCard:
    """What a share image shows. ``version`` names anything else the picture depends on (a picture
    replaced under the same name): it changes the fingerprint without being drawn."""

    title: str
    label: str
    details: tuple[str, ...] = ()
    picture: str = ""
    version: str = ""

    @property
    def fingerprint(self) -> str:
        shown = "\x1f".join(
            (DESIGN, self.title, self.label, *self.details, self.picture, self.version, settings.LIBRARY_NAME)
        )
        return hashlib.sha256(shown.encode(), usedforsecurity=False).hexdigest()


def brand_line() -> str:
    return f"{settings.LIBRARY_NAME} · Maker Lab"


# --- The page's tags -----------------------------------------------------------------------------------------

DESCRIPTION_CHARACTERS = 200


@dataclass(frozen=True)
class ShareTags:
    """What ``templates/_share_tags.html`` tells social media about a page."""

    title: str
    description: str
    url: str
    image: str
    image_alt: str
    site_name: str
    width: int = WIDTH
    height: int = HEIGHT


def short_description(text: str) -> str:
    """The text on one line, cut after a whole word near DESCRIPTION_CHARACTERS: a preview is read at a glance."""
    text = " ".join(text.split())
    if len(text) <= DESCRIPTION_CHARACTERS:
        return text
    cut = text[: DESCRIPTION_CHARACTERS + 1]
    cut = cut.rsplit(" ", 1)[0] if " " in cut else cut[:DESCRIPTION_CHARACTERS]
    return cut.rstrip(" .,;:!?") + "…"


def share_tags(
    request: HttpRequest, *, title: str, description: str, page_path: str, image_path: str, label: str
) -> ShareTags:
    """The tags for a page at ``page_path`` whose share image is at ``image_path``, both as full addresses."""
    site_name = f"{settings.LIBRARY_NAME} Maker Lab"
    return ShareTags(
        title=title,
        description=short_description(description),
        url=site_address(request, page_path),
        image=site_address(request, image_path),
        image_alt=f"{title}: {label.lower()} at the {site_name}.",
        site_name=site_name,
    )


# --- Text ----------------------------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


@lru_cache(maxsize=1)
def _missing_glyph() -> bytes:
    return bytes(_font(TITLE_SIZE).getmask("\uffff"))


@lru_cache(maxsize=4096)
def _drawable(character: str) -> str:
    """The character, its base letter when the font lacks it (é → e), or nothing when it has neither."""
    if character.isascii():
        return character
    for candidate in (character, unicodedata.normalize("NFKD", character)[:1], _SUBSTITUTES.get(character, "")):
        if candidate and bytes(_font(TITLE_SIZE).getmask(candidate)) != _missing_glyph():
            return candidate
    return ""


def plain_text(text: str) -> str:
    """One line of text the font can draw: no control or direction characters, spaces collapsed."""
    kept = "".join(_cleaned(character) for character in text[: MOST_CHARACTERS * 2])
    return " ".join(kept.split())


def _cleaned(character: str) -> str:
    if character.isspace():
        return " "
    if unicodedata.category(character).startswith("C"):
        return ""
    return _drawable(character)


def _pieces(word: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """A word too wide for a line, broken where it must be."""
    if font.getlength(word) <= width:
        return [word]
    pieces, current = [], ""
    for character in word:
        if current and font.getlength(current + character) > width:
            pieces.append(current)
            current = ""
        current += character
    return [*pieces, current] if current else pieces


def _with_ellipsis(line: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    line = line.rstrip(" .,;:!?")
    while line and font.getlength(line + ELLIPSIS) > width:
        line = line[:-1].rstrip(" .,;:!?")
    return line + ELLIPSIS


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int, most_lines: int) -> list[str]:
    """``text`` in lines no wider than ``width``, at most ``most_lines`` of them; text cut short ends with "…"."""
    if most_lines < 1:
        return []
    text = plain_text(text)
    cut = len(text) > MOST_CHARACTERS
    lines, current = [], ""
    for word in text[:MOST_CHARACTERS].split(" "):
        for piece in _pieces(word, font, width):
            candidate = f"{current} {piece}" if current else piece
            if not current or font.getlength(candidate) <= width:
                current = candidate
            else:
                lines.append(current)
                current = piece
        if len(lines) > most_lines:
            break
    if current:
        lines.append(current)
    if len(lines) > most_lines or cut:
        lines = lines[:most_lines]
        lines[-1] = _with_ellipsis(lines[-1], font, width)
    return [line for line in lines if line]


# --- Drawing -------------------------------------------------------------------------------------------------


def _picture(name: str, storage: Storage) -> Image.Image | None:
    """The stored picture cut to fill its side of the card, or None when it cannot be read."""
    try:
        with storage.open(name) as stored:
            image = Image.open(io.BytesIO(stored.read()))
            if image.width * image.height > MOST_PICTURE_PIXELS:
                return None
            image.draft("RGB", (PICTURE_WIDTH * 2, HEIGHT * 2))
            image = ImageOps.exif_transpose(image).convert("RGBA")
    except Exception:
        logger.warning("The share image is drawn without its picture: %s could not be read.", name, exc_info=True)
        return None
    backdrop = Image.new("RGBA", image.size, BACKGROUND)
    flat = Image.alpha_composite(backdrop, image).convert("RGB")
    return ImageOps.fit(flat, (PICTURE_WIDTH, HEIGHT), Image.Resampling.LANCZOS)


def share_image_draw(card: ShareCard, *, storage: Storage | None = None) -> bytes:
    """The card as PNG bytes."""
    return _drawn(card, storage)[0]


def _drawn(card: ShareCard, storage: Storage | None) -> tuple[bytes, bool]:
    """The card as PNG bytes, and whether it shows everything it should (its picture could be read)."""
    canvas = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    picture = _picture(card.picture, storage) if card.picture and storage is not None else None
    text_right = WIDTH - MARGIN
    if picture is not None:
        canvas.paste(picture, (WIDTH - PICTURE_WIDTH, 0))
        text_right = WIDTH - PICTURE_WIDTH - MARGIN
    width = text_right - MARGIN
    draw = ImageDraw.Draw(canvas)

    footer_top = HEIGHT - FOOTER_HEIGHT
    draw.rectangle((0, footer_top, text_right + MARGIN - 1, HEIGHT), fill=FOOTER)
    draw.rectangle((0, footer_top, text_right + MARGIN - 1, footer_top + 5), fill=ACCENT)
    footer_font = _font(FOOTER_SIZE)
    footer = wrap(brand_line(), footer_font, width, 1)
    draw.text((MARGIN, footer_top + 5 + (FOOTER_HEIGHT - 5) // 2), footer[0], font=footer_font, fill=TEXT, anchor="lm")

    top, bottom = 56, footer_top - 32
    label_font = _font(LABEL_SIZE)
    for line in wrap(card.label.upper(), label_font, width, 1):
        draw.text((MARGIN, top), line, font=label_font, fill=ACCENT, anchor="la")
        top += LABEL_SIZE + 24
    title_font = _font(TITLE_SIZE)
    details = [detail for detail in card.details if plain_text(detail)]
    # The title keeps at least a line for each detail below it, and the details share what is left.
    room_for_title = (bottom - top - len(details) * DETAIL_LINE - 16) // TITLE_LINE
    for line in wrap(card.title, title_font, width, max(1, min(TITLE_LINES, room_for_title))):
        draw.text((MARGIN, top), line, font=title_font, fill=TEXT, anchor="la", stroke_width=1, stroke_fill=TEXT)
        top += TITLE_LINE
    top += 16
    detail_font = _font(DETAIL_SIZE)
    for index, detail in enumerate(details):
        left_for_others = len(details) - index - 1
        room = (bottom - top) // DETAIL_LINE - left_for_others
        for line in wrap(detail, detail_font, width, max(0, min(DETAIL_LINES, room))):
            draw.text((MARGIN, top), line, font=detail_font, fill=SOFT_TEXT, anchor="la")
            top += DETAIL_LINE

    encoded = io.BytesIO()
    canvas.save(encoded, "PNG", optimize=True)
    return encoded.getvalue(), picture is not None or not card.picture


# --- Serving -------------------------------------------------------------------------------------------------


def share_image_response(request: HttpRequest, card: ShareCard, *, storage: Storage | None = None) -> HttpResponse:
    """The card's PNG, drawn once per change of what it shows, with validators so browsers and crawlers
    revalidate it cheaply."""
    fingerprint = card.fingerprint
    etag = f'"{fingerprint[:32]}"'
    # The ETag names what the image shows: a matching If-None-Match needs neither the cache nor a drawing.
    if "HTTP_IF_NONE_MATCH" in request.META:
        not_modified = get_conditional_response(request, etag=etag)
        if isinstance(not_modified, HttpResponseNotModified):
            return _public(not_modified, etag)
    key = _CACHE_KEY.format(fingerprint=fingerprint)
    stored = cache.get(key)
    if stored is None:
        png, complete = _drawn(card, storage)
        stored = {"png": png, "drawn": int(timezone.now().timestamp())}
        cache.set(key, stored, CACHE_SECONDS if complete else INCOMPLETE_CACHE_SECONDS)
    not_modified = get_conditional_response(request, etag=etag, last_modified=stored["drawn"])
    if isinstance(not_modified, HttpResponseNotModified):
        response = not_modified
    else:
        response = HttpResponse(stored["png"], content_type="image/png")
    response["Last-Modified"] = http_date(stored["drawn"])
    return _public(response, etag)


def _public(response: HttpResponse, etag: str) -> HttpResponse:
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=BROWSER_SECONDS)
    return response
