"""The staff area: my shifts and hours, the week's schedule, and the coordinator's approvals.

Each view parses its input, calls the staffing services or selectors, and renders. A refusal from a
service (a ValidationError) is shown on the page with status 200 and nothing saved.
"""

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from makerlab.commitments import STAFF, Commitment, busy_time
from makerlab.formatting import day_text, time_span, when_text
from makerlab.forms import add_service_error
from makerlab.http import private_page
from makerlab.pagecache import cached_staff_page
from makerlab.selectors import branches_active
from staffing import documents, selectors, services
from staffing.forms import (
    HoursDecisionForm,
    HoursLogForm,
    ScheduleFilterForm,
    ShiftChangeDecisionForm,
    ShiftOfferForm,
    TimeOffRequestForm,
)
from staffing.models import (
    DATE_OF_BIRTH_KINDS,
    Assignment,
    Shift,
    ShiftChange,
    ShiftInvitation,
    StaffKind,
    StaffMember,
)
from staffing.wording import shift_day, shift_when

PENDING_HOURS_SHOWN = 200
PROGRAMS_AHEAD = dt.timedelta(weeks=8)


# --- Access ------------------------------------------------------------------------------------------------


def staff_member_required(view: Callable) -> Callable:
    """Logged in, and an active person of the lab; the view receives the StaffMember after the request."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        staff_member = getattr(request.user, "staff_member", None)
        if staff_member is None or not staff_member.is_active:
            raise PermissionDenied("The staff area is for people who work in the Maker Lab.")
        return view(request, staff_member, *args, **kwargs)

    return wrapper


def coordinator_permission(permission: str) -> Callable:
    """Logged in (else the login page) with ``permission`` (else the friendly 403 page)."""

    def decorator(view: Callable) -> Callable:
        return login_required(permission_required(permission, raise_exception=True)(view))

    return decorator


# --- My shifts ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MyShift:
    assignment: Assignment
    when: str
    day: str
    times: str
    role: str
    branch: str
    open_change: ShiftChange | None
    can_give_up: bool
    can_check_in: bool
    can_check_out: bool


@dataclass(frozen=True)
class MyWeek:
    """The person's shifts in one week (Monday to Sunday), for one compact table."""

    title: str
    monday: dt.date
    shifts: list[MyShift]

    @property
    def heading_id(self) -> str:
        return f"week-{self.monday.isoformat()}"


@dataclass(frozen=True)
class Offer:
    """A shift the person can take: given up by someone (``change``) or offered by the coordinator (``invitation``)."""

    shift: Shift
    when: str
    day: str
    times: str
    change: ShiftChange | None = None
    invitation: ShiftInvitation | None = None


def shift_times(shift: Shift, *, today: dt.date) -> str:
    """When a shift happens, without its first day: "2:00 to 4:00 p.m."."""
    return shift_when(shift, today=today).split(", ", 1)[1]


def _offer(shift: Shift, *, today: dt.date, **source) -> Offer:
    return Offer(
        shift=shift,
        when=shift_when(shift, today=today),
        day=shift_day(shift, today=today),
        times=shift_times(shift, today=today),
        **source,
    )


def _week_title(monday: dt.date, *, today: dt.date) -> str:
    this_monday = selectors.week_start_of(today)
    if monday == this_monday:
        return "This week"
    if monday == this_monday + dt.timedelta(days=7):
        return "Next week"
    return f"Week of {day_text(monday, today=today)}"


def weeks_of(shifts: list[MyShift], *, today: dt.date) -> list[MyWeek]:
    """The shifts grouped by the week they start in, in the branch's time zone, weeks in order."""
    by_week: dict[dt.date, list[MyShift]] = {}
    for row in shifts:
        shift = row.assignment.shift
        monday = selectors.week_start_of(shift.starts_at.astimezone(shift.branch.zone).date())
        by_week.setdefault(monday, []).append(row)
    return [
        MyWeek(title=_week_title(monday, today=today), monday=monday, shifts=rows)
        for monday, rows in sorted(by_week.items())
    ]


