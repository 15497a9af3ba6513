"""The board's window: a month closes on the 1st without emailing anyone, and the report goes to the board on
BOARD_REPORT_SEND_DAY (the 3rd by default) or as soon as the coordinator presses "Send to the board"; each
version goes once. And the PDF, built once at closing and served as stored."""

import datetime as dt
import io
from html import unescape

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from makerlab.models import Notification
from stats import services, tasks
from stats.models import MonthlyReport, ReportClosing
from tests.factories import ServiceTypeFactory, SurveyResponseFactory, at, make_booking

NOVEMBER = dt.date(2026, 11, 1)
DECEMBER_1 = at(dt.date(2026, 12, 1), 0, 30)
DECEMBER_2 = at(dt.date(2026, 12, 2), 9)
DECEMBER_3 = at(dt.date(2026, 12, 3), 7)
BOARD = ["board@example.org", "chair@example.org"]
QUOTE = "The staff member was so patient with me."


@pytest.fixture
def board(settings):
    settings.BOARD_REPORT_EMAILS = BOARD
    settings.BOARD_REPORT_SEND_DAY = 3
    settings.FISCAL_YEAR_START_MONTH = 1


@pytest.fixture
def november(db, board):
    service = ServiceTypeFactory()
    for day in (4, 11, 18):
        make_booking(service_type=service, starts_at=at(dt.date(2026, 11, day), 10), status="attended")
    return SurveyResponseFactory(month=NOVEMBER, liked_most=QUOTE)


def close(now: dt.datetime, capture, **kwargs) -> MonthlyReport:
    with capture(execute=True):
        return services.month_close(month=NOVEMBER, now=now, **kwargs)


def send_due(now: dt.datetime, capture) -> int:
    with capture(execute=True):
        return services.reports_send_due(now=now)


def board_emails() -> list:
    return [message for message in mail.outbox if "monthly report" in message.subject]


def test_closing_on_the_first_emails_no_one(november, django_capture_on_commit_callbacks):
    report = close(DECEMBER_1, django_capture_on_commit_callbacks)

    assert report.figures["period"]["values"]["bookings.attended"] == 3
    assert board_emails() == []
    assert not Notification.objects.filter(kind="monthly_report").exists()
    assert ReportClosing.objects.get().sent_at is None


