"""The patron's booking pages: choose a service, choose a time, give details, then manage the booking.

Each view parses its input with a form, calls one service or selector and renders. A refusal from a
service (a ValidationError) is shown on the form with status 200 and nothing saved. Nothing here needs
a login: the private manage link is the key to a booking.
"""

import datetime as dt
from dataclasses import dataclass
from itertools import groupby
from operator import attrgetter

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from bookings.forms import BookingForm, NotifyRequestForm, TimeChoiceForm, WeekForm
from bookings.links import booking_check_in_code, booking_check_in_url
from bookings.models import Booking, ServiceType
from bookings.selectors import (
    Slot,
    booking_change_refusal,
    open_slots,
    service_minimum_age,
    service_minimum_ages,
    services_bookable,
)
from bookings.services.booking import (
    SlotTaken,
    booking_cancel,
    booking_create,
    booking_reschedule,
    notify_request_create,
    unmet_demand_first_today,
    unmet_demand_record,
)
from bookings.sharing import LABEL as SHARE_LABEL
from bookings.sharing import service_share_card
from bookings.wording import service_facts
from makerlab.checkin import check_in_qr_svg
from makerlab.formatting import day_text, moment_text, time_span, when_text
from makerlab.forms import add_public_refusal, add_service_error
from makerlab.links import private_link
from makerlab.pagecache import cached_page, not_shared
from makerlab.ratelimit import WaitPage, client_address, limit_public_posts
from makerlab.share_image import share_image_response, share_tags

WEEK = dt.timedelta(days=7)
BOT_REFUSAL = "We could not take this request. Please try again, or call the library and we will book it for you."


# --- Times in plain language, grouped by day ---------------------------------------------------------------


@dataclass(frozen=True)
class TimeOption:
    value: str
    day: str
    span: str

    @property
    def text(self) -> str:
        return f"{self.day}, {self.span}"


@dataclass(frozen=True)
class DayTimes:
    day: str
    key: str
    times: list[TimeOption]


def _days(slots: list[Slot], *, service_type: ServiceType, today: dt.date) -> list[DayTimes]:
    zone = service_type.branch.zone
    days = []
    for date, group in groupby(slots, key=lambda slot: slot.starts_at.astimezone(zone).date()):
        label = day_text(date, today=today)
        options = [
            TimeOption(
                value=slot.starts_at.astimezone(zone).isoformat(),
                day=label,
                span=time_span(slot.starts_at.astimezone(zone), slot.ends_at.astimezone(zone)),
            )
            for slot in group
        ]
        days.append(DayTimes(day=label, key=date.isoformat(), times=options))
    return days


def _when(booking: Booking, now: dt.datetime) -> str:
    zone = booking.branch.zone
    return when_text(booking.starts_at, booking.ends_at, zone=zone, today=now.astimezone(zone).date())


def _week(request: HttpRequest, service_type: ServiceType) -> int:
    form = WeekForm(request.GET)
    week = (form.cleaned_data.get("week") or 0) if form.is_valid() else 0
    return min(week, _last_week(service_type))


