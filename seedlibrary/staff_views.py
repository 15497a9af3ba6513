"""The seed desk in the staff area: lend packets by card number, record orientations and returns,
fill online requests, and read the season report.

Each view parses its input, calls one seed library service, and renders. A refusal from a service
(a ValidationError) is shown on the form and nothing is saved.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from makerlab.formatting import day_text, moment_text
from makerlab.forms import StaffCardLookupForm, add_service_error
from makerlab.models import Branch, Patron
from makerlab.pagecache import cached_staff_page
from makerlab.selectors import branches_active
from seedlibrary import services
from seedlibrary.models import Loan, Lot, Orientation, SeedRequest
from seedlibrary.selectors import (
    patron_by_card,
    patron_season_usage,
    pickup_deadline_text,
    season_of,
    season_report,
    shelf_lots,
)
from seedlibrary.staff_forms import LendForm, OrientationForm, ReturnForm, SeasonForm

REQUESTS_PER_PAGE = 25
RETURN_SEASONS_BACK = 3  # a return is of seed borrowed in the last few seasons


def seed_permission(permission: str):
    def decorator(view):
        return login_required(permission_required(permission, raise_exception=True)(view))

    return decorator


def _branch(request: HttpRequest) -> tuple[Branch, list[Branch]]:
    branches = branches_active()
    if not branches:
        raise Http404("No branch is open.")
    wanted = request.POST.get("branch") or request.GET.get("branch", "")
    return next((branch for branch in branches if branch.slug == wanted), branches[0]), branches


def _orientation(patron: Patron) -> Orientation | None:
    try:
        return patron.seed_orientation
    except Orientation.DoesNotExist:
        return None


def _here(name: str, **query) -> str:
    query = {key: value for key, value in query.items() if value}
    return f"{reverse(name)}?{urlencode(query)}" if query else reverse(name)


UNKNOWN_CARD = "No patron has this library card. Check the number, or record their orientation to add them."


def _lookup(request: HttpRequest, *, unknown: str = UNKNOWN_CARD) -> tuple[StaffCardLookupForm, Patron | None]:
    """The card typed in the lookup box (GET ?card_number=), and its patron when the library knows it.

    A card with the right shape that no patron has gets ``unknown`` on the field; empty ``unknown`` leaves
    the form valid, for the pages that add a new patron.
    """
    form = StaffCardLookupForm(request.GET if "card_number" in request.GET else None)
    if not form.is_bound or not form.is_valid():
        return form, None
    patron = patron_by_card(card_number=form.cleaned_data["card_number"])
    if patron is None and unknown:
        form.add_error("card_number", unknown)
    return form, patron


def _posted_lookup(request: HttpRequest) -> tuple[StaffCardLookupForm, Patron | None]:
    """The card a desk form posts back, and its patron, looked up again (the page may be old)."""
    lookup = StaffCardLookupForm(request.POST)
    patron = patron_by_card(card_number=lookup.cleaned_data["card_number"]) if lookup.is_valid() else None
    return lookup, patron


# Lending


@dataclass(frozen=True)
class ShelfRow:
    """One lot on the shelf, as the lend table shows it: text made once here, not looked up cell by cell in a
    table of hundreds of rows."""

    lot_id: str
    seed: str
    code: str
    generation: str  # "" for a first generation, which the table does not mention
    harvest_year: str
    rate: str
    packets: str
    borrowed: bool
    chosen: bool

    @classmethod
    def of(cls, lot: Lot, *, borrowed: bool, chosen: set[str]) -> "ShelfRow":
        lot_id = str(lot.pk)
        return cls(
            lot_id=lot_id,
            seed=str(lot.variety),
            code=lot.code,
            generation=str(lot.generation) if lot.generation > 1 else "",
            harvest_year=str(lot.harvest_year),
            rate=str(round(lot.latest_rate)),
            packets=str(lot.packets),
            borrowed=borrowed,
            chosen=lot_id in chosen,
        )


@require_http_methods(["GET", "HEAD", "POST"])
@seed_permission("seedlibrary.add_loan")
@cached_staff_page
def lend(request: HttpRequest) -> HttpResponse:
    branch, branches = _branch(request)
    now = timezone.now()
    today = timezone.localdate(now)
    season = season_of(now)
    search = "".join(char for char in request.GET.get("q", "")[:80] if char.isprintable()).strip()
    if request.method == "POST":
        lookup, patron = _posted_lookup(request)
        if patron is None:
            messages.error(request, "Look up the patron's card again before lending.")
            return redirect(_here("seeds_staff:lend", branch=branch.slug))
    else:
        lookup, patron = _lookup(request)
    context = {"branch": branch, "branches": branches, "lookup": lookup, "patron": patron, "search": search}
    if patron is None:
        return render(request, "seedlibrary/staff/lend.html", context)

    shelf = list(shelf_lots(branch=branch, today=today, search=search))
    form = LendForm(request.POST or None, lots=shelf, initial={"card_number": patron.card_number})
    if request.method == "POST" and form.is_valid():
        try:
            loans = services.loan_create(
                patron=patron, branch=branch, lots=form.chosen_lots(), by=request.user, now=now
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            lent = ", ".join(f"{loan.variety} (lot {loan.lot.code})" for loan in loans)
            plural = "packet" if len(loans) == 1 else "packets"
            messages.success(request, f"Lent {len(loans)} {plural} to {patron}: {lent}.")
            return redirect(_here("seeds_staff:lend", branch=branch.slug, card_number=patron.card_number))
    total, per_variety = patron_season_usage(patron=patron, season=season)
    borrowed = (
        Loan.objects.filter(patron=patron, season=season, status__in=Loan.COUNTING)
        .select_related("variety", "lot")
        .order_by("variety__common_name", "variety__variety_name")
    )
    chosen = {str(value) for value in (form["lots"].value() or [])}
    context |= {
        "form": form,
        "orientation": _orientation(patron),
        "orientation_required": settings.SEED_ORIENTATION_REQUIRED,
        "season": season,
        "used": total,
        "limit": settings.SEED_PACKETS_PER_SEASON,
        "left": max(settings.SEED_PACKETS_PER_SEASON - total, 0),
        "borrowed": list(borrowed),
        "chosen": chosen,
        "show_all": _here("seeds_staff:lend", branch=branch.slug, card_number=patron.card_number),
        "rows": [
            ShelfRow.of(
                lot,
                borrowed=per_variety.get(lot.variety_id, 0) >= settings.SEED_PACKETS_PER_VARIETY,
                chosen=chosen,
            )
            for lot in shelf
        ],
    }
    return render(request, "seedlibrary/staff/lend.html", context)


# Orientation


@require_http_methods(["GET", "HEAD", "POST"])
@seed_permission("seedlibrary.add_orientation")
@cached_staff_page
def orientation(request: HttpRequest) -> HttpResponse:
    """Look the card up first (GET ?card_number=): a patron on file is recorded with one button, and only a
    card the library has not seen asks for a name."""
    branch, _ = _branch(request)
    if request.method == "POST":
        _, patron = _posted_lookup(request)
        lookup = StaffCardLookupForm(initial={"card_number": request.POST.get("card_number", "")[:40]})
        form = OrientationForm(request.POST, on_file=patron is not None)
    else:
        lookup, patron = _lookup(request, unknown="")
        form = None
        if lookup.is_bound and lookup.is_valid():
            form = OrientationForm(initial=lookup.cleaned_data, on_file=patron is not None)
    if form is not None and form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            recorded = services.orientation_record(
                card_number=data["card_number"],
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                email=data.get("email", ""),
                by=request.user,
                on=timezone.localdate(),
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            patron = recorded.patron
            messages.success(
                request,
                f"{patron} has the seed-saving orientation (completed "
                f"{day_text(recorded.completed_on)}) and can borrow seeds.",
            )
            return redirect(_here("seeds_staff:lend", branch=branch.slug, card_number=patron.card_number))
    context = {
        "branch": branch,
        "lookup": lookup,
        "patron": patron,
        "orientation": _orientation(patron) if patron is not None else None,
        "form": form,
    }
    return render(request, "seedlibrary/staff/orientation.html", context)


# Online requests


@dataclass(frozen=True)
class RequestRow:
    seed_request: SeedRequest
    asked: str
    pickup_by: str
    loans: list[Loan]


@require_safe
@seed_permission("seedlibrary.change_seedrequest")
@cached_staff_page
def requests_queue(request: HttpRequest) -> HttpResponse:
    branch, branches = _branch(request)
    held = (
        Loan.objects.filter(status=Loan.Status.HELD).select_related("variety", "lot").order_by("variety__common_name")
    )
    queue = (
        SeedRequest.objects.filter(branch=branch, status__in=SeedRequest.OPEN)
        .select_related("patron")
        .prefetch_related(Prefetch("loans", queryset=held, to_attr="held"))
        .order_by("created_at", "pk")
    )
    page = Paginator(queue, REQUESTS_PER_PAGE).get_page(request.GET.get("page"))
    zone = branch.zone
    today = timezone.localdate()
    rows = [
        RequestRow(
            seed_request=seed_request,
            asked=moment_text(seed_request.created_at, zone=zone, today=today),
            pickup_by=pickup_deadline_text(seed_request.expires_at, branch=branch),
            loans=seed_request.held,
        )
        for seed_request in page.object_list
    ]
    context = {"branch": branch, "branches": branches, "page": page, "rows": rows}
    return render(request, "seedlibrary/staff/requests.html", context)


def _request_action(request: HttpRequest, pk: int, action, done: str) -> HttpResponse:
    seed_request = get_object_or_404(SeedRequest.objects.select_related("patron", "branch"), pk=pk)
    try:
        action(seed_request=seed_request, by=request.user, now=timezone.now())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Request from {seed_request.patron}: {done}.")
    return redirect(_here("seeds_staff:requests", branch=seed_request.branch.slug))


@require_POST
@seed_permission("seedlibrary.change_seedrequest")
def request_ready(request: HttpRequest, pk: int) -> HttpResponse:
    return _request_action(request, pk, services.seed_request_ready, "set aside, and the patron is told by email")


@require_POST
@seed_permission("seedlibrary.change_seedrequest")
def request_picked_up(request: HttpRequest, pk: int) -> HttpResponse:
    return _request_action(request, pk, services.seed_request_pick_up, "picked up; the packets are lent")


@require_POST
@seed_permission("seedlibrary.change_seedrequest")
def request_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _request_action(request, pk, services.seed_request_cancel, "cancelled; put the packets back on the shelf")


# Returns


def _borrowed_lots(patron: Patron, *, season: int) -> list[Lot]:
    """The lots the patron borrowed in the last few seasons, latest first, each once."""
    loans = (
        Loan.objects.filter(patron=patron, status=Loan.Status.LENT, season__gte=season - RETURN_SEASONS_BACK)
        .select_related("lot__variety")
        .order_by("-season", "-created_at", "-pk")
    )
    lots: dict[int, Lot] = {}
    for loan in loans:
        lots.setdefault(loan.lot_id, loan.lot)
    return list(lots.values())


@require_http_methods(["GET", "HEAD", "POST"])
@seed_permission("seedlibrary.add_lot")
@cached_staff_page
def return_record(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    season = season_of(now)
    if request.method == "POST":
        lookup, patron = _posted_lookup(request)
        if patron is None:
            messages.error(request, "Look up the patron's card again before recording the return.")
            return redirect("seeds_staff:returns")
    else:
        lookup, patron = _lookup(request)
    context = {"lookup": lookup, "patron": patron}
    if patron is None:
        return render(request, "seedlibrary/staff/returns.html", context)

    borrowed = _borrowed_lots(patron, season=season)
    initial = {"card_number": patron.card_number, "harvest_year": season}
    wanted = request.GET.get("lot", "")
    prefill = next((lot for lot in borrowed if str(lot.pk) == wanted), None)
    if prefill is not None:
        initial |= {"variety": prefill.variety_id, "parent_lot": prefill.pk}
    form = ReturnForm(request.POST or None, borrowed=borrowed, this_year=season, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            lot = services.return_record(
                card_number=patron.card_number,
                variety=data["variety"],
                parent_lot=form.parent(),
                harvest_year=data["harvest_year"],
                by=request.user,
                now=now,
                amount=data["amount"],
                grower_notes=data["grower_notes"],
                isolation_respected=data["isolation_respected"],
                may_have_crossed=data["may_have_crossed"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            lineage = (
                f"generation {lot.generation} of lot {lot.parent_lot.code}"
                if lot.parent_lot_id
                else "first generation at the library (the lot it grew from is not known)"
            )
            messages.success(
                request,
                f"Recorded lot {lot.code}, {lot.variety}, from {patron}: {lineage}. "
                "Label it with the lot code and put it in quarantine.",
            )
            return redirect(_here("seeds_staff:returns", card_number=patron.card_number))
    context |= {"form": form, "borrowed": borrowed}
    return render(request, "seedlibrary/staff/returns.html", context)


# The season report


@require_safe
@seed_permission("seedlibrary.view_loan")
@cached_staff_page
def report(request: HttpRequest) -> HttpResponse:
    branches = branches_active()
    this_season = season_of(timezone.now())
    form = SeasonForm(request.GET or None, branches=branches, this_year=this_season)
    season, branch = this_season, None
    if form.is_bound and form.is_valid():
        season = form.cleaned_data["season"] or this_season
        branch = next((b for b in branches if b.slug == form.cleaned_data["branch"]), None)
    elif form.is_bound:
        messages.error(request, f"Showing the {this_season} season for all branches: {_first_error(form)}")
    context = {
        "form": form,
        "report": season_report(season=season, branch=branch),
        "this_season": this_season,
    }
    return render(request, "seedlibrary/staff/report.html", context)


def _first_error(form) -> str:
    return next(iter(form.errors.values()))[0]