def test_the_daily_send_waits_for_the_third_then_sends_once(november, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    close(DECEMBER_1, capture)

    assert send_due(DECEMBER_1, capture) == 0
    assert send_due(DECEMBER_2, capture) == 0
    assert board_emails() == []

    assert send_due(DECEMBER_3, capture) == 1
    assert send_due(DECEMBER_3 + dt.timedelta(minutes=5), capture) == 0  # beat firing twice
    assert send_due(DECEMBER_3 + dt.timedelta(days=1), capture) == 0

    assert sorted(message.to[0] for message in board_emails()) == BOARD
    [(filename, content, mimetype)] = board_emails()[0].attachments
    assert (filename, mimetype) == ("maker-lab-report-2026-11.pdf", "application/pdf")
    assert content == bytes(MonthlyReport.objects.get().pdf)  # the PDF stored at closing
    closing = ReportClosing.objects.get()
    assert closing.sent_at == DECEMBER_3 and closing.sent_by is None


def test_the_daily_send_task_run_twice_sends_one_email_per_address(
    november, time_machine, django_capture_on_commit_callbacks
):
    close(DECEMBER_1, django_capture_on_commit_callbacks)
    time_machine.move_to(DECEMBER_2)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.reports_send_due.delay()
    assert board_emails() == []
    time_machine.move_to(DECEMBER_3)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            tasks.reports_send_due.delay()
    assert len(board_emails()) == len(BOARD)
    assert Notification.objects.filter(kind="monthly_report").count() == len(BOARD)


def test_the_send_day_is_a_setting(november, settings, django_capture_on_commit_callbacks):
    settings.BOARD_REPORT_SEND_DAY = 5
    close(DECEMBER_1, django_capture_on_commit_callbacks)
    assert send_due(at(dt.date(2026, 12, 4), 23, 59), django_capture_on_commit_callbacks) == 0
    assert send_due(at(dt.date(2026, 12, 5), 0, 1), django_capture_on_commit_callbacks) == 1


def test_a_month_closed_late_goes_with_the_next_daily_send(november, django_capture_on_commit_callbacks):
    close(at(dt.date(2026, 12, 10), 9), django_capture_on_commit_callbacks)
    assert board_emails() == []
    assert send_due(at(dt.date(2026, 12, 11), 7), django_capture_on_commit_callbacks) == 1
    assert len(board_emails()) == len(BOARD)


@pytest.mark.time_machine(DECEMBER_2)
def test_the_coordinator_sends_from_the_report_page_and_the_daily_send_then_sends_nothing(
    client, coordinator, november, django_capture_on_commit_callbacks
):
    close(DECEMBER_1, django_capture_on_commit_callbacks)
    client.force_login(coordinator)
    page = client.get(reverse("stats_reports:detail", args=["2026-11"]))
    text = " ".join(unescape(page.content.decode()).split())
    assert "Goes to the board on Thursday 3 December unless you send it sooner." in text
    assert reverse("admin:stats_monthlyreport_quotes", args=[MonthlyReport.objects.get().pk]) in text

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("stats_reports:send", args=["2026-11"]), follow=True)

    text = " ".join(unescape(sent.content.decode()).split())
    assert "is on its way to the board" in text
    assert "Sent to the board on Wednesday 2 December at 9:00 a.m. by" in text
    assert "Send to the board</button>" not in text
    assert sorted(message.to[0] for message in board_emails()) == BOARD
    assert ReportClosing.objects.get().sent_by == coordinator

    assert send_due(DECEMBER_3, django_capture_on_commit_callbacks) == 0
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(reverse("stats_reports:send", args=["2026-11"]), follow=True)
    assert "had already gone to the board" in unescape(again.content.decode())
    assert len(board_emails()) == len(BOARD)


def test_the_board_sees_the_report_but_no_send_button_and_may_not_send(
    client, board_member, assistant, november, django_capture_on_commit_callbacks
):
    close(DECEMBER_1, django_capture_on_commit_callbacks)
    client.force_login(board_member)
    page = client.get(reverse("stats_reports:detail", args=["2026-11"]))
    assert page.status_code == 200
    assert "Send to the board" not in page.content.decode()
    for user in (board_member, assistant):
        client.force_login(user)
        assert client.post(reverse("stats_reports:send", args=["2026-11"])).status_code == 403
    client.logout()
    assert client.post(reverse("stats_reports:send", args=["2026-11"])).status_code == 302
    assert board_emails() == []
    assert ReportClosing.objects.get().sent_at is None


@pytest.mark.parametrize("month", ["2026-13", "abc", "2026-10", "2999-01"])
def test_sending_a_month_that_is_not_closed_or_not_a_month_gets_a_clear_page(client, coordinator, november, month):
    client.force_login(coordinator)
    response = client.post(f"/staff/stats/reports/{month}/send/")
    assert response.status_code == 404
    assert "report" in unescape(response.content.decode()).lower() or "month" in response.content.decode()
    assert not Notification.objects.exists()


def test_sending_needs_a_post(client, coordinator, november, django_capture_on_commit_callbacks):
    close(DECEMBER_1, django_capture_on_commit_callbacks)
    client.force_login(coordinator)
    assert client.get(reverse("stats_reports:send", args=["2026-11"])).status_code == 405
    assert board_emails() == []


