"""Health and safety pages in the staff area. Thin: parse the form, call one service, render."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from makerlab.forms import add_service_error
from makerlab.pagecache import cached_staff_page
from safety import selectors, services
from safety.forms import SafetyReportForm

# --- Reports ---


def files_reports(view: Callable) -> Callable:
    """Logged in (else the login page), and someone who works in the lab (else the friendly 403 page)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not selectors.may_file_reports(request.user):
            raise PermissionDenied("Health and safety reports are filed by people who work in the Maker Lab.")
        return view(request, *args, **kwargs)

    return wrapper


@require_http_methods(["GET", "HEAD", "POST"])
@files_reports
@cached_staff_page
def report(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    branches = selectors.report_branches(user=request.user, now=now)
    form = SafetyReportForm(
        request.POST if request.method == "POST" else None,
        branches=branches,
        equipment=selectors.report_equipment(branches=branches),
    )
    if request.method == "POST" and form.is_valid():
        try:
            filed = services.report_file(reporter=request.user, details=form.details(), now=now)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return redirect("safety:report_filed", pk=filed.report.pk)
    status = 400 if form.is_bound else 200
    return render(request, "safety/report.html", {"form": form, "has_branches": bool(branches)}, status=status)


@require_safe
@files_reports
@cached_staff_page
def report_filed(request: HttpRequest, pk: int) -> HttpResponse:
    filed = selectors.report_as_filed(pk=pk, user=request.user)
    if filed is None:
        raise Http404("No report of yours has this number.")
    return render(request, "safety/report_filed.html", {"filed": filed})


@require_safe
@files_reports
@cached_staff_page
def my_reports(request: HttpRequest) -> HttpResponse:
    context = {"reports": selectors.reports_filed_by(user=request.user), "shown": selectors.MY_REPORTS_SHOWN}
    return render(request, "safety/my_reports.html", context)
