"""The monthly report's pages and downloads for the coordinator and the board, and "Send to the board".

A month that is malformed, not closed yet, or an unknown area gets a page saying so (404), never an error.
The PDF is the one stored when the month was closed (built then if it is missing).
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from makerlab.pagecache import cached_staff_page
from stats import exports, selectors, services
from stats.figures import AREAS
from stats.models import MonthlyReport

VIEW_PERMISSION = "stats.view_monthlyreport"
SEND_PERMISSION = "stats.change_monthlyreport"
REPORTS_PER_PAGE = 24
ANNUAL_YEARS_SHOWN = 5
FIRST_YEAR = 2000


def report_permission(view):
    return login_required(permission_required(VIEW_PERMISSION, raise_exception=True)(view))


def _missing(request: HttpRequest, heading: str, message: str) -> HttpResponse:
    return render(request, "stats/report_missing.html", {"heading": heading, "message": message}, status=404)


def closed_report(view=None, *, as_report: bool = False, with_pdf: bool = False):
    """Parse ``month`` ("2026-10") and find its closed report, or answer with a page that says what is wrong.

    The view is given the report laid out (a ``ReportView``), or with ``as_report`` the ``MonthlyReport`` itself.
    """
    if view is None:
        return lambda view: closed_report(view, as_report=as_report, with_pdf=with_pdf)

    @wraps(view)
    def wrapper(request: HttpRequest, month: str, **kwargs) -> HttpResponse:
        parsed = selectors.month_parse(month)
        if parsed is None:
            return _missing(
                request,
                "We could not read that month",
                "Write the month as year and month, for example 2026-10 for October 2026.",
            )
        report = selectors.report_get(parsed, with_pdf=with_pdf)
        if report is None:
            if parsed >= timezone.localdate().replace(day=1):
                message = f"{parsed:%B %Y} is not over yet. Its report is made on the first day of the next month."
            else:
                message = f"{parsed:%B %Y} has not been closed, so it has no report yet."
            return _missing(request, f"No report for {parsed:%B %Y}", message)
        return view(request, report if as_report else selectors.report_view_of(report), **kwargs)

    return wrapper


def _download(content: bytes | str, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@report_permission
@cached_staff_page
def report_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.reports_list(), REPORTS_PER_PAGE).get_page(request.GET.get("page"))
    this_year = timezone.localdate().year
    return render(
        request,
        "stats/report_list.html",
        {
            "reports": page.object_list,
            "page_obj": page,
            "annual_years": list(range(this_year - 1, this_year - 1 - ANNUAL_YEARS_SHOWN, -1)),
        },
    )


@report_permission
@closed_report(as_report=True)
@cached_staff_page
def report_detail(request: HttpRequest, report: MonthlyReport) -> HttpResponse:
    sending = selectors.report_board_sending(report) if request.user.has_perm(SEND_PERMISSION) else None
    html = exports.report_html(selectors.report_view_of(report), for_print=False, request=request, sending=sending)
    return HttpResponse(html)


@report_permission
@closed_report(as_report=True, with_pdf=True)
def report_pdf(request: HttpRequest, report: MonthlyReport) -> HttpResponse:
    pdf = services.report_pdf_bytes(report=report)
    return _download(pdf, content_type="application/pdf", filename=f"report-{report.month:%Y-%m}.pdf")


@require_POST
@login_required
@permission_required(SEND_PERMISSION, raise_exception=True)
@closed_report(as_report=True)
def report_send(request: HttpRequest, report: MonthlyReport) -> HttpResponse:
    """ "Send to the board": the latest version goes now, once, whatever the send day."""
    closing = services.report_send(report=report, by=request.user)
    if closing is None:
        messages.info(request, f"The report for {report.month:%B %Y} had already gone to the board.")
    else:
        messages.success(request, f"The report for {report.month:%B %Y} is on its way to the board.")
    return HttpResponseRedirect(reverse("stats_reports:detail", args=[f"{report.month:%Y-%m}"]))


@report_permission
@closed_report
def report_xlsx(request: HttpRequest, view: selectors.ReportView) -> HttpResponse:
    return _download(exports.report_xlsx(view), content_type=exports.XLSX_TYPE, filename=f"report-{view.key}.xlsx")


@report_permission
@closed_report
def report_csv(request: HttpRequest, view: selectors.ReportView) -> HttpResponse:
    area = request.GET.get("area", "")
    if view.section(area) is None:
        names = ", ".join(a.key for a in AREAS)
        return _missing(request, "We do not know that area", f"Choose one of these areas: {names}.")
    return _download(
        exports.report_csv(view, area=area),
        content_type="text/csv; charset=utf-8",
        filename=f"report-{view.key}-{area}.csv",
    )


@report_permission
@closed_report
def report_csv_zip(request: HttpRequest, view: selectors.ReportView) -> HttpResponse:
    return _download(
        exports.report_csv_zip(view), content_type="application/zip", filename=f"report-{view.key}-csv.zip"
    )


def _annual_year(request: HttpRequest, year: str) -> int | HttpResponse:
    this_year = timezone.localdate().year
    if not (year.isascii() and year.isdigit() and len(year) == 4):
        return _missing(request, "We could not read that year", "Write the year with four digits, for example 2025.")
    number = int(year)
    if number >= this_year:
        return _missing(
            request, f"{number} is not over yet", "The annual survey export is ready once the year has ended."
        )
    if number < FIRST_YEAR:
        return _missing(request, "We could not read that year", "Write the year with four digits, for example 2025.")
    return number


@report_permission
def annual_csv(request: HttpRequest, year: str) -> HttpResponse:
    number = _annual_year(request, year)
    if isinstance(number, HttpResponse):
        return number
    lines = selectors.annual_survey_lines(number)
    return _download(
        exports.annual_csv(lines, year=number), content_type="text/csv; charset=utf-8", filename=f"annual-{number}.csv"
    )


@report_permission
def annual_xlsx(request: HttpRequest, year: str) -> HttpResponse:
    number = _annual_year(request, year)
    if isinstance(number, HttpResponse):
        return number
    lines = selectors.annual_survey_lines(number)
    return _download(
        exports.annual_xlsx(lines, year=number), content_type=exports.XLSX_TYPE, filename=f"annual-{number}.xlsx"
    )
