"""The coordinator's promotion start page: the way to displays, printables, the newsletter digest and the widget."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from makerlab.pagecache import cached_staff_page


@require_safe
@login_required
@permission_required("promotion.view_display", raise_exception=True)
@cached_staff_page
def start(request: HttpRequest) -> HttpResponse:
    return render(request, "promotion/staff/start.html")
