"""The monthly report as files: PDF (from the web page's template), XLSX and CSV; and the annual survey export.

Each export is built from a ``ReportView`` of the frozen snapshot, so its numbers are the page's.
Numbers are written as numbers (a spreadsheet can add them up); "no data" cells stay empty.
"""

import io
import zipfile

from django.conf import settings
from django.template.loader import render_to_string

from makerlab.exports import csv_text, sheet_append
from makerlab.pdf import html_to_pdf
from stats import figures as stats_figures
from stats.figures import DISPLAY_USE_TITLE
from stats.selectors import AnnualLine, ReportView

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIGURE_COLUMNS = ["Figure", "Unit", "This month", "Year to date", "Same month last year", "Change (%)", "Flagged"]
DISPLAY_COLUMNS = [
    "Display",
    "Branch",
    "On from",
    "On until",
    "Counted",
    "Before",
    "Before, days",
    "Before, a week",
    "During and after",
    "During and after, days",
    "During and after, a week",
    "Change (%)",
]
UNIT_NAMES = {"count": "number", "minutes": "minutes", "hours": "hours", "days": "days", "percent": "percent"}


def _figure_row(row) -> list:
    return [
        row.label,
        UNIT_NAMES.get(row.unit, row.unit),
        row.month,
        row.year_to_date,
        row.last_year,
        row.change,
        f"Changed by {settings.REPORT_CHANGE_FLAG_PERCENT}% or more" if row.flagged else "",
    ]


def _display_rows(section) -> list[list]:
    """The use of what each display featured, a row per display and measure; the change is "new" when there was
    nothing before, and empty when there was nothing either time."""
    rows = []
    for display_rows in section.displays:
        display = display_rows.display
        for line in display_rows.lines:
            comparison = line.comparison
            change = "new" if comparison.is_new else comparison.change
            rows.append(
                [
                    display.title,
                    display.branch,
                    display.starts_on,
                    display.ends_on,
                    comparison.measure,
                    comparison.before,
                    comparison.before_days,
                    comparison.before_per_week,
                    comparison.after,
                    comparison.after_days,
                    comparison.after_per_week,
                    change,
                ]
            )
    return rows


def report_csv(view: ReportView, *, area: str) -> str:
    """One area's figures and breakdown tables as CSV text."""
    section = view.section(area)
    if section is None:
        raise KeyError(area)
    rows = [[f"{section.title}, {view.month:%B %Y}"], FIGURE_COLUMNS]
    rows += [["" if value is None else value for value in _figure_row(row)] for row in section.rows]
    for breakdown in section.breakdowns:
        rows += [[], [breakdown.title, "Value"], *([label, value] for label, value in breakdown.rows)]
    if section.displays:
        rows += [[], [DISPLAY_USE_TITLE], DISPLAY_COLUMNS, *_display_rows(section)]
    return csv_text(rows)


