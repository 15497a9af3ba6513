"""The public program pages: the calendar, a program, registration, the private manage and claim links, the feed.

Each view parses its input with a form, calls one service or selector and renders; emails are queued
(programs.notifications) once the service has returned. A refusal from a service is shown on the form
with status 200 and nothing saved. Nothing here needs a login: the private links are the keys.
"""

import calendar
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from operator import attrgetter
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.dateformat import format as date_format
from django.views.decorators.cache import never_cache
from django.views.decorators.http import condition, require_http_methods, require_safe

from makerlab.checkin import check_in_qr_svg
from makerlab.formatting import moment_text, time_span, when_text
from makerlab.forms import add_public_refusal
from makerlab.http import private_page, site_address
from makerlab.links import manage_link_check, private_link
from makerlab.months import add_months, month_bounds
from makerlab.pagecache import cached_page
from makerlab.ratelimit import WaitPage, limit_public_posts
from makerlab.share_image import share_image_response, share_tags
from programs.availability import CANCELLED, WAITLIST, Availability, program_availability
from programs.checkin import registration_check_in_code, registration_check_in_url
from programs.documents import programs_calendar
from programs.eligibility import (
    program_audience_text,
    program_who_may_register,
    registration_guardian_text,
    registration_who_text,
)
from programs.feeds import feed_query
from programs.filters import ProgramFilter, filter_params
from programs.forms import CalendarViewForm, RegistrationForm
from programs.images import Picture, program_picture
from programs.models import Audience, Category, Program, Registration, Session
from programs.notifications import (
    program_place,
    program_zone,
)
from programs.schema_org import json_ld_script, program_events
from programs.selectors import (
    feed_last_changed,
    feed_sessions,
    month_sessions,
    program_calendar_sessions,
    program_detail,
    program_is_cancelled,
    program_places_left,
    program_to_share,
    programs_on_calendar,
    programs_published,
    registration_by_offer_token,
    registration_by_token,
    registration_waitlist_position,
)
from programs.services.registration import offer_claim, participant_cancel, registration_cancel, registration_create
from programs.sharing import LABEL as SHARE_LABEL
from programs.sharing import program_share_card

# Each client address may send this many registration, cancel and claim posts per window.
BOT_REFUSAL = "We could not take this request. Please try again, or call the library and we will register you."


# --- Rate limit (the same approach as bookings.views, kept separate so each flow has its own budget) -------


# Public posts are counted per address: see makerlab/ratelimit.py.
rate_limited = limit_public_posts(
    "programs",
    wait_page=WaitPage(
        otherwise="call the library and we will help you register",
        back_url="programs:list",
        back_text="Back to programs",
    ),
)


# --- What a program offers, in plain language --------------------------------------------------------------


EXCERPT_WORDS = 30


def _excerpt(description: str) -> str:
    """The description's opening, cut after a whole word, on one line: the list is read at a glance.

    A cut after a sentence's last word drops its full stop or comma, so the text never ends ".…".
    """
    words = description.split()
    if len(words) <= EXCERPT_WORDS:
        return " ".join(words)
    return " ".join(words[:EXCERPT_WORDS]).rstrip(".,;:!?") + "…"


@dataclass(frozen=True)
class ProgramRow:
    program: Program
    next_session: str
    place: str
    audience: str
    availability: Availability
    excerpt: str = ""
    picture: Picture | None = None

    @property
    def action(self) -> str:
        """The list item's button: "Register", "Join the waitlist", or none when nobody can register now."""
        if not self.availability.can_register:
            return ""
        return "Join the waitlist" if self.availability == WAITLIST else "Register"


def _program_page(request: HttpRequest, slug: str) -> Program:
    program = program_detail(slug=slug)
    if program is None:
        raise Http404("No program at this address.")
    return program


def _calendar_url(params: QueryDict, **extra: str) -> str:
    query = params.copy()
    for name, value in extra.items():
        query[name] = value
    encoded = query.urlencode()
    return reverse("programs:list") + (f"?{encoded}" if encoded else "")


