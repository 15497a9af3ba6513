"""Filing a hazard, near-miss or incident report on the staff page, and what it sets going: the coordinator and
manager told of a serious injury, the machine out of service with its bookings cancelled, until cleared."""

import datetime as dt
import html

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking, MaintenanceWindow
from bookings.selectors import open_slots
from makerlab.formatting import clock_text, full_stop
from makerlab.models import Notification
from makerlab.services import notification_render
from safety import services
from safety.models import OutOfService, SafetyReport
from tests.clock import LIBRARY_ZONE
from tests.factories import EquipmentFactory, StaffMemberFactory, UserFactory, make_booking
from tests.safety.report_world import a_report, build_lab, form_data

# A Wednesday morning: the deadlines in the emails below are told from it.
pytestmark = pytest.mark.time_machine(dt.datetime(2026, 11, 18, 10, 30, tzinfo=LIBRARY_ZONE), tick=True)
REPORT_URL = "/staff/safety/report/"
MY_REPORTS_URL = "/staff/safety/reports/mine/"


@pytest.fixture
def lab(db):
    return build_lab()


@pytest.fixture
def me_client(client, lab):
    client.force_login(lab.me.user)
    return client


def emails(kind: str) -> dict[str, str]:
    """Each email of ``kind`` in the outbox as recipient: subject and plain text."""
    found = {}
    for notification in Notification.objects.filter(kind=kind).order_by("pk"):
        message = notification_render(notification)
        found[notification.recipient] = f"{message.subject}\n{message.body}"
    return found


def page_text(response) -> str:
    return " ".join(html.unescape(response.content.decode()).split())


# --- Filing ---------------------------------------------------------------------------------------------------


def test_an_assistant_files_a_hazard_with_a_few_fields_and_is_told_what_happens_next(me_client, lab):
    page = me_client.get(REPORT_URL)
    assert page.status_code == 200
    text = page_text(page)
    assert "Laser cutter" in text and "Small laser cutter" in text
    assert "Southside 3D printer" not in text  # not a branch this person works at
    assert 'type="datetime-local"' in text

    response = me_client.post(REPORT_URL, form_data(lab))
    report = SafetyReport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("safety:report_filed", args=[report.pk])
    assert (report.kind, report.branch, report.reported_by, report.severity) == (
        "hazard",
        lab.central,
        lab.me.user,
        "none",
    )
    assert not report.injury
    assert not Notification.objects.exists()
    confirmation = page_text(me_client.get(response.url))
    assert "Report filed" in confirmation
    assert "The coordinator reads every report" in confirmation
    assert "out of service" not in confirmation


def test_a_critical_injury_emails_each_coordinator_and_manager_once_with_what_the_law_asks(me_client, lab, now):
    UserFactory(username="coordinator2", role="Coordinator", email="")  # no address: cannot be emailed
    occurred = timezone.localtime(now - dt.timedelta(minutes=20)).replace(second=0, microsecond=0)
    data = form_data(
        lab,
        kind="incident",
        severity="critical",
        occurred_at=occurred.strftime("%Y-%m-%dT%H:%M"),
        roles_involved=["patron"],
        names_involved="Jordan Example",
        first_aid_given="Pressure on the wound",
        what_happened="A hand was caught in the belt of the laser bed.",
    )
    response = me_client.post(REPORT_URL, data)
    assert response.status_code == 302
    sent = emails("safety_report_urgent")
    assert set(sent) == {"coord@library.example", "manager@library.example"}
    text = sent["coord@library.example"]
    assert "Critical injury at Central Library: call the Ministry of Labour now" in text
    assert "1-877-202-0008" in text
    assert "Preserve the scene" in text
    assert "except to save a life, relieve suffering or prevent more damage" in text
    written_by = occurred + dt.timedelta(hours=48)
    assert f"within 48 hours: by Friday 20 November at {full_stop(clock_text(written_by.time()))}\n" in text
    assert "Who was involved: patron" in text
    assert "Form 7" not in text  # no worker lost time
    for private in ("Jordan Example", "Pressure on the wound", "hand was caught"):
        assert private not in text
    confirmation = page_text(me_client.get(response.url))
    assert "The coordinator and the manager were emailed at once (2 emails)" in confirmation
    assert "Leave the scene as it is." in confirmation

    report = SafetyReport.objects.get()
    services._tell_safety_leads(report, services.ReportFiled(report=report))  # once per report and person
    assert Notification.objects.filter(kind="safety_report_urgent").count() == 2