def _last_week(service_type: ServiceType) -> int:
    return max((service_type.horizon_days - 1) // 7, 0)


def _week_slots(service_type: ServiceType, *, week: int, now: dt.datetime) -> list[Slot]:
    first = now + week * WEEK
    return open_slots(service_type=service_type, now=now, first=first, last=first + WEEK)


rate_limited = limit_public_posts(
    "bookings",
    wait_page=WaitPage(
        otherwise="call the library and we will help you book",
        back_url="bookings:services",
        back_text="Back to booking",
    ),
)


# --- Choosing a service and a time -------------------------------------------------------------------------


def _service_or_404(slug: str) -> ServiceType:
    return get_object_or_404(
        ServiceType.objects.select_related("branch", "equipment"), slug=slug, is_active=True, branch__is_active=True
    )


@require_safe
@cached_page("bookings", "branches", period_seconds=60)
def service_list(request: HttpRequest) -> HttpResponse:
    services = list(services_bookable())
    ages = service_minimum_ages(services=services)
    rows = [(service, service_facts(service, minimum_age=ages.get(service.pk))) for service in services]
    return render(request, "bookings/service_list.html", {"rows": rows})


def _service_page(
    request: HttpRequest,
    service_type: ServiceType,
    *,
    error: str = "",
    notify_form: NotifyRequestForm | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    today = now.astimezone(service_type.branch.zone).date()
    week = _week(request, service_type)
    slots = _week_slots(service_type, week=week, now=now)
    # Only when this week is empty: is anything free at all? (a second, equally bounded look)
    any_free = bool(slots) or bool(open_slots(service_type=service_type, now=now))
    if not any_free and request.method == "GET":
        _count_unmet_demand(request, service_type, now=now)
    context = {
        "service": service_type,
        "facts": service_facts(service_type, minimum_age=service_minimum_age(service_type=service_type)),
        "days": _days(slots, service_type=service_type, today=today),
        "week": week,
        "previous_week": week - 1 if week > 0 else None,
        "next_week": week + 1 if week < _last_week(service_type) else None,
        "any_free": any_free,
        "error": error,
        "notify_form": notify_form or NotifyRequestForm(),
        "share_tags": share_tags(
            request,
            title=service_type.name,
            description=service_type.description,
            page_path=reverse("bookings:service", args=[service_type.slug]),
            image_path=reverse("bookings:share_image", args=[service_type.slug]),
            label=SHARE_LABEL,
        ),
    }
    response = render(request, "bookings/service.html", context, status=status)
    # Each look at an empty week is counted as unmet demand: that page is rendered every time.
    return response if any_free else not_shared(response)


def _count_unmet_demand(request: HttpRequest, service_type: ServiceType, *, now: dt.datetime) -> None:
    """Record that nothing was free, at most once per service per client address per day.

    The visitor is told apart by a keyed hash of their address in the cache, never by a session: an
    anonymous look at a page must not create a session row.
    """
    today = now.astimezone(service_type.branch.zone).date()
    if unmet_demand_first_today(address=client_address(None, request), service_type=service_type, day=today):
        unmet_demand_record(service_type=service_type, now=now)


@require_safe
@cached_page("bookings", "programs", "branches", period_seconds=60)  # a time that has passed goes
def service_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _service_page(request, _service_or_404(slug))


@require_safe
@cached_page("bookings", "branches", conditional=True)
def service_share_image(request: HttpRequest, slug: str) -> HttpResponse:
    """The picture social media show when the service's page is shared: drawn once per change."""
    return share_image_response(request, service_share_card(_service_or_404(slug)))


def _offered(service_type: ServiceType, starts_at: dt.datetime, now: dt.datetime) -> Slot | None:
    slots = open_slots(service_type=service_type, now=now, first=starts_at, last=starts_at)
    return next((slot for slot in slots if slot.starts_at == starts_at), None)


def _book_page(
    request: HttpRequest,
    service_type: ServiceType,
    *,
    form: BookingForm,
    starts_at: dt.datetime,
    alternatives: list[Slot] | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    zone = service_type.branch.zone
    today = now.astimezone(zone).date()
    context = {
        "service": service_type,
        "facts": service_facts(service_type, minimum_age=form.minimum_age),
        "form": form,
        "starts_at": starts_at.astimezone(zone).isoformat(),
        "when": when_text(
            starts_at, starts_at + dt.timedelta(minutes=service_type.duration_minutes), zone=zone, today=today
        ),
        "alternatives": _days(alternatives, service_type=service_type, today=today)
        if alternatives is not None
        else None,
    }
    return render(request, "bookings/book.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@rate_limited
def book(request: HttpRequest, slug: str) -> HttpResponse:
    service_type = _service_or_404(slug)
    questions = list(service_type.questions.all())
    time_form = TimeChoiceForm(request.POST if request.method == "POST" else request.GET)
    if not time_form.is_valid():
        return _service_page(request, service_type, error=time_form.errors["starts_at"][0], status=400)
    starts_at = time_form.cleaned_data["starts_at"]
    now = timezone.now()
    if request.method != "POST":
        if _offered(service_type, starts_at, now) is None:
            return _service_page(
                request, service_type, error="That time is not available. Choose one of the times listed."
            )
        return _book_page(
            request, service_type, form=BookingForm(service_type=service_type, questions=questions), starts_at=starts_at
        )

    form = BookingForm(request.POST, service_type=service_type, questions=questions)
    if form.is_bot:
        form.add_error(None, BOT_REFUSAL)
        return _book_page(request, service_type, form=form, starts_at=starts_at, status=400)
    if not form.is_valid():
        return _book_page(request, service_type, form=form, starts_at=starts_at)
    try:
        booking = booking_create(service_type=service_type, starts_at=starts_at, details=form.details(), now=now)
    except SlotTaken as taken:
        form.add_error(None, taken)
        return _book_page(request, service_type, form=form, starts_at=starts_at, alternatives=taken.alternatives)
    except ValidationError as error:
        when = moment_text(starts_at, zone=service_type.branch.zone)
        doing = f"book {service_type.name} on {when}"
        add_public_refusal(form, error, card_number=form.cleaned_data["card_number"], doing=doing, now=now)
        return _book_page(request, service_type, form=form, starts_at=starts_at)
    return redirect("bookings:confirmed", token=booking.manage_token)


@require_POST
@rate_limited
def notify_request(request: HttpRequest, slug: str) -> HttpResponse:
    service_type = _service_or_404(slug)
    form = NotifyRequestForm(request.POST)
    if form.is_bot:
        form.add_error(None, BOT_REFUSAL)
        return _service_page(request, service_type, notify_form=form, status=400)
    if not form.is_valid():
        return _service_page(request, service_type, notify_form=form)
    try:
        notify_request_create(
            service_type=service_type, name=form.cleaned_data["name"], email=form.cleaned_data["email"]
        )
    except ValidationError as error:
        add_service_error(form, error)
        return _service_page(request, service_type, notify_form=form)
    messages.success(
        request,
        f"Thank you. We will email {form.cleaned_data['email']} when a time opens for {service_type.name}.",
    )
    return redirect("bookings:service", slug=service_type.slug)


# --- The patron's booking, from the private link -----------------------------------------------------------


def _booking_by_token(*, token: str) -> Booking | None:
    return Booking.objects.select_related("service_type", "branch").filter(manage_token=token).first()


# A booking's private link: the view is given the booking.
booking_link = private_link(_booking_by_token, ended_at=attrgetter("ends_at"), missing="No booking at this address.")


def _booking_context(booking: Booking, now: dt.datetime) -> dict:
    """What every page of the private link shows: the booking, its time in words, and whether (or why not)
    the patron can still cancel or move it online."""
    refusal = booking_change_refusal(booking=booking, now=now)
    return {
        "booking": booking,
        "service": booking.service_type,
        "when": _when(booking, now),
        "can_change": refusal is None,
        "refusal": refusal.value if refusal else "",
    }


def _manage_page(
    request: HttpRequest, booking: Booking, *, template: str = "bookings/manage.html", errors=(), status: int = 200
) -> HttpResponse:
    context = {**_booking_context(booking, timezone.now()), "errors": list(errors)}
    return render(request, template, context, status=status)


@require_safe
@never_cache
@booking_link
def confirmed(request: HttpRequest, booking: Booking) -> HttpResponse:
    context = {
        **_booking_context(booking, timezone.now()),
        "errors": [],
        "check_in_code": booking_check_in_code(booking),
        "check_in_qr": check_in_qr_svg(booking_check_in_url(booking), label="QR code to check in at the desk"),
    }
    return render(request, "bookings/confirmed.html", context)


@require_safe
@never_cache
@cached_page("bookings", "branches", period_seconds=60)  # a link reached by its owner only
@booking_link
def manage(request: HttpRequest, booking: Booking) -> HttpResponse:
    return _manage_page(request, booking)


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
@rate_limited
@booking_link
def manage_cancel(request: HttpRequest, booking: Booking) -> HttpResponse:
    """GET asks the patron to confirm, naming what will be cancelled; only the POST from that page cancels."""
    now = timezone.now()
    if request.method != "POST":
        if booking_change_refusal(booking=booking, now=now) is not None:
            return redirect("bookings:manage", token=booking.manage_token)
        return _manage_page(request, booking, template="bookings/cancel.html")
    try:
        booking = booking_cancel(booking=booking, now=now)
    except ValidationError as error:
        return _manage_page(request, booking, errors=error.messages)
    what = f"{booking.service_type.name} on {_when(booking, now)}"
    messages.success(request, f"Your booking for {what} is cancelled. We sent you an email.")
    return redirect("bookings:manage", token=booking.manage_token)


def _move_page(
    request: HttpRequest,
    booking: Booking,
    *,
    error: str = "",
    alternatives: list[Slot] | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    context = _booking_context(booking, now)
    service_type = booking.service_type
    week = _week(request, service_type)
    if not context["can_change"]:
        slots = []  # a cancelled, past or too-close booking is offered no time
    elif alternatives is not None:
        slots = alternatives
    else:
        slots = [slot for slot in _week_slots(service_type, week=week, now=now) if slot.starts_at != booking.starts_at]
    today = now.astimezone(booking.branch.zone).date()
    context |= {
        "days": _days(slots, service_type=service_type, today=today),
        "week": week,
        "previous_week": week - 1 if week > 0 and alternatives is None else None,
        "next_week": week + 1 if week < _last_week(service_type) and alternatives is None else None,
        "alternatives": alternatives is not None,
        "error": error,
    }
    return render(request, "bookings/move.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
@rate_limited
@booking_link
def manage_move(request: HttpRequest, booking: Booking) -> HttpResponse:
    now = timezone.now()
    if request.method != "POST":
        return _move_page(request, booking)
    time_form = TimeChoiceForm(request.POST)
    if not time_form.is_valid():
        return _move_page(request, booking, error=time_form.errors["starts_at"][0])
    try:
        booking = booking_reschedule(booking=booking, starts_at=time_form.cleaned_data["starts_at"], now=now)
    except SlotTaken as taken:
        return _move_page(request, booking, error=taken.messages[0], alternatives=taken.alternatives)
    except ValidationError as error:
        return _move_page(request, booking, error=" ".join(error.messages))
    messages.success(request, f"Your booking is now on {_when(booking, now)}. We sent you an email with the new time.")
    return redirect("bookings:manage", token=booking.manage_token)
