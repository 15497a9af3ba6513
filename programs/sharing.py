"""What a program's share image shows: its title, its next session in plain words, where, and its picture."""

import datetime as dt

from makerlab.formatting import when_text
from makerlab.share_image import ShareCard
from programs.models import Program

LABEL = "Maker program"


def program_share_picture(program: Program) -> str:
    """The stored name of the program picture's largest copy, or "" without a picture."""
    recorded = program.image_renditions or []
    if not program.image or not recorded:
        return ""
    return max(recorded, key=lambda rendition: rendition["width"])["name"]


def program_share_card(program: Program, *, now: dt.datetime) -> ShareCard:
    """``program`` as ``programs.selectors.program_to_share`` annotates it."""
    zone = program.zone
    when = ""
    if program.next_starts_at is not None:
        when = when_text(program.next_starts_at, program.next_ends_at, zone=zone, today=now.astimezone(zone).date())
    return ShareCard(
        title=program.title,
        label=LABEL,
        details=tuple(detail for detail in (when, program.place_name) if detail),
        picture=program_share_picture(program),
        version=f"{program.pk}:{program.updated_at.isoformat()}:{program.next_updated_at}",
    )