def test_closed_again_after_the_board_had_it_goes_again_at_once_with_the_reason(
    november, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    close(DECEMBER_1, capture)
    send_due(DECEMBER_3, capture)
    mail.outbox.clear()

    report = close(at(dt.date(2026, 12, 9), 14), capture, reason="Attendance of the 18th was entered late.")

    assert report.version == 2
    corrected = board_emails()
    assert sorted(message.to[0] for message in corrected) == BOARD
    assert "version 2" in corrected[0].subject
    assert "Attendance of the 18th was entered late." in corrected[0].body
    keys = sorted(Notification.objects.values_list("idempotency_key", flat=True))
    assert keys == sorted(f"monthly-report:2026-11:v{version}:{address}" for version in (1, 2) for address in BOARD)
    assert send_due(at(dt.date(2026, 12, 10), 7), capture) == 0


def test_closed_again_before_the_send_day_the_board_gets_only_the_new_version(
    november, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    close(DECEMBER_1, capture)
    close(DECEMBER_2, capture, reason="A program's attendance was missing.")
    assert board_emails() == []

    assert send_due(DECEMBER_3, capture) == 1

    keys = sorted(Notification.objects.values_list("idempotency_key", flat=True))
    assert keys == sorted(f"monthly-report:2026-11:v2:{address}" for address in BOARD)


# --- The PDF: built once at closing, served as stored. ---------------------------------------------------------


def test_the_pdf_is_built_at_closing_and_rebuilt_when_quotes_change_or_the_month_is_closed_again(
    november, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    report = close(DECEMBER_1, capture)
    report.refresh_from_db()
    first = bytes(report.pdf)
    assert first.startswith(b"%PDF") and report.pdf_key == services.report_pdf_key(report)
    assert QUOTE not in _pdf_text(first)

    with capture(execute=True):
        services.report_quotes_set(report=report, response_ids=[november.pk])
    report.refresh_from_db()
    assert QUOTE in _pdf_text(bytes(report.pdf))

    close(DECEMBER_2, capture, reason="Corrected.")
    report.refresh_from_db()
    assert report.version == 2 and report.pdf_key == services.report_pdf_key(report)
    assert "Version 2" in _pdf_text(bytes(report.pdf))


def _pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def _stored_pdf_download(client) -> tuple[bytes, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("stats_reports:pdf", args=["2026-11"]))
    assert response.status_code == 200
    return response.content, len(queries.captured_queries)


def test_the_pdf_view_serves_the_stored_file_without_drawing_it(
    client, coordinator, november, django_capture_on_commit_callbacks
):
    close(DECEMBER_1, django_capture_on_commit_callbacks)
    report = MonthlyReport.objects.get()
    # A stored file no drawing could produce: served as it is, the view drew nothing.
    stored = b"%PDF-1.7 stored at closing " + b"x" * 1000
    MonthlyReport.objects.filter(pk=report.pk).update(pdf=stored)
    client.force_login(coordinator)
    client.get(reverse("stats_reports:list"))  # the session and permission caches warmed

    small, small_queries = _stored_pdf_download(client)
    assert small == stored

    bigger = stored + b"y" * 500_000
    MonthlyReport.objects.filter(pk=report.pk).update(pdf=bigger)
    for months_back in range(1, 25):
        month = dt.date(2026 - (months_back + 1) // 12, (10 - months_back) % 12 + 1, 1)
        MonthlyReport.objects.create(month=month, figures=report.figures)
    large, large_queries = _stored_pdf_download(client)
    assert large == bigger
    assert small_queries == large_queries <= 5


def test_a_missing_pdf_is_built_on_demand_once_and_stored(client, coordinator, november):
    report = services.month_close(month=NOVEMBER, now=DECEMBER_1)  # the build after commit never ran
    assert MonthlyReport.objects.get().pdf is None
    client.force_login(coordinator)

    first = client.get(reverse("stats_reports:pdf", args=["2026-11"])).content

    report.refresh_from_db()
    assert first.startswith(b"%PDF") and bytes(report.pdf) == first
    assert client.get(reverse("stats_reports:pdf", args=["2026-11"])).content == first
