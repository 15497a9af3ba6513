"""The pages `make bench` measures.

Each later issue that adds a page appends it to ``PAGES``. A page's ``path`` is either a plain string
or a function taking no arguments that returns one; the function runs after Django is set up against
the benchmark database (filled by ``load_demo --scale``), so it may look up objects or ``reverse()``
a URL that needs a slug or primary key.

A page behind the login names the user to measure it as in ``login``: a username, or a function
returning one (run like ``path``). The runner logs that user in once and sends the session cookie with
every request, both when counting queries and under load.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    name: str
    path: str | Callable[[], str]
    login: str | Callable[[], str] | None = None
    inproc_goal_ms: float | None = None  # a goal for one request served in-process, beside the req/s goal

    def resolve_path(self) -> str:
        return self.path() if callable(self.path) else self.path

    def resolve_login(self) -> str | None:
        return self.login() if callable(self.login) else self.login


def busiest_staff_member() -> str:
    """The username of the person with the most shifts coming up, whose "my shifts" is the longest.

    Until load_demo creates staff, the demo assistant gets a staff record so the page is still measured.
    """
    from django.contrib.auth.models import User
    from django.db.models import Count, Q
    from django.utils import timezone

    from staffing.models import StaffKind, StaffMember

    upcoming = Q(assignments__shift__ends_at__gt=timezone.now(), assignments__shift__is_published=True)
    busiest = (
        StaffMember.objects.filter(is_active=True)
        .annotate(upcoming=Count("assignments", filter=upcoming))
        .order_by("-upcoming", "pk")
        .select_related("user")
        .first()
    )
    if busiest is None:
        user = User.objects.get(username="assistant")
        busiest, _ = StaffMember.objects.get_or_create(user=user, defaults={"kind": StaffKind.LIBRARY_ASSISTANT})
    return busiest.user.get_username()


def busiest_schedule() -> str:
    """Next week's schedule (a full week of shifts) at the branch with the most shifts that week."""
    from django.db.models import Count, Q
    from django.utils import timezone

    from makerlab.models import Branch

    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())
    start = dt.datetime.combine(monday, dt.time(), tzinfo=dt.UTC)
    week = Q(shifts__starts_at__gte=start, shifts__starts_at__lt=start + dt.timedelta(days=7))
    branch = Branch.objects.filter(is_active=True).annotate(shifts_that_week=Count("shifts", filter=week))
    branch = branch.order_by("-shifts_that_week", "display_order", "name").first()
    slug = branch.slug if branch else ""
    return f"/staff/schedule/?branch={slug}&week={monday.isoformat()}"


def busiest_service() -> str:
    """The choice of times of the active service with the most bookings (the fullest slot calculation)."""
    from django.db.models import Count

    from bookings.models import ServiceType

    service = (
        ServiceType.objects.filter(is_active=True, branch__is_active=True)
        .annotate(booked=Count("bookings"))
        .order_by("-booked", "display_order", "pk")
        .first()
    )
    return f"/book/{service.slug}/" if service else "/book/"


def booking_manage_page() -> str:
    """A patron's manage page for an upcoming booking; the service list when load_demo made none."""
    from django.utils import timezone

    from bookings.models import Booking

    booking = Booking.objects.filter(status=Booking.Status.BOOKED, starts_at__gt=timezone.now()).order_by("pk").first()
    return f"/book/manage/{booking.manage_token}/" if booking else "/book/"


def busiest_program() -> str:
    """The page of the published program with the most sessions; the calendar when load_demo made none."""
    from django.db.models import Count

    from programs.models import Program

    program = (
        Program.objects.filter(is_published=True).annotate(count=Count("sessions")).order_by("-count", "pk").first()
    )
    return f"/programs/{program.slug}/" if program else "/programs/"


def busiest_program_month() -> str:
    """The month view of the month with the most sessions of published programs; this month when there are none."""
    from django.db.models import Count
    from django.db.models.functions import TruncMonth
    from django.utils import timezone

    from programs.models import Session

    busiest = (
        Session.objects.filter(program__is_published=True)
        .annotate(month=TruncMonth("starts_at", tzinfo=timezone.get_default_timezone()))
        .values("month")
        .annotate(count=Count("pk"))
        .order_by("-count", "-month")
        .first()
    )
    if busiest is None:
        return "/programs/?view=month"
    return f"/programs/?view=month&month={busiest['month']:%Y-%m}"


def best_stocked_variety() -> str:
    """The page of the published variety with the most lots: the longest list of lots behind its counts."""
    from django.db.models import Count

    from seedlibrary.models import Variety

    variety = Variety.objects.filter(is_published=True).annotate(lot_count=Count("lots")).order_by("-lot_count", "pk")
    variety = variety.first()
    return f"/seeds/{variety.slug}/" if variety else "/seeds/"


