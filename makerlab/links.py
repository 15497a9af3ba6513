"""How long the private links in emails keep working: one rule for bookings, registrations and seed requests.

A link stops working ``MANAGE_LINK_DAYS`` after what it is about has ended (the booking's session, the
program's last session, the seed request's pickup, cancellation or expiry). A link past its time raises
``LinkExpired``; the site's 404 handler answers it with a page that says the link has expired, not that it
never existed.
"""

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from makerlab.http import private_page


class LinkExpired(Http404):
    """The link was real, but its time is up."""


def manage_link_lifetime() -> dt.timedelta:
    return dt.timedelta(days=settings.MANAGE_LINK_DAYS)


def manage_link_open(*, ended_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether the link still works: what it is about has not ended (None), or ended less than the lifetime ago."""
    return ended_at is None or now <= ended_at + manage_link_lifetime()


def manage_link_check(*, ended_at: dt.datetime | None, now: dt.datetime) -> None:
    """Raise LinkExpired when the link no longer works."""
    if not manage_link_open(ended_at=ended_at, now=now):
        raise LinkExpired("This link has expired.")


def private_link(
    find: Callable[[str], Any], *, ended_at: Callable[[Any], dt.datetime | None], missing: str
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a view reached by a private link: it is given what ``find`` returns for the link's ``token``.

    An unknown token is a 404 (``missing`` says what is not there), a link past its time a 410 (``LinkExpired``),
    and whatever the view answers is kept out of search engines.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def by_token(request: HttpRequest, *args, token: str, **kwargs) -> HttpResponse:
            found = find(token=token)
            if found is None:
                raise Http404(missing)
            manage_link_check(ended_at=ended_at(found), now=timezone.now())
            return private_page(view(request, found, *args, **kwargs))

        return by_token

    return decorate
