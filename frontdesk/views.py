"""The staff start page: today at a glance for the person logged in."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from frontdesk.selectors import staff_day
from makerlab.formatting import day_text
from makerlab.pagecache import cached_staff_page
from makerlab.selectors import branches_active


def works_in_the_lab(user) -> bool:
    """An active person of the lab; a login with desk permissions and no staff record (a coordinator) too."""
    staff_member = getattr(user, "staff_member", None)
    if staff_member is not None:
        return staff_member.is_active
    return user.has_perm("bookings.change_booking")


@require_safe
@login_required
@never_cache
@cached_staff_page
def start(request: HttpRequest) -> HttpResponse:
    if not works_in_the_lab(request.user):
        raise PermissionDenied("The staff area is for people who work in the Maker Lab.")
    branches = branches_active()
    if not branches:
        return render(request, "frontdesk/start.html", {"day": None, "branches": [], "me": None})
    wanted = request.GET.get("branch", "")
    chosen = next((branch for branch in branches if branch.slug == wanted), None)
    staff_member = getattr(request.user, "staff_member", None)
    day = staff_day(user=request.user, staff_member=staff_member, branch=chosen, now=timezone.now())
    context = {
        "day": day,
        "branches": branches,
        "date_text": day_text(day.today, today=day.today),
        "me": staff_member,
    }
    return render(request, "frontdesk/start.html", context)
