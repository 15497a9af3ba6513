"""Dates on the "My Maker Lab" page in plain language, in the library's time zone."""

import datetime as dt

from django import template
from django.utils import timezone

from makerlab.formatting import day_text, moment_text, when_text

register = template.Library()


@register.filter
def session_when(item) -> str:
    """ "Tuesday 12 January 2027, 2:00 to 2:45 p.m." for anything with ``starts_at``, ``ends_at`` and ``branch``."""
    return when_text(item.starts_at, item.ends_at, zone=item.branch.zone)


@register.filter
def local_day(value: dt.date | dt.datetime | None) -> str:
    """ "Tuesday 12 January 2027"; a moment is read in the library's time zone."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return day_text(value)


@register.filter
def local_moment(value: dt.datetime | None) -> str:
    """ "Tuesday 12 January 2027 at 2:00 p.m." in the library's time zone."""
    return moment_text(value, zone=timezone.get_current_timezone()) if value else ""
