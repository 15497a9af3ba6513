"""The board report's Health and safety section: counts of a built month, right at its edges (Toronto time), in
the page, the PDF, the XLSX and the CSV, with no name or word of any report."""

import csv
import datetime as dt
import io
import re
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from bookings.models import EquipmentKind
from safety.models import ActionStatus, CorrectiveAction, Inspection, OutOfService, SafetyReport, Severity
from stats import services
from stats.figures import FIGURES, compute_figures
from tests.factories import BranchFactory, EquipmentFactory, UserFactory, at
from tests.safety.helpers import inspection_for

MARCH, APRIL = dt.date(2026, 3, 1), dt.date(2026, 4, 1)
AFTER_MARCH = at(dt.date(2026, 4, 2), 6)
SECRETS = ["Zorblax Quentinworth", "SECRET-ACCOUNT-5531", "SECRET-FIRST-AID-8812"]


def report(branch, kind, occurred_at, severity=Severity.NONE, **fields) -> SafetyReport:
    injury = severity != Severity.NONE
    return SafetyReport.objects.create(
        kind=kind,
        branch=branch,
        occurred_at=occurred_at,
        reported_by=fields.pop("reported_by"),
        location="Laser room",
        what_happened="SECRET-ACCOUNT-5531",
        names_involved="Zorblax Quentinworth",
        injury=injury,
        severity=severity,
        first_aid_given="SECRET-FIRST-AID-8812" if injury else "",
        **fields,
    )


@pytest.fixture
def safe_march(db):
    central = BranchFactory(name="Central Library", slug="central")
    east = BranchFactory(name="East Branch", slug="east")
    west = BranchFactory(name="West Branch", slug="west")
    rep = UserFactory(is_staff=True)
    incident, near_miss, hazard = SafetyReport.Kind.INCIDENT, SafetyReport.Kind.NEAR_MISS, SafetyReport.Kind.HAZARD
    rows = [
        (central, incident, at(dt.date(2026, 3, 3), 10), Severity.NONE),
        (central, incident, at(dt.date(2026, 3, 10), 10), Severity.FIRST_AID),
        (east, incident, at(dt.date(2026, 3, 11), 10), Severity.FIRST_AID),
        (central, incident, at(dt.date(2026, 3, 31), 23, 30), Severity.CRITICAL),  # April 1 in UTC: still March
        (central, incident, at(dt.date(2026, 2, 28), 23, 30), Severity.MEDICAL_TREATMENT),  # February
        (central, near_miss, at(dt.date(2026, 3, 1), 0, 5), Severity.NONE),
        (east, near_miss, at(dt.date(2026, 3, 20), 15), Severity.NONE),
        (central, hazard, at(dt.date(2026, 3, 5), 9), Severity.NONE),
        (central, hazard, at(dt.date(2026, 3, 6), 9), Severity.NONE),
        (east, hazard, at(dt.date(2026, 3, 7), 9), Severity.NONE),
        (central, hazard, at(dt.date(2026, 4, 1), 0, 5), Severity.NONE),  # April
    ]
    made = [report(branch, kind, moment, severity, reported_by=rep) for branch, kind, moment, severity in rows]

    # March's inspections are due on the 31st: on time (late in the evening), four days late, never done.
    inspection_for(central, month=MARCH, inspector=rep, completed_at=at(dt.date(2026, 3, 31), 23))
    inspection_for(east, month=MARCH, inspector=rep, completed_at=at(dt.date(2026, 4, 4), 10))
    inspection_for(west, month=MARCH, inspector=rep)
    inspection_for(central, month=dt.date(2026, 2, 1), inspector=rep, completed_at=at(dt.date(2026, 2, 10), 10))

    def action(due_on, *, created, done=None, **source):
        return CorrectiveAction.objects.create(
            description="SECRET-ACCOUNT-5531",
            owner=rep,
            due_on=due_on,
            created_at=created,
            status=ActionStatus.DONE if done else ActionStatus.OPEN,
            completed_at=done,
            **source,
        )

    central_report, east_report = made[1], made[2]
    action(dt.date(2026, 3, 31), created=at(dt.date(2026, 3, 10), 12), report=central_report)  # open, overdue
    action(dt.date(2026, 4, 1), created=at(dt.date(2026, 3, 10), 12), report=central_report)  # open, not yet due
    action(  # done after the month: open and overdue at its end
        dt.date(2026, 3, 20), created=at(dt.date(2026, 3, 11), 12), done=at(dt.date(2026, 4, 5), 9), report=east_report
    )
    action(dt.date(2026, 3, 15), created=at(dt.date(2026, 3, 2), 12), done=at(dt.date(2026, 3, 14), 9))  # done
    action(dt.date(2026, 3, 1), created=at(dt.date(2026, 2, 2), 12))  # on its own, open, overdue
    action(dt.date(2026, 4, 20), created=at(dt.date(2026, 4, 2), 12))  # set in April

    laser = EquipmentFactory(branch=central, kind=EquipmentKind.LASER_CUTTER, name="Laser")
    sewing = EquipmentFactory(branch=east, kind=EquipmentKind.SEWING_MACHINE, name="Sewing")
    printer = EquipmentFactory(branch=central, kind=EquipmentKind.PRINTER_3D, name="Printer")
    OutOfService.objects.create(
        equipment=laser, started_at=at(dt.date(2026, 3, 29), 12), cleared_at=at(dt.date(2026, 4, 2), 12)
    )  # 2.5 days in March
    OutOfService.objects.create(
        equipment=sewing, started_at=at(dt.date(2026, 2, 27), 9), cleared_at=at(dt.date(2026, 3, 2), 0)
    )  # 1 day in March
    OutOfService.objects.create(equipment=printer, started_at=at(dt.date(2026, 3, 31), 0))  # 1 day, still out
    return central, east


