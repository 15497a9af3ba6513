"""Health and safety pages: the procedures a staff member has to read, each procedure as posted beside its
machine, and the hazard, near-miss and incident reports staff file from a phone.

Each view parses its input, calls a safety service or selector, and renders. A refusal from a service (a
ValidationError) is shown on the page with nothing saved.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_safe

from makerlab.forms import add_service_error
from makerlab.http import site_address
from makerlab.pagecache import cached_page, cached_staff_page
from safety import documents, selectors, services
from safety.forms import UNKNOWN_PROCEDURE, AcknowledgeForm, SafetyReportForm
from staffing.models import StaffMember

# --- Procedures ------------------------------------------------------------------------------------------------


def _works_in_the_lab(view: Callable) -> Callable:
    """Logged in, and an active person of the lab; the view receives the StaffMember after the request."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        staff_member = getattr(request.user, "staff_member", None)
        if staff_member is None or not staff_member.is_active:
            raise PermissionDenied("The staff area is for people who work in the Maker Lab.")
        return view(request, staff_member, *args, **kwargs)

    return wrapper


def _procedures_page(request: HttpRequest, me: StaffMember, *, form: AcknowledgeForm, status: int = 200):
    today = timezone.localdate()
    context = {
        "me": me,
        "form": form,
        "to_read": selectors.procedures_to_acknowledge(staff_member=me, day=today),
        "acknowledged": selectors.acknowledgements_of(staff_member=me),
    }
    return render(request, "safety/procedures.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@_works_in_the_lab
@cached_staff_page
def procedures_to_read(request: HttpRequest, me: StaffMember) -> HttpResponse:
    """The current procedures of the equipment the person supervises, to read and acknowledge, and those done."""
    if request.method != "POST":
        return _procedures_page(request, me, form=AcknowledgeForm())
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        return _procedures_page(request, me, form=form, status=400)
    version = selectors.procedure_version(version_id=form.cleaned_data["version"])
    if version is None:
        form.add_error("version", ValidationError(UNKNOWN_PROCEDURE, code="unknown_procedure"))
        return _procedures_page(request, me, form=form, status=400)
    try:
        services.procedure_acknowledge(version=version, staff_member=me)
    except ValidationError as error:
        form.add_error("version", error)
        return _procedures_page(request, me, form=form)
    messages.success(request, f"Thank you: you acknowledged “{version.title}”, version {version.number}.")
    return redirect("safety:procedures")


@require_safe
@cached_page("safety")
def procedure_page(request: HttpRequest, equipment_id: int) -> HttpResponse:
    """The current procedure of a piece of equipment, for anyone: the posted sheet's QR code opens it."""
    page = selectors.procedure_page(equipment_id=equipment_id)
    if page is None or page.version is None:
        raise Http404("This equipment has no written procedure yet.")
    return render(request, "safety/procedure.html", {"page": page})


@require_safe
@login_required
@permission_required("safety.view_procedureversion", raise_exception=True)
def procedure_sheet_pdf(request: HttpRequest, equipment_id: int) -> HttpResponse:
    """The current procedure as a PDF to post beside the machine."""
    page = selectors.procedure_page(equipment_id=equipment_id)
    if page is None or page.version is None:
        raise Http404("This equipment has no written procedure yet.")
    url = site_address(request, reverse("safety_public:procedure", args=[equipment_id]))
    sheet = documents.procedure_sheet(page=page, url=url)
    response = HttpResponse(documents.procedure_sheet_pdf(sheet), content_type="application/pdf")
    name = slugify(str(page.equipment)) or "equipment"
    response["Content-Disposition"] = content_disposition_header(
        False, f"procedure-{name}-version-{page.version.number}.pdf"
    )
    return response


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
