"""Health and safety pages: the procedures a staff member has to read, each procedure as posted beside its
machine, and the hazard, near-miss and incident reports staff file from a phone.

Each view parses its input, calls a safety service or selector, and renders. A refusal from a service (a
ValidationError) is shown on the page with nothing saved.
"""

import datetime as dt
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from makerlab.formatting import count_text, day_text
from makerlab.forms import add_service_error
from makerlab.http import site_address
from makerlab.pagecache import cached_page, cached_staff_page
from makerlab.validators import ascii_id
from safety import documents, selectors, services
from safety.forms import (
    UNKNOWN_PROCEDURE,
    AcknowledgeForm,
    ActionForm,
    ActionStatusForm,
    InspectionForm,
    SafetyReportForm,
)
from safety.models import CorrectiveAction
from staffing.models import StaffMember
from staffing.views import staff_member_required

# --- Procedures ------------------------------------------------------------------------------------------------


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
@staff_member_required
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


# --- Inspections and corrective actions ---

PAGE_SIZE = 25
RECENTLY_DONE = dt.timedelta(days=30)


def _page_number(request: HttpRequest) -> int:
    return ascii_id(request.GET.get("page", "")) or 1


def _add_errors(form, refusal: ValidationError) -> None:
    if hasattr(refusal, "error_dict"):
        for field, errors in refusal.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, refusal)


@require_safe
@login_required
@cached_staff_page
def inspections(request: HttpRequest) -> HttpResponse:
    """The monthly workplace inspections: those still to do first, then those done, a page at a time."""
    listed = selectors.inspections_for(user=request.user)
    is_coordinator = request.user.has_perm("safety.view_inspection")
    page = Paginator(listed, PAGE_SIZE).get_page(_page_number(request))
    today = timezone.localdate()
    return render(
        request,
        "safety/inspections.html",
        {
            "page": page,
            "today": today,
            "overdue": list(selectors.inspections_overdue(today=today).filter(pk__in=[i.pk for i in page])),
            "is_coordinator": is_coordinator,
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@cached_staff_page
def inspection(request: HttpRequest, pk: int) -> HttpResponse:
    """Record one inspection: each line OK or not OK with a note; lines not OK become corrective actions."""
    found = selectors.inspection_for_page(pk=pk)
    if found is None:
        raise Http404("No such inspection.")
    if not services.inspection_can_open(found, user=request.user):
        raise PermissionDenied("Only the inspector and the coordinator open this inspection.")
    can_record = services.inspection_can_do(found, user=request.user) and found.completed_at is None
    results = services.inspection_checklist(inspection=found) if found.completed_at is None else []
    form = InspectionForm(request.POST if request.method == "POST" else None, results=results)
    if request.method == "POST":
        if not can_record:
            form.add_error(None, "This inspection was already recorded, or is not yours to record.")
        elif form.is_valid():
            try:
                actions = services.inspection_complete(
                    inspection_id=found.pk, findings=form.findings(), by=request.user
                )
            except ValidationError as refusal:
                _add_errors(form, refusal)
            else:
                made = f" {count_text(len(actions), 'corrective action')} made." if actions else ""
                messages.success(request, f"Inspection recorded.{made}")
                return redirect("safety:inspection", pk=found.pk)
    done_results = [] if found.completed_at is None else list(found.results.all())
    actions = selectors.actions_of_inspection(inspection=found) if found.completed_at is not None else []
    today = timezone.localdate()
    return render(
        request,
        "safety/inspection.html",
        {
            "inspection": found,
            "form": form,
            "can_record": can_record,
            "is_overdue": found.completed_at is None and found.due_on < today,
            "due_text": day_text(found.due_on, today=today),
            "done_results": done_results,
            "actions": actions,
        },
        status=400 if form.errors else 200,
    )


def _status_forms(actions, *, user) -> list[tuple[CorrectiveAction, ActionStatusForm | None]]:
    """Each action with the form to change its status, for those who may (its owner and the coordinator)."""
    return [
        (
            action,
            ActionStatusForm(initial={"status": action.status}, prefix=f"a{action.pk}")
            if services.action_can_change(action, user=user)
            else None,
        )
        for action in actions
    ]


@require_safe
@login_required
@cached_staff_page
def my_actions(request: HttpRequest) -> HttpResponse:
    """The corrective actions the person logged in owns: those to do, and those done in the last thirty days."""
    today = timezone.localdate()
    page = Paginator(selectors.actions_of(owner=request.user), PAGE_SIZE).get_page(_page_number(request))
    done = selectors.actions_recently_done(owner=request.user, since=timezone.now() - RECENTLY_DONE)[:PAGE_SIZE]
    return render(
        request,
        "safety/my_actions.html",
        {"page": page, "rows": _status_forms(page, user=request.user), "done": done, "today": today},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@permission_required("safety.view_correctiveaction", raise_exception=True)
@cached_staff_page
def all_actions(request: HttpRequest) -> HttpResponse:
    """Every open action, oldest due first, and (for the coordinator) a form to set one on its own."""
    today = timezone.localdate()
    can_add = request.user.has_perm("safety.add_correctiveaction")
    form = ActionForm(request.POST if request.method == "POST" else None, today=today) if can_add else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("Only the coordinator sets corrective actions.")
        if form.is_valid():
            try:
                services.action_create(
                    description=form.cleaned_data["description"],
                    owner_id=form.cleaned_data["owner"].pk,
                    due_on=form.cleaned_data["due_on"],
                    by=request.user,
                )
            except ValidationError as refusal:
                _add_errors(form, refusal)
            else:
                messages.success(request, "Corrective action added.")
                return redirect("safety:all_actions")
    page = Paginator(selectors.actions_all_open(), PAGE_SIZE).get_page(_page_number(request))
    return render(
        request,
        "safety/all_actions.html",
        {"page": page, "rows": _status_forms(page, user=request.user), "form": form, "today": today},
        status=400 if form is not None and form.errors else 200,
    )


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target.startswith("/staff/safety/") and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return target
    return reverse("safety:my_actions")


@require_POST
@login_required
def action_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Move an action to open, in progress or done, from either list; back to the list it was changed on."""
    action = selectors.action_for_change(pk=pk)
    if action is None:
        raise Http404("No such action.")
    if not services.action_can_change(action, user=request.user):
        raise PermissionDenied("Only the action's owner or the coordinator changes it.")
    form = ActionStatusForm(request.POST, prefix=f"a{action.pk}")
    if not form.is_valid():
        messages.error(request, "Choose open, in progress or done.")
        return redirect(_back(request))
    try:
        changed = services.action_status_change(
            action_id=action.pk, status=form.cleaned_data["status"], by=request.user
        )
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(request, f"“{changed.description[:60]}” is now {changed.get_status_display().lower()}.")
    return redirect(_back(request))
