"""Demo health and safety for the Maker Lab: each machine's safety profile and procedure, who acknowledged it, the
branches' representatives, a year of monthly inspections with their findings and corrective actions, a handful of
hazard and near-miss reports, and one incident that took the laser cutter out of service for three days.

Called by ``manage.py load_demo`` after bookings (it needs the machines and the services that say who supervises
them). It writes the models directly, as a record of the past. Safe to run again: it changes nothing twice.
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils import timezone

from bookings.models import Equipment, EquipmentKind, MaintenanceWindow, ServiceType
from makerlab.demo import DemoContext
from makerlab.models import Branch
from safety.models import (
    ActionStatus,
    BranchSafety,
    ChecklistItem,
    CorrectiveAction,
    Hazard,
    Inspection,
    InspectionItem,
    InspectionResult,
    OutOfService,
    ProcedureAcknowledgement,
    ProcedureVersion,
    ProtectiveEquipment,
    ReportKind,
    RequiredProtection,
    SafetyProfile,
    SafetyReport,
    Severity,
)
from safety.selectors import month_last_day
from staffing.models import Qualification, StaffKind, StaffMember


@dataclass(frozen=True)
class KindSafety:
    hazards: tuple[str, ...]
    # (protective equipment, provided by the library)
    protection: tuple[tuple[str, bool], ...]
    minimum_age: int | None
    adult_only_supervision: bool
    checklist: tuple[str, ...]
    procedure: str


SAFETY_BY_KIND = {
    EquipmentKind.LASER_CUTTER: KindSafety(
        ("Laser radiation", "Fumes", "Heat"),
        (("Safety glasses", True), ("Closed-toe shoes", False), ("Hair tied back", False)),
        16,
        True,
        (
            "Extraction fan is running",
            "Material is on the approved list (no PVC or vinyl)",
            "Lid stays closed while the laser runs",
            "Fire blanket and extinguisher are within reach",
        ),
        "1. Check the material against the approved list: never cut PVC, vinyl or anything that gives off chlorine.\n"
        "2. Turn on the extraction fan and check that air is moving before you start.\n"
        "3. Close the lid. Never open it while the laser runs, and never leave a running job.\n"
        "4. If a flame does not go out at once, press the emergency stop and use the fire blanket.\n"
        "5. Wait for the fan to clear the fumes before you open the lid.",
    ),
    EquipmentKind.PRINTER_3D: KindSafety(
        ("Heat", "Fumes"),
        (("Hair tied back", False),),
        10,
        False,
        ("Build plate is clear", "Nozzle and bed are not touched while hot", "Room ventilation is on"),
        "1. Keep hands away from the nozzle and the bed while they are hot (up to 250 °C).\n"
        "2. Print PLA or PETG only; other plastics give off fumes the room is not ventilated for.\n"
        "3. Let the bed cool before you remove a print.\n"
        "4. Call staff for a jam: do not take the print head apart.",
    ),
    EquipmentKind.SEWING_MACHINE: KindSafety(
        ("Sharp tools", "Moving parts"),
        (("Hair tied back", False),),
        10,
        False,
        ("Fingers stay clear of the needle", "Foot pedal cord is out of the walkway", "Pins are in the pin cushion"),
        "1. Keep fingers clear of the needle; guide the fabric from the sides.\n"
        "2. Lift your foot off the pedal before threading or changing the needle.\n"
        "3. Put pins in the cushion, never in your mouth.\n"
        "4. Turn the machine off when you leave it.",
    ),
    EquipmentKind.VINYL_CUTTER: KindSafety(
        ("Sharp tools", "Heat"),
        (("Gloves", True),),
        10,
        False,
        ("Blade is covered when not cutting", "Heat press is set on its stand"),
        "1. The blade is sharp: change it with the tool, never with your fingers.\n"
        "2. The heat press reaches 200 °C: wear the gloves and set it on its stand.\n"
        "3. Keep hands clear of the rollers while the machine cuts.",
    ),
    EquipmentKind.PODCAST_STUDIO: KindSafety(
        ("Electrical", "Noise"),
        (),
        None,
        False,
        ("Headphone volume is turned down before putting them on", "Cables are taped down"),
        "1. Turn headphone volume down before you put them on, then raise it slowly.\n"
        "2. Keep drinks off the mixing desk.\n"
        "3. Report a damaged cable to staff; do not use it.",
    ),
}
OTHER = KindSafety(("Electrical",), (), None, False, ("Cables are in good condition",), "Ask staff before use.")

LASER_CHANGE = "Added: wait for the fan to clear the fumes before opening the lid; fire blanket beside the machine."

NEAR_MISSES = [
    (40, "Laser room", EquipmentKind.LASER_CUTTER, "A patron started opening the lid while the job was running."),
    (95, "3D printing corner", EquipmentKind.PRINTER_3D, "A child reached for the nozzle just after a print."),
    (150, "Sewing corner", EquipmentKind.SEWING_MACHINE, "Scissors left open on the edge of the table fell."),
    (230, "Lab entrance", None, "A staff member nearly tripped on a box left inside the door."),
    (300, "Podcast studio", EquipmentKind.PODCAST_STUDIO, "Headphones at full volume when a patron put them on."),
]
HAZARDS = [
    (20, "Storage room", None, "The step stool's rubber feet are worn through."),
    (120, "Laser room", EquipmentKind.LASER_CUTTER, "The extraction duct has a loose clamp."),
    (260, "Workbench", None, "An extension cord is daisy-chained to a power bar."),
]


def safety_demo_step(context: DemoContext) -> str:
    """The step ``load_demo`` runs (registered in SafetyConfig)."""
    return safety_demo_load(branch=context.branch, now=context.now)


def safety_demo_load(*, branch: Branch, now: dt.datetime) -> str:
    today = timezone.localdate(now)
    users = {user.username: user for user in get_user_model().objects.filter(is_active=True)}
    coordinator = users.get("coordinator")
    equipment = list(Equipment.objects.filter(branch__is_active=True).select_related("branch").order_by("pk"))
    hazards = {hazard.name: hazard for hazard in Hazard.objects.all()}
    protection = {item.name: item for item in ProtectiveEquipment.objects.all()}
    for machine in equipment:
        _profile(machine, SAFETY_BY_KIND.get(machine.kind, OTHER), hazards, protection)
    versions = _procedures(equipment, now=now, by=coordinator)
    _acknowledgements(equipment, versions, users=users, now=now)
    representatives = _representatives(users)
    inspections = 0
    if coordinator is not None:
        for each in Branch.objects.filter(is_active=True).order_by("pk"):
            inspections += _inspections(each, representatives.get(each.pk) or coordinator, coordinator, today=today)
        _reports(branch, equipment, users=users, coordinator=coordinator, now=now)
    return (
        f"{len(equipment)} safety profiles and procedures, {inspections} workplace inspections, "
        f"{SafetyReport.objects.count()} safety reports"
    )


def _profile(machine: Equipment, safety: KindSafety, hazards: dict, protection: dict) -> None:
    profile, created = SafetyProfile.objects.get_or_create(
        equipment=machine,
        defaults={"minimum_patron_age": safety.minimum_age, "adult_only_supervision": safety.adult_only_supervision},
    )
    if not created:
        return
    profile.hazards.set([hazards[name] for name in safety.hazards if name in hazards])
    RequiredProtection.objects.bulk_create(
        RequiredProtection(profile=profile, protective_equipment=protection[name], provided_by_library=provided)
        for name, provided in safety.protection
        if name in protection
    )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(profile=profile, text=text, position=position)
        for position, text in enumerate(safety.checklist, start=1)
    )


def _procedures(equipment: list[Equipment], *, now: dt.datetime, by) -> dict[int, list[ProcedureVersion]]:
    """One version for each machine, two for the laser cutter (the second a month ago)."""
    made = {}
    for machine in equipment:
        safety = SAFETY_BY_KIND.get(machine.kind, OTHER)
        title = f"Safe operating procedure: {machine.name}"
        body = safety.procedure
        first_body = body.replace("\n5. Wait for the fan to clear the fumes before you open the lid.", "")
        plan = [(1, first_body if machine.kind == EquipmentKind.LASER_CUTTER else body, "", 400)]
        if machine.kind == EquipmentKind.LASER_CUTTER:
            plan.append((2, body, LASER_CHANGE, 30))
        made[machine.pk] = [
            ProcedureVersion.objects.get_or_create(
                equipment=machine,
                number=number,
                defaults={
                    "title": title,
                    "body": text,
                    "change_summary": change,
                    "published_at": now - dt.timedelta(days=days_ago),
                    "published_by": by,
                },
            )[0]
            for number, text, change, days_ago in plan
        ]
    return made


def _supervisors(equipment: list[Equipment]) -> dict[int, list[StaffMember]]:
    """Who supervises each machine: the staff holding the required skill of a service that uses it."""
    skills: dict[int, set[int]] = {}
    for equipment_id, skill_id in ServiceType.objects.filter(equipment__in=equipment).values_list(
        "equipment_id", "required_skill_id"
    ):
        skills.setdefault(equipment_id, set()).add(skill_id)
    holders: dict[int, list[StaffMember]] = {}
    for qualification in Qualification.objects.filter(staff_member__is_active=True).select_related("staff_member"):
        holders.setdefault(qualification.skill_id, []).append(qualification.staff_member)
    return {
        machine.pk: sorted(
            {person.pk: person for skill in skills.get(machine.pk, ()) for person in holders.get(skill, [])}.values(),
            key=lambda person: person.pk,
        )
        for machine in equipment
    }


def _acknowledgements(equipment, versions, *, users, now: dt.datetime) -> None:
    """Every supervisor acknowledged each version a few days after it came out, except one library assistant who
    has not read the laser cutter's new version yet: the demo assistant when they supervise it."""
    supervisors = _supervisors(equipment)
    assistant = users.get("assistant")
    made = []
    for machine in equipment:
        people = supervisors.get(machine.pk, [])
        latest = versions[machine.pk][-1]
        behind = None
        if len(versions[machine.pk]) > 1:
            behind = next((p for p in people if assistant is not None and p.user_id == assistant.pk), None) or next(
                (p for p in people if p.kind == StaffKind.LIBRARY_ASSISTANT), None
            )
        for version in versions[machine.pk]:
            for person in people:
                if version == latest and person == behind:
                    continue
                made.append(
                    ProcedureAcknowledgement(
                        version=version,
                        staff_member=person,
                        acknowledged_at=min(now, version.published_at + dt.timedelta(days=2 + person.pk % 5)),
                    )
                )
    ProcedureAcknowledgement.objects.bulk_create(made, ignore_conflicts=True)