def report_csv_zip(view: ReportView) -> bytes:
    """Every area's CSV in one zip file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for section in view.sections:
            archive.writestr(f"report-{view.key}-{section.key}.csv", report_csv(view, area=section.key))
    return buffer.getvalue()


def _autosize(sheet, widths: list[int]) -> None:
    from openpyxl.utils import get_column_letter

    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def report_xlsx(view: ReportView) -> bytes:
    """One sheet per area (figures, then its breakdown tables), a sheet of flagged changes and one of definitions."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for section in view.sections:
        sheet = workbook.create_sheet(title=section.title[:31])
        sheet_append(sheet, [f"{section.title}, {view.month:%B %Y}"])
        sheet["A1"].font = bold
        sheet_append(sheet, FIGURE_COLUMNS)
        for cell in sheet[2]:
            cell.font = bold
        for row in section.rows:
            sheet_append(sheet, _figure_row(row))
        for breakdown in section.breakdowns:
            sheet_append(sheet, [])
            sheet_append(sheet, [breakdown.title, "Value"])
            sheet.cell(row=sheet.max_row, column=1).font = bold
            for label, value in breakdown.rows:
                sheet_append(sheet, [label, value])
        if section.displays:
            sheet_append(sheet, [])
            sheet_append(sheet, [DISPLAY_USE_TITLE])
            sheet.cell(row=sheet.max_row, column=1).font = bold
            sheet_append(sheet, DISPLAY_COLUMNS)
            for cell in sheet[sheet.max_row]:
                cell.font = bold
            for row in _display_rows(section):
                sheet_append(sheet, row)
        sheet.freeze_panes = "A3"
        _autosize(sheet, [44, 10, 14, 14, 22, 12, 24])
    definitions = workbook.create_sheet(title="Definitions")
    sheet_append(definitions, ["Note", "Figure", "What it counts"])
    for cell in definitions[1]:
        cell.font = bold
    for note in view.footnotes:
        sheet_append(definitions, [note.number, note.label, note.definition])
    sheet_append(definitions, [])
    sheet_append(definitions, ["", "Year to date", _year_to_date_note(view)])
    change_note = "This month compared with the same month last year, as a percent of last year."
    sheet_append(definitions, ["", "Change", change_note])
    _autosize(definitions, [8, 40, 100])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _year_to_date_note(view: ReportView) -> str:
    start = f" (from {view.year_to_date_start:%B %Y})" if view.year_to_date_start else ""
    return f"The library's fiscal year to date{start}, up to and including this month."


def report_html(view: ReportView, *, for_print: bool, request=None, sending=None) -> str:
    """The report page; for print, the same template inside a bare page with its own styles for WeasyPrint.

    ``sending`` (a ``BoardSending``) shows the coordinator when the board gets the report, and the button to send it.
    """
    return render_to_string(
        "stats/report.html",
        {
            "report": view,
            "sending": sending,
            "base_template": "stats/report_print_base.html" if for_print else "staff_base.html",
            "for_print": for_print,
            "library_name": settings.LIBRARY_NAME,
            "flag_percent": settings.REPORT_CHANGE_FLAG_PERCENT,
        },
        request=request,
    )


def report_pdf(view: ReportView) -> bytes:
    return html_to_pdf(report_html(view, for_print=True), what="the report")


ANNUAL_COLUMNS = ["Section", "Line", "Value"]


def annual_csv(lines: list[AnnualLine], *, year: int) -> str:
    rows = [[f"Maker Lab totals for {year}, for the annual public library survey"], ANNUAL_COLUMNS]
    return csv_text(rows + [[line.section, line.label, line.value] for line in lines])


def annual_xlsx(lines: list[AnnualLine], *, year: int) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"Annual survey {year}"
    sheet_append(sheet, [f"Maker Lab totals for {year}, for the annual public library survey"])
    sheet["A1"].font = Font(bold=True)
    sheet_append(sheet, ANNUAL_COLUMNS)
    for line in lines:
        sheet_append(sheet, [line.section, line.label, line.value])
    _autosize(sheet, [24, 52, 12])
    notes = workbook.create_sheet(title="Definitions")
    sheet_append(notes, ["Line", "What it counts"])
    for label, text in ANNUAL_NOTES:
        sheet_append(notes, [label, text])
    _autosize(notes, [40, 110])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


ANNUAL_NOTES = [
    ("Period", "The calendar year, 1 January to 31 December, Toronto time; every branch."),
    ("Program sessions held", stats_figures.FIGURES_BY_KEY["programs.sessions_delivered"].definition),
    ("Attendance", stats_figures.FIGURES_BY_KEY["programs.attendance"].definition),
    (
        "Audiences",
        "Children, teens and adults as each program's audience; family and all-ages programs count as all ages.",
    ),
    ("Outreach", "Sessions at partner sites; they are also counted on their audience's line."),
    ("Technology help sessions", stats_figures.FIGURES_BY_KEY["bookings.attended"].definition),
]
