"""Writes of the stats app: closing a month into a frozen report, and choosing the quotes the board reads.

Year to date: a figure that adds up across months (``FigureDefinition.additive``) is the sum of the
fiscal year's months as they were frozen when each was closed (a month not closed yet is computed),
so the year to date always equals the months the board was sent. A rate or a count of different
people does not add up: it is computed over the whole fiscal year to date at closing time. Either way
the result is frozen in the month's snapshot and never recomputed.

Changes compare the month with the same month last year, as a percent of last year's value (for a
percentage figure too: 50% to 60% is a change of 20%); there is no change when last year's value is
0 or unknown. A change of ``REPORT_CHANGE_FLAG_PERCENT`` or more, up or down, is flagged.

The board's email waits: a month closes on the 1st (its figures frozen) and goes to the board on
``BOARD_REPORT_SEND_DAY`` of that month, or sooner when the coordinator presses "Send to the board", so
the quotes can be chosen first. Each version goes once. A month closed again after the board was sent it
goes again at once, with the reason.
"""

import datetime as dt
import hashlib
import json
import logging
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.urls import reverse
from django.utils import timezone

from makerlab.http import site_url
from makerlab.locking import locked
from makerlab.models import Branch
from makerlab.services import notification_queue
from makerlab.validators import validate_plain_text
from stats import exports
from stats import figures as stats_figures
from stats.dashboard import SHOWN_KEYS
from stats.models import MonthlyReport, PatronFirstActivity, ReportClosing, SurveyKind, SurveyResponse
from stats.selectors import report_send_date, report_view_of

logger = logging.getLogger(__name__)

