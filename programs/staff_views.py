"""The staff side of programs: this week's sessions, and a session's roster for taking attendance on a tablet.

Each view parses its input, calls one service, and renders; a refusal from the service is shown on the
page and nothing is saved.
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from makerlab.formatting import day_text, time_span, when_text
from programs.attendance import attendance_record, roster_participants
from programs.models import AgeGroup, Attendance, Headcount, Session

WEEK_DAYS = 7


def attendance_permission(view):
    return login_required(permission_required("programs.add_attendance", raise_exception=True)(view))


def _zone(session: Session) -> dt.tzinfo:
    program = session.program
    return program.branch.zone if program.branch_id else timezone.get_current_timezone()


@dataclass(frozen=True)
class SessionRow:
    session: Session
    time: str
    place: str


@require_safe
@attendance_permission
def sessions(request: HttpRequest) -> HttpResponse:
    """Today's and the coming week's sessions, by day."""
    today = timezone.localdate()
    start = dt.datetime.combine(today, dt.time(0), tzinfo=timezone.get_current_timezone())
    upcoming = Session.objects.filter(
        starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=WEEK_DAYS)
    ).select_related("program__branch", "program__partner_site")
    days: dict[str, list[SessionRow]] = {}
    for session in upcoming.order_by("starts_at"):
        zone = _zone(session)
        starts, ends = session.starts_at.astimezone(zone), session.ends_at.astimezone(zone)
        program = session.program
        place = str(program.branch or program.partner_site) + (f", {program.room}" if program.room else "")
        days.setdefault(day_text(starts.date(), today=today), []).append(
            SessionRow(session=session, time=time_span(starts, ends), place=place)
        )
    return render(request, "programs/staff/sessions.html", {"days": days, "today": day_text(today, today=today)})


@require_http_methods(["GET", "HEAD", "POST"])
@attendance_permission
def roster(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(Session.objects.select_related("program__branch", "program__partner_site"), pk=pk)
    participants = roster_participants(session=session)
    error = None
    if request.method == "POST":
        try:
            headcounts = {group: _count(request.POST.get(f"count_{group}", "")) for group in AgeGroup.values}
            present_ids = [int(pk) for pk in request.POST.getlist("present") if _is_id(pk)]
            came = attendance_record(
                session=session, present_ids=present_ids, by_user=request.user, headcounts=headcounts
            )
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            walk_ins = sum(headcounts.values())
            messages.success(request, f"Attendance saved: {came} registered came, {walk_ins} counted at the door.")
            return redirect("programs_staff:roster", pk=session.pk)
    marked = {a.participant_id: a.present for a in Attendance.objects.filter(session=session)}
    counts = {h.age_group: h.count for h in Headcount.objects.filter(session=session)}
    if error:
        marked = {p.pk: str(p.pk) in request.POST.getlist("present") for p in participants}
        counts = {group: request.POST.get(f"count_{group}", "") for group in AgeGroup.values}
    rows = [(participant, marked.get(participant.pk)) for participant in participants]
    groups = [(value, label, counts.get(value, "")) for value, label in AgeGroup.choices]
    return render(
        request,
        "programs/staff/roster.html",
        {
            "session": session,
            "program": session.program,
            "when": when_text(session.starts_at, session.ends_at, zone=_zone(session), today=timezone.localdate()),
            "rows": rows,
            "groups": groups,
            "error": error,
            "already_marked": bool(marked) and not error,
        },
        status=400 if error else 200,
    )


def _is_id(text: str) -> bool:
    """Plain ASCII digits short enough to be a database id; ``str.isdigit`` alone also accepts "²"."""
    return text.isascii() and text.isdigit() and len(text) <= 18


def _count(text: str) -> int:
    text = text.strip()
    if not text:
        return 0
    if not (text.isascii() and text.isdigit()) or len(text) > 4:
        raise ValidationError("Write each headcount as a whole number, or leave it empty.")
    return int(text)
