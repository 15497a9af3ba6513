"""Closing a month: the frozen snapshot, re-closing with a reason, one board email, concurrency, queries.

When the board is emailed (the send day, or "Send to the board") is tested in test_board_send.py."""

import datetime as dt
import threading

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import Booking
from makerlab.models import Notification
from stats import services, tasks
from stats.models import MonthlyReport, ReportClosing
from tests.factories import ServiceTypeFactory, SurveyResponseFactory, at, make_booking

pytestmark = pytest.mark.calendar

MARCH = dt.date(2026, 3, 1)
AFTER_MARCH = at(dt.date(2026, 4, 2), 9)
BOARD = ["board@example.org", "chair@example.org"]


@pytest.fixture
def board(settings):
    settings.BOARD_REPORT_EMAILS = BOARD
    settings.FISCAL_YEAR_START_MONTH = 1
    settings.REPORT_CHANGE_FLAG_PERCENT = 10


def sessions(day: dt.date, statuses: list[str], *, service=None) -> list[Booking]:
    service = service or ServiceTypeFactory()
    return [
        make_booking(service_type=service, starts_at=at(day, 10 + index % 6, 0), status=status)
        for index, status in enumerate(statuses)
    ]


def values(report: MonthlyReport) -> dict:
    return report.figures["period"]["values"]


def test_a_closed_month_does_not_change_when_a_booking_is_cancelled_later(db, board):
    booked, *_ = sessions(dt.date(2026, 3, 10), ["booked", "attended", "attended"])
    report = services.month_close(month=MARCH, now=AFTER_MARCH)
    assert values(report)["bookings.booked"] == 3
    assert values(report)["bookings.cancelled"] == 0
    frozen = report.figures

    Booking.objects.filter(pk=booked.pk).update(status=Booking.Status.CANCELLED)
    again = services.month_close(month=MARCH, now=AFTER_MARCH + dt.timedelta(days=3))

    again.refresh_from_db()
    assert again.pk == report.pk
    assert again.version == 1
    assert again.figures == frozen
    assert again.figures["month"] == "2026-03"
    assert again.figures["definitions"] == 1
    assert ReportClosing.objects.count() == 1


def test_closing_again_needs_a_reason_and_makes_version_two(db, board, django_capture_on_commit_callbacks):
    booked, *_ = sessions(dt.date(2026, 3, 10), ["booked", "attended"])
    with django_capture_on_commit_callbacks(execute=True):
        report = services.month_close(month=MARCH, now=AFTER_MARCH)
        services.report_send(report=report, now=AFTER_MARCH)
    Booking.objects.filter(pk=booked.pk).update(status=Booking.Status.CANCELLED)

    with django_capture_on_commit_callbacks(execute=True):
        report = services.month_close(month=MARCH, reason="The 10th was entered late.", now=AFTER_MARCH)

    assert report.version == 2
    assert values(report)["bookings.cancelled"] == 1
    closings = list(ReportClosing.objects.order_by("version").values_list("version", "reason"))
    assert closings == [(1, ""), (2, "The 10th was entered late.")]
    assert ReportClosing.objects.get(version=1).figures["period"]["values"]["bookings.cancelled"] == 0
    keys = sorted(Notification.objects.values_list("idempotency_key", flat=True))
    assert keys == sorted(f"monthly-report:2026-03:v{v}:{a}" for v in (1, 2) for a in BOARD)
    corrected = [m for m in mail.outbox if "version 2" in m.subject]
    assert len(corrected) == 2
    assert "The 10th was entered late." in corrected[0].body


@pytest.mark.parametrize("reason", ["<b>bold</b>", "x" * 301, "bell\x07"])
def test_a_hostile_reason_is_refused_and_nothing_changes(db, board, reason):
    sessions(dt.date(2026, 3, 10), ["attended"])
    services.month_close(month=MARCH, now=AFTER_MARCH)
    with pytest.raises(ValidationError):
        services.month_close(month=MARCH, reason=reason, now=AFTER_MARCH)
    assert MonthlyReport.objects.get().version == 1
    assert ReportClosing.objects.count() == 1


