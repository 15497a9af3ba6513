"""The coordinator's calendar of displays: a year at a glance, beside the interest programs drew each month."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from makerlab.pagecache import cached_staff_page
from makerlab.selectors import branches_active
from promotion import selectors
from promotion.display_forms import CALENDAR_YEARS, DisplayCalendarForm


@require_safe
@login_required
@permission_required("promotion.view_display", raise_exception=True)
@cached_staff_page
def display_calendar(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    branches = branches_active()
    form = DisplayCalendarForm(request.GET or None, branches=branches, this_year=today.year)
    form.is_valid()
    year, branch = form.chosen()
    branch_part = f"&branch={branch.slug}" if branch else ""
    address = reverse("promotion_staff:displays")
    context = {
        "form": form,
        "year": year,
        "branch": branch,
        "months": selectors.displays_calendar(year=year, branch=branch),
        "today": today,
        "previous_url": f"{address}?year={year - 1}{branch_part}" if year > today.year - CALENDAR_YEARS else "",
        "next_url": f"{address}?year={year + 1}{branch_part}" if year < today.year + CALENDAR_YEARS else "",
        "may_add": request.user.has_perm("promotion.add_display"),
        "may_change": request.user.has_perm("promotion.change_display"),
    }
    return render(request, "promotion/displays/calendar.html", context)
