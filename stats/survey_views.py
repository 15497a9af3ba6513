"""The public survey pages, reached from an emailed link or a QR code in the room, and the staff QR page.

No login: the single-use signed link is the key. The pages are never cached or indexed, and say
nothing about who was invited. A link that was altered or cut short gets a plain page, not an error.
"""

import segno
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from makerlab.forms import add_service_error
from makerlab.http import private_page, site_address
from makerlab.models import ServiceArea
from makerlab.ratelimit import count_outcome, limit_public_posts, seconds_to_wait, too_many_response
from programs.models import Program
from stats.models import SurveyKind
from stats.survey_forms import FollowUpSurveyForm, ImmediateSurveyForm
from stats.surveys import (
    AlreadyAnswered,
    SurveyExpired,
    SurveyLink,
    in_room_link_create,
    in_room_link_reusable,
    program_for_survey_code,
    program_survey_code,
    program_survey_is_closed,
    survey_link_about,
    survey_link_is_expired,
    survey_link_is_used,
    survey_link_read,
    survey_response_create,
)

# A room of patrons may share the library Wi-Fi's one address, so the limit is per room, not per person.
TOO_MANY = "stats/survey/too_many.html"
rate_limited = limit_public_posts("surveys", template=TOO_MANY, done_rate_setting="SURVEY_POSTS_RATE")
BOT_REFUSAL = "We could not take these answers. Please try again."
# The in-room link this visitor was given per program, so scanning again reopens it instead of making another.
IN_ROOM_SEEN = "stats_in_room_survey"


def _page(request: HttpRequest, template: str, context: dict | None = None, *, status: int = 200) -> HttpResponse:
    return private_page(render(request, f"stats/survey/{template}", context or {}, status=status))


def _form_class(link: SurveyLink) -> type[ImmediateSurveyForm] | type[FollowUpSurveyForm]:
    return FollowUpSurveyForm if link.kind == SurveyKind.FOLLOW_UP else ImmediateSurveyForm


def _survey_page(request: HttpRequest, link: SurveyLink, form, *, status: int = 200) -> HttpResponse:
    area = ServiceArea(link.service_area).label if link.service_area in ServiceArea.values else ""
    context = {
        "about": survey_link_about(link),
        "area": area,
        "form": form,
        "follow_up": link.kind == SurveyKind.FOLLOW_UP,
    }
    return _page(request, "survey.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
@rate_limited
def survey(request: HttpRequest, token: str) -> HttpResponse:
    link = survey_link_read(token)
    if link is None:
        return _page(request, "not_found.html", status=404)
    if survey_link_is_used(link):
        return _page(request, "answered.html")
    if survey_link_is_expired(link):
        return _page(request, "expired.html", status=410)
    form_class = _form_class(link)
    if request.method != "POST":
        return _survey_page(request, link, form_class())
    form = form_class(request.POST)
    if form.is_bot:
        form.add_error(None, BOT_REFUSAL)
        return _survey_page(request, link, form, status=400)
    if not form.is_valid():
        return _survey_page(request, link, form)
    try:
        survey_response_create(link=link, answers=form.answers())
    except AlreadyAnswered:
        return _page(request, "answered.html")
    except SurveyExpired:
        return _page(request, "expired.html", status=410)
    except ValidationError as error:
        add_service_error(form, error)
        return _survey_page(request, link, form)
    return redirect("surveys:thanks")


@require_safe
@never_cache
def thanks(request: HttpRequest) -> HttpResponse:
    return _page(request, "thanks.html")


@require_safe
@never_cache
def program_survey(request: HttpRequest, code: str) -> HttpResponse:
    """A QR code in the room: a fresh single-use survey for this program, or the one this visitor has open."""
    program = program_for_survey_code(code)
    if program is None:
        raise Http404("No survey at this address.")
    if program_survey_is_closed(program):
        return _page(request, "room_closed.html", {"program": program}, status=410)
    seen = request.session.get(IN_ROOM_SEEN)
    seen = seen if isinstance(seen, dict) else {}
    token = in_room_link_reusable(program=program, token=seen.get(str(program.pk)))
    if token is None:
        seconds = seconds_to_wait(request, scope="surveys-in-room", done_rate_setting="SURVEY_POSTS_RATE")
        if seconds:
            return too_many_response(request, template=TOO_MANY, seconds=seconds)
        token = in_room_link_create(program=program)
        count_outcome(request, scope="surveys-in-room", done=True, done_rate_setting="SURVEY_POSTS_RATE")
        request.session[IN_ROOM_SEEN] = {**seen, str(program.pk): token}
    return redirect("surveys:survey", token=token)


# --- Staff: the QR code to print for the room ---------------------------------------------------------------


def _qr_svg(url: str, *, label: str) -> SafeString:
    """The QR code as inline SVG (presentation attributes only), named for screen readers."""
    svg = segno.make(url, error="m").svg_inline(scale=8, border=4, dark="#000", light="#fff", omitsize=True)
    # segno draws the SVG from the address alone; the label is escaped before it joins it.
    return mark_safe(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" class="survey-qr" ', 1))  # noqa: S308


@require_safe
@login_required
@permission_required("programs.view_program", raise_exception=True)
def program_qr(request: HttpRequest, pk: int) -> HttpResponse:
    program = get_object_or_404(Program.objects.select_related("branch"), pk=pk)
    url = site_address(request, reverse("surveys:program", args=[program_survey_code(program)]))
    context = {
        "program": program,
        "url": url,
        "qr": _qr_svg(url, label=f"QR code for the survey about {program.title}"),
        "today": timezone.localdate(),
    }
    return render(request, "stats/survey/qr.html", context)
