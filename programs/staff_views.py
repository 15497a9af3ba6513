"""The staff side of programs: the sessions of any week, and a session's roster for taking attendance on a tablet.

Each view parses its input, calls one service, and renders; a refusal from the service is shown on the
page with what was ticked and counted still in the form, and nothing is saved.
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_safe

from makerlab.formatting import clock_text, day_text, time_span, when_text
from makerlab.pagecache import cached_staff_page
from makerlab.validators import ascii_id
from programs.models import AgeGroup, Attendance, Headcount, Session
from programs.services.attendance import attendance_record, roster_participants
from programs.staff_forms import SessionsFilterForm

WEEK = dt.timedelta(days=7)
# How each age group's plus and minus buttons name one more or one fewer person.
WALK_IN_NOUNS = {
    AgeGroup.CHILDREN: "child",
    AgeGroup.TEENS: "teen",
    AgeGroup.ADULTS: "adult",
    AgeGroup.SENIORS: "senior",
}


def attendance_permission(view):
    return login_required(permission_required("programs.add_attendance", raise_exception=True)(view))


@dataclass(frozen=True)
class SessionRow:
    session: Session
    time: str
    place: str
    is_on: bool
    is_over: bool


def _week_link(first_day: dt.date | None, program_id: int | None) -> str:
    query = {key: value for key, value in (("day", first_day), ("program", program_id)) if value}
    return reverse("programs_staff:sessions") + (f"?{urlencode(query)}" if query else "")


@require_safe
@attendance_permission
@cached_staff_page
def sessions(request: HttpRequest) -> HttpResponse:
    """The sessions of seven days from the day asked for (today when none), by day, for one program or all."""
    today = timezone.localdate()
    form = SessionsFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    chosen = getattr(form, "cleaned_data", {})
    first_day = chosen.get("day") or today
    program = chosen.get("program")
    start = dt.datetime.combine(first_day, dt.time(0), tzinfo=timezone.get_current_timezone())
    end = dt.datetime.combine(first_day + WEEK, dt.time(0), tzinfo=timezone.get_current_timezone())
    week = (
        Session.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("program__branch", "program__partner_site")
        .annotate(
            taken=Exists(Attendance.objects.filter(session=OuterRef("pk")))
            | Exists(Headcount.objects.filter(session=OuterRef("pk")))
        )
    )
    if program is not None:
        week = week.filter(program=program)
    now = timezone.now()
    days: dict[str, list[SessionRow]] = {}
    for session in week.order_by("starts_at", "pk"):
        zone = session.program.zone
        starts, ends = session.starts_at.astimezone(zone), session.ends_at.astimezone(zone)
        place = session.program.place_name
        days.setdefault(day_text(starts.date(), today=today), []).append(
            SessionRow(
                session=session,
                time=time_span(starts, ends),
                place=place,
                is_on=session.starts_at <= now < session.ends_at and not session.is_cancelled,
                is_over=session.ends_at <= now,
            )
        )
    program_id = program.pk if program else None
    if not form.errors:
        # The fields show the week and program on the page, so the next change starts from them.
        form = SessionsFilterForm(initial={"day": first_day, "program": program_id})
    context = {
        "form": form,
        "days": days,
        "program": program,
        "first_day": first_day,
        "first_day_text": day_text(first_day, today=today),
        "last_day_text": day_text(first_day + WEEK - dt.timedelta(days=1), today=today),
        "is_today": first_day == today,
        "previous_week": _week_link(first_day - WEEK, program_id),
        "next_week": _week_link(first_day + WEEK, program_id),
        "today_link": _week_link(None, program_id),
        "previous_week_text": day_text(first_day - WEEK, today=today),
        "next_week_text": day_text(first_day + WEEK, today=today),
    }
    return render(request, "programs/staff/sessions.html", context)


@dataclass(frozen=True)
class WalkInGroup:
    value: str
    label: str
    count: int | str
    noun: str


def _roster_state(session: Session, now: dt.datetime) -> str:
    if session.is_cancelled:
        return "cancelled"
    if now < session.starts_at:
        return "not_started"
    return "on" if now < session.ends_at else "over"


def _ids(values: list[str]) -> list[int]:
    return [pk for pk in map(ascii_id, values) if pk is not None]


@require_http_methods(["GET", "HEAD", "POST"])
@attendance_permission
@cached_staff_page
def roster(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(Session.objects.select_related("program__branch", "program__partner_site"), pk=pk)
    participants = roster_participants(session=session)
    error = None
    if request.method == "POST":
        try:
            headcounts = {group: _count(request.POST.get(f"count_{group}", "")) for group in AgeGroup.values}
            came = attendance_record(
                session=session,
                present_ids=_ids(request.POST.getlist("present")),
                # The form always sends the field (empty when nobody was shown present); without it, a post from
                # elsewhere says nothing of what was shown, and every mark in the database counts as shown.
                shown_present=_ids(request.POST.getlist("shown_present")) if "shown_present" in request.POST else None,
                by=request.user,
                headcounts=headcounts,
            )
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            walk_ins = sum(headcounts.values())
            messages.success(request, f"Attendance saved: {came} registered came, {walk_ins} counted at the door.")
            return redirect("programs_staff:roster", pk=session.pk)
    marked = dict(Attendance.objects.filter(session=session).values_list("participant_id", "present"))
    shown_present = sorted(pk for pk, present in marked.items() if present)
    counts: dict[str, int | str] = dict(Headcount.objects.filter(session=session).values_list("age_group", "count"))
    ticked = {pk for pk, present in marked.items() if present}
    if error:
        # The refused save's ticks and counts stay on the form, so nothing typed or tapped is lost.
        ticked = set(_ids(request.POST.getlist("present")))
        shown_present = _ids(request.POST.getlist("shown_present"))
        counts = {group: request.POST.get(f"count_{group}", "")[:4] for group in AgeGroup.values}
    rows = [(participant, participant.pk in ticked, marked.get(participant.pk)) for participant in participants]
    groups = [
        WalkInGroup(value, label, counts.get(value, ""), WALK_IN_NOUNS[value]) for value, label in AgeGroup.choices
    ]
    zone = session.program.zone
    today = timezone.localdate()
    return render(
        request,
        "programs/staff/roster.html",
        {
            "session": session,
            "program": session.program,
            "when": when_text(session.starts_at, session.ends_at, zone=zone, today=today),
            "starts": clock_text(session.starts_at.astimezone(zone).time()),
            "ends": clock_text(session.ends_at.astimezone(zone).time()),
            "state": _roster_state(session, timezone.now()),
            "rows": rows,
            "shown_present": shown_present,
            "groups": groups,
            "error": error or "",
            "already_marked": bool(marked) and not error,
            "week_link": _week_link(session.starts_at.astimezone(zone).date(), None),
        },
        status=400 if error else 200,
    )


def _count(text: str) -> int:
    text = text.strip()
    if not text:
        return 0
    if not (text.isascii() and text.isdigit()) or len(text) > 4:
        raise ValidationError("Write each headcount as a whole number, or leave it empty.", code="headcount_not_number")
    return int(text)
