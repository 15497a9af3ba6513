"""The monthly report's page and downloads: same numbers everywhere, aggregates only, bad parameters, admin."""

import csv
import datetime as dt
import io
import re
import zipfile
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from makerlab.cards import card_number_make
from programs.models import Audience, Session
from stats import services
from stats.figures import AREAS, FIGURES
from stats.models import MonthlyReport, ReportClosing
from tests.conftest import PASSWORD
from tests.factories import (
    PatronFactory,
    ProgramFactory,
    ServiceTypeFactory,
    SurveyResponseFactory,
    UserFactory,
    at,
    make_booking,
)

MARCH = dt.date(2026, 3, 1)
AFTER_MARCH = at(dt.date(2026, 4, 2), 9)
SECRETS = [
    "Zebulon",
    "Quixotely",
    "zq-private@example.net",
    card_number_make(777),
    "SECRET-NOTE-4471",
    "SECRET-ACCESS-9921",
    "SECRET-UNCHOSEN-ANSWER",
]
QUOTE = "The 3D printing orientation made it all click."


@pytest.fixture
def closed_march(db, settings):
    settings.BOARD_REPORT_EMAILS = []
    patron = PatronFactory(
        first_name="Zebulon", last_name="Quixotely", email="zq-private@example.net", card_number=card_number_make(777)
    )
    service = ServiceTypeFactory(name="Tech help: phone, tablet, laptop")
    for index, status in enumerate(["attended", "attended", "attended", "no_show", "cancelled"]):
        make_booking(
            service_type=service,
            patron=patron,
            starts_at=at(dt.date(2026, 3, 9 + index), 10),
            status=status,
            outcome_notes="SECRET-NOTE-4471",
            outcome_topic="Set up a new phone",
            accessibility_needs="SECRET-ACCESS-9921",
        )
    make_booking(service_type=service, starts_at=at(dt.date(2025, 3, 10), 10), status="attended")
    chosen = SurveyResponseFactory(month=MARCH, liked_most=QUOTE)
    SurveyResponseFactory(month=MARCH, could_do_better="SECRET-UNCHOSEN-ANSWER")
    report = services.month_close(month=MARCH, now=AFTER_MARCH)
    return services.report_quotes_set(report=report, response_ids=[chosen.pk])


def url(name: str, *args, **query) -> str:
    address = reverse(f"stats_reports:{name}", args=args)
    return address + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def page_rows(html: str) -> dict[str, list[str]]:
    """Each figure row of the page by key: this month, year to date, last year, change (as shown)."""
    rows = {}
    for key, body in re.findall(r'<tr data-key="([\w.]+)">(.*?)</tr>', html, flags=re.S):
        cells = re.findall(r'<td class="text-end">(.*?)</td>', body, flags=re.S)
        rows[key] = [unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells]
    return rows


def as_number(text: str):
    if text == "no data":
        return None
    number = re.match(r"-?[\d,]+(\.\d+)?", text).group(0).replace(",", "")
    return float(number)


def test_the_coordinator_reads_the_report_with_frozen_figures_flags_and_the_chosen_quote(
    client, coordinator, closed_march
):
    client.force_login(coordinator)
    response = client.get(url("detail", "2026-03"))
    assert response.status_code == 200
    html = response.content.decode()
    rows = page_rows(html)
    assert set(rows) == {figure.key for figure in FIGURES}
    assert rows["bookings.attended"][:3] == ["3", "3", "1"]
    assert rows["bookings.attended"][3].startswith("up 200.0% Big change")
    assert rows["bookings.help_minutes"][0] == "135 minutes"
    assert QUOTE in html
    assert "How each figure is counted" in html
    assert 'role="img"' in html  # the chart beside the table


def test_the_board_reads_reports_but_others_may_not(client, board_member, assistant, closed_march):
    for name, args in [("list", ()), ("detail", ("2026-03",)), ("xlsx", ("2026-03",))]:
        client.logout()
        assert client.get(url(name, *args)).status_code == 302  # to the login page
        client.force_login(assistant)
        assert client.get(url(name, *args)).status_code == 403
        client.force_login(board_member)
        assert client.get(url(name, *args)).status_code == 200


