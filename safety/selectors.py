"""Reads for health and safety."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from bookings.models import Equipment
from makerlab.equipment_rules import ChecklistLine
from safety.models import ChecklistItem, PreUseCheck, RequiredProtection, SafetyProfile

# --- Equipment safety facts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NamedThing:
    """A hazard or a piece of protective equipment, with its plain-language description."""

    name: str
    description: str = ""


@dataclass(frozen=True)
class EquipmentSafety:
    """The safety facts of one piece of equipment: what can hurt, what to wear (lent or brought), from what age,
    and the checklist staff go through with the patron before use."""

    equipment_id: int
    equipment_name: str
    hazards: tuple[NamedThing, ...]
    provided: tuple[NamedThing, ...]
    bring: tuple[NamedThing, ...]
    minimum_age: int | None
    checklist: tuple[ChecklistLine, ...] = ()

    @property
    def tells_patrons(self) -> bool:
        """Whether there is anything to tell a patron before they come."""
        return bool(self.hazards or self.provided or self.bring or self.minimum_age)

    def as_notice(self) -> dict:
        """The facts patrons are told, as plain data (stored with an email in the outbox)."""
        return {
            "equipment": self.equipment_name,
            "hazards": [thing.name for thing in self.hazards],
            "provided": [thing.name for thing in self.provided],
            "bring": [thing.name for thing in self.bring],
            "minimum_age": self.minimum_age,
        }


EquipmentIds = Iterable[int] | QuerySet


def _ids(equipment: EquipmentIds) -> list[int] | QuerySet:
    """Ids as a list, or a queryset of equipment kept as a subquery (a program's machines: no query of its own)."""
    if isinstance(equipment, QuerySet):
        return equipment.values("pk") if equipment.model is Equipment else equipment
    return sorted({pk for pk in equipment if pk})


def equipment_safety(*, equipment_ids: EquipmentIds, with_checklist: bool = False) -> dict[int, EquipmentSafety]:
    """The safety facts of each given piece of equipment that has a safety profile, by equipment id.

    Three queries whatever the number of machines (four ``with_checklist``); none when no ids are given.
    ``equipment_ids`` may be a queryset of equipment, used as a subquery.
    """
    ids = _ids(equipment_ids)
    if isinstance(ids, list) and not ids:
        return {}
    prefetches = [
        "hazards",
        Prefetch(
            "required_protection",
            queryset=RequiredProtection.objects.select_related("protective_equipment").order_by(
                "protective_equipment__name"
            ),
        ),
    ]
    if with_checklist:
        prefetches.append("checklist")
    profiles = (
        SafetyProfile.objects.filter(equipment_id__in=ids)
        .select_related("equipment")
        .prefetch_related(*prefetches)
        .order_by("equipment__name", "equipment_id")
    )
    facts = {}
    for profile in profiles:
        protection = list(profile.required_protection.all())
        facts[profile.equipment_id] = EquipmentSafety(
            equipment_id=profile.equipment_id,
            equipment_name=profile.equipment.name,
            hazards=tuple(NamedThing(hazard.name, hazard.description) for hazard in profile.hazards.all()),
            provided=tuple(_named(required) for required in protection if required.provided_by_library),
            bring=tuple(_named(required) for required in protection if not required.provided_by_library),
            minimum_age=profile.minimum_patron_age,
            checklist=tuple(_line(item) for item in profile.checklist.all()) if with_checklist else (),
        )
    return facts


def _named(required: RequiredProtection) -> NamedThing:
    return NamedThing(required.protective_equipment.name, required.protective_equipment.description)


def _line(item: ChecklistItem) -> ChecklistLine:
    return ChecklistLine(key=str(item.pk), text=item.text)


def equipment_minimum_ages(*, equipment_ids: EquipmentIds) -> dict[int, int]:
    """The minimum patron age of each given piece of equipment that has one: one query."""
    ids = _ids(equipment_ids)
    if isinstance(ids, list) and not ids:
        return {}
    return dict(
        SafetyProfile.objects.filter(equipment_id__in=ids, minimum_patron_age__isnull=False).values_list(
            "equipment_id", "minimum_patron_age"
        )
    )


def equipment_notices(*, equipment_ids: EquipmentIds) -> dict[int, dict]:
    """What patrons are told about each given piece of equipment, as plain data, for those with anything to tell."""
    return {
        pk: facts.as_notice()
        for pk, facts in equipment_safety(equipment_ids=equipment_ids).items()
        if facts.tells_patrons
    }


def pre_use_checklists(*, equipment_ids: EquipmentIds) -> dict[int, list[ChecklistLine]]:
    """The pre-use checklist of each given piece of equipment that has one, in its order: one query."""
    ids = _ids(equipment_ids)
    if isinstance(ids, list) and not ids:
        return {}
    checklists: dict[int, list[ChecklistLine]] = {}
    items = ChecklistItem.objects.filter(profile__equipment_id__in=ids)
    items = items.order_by("profile__equipment_id", "position", "id")
    for equipment_id, pk, text in items.values_list("profile__equipment_id", "pk", "text"):
        checklists.setdefault(equipment_id, []).append(ChecklistLine(key=str(pk), text=text))
    return checklists


def pre_use_check_for_booking(*, booking_id: int) -> PreUseCheck | None:
    """The pre-use check recorded at a booking's check-in, with who ticked it: one query."""
    return PreUseCheck.objects.select_related("checked_by").filter(booking_id=booking_id).first()
