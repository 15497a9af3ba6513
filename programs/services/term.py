"""A new term from an old one: a program copied with its sessions moved on by whole weeks.

Sessions keep their local wall-clock times across a daylight-saving change: a 6 p.m. club stays at
6 p.m. in November even though the offset from UTC moved.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from makerlab.pagecache import bump
from programs.models import Program, Session

MAX_WEEKS = 104


def _shift(moment: dt.datetime, *, weeks: int, zone: dt.tzinfo) -> dt.datetime:
    local = moment.astimezone(zone).replace(tzinfo=None) + dt.timedelta(weeks=weeks)
    return local.replace(tzinfo=zone)


def _free_slug(base: str) -> str:
    base = base[:72].rstrip("-")
    taken = set(Program.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    return next(f"{base}-{n}" for n in range(2, len(taken) + 3) if f"{base}-{n}" not in taken)


def program_duplicate(*, program: Program, weeks: int) -> Program:
    """Copy a program for a new term, unpublished, with its sessions moved ``weeks`` weeks later.

    Registrations, attendance and headcounts stay with the old program. The new title and slug carry
    the month the new term starts.
    """
    if not 1 <= weeks <= MAX_WEEKS:
        raise ValidationError(f"Move the sessions by 1 to {MAX_WEEKS} weeks.", code="weeks_out_of_range")
    zone = program.zone
    sessions = list(program.sessions.order_by("starts_at"))
    facilitators = list(program.facilitators.all())
    with transaction.atomic():
        bump("programs")
        copy = Program.objects.get(pk=program.pk)
        first = _shift(sessions[0].starts_at, weeks=weeks, zone=zone) if sessions else None
        when = first or (timezone.now().astimezone(zone) + dt.timedelta(weeks=weeks))
        label = f"{when:%B %Y}"
        copy.pk = None
        copy.title = f"{program.title} ({label})"[:150]
        copy.slug = _free_slug(f"{program.slug[:60]}-{when:%Y-%m}")
        copy.is_published = False
        copy.created_at = timezone.now()
        for name in ("registration_opens_at", "registration_closes_at"):
            moment = getattr(program, name)
            setattr(copy, name, _shift(moment, weeks=weeks, zone=zone) if moment else None)
        copy.save(force_insert=True)
        copy.facilitators.set(facilitators)
        Session.objects.bulk_create(
            Session(
                program=copy,
                starts_at=_shift(s.starts_at, weeks=weeks, zone=zone),
                ends_at=_shift(s.ends_at, weeks=weeks, zone=zone),
            )
            for s in sessions
        )
    return copy
