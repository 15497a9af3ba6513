"""The staff start page: today at a glance for the person logged in."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


def _works_in_the_lab(user) -> bool:
    """An active person of the lab; a login with desk permissions and no staff record (a coordinator) too."""
    staff_member = getattr(user, "staff_member", None)
    if staff_member is not None:
        return staff_member.is_active
    return user.has_perm("bookings.change_booking")


@require_safe
@login_required
@never_cache
def start(request: HttpRequest) -> HttpResponse:
    if not _works_in_the_lab(request.user):
        raise PermissionDenied("The staff area is for people who work in the Maker Lab.")
    return render(request, "frontdesk/start.html", {})
