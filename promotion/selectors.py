"""Reads for promotion: which displays are on, for the public pages, the widget and the coordinator's calendar."""

import datetime as dt
from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet

from bookings.models import ServiceType
from programs.models import Program, Session
from programs.selectors import programs_published
from promotion.models import Display, DisplayPhoto


def displays_showing(*, on: dt.date, branch_ids: Iterable[int] | None = None) -> QuerySet[Display]:
    """Published displays on that day (the branch's local date), with their branch and photos, soonest to end first."""
    displays = Display.objects.filter(is_published=True, starts_on__lte=on, ends_on__gte=on)
    if branch_ids is not None:
        displays = displays.filter(branch_id__in=list(branch_ids))
    return (
        displays.select_related("branch")
        .prefetch_related(Prefetch("photos", queryset=DisplayPhoto.objects.order_by("position", "pk")))
        .order_by("ends_on", "title", "pk")
    )


# --- Printables and digest ---


def displays_during(*, first_day: dt.date, last_day: dt.date) -> QuerySet[Display]:
    """Published displays on at least one day from ``first_day`` to ``last_day``, with their branch, soonest first."""
    return (
        Display.objects.filter(is_published=True, starts_on__lte=last_day, ends_on__gte=first_day)
        .select_related("branch")
        .order_by("starts_on", "title", "pk")
    )


def services_bookable() -> QuerySet[ServiceType]:
    """The 1-on-1 services patrons can book now, at open branches, by name."""
    return (
        ServiceType.objects.filter(is_active=True, branch__is_active=True)
        .select_related("branch")
        .order_by("name", "pk")
    )


def programs_to_print(*, now: dt.datetime) -> QuerySet[Program]:
    """Published programs with a session still to come, soonest first (``next_starts_at``): what gets a poster."""
    return programs_published(now=now)


def program_for_printing(*, pk: int) -> Program | None:
    """A published program with its place and sessions, for its poster and flyer."""
    return (
        Program.objects.filter(pk=pk, is_published=True)
        .select_related("branch", "partner_site")
        .prefetch_related(Prefetch("sessions", queryset=Session.objects.order_by("starts_at", "pk")))
        .first()
    )
