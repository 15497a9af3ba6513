"""The safety records hold their rules in the database: a service, the admin or a race cannot break them."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from bookings.models import MaintenanceWindow
from safety.models import (
    ChecklistItem,
    CorrectiveAction,
    Hazard,
    Inspection,
    InspectionItem,
    InspectionResult,
    OutOfService,
    PreUseCheck,
    ProcedureAcknowledgement,
    ProcedureVersion,
    ProtectiveEquipment,
    RequiredProtection,
    SafetyProfile,
    SafetyReport,
)
from tests.factories import (
    EquipmentFactory,
    ServiceTypeFactory,
    StaffMemberFactory,
    UserFactory,
    at,
    make_booking,
)


def refused_by_database(make) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def codes(error: ValidationError) -> set[str]:
    return {e.code for errors in error.error_dict.values() for e in errors}


@pytest.fixture
def equipment(branch):
    return EquipmentFactory(branch=branch, name="Laser cutter")


@pytest.fixture
def reporter(db):
    return UserFactory(username="reporter", is_staff=True, role="Library assistant")


def report(branch, reporter, now, **fields) -> SafetyReport:
    values = {
        "kind": SafetyReport.Kind.INCIDENT,
        "branch": branch,
        "occurred_at": now,
        "reported_by": reporter,
        "location": "Laser room",
        "what_happened": "A patron touched the hot bed.",
        **fields,
    }
    return SafetyReport(**values)


def test_the_managed_lists_are_seeded_by_migrate(db):
    assert set(Hazard.objects.values_list("name", flat=True)) == {
        "Heat",
        "Fumes",
        "Laser radiation",
        "Moving parts",
        "Sharp tools",
        "Noise",
        "Electrical",
    }
    assert set(ProtectiveEquipment.objects.values_list("name", flat=True)) == {
        "Safety glasses",
        "Hearing protection",
        "Gloves",
        "Respirator",
        "Closed-toe shoes",
        "Hair tied back",
    }
    assert list(InspectionItem.objects.filter(active=True).values_list("text", flat=True)) == [
        "First-aid kit stocked",
        "Fire extinguisher tagged",
        "Ventilation running",
        "Emergency stops tested",
        "Guards in place",
        "Floors clear",
    ]


def test_a_profile_lists_hazards_protection_and_checklist_once_per_equipment(equipment):
    profile = SafetyProfile.objects.create(equipment=equipment, minimum_patron_age=14, adult_only_supervision=True)
    profile.hazards.set(Hazard.objects.filter(name__in=["Heat", "Fumes", "Laser radiation"]))
    glasses = ProtectiveEquipment.objects.get(name="Safety glasses")
    shoes = ProtectiveEquipment.objects.get(name="Closed-toe shoes")
    RequiredProtection.objects.create(profile=profile, protective_equipment=glasses, provided_by_library=True)
    RequiredProtection.objects.create(profile=profile, protective_equipment=shoes, provided_by_library=False)
    ChecklistItem.objects.create(profile=profile, text="Lid closed", position=2)
    ChecklistItem.objects.create(profile=profile, text="Exhaust fan on", position=1)

    profile = equipment.safety_profile
    assert profile.hazards.count() == 3
    assert [(p.protective_equipment.name, p.provided_by_library) for p in profile.required_protection.all()] == [
        ("Closed-toe shoes", False),
        ("Safety glasses", True),
    ]
    assert [item.text for item in profile.checklist.all()] == ["Exhaust fan on", "Lid closed"]
    refused_by_database(lambda: RequiredProtection.objects.create(profile=profile, protective_equipment=glasses))
    refused_by_database(lambda: SafetyProfile.objects.create(equipment=equipment))


@pytest.mark.parametrize("age", [0, 100])
def test_a_minimum_age_outside_1_to_99_is_refused(equipment, age):
    profile = SafetyProfile(equipment=equipment, minimum_patron_age=age)
    with pytest.raises(ValidationError) as refused:
        profile.full_clean()
    assert "minimum_patron_age" in refused.value.message_dict
    refused_by_database(profile.save)


def test_procedure_versions_are_numbered_once_per_equipment_from_one(equipment):
    first = ProcedureVersion.objects.create(equipment=equipment, number=1, title="Laser cutter", body="Stay with it.")
    ProcedureVersion.objects.create(equipment=equipment, number=2, title="Laser cutter", body="Stay with it, always.")
    assert equipment.procedure_versions.latest().number == 2
    assert ProcedureVersion.objects.create(equipment=EquipmentFactory(), number=1, title="Other", body="-").number == 1

    again = ProcedureVersion(equipment=equipment, number=1, title="Laser cutter", body="Again")
    with pytest.raises(ValidationError) as refused:
        again.full_clean()
    assert "procedure_version_taken" in codes(refused.value)
    refused_by_database(again.save)
    refused_by_database(
        lambda: ProcedureVersion.objects.create(equipment=equipment, number=0, title="Laser cutter", body="-")
    )

    person = StaffMemberFactory()
    ProcedureAcknowledgement.objects.create(version=first, staff_member=person)
    refused_by_database(lambda: ProcedureAcknowledgement.objects.create(version=first, staff_member=person))


def test_a_pre_use_check_is_kept_once_with_its_booking(branch, equipment, now):
    service = ServiceTypeFactory(branch=branch, equipment=equipment, requires_training=True)
    booking = make_booking(starts_at=at(dt.date(2027, 3, 15), 10), service_type=service)
    PreUseCheck.objects.create(booking=booking, items=["Lid closed", "Exhaust fan on"])
    assert booking.pre_use_check.items == ["Lid closed", "Exhaust fan on"]
    refused_by_database(lambda: PreUseCheck.objects.create(booking=booking, items=[]))


def test_a_report_of_each_kind_is_kept(branch, reporter, equipment, now):
    for kind in SafetyReport.Kind:
        report(branch, reporter, now, kind=kind, roles_involved=["patron", "staff"]).full_clean()
    critical = report(
        branch,
        reporter,
        now,
        equipment=equipment,
        injury=True,
        severity=SafetyReport.Severity.CRITICAL,
        worker_lost_time=True,
        takes_equipment_out_of_service=True,
    )
    critical.full_clean()
    critical.save()


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"kind": "near_miss", "injury": True}, "injury_not_incident"),
        ({"severity": "first_aid"}, "severity_without_injury"),
        ({"kind": "hazard", "severity": "critical"}, "serious_not_incident"),
        ({"worker_lost_time": True}, "lost_time_without_injury"),
        ({"takes_equipment_out_of_service": True}, "out_of_service_without_equipment"),
        ({"personal_details_removed_at": dt.datetime(2027, 1, 1, tzinfo=dt.UTC), "names_involved": "Jo"}, None),
    ],
)
def test_a_report_that_contradicts_itself_is_refused(branch, reporter, now, fields, code):
    contradicting = report(branch, reporter, now, **fields)
    if code is not None:
        with pytest.raises(ValidationError) as refused:
            contradicting.full_clean()
        assert code in codes(refused.value)
    refused_by_database(contradicting.save)


def test_a_report_involves_people_only_by_known_roles(branch, reporter, now):
    with pytest.raises(ValidationError) as refused:
        report(branch, reporter, now, roles_involved=["patron", "neighbour"]).full_clean()
    assert "roles_involved" in refused.value.message_dict


def test_equipment_is_out_of_service_once_at_a_time(equipment, now, coordinator):
    window = MaintenanceWindow.objects.create(
        equipment=equipment, starts_at=now, ends_at=now + dt.timedelta(days=3), reason="Out of service"
    )
    first = OutOfService.objects.create(equipment=equipment, maintenance_window=window, started_at=now)
    second = OutOfService(equipment=equipment, started_at=now + dt.timedelta(minutes=1))
    with pytest.raises(ValidationError) as refused:
        second.full_clean()
    assert "already_out_of_service" in codes(refused.value)
    refused_by_database(second.save)
    OutOfService.objects.create(equipment=EquipmentFactory(), started_at=now)

    first.cleared_at, first.cleared_by = now + dt.timedelta(days=3), coordinator
    first.save()
    second.save()
    assert equipment.out_of_service_periods.filter(cleared_at__isnull=True).get() == second
    refused_by_database(
        lambda: OutOfService.objects.create(equipment=EquipmentFactory(), started_at=now, cleared_by=coordinator)
    )
    refused_by_database(
        lambda: OutOfService.objects.create(
            equipment=EquipmentFactory(), started_at=now, cleared_at=now - dt.timedelta(hours=1)
        )
    )


def test_a_branch_is_inspected_once_a_month_named_by_its_first_day(branch):
    march = Inspection.objects.create(branch=branch, month=dt.date(2027, 3, 1), due_on=dt.date(2027, 3, 31))
    refused_by_database(
        lambda: Inspection.objects.create(branch=branch, month=dt.date(2027, 3, 1), due_on=dt.date(2027, 3, 31))
    )
    mid_month = Inspection(branch=branch, month=dt.date(2027, 4, 15), due_on=dt.date(2027, 4, 30))
    with pytest.raises(ValidationError) as refused:
        mid_month.full_clean()
    assert "month_not_first_day" in codes(refused.value)
    refused_by_database(mid_month.save)
    refused_by_database(
        lambda: Inspection.objects.create(branch=branch, month=dt.date(2027, 5, 1), due_on=dt.date(2027, 4, 30))
    )

    InspectionResult.objects.create(inspection=march, item_text="Floors clear", position=6, ok=True)
    refused_by_database(lambda: InspectionResult.objects.create(inspection=march, item_text="Floors clear"))


def test_a_corrective_action_is_done_exactly_when_completed_and_has_at_most_one_source(
    branch, reporter, now, coordinator
):
    incident = report(branch, reporter, now)
    incident.save()
    inspection = Inspection.objects.create(branch=branch, month=dt.date(2027, 3, 1), due_on=dt.date(2027, 3, 31))
    finding = InspectionResult.objects.create(inspection=inspection, item_text="Guards in place", ok=False)
    action = {"description": "Fit the guard", "owner": coordinator, "due_on": dt.date(2027, 3, 20)}

    CorrectiveAction.objects.create(**action, report=incident)
    CorrectiveAction.objects.create(**action, inspection_result=finding)
    CorrectiveAction.objects.create(**action)
    CorrectiveAction.objects.create(**action, status=CorrectiveAction.Status.DONE, completed_at=now)

    both = CorrectiveAction(**action, report=incident, inspection_result=finding)
    with pytest.raises(ValidationError) as refused:
        both.full_clean()
    assert "action_two_sources" in codes(refused.value)
    refused_by_database(both.save)
    refused_by_database(lambda: CorrectiveAction.objects.create(**action, status=CorrectiveAction.Status.DONE))
    refused_by_database(lambda: CorrectiveAction.objects.create(**action, completed_at=now))


def test_the_manager_role_exists_after_migrate_and_reads_safety_only(db):
    manager = UserFactory(username="manager", is_staff=True, role="Manager")
    assert manager.has_perms(["safety.view_safetyreport", "safety.view_inspection", "safety.view_correctiveaction"])
    granted = Group.objects.get(name="Manager").permissions.values_list("codename", flat=True)
    assert [codename for codename in granted if not codename.startswith("view_")] == []


def test_roles_have_the_safety_permissions_they_need(coordinator, assistant, board_member, volunteer):
    assert coordinator.has_perms(
        [
            "safety.view_safetyreport",
            "safety.change_safetyreport",
            "safety.change_safetyprofile",
            "safety.add_procedureversion",
            "safety.change_outofservice",
            "safety.change_inspection",
            "safety.delete_hazard",
            "safety.change_branchsafety",
        ]
    )
    assert not coordinator.has_perm("safety.delete_safetyreport")
    assert assistant.has_perms(
        [
            "safety.add_safetyreport",
            "safety.view_safetyprofile",
            "safety.view_procedureversion",
            "safety.add_procedureacknowledgement",
            "safety.add_preusecheck",
        ]
    )
    assert not assistant.has_perm("safety.view_safetyreport")
    for user in (board_member, volunteer):
        assert not any(permission.startswith("safety.") for permission in user.get_all_permissions())