def busiest_seed_borrower(path: str) -> Callable[[], str]:
    """A seed desk page looked up for the patron with the most seed loans (the longest lists)."""

    def resolve() -> str:
        from django.db.models import Count

        from makerlab.models import Patron

        patron = Patron.objects.annotate(loans=Count("seed_loans")).order_by("-loans", "pk").first()
        return f"{path}?card_number={patron.card_number}" if patron else path

    return resolve


def busiest_roster() -> str:
    """The roster of the session whose program has the most people registered (the longest list to tick)."""
    from django.db.models import Count, Q

    from programs.models import Registration, Session

    confirmed = Q(program__registrations__status=Registration.Status.CONFIRMED)
    session = (
        Session.objects.annotate(people=Count("program__registrations__participants", filter=confirmed))
        .order_by("-people", "pk")
        .first()
    )
    return f"/staff/programs/sessions/{session.pk}/" if session else "/staff/programs/"


def check_in_of_largest_registration() -> str:
    """The check-in page with the code of the confirmed registration with the most people (the longest list)."""
    from django.db.models import Count

    from programs.checkin import registration_check_in_code
    from programs.models import Registration

    registration = (
        Registration.objects.filter(status=Registration.Status.CONFIRMED)
        .annotate(people=Count("participants"))
        .order_by("-people", "pk")
        .first()
    )
    return f"/staff/check-in/?code={registration_check_in_code(registration)}" if registration else "/staff/check-in/"


def open_inspection() -> str:
    """The page of the latest inspection still to record (its checklist form); the list when there is none."""
    from safety.models import Inspection

    inspection = Inspection.objects.filter(completed_at__isnull=True).order_by("-month", "pk").first()
    return f"/staff/safety/inspections/{inspection.pk}/" if inspection else "/staff/safety/inspections/"


def desk_booking_of_busiest_patron() -> str:
    """Book for a patron: the busiest service's times, with the card of the patron with most bookings looked up."""
    from django.db.models import Count

    from bookings.models import ServiceType
    from makerlab.models import Patron

    service = (
        ServiceType.objects.filter(is_active=True, branch__is_active=True)
        .annotate(booked=Count("bookings"))
        .order_by("-booked", "display_order", "pk")
        .first()
    )
    patron = Patron.objects.annotate(count=Count("bookings")).order_by("-count", "pk").first()
    if service is None or patron is None:
        return "/staff/desk/book/"
    return f"/staff/desk/book/?service={service.pk}&card_number={patron.card_number}"


def latest_report(kind: str) -> Callable[[], str]:
    """The newest closed monthly report's page, its stored PDF, or its quotes page in the admin."""

    def resolve() -> str:
        from stats.models import MonthlyReport

        report = MonthlyReport.objects.defer("pdf").order_by("-month").first()
        if report is None:
            return "/staff/stats/reports/"
        return {
            "page": f"/staff/stats/reports/{report.month:%Y-%m}/",
            "pdf": f"/staff/stats/reports/{report.month:%Y-%m}.pdf",
            "quotes": f"/admin/stats/monthlyreport/{report.pk}/quotes/",
        }[kind]

    return resolve


def busiest_branch_dashboard() -> str:
    """The dashboard for one branch (the first shown): every month of it was computed live before month close
    kept branches' figures."""
    from makerlab.models import Branch

    branch = Branch.objects.filter(is_active=True).order_by("display_order", "name").first()
    return f"/staff/stats/?branch={branch.slug}" if branch else "/staff/stats/"


def check_in_with_longest_checklist() -> str:
    """The desk's check-in page, with its pre-use checklist, of an upcoming booking on the equipment with the
    longest checklist; the desk agenda when load_demo made none."""
    from django.db.models import Count
    from django.utils import timezone

    from bookings.models import Booking

    booking = (
        Booking.objects.filter(status=Booking.Status.BOOKED, starts_at__gt=timezone.now())
        .annotate(lines=Count("equipment__safety_profile__checklist"))
        .filter(lines__gt=0)
        .order_by("-lines", "starts_at", "pk")
        .first()
    )
    return f"/staff/desk/bookings/{booking.pk}/attended/" if booking else "/staff/desk/"


DASHBOARD_GOAL_MS = 30.0


def most_read_procedure() -> str:
    """The public page of the procedure with the most versions (the home page when load_demo made none)."""
    from django.db.models import Count

    from bookings.models import Equipment

    equipment = (
        Equipment.objects.annotate(versions=Count("procedure_versions"))
        .filter(versions__gt=0)
        .order_by("-versions", "pk")
        .first()
    )
    return f"/safety/procedures/{equipment.pk}/" if equipment else "/"


def share_image(page_path: Callable[[], str], listing: str) -> Callable[[], str]:
    """The share image of the page ``page_path`` finds; the listing itself when it finds none."""

    def path() -> str:
        found = page_path()
        return found if found == listing else f"{found}share.png"

    return path


