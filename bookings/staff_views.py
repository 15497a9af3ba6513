"""The staff desk: today's agenda (mine and the whole desk), check-in, no-shows, outcomes, booking for a
phone or walk-in patron, and the patrons whose online booking is paused.

Each view parses its input, calls one desk or booking service, and renders. A refusal from a service
(a ValidationError) is shown on the page and nothing is saved.
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from bookings import selectors
from bookings.models import Booking, BookingPause, ServiceType
from bookings.services import desk
from bookings.services.booking import booking_cancel, booking_create
from bookings.staff_forms import CardLookupForm, DayForm, DeskBookingForm, OutcomeForm, PreUseChecklistForm
from makerlab.commitments import Commitment
from makerlab.equipment_rules import pre_use_checklist, pre_use_checklists
from makerlab.formatting import full_stop, moment_text, time_span
from makerlab.forms import add_service_error
from makerlab.models import Branch, Patron
from makerlab.pagecache import cached_staff_page
from makerlab.selectors import branches_active, patron_by_card

SLOTS_OFFERED = 60


def desk_permission(permission: str = "bookings.change_booking"):
    def decorator(view):
        return login_required(permission_required(permission, raise_exception=True)(view))

    return decorator


def _branch(request: HttpRequest) -> Branch:
    branches = branches_active()
    if not branches:
        raise Http404("No branch is open.")
    wanted = request.GET.get("branch", "")
    return next((branch for branch in branches if branch.slug == wanted), branches[0])


def _day(request: HttpRequest, zone: dt.tzinfo) -> tuple[dt.date, DayForm]:
    form = DayForm(request.GET or None)
    today = timezone.now().astimezone(zone).date()
    if form.is_bound and form.is_valid() and form.cleaned_data["day"]:
        return form.cleaned_data["day"], form
    return today, form


@dataclass(frozen=True)
class AgendaRow:
    booking: Booking
    time: str
    starts_at: dt.datetime
    can_check_in: bool
    can_mark_no_show: bool
    can_record_outcome: bool
    can_cancel: bool
    # Time on equipment with a pre-use checklist: "Check in" opens the checklist first.
    needs_checklist: bool
    # Booked by phone without an email: no reminder goes out, so the desk calls.
    call_to_remind: bool


@dataclass(frozen=True)
class ProgramSessionRow:
    """A program session the staff member facilitates, shown among their desk sessions."""

    session: Commitment
    time: str
    starts_at: dt.datetime


def _rows(bookings: list[Booking], *, now: dt.datetime) -> list[AgendaRow]:
    with_checklist = pre_use_checklists(booking.equipment_id for booking in bookings)
    rows = []
    for booking in bookings:
        zone = booking.branch.zone
        start, end = booking.starts_at.astimezone(zone), booking.ends_at.astimezone(zone)
        booked = booking.status == Booking.Status.BOOKED
        rows.append(
            AgendaRow(
                booking=booking,
                time=time_span(start, end),
                starts_at=booking.starts_at,
                can_check_in=booked and now.astimezone(zone).date() >= start.date(),
                can_mark_no_show=booked and now >= booking.starts_at,
                can_record_outcome=booking.status == Booking.Status.ATTENDED,
                can_cancel=booked and now < booking.starts_at,  # once started, "Did not come" is the record
                needs_checklist=booking.equipment_id in with_checklist,
                call_to_remind=booked and not booking.contact_email and now < booking.starts_at,
            )
        )
    return rows


def _program_rows(sessions: list[Commitment], *, zone: dt.tzinfo) -> list[ProgramSessionRow]:
    return [
        ProgramSessionRow(
            session=session,
            time=time_span(session.starts_at.astimezone(zone), session.ends_at.astimezone(zone)),
            starts_at=session.starts_at,
        )
        for session in sessions
    ]


def _agenda_page(request: HttpRequest, *, mine: bool) -> HttpResponse:
    branch = _branch(request)
    day, form = _day(request, branch.zone)
    me = getattr(request.user, "staff_member", None)
    program_sessions: list[Commitment] = []
    if mine and me is None:
        bookings = []
    elif mine:
        bookings = selectors.agenda_for_staff_member(staff_member=me, day=day, zone=branch.zone)
        program_sessions = selectors.program_sessions_for_staff_member(staff_member=me, day=day, zone=branch.zone)
    else:
        bookings = selectors.agenda_for_branch(branch=branch, day=day)
    rows = sorted(
        [*_rows(bookings, now=timezone.now()), *_program_rows(program_sessions, zone=branch.zone)],
        key=lambda row: (row.starts_at, isinstance(row, AgendaRow)),
    )
    context = {
        "branch": branch,
        "day": day,
        "previous_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
        "form": form,
        "mine": mine,
        "me": me,
        "rows": rows,
        "day_text": date_format(day, "l j F Y"),
        "next_url": request.get_full_path(),
    }
    return render(request, "bookings/staff/agenda.html", context)


@require_safe
@desk_permission()
@cached_staff_page
def agenda_desk(request: HttpRequest) -> HttpResponse:
    return _agenda_page(request, mine=False)


@require_safe
@desk_permission()
@cached_staff_page
def agenda_mine(request: HttpRequest) -> HttpResponse:
    return _agenda_page(request, mine=True)


def _desk_address(target: str) -> str:
    """The agenda the staff member came from; only an address of the desk on this site, else today's agenda."""
    if not target.startswith("/staff/desk/") or "//" in target or "\\" in target:
        return reverse("bookings_staff:agenda")
    return target


