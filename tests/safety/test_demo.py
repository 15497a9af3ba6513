"""The demo's health and safety: a profile and procedure per machine, the laser cutter's second version not yet
read by one assistant, a year of inspections with one late and one action overdue, reports, and the laser cutter's
three days out of service."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from bookings.models import Equipment, EquipmentKind
from safety.models import (
    BranchSafety,
    CorrectiveAction,
    Inspection,
    OutOfService,
    ProcedureAcknowledgement,
    ProcedureVersion,
    SafetyProfile,
    SafetyReport,
)
from safety.selectors import actions_overdue, inspections_overdue
from staffing.models import StaffKind

pytestmark = [pytest.mark.django_db, pytest.mark.calendar]


def counts() -> dict[str, int]:
    models = (SafetyProfile, ProcedureVersion, ProcedureAcknowledgement, Inspection, CorrectiveAction, SafetyReport)
    return {model.__name__: model.objects.count() for model in models}


def test_every_machine_has_a_profile_and_a_procedure_and_the_laser_cutter_two_versions(demo):
    machines = Equipment.objects.count()
    assert SafetyProfile.objects.count() == machines
    assert ProcedureVersion.objects.values("equipment").distinct().count() == machines
    laser = SafetyProfile.objects.get(equipment__kind=EquipmentKind.LASER_CUTTER)
    assert laser.minimum_patron_age == 16
    assert {"Laser radiation", "Fumes", "Heat"} <= set(laser.hazards.values_list("name", flat=True))
    assert laser.checklist.exists()
    latest, first = ProcedureVersion.objects.filter(equipment=laser.equipment).order_by("-number")
    assert latest.number == 2 and latest.change_summary
    behind = set(first.acknowledgements.values_list("staff_member", flat=True)) - set(
        latest.acknowledgements.values_list("staff_member", flat=True)
    )
    assert len(behind) == 1
    [person] = behind
    assert ProcedureAcknowledgement.objects.filter(staff_member=person).exists()
    from staffing.selectors import staff_members

    [assistant] = staff_members(ids=[person])
    assert assistant.kind == StaffKind.LIBRARY_ASSISTANT


def test_a_year_of_inspections_mostly_on_time_with_findings_and_one_action_overdue(demo):
    today = timezone.localdate()
    assert BranchSafety.objects.filter(representative__isnull=False).exists()
    done = Inspection.objects.filter(completed_at__isnull=False)
    assert done.count() == 12
    late = [i for i in done if timezone.localdate(i.completed_at) > i.due_on]
    assert len(late) == 1
    assert not inspections_overdue(today=today).exists()
    assert Inspection.objects.filter(month=today.replace(day=1), completed_at__isnull=True).count() == 1
    from_findings = CorrectiveAction.objects.filter(inspection_result__isnull=False)
    assert from_findings.count() >= 3
    assert from_findings.filter(status="done").count() >= 2
    assert actions_overdue(today=today).count() == 1


def test_reports_and_the_laser_cutter_out_of_service_for_three_days(demo):
    assert SafetyReport.objects.filter(kind="near_miss").count() >= 3
    assert SafetyReport.objects.filter(kind="hazard").count() >= 2
    [incident] = SafetyReport.objects.filter(kind="incident")
    [period] = OutOfService.objects.all()
    assert period.report == incident and period.equipment.kind == EquipmentKind.LASER_CUTTER
    assert period.cleared_at - period.started_at == dt.timedelta(days=3)
    assert period.cleared_by.username == "coordinator"
    window = period.maintenance_window
    assert (window.starts_at, window.ends_at) == (period.started_at, period.cleared_at)


def test_the_demo_changes_nothing_the_second_time(demo, settings):
    settings.DEBUG = True
    first = counts()
    call_command("load_demo")
    assert counts() == first
