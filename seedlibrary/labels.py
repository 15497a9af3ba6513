"""Packet labels: a Letter sheet of 3 by 7 labels for a lot, as a PDF (WeasyPrint).

Each label names the variety and lot, says how hard its seed is to save and when to sow it, and carries a
QR code (drawn by segno as SVG, so nothing is fetched) that opens the variety's public page.
"""

import datetime as dt
from dataclasses import dataclass

import segno
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from makerlab.http import site_url
from makerlab.pdf import html_to_pdf
from seedlibrary.catalogue import sowing_summary
from seedlibrary.models import Lot

COLUMNS = 3
ROWS = 7
LABELS_PER_SHEET = COLUMNS * ROWS
MOST_LABELS = 210


@dataclass(frozen=True)
class LabelSheet:
    lot: Lot
    count: int
    variety_url: str
    sowing: str
    qr_svg: SafeString

    @property
    def sheets(self) -> list[list[list[int | None]]]:
        """The labels laid out as sheets of rows of label numbers; the last row is padded with None."""
        numbers: list[int | None] = list(range(1, self.count + 1))
        numbers += [None] * (-self.count % COLUMNS)
        rows = [numbers[i : i + COLUMNS] for i in range(0, len(numbers), COLUMNS)]
        return [rows[i : i + ROWS] for i in range(0, len(rows), ROWS)]


def variety_public_url(lot: Lot) -> str:
    return site_url(reverse("seeds:variety", kwargs={"slug": lot.variety.slug}))


def qr_svg(url: str, *, title: str) -> SafeString:
    """An inline SVG QR code for ``url``; segno escapes the title, and the rest is drawn from the URL's bits."""
    code = segno.make(url, error="m")
    return mark_safe(code.svg_inline(scale=1, border=2, omitsize=True, title=title, svgclass="qr"))  # noqa: S308


def label_sheet(*, lot: Lot, count: int, today: dt.date) -> LabelSheet:
    if not 1 <= count <= MOST_LABELS:
        raise ValueError(f"Between 1 and {MOST_LABELS} labels, not {count}.")
    url = variety_public_url(lot)
    return LabelSheet(
        lot=lot,
        count=count,
        variety_url=url,
        sowing=sowing_summary(lot.variety, today=today),
        qr_svg=qr_svg(url, title=f"QR code: {lot.variety} in the seed library catalogue"),
    )


def label_sheet_html(sheet: LabelSheet) -> str:
    return render_to_string("seedlibrary/labels.html", {"sheet": sheet, "lot": sheet.lot, "variety": sheet.lot.variety})


def label_sheet_pdf(sheet: LabelSheet) -> bytes:
    return html_to_pdf(label_sheet_html(sheet), what="labels")