def _back(request: HttpRequest) -> HttpResponse:
    return redirect(_desk_address(request.POST.get("next", "")))


def _attendance(request: HttpRequest, pk: int, action, done: str) -> HttpResponse:
    booking = get_object_or_404(Booking, pk=pk)
    try:
        result = action(booking=booking, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{booking.contact_name}: {done}.")
        if isinstance(result, tuple) and result[1] is not None:
            pause = result[1]
            messages.warning(
                request,
                f"{booking.contact_name} has missed several sessions: online booking is paused. They can book "
                f"online again from {date_format(pause.paused_until.astimezone(booking.branch.zone), 'l j F Y')}. "
                "You can lift the pause on the Paused patrons page.",
            )
    return _back(request)


@require_http_methods(["GET", "HEAD", "POST"])
@desk_permission()
@cached_staff_page
def booking_attended(request: HttpRequest, pk: int) -> HttpResponse:
    """Check a patron in. Time on equipment with a pre-use checklist opens this page first (GET): staff go through
    the checklist with the patron and tick each line; the POST from it checks in. Without a checklist the agenda's
    button posts here directly."""
    booking = get_object_or_404(Booking.objects.select_related("service_type", "branch", "equipment"), pk=pk)
    lines = pre_use_checklist(booking.equipment_id)
    form = PreUseChecklistForm(request.POST if request.method == "POST" else None, lines=lines)
    if request.method == "POST" and form.is_valid():
        try:
            desk.booking_mark_attended(booking=booking, by=request.user, pre_use_checklist=form.ticked())
        except ValidationError as error:
            if not lines:
                messages.error(request, " ".join(error.messages))
                return _back(request)
            add_service_error(form, error)
        else:
            messages.success(request, f"{booking.contact_name}: checked in.")
            return _back(request)
    context = {
        "booking": booking,
        "form": form,
        "when": moment_text(booking.starts_at, zone=booking.branch.zone),
        "next_url": _desk_address(request.POST.get("next", "") or request.GET.get("next", "")),
    }
    return render(request, "bookings/staff/check_in.html", context)


@require_POST
@desk_permission()
def booking_no_show(request: HttpRequest, pk: int) -> HttpResponse:
    return _attendance(request, pk, desk.booking_mark_no_show, "marked as did not come")


@require_http_methods(["GET", "HEAD", "POST"])
@desk_permission()
def booking_cancel_at_desk(request: HttpRequest, pk: int) -> HttpResponse:
    """A patron calls to cancel: GET names the booking and asks to confirm, the POST from that page cancels."""
    booking = get_object_or_404(Booking.objects.select_related("service_type", "branch", "staff_member__user"), pk=pk)
    what = f"{booking.service_type.name}, {moment_text(booking.starts_at, zone=booking.branch.zone)}"
    if request.method == "POST":
        try:
            booking_cancel(booking=booking, by_staff=True, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Cancelled {booking.contact_name}'s booking ({what}) and emailed them.")
        return _back(request)
    context = {
        "booking": booking,
        "what": what,
        "refusal": selectors.booking_change_refusal(booking=booking, now=timezone.now(), by_staff=True),
        "next_url": _desk_address(request.GET.get("next", "")),
    }
    return render(request, "bookings/staff/cancel.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@desk_permission()
def booking_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    booking = get_object_or_404(Booking.objects.select_related("service_type", "branch", "staff_member__user"), pk=pk)
    initial = {
        "topic": booking.outcome_topic,
        "resolved": {True: "yes", False: "no"}.get(booking.outcome_resolved),
        "notes": booking.outcome_notes,
    }
    form = OutcomeForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            desk.booking_record_outcome(
                booking=booking,
                topic=form.cleaned_data["topic"],
                resolved=form.cleaned_data["resolved"],
                notes=form.cleaned_data["notes"],
                by=request.user,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Outcome recorded for {booking.contact_name}.")
            day = booking.starts_at.astimezone(booking.branch.zone).date()
            return redirect(f"{reverse('bookings_staff:agenda')}?day={day:%Y-%m-%d}")
    context = {
        "booking": booking,
        "form": form,
        "when": moment_text(booking.starts_at, zone=booking.branch.zone),
    }
    return render(request, "bookings/staff/outcome.html", context)


@dataclass(frozen=True)
class CardLookup:
    """What the desk's "Look up" found for a card: the form (with any error) and the patron on file, if any."""

    form: CardLookupForm
    patron: Patron | None

    @property
    def searched(self) -> bool:
        return self.form.is_bound and self.form.is_valid()


def _card_lookup(request: HttpRequest) -> CardLookup:
    form = CardLookupForm(request.GET if "card_number" in request.GET else None, auto_id="lookup_%s")
    if not form.is_bound or not form.is_valid():
        return CardLookup(form=form, patron=None)
    return CardLookup(form=form, patron=patron_by_card(card_number=form.cleaned_data["card_number"]))


def _on_file(lookup: CardLookup) -> dict:
    """The booking form's starting values: the card looked up, and the patron's details when the library has them."""
    if not lookup.searched:
        return {}
    initial = {"card_number": lookup.form.cleaned_data["card_number"]}
    if lookup.patron is not None:
        patron = lookup.patron
        initial |= {
            "name": f"{patron.first_name} {patron.last_name}".strip(),
            "email": patron.email,
            "phone": patron.phone,
            "reminder_consent": patron.reminder_consent and bool(patron.email),
        }
    return initial


@require_http_methods(["GET", "HEAD", "POST"])
@desk_permission("bookings.add_booking")
@cached_staff_page
def book_on_behalf(request: HttpRequest) -> HttpResponse:
    """Book for a patron on the phone or at the desk; "Look up" (GET ?card_number=) fills in what is on file."""
    services = list(ServiceType.objects.filter(is_active=True).select_related("branch", "equipment"))
    wanted = request.GET.get("service") or request.POST.get("service") or ""
    service = next((s for s in services if str(s.pk) == wanted), None)
    if service is None:
        return render(request, "bookings/staff/book.html", {"services": services, "service": None})
    now = timezone.now()
    zone = service.branch.zone
    questions = list(service.questions.all())
    slots = selectors.open_slots(service_type=service, now=now)[:SLOTS_OFFERED]
    times = [(slot.starts_at.isoformat(), moment_text(slot.starts_at, zone=zone)) for slot in slots]
    lookup = _card_lookup(request)
    form = DeskBookingForm(
        request.POST if request.method == "POST" else None,
        service_type=service,
        questions=questions,
        times=times,
        initial=_on_file(lookup),
    )
    if request.method == "POST" and form.is_valid():
        try:
            booking = booking_create(
                service_type=service,
                starts_at=form.cleaned_data["starts_at"],
                details=form.details(),
                now=now,
                by=request.user,
                override_limits=form.cleaned_data["override_limits"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            told = (
                "They will get a confirmation email."
                if booking.contact_email
                else "No email is sent: call them to remind them."
            )
            messages.success(
                request,
                f"Booked {service.name} for {booking.contact_name}, "
                f"{full_stop(moment_text(booking.starts_at, zone=zone))} {told}",
            )
            return redirect(f"{reverse('bookings_staff:agenda')}?day={booking.starts_at.astimezone(zone):%Y-%m-%d}")
    context = {
        "services": services,
        "service": service,
        "form": form,
        "lookup": lookup,
        "has_times": bool(times),
    }
    return render(request, "bookings/staff/book.html", context)


@require_safe
@desk_permission("bookings.change_bookingpause")
@cached_staff_page
def pauses(request: HttpRequest) -> HttpResponse:
    zone = timezone.get_default_timezone()
    rows = [
        (pause, date_format(pause.paused_until.astimezone(zone), "l j F Y"))
        for pause in selectors.pauses_active(now=timezone.now())
    ]
    return render(request, "bookings/staff/pauses.html", {"rows": rows})


@require_POST
@desk_permission("bookings.change_bookingpause")
def pause_lift(request: HttpRequest, pk: int) -> HttpResponse:
    pause = get_object_or_404(BookingPause.objects.select_related("patron"), pk=pk)
    try:
        desk.booking_pause_lift(pause=pause, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{pause.patron} can book online again.")
    return redirect("bookings_staff:pauses")