def test_a_workers_lost_time_injury_emails_the_wsib_form_7_deadline(me_client, lab):
    data = form_data(lab, kind="incident", severity="lost_time", worker_lost_time="on", roles_involved=["staff"])
    assert me_client.post(REPORT_URL, data).status_code == 302
    text = emails("safety_report_urgent")["manager@library.example"]
    assert "Lost-time injury at Central Library: WSIB Form 7 by Saturday 21 November" in text
    assert "report it to the WSIB on Form 7 within 3 days of learning of it, by Saturday 21 November" in text
    assert "Ministry of Labour" not in text


def test_a_first_aid_injury_emails_no_one(me_client, lab):
    assert me_client.post(REPORT_URL, form_data(lab, kind="incident", severity="first_aid")).status_code == 302
    assert SafetyReport.objects.get().injury
    assert not Notification.objects.exists()


def test_with_no_coordinator_email_the_reporter_is_told_to_phone(me_client, lab):
    lab.coordinator.groups.clear()
    lab.manager.groups.clear()
    response = me_client.post(REPORT_URL, form_data(lab, kind="incident", severity="critical"))
    assert "phone the coordinator now" in page_text(me_client.get(response.url))


# --- Out of service ---------------------------------------------------------------------------------------------


def test_taking_the_laser_out_cancels_its_bookings_and_tells_each_patron_why_with_other_times(me_client, lab, now):
    past = make_booking(
        service_type=lab.laser_time, starts_at=now - dt.timedelta(days=2), status=Booking.Status.ATTENDED
    )
    assert open_slots(service_type=lab.laser_time, now=now)

    data = form_data(lab, equipment=str(lab.laser.pk), takes_equipment_out_of_service="on")
    response = me_client.post(REPORT_URL, data)
    assert response.status_code == 302

    report = SafetyReport.objects.get()
    period = OutOfService.objects.get()
    assert (period.equipment, period.report, period.cleared_at, period.bookings_cancelled) == (
        lab.laser,
        report,
        None,
        2,
    )
    assert report.out_of_service_period == period
    window = MaintenanceWindow.objects.get(equipment=lab.laser)
    assert period.maintenance_window == window
    assert window.starts_at == report.reported_at
    assert window.ends_at > now + dt.timedelta(days=365)
    assert open_slots(service_type=lab.laser_time, now=now) == []
    assert open_slots(service_type=lab.spare_time, now=now)  # the other laser cutter is still bookable
    statuses = {booking.pk: booking.status for booking in Booking.objects.all()}
    assert statuses == {lab.bookings[0].pk: "cancelled", lab.bookings[1].pk: "cancelled", past.pk: "attended"}

    sent = emails("booking_cancelled_out_of_service")
    assert set(sent) == {"ada@example.net", "ben@example.net"}
    text = sent["ada@example.net"]
    assert "we had to cancel your booking for Laser cutting on" in text
    assert "The Laser cutter is out of service for safety." in text
    assert "The nearest times on another machine like it:" in text
    assert ": Small laser cutting, book at http" in text
    assert "Jordan" not in text
    assert not Notification.objects.filter(kind__in=["booking_cancelled", "time_opened"]).exists()
    ada = Notification.objects.get(kind="booking_cancelled_out_of_service", recipient="ada@example.net")
    [(filename, calendar, _mimetype)] = notification_render(ada).attachments
    assert filename == "maker-lab-booking-cancelled.ics"
    assert "METHOD:CANCEL" in calendar

    confirmation = page_text(me_client.get(response.url))
    assert "The Laser cutter is out of service. 2 bookings on it were cancelled" in confirmation
    assert "gave no email address" not in confirmation
    assert "No one can book it until the coordinator clears it." in confirmation


def test_a_second_report_on_a_machine_already_out_joins_the_open_period(me_client, lab):
    data = form_data(lab, equipment=str(lab.laser.pk), takes_equipment_out_of_service="on")
    me_client.post(REPORT_URL, data)
    second = me_client.post(REPORT_URL, {**data, "location": "Laser room, by the door"})
    assert second.status_code == 302
    period = OutOfService.objects.get()
    assert [report.out_of_service_period for report in SafetyReport.objects.all()] == [period, period]
    assert MaintenanceWindow.objects.count() == 1
    assert Notification.objects.filter(kind="booking_cancelled_out_of_service").count() == 2
    assert "was already out of service since" in page_text(me_client.get(second.url))