def _my_shift(assignment: Assignment, *, now: dt.datetime, today: dt.date) -> MyShift:
    shift = assignment.shift
    open_change = assignment.open_changes[0] if assignment.open_changes else None
    local_today = now.astimezone(shift.branch.zone).date()
    checked_in = assignment.checked_in_at is not None
    return MyShift(
        assignment=assignment,
        when=shift_when(shift, today=today),
        day=shift_day(shift, today=today),
        times=shift_times(shift, today=today),
        role=shift.get_role_display(),
        branch=shift.branch.name,
        open_change=open_change,
        can_give_up=open_change is None and not checked_in and shift.starts_at > now,
        # Offered on the shift's day; the service says when it is too early.
        can_check_in=not checked_in
        and shift.ends_at > now
        and shift.starts_at.astimezone(shift.branch.zone).date() == local_today,
        can_check_out=checked_in and assignment.checked_out_at is None,
    )


@dataclass(frozen=True)
class MyProgramSession:
    commitment: Commitment
    when: str


def program_sessions_of(me: StaffMember, *, now: dt.datetime, today: dt.date) -> list[MyProgramSession]:
    """Program sessions the person facilitates in the eight weeks from ``now``, told in the site's time zone.

    They come from whichever apps register commitments, so staffing need not import programs.
    """
    zone = timezone.get_default_timezone()
    return [
        MyProgramSession(
            commitment=commitment, when=when_text(commitment.starts_at, commitment.ends_at, zone=zone, today=today)
        )
        for commitment in busy_time(staff_member_ids=[me.pk], starts=now, ends=now + PROGRAMS_AHEAD)
        if commitment.kind == STAFF
    ]


def _my_shifts_page(request: HttpRequest, me: StaffMember, *, error: ValidationError | None = None) -> HttpResponse:
    now = timezone.now()
    today = timezone.localdate(now)
    shifts = [_my_shift(a, now=now, today=today) for a in selectors.upcoming_shifts(staff_member=me, now=now)]
    program_sessions = program_sessions_of(me, now=now, today=today)
    offers = [
        _offer(invitation.shift, today=today, invitation=invitation)
        for invitation in selectors.shift_invitations_to(staff_member=me, now=now)
    ]
    offers += [
        _offer(change.assignment.shift, today=today, change=change)
        for change in selectors.shifts_offered_to(staff_member=me, now=now)
    ]
    offers.sort(key=lambda offer: offer.shift.starts_at)
    claims = [
        _offer(change.assignment.shift, today=today, change=change)
        for change in selectors.shift_claims_by(staff_member=me, now=now)
    ]
    feed_url = request.build_absolute_uri(reverse("staffing:calendar_feed", args=[me.calendar_token]))
    context = {
        "me": me,
        "shifts": shifts,
        "weeks": weeks_of(shifts, today=today),
        "program_sessions": program_sessions,
        "offers": offers,
        "claims": claims,
        "feed_url": feed_url,
        "webcal_url": "webcal://" + feed_url.split("://", 1)[1],
        "errors": error.messages if error else [],
        "refusal": error,
    }
    return render(request, "staffing/my_shifts.html", context)


@require_safe
@staff_member_required
@cached_staff_page
def my_shifts(request: HttpRequest, me: StaffMember) -> HttpResponse:
    return _my_shifts_page(request, me)


def _my_assignment(me: StaffMember, pk: int) -> Assignment:
    return get_object_or_404(Assignment.objects.select_related("shift__branch"), pk=pk, staff_member=me)


def _when(shift: Shift) -> str:
    return shift_when(shift, today=timezone.localdate())


def _back_to_the_staff_page(request: HttpRequest) -> HttpResponse:
    """Back to the staff page the button was on (the start page or My shifts); never to another site."""
    target = request.POST.get("next", "")
    if target.startswith("/staff/") and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect(target)
    return redirect("staffing:my_shifts")


def _change_my_shifts(request: HttpRequest, me: StaffMember, change: Callable[[], str]) -> HttpResponse:
    """Make one change to the person's shifts: ``change`` calls the service and says what was done. A refusal
    shows on My shifts with nothing saved; success goes back to the page the button was on, with the message."""
    try:
        done = change()
    except ValidationError as error:
        return _my_shifts_page(request, me, error=error)
    messages.success(request, done)
    return _back_to_the_staff_page(request)


def _my_invitation(me: StaffMember, pk: int) -> ShiftInvitation:
    return get_object_or_404(ShiftInvitation.objects.select_related("shift__branch"), pk=pk, staff_member=me)


