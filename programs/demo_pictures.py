"""Pictures for a few demo programs, drawn with Pillow (the demo ships no photos), stored as an upload would be.

Each goes through the same checks and renditions as a picture uploaded in the admin.
"""

import io
from collections.abc import Callable

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from programs.images import image_prepare
from programs.models import Program
from programs.services.registration import program_picture_update

WIDTH, HEIGHT = 1200, 675


def _spool_and_needle(draw: ImageDraw.ImageDraw) -> None:
    draw.rectangle((0, 0, WIDTH, HEIGHT), fill="#f3e6d3")
    draw.rounded_rectangle((380, 120, 720, 175), radius=20, fill="#8a5a35")
    draw.rectangle((420, 175, 680, 500), fill="#b3262e")
    for y in range(190, 500, 22):
        draw.line((420, y, 680, y + 8), fill="#8f1d24", width=6)
    draw.rounded_rectangle((380, 500, 720, 555), radius=20, fill="#8a5a35")
    draw.polygon([(790, 560), (1060, 110), (1072, 118), (806, 570)], fill="#6b7780")
    draw.ellipse((1040, 118, 1062, 150), outline="#f3e6d3", width=5)


def _code_symbol(draw: ImageDraw.ImageDraw) -> None:
    draw.rectangle((0, 0, WIDTH, HEIGHT), fill="#10202a")
    green = "#4fd18b"
    draw.line([(470, 200), (330, 337), (470, 475)], fill=green, width=40, joint="curve")
    draw.line([(730, 200), (870, 337), (730, 475)], fill=green, width=40, joint="curve")
    draw.line([(650, 170), (550, 505)], fill=green, width=36)


def _printed_cube(draw: ImageDraw.ImageDraw) -> None:
    draw.rectangle((0, 0, WIDTH, HEIGHT), fill="#dcecf5")
    top = [(600, 110), (820, 220), (600, 330), (380, 220)]
    left = [(380, 220), (600, 330), (600, 580), (380, 470)]
    right = [(600, 330), (820, 220), (820, 470), (600, 580)]
    draw.polygon(top, fill="#f6a04d")
    draw.polygon(left, fill="#d9712a")
    draw.polygon(right, fill="#b4561a")
    for y in range(350, 580, 28):  # the printer's layer lines
        draw.line((383, y - 110, 598, y), fill="#c8631f", width=3)
        draw.line((602, y, 817, y - 110), fill="#9e4a15", width=3)


PICTURES: dict[str, tuple[Callable[[ImageDraw.ImageDraw], None], str]] = {
    "sewing-basics": (_spool_and_needle, "Drawing of a spool of red thread beside a sewing needle"),
    "teen-coding-club": (_code_symbol, "Drawing of the code symbol, two angle brackets and a slash, in green"),
    "family-3d-design": (_printed_cube, "Drawing of an orange cube with the fine layer lines of a 3D print"),
}


def demo_pictures_add(programs: list[Program]) -> int:
    """Give the demo programs named in PICTURES their picture, unless they have one; returns how many were added."""
    added = 0
    for program in programs:
        if program.slug not in PICTURES or program.image:
            continue
        drawing, alt = PICTURES[program.slug]
        image = Image.new("RGB", (WIDTH, HEIGHT))
        drawing(ImageDraw.Draw(image))
        encoded = io.BytesIO()
        image.save(encoded, "PNG")
        upload = SimpleUploadedFile(f"{program.slug}.png", encoded.getvalue(), content_type="image/png")
        prepared = image_prepare(upload)
        program.image, program.image_alt = upload, alt
        program.save(update_fields=["image", "image_alt"])
        program_picture_update(program=program, prepared=prepared, previous_image="", previous_renditions=[])
        added += 1
    return added