MARCH_SAFETY = {
    "safety.incidents": 4,
    "safety.incidents_none": 1,
    "safety.incidents_first_aid": 2,
    "safety.incidents_medical_treatment": 0,
    "safety.incidents_lost_time": 0,
    "safety.incidents_critical": 1,
    "safety.near_misses": 2,
    "safety.hazards": 3,
    "safety.inspections_due": 3,
    "safety.inspections_on_time": 1,
    "safety.actions_open": 4,
    "safety.actions_overdue": 3,
    "safety.equipment_days_out": 4.5,
}


def safety_values(figures) -> dict:
    return {key: value for key, value in figures.values.items() if key.startswith("safety.")}


def test_the_health_and_safety_figures_of_a_built_month(safe_march):
    assert safety_values(compute_figures(start=MARCH, end=APRIL)) == MARCH_SAFETY


def test_a_branch_counts_its_own_reports_inspections_actions_and_machines(safe_march):
    _central, east = safe_march
    assert safety_values(compute_figures(start=MARCH, end=APRIL, branch=east)) == {
        "safety.incidents": 1,
        "safety.incidents_none": 0,
        "safety.incidents_first_aid": 1,
        "safety.incidents_medical_treatment": 0,
        "safety.incidents_lost_time": 0,
        "safety.incidents_critical": 0,
        "safety.near_misses": 1,
        "safety.hazards": 1,
        "safety.inspections_due": 1,
        "safety.inspections_on_time": 0,
        "safety.actions_open": 1,
        "safety.actions_overdue": 1,
        "safety.equipment_days_out": 1.0,
    }


def test_every_figure_has_a_one_line_definition(db):
    for figure in FIGURES:
        if figure.area == "safety":
            assert figure.definition and "\n" not in figure.definition


def test_the_safety_figures_take_as_many_queries_whatever_the_data(safe_march, django_assert_num_queries):
    with django_assert_num_queries(4) as small:
        compute_figures(start=MARCH, end=APRIL, keys=list(MARCH_SAFETY))
    central, _east = safe_march
    rep = UserFactory()
    for day in range(1, 28):
        report(central, SafetyReport.Kind.HAZARD, at(dt.date(2026, 3, day), 9), reported_by=rep)
        Inspection.objects.create(branch=BranchFactory(), month=MARCH, due_on=dt.date(2026, 3, 31))
    with django_assert_num_queries(len(small.captured_queries)):
        figures = compute_figures(start=MARCH, end=APRIL, keys=list(MARCH_SAFETY))
    assert figures.values["safety.hazards"] == 3 + 27


@pytest.fixture
def closed(safe_march, settings, coordinator):
    settings.BOARD_REPORT_EMAILS = []
    return services.month_close(month=MARCH, now=AFTER_MARCH)


def url(name: str, *args, **query) -> str:
    address = reverse(f"stats_reports:{name}", args=args)
    return address + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_section_is_in_the_pdf_the_xlsx_and_the_csv_with_counts_only(client, coordinator, closed):
    client.force_login(coordinator)

    pdf = client.get(url("pdf", "2026-03"))
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages).split())
    assert "Health and safety" in text
    assert re.search(r"Equipment days out of service\s*\d*\s+4\.5 days", text)
    assert re.search(r"Incidents: critical injury\s*\d*\s+1\b", text)
    assert "Of the inspections due in the period, those recorded by the end of their due day." in text

    workbook = load_workbook(io.BytesIO(client.get(url("xlsx", "2026-03")).content))
    sheet = {row[0]: row for row in workbook["Health and safety"].iter_rows(min_row=3, values_only=True)}
    assert sheet["Incidents"][1:3] == ("number", 4)
    assert sheet["Inspections done on time"][2] == 1
    assert sheet["Corrective actions overdue"][2] == 3
    assert sheet["Equipment days out of service"][1:3] == ("days", 4.5)

    rows = list(csv.reader(io.StringIO(client.get(url("csv", "2026-03", area="safety")).content.decode())))
    assert rows[0] == ["Health and safety, March 2026"]
    by_label = {row[0]: row for row in rows[2:] if row}
    assert by_label["Near misses"][1:3] == ["number", "2"]
    assert by_label["Hazards reported"][2] == "3"
    assert by_label["Corrective actions open"][2] == "4"
    archive = zipfile.ZipFile(io.BytesIO(client.get(url("csv_zip", "2026-03")).content))
    assert "report-2026-03-safety.csv" in archive.namelist()

    everything = " ".join(
        [
            text,
            " ".join(str(value) for sheet in workbook for row in sheet.iter_rows(values_only=True) for value in row),
            " ".join(archive.read(name).decode() for name in archive.namelist()),
            client.get(url("detail", "2026-03")).content.decode(),
        ]
    )
    for secret in SECRETS:
        assert secret not in everything
