import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.templatetags.static import static
from django.utils import timezone
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from makerlab import selectors
from makerlab.formatting import relative_day_text
from makerlab.forms import StaffLoginForm
from makerlab.home_sections import HOME_AREAS, home_sections
from makerlab.http import private_page
from makerlab.links import LinkExpired
from makerlab.pagecache import cached_page
from makerlab.roles import start_page_for
from makerlab.sessions import staff_session_start


@dataclass(frozen=True)
class BranchNow:
    """A branch's week of hours, and whether it is open now, as the home page shows them."""

    calendar: selectors.BranchCalendar
    status: selectors.OpenStatus
    next_opens_day: str


@require_safe
@cached_page(*HOME_AREAS, period_seconds=60)  # "Open now"
def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    today = timezone.localdate(now)
    branches = []
    for calendar in selectors.branch_calendars(first_day=today, last_day=today + dt.timedelta(days=6)):
        status = calendar.status_at(now)
        zone = calendar.branch.zone
        next_opens_day = (
            relative_day_text(status.next_opens.astimezone(zone).date(), today=now.astimezone(zone).date())
            if status.next_opens
            else ""
        )
        branches.append(BranchNow(calendar, status, next_opens_day))
    context = {"branches": branches, "today": today, "sections": home_sections(now=now)}
    return render(request, "makerlab/home.html", context)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    report = selectors.health_report()
    body = {
        "status": "ok" if report.healthy else "unhealthy",
        "database": "ok" if report.database else "down",
        "broker": "ok" if report.broker else "down",
        "beat": "ok" if report.beat else "stale",
        "beat_last_run": report.beat_last_run.isoformat() if report.beat_last_run else None,
        "cache": "ok" if report.cache else "degraded",
    }
    return JsonResponse(body, status=200 if report.healthy else 503)


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages that name no icon, such as the admin's."""
    return redirect(static("favicon.svg"))


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404 page, except for a private link past its time: that one says it has expired (410 Gone)."""
    if isinstance(exception, LinkExpired):
        return private_page(render(request, "link_expired.html", status=410))
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """Like Django's, but with the request so the page keeps the library's name and layout."""
    return render(request, "500.html", status=500)


class StaffLoginView(auth_views.LoginView):
    """The staff login; without a ``next`` page, each role lands on its own start page."""

    authentication_form = StaffLoginForm

    def form_valid(self, form: StaffLoginForm) -> HttpResponse:
        response = super().form_valid(form)
        staff_session_start(self.request.session, keep_logged_in=form.cleaned_data["keep_logged_in"])
        return response

    def get_default_redirect_url(self) -> str:
        return resolve_url(start_page_for(self.request.user))