def test_the_xlsx_has_a_sheet_per_area_with_real_numbers_equal_to_the_page(client, coordinator, closed_march):
    client.force_login(coordinator)
    rows = page_rows(client.get(url("detail", "2026-03")).content.decode())
    response = client.get(url("xlsx", "2026-03"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == [area.title for area in AREAS] + ["Definitions"]
    labels = {figure.label: figure.key for figure in FIGURES}
    compared = 0
    for area in AREAS:
        sheet = workbook[area.title]
        assert [cell.value for cell in sheet[2]][:6] == [
            "Figure",
            "Unit",
            "This month",
            "Year to date",
            "Same month last year",
            "Change (%)",
        ]
        for label, _unit, month, ytd, last_year, _change, _flag in sheet.iter_rows(min_row=3, values_only=True):
            if label not in labels:
                break  # the breakdown tables follow the figures
            shown = rows[labels[label]]
            for value, text in zip((month, ytd, last_year), shown[:3], strict=True):
                assert value is None or isinstance(value, int | float), (label, value)
                assert value == as_number(text), (label, value, text)
            compared += 1
    assert compared == len(FIGURES)
    attended = next(r for r in workbook["1-on-1 help"].iter_rows(values_only=True) if r[0] == "Sessions attended")
    assert attended[2:6] == (3, 3, 1, 200.0)
    assert attended[6].startswith("Changed by 10% or more")


def test_the_pdf_is_made_from_the_page_and_holds_its_figures(client, coordinator, closed_march):
    client.force_login(coordinator)
    response = client.get(url("pdf", "2026-03"))
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    assert "monthly report, March 2026" in text
    assert "Sessions attended" in text
    assert "135 minutes" in text
    assert "up 200.0% Big change" in text
    assert QUOTE in text
    assert "How each figure is counted" in text


def test_a_csv_per_area_and_a_zip_of_them_all(client, coordinator, closed_march):
    client.force_login(coordinator)
    response = client.get(url("csv", "2026-03", area="bookings"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["1-on-1 help, March 2026"]
    assert rows[3][:6] == ["Sessions attended", "number", "3", "3", "1", "200.0"]
    archive = zipfile.ZipFile(io.BytesIO(client.get(url("csv_zip", "2026-03")).content))
    assert sorted(archive.namelist()) == sorted(f"report-2026-03-{area.key}.csv" for area in AREAS)


def _export_texts(client) -> dict[str, str]:
    texts = {
        "page": client.get(url("detail", "2026-03")).content.decode(),
        "list": client.get(url("list")).content.decode(),
        "pdf": " ".join(
            p.extract_text() for p in PdfReader(io.BytesIO(client.get(url("pdf", "2026-03")).content)).pages
        ),
        "annual csv": client.get(url("annual_csv", "2025")).content.decode(),
    }
    for name, args in [("xlsx", ("2026-03",)), ("annual_xlsx", ("2025",))]:
        workbook = load_workbook(io.BytesIO(client.get(url(name, *args)).content))
        texts[name] = " ".join(
            str(value) for sheet in workbook for row in sheet.iter_rows(values_only=True) for value in row
        )
    archive = zipfile.ZipFile(io.BytesIO(client.get(url("csv_zip", "2026-03")).content))
    texts["csv zip"] = " ".join(archive.read(name).decode() for name in archive.namelist())
    return texts


def test_exports_hold_aggregates_only_no_names_emails_cards_or_free_text(client, coordinator, closed_march):
    client.force_login(coordinator)
    for name, text in _export_texts(client).items():
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} appears in the {name}"
    assert QUOTE in _export_texts(client)["page"]


@pytest.mark.parametrize(
    "address, message",
    [
        ("/staff/stats/reports/2026-13/", "We could not read that month"),
        ("/staff/stats/reports/abc/", "We could not read that month"),
        ("/staff/stats/reports/0000-01.xlsx", "We could not read that month"),
        ("/staff/stats/reports/2999-01/", "is not over yet"),
        ("/staff/stats/reports/2026-02.pdf", "February 2026 has not been closed"),
        ("/staff/stats/reports/2026-03.csv?area=patrons%27--", "We do not know that area"),
        ("/staff/stats/reports/2026-03.csv", "We do not know that area"),
        ("/staff/stats/reports/annual/abcd.csv", "We could not read that year"),
        ("/staff/stats/reports/annual/1850.xlsx", "We could not read that year"),
        ("/staff/stats/reports/annual/2999.csv", "2999 is not over yet"),
    ],
)
def test_bad_report_parameters_get_a_clear_page_never_an_error(client, coordinator, closed_march, address, message):
    client.force_login(coordinator)
    response = client.get(address)
    assert response.status_code == 404
    assert message in unescape(response.content.decode())
    assert MonthlyReport.objects.count() == 1


def test_the_annual_export_counts_programs_by_audience_and_technology_help(client, coordinator, settings):
    settings.BOARD_REPORT_EMAILS = []
    service = ServiceTypeFactory()
    for day in (3, 4):
        make_booking(service_type=service, starts_at=at(dt.date(2025, 6, day), 10), status="attended")
    make_booking(service_type=service, starts_at=at(dt.date(2026, 1, 5), 10), status="attended")
    for audience, count in [(Audience.CHILDREN, 2), (Audience.FAMILIES, 1), (Audience.ALL_AGES, 1)]:
        program = ProgramFactory(audience=audience)
        for number in range(count):
            start = at(dt.date(2025, 5, 1 + number), 15)
            Session.objects.create(program=program, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    cancelled_start = at(dt.date(2025, 5, 9), 15)
    Session.objects.create(
        program=ProgramFactory(audience=Audience.TEENS),
        starts_at=cancelled_start,
        ends_at=cancelled_start + dt.timedelta(hours=1),
        cancelled_at=cancelled_start,
    )
    client.force_login(coordinator)

    response = client.get(url("annual_csv", "2025"))

    lines = {row[1]: row[2] for row in csv.reader(io.StringIO(response.content.decode())) if len(row) == 3}
    assert lines["Children: program sessions held"] == "2"
    assert lines["Teens: program sessions held"] == "0"
    assert lines["All ages (families and intergenerational): program sessions held"] == "2"
    assert lines["Technology help sessions (1-on-1, attended)"] == "2"
    workbook = load_workbook(io.BytesIO(client.get(url("annual_xlsx", "2025")).content))
    values = {row[1]: row[2] for row in workbook.worksheets[0].iter_rows(min_row=3, values_only=True)}
    assert values["Children: program sessions held"] == 2
    assert values["Technology help sessions (1-on-1, attended)"] == 2


def _more_reports(count: int) -> None:
    template = MonthlyReport.objects.get(month=MARCH)
    for months_back in range(1, count + 1):
        year, month = divmod(2026 * 12 + 2 - months_back, 12)
        MonthlyReport.objects.create(month=dt.date(year, month + 1, 1), figures=template.figures)


def test_report_pages_take_the_same_queries_with_more_reports(
    client, coordinator, closed_march, django_assert_num_queries
):
    client.force_login(coordinator)
    client.get(url("list"))  # the session and permission caches warmed
    with CaptureQueriesContext(connection) as small_list:
        assert client.get(url("list")).status_code == 200
    with CaptureQueriesContext(connection) as small_page:
        assert client.get(url("detail", "2026-03")).status_code == 200
    assert len(small_list.captured_queries) <= 8
    assert len(small_page.captured_queries) <= 8
    _more_reports(30)
    with django_assert_num_queries(len(small_list.captured_queries)):
        assert client.get(url("list")).status_code == 200
    with django_assert_num_queries(len(small_page.captured_queries)):
        assert client.get(url("detail", "2026-03")).status_code == 200


# --- The admin: close a month, close again with a reason, choose quotes. ---------------------------------------


def test_the_coordinator_closes_a_month_in_the_admin(client, coordinator, settings):
    settings.BOARD_REPORT_EMAILS = []
    client.force_login(coordinator)
    add = reverse("admin:stats_monthlyreport_add")
    assert client.get(add).status_code == 200
    response = client.post(add, {"month": "2026-03"})
    assert response.status_code == 302
    assert MonthlyReport.objects.get().month == MARCH


@pytest.mark.parametrize(
    "month, code",
    [("2026-13", "unreadable_month"), ("<script>", "unreadable_month"), ("2999-01", "not_over")],
)
def test_the_admin_close_form_refuses_bad_months(client, coordinator, month, code):
    client.force_login(coordinator)
    response = client.post(reverse("admin:stats_monthlyreport_add"), {"month": month})
    assert response.status_code == 400
    (refusal,) = response.context["form"].errors.as_data()["month"]
    assert refusal.code == code
    assert refusal.messages[0] in unescape(response.content.decode())
    assert not MonthlyReport.objects.exists()


def _action(client, action: str, report: MonthlyReport, **data):
    return client.post(
        reverse("admin:stats_monthlyreport_changelist"),
        {"action": action, "_selected_action": [report.pk], **data},
    )


def test_close_again_in_the_admin_needs_a_reason(client, coordinator, closed_march):
    client.force_login(coordinator)
    form = _action(client, "close_again", closed_march)
    assert form.status_code == 200
    assert "Why close it again?" in form.content.decode()
    empty = _action(client, "close_again", closed_march, apply="1", reason="  ")
    assert empty.status_code == 400
    assert MonthlyReport.objects.get().version == 1
    done = _action(client, "close_again", closed_march, apply="1", reason="Attendance of the 12th corrected.")
    assert done.status_code == 302
    assert MonthlyReport.objects.get().version == 2
    assert ReportClosing.objects.get(version=2).reason == "Attendance of the 12th corrected."


def test_the_board_cannot_close_months_in_the_admin(client, closed_march):
    board = UserFactory(username="board-staff", is_staff=True, role="Board")
    client.force_login(board)
    assert client.get(reverse("admin:stats_monthlyreport_add")).status_code == 403
    _action(client, "close_again", closed_march, apply="1", reason="No.")
    assert MonthlyReport.objects.get().version == 1


def test_choosing_quotes_in_the_admin(client, coordinator, closed_march):
    client.force_login(coordinator)
    form = _action(client, "choose_quotes", closed_march)
    html = unescape(form.content.decode())
    assert QUOTE in html and "SECRET-UNCHOSEN-ANSWER" in html  # the coordinator reads every answer to choose
    other_month = SurveyResponseFactory(month=dt.date(2026, 2, 1), liked_most="x")
    refused = _action(client, "choose_quotes", closed_march, apply="1", responses=[other_month.pk])
    assert refused.status_code == 400
    assert MonthlyReport.objects.get().quotes[0]["liked_most"] == QUOTE
    cleared = _action(client, "choose_quotes", closed_march, apply="1")
    assert cleared.status_code == 302
    assert MonthlyReport.objects.get().quotes == []


def test_more_than_three_quotes_are_refused(db, closed_march):
    responses = [SurveyResponseFactory(month=MARCH, liked_most=f"Good {n}") for n in range(4)]
    with pytest.raises(ValidationError):
        services.report_quotes_set(report=closed_march, response_ids=[r.pk for r in responses])
    assert MonthlyReport.objects.get().quotes[0]["liked_most"] == QUOTE


@pytest.mark.browser
def test_the_coordinator_opens_the_reports_in_a_browser(
    page, live_server, assert_accessible, transactional_db, settings
):
    settings.BOARD_REPORT_EMAILS = []
    UserFactory(username="coordinator", is_staff=True, role="Coordinator")
    make_booking(service_type=ServiceTypeFactory(), starts_at=at(dt.date(2026, 3, 10), 10), status="attended")
    services.month_close(month=MARCH, now=AFTER_MARCH)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    # From the dashboard to the closed month's report.
    page.goto("/staff/stats/?start=2026-01&end=2026-06")
    assert_accessible(page)
    page.get_by_role("link", name="Report for March 2026").click()
    expect(page.get_by_role("heading", name="monthly report, March 2026")).to_be_visible()
    attended_row = page.locator("tr[data-key='bookings.attended']")
    expect(attended_row).to_contain_text("Sessions attended")
    attended_on_page = attended_row.locator("td").first.inner_text().strip()
    assert attended_on_page == "1"
    assert_accessible(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download as a spreadsheet (XLSX)").click()
    assert download.value.suggested_filename == "report-2026-03.xlsx"
    workbook = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert workbook["1-on-1 help"]["C4"].value == int(attended_on_page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download as PDF").click()
    pdf_text = " ".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    assert re.search(r"Sessions attended\s*\d*\s+1\b", pdf_text)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download every area as CSV (zip)").click()
    archive = zipfile.ZipFile(download.value.path())
    rows = list(csv.reader(io.StringIO(archive.read("report-2026-03-bookings.csv").decode())))
    assert ["Sessions attended", "number", attended_on_page] == rows[3][:3]

    page.goto(url("list"))
    expect(page.get_by_role("heading", name="Monthly reports")).to_be_visible()
    assert_accessible(page)
    page.goto("/staff/stats/reports/2026-13/")
    expect(page.get_by_role("heading", name="We could not read that month")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("value", ["", "x" * 5000, "'; DROP TABLE x; --", "<script>alert(1)</script>", "-1", "%00"])
def test_hostile_query_strings_on_the_report_pages_never_answer_500(client, coordinator, closed_march, value):
    client.force_login(coordinator)
    assert client.get(url("list"), {"page": value}).status_code == 200
    assert client.get(url("csv", "2026-03"), {"area": value}).status_code == 404
    assert client.get(f"/staff/stats/reports/{value[:50] or '-'}.xlsx").status_code == 404


# --- The quotes page of one month, linked from the report's page. ----------------------------------------------


def quotes_url(report: MonthlyReport) -> str:
    return reverse("admin:stats_monthlyreport_quotes", args=[report.pk])


def test_the_coordinator_chooses_quotes_on_the_months_own_page_and_is_sent_back_to_the_report(
    client, coordinator, closed_march
):
    other = SurveyResponseFactory(month=MARCH, liked_most="Patient helpers.")
    client.force_login(coordinator)
    page = client.get(quotes_url(closed_march))
    html = unescape(page.content.decode())
    assert page.status_code == 200
    assert QUOTE in html and "Patient helpers." in html and "Back to the report" in html

    response = client.post(quotes_url(closed_march), {"apply": "1", "responses": [other.pk]})

    assert response.status_code == 302
    assert response["Location"] == url("detail", "2026-03")
    assert [quote["liked_most"] for quote in MonthlyReport.objects.get().quotes] == ["Patient helpers."]
    followed = unescape(client.get(response["Location"]).content.decode())
    assert "1 quote in the report for March 2026." in followed
    assert "Patient helpers." in followed


@pytest.mark.parametrize(
    "chosen, code",
    [
        ("four", "too_many"),
        ("february", "invalid_choice"),
        ("junk", "invalid_choice"),
    ],
)
def test_bad_quote_choices_are_refused_on_the_form_and_change_nothing(client, coordinator, closed_march, chosen, code):
    march = [SurveyResponseFactory(month=MARCH, liked_most=f"Good {n}").pk for n in range(4)]
    february = SurveyResponseFactory(month=dt.date(2026, 2, 1), liked_most="x")
    values = {"four": march, "february": [february.pk], "junk": ["<script>", "1 OR 1=1", "9" * 30]}[chosen]
    client.force_login(coordinator)

    response = client.post(quotes_url(closed_march), {"apply": "1", "responses": values})

    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert "Please correct the error below." in html
    (refusal,) = response.context["form"].errors.as_data()["responses"]
    assert refusal.code == code
    assert refusal.messages[0] in html
    assert MonthlyReport.objects.get().quotes[0]["liked_most"] == QUOTE


def test_the_board_may_not_choose_quotes_and_an_unknown_report_is_explained(client, coordinator, closed_march):
    board = UserFactory(username="board-staff", is_staff=True, role="Board")
    client.force_login(board)
    assert client.get(quotes_url(closed_march)).status_code == 403
    assert client.post(quotes_url(closed_march), {"apply": "1"}).status_code == 403
    client.force_login(coordinator)
    missing = client.get(reverse("admin:stats_monthlyreport_quotes", args=[999999]), follow=True)
    assert "That monthly report does not exist." in unescape(missing.content.decode())
    assert MonthlyReport.objects.get().quotes[0]["liked_most"] == QUOTE


def test_the_quotes_page_takes_the_same_queries_with_more_answers(client, coordinator, closed_march):
    client.force_login(coordinator)
    client.get(quotes_url(closed_march))  # the session and permission caches warmed
    with CaptureQueriesContext(connection) as small:
        assert client.get(quotes_url(closed_march)).status_code == 200
    for number in range(40):
        SurveyResponseFactory(month=MARCH, liked_most=f"Answer {number}")
    with CaptureQueriesContext(connection) as large:
        assert client.get(quotes_url(closed_march)).status_code == 200
    assert len(small.captured_queries) == len(large.captured_queries) <= 10


def test_the_admin_record_says_when_the_board_gets_the_report(client, coordinator, closed_march):
    client.force_login(coordinator)
    page = client.get(reverse("admin:stats_monthlyreport_change", args=[closed_march.pk]))
    html = " ".join(unescape(page.content.decode()).split())
    assert "Goes to the board on" in html or "Was due to go to the board on" in html
    assert "Open the report to send it or choose quotes" in html


def test_the_quotes_page_is_kept_for_the_coordinator_until_a_new_answer_comes(
    client, coordinator, closed_march, settings, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE = True
    client.force_login(coordinator)
    client.get(quotes_url(closed_march))
    with CaptureQueriesContext(connection) as kept:
        assert "A fresh answer" not in client.get(quotes_url(closed_march)).text
    assert not any("stats_surveyresponse" in query["sql"] for query in kept.captured_queries)
    with django_capture_on_commit_callbacks(execute=True):
        SurveyResponseFactory(month=MARCH, liked_most="A fresh answer")
    assert "A fresh answer" in client.get(quotes_url(closed_march)).text
