"""How long the private links in emails keep working: one rule for bookings, registrations and seed requests.

A link stops working ``MANAGE_LINK_DAYS`` after what it is about has ended (the booking's session, the
program's last session, the seed request's pickup, cancellation or expiry). A link past its time raises
``LinkExpired``; the site's 404 handler answers it with a page that says the link has expired, not that it
never existed.
"""

import datetime as dt

from django.conf import settings
from django.http import Http404


class LinkExpired(Http404):
    """The link was real, but its time is up."""


def manage_link_lifetime() -> dt.timedelta:
    return dt.timedelta(days=settings.MANAGE_LINK_DAYS)


def manage_link_check(*, ended_at: dt.datetime | None, now: dt.datetime) -> None:
    """Raise LinkExpired when what the link is about ended more than the lifetime ago; None means not ended."""
    if ended_at is not None and now > ended_at + manage_link_lifetime():
        raise LinkExpired("This link has expired.")