REPORT_EMAIL_KIND = "monthly_report"
MAX_QUOTES = 3
MAX_REASON_LENGTH = 300
DEFINITIONS_VERSION = 1


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_after(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def months_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """The first days of the months from ``start`` up to, not including, ``end``."""
    months, month = [], month_start(start)
    while month < end:
        months.append(month)
        month = month_after(month)
    return months


def fiscal_year_start(month: dt.date) -> dt.date:
    """The first day of the fiscal year ``month`` belongs to (FISCAL_YEAR_START_MONTH, 1 = January)."""
    first_month = settings.FISCAL_YEAR_START_MONTH
    year = month.year if month.month >= first_month else month.year - 1
    return dt.date(year, first_month, 1)


def same_month_last_year(month: dt.date) -> dt.date:
    return month.replace(year=month.year - 1)


def percent_change(current, previous) -> float | None:
    if current is None or previous in (None, 0):
        return None
    return round(100 * (current - previous) / previous, 1)


def _frozen_values(months: list[dt.date]) -> dict[dt.date, dict]:
    reports = MonthlyReport.objects.filter(month__in=months).only("month", "figures")
    return {report.month: report.figures.get("period", {}).get("values", {}) for report in reports}


def _year_to_date(*, month: dt.date, period: stats_figures.Figures) -> dict:
    start = fiscal_year_start(month)
    earlier = months_between(start, month)
    frozen = _frozen_values(earlier)
    monthly = [frozen.get(m) or stats_figures.compute_figures(start=m, end=month_after(m)).values for m in earlier]
    monthly.append(period.values)
    whole = period.values if not earlier else stats_figures.compute_figures(start=start, end=month_after(month)).values
    values = {}
    for figure in stats_figures.FIGURES:
        if figure.additive:
            parts = [values_of_month.get(figure.key) for values_of_month in monthly]
            values[figure.key] = sum(part for part in parts if part is not None)
        else:
            values[figure.key] = whole.get(figure.key)
    return {"start": start.isoformat(), "values": values}


def _last_year(month: dt.date) -> dict:
    previous = same_month_last_year(month)
    frozen = _frozen_values([previous]).get(previous)
    if frozen is None:
        frozen = stats_figures.compute_figures(start=previous, end=month_after(previous)).values
    return {"values": frozen}


def branch_figures(*, month: dt.date) -> dict[str, dict]:
    """The dashboard's figures of ``month`` for each branch, keyed by the branch's id (as text, for JSON)."""
    return {
        str(branch.pk): stats_figures.compute_figures(
            start=month, end=month_after(month), branch=branch, keys=SHOWN_KEYS
        ).values
        for branch in Branch.objects.order_by("pk")
    }


def patron_first_activity_refresh() -> int:
    """Keep each patron's first activity as data, in two statements whatever the number of patrons.

    Written only where it changed; a patron whose every activity was undone loses the row. Returns the
    number of patrons that have one.
    """
    activities = [
        activity.order_by().values("patron_ref", "at").filter(patron_ref__isnull=False)
        for activity in stats_figures.patron_activities()
    ]
    union = activities[0].union(*activities[1:], all=True)
    # Our own table's quoted name and SQL that Django built from the querysets above, its values as parameters.
    union_sql, params = union.query.sql_with_params()
    table = connection.ops.quote_name(PatronFirstActivity._meta.db_table)
    firsts = f"SELECT activity.patron_ref, MIN(activity.at) FROM ({union_sql}) AS activity GROUP BY 1"  # noqa: S608
    everyone_active = f"SELECT activity.patron_ref FROM ({union_sql}) AS activity"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE patron_id NOT IN ({everyone_active})", params)  # noqa: S608
        cursor.execute(
            f"INSERT INTO {table} (patron_id, at) {firsts} "
            f"ON CONFLICT (patron_id) DO UPDATE SET at = EXCLUDED.at WHERE {table}.at IS DISTINCT FROM EXCLUDED.at",
            params,
        )
    return PatronFirstActivity.objects.count()


def report_snapshot(*, month: dt.date) -> dict:
    """The figures frozen for ``month``: the month, the fiscal year to date, the same month last year, changes,
    and the dashboard's figures for each branch (``branches``)."""
    period = stats_figures.compute_figures(start=month, end=month_after(month))
    year_to_date = _year_to_date(month=month, period=period)
    last_year = _last_year(month)
    changes = {
        figure.key: percent_change(period.values.get(figure.key), last_year["values"].get(figure.key))
        for figure in stats_figures.FIGURES
    }
    threshold = settings.REPORT_CHANGE_FLAG_PERCENT
    flagged = [key for key, change in changes.items() if change is not None and abs(change) >= threshold]
    return {
        "month": f"{month:%Y-%m}",
        "period": period.as_json(),
        "year_to_date": year_to_date,
        "last_year": last_year,
        "changes": changes,
        "flagged": flagged,
        "branches": branch_figures(month=month),
        "definitions": DEFINITIONS_VERSION,
    }


def month_is_over(month: dt.date, *, now: dt.datetime | None = None) -> bool:
    """True once the month has ended in the library's time zone."""
    today = timezone.localdate(now or timezone.now())
    return month_after(month) <= today


def _validate_reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationError(f"Keep the reason to {MAX_REASON_LENGTH} characters or fewer.", code="too_long")
    validate_plain_text(reason)
    return reason


def month_close(
    *, month: dt.date, by=None, reason: str = "", now: dt.datetime | None = None, build_pdf: bool = True
) -> MonthlyReport:
    """Close ``month``: freeze its figures and record the closing, all or nothing; the PDF is built right after
    (or, with ``build_pdf=False``, the first time someone asks for it).

    The board is not emailed yet: ``report_send`` does it on the send day or when the coordinator asks.
    Closing a month that is already closed returns it unchanged unless a ``reason`` is given, in which
    case its figures are frozen again as the next version; when the board had been sent the month, the
    new version goes to the board at once. Concurrent closes of one month wait on its row: one report.
    """
    now = now or timezone.now()
    month = month_start(month)
    reason = _validate_reason(reason)
    if not month_is_over(month, now=now):
        raise ValidationError(
            f"{month:%B %Y} is not over yet. A month can be closed from the first day of the next month.",
            code="not_over",
        )
    with transaction.atomic():
        # The insert (or the lock on the existing row) comes first: a concurrent close of the same
        # month waits here until this one commits, then finds the month closed.
        report, created = locked(MonthlyReport.objects.all()).get_or_create(
            month=month, defaults={"version": 1, "figures": {}, "closed_at": now, "closed_by": by}
        )
        if not created and not reason:
            return report
        board_has_it = not created and report.closings.filter(sent_at__isnull=False).exists()
        patron_first_activity_refresh()  # the live figures of the months after this one read it
        report.figures = report_snapshot(month=month)
        if not created:
            report.version += 1
            report.closed_at = now
            report.closed_by = by
        report.save(update_fields=["figures", "version", "closed_at", "closed_by"])
        closing = ReportClosing.objects.create(
            report=report, version=report.version, figures=report.figures, closed_at=now, closed_by=by, reason=reason
        )
        if board_has_it:
            _send(closing, by=by, now=now)
        if build_pdf:
            _queue_pdf_build(report.pk)
    logger.info("Closed %s as version %s.", f"{month:%Y-%m}", report.version)
    return report


def report_links(month: dt.date) -> dict[str, str]:
    """Full addresses of the month's report pages; staff log in to open them."""
    key = f"{month:%Y-%m}"
    return {
        "page_url": site_url(reverse("stats_reports:detail", args=[key])),
        "xlsx_url": site_url(reverse("stats_reports:xlsx", args=[key])),
        "csv_url": site_url(reverse("stats_reports:csv_zip", args=[key])),
    }


def _queue_board_email(closing: ReportClosing) -> None:
    month = closing.report.month
    context = {
        "month_label": f"{month:%B %Y}",
        "version": closing.version,
        "reason": closing.reason,
        "flagged_count": len(closing.figures.get("flagged", [])),
        "flag_percent": settings.REPORT_CHANGE_FLAG_PERCENT,
        **report_links(month),
    }
    for address in settings.BOARD_REPORT_EMAILS:
        notification_queue(
            kind=REPORT_EMAIL_KIND,
            recipient=address,
            template="monthly_report",
            context=context,
            idempotency_key=f"monthly-report:{month:%Y-%m}:v{closing.version}:{address}",
            related_object=closing,
        )


def _send(closing: ReportClosing, *, by, now: dt.datetime) -> None:
    closing.sent_at = now
    closing.sent_by = by
    closing.save(update_fields=["sent_at", "sent_by"])
    _queue_board_email(closing)


def report_send(*, report: MonthlyReport, by=None, now: dt.datetime | None = None) -> ReportClosing | None:
    """Email the board the report's latest version now; None when that version has gone already.

    Pressed twice, or pressed while the daily job runs, the version goes once: both wait on the report's row.
    """
    now = now or timezone.now()
    with transaction.atomic():
        report = locked(MonthlyReport.objects.only("pk", "version").filter(pk=report.pk)).get()
        closing = ReportClosing.objects.select_related("report").get(report=report, version=report.version)
        if closing.sent_at is not None:
            return None
        _send(closing, by=by, now=now)
    logger.info("Sent %s version %s to the board.", f"{closing.report.month:%Y-%m}", closing.version)
    return closing


def reports_send_due(*, now: dt.datetime | None = None) -> int:
    """Send every report whose send day has come and that is not sent yet (what the daily job runs)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    # A month's send day has come when the first of the month after it is at least SEND_DAY - 1 days ago.
    latest_due_month = month_before_current(now=now)
    if today.day < settings.BOARD_REPORT_SEND_DAY:
        latest_due_month = month_start(latest_due_month - dt.timedelta(days=1))
    waiting = (
        ReportClosing.objects.filter(
            sent_at__isnull=True, version=models.F("report__version"), report__month__lte=latest_due_month
        )
        .select_related("report")
        .order_by("report__month")
    )
    sent = 0
    for closing in waiting:
        if report_send_date(closing.report.month) <= today and report_send(report=closing.report, now=now):
            sent += 1
    return sent


def report_pdf_key(report: MonthlyReport) -> str:
    """What the report's PDF shows that can change after closing: the version and the quotes."""
    shown = json.dumps([report.version, report.closed_at.isoformat(), report.quotes], sort_keys=True)
    return hashlib.sha256(shown.encode()).hexdigest()


def report_pdf_bytes(*, report: MonthlyReport) -> bytes:
    """The report's PDF as stored; built (1 to 3 seconds) and stored first when missing or out of date."""
    key = report_pdf_key(report)
    if report.pdf is not None and report.pdf_key == key:
        return bytes(report.pdf)
    pdf = exports.report_pdf(report_view_of(report))
    # Stored only if the report has not changed while it was drawn; a later build stores the newer one.
    MonthlyReport.objects.filter(
        pk=report.pk, version=report.version, closed_at=report.closed_at, quotes=report.quotes
    ).update(pdf=pdf, pdf_key=key)
    return pdf


def report_pdf_build(*, report_id: int) -> None:
    report = MonthlyReport.objects.filter(pk=report_id).first()
    if report is not None:
        report_pdf_bytes(report=report)


def _queue_pdf_build(report_id: int) -> None:
    def queue() -> None:
        from stats.tasks import report_pdf_build as build

        try:
            build.apply_async((report_id,), retry=False)
        except Exception:
            # The broker is down: the PDF is built the first time someone asks for it.
            logger.warning("Broker unavailable; the PDF of report %s is built on demand.", report_id, exc_info=True)

    transaction.on_commit(queue)


def report_email_attachments(closing) -> list[tuple[str, bytes, str]]:
    """The board email's PDF: the stored one for the latest version, else drawn from that closing's figures."""
    if not isinstance(closing, ReportClosing):
        return []
    report = closing.report
    if closing.version == report.version:
        pdf = report_pdf_bytes(report=report)
    else:
        pdf = exports.report_pdf(report_view_of(report, figures=closing.figures, version=closing.version))
    return [(f"maker-lab-report-{report.month:%Y-%m}.pdf", pdf, "application/pdf")]


def report_quotes_set(
    *, report: MonthlyReport, response_ids: list[str], by=None, build_pdf: bool = True
) -> MonthlyReport:
    """Quote up to three of the month's survey answers in the report: the open answers' text only, nothing else.

    The PDF is built again right after (or, with ``build_pdf=False``, the first time someone asks for it)."""
    not_this_month = ValidationError("Choose answers from this month's surveys only.", code="not_this_month")
    try:
        response_ids = list(dict.fromkeys(uuid.UUID(str(response_id)) for response_id in response_ids))
    except ValueError:
        raise not_this_month from None
    if len(response_ids) > MAX_QUOTES:
        raise ValidationError(f"Choose at most {MAX_QUOTES} answers.", code="too_many")
    responses = {
        response.pk: response
        for response in SurveyResponse.objects.filter(
            pk__in=response_ids, month=report.month, kind=SurveyKind.IMMEDIATE
        ).only("pk", "liked_most", "could_do_better", "service_area")
    }
    if len(responses) != len(response_ids):
        raise not_this_month
    quotes = []
    for response_id in response_ids:
        response = responses[response_id]
        quote = {"response_id": str(response.pk), "service_area": response.service_area}
        for question in ("liked_most", "could_do_better"):
            text = " ".join(getattr(response, question).split())
            validate_plain_text(text)
            quote[question] = text
        if quote["liked_most"] or quote["could_do_better"]:
            quotes.append(quote)
    with transaction.atomic():
        report = locked(MonthlyReport.objects.filter(pk=report.pk)).get()
        report.quotes = quotes
        report.save(update_fields=["quotes"])
        if build_pdf:
            _queue_pdf_build(report.pk)
    logger.info("Quotes chosen for %s by %s.", f"{report.month:%Y-%m}", getattr(by, "pk", None))
    return report


def month_before_current(*, now: dt.datetime | None = None) -> dt.date:
    """The first day of last month, Toronto time."""
    today = timezone.localdate(now or timezone.now())
    return month_start(month_start(today) - dt.timedelta(days=1))


def month_close_previous(*, now: dt.datetime | None = None) -> MonthlyReport:
    """Close last month (Toronto time): what the beat job runs on the first of each month."""
    now = now or timezone.now()
    return month_close(month=month_before_current(now=now), now=now)
