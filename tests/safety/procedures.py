"""Builders for the tests of written procedures: equipment supervised through a service's required skill."""

from safety.models import ProcedureVersion, SafetyProfile
from safety.services import procedure_publish
from tests.factories import EquipmentFactory, QualificationFactory, ServiceTypeFactory, SkillFactory, StaffMemberFactory


def supervised_equipment(branch, *, name: str = "Laser cutter", skill_name: str = "Laser cutter", **profile):
    """A machine at ``branch`` whose orientation service requires the skill ``skill_name``; a safety profile when
    ``profile`` fields are given."""
    skill = SkillFactory(name=skill_name)
    equipment = EquipmentFactory(branch=branch, name=name)
    ServiceTypeFactory(branch=branch, equipment=equipment, required_skill=skill, name=f"{name} orientation")
    if profile:
        SafetyProfile.objects.create(equipment=equipment, **profile)
    return equipment, skill


def supervisor(skill, **fields):
    person = StaffMemberFactory(**fields)
    QualificationFactory(staff_member=person, skill=skill)
    return person


SAFE_USE = "Wear safety glasses. Never leave it running."


def publish(equipment, *, title: str | None = None, body: str = SAFE_USE, by=None, now=None):
    title = title or f"Using the {equipment.name}"
    return procedure_publish(equipment=equipment, title=title, body=body, by=by, now=now)


def versions_of(equipment) -> list[int]:
    versions = ProcedureVersion.objects.filter(equipment=equipment).order_by("number")
    return list(versions.values_list("number", flat=True))