def _month_param(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


@require_safe
@cached_page("programs", "branches", period_seconds=60)  # registration closes as a session starts
def program_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    today = timezone.localdate(now)
    choice = CalendarViewForm(request.GET, today=today)
    params = filter_params(request.GET)
    views = {
        "list_url": _calendar_url(params),
        "month_url": _calendar_url(params, view=CalendarViewForm.MONTH, month=_month_param(choice.first_day)),
    }
    if choice.is_month_view:
        return _month_page(request, choice, params, views, now)
    filterset = ProgramFilter(request.GET or None, queryset=programs_published(now=now))
    rows = []
    for program in filterset.qs:
        zone = program_zone(program)
        rows.append(
            ProgramRow(
                program=program,
                next_session=when_text(
                    program.next_starts_at, program.next_ends_at, zone=zone, today=now.astimezone(zone).date()
                ),
                place=program.branch.name if program.branch_id else program.partner_site.name,
                audience=program_audience_text(program),
                availability=program_availability(program, now),
                excerpt=_excerpt(program.description),
                picture=program_picture(program),
            )
        )
    context = {
        "filter": filterset,
        "rows": rows,
        "view": "list",
        "clear_url": reverse("programs:list"),
        "feed_query": feed_query(filterset),
        **views,
    }
    return render(request, "programs/list.html", context)


# --- The month view ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarEntry:
    session: Session
    time: str
    # None once the session is over: a past session has no places to offer.
    availability: Availability | None


@dataclass
class CalendarDay:
    day: dt.date
    in_month: bool
    is_today: bool
    entries: list[CalendarEntry] = field(default_factory=list)

    @property
    def label(self) -> str:
        return date_format(self.day, "l j F")


def _month_page(
    request: HttpRequest, choice: CalendarViewForm, params: QueryDict, views: dict, now: dt.datetime
) -> HttpResponse:
    first = choice.first_day
    (starts, ends), following = month_bounds(first), add_months(first, 1)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    filterset = ProgramFilter(request.GET or None, queryset=programs_on_calendar())
    programs = filterset.qs  # validates the filter form; unreadable values are shown and ignored
    dates = getattr(filterset.form, "cleaned_data", {})
    sessions = month_sessions(
        programs=programs,
        starts=starts,
        ends=ends,
        first_day=dates.get("starts_after"),
        last_day=dates.get("starts_before"),
    )
    today = choice.today
    weeks = [
        [CalendarDay(day=day, in_month=day.month == first.month, is_today=day == today) for day in week]
        for week in calendar.Calendar(firstweekday=calendar.SUNDAY).monthdatescalendar(first.year, first.month)
    ]
    days = {cell.day: cell for week in weeks for cell in week if cell.in_month}
    availability: dict[int, Availability] = {}
    for session in sessions:
        program = session.program
        zone = program_zone(program)
        starts_at, ends_at = session.starts_at.astimezone(zone), session.ends_at.astimezone(zone)
        cell = days.get(starts_at.date())
        if cell is None:
            continue
        if session.is_cancelled:
            status = CANCELLED
        elif session.ends_at <= now:
            status = None
        else:
            status = availability.setdefault(program.pk, program_availability(program, now))
        cell.entries.append(CalendarEntry(session=session, time=time_span(starts_at, ends_at), availability=status))
    context = {
        "filter": filterset,
        "view": "month",
        "weeks": weeks,
        "weekdays": [date_format(day.day, "l") for day in weeks[0]],
        "month": first,
        "month_param": _month_param(first),
        "previous": previous,
        "following": following,
        "clear_url": _calendar_url(QueryDict(), view=CalendarViewForm.MONTH, month=_month_param(first)),
        "month_problem": choice.month_problem,
        "session_count": sum(1 for session in sessions if not session.is_cancelled),
        "feed_query": feed_query(filterset),
        "previous_url": _calendar_url(params, view=CalendarViewForm.MONTH, month=_month_param(previous))
        if choice.in_reach(previous)
        else "",
        "next_url": _calendar_url(params, view=CalendarViewForm.MONTH, month=_month_param(following))
        if choice.in_reach(following)
        else "",
        "this_month_url": _calendar_url(params, view=CalendarViewForm.MONTH) if first != today.replace(day=1) else "",
        **views,
    }
    return render(request, "programs/month.html", context)


@dataclass(frozen=True)
class SessionLine:
    text: str
    cancelled: bool
    reason: str


def _detail_context(program: Program, now: dt.datetime) -> dict:
    zone = program_zone(program)
    today = now.astimezone(zone).date()
    return {
        "program": program,
        "sessions": [
            SessionLine(
                text=when_text(s.starts_at, s.ends_at, zone=zone, today=today),
                cancelled=s.is_cancelled,
                reason=s.cancellation_reason,
            )
            for s in program.sessions.all()
        ],
        "place": program_place(program),
        "audience": program_audience_text(program),
        "availability": CANCELLED if program_is_cancelled(program=program) else program_availability(program, now),
    }


def _share_context(request: HttpRequest, program: Program) -> dict:
    address = site_address(request, reverse("programs:program", args=[program.slug]))
    email = urlencode(
        {"subject": program.title, "body": f"{program.title} at the {settings.LIBRARY_NAME} Maker Lab:\n{address}"},
        quote_via=quote,
    )
    return {"share_url": address, "share_email": f"mailto:?{email}"}


@require_safe
@cached_page("programs", "branches", period_seconds=60)
def program_page(request: HttpRequest, slug: str) -> HttpResponse:
    program = _program_page(request, slug)
    now = timezone.now()
    context = {
        **_detail_context(program, now),
        **_share_context(request, program),
        "picture": program_picture(program),
        "share_tags": share_tags(
            request,
            title=program.title,
            description=program.description,
            page_path=reverse("programs:program", args=[program.slug]),
            image_path=reverse("programs:share_image", args=[program.slug]),
            label=SHARE_LABEL,
        ),
    }
    events = program_events(
        request=request, program=program, availability=context["availability"], picture=context["picture"], now=now
    )
    context["events_json_ld"] = json_ld_script(events)
    return render(request, "programs/detail.html", context)


@require_safe
@cached_page("programs", "branches", period_seconds=600, conditional=True)  # the next session passes
def program_share_image(request: HttpRequest, slug: str) -> HttpResponse:
    """The picture social media show when the program's page is shared: drawn once per change."""
    now = timezone.now()
    program = program_to_share(slug=slug, now=now)
    if program is None:
        raise Http404("No program at this address.")
    return share_image_response(request, program_share_card(program, now=now), storage=program.image.storage)


@require_safe
def program_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    """One program's sessions as a calendar file: "Add to calendar" on its page."""
    sessions = program_calendar_sessions(slug=slug)
    if sessions is None:
        raise Http404("No program at this address.")
    name = f"{sessions[0].program.title}, {settings.LIBRARY_NAME} Maker Lab" if sessions else ""
    body = programs_calendar(sessions=sessions, name=name)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}.ics"'
    return response