def display_with_most_photos() -> str:
    """The page of the published display on now or coming with the most photos; the list when there is none."""
    from django.db.models import Count
    from django.utils import timezone

    from promotion.models import Display

    display = (
        Display.objects.filter(is_published=True, ends_on__gte=timezone.localdate())
        .annotate(count=Count("photos"))
        .order_by("-count", "pk")
        .first()
    )
    return f"/displays/{display.slug}/" if display else "/displays/"


PAGES: list[Page] = [
    Page(name="home", path="/"),
    Page(name="staff_start", path="/staff/", login=busiest_staff_member),
    Page(name="staff_my_shifts", path="/staff/shifts/", login=busiest_staff_member),
    Page(name="staff_schedule", path=busiest_schedule, login="coordinator"),
    Page(name="staff_desk_agenda", path="/staff/desk/", login="assistant"),
    Page(name="staff_programs", path="/staff/programs/", login="assistant"),
    Page(name="staff_roster", path=busiest_roster, login="assistant"),
    Page(name="staff_desk_mine", path="/staff/desk/mine/", login="assistant"),
    Page(name="staff_desk_book", path=desk_booking_of_busiest_patron, login="assistant"),
    Page(name="staff_check_in", path=check_in_of_largest_registration, login="assistant"),
    Page(name="staff_desk_check_in_checklist", path=check_in_with_longest_checklist, login="assistant"),
    Page(name="book_services", path="/book/"),
    Page(name="book_times", path=busiest_service),
    Page(name="book_manage", path=booking_manage_page),
    Page(name="programs_calendar", path="/programs/"),
    Page(name="programs_program", path=busiest_program),
    Page(name="programs_feed", path="/programs/feed.ics"),
    Page(name="programs_month", path=busiest_program_month),
    Page(name="seeds_catalogue", path="/seeds/"),
    Page(name="seeds_catalogue_filtered", path="/seeds/?difficulty=easy&sow_now=on&available=on"),
    Page(name="seeds_variety", path=best_stocked_variety),
    Page(name="seed_desk_lend", path=busiest_seed_borrower("/staff/seeds/"), login="assistant"),
    Page(name="seed_desk_requests", path="/staff/seeds/requests/", login="assistant"),
    Page(name="seed_desk_returns", path=busiest_seed_borrower("/staff/seeds/returns/"), login="assistant"),
    Page(name="seed_report", path="/staff/seeds/report/", login="coordinator"),
    Page(name="stats_dashboard", path="/staff/stats/", login="coordinator", inproc_goal_ms=DASHBOARD_GOAL_MS),
    Page(
        name="stats_dashboard_branch",
        path=busiest_branch_dashboard,
        login="coordinator",
        inproc_goal_ms=DASHBOARD_GOAL_MS,
    ),
    Page(name="stats_report", path=latest_report("page"), login="coordinator"),
    Page(name="safety_inspections", path="/staff/safety/inspections/", login="coordinator"),
    Page(name="safety_inspection", path=open_inspection, login="coordinator"),
    Page(name="safety_my_actions", path="/staff/safety/actions/", login="coordinator"),
    Page(name="safety_all_actions", path="/staff/safety/actions/all/", login="coordinator"),
    Page(name="stats_report_pdf", path=latest_report("pdf"), login="coordinator"),
    Page(name="stats_report_quotes", path=latest_report("quotes"), login="coordinator"),
    Page(name="staff_safety_procedures", path="/staff/safety/procedures/", login=busiest_staff_member),
    Page(name="safety_procedure", path=most_read_procedure),
    Page(name="safety_report", path="/staff/safety/report/", login=busiest_staff_member),
    Page(name="safety_my_reports", path="/staff/safety/reports/mine/", login=busiest_staff_member),
    # Programs feeds: every program to come, as a feed reader follows them.
    Page(name="programs_feed_rss", path="/programs/feed.rss"),
    Page(name="programs_feed_atom", path="/programs/feed.atom"),
    Page(name="programs_feed_json", path="/programs/feed.json"),
    # --- What's on widget ---
    Page(name="whats_on_widget", path="/whats-on/widget/?limit=20"),
    Page(name="whats_on_fragment", path="/whats-on/widget.html?limit=20"),
    Page(name="whats_on_widget_teens", path="/whats-on/widget/?audience=teens&show=programs"),
    Page(name="whats_on_snippet", path="/staff/promotion/widget/", login="coordinator"),
    # --- end What's on widget ---
    # Share images for social media.
    Page(name="programs_share_image", path=share_image(busiest_program, "/programs/")),
    Page(name="book_share_image", path=share_image(busiest_service, "/book/")),
    Page(name="seeds_share_image", path=share_image(best_stocked_variety, "/seeds/")),
    # --- Displays ---
    Page(name="displays", path="/displays/"),
    Page(name="display", path=display_with_most_photos),
    # Purchase recommendations: the patrons' suggestion form, and the coordinator's page of evidence.
    Page(name="purchase_suggest", path="/suggest/"),
    Page(name="purchase_evidence", path="/staff/stats/purchases/", login="coordinator"),
]
