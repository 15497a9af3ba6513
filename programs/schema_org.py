"""A program page's sessions as schema.org Events in JSON-LD, for search engines' event listings.

One Event per session still to come (cancelled ones included, so a search engine learns of the cancellation), at
most ``EVENTS_MAX``. The JSON sits in a ``<script type="application/ld+json">`` data block, which the browser never
runs (the Content Security Policy does not apply to it); ``<``, ``>`` and ``&`` are written as JSON escapes, so no
title or description can end the block early.
"""

import datetime as dt
import json

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from makerlab.http import absolute_address, site_address
from programs.availability import Availability, Opening
from programs.images import Picture
from programs.models import Program, Session

EVENTS_MAX = 20
SCHEMA = "https://schema.org/"
_OFFER_AVAILABILITY = {
    Opening.PLACES_LEFT: "InStock",
    Opening.DROP_IN: "InStock",
    Opening.NOT_YET: "PreOrder",
    Opening.WAITLIST: "SoldOut",
    Opening.FULL: "SoldOut",
    Opening.CLOSED: "OutOfStock",
    Opening.CANCELLED: "Discontinued",
}
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def _status(session: Session) -> str:
    if session.is_cancelled:
        return "EventCancelled"
    return "EventRescheduled" if session.moves else "EventScheduled"


def _place(program: Program) -> dict:
    if program.branch_id:
        branch = program.branch
        name = f"{branch.name}, {program.room}" if program.room else branch.name
        address = {
            "streetAddress": branch.street_address,
            "addressLocality": branch.city,
            "addressRegion": branch.province,
            "postalCode": branch.postal_code,
        }
    else:
        site = program.partner_site
        name = site.name
        address = {"streetAddress": site.street_address, "addressLocality": site.city, "postalCode": site.postal_code}
    return {
        "@type": "Place",
        "name": name,
        "address": {"@type": "PostalAddress", **address, "addressCountry": "CA"},
    }


def _offer(program: Program, availability: Availability, session: Session, url: str) -> dict:
    opening = Opening.CANCELLED if session.is_cancelled else availability.opening
    offer = {
        "@type": "Offer",
        "price": "0",
        "priceCurrency": "CAD",
        "availability": SCHEMA + _OFFER_AVAILABILITY[opening],
        "url": url,
    }
    if opening is Opening.NOT_YET:
        offer["validFrom"] = program.registration_opens_at.astimezone(program.zone).isoformat()
    return offer


def program_events(
    *, request: HttpRequest, program: Program, availability: Availability, picture: Picture | None, now: dt.datetime
) -> list[dict]:
    """The Events of the program's sessions still to come (its prefetched ``sessions``), soonest first."""
    zone = program.zone
    url = site_address(request, reverse("programs:program", args=[program.slug]))
    sessions = [session for session in program.sessions.all() if session.ends_at > now][:EVENTS_MAX]
    place = _place(program)
    organizer = {"@type": "Organization", "name": settings.LIBRARY_NAME, "url": site_address(request, "/")}
    image = {"image": [absolute_address(request, picture.large.url)]} if picture else {}
    return [
        {
            "@context": "https://schema.org",
            "@type": "Event",
            "name": program.title,
            "description": program.description,
            "url": url,
            "startDate": session.starts_at.astimezone(zone).isoformat(),
            "endDate": session.ends_at.astimezone(zone).isoformat(),
            "eventStatus": SCHEMA + _status(session),
            "eventAttendanceMode": SCHEMA + "OfflineEventAttendanceMode",
            "location": place,
            "organizer": organizer,
            "offers": _offer(program, availability, session, url),
            "isAccessibleForFree": True,
            **image,
        }
        for session in sessions
    ]


def json_ld_script(data: list[dict]) -> SafeString:
    """``data`` in a JSON-LD data block that no text inside it can close; nothing when there is no data."""
    if not data:
        return mark_safe("")
    encoded = json.dumps(data, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(encoded))  # noqa: S308
