"""Reading what a page tells social media: its Open Graph and Twitter card tags, and its share image."""

import io
from html.parser import HTMLParser

from PIL import Image

from makerlab.share_image import BACKGROUND, HEIGHT, MARGIN, WIDTH

REQUIRED_TAGS = (
    "og:type",
    "og:site_name",
    "og:title",
    "og:description",
    "og:url",
    "og:image",
    "og:image:width",
    "og:image:height",
    "og:image:alt",
    "og:locale",
    "twitter:card",
    "twitter:title",
    "twitter:description",
    "twitter:image",
    "twitter:image:alt",
)


class _MetaTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, list[str]] = {}
        self.in_head = False

    def handle_starttag(self, tag, attrs):
        if tag == "head":
            self.in_head = True
        if tag == "meta" and self.in_head:
            attributes = dict(attrs)
            name = attributes.get("property") or attributes.get("name")
            if name and (name.startswith("og:") or name.startswith("twitter:")):
                self.found.setdefault(name, []).append(attributes.get("content", ""))

    def handle_endtag(self, tag):
        if tag == "head":
            self.in_head = False


def share_tags(page: str) -> dict[str, str]:
    """The page head's og: and twitter: tags, each of which must appear once."""
    parser = _MetaTags()
    parser.feed(page)
    repeated = [name for name, values in parser.found.items() if len(values) > 1]
    assert not repeated, repeated
    return {name: values[0] for name, values in parser.found.items()}


def assert_complete_share_tags(tags: dict[str, str], *, url: str, title: str) -> None:
    missing = [name for name in REQUIRED_TAGS if not tags.get(name)]
    assert not missing, missing
    assert tags["og:type"] == "website"
    assert tags["og:locale"] == "en_CA"
    assert tags["twitter:card"] == "summary_large_image"
    assert tags["og:url"] == url
    assert tags["og:title"] == tags["twitter:title"] == title
    assert tags["og:description"] == tags["twitter:description"]
    assert "\n" not in tags["og:description"] and len(tags["og:description"]) <= 201
    assert tags["og:image"] == tags["twitter:image"]
    assert tags["og:image"].startswith("http://testserver/") and tags["og:image"].endswith("/share.png")
    assert (tags["og:image:width"], tags["og:image:height"]) == ("1200", "630")
    assert tags["og:image:alt"] == tags["twitter:image:alt"]
    assert title in tags["og:image:alt"]


def opened(response) -> Image.Image:
    """The response's PNG, as Pillow reads it."""
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "PNG"
    assert image.size == (WIDTH, HEIGHT)
    return image.convert("RGB")


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def assert_nothing_drawn_in_the_right_margin(image: Image.Image, *, above: int) -> None:
    """No text crosses into the card's right margin (from the top down to ``above``)."""
    background = _rgb(BACKGROUND)
    margin = image.crop((WIDTH - MARGIN + 4, 0, WIDTH, above))
    assert set(margin.get_flattened_data()) == {background}


def is_background(pixel: tuple[int, int, int]) -> bool:
    return pixel == _rgb(BACKGROUND)
