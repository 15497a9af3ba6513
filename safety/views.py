"""Health and safety staff pages: each parses its input, calls one service, and renders.

A refusal from a service is shown on the form with what was typed still in it, and nothing is saved.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from makerlab.formatting import count_text, day_text
from makerlab.pagecache import cached_staff_page
from makerlab.validators import ascii_id
from safety import selectors, services
from safety.forms import ActionForm, ActionStatusForm, InspectionForm
from safety.models import CorrectiveAction

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
    if not services.inspection_can_do(found, user=request.user) and not request.user.has_perm("safety.view_inspection"):
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