def test_the_coordinator_returns_the_machine_to_service_in_the_admin(client, lab, now):
    filed = services.report_file(
        reporter=lab.me.user,
        details=services.ReportDetails(
            kind="hazard",
            branch=lab.central,
            occurred_at=now,
            location="Laser room",
            what_happened="Smoke from the extraction duct.",
            equipment=lab.laser,
            takes_equipment_out_of_service=True,
        ),
        now=now,
    )
    period = filed.out_of_service
    client.force_login(lab.coordinator)
    response = client.post(
        "/admin/safety/outofservice/",
        {"action": "return_to_service", "_selected_action": [period.pk]},
        follow=True,
    )
    assert "Back in service and bookable again: Laser cutter." in page_text(response)
    period.refresh_from_db()
    assert period.cleared_by == lab.coordinator
    assert period.cleared_at >= now
    window = period.maintenance_window
    window.refresh_from_db()
    assert window.ends_at == max(period.cleared_at, window.starts_at + dt.timedelta(minutes=1))
    assert open_slots(service_type=lab.laser_time, now=window.ends_at)
    with pytest.raises(ValidationError) as again:
        services.out_of_service_clear(period=period, by=lab.coordinator)
    assert again.value.code == "already_cleared"


@pytest.mark.parametrize("who", ["manager", "assistant"])
def test_only_the_coordinator_returns_equipment_to_service(client, lab, now, who):
    filed = services.report_file(
        reporter=lab.me.user,
        details=services.ReportDetails(
            kind="hazard",
            branch=lab.central,
            occurred_at=now,
            location="Laser room",
            what_happened="Smoke.",
            equipment=lab.laser,
            takes_equipment_out_of_service=True,
        ),
        now=now,
    )
    user = lab.manager if who == "manager" else lab.me.user
    with pytest.raises(PermissionDenied):
        services.out_of_service_clear(period=filed.out_of_service, by=user)
    client.force_login(user)
    client.post(
        "/admin/safety/outofservice/",
        {"action": "return_to_service", "_selected_action": [filed.out_of_service.pk]},
    )
    assert OutOfService.objects.get().cleared_at is None


# --- Who may file and read -------------------------------------------------------------------------------------


def test_a_volunteer_files_a_report_and_the_board_cannot(client, lab):
    volunteer = StaffMemberFactory(kind="volunteer", user=UserFactory(username="vol", role="Volunteer"))
    client.force_login(volunteer.user)
    assert client.get(REPORT_URL).status_code == 200
    assert client.post(REPORT_URL, form_data(lab)).status_code == 302
    client.force_login(UserFactory(username="board", role="Board", is_staff=True))
    assert client.get(REPORT_URL).status_code == 403
    assert client.post(REPORT_URL, form_data(lab)).status_code == 403
    assert SafetyReport.objects.count() == 1
    client.logout()
    assert client.get(REPORT_URL).status_code == 302


def test_assistants_list_only_their_own_reports_without_names_or_injuries(me_client, lab):
    own = a_report(lab, lab.me.user, names="Alex Ownreport", location="Sewing corner", first_aid_given="Plaster")
    other = a_report(lab, StaffMemberFactory().user, names="Sam Other", location="Paint bench")
    listing = page_text(me_client.get(MY_REPORTS_URL))
    assert "Near miss: Sewing corner" in listing
    for hidden in ("Paint bench", "Alex Ownreport", "Plaster", "Sam Other"):
        assert hidden not in listing
    assert me_client.get(reverse("safety:report_filed", args=[own.pk])).status_code == 200
    assert me_client.get(reverse("safety:report_filed", args=[other.pk])).status_code == 404


def test_the_coordinator_opens_anyones_confirmation_and_filters_reports_in_the_admin(client, lab):
    report = a_report(lab, lab.me.user, names="Alex Ownreport", kind="incident", injury=True, severity="critical")
    client.force_login(lab.coordinator)
    assert client.get(reverse("safety:report_filed", args=[report.pk])).status_code == 200
    listing = client.get("/admin/safety/safetyreport/?severity__exact=critical&worker_lost_time__exact=0")
    assert listing.status_code == 200
    assert "Workbench" in listing.text
    assert "Workbench" not in client.get("/admin/safety/safetyreport/?severity__exact=first_aid").text


def test_the_staff_menu_and_start_page_link_to_the_report_form(me_client, lab):
    start = me_client.get("/staff/")
    assert start.status_code == 200
    assert start.content.decode().count(f'href="{REPORT_URL}"') == 2  # the menu and the start page


