"""The printable safe operating procedure posted beside a machine (PDF, WeasyPrint), with the hazards and protective
equipment of its safety profile and a QR code (segno, drawn as SVG so nothing is fetched) to the procedure's page."""

from dataclasses import dataclass

import segno
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from makerlab.pdf import html_to_pdf
from safety.selectors import ProcedurePage


@dataclass(frozen=True)
class ProcedureSheet:
    page: ProcedurePage
    url: str
    qr_svg: SafeString


def procedure_sheet(*, page: ProcedurePage, url: str) -> ProcedureSheet:
    """The sheet of the page's current procedure; ``url`` is the procedure's public page, which the QR code opens."""
    code = segno.make(url, error="m")
    title = f"QR code: the safe operating procedure of {page.equipment} online"
    svg = code.svg_inline(scale=1, border=2, omitsize=True, title=title, svgclass="qr")
    # segno draws the SVG from the address's bits and escapes the title.
    return ProcedureSheet(page=page, url=url, qr_svg=mark_safe(svg))  # noqa: S308


def procedure_sheet_html(sheet: ProcedureSheet) -> str:
    return render_to_string("safety/procedure_sheet.html", {"sheet": sheet, "page": sheet.page})


def procedure_sheet_pdf(sheet: ProcedureSheet) -> bytes:
    return html_to_pdf(procedure_sheet_html(sheet), what="a procedure")
