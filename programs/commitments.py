"""Program sessions as commitments: they take their facilitators and the equipment the program uses.

Registered with makerlab.commitments in ProgramsConfig.ready(), so bookings stops offering those people
and machines during a session and the staff area lists the sessions a person facilitates. A cancelled
session takes nobody.
"""

import datetime as dt
from collections.abc import Sequence

from django.urls import reverse

from makerlab.commitments import EQUIPMENT, STAFF, Commitment, CommitmentKind
from programs.models import Session

_SESSION_FIELDS = (
    "pk",
    "starts_at",
    "ends_at",
    "program__title",
    "program__slug",
    "program__is_published",
    "program__room",
    "program__branch__name",
    "program__partner_site__name",
)


def _place(branch_name: str | None, site_name: str | None, room: str) -> str:
    place = branch_name or site_name or ""
    return f"{place}, {room}" if place and room else place


def _commitments(
    kind: CommitmentKind, resource_path: str, ids: Sequence[int], starts: dt.datetime, ends: dt.datetime
) -> list[Commitment]:
    if not ids:
        return []
    rows = (
        Session.objects.filter(cancelled_at__isnull=True, starts_at__lt=ends, ends_at__gt=starts)
        .filter(**{f"{resource_path}__in": ids})
        .values_list(resource_path, *_SESSION_FIELDS)
        .order_by("starts_at", "pk")
    )
    return [
        Commitment(
            kind=kind,
            resource_id=resource_id,
            starts_at=starts_at,
            ends_at=ends_at,
            title=title,
            url=reverse("programs:program", args=[slug]) if published else "",
            key=f"programs-session-{session_id}",
            place=_place(branch_name, site_name, room),
        )
        for resource_id, session_id, starts_at, ends_at, title, slug, published, room, branch_name, site_name in rows
    ]


def program_sessions_busy_time(
    *, staff_member_ids: Sequence[int], equipment_ids: Sequence[int], starts: dt.datetime, ends: dt.datetime
) -> list[Commitment]:
    """Sessions not cancelled overlapping [``starts``, ``ends``) that these facilitators lead or this equipment serves.

    One query for the staff members and one for the equipment, each skipped when its list is empty.
    """
    return _commitments(STAFF, "program__facilitators", staff_member_ids, starts, ends) + _commitments(
        EQUIPMENT, "program__equipment", equipment_ids, starts, ends
    )
