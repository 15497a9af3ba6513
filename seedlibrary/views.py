"""The public seed pages (the catalogue, a variety, the request basket, asking for packets online, the private
request page) and the staff's packet labels.

Each view parses its input with a form, calls one selector or service, and renders. A refusal from a service
is shown on the form with status 200 and nothing saved. The request pages need no login: the basket lives in
the session, and the private link is the key to a request.
"""

from dataclasses import dataclass
from operator import attrgetter

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from makerlab.formatting import count_text
from makerlab.forms import add_public_refusal
from makerlab.http import from_own_pages
from makerlab.links import private_link
from makerlab.pagecache import cached_page
from makerlab.ratelimit import WaitPage, limit_public_posts
from makerlab.share_image import share_image_response, share_tags
from seedlibrary import catalogue, labels
from seedlibrary.basket import SeedBasket
from seedlibrary.filters import VarietyFilter
from seedlibrary.forms import BasketChangeForm, LabelSheetForm, SeedRequestForm
from seedlibrary.models import Lot, SeedRequest, Variety
from seedlibrary.selectors import pickup_deadline_text
from seedlibrary.services import seed_request_basket_check, seed_request_cancel, seed_request_create
from seedlibrary.sharing import LABEL as SHARE_LABEL
from seedlibrary.sharing import variety_share_card

VARIETIES_PER_PAGE = 24
BOT_REFUSAL = "We could not take this request. Please try again, or ask for the seeds at the library."


# Public posts are counted per address: see makerlab/ratelimit.py.
rate_limited = limit_public_posts(
    "seeds",
    wait_page=WaitPage(
        otherwise="ask for the seeds at the library", back_url="seeds:list", back_text="Back to the seed library"
    ),
)


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
    in_basket: bool


def _basket_varieties(basket: SeedBasket) -> list[Variety]:
    """The seeds in the basket that are still in the catalogue, in the order they were added (one query at most)."""
    ids = basket.ids
    if not ids:
        return []
    found = {variety.pk: variety for variety in catalogue.varieties_for_request(ids=ids)}
    return [found[pk] for pk in ids if pk in found]


def _filter_query(request: HttpRequest) -> str:
    """The filters in the query string (one value each), for page links that keep them."""
    params = QueryDict(mutable=True)
    for name in VarietyFilter.base_filters:
        value = request.GET.get(name, "")
        if value:
            params[name] = value[:100]
    return params.urlencode()


@require_safe
@cached_page("seeds", "branches", conditional=True)
def variety_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    filterset = VarietyFilter(request.GET or None, queryset=catalogue.varieties_published(today=today), today=today)
    page = Paginator(filterset.qs, VARIETIES_PER_PAGE).get_page(request.GET.get("page"))
    online = settings.SEED_ONLINE_REQUESTS
    basket = _basket_varieties(SeedBasket(request.session)) if online else []
    in_basket = {variety.pk for variety in basket}
    cards = [
        VarietyCard(
            variety=variety,
            availability=availability_text(variety.packets_available),
            can_request=online and variety.packets_available > 0,
            in_basket=variety.pk in in_basket,
        )
        for variety in page
    ]
    filter_query = _filter_query(request)
    context = {
        "filter": filterset,
        "filters_in_use": sum(1 for name in VarietyFilter.base_filters if request.GET.get(name)),
        "page": page,
        "cards": cards,
        "basket": basket,
        "online_requests": online,
        "filter_query": filter_query,
        "month": today.strftime("%B"),
        "season_limit": settings.SEED_PACKETS_PER_SEASON,
    }
    return render(request, "seedlibrary/list.html", context)


@require_safe
@cached_page("seeds", "branches")
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
        "in_basket": settings.SEED_ONLINE_REQUESTS and variety.pk in SeedBasket(request.session),
        "share_tags": share_tags(
            request,
            title=str(variety),
            description=_share_description(variety),
            page_path=reverse("seeds:variety", args=[variety.slug]),
            image_path=reverse("seeds:share_image", args=[variety.slug]),
            label=SHARE_LABEL,
        ),
    }
    return render(request, "seedlibrary/variety.html", context)


def _share_description(variety: Variety) -> str:
    return variety.growing_notes or f"{variety}, {variety.botanical_name}: free seeds to borrow from the library."


@require_safe
@cached_page("seeds", conditional=True)
def variety_share_image(request: HttpRequest, slug: str) -> HttpResponse:
    """The picture social media show when the seed's page is shared: drawn once per change."""
    variety = catalogue.variety_to_share(slug=slug)
    if variety is None:
        raise Http404("No seed at this address.")
    return share_image_response(request, variety_share_card(variety), storage=variety.photo.storage)


# --- The request basket ---------------------------------------------------------------------------------------


def _back_to(request: HttpRequest, back: str, *, variety_id: int | None = None) -> HttpResponse:
    """Back to the seed page the patron was on (a path of this site under /seeds/ only), at the seed they chose."""
    catalogue_path = reverse("seeds:list")
    safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    if not (safe and back.startswith(catalogue_path) and "#" not in back):
        back = catalogue_path
    if variety_id is not None and back.split("?")[0] == catalogue_path:
        back = f"{back}#variety-{variety_id}"
    return redirect(back)


