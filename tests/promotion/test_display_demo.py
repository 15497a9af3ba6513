"""The demo's displays: one ended, two on now, one coming and one planned, with photos, alt text, and the demo's
machines and programs; shown on the public pages as a visitor would see them; loaded once."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from bookings.models import EquipmentKind
from promotion.models import Display, DisplayPhoto
from promotion.selectors import DisplayState, display_state

pytestmark = [pytest.mark.django_db, pytest.mark.calendar]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Display, DisplayPhoto)}


def test_the_demo_has_displays_past_on_now_coming_and_planned_with_photos_machines_and_programs(client, demo):
    today = timezone.localdate()
    displays = list(Display.objects.order_by("starts_on"))
    states = [(display_state(d, today=today), d.is_published) for d in displays]
    assert states == [
        (DisplayState.ENDED, True),
        (DisplayState.ON_NOW, True),
        (DisplayState.ON_NOW, True),
        (DisplayState.COMING, True),
        (DisplayState.COMING, False),
    ]
    for display in displays:
        assert display.photos.exists() and display.programs.exists()
        for photo in display.photos.all():
            assert photo.alt_text and [r["width"] for r in photo.renditions] == [400, 1200]
    printed = Display.objects.get(slug="printed-this-fall")
    assert printed.photos.count() == 2 and printed.equipment.get().kind == EquipmentKind.PRINTER_3D
    assert printed.set_up_by.exists()
    page = client.get(reverse("promotion:displays")).content.decode()
    assert "Printed this fall" in page and "Light and wood" in page
    assert "Circuits you can touch" not in page and "Seed saving through the seasons" not in page
    detail = client.get(reverse("promotion:display", args=["printed-this-fall"])).content.decode()
    assert 'srcset="' in detail and "orientation" in detail.lower()
    assert 'id="on-display-now"' in client.get("/").content.decode()


def test_the_demo_changes_nothing_the_second_time(demo, settings):
    settings.DEBUG = True
    first = counts()
    call_command("load_demo", force=True)
    assert counts() == first