# --- Registering --------------------------------------------------------------------------------------------


def _waitlist_only(program: Program) -> bool:
    """Every registration now goes to the waitlist: no place left, or people already waiting."""
    return program_places_left(program=program) == 0 or bool(program.queue_length)


def _register_page(request: HttpRequest, program: Program, form: RegistrationForm, status: int = 200) -> HttpResponse:
    context = {
        **_detail_context(program, timezone.now()),
        "form": form,
        "who_text": registration_who_text(form.rules),
        "guardian_text": registration_guardian_text(form.rules),
        "waitlist_only": _waitlist_only(program),
    }
    return render(request, "programs/register.html", context, status=status)


def _earlier_registration(request: HttpRequest, program: Program) -> Registration | None:
    """The registration whose private link (``?after=``) asked for another child's form, if for this program."""
    token = request.GET.get("after", "")
    if not token or len(token) > 64:
        return None
    earlier = registration_by_token(token=token)
    return earlier if earlier is not None and earlier.program_id == program.pk else None


def _contact_initial(earlier: Registration | None) -> dict:
    """The contact details of an earlier registration, so a parent registering the next child types them once."""
    if earlier is None:
        return {}
    return {
        "card_number": earlier.patron.card_number,
        "name": earlier.contact_name,
        "email": earlier.contact_email,
        "phone": earlier.contact_phone,
    }