@require_POST
@staff_member_required
def shift_give_up(request: HttpRequest, me: StaffMember, pk: int) -> HttpResponse:
    assignment = _my_assignment(me, pk)

    def give_up() -> str:
        services.shift_give_up(assignment=assignment, staff_member=me)
        return (
            f"You offered your shift on {_when(assignment.shift)} to others. "
            "It stays yours until someone takes it and the coordinator approves."
        )

    return _change_my_shifts(request, me, give_up)


@require_POST
@staff_member_required
def shift_change_withdraw(request: HttpRequest, me: StaffMember, pk: int) -> HttpResponse:
    change = get_object_or_404(ShiftChange.objects.select_related("assignment__shift__branch"), pk=pk, offered_by=me)

    def withdraw() -> str:
        services.shift_change_withdraw(change=change, staff_member=me)
        return f"You withdrew your offer. The shift on {_when(change.assignment.shift)} is yours."

    return _change_my_shifts(request, me, withdraw)


@require_POST
@staff_member_required
def shift_claim(request: HttpRequest, me: StaffMember, pk: int) -> HttpResponse:
    change = get_object_or_404(ShiftChange.objects.select_related("assignment__shift__branch"), pk=pk)

    def claim() -> str:
        services.shift_claim(change=change, staff_member=me)
        return (
            f"You asked to take the shift on {_when(change.assignment.shift)}. "
            "It shows under your shifts once the coordinator approves."
        )

    return _change_my_shifts(request, me, claim)


@require_POST
@staff_member_required
def shift_invitation_take(request: HttpRequest, me: StaffMember, pk: int) -> HttpResponse:
    invitation = _my_invitation(me, pk)

    def take() -> str:
        services.shift_invitation_take(invitation=invitation, staff_member=me)
        return f"You took the shift on {_when(invitation.shift)}. It is yours: see it below."

    return _change_my_shifts(request, me, take)


@require_POST
@staff_member_required
def shift_invitation_decline(request: HttpRequest, me: StaffMember, pk: int) -> HttpResponse:
    invitation = _my_invitation(me, pk)

    def decline() -> str:
        services.shift_invitation_decline(invitation=invitation, staff_member=me)
        return f"You said no to the shift on {_when(invitation.shift)}. The coordinator will see it."

    return _change_my_shifts(request, me, decline)


@require_POST
@staff_member_required
def assignment_check_in(request: HttpRequest, me: StaffMember, pk: int) -> HttpResponse:
    assignment = _my_assignment(me, pk)

    def check_in() -> str:
        services.assignment_check_in(assignment=assignment)
        return f"You checked in to your shift on {_when(assignment.shift)}."

    return _change_my_shifts(request, me, check_in)


@require_POST
@staff_member_required
def assignment_check_out(request: HttpRequest, me: StaffMember, pk: int) -> HttpResponse:
    assignment = _my_assignment(me, pk)

    def check_out() -> str:
        entry = services.assignment_check_out(assignment=assignment)
        return f"You checked out. {entry.hours:.2f} hours went to the coordinator for approval. Thank you!"

    return _change_my_shifts(request, me, check_out)


@require_POST
@staff_member_required
def calendar_token_reset(request: HttpRequest, me: StaffMember) -> HttpResponse:
    services.calendar_token_reset(staff_member=me)
    messages.success(
        request,
        "Your calendar has a new address. The old address no longer works: "
        "subscribe to the new one in your calendar app.",
    )
    return redirect("staffing:my_shifts")


