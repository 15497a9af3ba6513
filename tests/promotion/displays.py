"""Displays for the tests: made as the admin records them, and the admin's form as a browser posts it."""

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from makerlab.models import Branch
from promotion.models import Display, DisplayPhoto
from tests.factories import BranchFactory


def photo(width=1600, height=1000, *, name="display.jpg") -> SimpleUploadedFile:
    encoded = io.BytesIO()
    Image.new("RGB", (width, height), "#2a7f62").save(encoded, "JPEG")
    return SimpleUploadedFile(name, encoded.getvalue(), content_type="image/jpeg")


def central() -> Branch:
    return Branch.objects.filter(slug="central").first() or BranchFactory(name="Central Library", slug="central")


def display_make(*, days=(-5, 20), published=True, branch=None, photos=0, **fields) -> Display:
    """A display from ``days[0]`` to ``days[1]`` days from today, with ``photos`` photos recorded as the admin
    records them (the files themselves are not needed to render the pages)."""
    today = timezone.localdate()
    count = Display.objects.count() + 1
    fields.setdefault("title", f"Display {count}")
    fields.setdefault("slug", f"display-{count}")
    display = Display.objects.create(
        branch=branch or central(),
        area=fields.pop("area", "Display case by the main entrance"),
        starts_on=today + dt.timedelta(days=days[0]),
        ends_on=today + dt.timedelta(days=days[1]),
        is_published=published,
        **fields,
    )
    for position in range(photos):
        stem = f"displays/photos/2026/renditions/{display.slug}-{position}"
        DisplayPhoto.objects.create(
            display=display,
            image=f"displays/photos/2026/{display.slug}-{position}.jpg",
            alt_text=f"Photo {position + 1} of {display.title}",
            position=position,
            renditions=[
                {"width": 400, "height": 250, "name": f"{stem}-400w.webp"},
                {"width": 1200, "height": 750, "name": f"{stem}-1200w.webp"},
            ],
        )
    return display


ADD_URL = "/admin/promotion/display/add/"


def change_url(display: Display) -> str:
    return f"/admin/promotion/display/{display.pk}/change/"


def admin_form(client, url: str, **changes) -> dict:
    """The display's admin form (``url``: the add or change page) as the browser would post it, with ``changes``."""
    page = client.get(url)
    form = page.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value in (None, False, "", []):
            continue
        data[name] = "on" if value is True else value
    formset = page.context["inline_admin_formsets"][0].formset
    data.update({f"{formset.prefix}-{key}": value for key, value in formset.management_form.initial.items()})
    for index, photo_form in enumerate(formset.forms):
        if photo_form.instance.pk:
            data[f"{formset.prefix}-{index}-id"] = photo_form.instance.pk
            data[f"{formset.prefix}-{index}-display"] = photo_form.instance.display_id
            data[f"{formset.prefix}-{index}-alt_text"] = photo_form.instance.alt_text
            data[f"{formset.prefix}-{index}-position"] = photo_form.instance.position
        else:
            data[f"{formset.prefix}-{index}-position"] = photo_form["position"].value()
    data.update(changes)
    return data


def new_display_fields(branch, **changes) -> dict:
    today = timezone.localdate()
    fields = {
        "title": "Printed this fall",
        "slug": "printed-this-fall",
        "description": "Models printed by patrons.",
        "is_published": "on",
        "branch": branch.pk,
        "area": "Display case by the main entrance",
        "starts_on": f"{today:%Y-%m-%d}",
        "ends_on": f"{today + dt.timedelta(days=30):%Y-%m-%d}",
    }
    fields.update(changes)
    return fields
