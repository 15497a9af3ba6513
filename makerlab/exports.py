"""Cells for every spreadsheet the Maker Lab writes (CSV and XLSX): text stays text, numbers stay numbers.

Staff and patrons type free text that ends up in exports (an outcome topic, a program title, a contact name).
A spreadsheet runs a cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before one) as a
formula, which can fetch a web address with the neighbouring cells in it. Following OWASP's advice on CSV
injection, such text gets a leading apostrophe, and in XLSX every text cell is also typed as a string.
Every export writes its rows through these helpers, so the rule has one owner.
"""

import csv
import io
from collections.abc import Iterable, Iterator

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: str) -> str:
    """The text as a spreadsheet shows it and never runs it: a leading apostrophe before a formula-like start."""
    return f"'{value}" if value.startswith(FORMULA_PREFIXES) else value


def spreadsheet_cell(value):
    """Any cell value: text is neutralised; numbers, dates, booleans and empty cells are left as they are."""
    return spreadsheet_text(value) if isinstance(value, str) else value


def spreadsheet_row(values: Iterable) -> list:
    return [spreadsheet_cell(value) for value in values]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable]) -> Iterator[str]:
    """Each row as one line of CSV, for a streaming response."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow(spreadsheet_row(row))


def csv_text(rows: Iterable[Iterable]) -> str:
    output = io.StringIO()
    writer = csv.writer(output)
    for row in rows:
        writer.writerow(spreadsheet_row(row))
    return output.getvalue()


def sheet_append(sheet, values: Iterable) -> None:
    """Append a row to an openpyxl sheet with every text cell typed as a string, never a formula."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    row = [ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value for value in values]
    row = spreadsheet_row(row)
    sheet.append(row)
    for cell, value in zip(sheet[sheet.max_row], row, strict=False):
        if isinstance(value, str):
            cell.data_type = "s"


def spreadsheet_text_read(value: str) -> str:
    """Undo ``spreadsheet_text`` when a file we exported comes back as an import."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES) else value


class SpreadsheetTextResourceMixin:
    """For django-import-export resources: exported text cells go through ``spreadsheet_cell``, in every format,
    and an apostrophe added on export is taken off again on import."""

    def export_field(self, field, instance, **kwargs):
        return spreadsheet_cell(super().export_field(field, instance, **kwargs))

    def before_import_row(self, row, **kwargs) -> None:
        for key, value in row.items():
            if isinstance(value, str):
                row[key] = spreadsheet_text_read(value)
        super().before_import_row(row, **kwargs)
