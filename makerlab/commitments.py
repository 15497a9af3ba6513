"""Times when a staff member or a machine is already taken by something another app runs.

Bookings must not offer a facilitator or a 3D printer while a program uses them, and the staff area
shows people the programs they facilitate, yet neither bookings nor staffing may import programs
(apps depend downward only). So each app that occupies people or equipment registers a provider here
in its AppConfig.ready(), and ``busy_time`` asks them all. Each provider answers in at most one query
per kind of resource it is asked about.
"""

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from makerlab.registry import Registry

CommitmentKind = Literal["staff", "equipment"]
STAFF: CommitmentKind = "staff"
EQUIPMENT: CommitmentKind = "equipment"


@dataclass(frozen=True)
class Commitment:
    """One staff member or one piece of equipment taken from ``starts_at`` to ``ends_at``.

    ``key`` identifies what takes it (stable across requests, for calendar feeds); ``url`` is a page
    about it and ``place`` where it happens, when known.
    """

    kind: CommitmentKind
    resource_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    title: str
    url: str = ""
    key: str = ""
    place: str = ""


class CommitmentProvider(Protocol):
    def __call__(
        self,
        *,
        staff_member_ids: Sequence[int],
        equipment_ids: Sequence[int],
        starts: dt.datetime,
        ends: dt.datetime,
    ) -> list[Commitment]: ...


_providers: Registry[CommitmentProvider] = Registry()


def register_commitment_provider(name: str, provider: CommitmentProvider | Callable[..., list[Commitment]]) -> None:
    """Register ``provider`` under ``name`` (usually the app's label); registering a name again replaces it.

    The provider returns the commitments of the given staff members and equipment that overlap
    [``starts``, ``ends``), and skips its query for a kind whose id list is empty.
    """
    _providers.register(name, provider)


unregister_commitment_provider = _providers.unregister
registered_commitment_providers = _providers.registered


def busy_time(
    *,
    staff_member_ids: Sequence[int] = (),
    equipment_ids: Sequence[int] = (),
    starts: dt.datetime,
    ends: dt.datetime,
) -> list[Commitment]:
    """Every registered commitment of these staff members and equipment overlapping [``starts``, ``ends``), by start."""
    staff_member_ids, equipment_ids = list(staff_member_ids), list(equipment_ids)
    if not staff_member_ids and not equipment_ids:
        return []
    found: list[Commitment] = []
    for provider in _providers.in_order():
        found += provider(staff_member_ids=staff_member_ids, equipment_ids=equipment_ids, starts=starts, ends=ends)
    return sorted(found, key=lambda commitment: (commitment.starts_at, commitment.kind, commitment.resource_id))
