"""The public displays pages: what is on display now and soon, and each display's own page."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from makerlab.pagecache import cached_page
from promotion import selectors


@require_safe
@cached_page("promotion", "programs", "bookings", "branches")
def display_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    found = selectors.displays_public(now=now)
    context = {
        "on_now": selectors.display_cards(found.on_now, now=now),
        "coming": selectors.display_cards(found.coming, now=now),
    }
    return render(request, "promotion/displays/list.html", context)


@require_safe
@cached_page("promotion", "programs", "bookings", "branches")
def display_detail(request: HttpRequest, slug: str) -> HttpResponse:
    now = timezone.now()
    page = selectors.display_page(slug=slug, now=now)
    if page is None:
        raise Http404("No display has that address.")
    today = timezone.localdate(now, timezone=page.display.branch.zone)
    context = {"page": page, "display": page.display, "when": selectors.display_dates_text(page.display, today=today)}
    if page.state is selectors.DisplayState.ENDED:
        return render(request, "promotion/displays/ended.html", context, status=410)
    return render(request, "promotion/displays/detail.html", context)
