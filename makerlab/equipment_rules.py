"""Safety rules about a piece of equipment that other apps must apply without knowing who sets them.

Bookings must refuse a patron under a machine's minimum age, put the machine's hazards and protective equipment in
its confirmation email, and keep the pre-use checklist staff tick at check-in; the desk page shows that checklist.
None of them may import ``safety`` (apps depend downward only), so ``safety`` registers its rules here in its
AppConfig.ready() and the other apps ask this module. With no rules registered, equipment has no minimum age, no
notice and no checklist. Each function answers in a bounded number of queries, whatever the number of ids.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser

from makerlab.registry import Registry

# The name of the checklist's ticks in a check-in form: the desk's forms post it, the rule reads it.
PRE_USE_CHECKLIST = "pre_use_checklist"


@dataclass(frozen=True)
class ChecklistLine:
    """One line of a pre-use checklist: ``key`` is what a ticked box posts."""

    key: str
    text: str


@dataclass(frozen=True)
class EquipmentRules:
    """What a provider answers, each for many pieces of equipment at once (keyed by equipment id).

    ``minimum_ages``: the youngest patron age allowed on each machine that has one.
    ``notices``: for emails, what a patron is told before coming, as plain data that can be stored as JSON
    (``{"equipment": name, "hazards": [...], "provided": [...], "bring": [...], "minimum_age": n}``).
    ``checklists``: the pre-use checklist of each machine that has one.
    ``check_in``: called while a booking on ``equipment_id`` is being checked in (inside its transaction):
    raises a ValidationError to refuse, or records what was ticked.
    """

    minimum_ages: Callable[[Sequence[int]], dict[int, int]]
    notices: Callable[[Sequence[int]], dict[int, dict]]
    checklists: Callable[[Sequence[int]], dict[int, list[ChecklistLine]]]
    check_in: Callable[..., None]


_providers: Registry[EquipmentRules] = Registry()
register_equipment_rules = _providers.register
unregister_equipment_rules = _providers.unregister


def _ids(equipment_ids: Iterable[int | None]) -> list[int]:
    return sorted({pk for pk in equipment_ids if pk})


def equipment_minimum_ages(equipment_ids: Iterable[int | None]) -> dict[int, int]:
    """The minimum patron age of each machine that has one; the highest when several rules set one."""
    ids = _ids(equipment_ids)
    ages: dict[int, int] = {}
    if not ids:
        return ages
    for rules in _providers.in_order():
        for pk, age in rules.minimum_ages(ids).items():
            ages[pk] = max(age, ages.get(pk, 0))
    return ages


def equipment_minimum_age(equipment_id: int | None) -> int | None:
    return equipment_minimum_ages([equipment_id]).get(equipment_id) if equipment_id else None


def equipment_notices(equipment_ids: Iterable[int | None]) -> dict[int, list[dict]]:
    """What patrons are told about each machine before they come, one notice per rule that has one."""
    ids = _ids(equipment_ids)
    notices: dict[int, list[dict]] = {}
    if not ids:
        return notices
    for rules in _providers.in_order():
        for pk, notice in rules.notices(ids).items():
            notices.setdefault(pk, []).append(notice)
    return notices


def pre_use_checklists(equipment_ids: Iterable[int | None]) -> dict[int, list[ChecklistLine]]:
    """The pre-use checklist of each machine that has one."""
    ids = _ids(equipment_ids)
    checklists: dict[int, list[ChecklistLine]] = {}
    if not ids:
        return checklists
    for rules in _providers.in_order():
        for pk, lines in rules.checklists(ids).items():
            checklists.setdefault(pk, []).extend(lines)
    return checklists


def pre_use_checklist(equipment_id: int | None) -> list[ChecklistLine]:
    return pre_use_checklists([equipment_id]).get(equipment_id, []) if equipment_id else []


def equipment_check_in(
    *,
    booking_id: int,
    equipment_id: int | None,
    ticked: Sequence[str],
    by: AbstractBaseUser | None,
    now: dt.datetime,
) -> None:
    """Apply every registered rule to a check-in on ``equipment_id``; call it inside the check-in's transaction,
    so a refusal (a ValidationError) leaves nothing changed."""
    if not equipment_id:
        return
    for rules in _providers.in_order():
        rules.check_in(booking_id=booking_id, equipment_id=equipment_id, ticked=list(ticked), by=by, now=now)
