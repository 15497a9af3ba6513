"""The printed report: no page ends with a section heading or a table's caption left without its table.

Drawn from the demo's closed months, whose tables and charts differ in length from month to month, so headings
fall at every height of a page; before headings were kept with their tables, one of them ("Programs") ended a page.
"""

import io

import pytest
from pypdf import PdfReader

from stats import exports
from stats.figures import AREAS, BREAKDOWNS
from stats.models import MonthlyReport
from stats.selectors import report_view_of

pytestmark = pytest.mark.django_db

HEADINGS = {area.title for area in AREAS} | {
    "Big changes since last year",
    "In patrons' words",
    "How each figure is counted",
}


def _stranded_lines(pdf: bytes, month_label: str) -> list[tuple[int, str]]:
    """(page, line) for each page whose last line of text, above the page number, is a heading or a caption."""
    captions = {f"{title}, {month_label}" for title in BREAKDOWNS.values()}
    stranded = []
    for number, page in enumerate(PdfReader(io.BytesIO(pdf)).pages, start=1):
        lines = [line.strip() for line in page.extract_text().splitlines() if line.strip()]
        lines = [line for line in lines if not line.startswith("Page ")]
        last = lines[-1] if lines else ""
        if last in HEADINGS or last in captions or last.endswith(f": {month_label}, year to date and last year"):
            stranded.append((number, last))
    return stranded


def test_no_page_of_any_closed_month_ends_with_a_heading(demo):
    reports = list(MonthlyReport.objects.defer("pdf").order_by("month"))
    assert len(reports) >= 6
    for report in reports:
        pdf = exports.report_pdf(report_view_of(report))
        assert len(PdfReader(io.BytesIO(pdf)).pages) > 3
        assert _stranded_lines(pdf, f"{report.month:%B %Y}") == [], f"{report.month:%B %Y}"