@require_http_methods(["GET", "HEAD", "POST"])
@rate_limited
def register(request: HttpRequest, slug: str) -> HttpResponse:
    program = _program_page(request, slug)
    if not program.registration_required or program_is_cancelled(program=program):
        return redirect("programs:program", slug=program.slug)
    if request.method != "POST":
        earlier = _earlier_registration(request, program)
        form = RegistrationForm(program=program, initial=_contact_initial(earlier))
        if _waitlist_only(program):
            form.ask_about_waitlist()
        response = _register_page(request, program, form)
        if earlier is not None:
            patch_cache_control(response, private=True, no_store=True)
            private_page(response)
        return response
    form = RegistrationForm(request.POST, program=program)
    if _waitlist_only(program):
        form.ask_about_waitlist()
    if form.is_bot:
        form.add_error(None, BOT_REFUSAL)
        return _register_page(request, program, form, status=400)
    if not form.is_valid():
        return _register_page(request, program, form)
    now = timezone.now()
    try:
        registration = registration_create(
            program=program, details=form.details(), waitlist_ok=form.cleaned_data["join_waitlist"], now=now
        )
    except ValidationError as error:
        if getattr(error, "code", None) == "waitlist_consent_needed":
            form.ask_about_waitlist()
        doing = f"register for {program.title}"
        add_public_refusal(form, error, card_number=form.cleaned_data["card_number"], doing=doing, now=now)
        return _register_page(request, program, form)
    return redirect("programs:registered", token=registration.manage_token)


# --- The private links -------------------------------------------------------------------------------------


# A registration's private link: the view is given the registration.
registration_link = private_link(
    registration_by_token, ended_at=attrgetter("last_session_ends_at"), missing="No registration at this address."
)


def _manage_page(
    request: HttpRequest,
    registration: Registration,
    *,
    template: str,
    errors=(),
    status: int = 200,
    extra: dict | None = None,
) -> HttpResponse:
    program = registration.program
    now = timezone.now()
    context = {
        **_detail_context(program_detail(slug=program.slug) or program, now),
        "registration": registration,
        "position": registration_waitlist_position(registration=registration),
        "active": registration.status in Registration.ACTIVE,
        "takes_children": program_who_may_register(program).children,
        "errors": list(errors),
        **(extra or {}),
    }
    return render(request, template, context, status=status)


@require_safe
@never_cache
@registration_link
def registered(request: HttpRequest, registration: Registration) -> HttpResponse:
    extra = {}
    if registration.status == Registration.Status.CONFIRMED:
        extra = {
            "check_in_code": registration_check_in_code(registration),
            "check_in_qr": check_in_qr_svg(
                registration_check_in_url(registration), label="QR code to check in at the desk"
            ),
        }
    return _manage_page(request, registration, template="programs/confirmed.html", extra=extra)


@require_safe
@never_cache
@cached_page("programs", "branches", period_seconds=60)  # a link reached by its owner only
@registration_link
def manage(request: HttpRequest, registration: Registration) -> HttpResponse:
    return _manage_page(request, registration, template="programs/manage.html")