def _representatives(users) -> dict[int, object]:
    """A representative per branch: a library assistant at the Central Library, the coordinator elsewhere."""
    chosen = {}
    for branch in Branch.objects.filter(is_active=True).order_by("pk"):
        person = users.get("jhaddad") if branch.slug == "central" else None
        person = person or users.get("coordinator")
        arrangement, _ = BranchSafety.objects.get_or_create(branch=branch, defaults={"representative": person})
        chosen[branch.pk] = arrangement.representative
    return chosen


# Months ago (1 = last month) → what the inspection found: each line not OK, and whether its action is done.
FINDINGS = {
    2: [("Fire extinguisher tagged", "Tag expired last month: service visit needed.", False)],
    5: [("First-aid kit stocked", "Burn gel and large bandages used up.", True)],
    8: [("Floors clear", "Filament boxes stacked in the aisle by the printers.", True)],
    10: [("Ventilation running", "Extraction fan rattling; filter due.", True)],
}
LATE_MONTHS_AGO = 6


def _inspections(branch: Branch, representative, coordinator, *, today: dt.date) -> int:
    """A year of monthly inspections: done on time but one, a few findings with their actions, this month's open."""
    this_month = today.replace(day=1)
    if Inspection.objects.filter(branch=branch).exists():
        return 0
    items = list(InspectionItem.objects.filter(active=True).order_by("position", "id"))
    month, made = this_month, 0
    for months_ago in range(0, 13):
        due_on = month_last_day(month)
        if months_ago == 0:
            inspection = Inspection.objects.create(branch=branch, month=month, due_on=due_on, inspector=representative)
            InspectionResult.objects.bulk_create(
                InspectionResult(inspection=inspection, item_text=item.text, position=item.position) for item in items
            )
        else:
            done_day = due_on + dt.timedelta(days=4) if months_ago == LATE_MONTHS_AGO else month.replace(day=12)
            completed_at = dt.datetime.combine(done_day, dt.time(11, 0), tzinfo=timezone.get_default_timezone())
            inspection = Inspection.objects.create(
                branch=branch,
                month=month,
                due_on=due_on,
                inspector=representative,
                completed_at=completed_at,
                completed_by=representative,
            )
            findings = {text: (note, done) for text, note, done in FINDINGS.get(months_ago, [])}
            results = InspectionResult.objects.bulk_create(
                InspectionResult(
                    inspection=inspection,
                    item_text=item.text,
                    position=item.position,
                    ok=item.text not in findings,
                    note=findings.get(item.text, ("", False))[0],
                )
                for item in items
            )
            for result in results:
                if result.ok:
                    continue
                done = findings[result.item_text][1]
                CorrectiveAction.objects.create(
                    description=f"{result.item_text}: {result.note}",
                    owner=coordinator if "extinguisher" in result.item_text else representative,
                    due_on=done_day + dt.timedelta(days=14),
                    status=ActionStatus.DONE if done else ActionStatus.OPEN,
                    inspection_result=result,
                    created_at=completed_at,
                    completed_at=completed_at + dt.timedelta(days=9) if done else None,
                )
        made += 1
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return made


