"""Demo displays: one that has ended, two on now, one coming and one only planned, each at the Central Library
with photos drawn with Pillow (the demo ships no photos) and the machines and programs of the other demo steps.

Called by ``manage.py load_demo`` after bookings and programs. Safe to run again: displays are matched by slug,
and photos are added only to a display that has none.
"""

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from bookings.models import Equipment, EquipmentKind
from makerlab.demo import DemoContext
from makerlab.models import Branch
from programs.images import image_prepare
from programs.models import Program
from promotion.models import Display, DisplayPhoto
from promotion.services import display_photo_renditions_update
from staffing.selectors import staff_members

WIDTH, HEIGHT = 1200, 800
Drawing = Callable[[ImageDraw.ImageDraw], None]


def _shelf(draw: ImageDraw.ImageDraw, wall: str) -> None:
    draw.rectangle((0, 0, WIDTH, HEIGHT), fill=wall)
    draw.rectangle((80, 600, 1120, 640), fill="#7a5230")
    draw.rectangle((80, 640, 1120, 800), fill="#5c3d24")


def _printed_models(draw: ImageDraw.ImageDraw) -> None:
    _shelf(draw, "#e4eef4")
    draw.polygon([(200, 600), (300, 380), (400, 600)], fill="#f08a24")  # a printed pyramid
    draw.rectangle((520, 420, 700, 600), fill="#3b7dd8")  # a cube
    for y in range(430, 600, 18):
        draw.line((520, y, 700, y), fill="#2f64ad", width=3)
    draw.ellipse((800, 440, 960, 600), fill="#5bb04c")  # a ball


