"""The staff desk pages: who may use them, what they do through the services, bad input, and query budgets."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.models import Booking, BookingPause, Training
from tests.bookings.test_views import form_codes
from tests.factories import (
    AssignmentFactory,
    EquipmentFactory,
    QualificationFactory,
    ServiceTypeFactory,
    ShiftFactory,
    SkillFactory,
    StaffMemberFactory,
    at,
    make_booking,
)


@pytest.fixture
def service(db, branch):
    return ServiceTypeFactory(branch=branch, name="Tech help: phone, tablet, laptop")


def today_at(hour: int, minute: int = 0) -> dt.datetime:
    return at(timezone.localdate(), hour, minute)


def test_volunteers_and_the_public_cannot_use_the_desk(client, volunteer, branch):
    assert client.get("/staff/desk/").status_code == 302  # to the login page
    client.force_login(volunteer)
    assert client.get("/staff/desk/").status_code == 403
    assert client.get("/staff/desk/paused/").status_code == 403


def test_the_desk_agenda_shows_the_day_with_its_actions(desk_client, desk_user, service):
    past = make_booking(
        service_type=service, starts_at=timezone.now() - dt.timedelta(minutes=10), contact_name="Harold Fraser"
    )
    other = make_booking(
        service_type=service,
        starts_at=at(timezone.localdate() + dt.timedelta(days=1), 10),
        staff_member=desk_user,
        contact_name="Mei Chen",
    )
    html = desk_client.get("/staff/desk/").content.decode()
    assert "Harold Fraser" in html
    assert "Mei Chen" not in html
    assert f"/staff/desk/bookings/{past.pk}/no-show/" in html
    assert f"/staff/desk/bookings/{past.pk}/cancel/" not in html  # started: "Did not come", not a cancel
    tomorrow = desk_client.get("/staff/desk/", {"day": f"{other.starts_at.astimezone(service.branch.zone):%Y-%m-%d}"})
    assert "Mei Chen" in tomorrow.content.decode()
    mine = desk_client.get("/staff/desk/mine/", {"day": f"{other.starts_at.astimezone(service.branch.zone):%Y-%m-%d}"})
    assert "Mei Chen" in mine.content.decode()
    assert "Harold Fraser" not in desk_client.get("/staff/desk/mine/").content.decode()


@pytest.mark.parametrize("day", ["yesterday", "2026-02-30", "9999-99-99", "<script>", "2026-06-15'--", "x" * 500])
def test_a_bad_day_shows_today_with_a_message(desk_client, service, day):
    response = desk_client.get("/staff/desk/", {"day": day})
    assert response.status_code == 200
    assert "Enter a date like" in response.content.decode()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
@pytest.mark.parametrize("url", ["/staff/desk/", "/staff/desk/mine/"])
def test_a_day_at_the_calendars_ends_shows_today_with_a_message(desk_client, service, url, day):
    response = desk_client.get(url, {"day": day})
    assert response.status_code == 200
    assert "Enter a date like" in response.content.decode()
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in response.content.decode()


@pytest.mark.time_machine(dt.datetime(2026, 11, 18, 14, 0, tzinfo=ZoneInfo("America/Toronto")))
def test_check_in_an_orientation_trains_the_patron_and_returns_to_the_agenda(desk_client, desk_user, branch):
    printer = EquipmentFactory(branch=branch)
    orientation = ServiceTypeFactory(branch=branch, equipment=printer, trains_on_equipment=True)
    booking = make_booking(service_type=orientation, starts_at=timezone.now() + dt.timedelta(minutes=5))
    response = desk_client.post(
        f"/staff/desk/bookings/{booking.pk}/attended/", {"next": "/staff/desk/mine/?day=2026-01-01"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/staff/desk/mine/?day=2026-01-01"
    booking.refresh_from_db()
    assert booking.status == Booking.Status.ATTENDED
    assert Training.objects.filter(patron=booking.patron, equipment=printer).exists()
    assert booking.history.first().history_user == desk_user.user


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/admin/", "/staff/desk/\\evil"])
def test_the_return_address_stays_on_the_desk(desk_client, service, target):
    booking = make_booking(service_type=service, starts_at=timezone.now() - dt.timedelta(minutes=5))
    response = desk_client.post(f"/staff/desk/bookings/{booking.pk}/no-show/", {"next": target})
    assert response["Location"] == "/staff/desk/"


def test_a_third_no_show_tells_staff_about_the_pause(desk_client, service, patron):
    for days_ago in (30, 10):
        make_booking(
            service_type=service,
            patron=patron,
            starts_at=timezone.now() - dt.timedelta(days=days_ago),
            status="no_show",
        )
    booking = make_booking(service_type=service, patron=patron, starts_at=timezone.now() - dt.timedelta(minutes=20))
    response = desk_client.post(f"/staff/desk/bookings/{booking.pk}/no-show/", follow=True)
    assert "online booking is paused" in response.content.decode()
    assert BookingPause.objects.filter(patron=patron).exists()


def test_refusals_are_messages_not_errors(desk_client, service):
    later = make_booking(service_type=service, starts_at=timezone.now() + dt.timedelta(hours=3))
    response = desk_client.post(f"/staff/desk/bookings/{later.pk}/no-show/", follow=True)
    assert response.status_code == 200
    assert "once it has started" in response.content.decode()
    assert desk_client.post("/staff/desk/bookings/999999/attended/").status_code == 404
    # A GET shows the check-in page (with the safety checklist when the equipment has one): it changes nothing.
    assert desk_client.get(f"/staff/desk/bookings/{later.pk}/attended/").status_code == 200
    later.refresh_from_db()
    assert later.status == Booking.Status.BOOKED


def test_a_cancel_phoned_in_is_confirmed_first_then_recorded_with_who_did_it(
    desk_client, desk_user, service, django_capture_on_commit_callbacks
):
    booking = make_booking(
        service_type=service, starts_at=at(timezone.localdate() + dt.timedelta(days=1), 10), contact_name="Mei Chen"
    )
    agenda_url = f"/staff/desk/?day={booking.starts_at.astimezone(service.branch.zone):%Y-%m-%d}"
    agenda = desk_client.get(agenda_url).content.decode()
    cancel_url = f"/staff/desk/bookings/{booking.pk}/cancel/"
    assert f'href="{cancel_url}?next=' in agenda and "Cancel<span" in agenda
    page = desk_client.get(cancel_url, {"next": agenda_url})
    html = page.content.decode()
    assert page.status_code == 200 and "Cancel this booking?" in html
    assert "Mei Chen" in html and service.name in html and "10:00 a.m." in html
    assert "Yes, cancel this booking" in html and f'href="{agenda_url}">Keep the booking</a>' in html
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED  # asking changes nothing

    with django_capture_on_commit_callbacks(execute=True):
        response = desk_client.post(cancel_url, {"next": agenda_url}, follow=True)
    assert response.redirect_chain == [(agenda_url, 302)]
    assert "Cancelled Mei Chen&#x27;s booking" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.history.first().history_user == desk_user.user
    [email] = mail.outbox
    assert email.subject.startswith("Cancelled:") and email.attachments

    again = desk_client.get(cancel_url)
    assert again.context["refusal"] == "cancelled" and "Yes, cancel" not in again.content.decode()
    refused = desk_client.post(cancel_url, follow=True)
    assert "already cancelled" in refused.content.decode()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/admin/", "<script>", "x" * 3000])
def test_the_desk_cancel_stays_on_the_desk_and_refuses_what_cannot_be_cancelled(desk_client, service, target):
    booking = make_booking(service_type=service, starts_at=timezone.now() + dt.timedelta(days=1))
    page = desk_client.get(f"/staff/desk/bookings/{booking.pk}/cancel/", {"next": target}).content.decode()
    assert 'name="next" value="/staff/desk/"' in page
    assert desk_client.post(f"/staff/desk/bookings/{booking.pk}/cancel/", {"next": target})["Location"] == (
        "/staff/desk/"
    )
    assert desk_client.get("/staff/desk/bookings/999999/cancel/").status_code == 404
    assert desk_client.put(f"/staff/desk/bookings/{booking.pk}/cancel/").status_code == 405
    attended = make_booking(service_type=service, starts_at=timezone.now() - dt.timedelta(hours=2), status="attended")
    page = desk_client.get(f"/staff/desk/bookings/{attended.pk}/cancel/").content.decode()
    assert "cannot be cancelled" in page and "Yes, cancel" not in page
    desk_client.post(f"/staff/desk/bookings/{attended.pk}/cancel/")
    attended.refresh_from_db()
    assert attended.status == Booking.Status.ATTENDED


def test_volunteers_and_the_public_cannot_cancel_at_the_desk(client, volunteer, service):
    booking = make_booking(service_type=service, starts_at=timezone.now() + dt.timedelta(days=1))
    assert client.post(f"/staff/desk/bookings/{booking.pk}/cancel/").status_code == 302  # to the login page
    client.force_login(volunteer)
    assert client.get(f"/staff/desk/bookings/{booking.pk}/cancel/").status_code == 403
    assert client.post(f"/staff/desk/bookings/{booking.pk}/cancel/").status_code == 403
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED


@pytest.fixture
def attended(service):
    return make_booking(service_type=service, starts_at=timezone.now() - dt.timedelta(hours=1), status="attended")


def test_record_an_outcome(desk_client, attended):
    url = f"/staff/desk/bookings/{attended.pk}/outcome/"
    assert desk_client.get(url).status_code == 200
    response = desk_client.post(url, {"topic": "Email on an Android phone", "resolved": "no", "notes": "Back Tuesday."})
    assert response.status_code == 302
    attended.refresh_from_db()
    assert (attended.outcome_topic, attended.outcome_resolved, attended.outcome_notes) == (
        "Email on an Android phone",
        False,
        "Back Tuesday.",
    )


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"topic": "", "resolved": "yes"}, "required"),
        ({"topic": "<script>alert(1)</script>", "resolved": "yes"}, "markup"),
        ({"topic": "Email", "resolved": "maybe"}, "invalid_choice"),
        ({"topic": "Email", "resolved": "yes", "notes": "x" * 1001}, "max_length"),
        ({"topic": "Email\x07", "resolved": "yes"}, "control"),
        ({"topic": "t" * 201, "resolved": "yes"}, "max_length"),
    ],
)
def test_bad_outcomes_are_refused_on_the_form(desk_client, attended, data, code):
    response = desk_client.post(f"/staff/desk/bookings/{attended.pk}/outcome/", data)
    assert response.status_code == 200
    assert form_codes(response.context["form"]) == [code]
    attended.refresh_from_db()
    assert attended.outcome_topic == ""


def test_outcome_before_check_in_is_refused_on_the_form(desk_client, service):
    booking = make_booking(service_type=service, starts_at=timezone.now() + dt.timedelta(hours=1))
    response = desk_client.post(f"/staff/desk/bookings/{booking.pk}/outcome/", {"topic": "Email", "resolved": "yes"})
    assert response.status_code == 200
    assert form_codes(response.context["form"]) == ["not_checked_in"]


@pytest.fixture
def open_desk(db, branch, desk_user):
    day = timezone.localdate() + dt.timedelta(days=3)
    skill = SkillFactory(name="Tech help")
    service = ServiceTypeFactory(branch=branch, required_skill=skill, max_future_bookings=1)
    QualificationFactory(staff_member=desk_user, skill=skill)
    shift = ShiftFactory(branch=branch, starts_at=at(day, 13), ends_at=at(day, 16))
    AssignmentFactory(shift=shift, staff_member=desk_user)
    return service, day


def book(client, service, starts_at, **overrides):
    starts_at = starts_at if isinstance(starts_at, str) else starts_at.isoformat()
    from makerlab.cards import card_number_make

    data = {
        "service": service.pk,
        "starts_at": starts_at,
        "card_number": card_number_make(7),
        "name": "Gordon Reid",
        "email": "gordon@example.net",
        "phone": "519-555-0101",
        "reminder_consent": "on",
        **overrides,
    }
    return client.post("/staff/desk/book/", data)


def test_book_for_a_phone_patron_and_override_a_limit_with_a_reason(desk_client, desk_user, open_desk):
    service, day = open_desk
    page = desk_client.get("/staff/desk/book/", {"service": service.pk}).content.decode()
    assert at(day, 13).isoformat() in page
    response = book(desk_client, service, at(day, 13))
    assert response.status_code == 302, response.content.decode()
    booking = Booking.objects.get()
    assert (booking.booked_by, booking.contact_name, booking.limits_overridden) == (desk_user.user, "Gordon Reid", "")
    refused = book(desk_client, service, at(day, 14))
    assert refused.status_code == 200
    assert form_codes(refused.context["form"]) == ["upcoming_limit"]
    response = book(desk_client, service, at(day, 14), override_limits="Two devices; agreed with the coordinator.")
    assert response.status_code == 302
    assert Booking.objects.filter(limits_overridden="Two devices; agreed with the coordinator.").count() == 1


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"starts_at": "2020-01-01T10:00:00-05:00"}, "invalid_choice"),
        ({"starts_at": "not a time"}, "invalid_choice"),
        ({"card_number": "12345"}, "length"),
        ({"name": "<b>Gordon</b>"}, "markup"),
        ({"email": "not-an-email"}, "invalid"),
        ({"override_limits": "<script>x</script>"}, "markup"),
    ],
)
def test_bad_booking_input_is_refused_on_the_form(desk_client, open_desk, overrides, code):
    service, day = open_desk
    response = book(desk_client, service, **{"starts_at": at(day, 13), **overrides})
    assert response.status_code == 200
    assert form_codes(response.context["form"]) == [code]
    assert not Booking.objects.exists()


def test_an_unknown_service_shows_the_choice_again(desk_client, open_desk):
    for value in ("999999", "abc", "<script>"):
        response = desk_client.get("/staff/desk/book/", {"service": value})
        assert response.status_code == 200
        assert "Choose a service" in response.content.decode()


def test_paused_patrons_are_listed_and_lifted(desk_client, desk_user, patron):
    pause = BookingPause.objects.create(
        patron=patron, paused_until=timezone.now() + dt.timedelta(days=20), reason="3 missed sessions in 90 days"
    )
    html = desk_client.get("/staff/desk/paused/").content.decode()
    assert "Doris Campbell" in html
    response = desk_client.post(f"/staff/desk/paused/{pause.pk}/lift/", follow=True)
    assert "can book online again" in response.content.decode()
    pause.refresh_from_db()
    assert pause.lifted_by == desk_user.user
    again = desk_client.post(f"/staff/desk/paused/{pause.pk}/lift/", follow=True)
    assert "already lifted" in again.content.decode()


def test_the_desk_link_shows_for_desk_staff(desk_client):
    assert 'href="/staff/desk/"' in desk_client.get("/staff/").content.decode()


@pytest.mark.parametrize("url", ["/staff/desk/", "/staff/desk/mine/", "/staff/desk/paused/", "cancel"])
def test_desk_pages_cost_the_same_with_more_data(desk_client, desk_user, service, url):
    if url == "cancel":
        url = f"/staff/desk/bookings/{make_booking(service_type=service, starts_at=today_at(23)).pk}/cancel/"

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = desk_client.get(url)
        assert response.status_code == 200
        return len(queries)

    def add(n: int, first_hour: int) -> None:
        for index in range(n):
            booking = make_booking(
                service_type=service,
                starts_at=today_at(first_hour) + dt.timedelta(minutes=index * 30),
                staff_member=desk_user if index % 2 else StaffMemberFactory(),
                status=["booked", "attended", "no_show"][index % 3],
                outcome_topic="Email",
            )
            BookingPause.objects.create(
                patron=booking.patron, paused_until=timezone.now() + dt.timedelta(days=5), reason="x"
            )

    add(2, 1)
    small = count()
    add(20, 10)
    assert count() == small
