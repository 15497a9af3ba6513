"""The public seed pages (the catalogue, a variety, asking for packets online, the private request page) and
the staff's packet labels.

Each view parses its input with a form, calls one selector or service, and renders. A refusal from a service
is shown on the form with status 200 and nothing saved. The request pages need no login: the private link
is the key.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from makerlab.forms import add_service_error
from makerlab.http import private_page
from makerlab.ratelimit import over_limit, too_many_response
from seedlibrary import catalogue, labels
from seedlibrary.filters import VarietyFilter
from seedlibrary.forms import LabelSheetForm, SeedRequestForm
from seedlibrary.models import Lot, SeedRequest, Variety
from seedlibrary.selectors import pickup_deadline_text
from seedlibrary.services import seed_request_cancel, seed_request_create

VARIETIES_PER_PAGE = 24
BOT_REFUSAL = "We could not take this request. Please try again, or ask for the seeds at the library."


def _over_rate_limit(request: HttpRequest) -> bool:
    return over_limit(request, scope="seeds")


def _too_many(request: HttpRequest) -> HttpResponse:
    return too_many_response(request, template="seedlibrary/too_many.html")


# --- The catalogue --------------------------------------------------------------------------------------------


def availability_text(packets: int) -> str:
    if packets <= 0:
        return "None on the shelf just now"
    return f"{packets} packet{'' if packets == 1 else 's'} on the shelf"


@dataclass(frozen=True)
class VarietyCard:
    variety: Variety
    availability: str
    can_request: bool


def _filter_query(request: HttpRequest) -> str:
    """The filters in the query string (one value each), for page links that keep them."""
    params = QueryDict(mutable=True)
    for name in VarietyFilter.base_filters:
        value = request.GET.get(name, "")
        if value:
            params[name] = value[:100]
    return params.urlencode()


@require_safe
def variety_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    filterset = VarietyFilter(request.GET or None, queryset=catalogue.varieties_published(today=today), today=today)
    page = Paginator(filterset.qs, VARIETIES_PER_PAGE).get_page(request.GET.get("page"))
    online = settings.SEED_ONLINE_REQUESTS
    cards = [
        VarietyCard(
            variety=variety,
            availability=availability_text(variety.packets_available),
            can_request=online and variety.packets_available > 0,
        )
        for variety in page
    ]
    context = {
        "filter": filterset,
        "page": page,
        "cards": cards,
        "online_requests": online,
        "filter_query": _filter_query(request),
        "month": today.strftime("%B"),
        "season_limit": settings.SEED_PACKETS_PER_SEASON,
    }
    return render(request, "seedlibrary/list.html", context)


@require_safe
def variety_page(request: HttpRequest, slug: str) -> HttpResponse:
    today = timezone.localdate()
    variety = catalogue.variety_published(slug=slug, today=today)
    if variety is None:
        raise Http404("No seed at this address.")
    season, windows = catalogue.season_windows(variety, today=today)
    context = {
        "variety": variety,
        "windows": windows,
        "sows_now": catalogue.sows_now(variety, today=today),
        "last_frost": catalogue.last_frost(season),
        "season": season,
        "branches": catalogue.variety_availability(variety=variety, today=today),
        "availability": availability_text(variety.packets_available),
        "can_request": settings.SEED_ONLINE_REQUESTS and variety.packets_available > 0,
    }
    return render(request, "seedlibrary/variety.html", context)


# --- Asking for packets online --------------------------------------------------------------------------------


def _request_page(request: HttpRequest, form: SeedRequestForm, status: int = 200) -> HttpResponse:
    context = {"form": form, "hold_days": settings.SEED_REQUEST_HOLD_DAYS}
    return render(request, "seedlibrary/request.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def request_packets(request: HttpRequest) -> HttpResponse:
    """GET shows the form for the packets chosen on the catalogue (their ids in ``varieties``); POST asks for them."""
    if not settings.SEED_ONLINE_REQUESTS:
        return render(request, "seedlibrary/requests_off.html")
    if request.method != "POST":
        return _request_page(request, SeedRequestForm(chosen=request.GET.getlist("varieties")))
    if _over_rate_limit(request):
        return _too_many(request)
    form = SeedRequestForm(request.POST)
    if form.is_bot:
        form.add_error(None, BOT_REFUSAL)
        return _request_page(request, form, status=400)
    if not form.is_valid():
        return _request_page(request, form)
    try:
        seed_request = seed_request_create(
            card_number=form.cleaned_data["card_number"],
            email=form.cleaned_data["email"],
            branch=form.cleaned_data["branch"],
            varieties=form.cleaned_data["varieties"],
            now=timezone.now(),
        )
    except ValidationError as error:
        add_service_error(form, error)
        return _request_page(request, form)
    return redirect("seeds:request_sent", token=seed_request.manage_token)


# What the private pages say first: the request's state now, never a step it has not reached.
STATUS_HEADINGS = {
    SeedRequest.Status.REQUESTED: "We have your seed request",
    SeedRequest.Status.READY: "Your packets are ready to pick up",
    SeedRequest.Status.PICKED_UP: "You picked up your packets",
    SeedRequest.Status.EXPIRED: "Your seed request has ended",
    SeedRequest.Status.CANCELLED: "Your seed request is cancelled",
}


def _seed_request_or_404(token: str) -> SeedRequest:
    seed_request = catalogue.seed_request_by_token(token=token)
    if seed_request is None:
        raise Http404("No request at this address.")
    return seed_request


def _manage_page(
    request: HttpRequest, seed_request: SeedRequest, *, template: str, errors=(), status: int = 200
) -> HttpResponse:
    context = {
        "seed_request": seed_request,
        "heading": STATUS_HEADINGS[seed_request.status],
        "loans": list(seed_request.loans.all()),
        "open": seed_request.status in SeedRequest.OPEN,
        "expires": pickup_deadline_text(seed_request.expires_at, branch=seed_request.branch),
        "hold_days": settings.SEED_REQUEST_HOLD_DAYS,
        "errors": list(errors),
    }
    return private_page(render(request, template, context, status=status))


@require_safe
@never_cache
def request_sent(request: HttpRequest, token: str) -> HttpResponse:
    return _manage_page(request, _seed_request_or_404(token), template="seedlibrary/request_sent.html")


@require_safe
@never_cache
def request_manage(request: HttpRequest, token: str) -> HttpResponse:
    return _manage_page(request, _seed_request_or_404(token), template="seedlibrary/request_manage.html")


@require_POST
@never_cache
def request_cancel(request: HttpRequest, token: str) -> HttpResponse:
    seed_request = _seed_request_or_404(token)
    if _over_rate_limit(request):
        return _too_many(request)
    try:
        seed_request_cancel(seed_request=seed_request, now=timezone.now())
    except ValidationError as error:
        return _manage_page(request, seed_request, template="seedlibrary/request_manage.html", errors=error.messages)
    messages.success(request, "Your request is cancelled and the packets are back on the shelf for others.")
    return redirect("seeds:request_manage", token=token)


# --- Packet labels (staff) ------------------------------------------------------------------------------------


@login_required
@permission_required("seedlibrary.view_lot", raise_exception=True)
@require_safe
def lot_labels(request: HttpRequest, pk: int) -> HttpResponse:
    """A PDF sheet of packet labels for a lot; ``count`` labels (by default one per packet on the shelf)."""
    lot = get_object_or_404(Lot.objects.select_related("variety"), pk=pk)
    form = LabelSheetForm(request.GET or None, lot=lot)
    if form.is_bound and not form.is_valid():
        return render(request, "seedlibrary/labels_form.html", {"form": form, "lot": lot}, status=400)
    count = form.cleaned_data["count"] if form.is_bound else form.default_count
    sheet = labels.label_sheet(lot=lot, count=count, today=timezone.localdate())
    response = HttpResponse(labels.label_sheet_pdf(sheet), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="labels-{lot.code}.pdf"'
    return response
