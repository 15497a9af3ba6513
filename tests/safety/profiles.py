"""Safety profiles for tests: a laser cutter as the coordinator would set it up, and a service booked on it."""

import datetime as dt

from bookings.models import Equipment, ServiceType
from safety.models import ChecklistItem, Hazard, ProtectiveEquipment, RequiredProtection, SafetyProfile
from tests.factories import EquipmentFactory, build_desk

LASER_CHECKLIST = ("Lid closed and interlock working", "Extraction fan on", "Material is on the approved list")


def safety_profile(
    equipment: Equipment,
    *,
    minimum_age: int | None = 16,
    hazards: tuple[str, ...] = ("Heat", "Fumes", "Laser radiation"),
    provided: tuple[str, ...] = ("Safety glasses",),
    bring: tuple[str, ...] = ("Closed-toe shoes", "Hair tied back"),
    checklist: tuple[str, ...] = LASER_CHECKLIST,
) -> SafetyProfile:
    profile = SafetyProfile.objects.create(equipment=equipment, minimum_patron_age=minimum_age)
    profile.hazards.set([Hazard.objects.get_or_create(name=name)[0] for name in hazards])
    for names, lent in ((provided, True), (bring, False)):
        for name in names:
            RequiredProtection.objects.create(
                profile=profile,
                protective_equipment=ProtectiveEquipment.objects.get_or_create(name=name)[0],
                provided_by_library=lent,
            )
    for position, text in enumerate(checklist, start=1):
        ChecklistItem.objects.create(profile=profile, text=text, position=position)
    return profile


def laser_service(day: dt.date | list[dt.date], **profile) -> ServiceType:
    """A laser cutter orientation on a laser cutter with a safety profile, one qualified person on a 13:00-16:00
    desk shift on ``day``; the service itself sets no minimum age."""
    service = build_desk(day if isinstance(day, list) else [day])
    service.name = "Laser cutter orientation"
    service.slug = "laser-cutter-orientation"
    service.equipment = EquipmentFactory(branch=service.branch, name="Laser cutter")
    service.trains_on_equipment = True
    service.save()
    safety_profile(service.equipment, **profile)
    return service
