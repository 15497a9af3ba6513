"""What a program's share image shows: its title, its next session in plain words, where, and its picture."""

import datetime as dt

from makerlab.formatting import day_text, time_span
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
    when: tuple[str, ...] = ()
    if program.next_starts_at is not None:
        zone = program.zone
        starts_at, ends_at = program.next_starts_at.astimezone(zone), program.next_ends_at.astimezone(zone)
        # The day and the time on lines of their own: a long day never leaves "p.m." alone on a line.
        when = (day_text(starts_at.date(), today=now.astimezone(zone).date()), time_span(starts_at, ends_at))
    return ShareCard(
        title=program.title,
        label=LABEL,
        details=(*when, program.place_name),
        picture=program_share_picture(program),
        version=f"{program.pk}:{program.updated_at.isoformat()}:{program.next_updated_at}",
    )
