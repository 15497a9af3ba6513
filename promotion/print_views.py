"""Staff pages for what the lab prints and mails: posters and flyers of each program, the monthly sheet, and the
newsletter digest to paste into the library's newsletter tool."""

import datetime as dt
import re
from functools import wraps

from csp.constants import NONE, SELF
from csp.decorators import csp_replace
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.http import content_disposition_header
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_safe

from makerlab.formatting import moment_text
from makerlab.months import add_months
from makerlab.pagecache import cached_staff_page
from promotion import printables
from promotion.selectors import program_for_printing, programs_to_print

MAY_PRINT = ("promotion.view_display", "programs.view_program")
MONTHS_BACK = 12
MONTHS_AHEAD = 24
MONTH_PATTERN = re.compile(r"^([0-9]{4})-([0-9]{2})$")


def staff_who_may_print(view):
    """The coordinator (displays) and the staff who see programs may print and copy what promotes them."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not any(request.user.has_perm(permission) for permission in MAY_PRINT):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


class MonthForm(forms.Form):
    month = forms.CharField(
        label="Month",
        max_length=7,
        help_text="Year and month, for example 2027-01.",
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args, today: dt.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.earliest = add_months(today.replace(day=1), -MONTHS_BACK)
        self.latest = add_months(today.replace(day=1), MONTHS_AHEAD)

    def clean_month(self) -> dt.date:
        text = self.cleaned_data["month"].strip()
        match = MONTH_PATTERN.match(text)
        month_number = int(match.group(2)) if match else 0
        if not match or not 1 <= month_number <= 12:
            raise forms.ValidationError(
                "Write the month as the year, a dash and the month's number, for example 2027-01 for January 2027.",
                code="month_malformed",
            )
        year = int(match.group(1))
        if not self.earliest.year <= year <= self.latest.year or not (
            self.earliest <= dt.date(year, month_number, 1) <= self.latest
        ):
            raise forms.ValidationError(
                f"Choose a month from {date_format(self.earliest, 'F Y')} to {date_format(self.latest, 'F Y')}.",
                code="month_out_of_range",
            )
        return dt.date(year, month_number, 1)


def _month_choice(request: HttpRequest) -> tuple[MonthForm, dt.date | None, dt.date]:
    """The month in the address, checked; next month when there is none (newsletters and posters go out ahead)."""
    today = timezone.localdate()
    next_month = add_months(today.replace(day=1), 1)
    if "month" not in request.GET:
        form = MonthForm(initial={"month": next_month.strftime("%Y-%m")}, today=today)
        return form, next_month, today
    form = MonthForm(request.GET, today=today)
    return form, (form.cleaned_data["month"] if form.is_valid() else None), today


def _month_links(today: dt.date) -> list[tuple[str, str]]:
    this_month = today.replace(day=1)
    return [(date_format(m, "F Y"), m.strftime("%Y-%m")) for m in (this_month, add_months(this_month, 1))]


def _pdf(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response


@require_safe
@login_required
@staff_who_may_print
@cached_staff_page
def printables_page(request: HttpRequest) -> HttpResponse:
    return _printables(request)


def _printables(request: HttpRequest) -> HttpResponse:
    form, month, today = _month_choice(request)
    programs = programs_to_print(now=timezone.now())
    context = {
        "programs": [(program, moment_text(program.next_starts_at, zone=program.zone)) for program in programs],
        "form": form,
        "month": month,
        "month_links": _month_links(today),
        "sizes": printables.POSTER_SIZES,
    }
    return render(request, "promotion/print/printables.html", context, status=200 if month else 400)


def _program(pk: str):
    program = program_for_printing(pk=int(pk))
    if program is None:
        raise Http404("No published program here: a program gets its posters once it is published.")
    return program


@require_safe
@login_required
@staff_who_may_print
def poster_pdf(request: HttpRequest, pk: str, size: str) -> HttpResponse:
    if size not in printables.POSTER_SIZES:
        raise Http404("Posters come in Letter and tabloid sizes.")
    program = _program(pk)
    item = printables.program_printable(program, now=timezone.now())
    return _pdf(printables.poster_pdf(item, size=size), f"poster-{size}-{program.slug}.pdf")


@require_safe
@login_required
@staff_who_may_print
def flyer_pdf(request: HttpRequest, pk: str) -> HttpResponse:
    program = _program(pk)
    item = printables.program_printable(program, now=timezone.now())
    return _pdf(printables.flyer_pdf(item), f"flyers-{program.slug}.pdf")


@require_safe
@login_required
@staff_who_may_print
def month_pdf(request: HttpRequest) -> HttpResponse:
    _, month, _ = _month_choice(request)
    if month is None:
        return _printables(request)
    sheet = printables.month_sheet(printables.month_whats_on(month=month))
    return _pdf(printables.month_sheet_pdf(sheet), f"whats-on-{month:%Y-%m}.pdf")


@require_safe
@login_required
@staff_who_may_print
@cached_staff_page
def digest_page(request: HttpRequest) -> HttpResponse:
    form, month, today = _month_choice(request)
    context = {"form": form, "month": month, "month_links": _month_links(today)}
    if month is None:
        return render(request, "promotion/print/digest_page.html", context, status=400)
    context["digest"] = printables.month_digest(printables.month_whats_on(month=month))
    return render(request, "promotion/print/digest_page.html", context)


@csp_replace(
    {
        "default-src": [NONE],
        "style-src": ["'unsafe-inline'"],
        "img-src": [SELF, "data:", "https:", "http:"],
        "frame-ancestors": [SELF],
        "script-src": [NONE],
    }
)
@xframe_options_sameorigin
@require_safe
@login_required
@staff_who_may_print
def digest_preview(request: HttpRequest) -> HttpResponse:
    """The digest alone, as a mail client shows it, in the digest page's frame: its inline styles are allowed
    here only, and nothing in it may run."""
    _, month, _ = _month_choice(request)
    if month is None:
        return HttpResponse("Choose a month on the digest page.", content_type="text/plain; charset=utf-8", status=400)
    digest = printables.month_digest(printables.month_whats_on(month=month))
    page = (
        '<!doctype html><html lang="en-CA"><head><meta charset="utf-8">'
        f'<title>Newsletter digest preview</title></head><body style="margin: 12px;">{digest.html}</body></html>'
    )
    return HttpResponse(page)
