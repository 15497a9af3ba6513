"""Whether someone can still come to a program, in plain language: the list, the program page, the feeds and
the search engines' data all say it the same way."""

import datetime as dt
import enum
from dataclasses import dataclass

from makerlab.formatting import day_text, moment_text
from programs.eligibility import places_text
from programs.models import Program
from programs.notifications import program_zone
from programs.selectors import program_places_left


class Opening(enum.Enum):
    DROP_IN = "drop_in"
    NOT_YET = "not_yet"
    CLOSED = "closed"
    PLACES_LEFT = "places_left"
    WAITLIST = "waitlist"
    FULL = "full"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Availability:
    text: str
    can_register: bool
    short: str = ""  # for a month grid's small cells; ``text`` when empty
    opening: Opening = Opening.PLACES_LEFT

    @property
    def short_text(self) -> str:
        return self.short or self.text

    @property
    def cancelled(self) -> bool:
        return self.opening is Opening.CANCELLED


CANCELLED = Availability("Cancelled", False, opening=Opening.CANCELLED)
WAITLIST = Availability("Waitlist", True, opening=Opening.WAITLIST)


def program_availability(program: Program, now: dt.datetime) -> Availability:
    """What a program offers now; uses the places annotations of ``programs_published`` when present."""
    if not program.registration_required:
        return Availability("Drop in, no registration", False, short="Drop in", opening=Opening.DROP_IN)
    if program.registration_opens_at and now < program.registration_opens_at:
        zone = program_zone(program)
        opens = moment_text(program.registration_opens_at, zone=zone)
        today = now.astimezone(zone).date()
        opens_day = day_text(program.registration_opens_at.astimezone(zone).date(), today=today)
        return Availability(
            f"Registration opens {opens}", False, short=f"Registration opens {opens_day}", opening=Opening.NOT_YET
        )
    if program.registration_closes_at and now >= program.registration_closes_at:
        return Availability("Registration closed", False, opening=Opening.CLOSED)
    left = program_places_left(program=program)
    if left > 0 and not program.queue_length:
        return Availability(f"{places_text(left)} left", True)
    if program.places_waiting < program.waitlist_capacity:
        return WAITLIST
    return Availability("Full", False, opening=Opening.FULL)