def test_closing_twice_then_sending_sends_the_board_email_once_with_the_pdf(
    db, board, django_capture_on_commit_callbacks
):
    sessions(dt.date(2026, 3, 10), ["attended", "no_show"])
    with django_capture_on_commit_callbacks(execute=True):
        services.month_close(month=MARCH, now=AFTER_MARCH)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.month_close(month=MARCH, now=AFTER_MARCH)
    assert not Notification.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_send(report=report, now=AFTER_MARCH)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_send(report=report, now=AFTER_MARCH)

    assert Notification.objects.filter(kind="monthly_report").count() == 2
    assert Notification.objects.filter(status=Notification.Status.SENT).count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == BOARD
    message = mail.outbox[0]
    assert message.subject == "Maker Lab monthly report, March 2026"
    assert "http://testserver" + reverse("stats_reports:xlsx", args=["2026-03"]) in message.body
    assert "http://testserver" + reverse("stats_reports:csv_zip", args=["2026-03"]) in message.body
    [(filename, content, mimetype)] = message.attachments
    assert filename == "maker-lab-report-2026-03.pdf"
    assert mimetype == "application/pdf"
    assert content.startswith(b"%PDF")


def test_no_board_list_means_no_email_but_the_month_is_closed(db, settings):
    settings.BOARD_REPORT_EMAILS = []
    report = services.month_close(month=MARCH, now=AFTER_MARCH)
    services.report_send(report=report, now=AFTER_MARCH)
    assert MonthlyReport.objects.filter(month=MARCH).exists()
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    "month, now",
    [
        (dt.date(2026, 3, 1), at(dt.date(2026, 3, 31), 23, 59)),  # the last minute of the month, Toronto time
        (dt.date(2026, 5, 1), AFTER_MARCH),  # a future month
    ],
)
def test_a_month_that_is_not_over_cannot_be_closed(db, board, month, now):
    with pytest.raises(ValidationError) as refused:
        services.month_close(month=month, now=now)
    assert refused.value.code == "not_over"
    assert not MonthlyReport.objects.exists()


def test_the_month_is_over_at_midnight_toronto_time_not_utc(db, board):
    # 00:30 on 1 April in Toronto is 04:30 UTC: March is over.
    report = services.month_close(month=MARCH, now=at(dt.date(2026, 4, 1), 0, 30))
    assert report.month == MARCH


def test_year_to_date_adds_the_frozen_months_and_last_year_is_compared(db, board):
    service = ServiceTypeFactory()
    sessions(dt.date(2025, 3, 12), ["attended"] * 4, service=service)
    sessions(dt.date(2026, 1, 14), ["attended", "booked"], service=service)
    sessions(dt.date(2026, 2, 11), ["attended"], service=service)
    sessions(dt.date(2026, 3, 11), ["attended"] * 5, service=service)
    january = services.month_close(month=dt.date(2026, 1, 1), now=AFTER_MARCH)
    assert values(january)["bookings.attended"] == 1
    # A January booking cancelled after January was closed: the year to date keeps January as closed.
    Booking.objects.filter(starts_at__date=dt.date(2026, 1, 14), status="booked").update(status="cancelled")

    march = services.month_close(month=MARCH, now=AFTER_MARCH)

    ytd = march.figures["year_to_date"]
    assert ytd["start"] == "2026-01-01"
    assert ytd["values"]["bookings.attended"] == 1 + 1 + 5
    assert ytd["values"]["bookings.booked"] == 2 + 1 + 5
    assert ytd["values"]["bookings.cancelled"] == 0
    assert march.figures["last_year"]["values"]["bookings.attended"] == 4
    assert march.figures["changes"]["bookings.attended"] == 25.0
    assert "bookings.attended" in march.figures["flagged"]
    assert march.figures["changes"]["bookings.no_shows"] is None  # nothing to compare with
    assert "bookings.no_shows" not in march.figures["flagged"]


def test_the_fiscal_year_starts_in_the_month_set(db, board, settings):
    settings.FISCAL_YEAR_START_MONTH = 4
    report = services.month_close(month=MARCH, now=AFTER_MARCH)
    assert report.figures["year_to_date"]["start"] == "2025-04-01"


