"""The coordinator's bookings admin: filters, CSV without personal details, actions through the desk services,
read-only outbox of notify-me requests, and lists whose cost does not grow with the data."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.models import Booking, BookingPause, EquipmentKind, NotifyRequest, Training
from makerlab.formatting import day_text
from tests.factories import (
    EquipmentFactory,
    PatronFactory,
    ServiceTypeFactory,
    SkillFactory,
    StaffMemberFactory,
    at,
    make_booking,
)

DAY = dt.date(2026, 3, 10)


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def service(db, branch):
    return ServiceTypeFactory(branch=branch, name="Tech help: phone, tablet, laptop")


def add_bookings(service, count: int, *, first_day: dt.date = DAY) -> list[Booking]:
    printer = EquipmentFactory(branch=service.branch, kind=EquipmentKind.PRINTER_3D)
    orientation = ServiceTypeFactory(
        branch=service.branch, equipment=printer, trains_on_equipment=True, required_skill=SkillFactory(name="3D")
    )
    made = []
    for index in range(count):
        kind = orientation if index % 2 else service
        booking = make_booking(
            service_type=kind,
            starts_at=at(first_day + dt.timedelta(days=index), 10),
            status=[Booking.Status.BOOKED, Booking.Status.ATTENDED, Booking.Status.NO_SHOW][index % 3],
            outcome_topic="Set up email" if index % 3 == 1 else "",
        )
        Training.objects.create(
            patron=booking.patron, equipment=printer, trained_on=first_day, expires_on=first_day + dt.timedelta(days=9)
        )
        BookingPause.objects.create(patron=booking.patron, paused_until=at(first_day, 9), reason="3 missed")
        NotifyRequest.objects.create(
            service_type=kind, name="Someone", email=f"{booking.patron.card_number}@example.net"
        )
        made.append(booking)
    return made


LISTS = [
    "/admin/bookings/booking/",
    "/admin/bookings/booking/?when=past",
    "/admin/bookings/booking/?when=all",
    "/admin/bookings/booking/?status__exact=attended",
    "/admin/bookings/booking/?q=campbell",
    "/admin/bookings/booking/?staff=not-a-number",
    "/admin/bookings/booking/?starts_at__gte=2026-03-01+00:00:00-05:00&starts_at__lt=2026-04-01+00:00:00-04:00",
    "/admin/bookings/servicetype/",
    "/admin/bookings/equipment/",
    "/admin/bookings/training/",
    "/admin/bookings/bookingpause/",
    "/admin/bookings/notifyrequest/",
]


@pytest.mark.parametrize("url", LISTS)
def test_lists_cost_the_same_with_more_data(coordinator_client, service, url):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = coordinator_client.get(url)
        assert response.status_code == 200
        return len(queries)

    today = timezone.localdate()
    add_bookings(service, 3)
    add_bookings(service, 3, first_day=today)
    small = count()
    add_bookings(service, 25, first_day=DAY + dt.timedelta(days=3))
    add_bookings(service, 25, first_day=today + dt.timedelta(days=4))
    assert count() == small
    assert small <= 16


def names_in_order(response) -> list[str]:
    assert response.status_code == 200
    return [booking.contact_name for booking in response.context["cl"].result_list]


def test_the_booking_list_starts_today_soonest_first(coordinator_client, service, now):
    today = timezone.localdate(now)
    shuffled = [(3, "In three days"), (-1, "Yesterday"), (0, "Earlier today"), (1, "Tomorrow"), (-40, "Long ago")]
    for days, name in shuffled:
        hour = 8 if days == 0 else 10  # earlier today than the suite's moment
        make_booking(service_type=service, starts_at=at(today + dt.timedelta(days=days), hour), contact_name=name)
    response = coordinator_client.get("/admin/bookings/booking/")
    assert names_in_order(response) == ["Earlier today", "Tomorrow", "In three days"]
    html = response.content.decode()
    assert '<a href="?when=past">Before today</a>' in html
    assert names_in_order(coordinator_client.get("/admin/bookings/booking/", {"when": "past"})) == [
        "Yesterday",
        "Long ago",
    ]
    everything = names_in_order(coordinator_client.get("/admin/bookings/booking/", {"when": "all"}))
    assert everything == ["In three days", "Tomorrow", "Earlier today", "Yesterday", "Long ago"]
    assert names_in_order(coordinator_client.get("/admin/bookings/booking/", {"when": "today"})) == ["Earlier today"]


def test_searching_or_choosing_dates_reaches_every_booking(coordinator_client, service, now):
    long_ago = make_booking(service_type=service, starts_at=at(DAY, 10), contact_name="Harold Fraser")
    found = names_in_order(coordinator_client.get("/admin/bookings/booking/", {"q": long_ago.patron.card_number}))
    assert found == ["Harold Fraser"]
    month = {"starts_at__year": DAY.year, "starts_at__month": DAY.month}
    assert names_in_order(coordinator_client.get("/admin/bookings/booking/", month)) == ["Harold Fraser"]
    assert names_in_order(coordinator_client.get("/admin/bookings/booking/", {"when": "nonsense"})) == []


def test_the_booking_list_says_when_on_the_twelve_hour_clock(coordinator_client, service, now):
    today = timezone.localdate(now)
    make_booking(service_type=service, starts_at=at(today + dt.timedelta(days=2), 14))
    html = coordinator_client.get("/admin/bookings/booking/").content.decode()
    day = today + dt.timedelta(days=2)
    assert f"{day_text(day, today=today)}, 2:00 to 2:45 p.m." in html


def test_booking_change_page_and_history_open(coordinator_client, service):
    booking = add_bookings(service, 1)[0]
    assert coordinator_client.get(f"/admin/bookings/booking/{booking.pk}/change/").status_code == 200
    assert coordinator_client.get(f"/admin/bookings/booking/{booking.pk}/history/").status_code == 200
    assert coordinator_client.get("/admin/bookings/booking/add/").status_code == 403


def test_filters_by_service_staff_and_status(coordinator_client, service):
    tom = StaffMemberFactory(user__first_name="Tom", user__last_name="Reid")
    mine = make_booking(service_type=service, starts_at=at(DAY, 10), staff_member=tom, contact_name="Harold Fraser")
    make_booking(service_type=service, starts_at=at(DAY, 12), contact_name="Evelyn Sato", status="cancelled")
    html = coordinator_client.get(
        "/admin/bookings/booking/",
        {"staff": tom.pk, "status__exact": "booked", "service_type__id__exact": service.pk, "when": "all"},
    ).content.decode()
    assert "Harold Fraser" in html
    assert "Evelyn Sato" not in html
    found = coordinator_client.get("/admin/bookings/booking/", {"q": mine.patron.card_number}).content.decode()
    assert "Harold Fraser" in found
    assert "Evelyn Sato" not in found


def test_csv_export_has_what_a_coordinator_needs_and_no_personal_details(coordinator_client, service):
    # Names no generated staff member can have, so finding one in the export means the patron's leaked.
    patron = PatronFactory(
        first_name="Dorinda", last_name="Quillfeather", email="dorinda@example.net", phone="519-555-0188"
    )
    booking = make_booking(
        service_type=service,
        patron=patron,
        starts_at=at(dt.date(2026, 11, 1), 10),
        status=Booking.Status.ATTENDED,
        outcome_topic="Email on a tablet",
        outcome_resolved=False,
        outcome_notes="Her password is taped to the tablet",
        accessibility_needs="Hard of hearing",
        contact_phone="519-555-0188",
    )
    response = coordinator_client.post(
        "/admin/bookings/booking/?when=past", {"action": "export_csv", "_selected_action": [booking.pk]}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:4] == ["booking", "date", "starts", "ends"]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["date"], row["starts"], row["ends"]) == ("2026-11-01", "10:00", "10:45")  # local, after the change
    assert (row["status"], row["outcome topic"], row["outcome resolved"]) == (
        "Attended",
        "Email on a tablet",
        "needs follow-up",
    )
    for personal in (
        "Dorinda",
        "Quillfeather",
        "dorinda@example.net",
        "519-555-0188",
        patron.card_number,
        "password",
        "Hard",
    ):
        assert personal not in body


def test_csv_export_of_many_rows_costs_the_same(coordinator_client, service):
    def count(ids) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = coordinator_client.post(
                "/admin/bookings/booking/?when=all", {"action": "export_csv", "_selected_action": ids}
            )
            b"".join(response.streaming_content)
        return len(queries)

    few = [b.pk for b in add_bookings(service, 2)]
    many = few + [b.pk for b in add_bookings(service, 20, first_day=DAY + dt.timedelta(days=3))]
    assert count(many) == count(few)


def test_attendance_action_goes_through_the_desk_service(coordinator_client, coordinator, branch):
    printer = EquipmentFactory(branch=branch, kind=EquipmentKind.PRINTER_3D, training_valid_days=30)
    orientation = ServiceTypeFactory(branch=branch, equipment=printer, trains_on_equipment=True)
    booking = make_booking(service_type=orientation, starts_at=at(dt.date(2026, 1, 5), 10))
    already = make_booking(service_type=orientation, starts_at=at(dt.date(2026, 1, 6), 10), status="cancelled")
    response = coordinator_client.post(
        "/admin/bookings/booking/?when=past",
        {"action": "mark_attended", "_selected_action": [booking.pk, already.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert "1 marked as attended" in text
    assert "already marked" in text
    training = Training.objects.get(patron=booking.patron)
    assert training.expires_on == dt.date(2026, 2, 4)
    assert booking.history.first().history_user == coordinator


def test_outcome_edited_in_the_admin_is_plain_text(coordinator_client, service):
    booking = make_booking(service_type=service, starts_at=at(DAY, 10), status=Booking.Status.ATTENDED)
    url = f"/admin/bookings/booking/{booking.pk}/change/"
    response = coordinator_client.post(
        url, {"outcome_topic": "<b>Email</b>", "outcome_resolved": "true", "outcome_notes": ""}
    )
    assert response.status_code == 200
    assert [error.code for error in response.context["adminform"].form.errors.as_data()["outcome_topic"]] == ["markup"]
    booking.refresh_from_db()
    assert booking.outcome_topic == ""
    response = coordinator_client.post(url, {"outcome_topic": "Email", "outcome_resolved": "true", "outcome_notes": ""})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert (booking.outcome_topic, booking.outcome_resolved, booking.status) == ("Email", True, "attended")


def test_lift_action_lifts_through_the_service(coordinator_client, coordinator, patron):
    pause = BookingPause.objects.create(
        patron=patron, paused_until=timezone.now() + dt.timedelta(days=10), reason="3 missed"
    )
    response = coordinator_client.post(
        "/admin/bookings/bookingpause/", {"action": "lift", "_selected_action": [pause.pk]}, follow=True
    )
    assert "1 pauses lifted" in response.content.decode()
    pause.refresh_from_db()
    assert pause.lifted_by == coordinator


def test_notify_requests_are_read_only(coordinator_client, service):
    request = NotifyRequest.objects.create(service_type=service, name="Gordon", email="gordon@example.net")
    assert coordinator_client.get(f"/admin/bookings/notifyrequest/{request.pk}/change/").status_code == 200
    response = coordinator_client.post(
        f"/admin/bookings/notifyrequest/{request.pk}/change/", {"name": "Changed", "email": "x@example.net"}
    )
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.name == "Gordon"


def test_assistant_sees_bookings_but_cannot_export_or_change_services(client, assistant, service):
    client.force_login(assistant)
    assert client.get("/admin/bookings/booking/").status_code == 200
    assert client.get("/admin/bookings/servicetype/add/").status_code == 403


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_the_booking_list_is_accessible_from_today_and_back(page, coordinator, assert_accessible, width):
    from playwright.sync_api import expect

    from tests.conftest import PASSWORD
    from tests.factories import BranchFactory

    service = ServiceTypeFactory(branch=BranchFactory(name="Central Library", slug="central"), name="Tech help")
    today = timezone.localdate()
    make_booking(service_type=service, starts_at=at(today + dt.timedelta(days=1), 14), contact_name="Harold Fraser")
    make_booking(service_type=service, starts_at=at(today - dt.timedelta(days=3), 10), contact_name="Evelyn Sato")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/admin/bookings/booking/")
    expect(page.locator("#result_list")).to_contain_text("Harold Fraser")
    expect(page.locator("#result_list")).to_contain_text("2:00 to 2:45 p.m.")
    expect(page.locator("#result_list")).not_to_contain_text("Evelyn Sato")
    assert_accessible(page)
    page.goto("/admin/bookings/booking/?when=past")
    expect(page.locator("#result_list")).to_contain_text("Evelyn Sato")
    assert_accessible(page)
