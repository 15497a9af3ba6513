"""The desk's check-in page: scan the QR code of a booking's or a registration's confirmation, see whose it is,
and check them in.

GET shows the field (a USB scanner types the code, or the page's whole address, and presses Enter); with
``?code=`` it also shows what the code names and a "Check in" button. The POST from that button checks in:
a booking through the desk's service, a registration's people through the roster's attendance service.
A code that is not ours, or names nothing any more, or cannot be used now, gives a message and changes nothing.
"""

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from bookings.models import Booking
from bookings.selectors import booking_check_in_refusal, booking_for_check_in
from bookings.services.desk import booking_check_in_by_code
from bookings.staff_forms import PreUseChecklistForm
from makerlab.checkin import BOOKING, CODE_MAX_LENGTH, BadCode, CheckInCode, check_in_code_read
from makerlab.equipment_rules import PRE_USE_CHECKLIST, pre_use_checklist
from makerlab.formatting import when_text
from makerlab.forms import add_service_error
from makerlab.pagecache import cached_staff_page
from programs.checkin import (
    registration_check_in,
    registration_check_in_state,
    registration_for_check_in,
    registration_present_ids,
)
from programs.models import Registration

NOT_A_CODE = (
    "This is not a Maker Lab check-in code. Scan the QR code again, or type the code printed under it "
    "(it looks like B.123.ABCDEFGH…)."
)
NOTHING_THERE = "No booking or registration has this code any more. Look the patron up by name instead."
NOT_YOURS = "Checking in program participants needs the roster permission. Ask the coordinator."


class CheckInForm(forms.Form):
    code = forms.CharField(
        label="Check-in code",
        max_length=CODE_MAX_LENGTH,
        help_text="Scan the QR code on the patron's confirmation, or type the code printed under it.",
        error_messages={"required": "Scan the QR code, or type the check-in code."},
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> CheckInCode:
        try:
            return check_in_code_read(self.cleaned_data["code"])
        except BadCode:
            raise ValidationError(NOT_A_CODE, code="bad_code") from None


@dataclass(frozen=True)
class Found:
    """What a code names, as the desk needs to see it."""

    code: str
    kind: str  # "booking" or "registration"
    who: str
    what: str
    when: str
    people: str
    refusal: str
    checked_in: bool
    outcome_url: str = ""
    booking_id: int | None = None
    equipment_id: int | None = None

    @property
    def can_check_in(self) -> bool:
        return not self.refusal and not self.checked_in


def _found_booking(booking: Booking, code: str, now: dt.datetime) -> Found:
    zone = booking.branch.zone
    refusal = booking_check_in_refusal(booking=booking, now=now)
    attended = booking.status == Booking.Status.ATTENDED
    return Found(
        code=code,
        kind="booking",
        who=booking.contact_name,
        what=booking.service_type.name,
        when=when_text(booking.starts_at, booking.ends_at, zone=zone, today=now.astimezone(zone).date()),
        people="",
        refusal="" if attended else refusal,
        checked_in=attended,
        outcome_url=reverse("bookings_staff:outcome", args=[booking.pk]) if attended else "",
        booking_id=booking.pk,
        equipment_id=booking.equipment_id,
    )


def _found_registration(registration: Registration, code: str, now: dt.datetime) -> Found:
    state = registration_check_in_state(registration=registration, now=now)
    people = list(registration.participants.all())
    when, checked_in = "", False
    if state.session is not None:
        session = state.session
        program = registration.program
        zone = program.zone
        when = when_text(session.starts_at, session.ends_at, zone=zone, today=now.astimezone(zone).date())
        present = registration_present_ids(registration=registration, session=session)
        checked_in = bool(people) and all(person.pk in present for person in people)
    return Found(
        code=code,
        kind="registration",
        who=registration.contact_name,
        what=registration.program.title,
        when=when,
        people=", ".join(person.first_name for person in people),
        refusal=state.refusal,
        checked_in=checked_in,
    )


def _resolve(request: HttpRequest, form: CheckInForm, now: dt.datetime) -> Booking | Registration | None:
    """The booking or registration the form's code names; None, with the reason on the form, when there is none."""
    code: CheckInCode = form.cleaned_data["code"]
    if code.kind == BOOKING:
        subject = booking_for_check_in(pk=code.pk)
    elif not request.user.has_perm("programs.add_attendance"):
        form.add_error("code", ValidationError(NOT_YOURS, code="no_permission"))
        return None
    else:
        subject = registration_for_check_in(pk=code.pk)
    if subject is None:
        form.add_error("code", ValidationError(NOTHING_THERE, code="unknown"))
    return subject


def _found(subject: Booking | Registration, code: str, now: dt.datetime) -> Found:
    if isinstance(subject, Booking):
        return _found_booking(subject, code, now)
    return _found_registration(subject, code, now)


def _checklist_form(found: Found | None, data=None) -> PreUseChecklistForm | None:
    """The pre-use checklist to tick before checking in a booking on equipment that has one."""
    if found is None or found.kind != "booking" or not found.can_check_in:
        return None
    return PreUseChecklistForm(data, lines=pre_use_checklist(found.equipment_id))


def _page(
    request: HttpRequest,
    form: CheckInForm,
    found: Found | None,
    checklist_form: PreUseChecklistForm | None = None,
) -> HttpResponse:
    # Once a code is read the field starts empty, ready for the next scan; a code with a problem stays to fix.
    field_form = CheckInForm() if found is not None and not form.errors else form
    context = {"form": field_form, "found": found, "checklist_form": checklist_form or _checklist_form(found)}
    return render(request, "frontdesk/check_in.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@permission_required("bookings.change_booking", raise_exception=True)
@never_cache
@cached_staff_page
def check_in(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    if request.method != "POST":
        form = CheckInForm(request.GET if "code" in request.GET else None)
        subject = _resolve(request, form, now) if form.is_bound and form.is_valid() else None
        found = _found(subject, form.cleaned_data["code"].text, now) if subject is not None else None
        return _page(request, form, found)

    form = CheckInForm(request.POST)
    subject = _resolve(request, form, now) if form.is_valid() else None
    if subject is None:
        return _page(request, form, None)
    code = form.cleaned_data["code"].text
    # Only a booking has a checklist; a registration is checked in without reading what the page would show.
    found = _found(subject, code, now) if isinstance(subject, Booking) else None
    checklist_form = _checklist_form(found, request.POST)
    if checklist_form is not None and not checklist_form.is_valid():
        return _page(request, form, found, checklist_form)
    try:
        if isinstance(subject, Booking):
            ticked = checklist_form.ticked() if checklist_form is not None else []
            booking_check_in_by_code(booking=subject, by=request.user, now=now, pre_use_checklist=ticked)
            done = f"{subject.contact_name} is checked in for {subject.service_type.name}."
        else:
            _, people = registration_check_in(registration=subject, by=request.user, now=now)
            names = ", ".join(person.first_name for person in people)
            done = f"Checked in for {subject.program.title}: {names}."
    except ValidationError as error:
        if checklist_form is not None and PRE_USE_CHECKLIST in getattr(error, "error_dict", {}):
            add_service_error(checklist_form, error)
            return _page(request, form, _found(subject, code, now), checklist_form)
        add_service_error(form, error)
        return _page(request, form, _found(subject, code, now))
    messages.success(request, done)
    return redirect(f"{reverse('frontdesk:check_in')}?{urlencode({'code': code})}")
