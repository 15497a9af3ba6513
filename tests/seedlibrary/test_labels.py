"""Packet labels: a PDF sheet for a lot with the variety, lot, sowing dates and a QR code to its page."""

import io

import pytest
import segno
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from seedlibrary import labels
from tests.factories import StockFactory, VarietyFactory, lendable_lot

pytestmark = pytest.mark.django_db


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def pdf_pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def lot(branch):
    variety = VarietyFactory(
        common_name="Tomato",
        variety_name="Brandywine",
        slug="tomato-brandywine",
        botanical_name="Solanum lycopersicum",
        sow_indoors_weeks_before_frost=6,
    )
    return lendable_lot(branch=branch, variety=variety, packets=12, code="TOM-BRAN-2026-003", harvest_year=2025)


def test_the_label_sheet_names_the_seed_and_links_to_its_page(lot, settings):
    settings.SITE_URL = "https://makerlab.example.org"
    sheet = labels.label_sheet(lot=lot, count=4, today=timezone.localdate())
    assert sheet.variety_url == "https://makerlab.example.org/seeds/tomato-brandywine/"
    html = labels.label_sheet_html(sheet)
    expected_qr = segno.make(sheet.variety_url, error="m")
    assert html.count("<svg") == 4
    assert expected_qr.svg_inline(scale=1, border=2, omitsize=True).split('d="')[1] in html
    text = pdf_text(labels.label_sheet_pdf(sheet))
    assert text.count("TOM-BRAN-2026-003") == 4
    assert "Brandywine" in text and "Solanum lycopersicum" in text
    assert "Harvest 2025" in text and "Seed saving: Easy" in text
    assert "Start indoors" in text


def test_a_sheet_holds_21_labels_and_more_go_on_the_next_page(lot):
    sheet = labels.label_sheet(lot=lot, count=22, today=timezone.localdate())
    assert [len(rows) for rows in sheet.sheets] == [7, 1]
    assert sheet.sheets[1][0] == [22, None, None]
    assert pdf_pages(labels.label_sheet_pdf(sheet)) == 2


def test_staff_download_labels_one_per_packet_by_default(client, assistant, lot, branch):
    StockFactory(lot=lot, branch=branch.__class__.objects.create(name="East", slug="east"), packets=3)
    client.force_login(assistant)
    response = client.get(reverse("seed_labels:lot_labels", args=[lot.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert pdf_text(response.content).count("TOM-BRAN-2026-003") == 15


def test_staff_choose_how_many_labels(client, assistant, lot):
    client.force_login(assistant)
    response = client.get(reverse("seed_labels:lot_labels", args=[lot.pk]), {"count": 2})
    assert pdf_text(response.content).count("TOM-BRAN-2026-003") == 2


@pytest.mark.parametrize(
    ("count", "message"),
    [("0", "at least 1"), ("211", "at most 210"), ("many", "whole number"), ("-5", "at least 1")],
)
def test_a_bad_number_of_labels_is_explained(client, assistant, lot, count, message):
    client.force_login(assistant)
    response = client.get(reverse("seed_labels:lot_labels", args=[lot.pk]), {"count": count})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_labels_are_for_staff_only(client, volunteer, lot):
    url = reverse("seed_labels:lot_labels", args=[lot.pk])
    assert client.get(url).status_code == 302
    client.force_login(volunteer)
    assert client.get(url).status_code == 403
    assert client.get("/staff/seeds/lots/999999/labels.pdf").status_code == 403