def test_last_year_comes_from_its_frozen_report_when_closed(db, board):
    service = ServiceTypeFactory()
    old = sessions(dt.date(2025, 3, 12), ["attended", "attended"], service=service)
    services.month_close(month=dt.date(2025, 3, 1), now=AFTER_MARCH)
    Booking.objects.filter(pk=old[0].pk).update(status=Booking.Status.NO_SHOW)
    sessions(dt.date(2026, 3, 11), ["attended"] * 2, service=service)

    report = services.month_close(month=MARCH, now=AFTER_MARCH)

    assert report.figures["last_year"]["values"]["bookings.attended"] == 2
    assert report.figures["changes"]["bookings.attended"] == 0.0
    assert "bookings.attended" not in report.figures["flagged"]


def test_the_monthly_task_closes_last_month_once_when_run_twice_and_emails_no_one(
    db, board, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        tasks.month_close_previous.delay()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.month_close_previous.delay()
    [report] = MonthlyReport.objects.all()
    assert report.month == services.month_before_current()
    assert report.pdf is not None  # built right after the close
    assert mail.outbox == []


def _together(action) -> tuple[list, list]:
    """Run ``action`` in two threads at once; their results and errors."""
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(action())
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_closes_make_one_report_and_two_sends_one_email(board):
    sessions(dt.date(2026, 3, 10), ["attended", "attended"])

    results, errors = _together(lambda: services.month_close(month=MARCH, now=AFTER_MARCH).pk)

    assert errors == []
    assert len(set(results)) == 1
    assert MonthlyReport.objects.count() == 1
    assert ReportClosing.objects.count() == 1
    assert not Notification.objects.filter(kind="monthly_report").exists()

    report = MonthlyReport.objects.get()
    sent, errors = _together(lambda: services.report_send(report=report, now=AFTER_MARCH))

    assert errors == []
    assert sorted(closing is None for closing in sent) == [False, True]
    assert Notification.objects.filter(kind="monthly_report").count() == len(BOARD)
    assert len(mail.outbox) == len(BOARD)


def _close_queries(month: dt.date, *, now: dt.datetime) -> int:
    ContentType.objects.get_for_model(ReportClosing)  # cached for the process after its first use
    with CaptureQueriesContext(connection) as queries:
        services.month_close(month=month, now=now)
    return len(queries.captured_queries)


def test_closing_a_month_takes_the_same_bounded_number_of_queries_whatever_the_data(db, board):
    """The same branches (each branch's dashboard figures are frozen too, a few queries each), more history."""
    service = ServiceTypeFactory()
    sessions(dt.date(2026, 3, 10), ["attended"], service=service)
    small = _close_queries(MARCH, now=AFTER_MARCH)
    MonthlyReport.objects.all().delete()
    Notification.objects.all().delete()

    for day in range(2, 28, 3):
        sessions(dt.date(2026, 3, day), ["attended", "no_show", "cancelled", "booked"], service=service)
        sessions(dt.date(2026, 1, day), ["attended", "attended"], service=service)
        sessions(dt.date(2025, 3, day), ["attended"], service=service)
    response = SurveyResponseFactory(month=MARCH)
    assert response.pk
    large = _close_queries(MARCH, now=AFTER_MARCH)

    assert small == large
    # The month, January and February computed, the whole year to date, and last year: five passes.
    assert large <= 250


def test_close_month_command(db, board):
    sessions(dt.date(2026, 3, 10), ["attended"])
    call_command("close_month", "2026-03")
    assert MonthlyReport.objects.get().version == 1
    call_command("close_month", "2026-03")
    assert MonthlyReport.objects.get().version == 1
    call_command("close_month", "2026-03", "--reason", "Attendance corrected")
    assert MonthlyReport.objects.get().version == 2


@pytest.mark.parametrize(
    "argument, message",
    [
        ("2026-13", "is not a month"),
        ("abc", "is not a month"),
        ("26-03", "is not a month"),
        ("2999-01", "not over yet"),
    ],
)
def test_close_month_command_refuses_bad_months(db, board, argument, message):
    with pytest.raises(CommandError, match=message):
        call_command("close_month", argument)
    assert not MonthlyReport.objects.exists()


def test_close_month_command_refuses_the_current_month(db, board):
    current = services.month_start(services.month_before_current() + dt.timedelta(days=40))
    with pytest.raises(CommandError, match="not over yet"):
        call_command("close_month", f"{current:%Y-%m}")