@require_POST
@from_own_pages
def basket_add(request: HttpRequest) -> HttpResponse:
    """Add one packet of a seed on the shelf to the basket, within the season limits (the service decides)."""
    if not settings.SEED_ONLINE_REQUESTS:
        return render(request, "seedlibrary/requests_off.html")
    form = BasketChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "We could not tell which seed you chose. Please choose it again.")
        return _back_to(request, request.POST.get("back", "")[:2000])
    back, variety_id = form.cleaned_data["back"], form.cleaned_data["variety"]
    variety = catalogue.variety_on_the_shelf(pk=variety_id, today=timezone.localdate())
    if variety is None:
        messages.error(request, "This seed has no packets on the shelf just now, so it cannot be added.")
        return _back_to(request, back)
    basket = SeedBasket(request.session)
    if variety.pk not in basket:
        try:
            seed_request_basket_check(varieties=[*_basket_varieties(basket), variety])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return _back_to(request, back, variety_id=variety.pk)
        basket.add(variety.pk)
    messages.success(request, f"{variety} is in your request ({count_text(len(basket), 'packet')}).")
    return _back_to(request, back, variety_id=variety.pk)


@require_POST
@from_own_pages
def basket_remove(request: HttpRequest) -> HttpResponse:
    form = BasketChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "We could not tell which seed to take out. Please try again.")
        return _back_to(request, request.POST.get("back", "")[:2000])
    basket = SeedBasket(request.session)
    variety_id = form.cleaned_data["variety"]
    if variety_id in basket:
        basket.remove(variety_id)
        messages.success(request, f"Taken out of your request ({count_text(len(basket), 'packet')} left).")
    return _back_to(request, form.cleaned_data["back"], variety_id=variety_id)


# --- Asking for packets online --------------------------------------------------------------------------------


def _request_page(request: HttpRequest, form: SeedRequestForm, status: int = 200) -> HttpResponse:
    context = {"form": form, "hold_days": settings.SEED_REQUEST_HOLD_DAYS}
    return render(request, "seedlibrary/request.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@rate_limited
def request_packets(request: HttpRequest) -> HttpResponse:
    """GET shows the form for the packets in the basket; POST asks for the ones still ticked and empties it."""
    if not settings.SEED_ONLINE_REQUESTS:
        return render(request, "seedlibrary/requests_off.html")
    basket = SeedBasket(request.session)
    if request.method != "POST":
        return _request_page(request, SeedRequestForm(chosen=[str(pk) for pk in basket.ids]))
    form = SeedRequestForm(request.POST)
    if form.is_bot:
        form.add_error(None, BOT_REFUSAL)
        return _request_page(request, form, status=400)
    if not form.is_valid():
        return _request_page(request, form)
    now = timezone.now()
    try:
        seed_request = seed_request_create(
            card_number=form.cleaned_data["card_number"],
            email=form.cleaned_data["email"],
            branch=form.cleaned_data["branch"],
            varieties=form.cleaned_data["varieties"],
            now=now,
        )
    except ValidationError as error:
        doing = f"borrow seed packets from {form.cleaned_data['branch']}"
        add_public_refusal(form, error, card_number=form.cleaned_data["card_number"], doing=doing, now=now)
        return _request_page(request, form)
    basket.clear()
    return redirect("seeds:request_sent", token=seed_request.manage_token)


# What the private pages say first: the request's state now, never a step it has not reached.
STATUS_HEADINGS = {
    SeedRequest.Status.REQUESTED: "We have your seed request",
    SeedRequest.Status.READY: "Your packets are ready to pick up",
    SeedRequest.Status.PICKED_UP: "You picked up your packets",
    SeedRequest.Status.EXPIRED: "Your seed request has ended",
    SeedRequest.Status.CANCELLED: "Your seed request is cancelled",
}


# A request's private link: the view is given the request.
seed_request_link = private_link(
    catalogue.seed_request_by_token, ended_at=attrgetter("ended_at"), missing="No request at this address."
)


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
    return render(request, template, context, status=status)


@require_safe
@never_cache
@seed_request_link
def request_sent(request: HttpRequest, seed_request: SeedRequest) -> HttpResponse:
    return _manage_page(request, seed_request, template="seedlibrary/request_sent.html")


@require_safe
@never_cache
@cached_page("seeds", "branches", period_seconds=60)  # a link reached by its owner only
@seed_request_link
def request_manage(request: HttpRequest, seed_request: SeedRequest) -> HttpResponse:
    return _manage_page(request, seed_request, template="seedlibrary/request_manage.html")


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
@rate_limited
@seed_request_link
def request_cancel(request: HttpRequest, seed_request: SeedRequest) -> HttpResponse:
    """GET asks the patron to confirm, naming the packets; only the POST from that page cancels."""
    token = seed_request.manage_token
    if request.method != "POST":
        if seed_request.status not in SeedRequest.OPEN:
            return redirect("seeds:request_manage", token=token)
        return _manage_page(request, seed_request, template="seedlibrary/request_cancel.html")
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