def _reports(branch: Branch, equipment: list[Equipment], *, users, coordinator, now: dt.datetime) -> None:
    if SafetyReport.objects.filter(branch=branch).exists():
        return
    reporter = users.get("assistant") or coordinator
    machines = {machine.kind: machine for machine in equipment if machine.branch_id == branch.pk}
    for kind, rows in ((ReportKind.NEAR_MISS, NEAR_MISSES), (ReportKind.HAZARD, HAZARDS)):
        for days_ago, location, machine_kind, what in rows:
            occurred_at = now - dt.timedelta(days=days_ago, hours=3)
            report = SafetyReport.objects.create(
                kind=kind,
                branch=branch,
                occurred_at=occurred_at,
                reported_at=occurred_at + dt.timedelta(minutes=20),
                reported_by=reporter,
                location=location,
                equipment=machines.get(machine_kind),
                what_happened=what,
                roles_involved=["patron"] if kind == ReportKind.NEAR_MISS else ["staff"],
            )
            if days_ago == 120:
                CorrectiveAction.objects.create(
                    description="Tighten the extraction duct clamp and check the duct for leaks.",
                    owner=coordinator,
                    due_on=timezone.localdate(occurred_at) + dt.timedelta(days=7),
                    status=ActionStatus.DONE,
                    report=report,
                    created_at=occurred_at + dt.timedelta(hours=2),
                    completed_at=occurred_at + dt.timedelta(days=3),
                )
    laser = machines.get(EquipmentKind.LASER_CUTTER)
    if laser is None:
        return
    occurred_at = now - dt.timedelta(days=60, hours=4)
    incident = SafetyReport.objects.create(
        kind=ReportKind.INCIDENT,
        branch=branch,
        occurred_at=occurred_at,
        reported_at=occurred_at + dt.timedelta(minutes=15),
        reported_by=reporter,
        location="Laser room",
        equipment=laser,
        what_happened="A small flame on plywood did not go out when the job paused; the patron's hand was burned "
        "reaching in. The emergency stop was pressed and the flame smothered with the fire blanket.",
        roles_involved=["patron", "staff"],
        injury=True,
        severity=Severity.FIRST_AID,
        first_aid_given="Cool running water for twenty minutes, sterile dressing.",
        takes_equipment_out_of_service=True,
    )
    cleared_at = occurred_at + dt.timedelta(days=3)
    window = MaintenanceWindow.objects.create(
        equipment=laser, starts_at=occurred_at, ends_at=cleared_at, reason="Out of service after a safety incident"
    )
    OutOfService.objects.create(
        equipment=laser,
        report=incident,
        maintenance_window=window,
        started_at=occurred_at,
        cleared_at=cleared_at,
        cleared_by=coordinator,
    )
    CorrectiveAction.objects.create(
        description="Replace the air-assist nozzle and re-test flame behaviour on plywood before reopening.",
        owner=coordinator,
        due_on=timezone.localdate(occurred_at) + dt.timedelta(days=3),
        status=ActionStatus.DONE,
        report=incident,
        created_at=occurred_at + dt.timedelta(hours=1),
        completed_at=cleared_at - dt.timedelta(hours=2),
    )
    CorrectiveAction.objects.create(
        description="Add a fire blanket beside every laser cutter and show it at each orientation.",
        owner=users.get("jhaddad") or coordinator,
        due_on=timezone.localdate(now) + dt.timedelta(days=10),
        status=ActionStatus.IN_PROGRESS,
        report=incident,
        created_at=occurred_at + dt.timedelta(hours=1),
    )
