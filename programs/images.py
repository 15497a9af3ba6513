"""A program's picture: checked when uploaded, resized into renditions, stored through the storage backend.

The original upload is kept for the admin; pages show only the renditions, which are re-encoded (so they carry
no camera metadata such as a location) and small enough for a phone. Each upload is decoded in full while the
form is checked, so a file that only looks like an image is refused on the form rather than failing later.
"""

import io
import posixpath
import warnings
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from PIL import Image, ImageFile, ImageOps

RENDITION_WIDTHS = (400, 1200)
RENDITION_FORMAT = "WEBP"
RENDITION_QUALITY = 82
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
MAX_UPLOAD_MEGABYTES = 10
MAX_SIDE = 10_000
MAX_MEGAPIXELS = 40

NOT_AN_IMAGE = "This file is not a picture we can read. Please upload a JPEG, PNG or WebP photo."
WRONG_FORMAT = "Please upload a JPEG, PNG or WebP photo; this file is a {format} picture."
TOO_HEAVY = f"This file is larger than {MAX_UPLOAD_MEGABYTES} MB. Please upload a smaller photo."
TOO_LARGE = (
    f"This picture is too large: at most {MAX_SIDE:,} pixels wide or high and {MAX_MEGAPIXELS} megapixels in all. "
    "Please resize it and upload it again."
)


@dataclass(frozen=True)
class ShownRendition:
    url: str
    width: int
    height: int


@dataclass(frozen=True)
class Picture:
    """What a page needs to show a program's picture: the smallest and largest copies, and the alt text."""

    small: ShownRendition
    large: ShownRendition
    alt: str

    @property
    def srcset(self) -> str:
        if self.small.width == self.large.width:
            return ""
        return f"{self.small.url} {self.small.width}w, {self.large.url} {self.large.width}w"


@dataclass(frozen=True)
class PreparedImage:
    """An upload that passed every check, with its renditions encoded and ready to store."""

    renditions: dict[int, tuple[int, int, bytes]]


def _too_large(width: int, height: int) -> bool:
    return width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_MEGAPIXELS * 1_000_000


def _open(data: bytes) -> Image.Image:
    """Open an upload with Pillow's decompression-bomb guard raised to an error, and our size limits checked
    before any pixel is decoded."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise ValidationError(TOO_LARGE, code="too_large") from error
        except Exception as error:
            raise ValidationError(NOT_AN_IMAGE, code="invalid_image") from error
    if image.format not in ACCEPTED_FORMATS:
        raise ValidationError(WRONG_FORMAT.format(format=image.format or "different"), code="wrong_format")
    if _too_large(*image.size):
        raise ValidationError(TOO_LARGE, code="too_large")
    return image


def _decode_whole(image: Image.Image) -> None:
    """Decode every pixel, refusing a file cut short even though WeasyPrint, once imported to print a PDF, tells
    Pillow to accept truncated images in the whole process."""
    tolerant = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        image.load()
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = tolerant


def _rendition_size(width: int, height: int, target: int) -> tuple[int, int]:
    """The target width, never wider than the original (a small photo is not blown up)."""
    new_width = min(target, width)
    return new_width, max(1, round(height * new_width / width))


def image_prepare(upload) -> PreparedImage:
    """Check an uploaded picture and encode its renditions; a ValidationError says plainly what is wrong."""
    if upload.size > MAX_UPLOAD_MEGABYTES * 1024 * 1024:
        raise ValidationError(TOO_HEAVY, code="too_heavy")
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    image = _open(data)
    try:
        # JPEG can decode straight at a smaller scale: much less memory for a big camera photo.
        image.draft("RGB", (max(RENDITION_WIDTHS) * 2, max(RENDITION_WIDTHS) * 2))
        _decode_whole(image)
        image = ImageOps.exif_transpose(image)
        has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
        image = image.convert("RGBA" if has_alpha else "RGB")
    except Exception as error:  # a truncated or corrupt file passes Pillow's quick check but not decoding
        raise ValidationError(NOT_AN_IMAGE, code="invalid_image") from error
    renditions = {}
    for target in RENDITION_WIDTHS:
        size = _rendition_size(image.width, image.height, target)
        resized = image.resize(size, Image.Resampling.LANCZOS) if size != image.size else image
        encoded = io.BytesIO()
        resized.save(encoded, RENDITION_FORMAT, quality=RENDITION_QUALITY, method=4)
        renditions[target] = (*size, encoded.getvalue())
    return PreparedImage(renditions=renditions)


class PreparedImageField(forms.ImageField):
    """A picture checked in full (kind, size, every pixel decoded) with its renditions made ready to store."""

    def to_python(self, data):
        upload = forms.FileField.to_python(self, data)
        if upload is None:
            return None
        upload.prepared = image_prepare(upload)
        return upload


def rendition_name(original: str, target: int) -> str:
    """Where a rendition of ``original`` is stored: beside it in ``renditions/``, named after it."""
    folder, filename = posixpath.split(original)
    stem = posixpath.splitext(filename)[0]
    return posixpath.join(folder, "renditions", f"{stem}-{target}w.{RENDITION_FORMAT.lower()}")


def renditions_store(*, storage: Storage, original: str, prepared: PreparedImage) -> list[dict]:
    """Save the renditions of the stored ``original``; returns what ``Program.image_renditions`` records."""
    stored = []
    for target, (width, height, data) in prepared.renditions.items():
        name = rendition_name(original, target)
        if storage.exists(name):
            storage.delete(name)
        stored.append({"width": width, "height": height, "name": storage.save(name, ContentFile(data))})
    return stored


def recorded_picture(image, recorded: list[dict] | None, alt: str) -> Picture | None:
    """A picture for a page, from the renditions recorded when it was saved: no file is read."""
    if not image or not recorded:
        return None
    storage = image.storage
    shown = sorted(
        (ShownRendition(url=storage.url(r["name"]), width=r["width"], height=r["height"]) for r in recorded),
        key=lambda rendition: rendition.width,
    )
    return Picture(small=shown[0], large=shown[-1], alt=alt)


def program_picture(program) -> Picture | None:
    """The program's picture for a page."""
    return recorded_picture(program.image, program.image_renditions, program.image_alt)


def image_files_delete(*, storage: Storage, original: str, recorded: list[dict]) -> None:
    """Remove an original and its renditions from storage (missing files are fine)."""
    for name in [original, *(r["name"] for r in recorded or [])]:
        if name and storage.exists(name):
            storage.delete(name)
