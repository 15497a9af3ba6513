"""Writes for promotion's displays: the dates a display may have, and its photos' files, kept in step with the rows."""

import datetime as dt
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction

from makerlab.pagecache import bump
from programs import images
from promotion.models import Display, DisplayPhoto

ENDS_BEFORE_START = "The last day cannot be before the first day. Check the two dates."


def display_dates_check(*, starts_on: dt.date | None, ends_on: dt.date | None) -> None:
    """A display ends on or after the day it starts (the database refuses it too, as a last line)."""
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError({"ends_on": ValidationError(ENDS_BEFORE_START, code="ends_before_start")})


def display_photo_renditions_update(
    *,
    photo: DisplayPhoto,
    prepared: images.PreparedImage | None,
    previous_image: str = "",
    previous_renditions: list[dict] | None = None,
) -> None:
    """After a photo is saved with a new upload (``prepared``): store the copies the pages show, and remove the
    files of the photo it replaced."""
    storage = photo.image.storage
    renditions = []
    if prepared is not None and photo.image:
        renditions = images.renditions_store(storage=storage, original=photo.image.name, prepared=prepared)
    DisplayPhoto.objects.filter(pk=photo.pk).update(renditions=renditions)
    bump("promotion")
    photo.renditions = renditions
    if previous_image and previous_image != photo.image.name:
        # Once the new photo is committed: a change rolled back keeps the old photo, files and all.
        transaction.on_commit(
            partial(
                images.image_files_delete,
                storage=storage,
                original=previous_image,
                recorded=previous_renditions or [],
            ),
            robust=True,
        )


def display_photo_delete(*, photo: DisplayPhoto) -> None:
    """Delete a photo and, once that is committed, its files."""
    storage, original, recorded = photo.image.storage, photo.image.name, list(photo.renditions or [])
    photo.delete()
    transaction.on_commit(
        lambda: images.image_files_delete(storage=storage, original=original, recorded=recorded), robust=True
    )


def display_delete(*, display: Display) -> None:
    """Delete a display with its photos and their files."""
    with transaction.atomic():
        for photo in list(display.photos.all()):
            display_photo_delete(photo=photo)
        display.delete()
