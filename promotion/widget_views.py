"""The "What's on" widget: the page the library's website frames, the fragment it includes, and the staff page that
gives the snippet for both.

Only the widget page may be framed, and only by the websites in WIDGET_FRAME_ANCESTORS (and this site, for the
staff preview); every other page keeps ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``. The headers are
set outside the page cache: a copy served from the cache gets them as a fresh page does.
"""

from collections.abc import Callable
from functools import partial, wraps

from csp.constants import SELF
from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from makerlab.http import site_address
from makerlab.pagecache import cached_page, cached_staff_page
from promotion.widget import WidgetChoices, WidgetForm, whats_on, widget_choices

View = Callable[..., HttpResponse]
# A session that has ended can drop out of the list within the minute.
WIDGET_PERIOD_SECONDS = 60


def website_origins() -> list[str]:
    """The library's website origins from WIDGET_FRAME_ANCESTORS (this site itself needs no permission)."""
    return [origin for origin in settings.WIDGET_FRAME_ANCESTORS if origin != SELF]


def _frameable_by_library_website(view: View) -> View:
    """Let the websites in WIDGET_FRAME_ANCESTORS frame this page (read on each request), and no one else."""

    @xframe_options_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        # What django-csp's csp_replace decorator sets, with the origins read now rather than at import.
        response._csp_replace = {"frame-ancestors": [SELF, *website_origins()]}
        return response

    return wrapper


def _readable_by_library_website(view: View) -> View:
    """Let a script on the library's website read this response (CORS), and no other website's."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        origin = request.headers.get("Origin", "")
        if origin in website_origins():
            response["Access-Control-Allow-Origin"] = origin
        patch_vary_headers(response, ["Origin"])
        return response

    return wrapper


def _not_indexed(response: HttpResponse) -> HttpResponse:
    """The widget repeats the site's own pages: search engines should list those, not this."""
    response["X-Robots-Tag"] = "noindex"
    return response


def _sections(request: HttpRequest):
    choices = widget_choices(WidgetForm(request.GET))
    return whats_on(choices=choices, address=partial(site_address, request))


@require_safe
@_frameable_by_library_website
@cached_page("programs", "bookings", "promotion", "branches", period_seconds=WIDGET_PERIOD_SECONDS)
def widget_page(request: HttpRequest) -> HttpResponse:
    context = {"sections": _sections(request), "home_url": site_address(request, reverse("home"))}
    return _not_indexed(render(request, "promotion/widget/page.html", context))


@require_safe
@_readable_by_library_website
@cached_page("programs", "bookings", "promotion", "branches", period_seconds=WIDGET_PERIOD_SECONDS)
def widget_fragment(request: HttpRequest) -> HttpResponse:
    context = {"sections": _sections(request), "home_url": site_address(request, reverse("home"))}
    return _not_indexed(render(request, "promotion/widget/fragment.html", context))


# --- The staff page: the snippet to put on the library's website ---------------------------------------------


def iframe_snippet(*, widget_url: str, library_name: str) -> str:
    return format_html(
        '<iframe src="{}" title="{}" width="100%" height="600" loading="lazy" style="border:0;max-width:100%">'
        "</iframe>",
        widget_url,
        f"What\u2019s on at the {library_name} Maker Lab",
    )


def _embed_context(request: HttpRequest, choices: WidgetChoices) -> dict:
    query = choices.query()
    suffix = f"?{query}" if query else ""
    widget_path = reverse("promotion:widget") + suffix
    widget_url = site_address(request, widget_path)
    return {
        "preview_url": widget_path,
        "widget_url": widget_url,
        "iframe_snippet": iframe_snippet(widget_url=widget_url, library_name=settings.LIBRARY_NAME),
        "fragment_url": site_address(request, reverse("promotion:widget_fragment") + suffix),
    }


@require_safe
@login_required
@permission_required("promotion.view_display", raise_exception=True)
@cached_staff_page
def widget_snippet(request: HttpRequest) -> HttpResponse:
    form = WidgetForm(request.GET or None)
    context = {"form": form, "website_origins": website_origins()}
    if not form.is_bound or form.is_valid():
        context |= _embed_context(request, widget_choices(form))
    return render(request, "promotion/widget/staff.html", context)
