"""The statistics dashboard for the coordinator and the board (read-only).

The view reads the filter (branch, first and last month), builds the dashboard and renders it. A
filter that can't be used is explained in a message and on the form, and the default view is shown.
"""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from makerlab.models import Branch
from makerlab.pagecache import cached_staff_page
from makerlab.selectors import branches_active
from stats.dashboard import (
    MAX_MONTHS,
    SHOWN_KEYS,
    add_months,
    dashboard_build,
    month_first,
    months_between,
)
from stats.figures import FIGURES_BY_KEY

EARLIEST_MONTH = dt.date(2000, 1, 1)
DEFAULT_MONTHS = 13


class MonthField(forms.DateField):
    """A month typed as YYYY-MM (the browser's month picker sends that), cleaned to its first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m"]
    default_error_messages = {"invalid": "Enter a month as year and month, like 2026-03."}

    def to_python(self, value):
        value = value.strip() if isinstance(value, str) else value
        if isinstance(value, str) and len(value) > 7:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class DashboardFilterForm(forms.Form):
    branch = forms.ChoiceField(label="Branch", required=False)
    start = MonthField(label="From month", required=False, help_text="For example 2025-11.")
    end = MonthField(label="To month", required=False, help_text="For example 2026-11.")

    def __init__(self, *args, branches: list[Branch], this_month: dt.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.this_month = this_month
        self.fields["branch"].choices = [("", "All branches")] + [(branch.slug, branch.name) for branch in branches]
        self.fields["branch"].error_messages["invalid_choice"] = "Choose a branch from the list."

    def clean(self):
        cleaned = super().clean()
        end = cleaned.get("end") or self.this_month
        if self.errors:
            return cleaned
        if end < EARLIEST_MONTH:
            self.add_error("end", f"Choose a month from {EARLIEST_MONTH:%B %Y} on.")
            return cleaned
        start = cleaned.get("start") or add_months(end, -(DEFAULT_MONTHS - 1))
        if end > self.this_month:
            self.add_error("end", f"Choose a month up to {self.this_month:%B %Y}: later months have no figures yet.")
        elif start < EARLIEST_MONTH:
            self.add_error("start", f"Choose a month from {EARLIEST_MONTH:%B %Y} on.")
        elif start > end:
            self.add_error("start", "The first month must come before the last one.")
        elif len(months_between(start, end)) > MAX_MONTHS:
            self.add_error("start", f"Choose at most {MAX_MONTHS} months at a time.")
        cleaned["start"], cleaned["end"] = start, end
        return cleaned


@login_required
@permission_required("stats.view_monthlyreport", raise_exception=True)
@require_safe
@cached_staff_page
def dashboard(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    this_month = month_first(timezone.localdate(now))
    branches = branches_active()
    start, end, branch = add_months(this_month, -(DEFAULT_MONTHS - 1)), this_month, None
    form = DashboardFilterForm(
        request.GET or None, branches=branches, this_month=this_month, initial={"start": start, "end": end}
    )
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        branch = next((b for b in branches if b.slug == form.cleaned_data["branch"]), None)
    elif form.is_bound:
        first_error = next(iter(form.errors.values()))[0]
        messages.error(request, f"Showing the last {DEFAULT_MONTHS} months for all branches. {first_error}")
    board = dashboard_build(first=start, last=end, branch=branch, now=now)
    context = {
        "form": form,
        "board": board,
        "branch": branch,
        "start": start,
        "end": end,
        "definitions": [FIGURES_BY_KEY[key] for key in SHOWN_KEYS],
    }
    return render(request, "stats/dashboard.html", context)