def _bridge_model(draw: ImageDraw.ImageDraw) -> None:
    _shelf(draw, "#f4efe4")
    draw.arc((220, 280, 980, 900), start=180, end=360, fill="#d94f30", width=28)
    draw.rectangle((200, 560, 1000, 600), fill="#d94f30")
    for x in range(300, 960, 80):
        draw.line((x, 580, x, 380 + abs(600 - x) // 3), fill="#a93a22", width=10)


def _quilt(draw: ImageDraw.ImageDraw) -> None:
    draw.rectangle((0, 0, WIDTH, HEIGHT), fill="#efe6f2")
    colours = ["#b3262e", "#f3c623", "#2a7f62", "#3b5ba5"]
    for row in range(5):
        for column in range(7):
            left, top = 180 + column * 120, 100 + row * 120
            draw.rectangle((left, top, left + 114, top + 114), fill=colours[(row + column) % 4])


def _seedlings(draw: ImageDraw.ImageDraw) -> None:
    _shelf(draw, "#eaf4e4")
    for left in range(170, 1030, 180):
        draw.rectangle((left, 480, left + 130, 600), fill="#9c5b2e")
        draw.line((left + 65, 480, left + 65, 380), fill="#3f8f3a", width=8)
        draw.ellipse((left + 20, 340, left + 70, 390), fill="#4fae48")
        draw.ellipse((left + 60, 330, left + 110, 380), fill="#4fae48")


def _lanterns(draw: ImageDraw.ImageDraw) -> None:
    draw.rectangle((0, 0, WIDTH, HEIGHT), fill="#1f2433")
    for left in (220, 520, 820):
        draw.rectangle((left, 300, left + 160, 560), fill="#c98f4a")
        for y in range(330, 540, 40):
            draw.ellipse((left + 50, y, left + 110, y + 24), fill="#ffe08a")


def _circuit(draw: ImageDraw.ImageDraw) -> None:
    draw.rectangle((0, 0, WIDTH, HEIGHT), fill="#0f5e4a")
    draw.rectangle((380, 260, 820, 540), fill="#1c1c1c")
    for x in range(400, 820, 40):
        draw.rectangle((x, 240, x + 16, 260), fill="#cfcfcf")
        draw.rectangle((x, 540, x + 16, 560), fill="#cfcfcf")
    draw.ellipse((140, 120, 220, 200), fill="#ff4040")


@dataclass(frozen=True)
class DemoDisplay:
    slug: str
    title: str
    description: str
    area: str
    # First and last day, in days from today.
    days: tuple[int, int]
    published: bool
    equipment: tuple[str, ...]
    programs: tuple[str, ...]
    photos: tuple[tuple[Drawing, str], ...]


DISPLAYS = [
    DemoDisplay(
        "seed-saving-through-the-seasons",
        "Seed saving through the seasons",
        "Seedlings started in the Maker Lab, the seeds saved from them, and how to borrow seeds from the seed library.",
        "Display case by the main entrance",
        (-95, -40),
        True,
        (),
        ("seed-starting-workshop",),
        ((_seedlings, "Five seedlings in clay pots on a wooden shelf"),),
    ),
    DemoDisplay(
        "printed-this-fall",
        "Printed this fall: 3D printing in the Maker Lab",
        "Models printed by patrons in the Maker Lab: a bridge, puzzles and toys. See how a 3D printer builds a "
        "shape layer by layer, then book an orientation to print your own.",
        "Display case by the main entrance",
        (-20, 25),
        True,
        (EquipmentKind.PRINTER_3D,),
        ("family-3d-design",),
        (
            (_printed_models, "An orange pyramid, a blue cube and a green ball, 3D printed, on a shelf"),
            (_bridge_model, "A red 3D-printed model of an arch bridge on a wooden shelf"),
        ),
    ),
    DemoDisplay(
        "stitched-at-the-library",
        "Stitched at the library",
        "A quilt made by the sewing circle, tote bags from old T-shirts and the machines they were sewn on.",
        "Wall by the Maker Lab door",
        (-5, 40),
        True,
        (EquipmentKind.SEWING_MACHINE,),
        ("sewing-basics", "sewing-circle"),
        ((_quilt, "A patchwork quilt of red, yellow, green and blue squares"),),
    ),
    DemoDisplay(
        "laser-cut-lanterns",
        "Light and wood: laser-cut lanterns",
        "Wooden lanterns cut on the laser cutter by the teen maker club, lit up for the winter evenings.",
        "Display case by the main entrance",
        (30, 75),
        True,
        (EquipmentKind.LASER_CUTTER,),
        ("teen-maker-club",),
        ((_lanterns, "Three wooden lanterns with glowing round holes on a dark background"),),
    ),
    DemoDisplay(
        "circuits-you-can-touch",
        "Circuits you can touch",
        "Arduino projects with buttons to press and lights that answer. Still being planned.",
        "Maker Lab window",
        (90, 130),
        False,
        (),
        ("intro-to-arduino",),
        ((_circuit, "A microcontroller board with a red light beside it on a green background"),),
    ),
]


def promotion_demo_step(context: DemoContext) -> str:
    """The step ``load_demo`` runs (registered in PromotionConfig)."""
    return promotion_demo_load(branch=context.branch, today=context.today)


def promotion_demo_load(*, branch: Branch, today: dt.date) -> str:
    machines = {}
    for machine in Equipment.objects.filter(branch=branch).order_by("pk"):
        machines.setdefault(machine.kind, machine)
    programs = {program.slug: program for program in Program.objects.filter(slug__in=_program_slugs())}
    photos = 0
    for plan in DISPLAYS:
        display, _ = Display.objects.update_or_create(
            slug=plan.slug,
            defaults={
                "title": plan.title,
                "description": plan.description,
                "branch": branch,
                "area": plan.area,
                "starts_on": today + dt.timedelta(days=plan.days[0]),
                "ends_on": today + dt.timedelta(days=plan.days[1]),
                "is_published": plan.published,
            },
        )
        featured = [programs[slug] for slug in plan.programs if slug in programs]
        display.equipment.set([machines[kind] for kind in plan.equipment if kind in machines])
        display.programs.set(featured)
        facilitators = {person for program in featured for person in program.facilitators.values_list("pk", flat=True)}
        display.set_up_by.set(staff_members(ids=sorted(facilitators)))
        if not display.photos.exists():
            photos += _photos_add(display, plan.photos)
    return f"{len(DISPLAYS)} displays with {photos} new photos"


def _program_slugs() -> list[str]:
    return sorted({slug for plan in DISPLAYS for slug in plan.programs})


def _photos_add(display: Display, photos: tuple[tuple[Drawing, str], ...]) -> int:
    for position, (drawing, alt) in enumerate(photos):
        image = Image.new("RGB", (WIDTH, HEIGHT))
        drawing(ImageDraw.Draw(image))
        encoded = io.BytesIO()
        image.save(encoded, "JPEG", quality=85)
        upload = SimpleUploadedFile(f"{display.slug}-{position + 1}.jpg", encoded.getvalue(), content_type="image/jpeg")
        prepared = image_prepare(upload)
        photo = DisplayPhoto.objects.create(display=display, image=upload, alt_text=alt, position=position)
        display_photo_renditions_update(photo=photo, prepared=prepared)
    return len(photos)