def _cancel_confirm_page(request: HttpRequest, registration: Registration, person=None) -> HttpResponse:
    """The step before a cancel: what exactly will be cancelled, "Yes, cancel …" and a way back."""
    if registration.status not in Registration.ACTIVE:
        return redirect("programs:manage", token=registration.manage_token)
    waiting = registration.status == Registration.Status.WAITLISTED
    context = {
        **_detail_context(program_detail(slug=registration.program.slug) or registration.program, timezone.now()),
        "registration": registration,
        "person": person,
        "waiting": waiting,
        "people": [person] if person is not None else list(registration.participants.all()),
    }
    return render(request, "programs/cancel_confirm.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
@rate_limited
@registration_link
def manage_cancel(request: HttpRequest, registration: Registration) -> HttpResponse:
    if request.method != "POST":
        return _cancel_confirm_page(request, registration)
    was_waiting = registration.status == Registration.Status.WAITLISTED
    try:
        registration_cancel(registration=registration)
    except ValidationError as error:
        return _manage_page(request, registration, template="programs/manage.html", errors=error.messages)
    title = registration.program.title
    if was_waiting:
        messages.success(request, f"You have left the waitlist for {title}. We sent you an email.")
    else:
        messages.success(request, f"Your registration for {title} is cancelled. We sent you an email.")
    return redirect("programs:manage", token=registration.manage_token)


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
@rate_limited
@registration_link
def manage_cancel_person(request: HttpRequest, registration: Registration, pk: str) -> HttpResponse:
    person = registration.participants.filter(pk=int(pk)).first()
    if person is None:
        raise Http404
    if request.method != "POST":
        return _cancel_confirm_page(request, registration, person)
    was_waiting = registration.status == Registration.Status.WAITLISTED
    try:
        participant_cancel(registration=registration, participant_id=person.pk)
    except ValidationError as error:
        return _manage_page(request, registration, template="programs/manage.html", errors=error.messages)
    if was_waiting:
        messages.success(request, f"{person.first_name} is off the waitlist. We sent you an email.")
    else:
        messages.success(request, f"{person.first_name}'s place is cancelled. We sent you an email.")
    return redirect("programs:manage", token=registration.manage_token)


def _claim_page(
    request: HttpRequest, registration: Registration | None, *, errors=(), status: int = 200
) -> HttpResponse:
    context = {"registration": registration, "errors": list(errors)}
    if registration is not None:
        zone = program_zone(registration.program)
        now = timezone.now()
        context.update(
            _detail_context(program_detail(slug=registration.program.slug) or registration.program, now),
            expires=moment_text(registration.offer_expires_at, zone=zone, today=now.astimezone(zone).date()),
            expired=now >= registration.offer_expires_at,
        )
    return private_page(render(request, "programs/claim.html", context, status=status))


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
@rate_limited
def claim(request: HttpRequest, token: str) -> HttpResponse:
    registration = registration_by_offer_token(token=token)
    if registration is None:
        # Unknown, already claimed and swept offers look alike; the page says what may have happened.
        return _claim_page(request, None, status=404)
    manage_link_check(ended_at=registration.last_session_ends_at, now=timezone.now())
    if request.method != "POST":
        return _claim_page(request, registration)
    try:
        registration = offer_claim(offer_token=token)
    except Registration.DoesNotExist:
        return _claim_page(request, None, status=404)
    except ValidationError as error:
        return _claim_page(request, registration, errors=error.messages)
    messages.success(request, f"The place is yours: you are registered for {registration.program.title}.")
    return redirect("programs:manage", token=registration.manage_token)


# --- The calendar feed -------------------------------------------------------------------------------------


def _feed_filters(request: HttpRequest) -> tuple[str, str]:
    category = request.GET.get("category", "")
    audience = request.GET.get("audience", "")
    return (
        category if category in Category.values else "",
        audience if audience in Audience.values else "",
    )


def _feed_body(request: HttpRequest) -> bytes:
    if not hasattr(request, "_programs_feed"):
        category, audience = _feed_filters(request)
        request._programs_feed = programs_calendar(sessions=feed_sessions(category=category, audience=audience))
    return request._programs_feed


def _feed_etag(request: HttpRequest) -> str:
    return hashlib.sha256(_feed_body(request)).hexdigest()[:32]


def _feed_last_modified(request: HttpRequest) -> dt.datetime | None:
    return feed_last_changed()


@require_safe
@cached_page("programs", "branches", conditional=True)
# Without the page cache (switched off, or unreachable), the feed's own validators, at the cost of a render.
@condition(etag_func=_feed_etag, last_modified_func=_feed_last_modified)
def feed(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(_feed_body(request), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="maker-lab-programs.ics"'
    return response