@require_safe
@never_cache
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The person's shifts and program sessions for calendar apps: no login, the secret address is the key."""
    staff_member = selectors.staff_member_for_calendar(token=token)
    if staff_member is None:
        raise Http404("No calendar at this address.")
    now = timezone.now()
    assignments = selectors.calendar_shifts(staff_member=staff_member, since=now - documents.CALENDAR_PAST)
    commitments = busy_time(
        staff_member_ids=[staff_member.pk], starts=now - documents.CALENDAR_PAST, ends=now + documents.CALENDAR_AHEAD
    )
    body = documents.shifts_calendar(
        staff_member=staff_member,
        assignments=assignments,
        now=now,
        commitments=[commitment for commitment in commitments if commitment.kind == STAFF],
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(False, "maker-lab-shifts.ics")
    return private_page(response)


# --- My hours ----------------------------------------------------------------------------------------------


def _keeps_community_hours(me: StaffMember) -> bool:
    """Volunteers and students may need their hours for a school's community involvement requirement."""
    return me.kind in DATE_OF_BIRTH_KINDS


@require_http_methods(["GET", "HEAD", "POST"])
@staff_member_required
@cached_staff_page
def hours(request: HttpRequest, me: StaffMember) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = HoursLogForm(data, show_community_hours=_keeps_community_hours(me))
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.hours_log(
                staff_member=me,
                day=form.cleaned_data["day"],
                hours=form.cleaned_data["hours"],
                activity=form.cleaned_data["activity"],
                counts_for_community_hours=form.counts_toward_community_hours,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                f"You logged {entry.hours:.2f} hours on {day_text(entry.day, today=timezone.localdate())}. "
                "They count once the coordinator approves them.",
            )
            return redirect("staffing:hours")
    summary = selectors.hours_summary(staff_member=me)
    context = {
        "me": me,
        "form": form,
        "summary": summary,
        "entries": selectors.hours_entries(staff_member=me),
        "keeps_community_hours": _keeps_community_hours(me),
        "shows_progress": me.kind == StaffKind.COMMUNITY_SERVICE_STUDENT,
    }
    return render(request, "staffing/hours.html", context, status=200)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_member_required
@cached_staff_page
def time_off(request: HttpRequest, me: StaffMember) -> HttpResponse:
    form = TimeOffRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            asked = services.time_off_request(
                staff_member=me,
                first_day=form.cleaned_data["first_day"],
                last_day=form.cleaned_data["last_day"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            today = timezone.localdate()
            messages.success(
                request,
                f"You asked for time off from {day_text(asked.first_day, today=today)} "
                f"to {day_text(asked.last_day, today=today)}. The coordinator will approve it.",
            )
            return redirect("staffing:time_off")
    context = {"me": me, "form": form, "requests": selectors.time_off_requests(staff_member=me)}
    return render(request, "staffing/time_off.html", context)


def _pdf_response(record: documents.CommunityHoursRecord) -> HttpResponse:
    response = HttpResponse(documents.community_hours_pdf(record), content_type="application/pdf")
    name = slugify(str(record.student)) or "student"
    response["Content-Disposition"] = content_disposition_header(
        False, f"community-involvement-hours-{name}-{record.today:%Y-%m-%d}.pdf"
    )
    return response


@require_safe
@never_cache
@staff_member_required
def my_community_hours_pdf(request: HttpRequest, me: StaffMember) -> HttpResponse:
    return _pdf_response(documents.community_hours_record(staff_member=me))


@require_safe
@never_cache
@coordinator_permission("staffing.view_hoursentry")
def community_hours_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    staff_member = get_object_or_404(StaffMember.objects.select_related("user"), pk=pk)
    return _pdf_response(documents.community_hours_record(staff_member=staff_member, supervisor=request.user))


# --- The coordinator's approvals -------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    change: ShiftChange
    when: str
    day: str
    is_own: bool


def _changes_page(
    request: HttpRequest,
    *,
    failed: ShiftChange | None = None,
    form: ShiftChangeDecisionForm | None = None,
    warnings: list | None = None,
) -> HttpResponse:
    today = timezone.localdate()
    claims = [
        Claim(
            change=change,
            when=shift_when(change.assignment.shift, today=today),
            day=shift_day(change.assignment.shift, today=today),
            is_own=selectors.shift_change_is_own(change=change, user=request.user),
        )
        for change in selectors.shift_changes_awaiting_approval()
    ]
    context = {
        "claims": claims,
        "failed_id": failed.pk if failed else None,
        "form": form,
        "warnings": warnings or [],
        "errors": [error for errors in form.errors.values() for error in errors] if form is not None else [],
    }
    return render(request, "staffing/changes.html", context)


@require_safe
@coordinator_permission("staffing.change_shiftchange")
@cached_staff_page
def shift_changes(request: HttpRequest) -> HttpResponse:
    return _changes_page(request)


@require_POST
@coordinator_permission("staffing.change_shiftchange")
def shift_change_decide(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_object_or_404(
        ShiftChange.objects.select_related("assignment__shift__branch", "claimed_by__user"), pk=pk
    )
    form = ShiftChangeDecisionForm(request.POST)
    if not form.is_valid():
        return _changes_page(request, failed=change, form=form)
    claimant = change.claimed_by
    try:
        services.shift_change_decide(
            change=change,
            approve=form.approve,
            by=request.user,
            override_reason=form.cleaned_data["override_reason"],
        )
    except services.AssignmentWarnings as error:
        form.add_error(None, "Check the warnings below. To approve anyway, give a reason; or decline the claim.")
        return _changes_page(request, failed=change, form=form, warnings=error.warnings)
    except ValidationError as error:
        add_service_error(form, error)
        return _changes_page(request, failed=change, form=form)
    when = _when(change.assignment.shift)
    if form.approve:
        messages.success(request, f"Approved: {claimant} takes the shift on {when}.")
    else:
        messages.success(request, f"Declined: the shift on {when} is offered to others again.")
    return redirect("staffing:shift_changes")


@require_http_methods(["GET", "HEAD", "POST"])
@coordinator_permission("staffing.change_hoursentry")
@cached_staff_page
def hours_approve(request: HttpRequest) -> HttpResponse:
    form = HoursDecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        wanted = form.cleaned_data["entries"]
        decided = services.hours_decide(entry_ids=wanted, approve=form.approve, by=request.user)
        if decided:
            verb = "Approved" if form.approve else "Declined"
            text = f"{verb} {decided} {'entry' if decided == 1 else 'entries'} of hours."
            if decided < len(wanted):
                text += f" {len(wanted) - decided} had already been decided."
            messages.success(request, text)
            return redirect("staffing:hours_approve")
        form.add_error(
            "entries",
            ValidationError(
                "These hours were already approved or declined, or they are your own.", code="nothing_to_decide"
            ),
        )
    today = timezone.localdate()
    entries = [
        (entry, day_text(entry.day, today=today), selectors.request_is_own(request=entry, user=request.user))
        for entry in selectors.hours_awaiting_approval(limit=PENDING_HOURS_SHOWN + 1)
    ]
    context = {
        "form": form,
        "chosen": set(form.cleaned_data.get("entries", [])) if form.is_bound else set(),
        "entries": entries[:PENDING_HOURS_SHOWN],
        "more": len(entries) > PENDING_HOURS_SHOWN,
        "shown": PENDING_HOURS_SHOWN,
    }
    return render(request, "staffing/hours_approve.html", context)


# --- The week's schedule -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduledPerson:
    assignment: Assignment
    warnings: list
    name: str
    kind: str


@dataclass(frozen=True)
class GapHelp:
    """Who could fill a short shift, for the coordinator: candidates to offer it to and offers already made."""

    gap: selectors.CoverageGap
    when: str
    shown: list[selectors.Candidate]
    more: int
    offered: list[ShiftInvitation]
    declined: list[ShiftInvitation]


@dataclass(frozen=True)
class ScheduleRow:
    scheduled: selectors.ScheduledShift
    times: str
    role: str
    people: list[ScheduledPerson]
    help: GapHelp | None = None


# Weeks further than this from today hold no shifts (the services refuse them): asking for one is a typo.
SCHEDULE_REACH = services.PLANNING_HORIZON + dt.timedelta(days=7)


def _schedule_week(form: ScheduleFilterForm, *, today: dt.date) -> tuple[dt.date, bool]:
    """The Monday of the week asked for, or of this week when none or a bad one was asked for."""
    week = form.cleaned_data.get("week") if form.is_bound else None
    understood = not (form.is_bound and "week" in form.errors)
    if week is not None and abs(week - today) > SCHEDULE_REACH:
        week, understood = None, False
    return selectors.week_start_of(week or today), understood


CANDIDATES_SHOWN = 5


def _gap_help(gap: selectors.CoverageGap, *, today: dt.date) -> GapHelp:
    offerable = gap.offerable
    invitations = list(gap.invitations.values())
    return GapHelp(
        gap=gap,
        when=shift_when(gap.scheduled.shift, today=today),
        shown=offerable[:CANDIDATES_SHOWN],
        more=max(0, len(offerable) - CANDIDATES_SHOWN),
        offered=[i for i in invitations if i.status == ShiftInvitation.Status.OFFERED],
        declined=[i for i in invitations if i.status == ShiftInvitation.Status.DECLINED],
    )


def _schedule_page(request: HttpRequest, params: Mapping[str, str], *, errors: list[str] | None = None) -> HttpResponse:
    branches = branches_active()
    now = timezone.now()
    today = timezone.localdate(now)
    form = ScheduleFilterForm(params or None, branches=branches)
    if form.is_bound:
        form.is_valid()
    slug = params.get("branch")
    if slug and (not form.is_bound or "branch" in form.errors):
        raise Http404("No such branch.")
    if not branches:
        return render(request, "staffing/schedule.html", {"branch": None, "week_start": selectors.week_start_of(today)})
    branch = next((b for b in branches if b.slug == slug), branches[0])
    week_start, understood = _schedule_week(form, today=today)
    sees_drafts = request.user.has_perm("staffing.change_shift")
    week = selectors.week_schedule(branch=branch, week_start=week_start, published_only=not sees_drafts)
    sees_warnings = request.user.has_perm("staffing.change_assignment")
    offers_shifts = request.user.has_perm("staffing.add_assignment")
    gaps = selectors.coverage_gaps(schedule=week, now=now) if offers_shifts else {}
    zone = branch.zone
    days = []
    for day, scheduled_shifts in week.days:
        rows = [
            ScheduleRow(
                scheduled=scheduled,
                times=time_span(scheduled.shift.starts_at.astimezone(zone), scheduled.shift.ends_at.astimezone(zone)),
                role=scheduled.shift.get_role_display(),
                people=[
                    ScheduledPerson(
                        a,
                        scheduled.warnings.get(a.pk, []) if sees_warnings else [],
                        name=str(a.staff_member),
                        kind=a.staff_member.get_kind_display(),
                    )
                    for a in scheduled.assignments
                ],
                help=_gap_help(gaps[scheduled.shift.pk], today=today) if scheduled.shift.pk in gaps else None,
            )
            for scheduled in scheduled_shifts
        ]
        days.append((day, day_text(day, today=today), rows))
    shown = [row.scheduled for _, _, rows in days for row in rows]
    context = {
        "branch": branch,
        "branches": branches,
        "week_start": week_start,
        "week_end": week_start + dt.timedelta(days=6),
        "days": days,
        "gaps": sum(s.gap for s in shown),
        "short_shifts": sum(1 for s in shown if s.gap),
        "skill_gaps": sum(1 for s in shown if s.missing_skills),
        "warnings": sum(len(p.warnings) for _, _, rows in days for row in rows for p in row.people),
        "sees_drafts": sees_drafts,
        "sees_warnings": sees_warnings,
        "offers_shifts": offers_shifts,
        "understood": understood,
        "errors": errors or [],
        "filter_form": ScheduleFilterForm(initial={"branch": branch.slug, "week": week_start}, branches=branches),
        "previous_week": week_start - dt.timedelta(days=7),
        "next_week": week_start + dt.timedelta(days=7),
        "this_week": selectors.week_start_of(today),
    }
    return render(request, "staffing/schedule.html", context)


@require_safe
@coordinator_permission("staffing.view_shift")
@cached_staff_page
def schedule(request: HttpRequest) -> HttpResponse:
    return _schedule_page(request, request.GET)


@require_POST
@coordinator_permission("staffing.add_assignment")
def shift_offer(request: HttpRequest) -> HttpResponse:
    """Offer a place on a short shift to one person the schedule named as able to fill it."""
    back = {key: request.POST[key] for key in ("branch", "week") if request.POST.get(key)}
    form = ShiftOfferForm(request.POST)
    if not form.is_valid():
        messages_seen = dict.fromkeys(str(m) for errors in form.errors.values() for m in errors)
        return _schedule_page(request, back, errors=list(messages_seen))
    shift = Shift.objects.filter(pk=form.cleaned_data["shift"]).select_related("branch").first()
    person = StaffMember.objects.filter(pk=form.cleaned_data["staff_member"]).select_related("user").first()
    if shift is None or person is None:
        return _schedule_page(request, back, errors=[ShiftOfferForm.MESSAGES["invalid"]])
    try:
        services.shift_invitation_create(shift=shift, staff_member=person, by=request.user)
    except ValidationError as error:
        return _schedule_page(request, back, errors=error.messages)
    messages.success(
        request,
        f"You offered the shift on {_when(shift)} to {person}. "
        "It shows on their My shifts page, and it is theirs as soon as they take it.",
    )
    week = selectors.week_start_of(shift.starts_at.astimezone(shift.branch.zone).date())
    return redirect(f"{reverse('staffing:schedule')}?branch={shift.branch.slug}&week={week.isoformat()}")