def test_the_menu_offers_the_report_form_to_exactly_those_it_lets_in(client, lab):
    """The menu asks the same check as the form (selectors.may_file_reports)."""
    volunteer = StaffMemberFactory(kind="volunteer", user=UserFactory(username="vol", role="Volunteer"))
    gone = StaffMemberFactory(is_active=False, user=UserFactory(username="gone", role="Volunteer"))
    board = UserFactory(username="board", role="Board", is_staff=True)
    for user, offered in ((volunteer.user, True), (lab.coordinator, True), (gone.user, False), (board, False)):
        client.force_login(user)
        menu = client.get("/staff/safety/actions/").content.decode()
        assert (f'href="{REPORT_URL}"' in menu) == offered, user.username
        assert (client.get(REPORT_URL).status_code == 200) == offered, user.username


# --- Bad input ----------------------------------------------------------------------------------------------


def _future(minutes: int) -> str:
    return (timezone.localtime() + dt.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M")


BAD_INPUT = [
    ({"location": "<script>alert(1)</script>"}, "Write plain text, without < and > tags."),
    ({"what_happened": "Fan stopped\x07"}, "Remove the invisible control characters"),
    ({"what_happened": "Fan stopped\x00"}, "Null characters are not allowed."),
    ({"names_involved": "<b>Sam</b>"}, "Write plain text, without < and > tags."),
    ({"location": "   "}, "Say where it happened"),
    ({"what_happened": ""}, "Say what happened, in a sentence or two."),
    ({"what_happened": "x" * 4001}, "4000 characters"),
    ({"occurred_at": "next tuesday"}, "Give a date and a time."),
    ({"occurred_at": "2026-13-45T25:61"}, "Give a date and a time."),
    ({"occurred_at": None}, "Give the date and time it happened."),
    ({"occurred_at": "9999-12-31T23:59"}, "Give a date and a time."),
    ({"kind": "explosion"}, "Choose from the list."),
    ({"kind": None}, "Choose hazard, near miss or incident."),
    ({"severity": "fatal"}, "Choose from the list."),
    ({"roles_involved": ["alien"]}, "Choose who was involved from the list."),
    ({"branch": "abc"}, "Choose one of your branches."),
    ({"branch": "99999999999999999999999"}, "Choose one of your branches."),
    ({"equipment": "'; DROP TABLE bookings_equipment; --"}, "Choose a machine from the list."),
    ({"takes_equipment_out_of_service": "on"}, "Choose the machine to take out of service."),
    ({"kind": "near_miss", "severity": "first_aid"}, "Someone was hurt: report it as an incident."),
    ({"worker_lost_time": "on"}, "Lost time from work goes with an injury"),
]


@pytest.mark.parametrize(("overrides", "message"), BAD_INPUT)
def test_bad_input_gets_a_clear_message_and_saves_nothing(me_client, lab, overrides, message):
    response = me_client.post(REPORT_URL, form_data(lab, **overrides))
    assert response.status_code == 400
    assert message in page_text(response)
    assert "There is a problem" in page_text(response)
    assert not SafetyReport.objects.exists()
    assert not MaintenanceWindow.objects.exists()
    assert not Notification.objects.exists()


def test_a_time_still_to_come_or_more_than_a_year_ago_is_refused(me_client, lab):
    future = me_client.post(REPORT_URL, form_data(lab, occurred_at=_future(60)))
    assert "This time has not come yet." in page_text(future)
    old = (timezone.localtime() - dt.timedelta(days=366)).strftime("%Y-%m-%dT%H:%M")
    assert "more than a year ago" in page_text(me_client.post(REPORT_URL, form_data(lab, occurred_at=old)))
    # A phone clock a couple of minutes ahead is fine.
    assert me_client.post(REPORT_URL, form_data(lab, occurred_at=_future(2))).status_code == 302


def test_equipment_or_a_branch_the_reporter_does_not_work_at_is_refused(me_client, lab):
    other = me_client.post(REPORT_URL, form_data(lab, equipment=str(lab.printer.pk)))
    assert other.status_code == 400
    assert "Choose a machine from the list." in page_text(other)
    southside = me_client.post(REPORT_URL, form_data(lab, branch=str(lab.southside.pk)))
    assert southside.status_code == 400
    assert "Choose one of your branches." in page_text(southside)
    with pytest.raises(ValidationError) as refused:
        services.report_file(
            reporter=lab.me.user,
            details=services.ReportDetails(
                kind="hazard",
                branch=lab.central,
                occurred_at=timezone.now(),
                location="Here",
                what_happened="Loose cable.",
                equipment=lab.printer,
            ),
        )
    assert refused.value.error_dict["equipment"][0].code == "equipment_other_branch"
    assert not SafetyReport.objects.exists()


# --- Query budgets -----------------------------------------------------------------------------------------------


def _more_machines_and_reports(lab, first: int, count: int) -> None:
    for n in range(first, first + count):
        EquipmentFactory(branch=lab.central, name=f"Sewing machine {n}")
        a_report(lab, lab.me.user, location=f"Bench {n}")


# User and staff member, then: branches, shifts worked and machines (the form); the reports (my reports); the
# report (its confirmation). Permissions and the session come from the cache.
BUDGETS = {REPORT_URL: 5, MY_REPORTS_URL: 3, "filed": 3}


@pytest.mark.parametrize("url", BUDGETS)
def test_the_report_pages_cost_the_same_queries_for_few_or_many_machines_and_reports(
    me_client, lab, url, django_assert_max_num_queries
):
    first = a_report(lab, lab.me.user, location="First bench")
    path = reverse("safety:report_filed", args=[first.pk]) if url == "filed" else url
    _more_machines_and_reports(lab, 0, 2)
    with django_assert_max_num_queries(BUDGETS[url]), CaptureQueriesContext(connection) as small:
        assert me_client.get(path).status_code == 200
    _more_machines_and_reports(lab, 2, 20)
    with django_assert_max_num_queries(BUDGETS[url]), CaptureQueriesContext(connection) as large:
        response = me_client.get(path)
    assert response.status_code == 200
    assert len(small) == len(large)
    if url == MY_REPORTS_URL:
        assert page_text(response).count("Near miss: Bench") == 22
    if url == REPORT_URL:
        assert "Sewing machine 19" in page_text(response)


def test_the_report_pages_are_measured_by_the_bench():
    from bench.pages import PAGES

    assert {"safety_report", "safety_my_reports"} <= {page.name for page in PAGES}


def test_a_session_under_way_is_cancelled_unless_the_patron_was_checked_in(lab, now):
    started = now - dt.timedelta(minutes=10)
    waiting = make_booking(service_type=lab.laser_time, starts_at=started)
    Booking.objects.filter(pk__in=[b.pk for b in lab.bookings]).delete()
    other = make_booking(service_type=lab.spare_time, starts_at=started, status=Booking.Status.ATTENDED)
    filed = services.report_file(
        reporter=lab.me.user,
        details=services.ReportDetails(
            kind="hazard",
            branch=lab.central,
            occurred_at=now,
            location="Laser room",
            what_happened="Flames in the bed.",
            equipment=lab.laser,
            takes_equipment_out_of_service=True,
        ),
        now=now,
    )
    assert filed.bookings_cancelled == 1
    waiting.refresh_from_db()
    other.refresh_from_db()
    assert (waiting.status, other.status) == (Booking.Status.CANCELLED, Booking.Status.ATTENDED)


def test_patrons_booked_without_an_email_are_listed_for_staff_to_phone(me_client, lab):
    Booking.objects.filter(pk=lab.bookings[0].pk).update(contact_email="", contact_phone="519-555-0123")
    data = form_data(lab, equipment=str(lab.laser.pk), takes_equipment_out_of_service="on")
    response = me_client.post(REPORT_URL, data)
    assert Notification.objects.filter(kind="booking_cancelled_out_of_service").count() == 1
    confirmation = page_text(me_client.get(response.url))
    assert "1 patron gave no email address: phone them to say the booking is cancelled." in confirmation
    assert "Ada Patron, 519-555-0123: Laser cutting, Thu 19 Nov, 1:00 p.m." in confirmation


def test_a_report_corrected_to_a_critical_injury_in_the_admin_tells_the_coordinator_and_manager_then(client, lab):
    report = a_report(lab, lab.me.user, kind="incident", injury=True, severity="first_aid", names="Jordan Example")
    client.force_login(lab.coordinator)
    local = timezone.localtime(report.occurred_at)
    change = {
        "kind": "incident",
        "branch": lab.central.pk,
        "occurred_at_0": local.strftime("%Y-%m-%d"),
        "occurred_at_1": local.strftime("%H:%M:%S"),
        "location": "Workbench",
        "what_happened": "A cutter slid off the bench.",
        "roles_involved": ["patron"],
        "names_involved": "Jordan Example",
        "injury": "on",
        "severity": "critical",
        "first_aid_given": "",
    }
    url = f"/admin/safety/safetyreport/{report.pk}/change/"
    response = client.post(url, change)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert set(emails("safety_report_urgent")) == {"coord@library.example", "manager@library.example"}
    client.post(url, {**change, "location": "Workbench by the window"})
    assert Notification.objects.filter(kind="safety_report_urgent").count() == 2
