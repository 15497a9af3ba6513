"""At desk check-in for time on equipment, staff tick the pre-use checklist with the patron; the ticked list is kept
with the booking, and a check-in with a line left unticked is refused with what is left, changing nothing. Both ways
to check in ask for it: the desk agenda's "Check in" and the check-in page that reads the confirmation's QR code."""

import datetime as dt
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import strip_tags

from bookings.links import booking_check_in_code
from bookings.models import Booking, Training
from bookings.services.desk import booking_mark_attended
from safety.models import ChecklistItem, PreUseCheck
from tests.factories import EquipmentFactory, ServiceTypeFactory, StaffMemberFactory, UserFactory, make_booking
from tests.safety.profiles import LASER_CHECKLIST, safety_profile

# A weekday mid-morning: a booking a few minutes away is on the same day (check-in codes work on that day only).
pytestmark = pytest.mark.time_machine("2026-11-18T10:30-05:00")
CHECK_IN = "/staff/check-in/"


@pytest.fixture
def desk_user(db):
    return StaffMemberFactory(user=UserFactory(username="ada", first_name="Ada", role="Library assistant"))


@pytest.fixture
def desk_client(client, desk_user):
    client.force_login(desk_user.user)
    return client


@pytest.fixture
def laser(branch):
    equipment = EquipmentFactory(branch=branch, name="Laser cutter")
    safety_profile(equipment)
    return ServiceTypeFactory(branch=branch, name="Laser cutter time", slug="laser-time", equipment=equipment)


@pytest.fixture
def booking(laser, desk_user):
    return make_booking(
        service_type=laser,
        staff_member=desk_user,
        starts_at=timezone.now() + dt.timedelta(minutes=5),
        contact_name="Maya Singh",
    )


def keys(equipment) -> list[str]:
    return [str(pk) for pk in ChecklistItem.objects.filter(profile__equipment=equipment).values_list("pk", flat=True)]


def words(response) -> str:
    return " ".join(unescape(strip_tags(response.content.decode())).split())


def assert_still_booked(booking: Booking) -> None:
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED
    assert not PreUseCheck.objects.exists()


# --- From the desk agenda -----------------------------------------------------------------------------------------


def test_the_agenda_opens_the_checklist_for_time_on_equipment_and_checks_in_others_at_once(
    desk_client, desk_user, booking, branch
):
    plain = make_booking(
        service_type=ServiceTypeFactory(branch=branch, name="Tech help"),
        staff_member=StaffMemberFactory(),
        starts_at=timezone.now() + dt.timedelta(hours=1),
        contact_name="Harold Fraser",
    )
    html = desk_client.get("/staff/desk/").content.decode()
    assert f'href="/staff/desk/bookings/{booking.pk}/attended/?next=' in html
    assert "Check in with the safety checklist" in html
    assert f'<form method="post" action="/staff/desk/bookings/{plain.pk}/attended/"' in html
    assert f'<form method="post" action="/staff/desk/bookings/{booking.pk}/attended/"' not in html


def test_staff_tick_every_line_and_the_check_is_kept_with_the_booking(desk_client, desk_user, booking, laser):
    page = desk_client.get(f"/staff/desk/bookings/{booking.pk}/attended/", {"next": "/staff/desk/"})
    assert page.status_code == 200
    for line in LASER_CHECKLIST:
        assert line in words(page)
    response = desk_client.post(
        f"/staff/desk/bookings/{booking.pk}/attended/",
        {"next": "/staff/desk/", "pre_use_checklist": keys(laser.equipment)},
    )
    assert response.status_code == 302 and response["Location"] == "/staff/desk/"
    booking.refresh_from_db()
    assert booking.status == Booking.Status.ATTENDED
    check = booking.pre_use_check
    assert check.items == list(LASER_CHECKLIST)
    assert check.checked_by == desk_user.user
    assert abs(check.checked_at - timezone.now()) < dt.timedelta(minutes=1)


def test_a_line_left_unticked_is_refused_with_what_is_left_and_nothing_changes(desk_client, booking, laser):
    first, *_ = keys(laser.equipment)
    response = desk_client.post(f"/staff/desk/bookings/{booking.pk}/attended/", {"pre_use_checklist": [first]})
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()
    assert [error.code for error in errors["pre_use_checklist"]] == ["pre_use_check_incomplete"]
    page = words(response)
    assert "tick every line before checking them in" in page
    assert "Not ticked yet: Extraction fan on; Material is on the approved list." in page
    assert 'href="#id_pre_use_checklist_0"' in response.content.decode()  # the error summary leads to the list
    assert_still_booked(booking)


def test_the_agendas_plain_check_in_button_cannot_skip_the_checklist(desk_client, booking):
    response = desk_client.post(f"/staff/desk/bookings/{booking.pk}/attended/", {"next": "/staff/desk/"})
    assert response.status_code == 200
    assert "Not ticked yet" in words(response)
    assert_still_booked(booking)


@pytest.mark.parametrize(
    "ticked",
    [["999999"], ["<script>alert(1)</script>"], ["' OR 1=1 --"], ["1" * 3000], ["-1"], ["\u202e"]],
)
def test_hostile_ticks_give_a_message_and_change_nothing(desk_client, booking, laser, ticked):
    response = desk_client.post(
        f"/staff/desk/bookings/{booking.pk}/attended/", {"pre_use_checklist": [*keys(laser.equipment), *ticked]}
    )
    assert response.status_code == 200
    assert "The checklist has changed. Tick its lines again." in words(response)
    assert_still_booked(booking)


def test_a_checklist_changed_later_leaves_the_record_as_ticked(desk_client, booking, laser):
    desk_client.post(f"/staff/desk/bookings/{booking.pk}/attended/", {"pre_use_checklist": keys(laser.equipment)})
    ChecklistItem.objects.filter(profile__equipment=laser.equipment).update(text="Something else")
    assert PreUseCheck.objects.get(booking=booking).items == list(LASER_CHECKLIST)


def test_equipment_without_a_checklist_checks_in_at_once_and_keeps_no_check(desk_client, branch, desk_user):
    sewing = EquipmentFactory(branch=branch, name="Sewing machine")
    safety_profile(sewing, checklist=())
    service = ServiceTypeFactory(branch=branch, name="Sewing basics", equipment=sewing, trains_on_equipment=True)
    booking = make_booking(service_type=service, staff_member=desk_user, starts_at=timezone.now())
    response = desk_client.post(f"/staff/desk/bookings/{booking.pk}/attended/", {"next": "/staff/desk/"})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == Booking.Status.ATTENDED
    assert Training.objects.filter(patron=booking.patron, equipment=sewing).exists()
    assert not PreUseCheck.objects.exists()


def test_the_service_refuses_whoever_calls_it_and_the_admin_action_too(client, coordinator, booking, laser):
    with pytest.raises(ValidationError) as refused:
        booking_mark_attended(booking=booking)
    assert [e.code for e in refused.value.error_dict["pre_use_checklist"]] == ["pre_use_check_incomplete"]
    client.force_login(coordinator)
    response = client.post(
        "/admin/bookings/booking/", {"action": "mark_attended", "_selected_action": [booking.pk]}, follow=True
    )
    assert "Not ticked yet" in words(response)
    assert_still_booked(booking)


# --- From the check-in page that reads the QR code ----------------------------------------------------------------


def test_the_qr_check_in_page_asks_the_checklist_refuses_it_partly_ticked_then_keeps_it(
    desk_client, desk_user, booking, laser
):
    code = booking_check_in_code(booking)
    page = desk_client.get(CHECK_IN, {"code": code})
    assert "Safety checklist: go through each line with the patron, then tick it" in words(page)
    refused = desk_client.post(CHECK_IN, {"code": code, "pre_use_checklist": keys(laser.equipment)[:2]})
    assert refused.status_code == 200
    assert "Not ticked yet: Material is on the approved list." in words(refused)
    assert_still_booked(booking)

    done = desk_client.post(CHECK_IN, {"code": code, "pre_use_checklist": keys(laser.equipment)}, follow=True)
    assert "Maya Singh is checked in for Laser cutter time." in words(done)
    assert "Safety checklist ticked by Ada" in words(done)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.ATTENDED
    assert booking.pre_use_check.items == list(LASER_CHECKLIST)


def test_hostile_ticks_on_the_qr_page_change_nothing(desk_client, booking):
    code = booking_check_in_code(booking)
    response = desk_client.post(CHECK_IN, {"code": code, "pre_use_checklist": ["<b>x</b>", "0"]})
    assert response.status_code == 200
    assert "The checklist has changed" in words(response)
    assert_still_booked(booking)


# --- Query budgets ----------------------------------------------------------------------------------------------


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries)


def test_the_check_in_pages_and_the_agenda_cost_the_same_queries_at_any_size(
    desk_client, desk_user, booking, laser, branch, django_assert_max_num_queries
):
    code = booking_check_in_code(booking)
    pages = [("/staff/desk/", None), (f"/staff/desk/bookings/{booking.pk}/attended/", None), (CHECK_IN, {"code": code})]
    small = [_queries(desk_client, url, params) for url, params in pages]
    for n in range(8):
        ChecklistItem.objects.create(profile=laser.equipment.safety_profile, text=f"Extra line {n}", position=10 + n)
        machine = EquipmentFactory(branch=branch, name=f"Printer {n}")
        safety_profile(machine)
        service = ServiceTypeFactory(branch=branch, equipment=machine)
        make_booking(
            service_type=service, staff_member=StaffMemberFactory(), starts_at=timezone.now() + dt.timedelta(hours=1)
        )
    for (url, params), count in zip(pages, small, strict=True):
        with django_assert_max_num_queries(count):
            desk_client.get(url, params or {})


def test_the_bench_finds_the_check_in_with_the_longest_checklist_or_falls_back(desk_client, booking, laser, branch):
    from bench.pages import check_in_with_longest_checklist

    longer = EquipmentFactory(branch=branch, name="Big laser")
    safety_profile(longer, checklist=(*LASER_CHECKLIST, "Fire blanket within reach"))
    busiest = make_booking(
        service_type=ServiceTypeFactory(branch=branch, equipment=longer),
        starts_at=timezone.now() + dt.timedelta(hours=2),
    )
    path = check_in_with_longest_checklist()
    assert path == f"/staff/desk/bookings/{busiest.pk}/attended/"
    assert desk_client.get(path).status_code == 200
    Booking.objects.all().delete()
    assert check_in_with_longest_checklist() == "/staff/desk/"


@pytest.mark.parametrize("target", ["https://elsewhere.example/", "//elsewhere.example/", "/admin/", "javascript:x"])
def test_the_checklist_page_goes_back_only_to_the_desk(desk_client, booking, laser, target):
    page = desk_client.get(f"/staff/desk/bookings/{booking.pk}/attended/", {"next": target}).content.decode()
    assert 'name="next" value="/staff/desk/"' in page
    response = desk_client.post(
        f"/staff/desk/bookings/{booking.pk}/attended/", {"next": target, "pre_use_checklist": keys(laser.equipment)}
    )
    assert response["Location"] == "/staff/desk/"


@pytest.mark.django_db(transaction=True)
def test_two_staff_checking_the_same_patron_in_at_once_keep_one_check():
    from tests.concurrency import run_together
    from tests.factories import BranchFactory

    branch = BranchFactory(observes_statutory_holidays=False)
    equipment = EquipmentFactory(branch=branch, name="Laser cutter")
    safety_profile(equipment)
    service = ServiceTypeFactory(branch=branch, equipment=equipment)
    booking = make_booking(service_type=service, starts_at=timezone.now() + dt.timedelta(minutes=5))
    people = [UserFactory(username=f"desk{n}", role="Library assistant") for n in range(2)]
    ticked = keys(equipment)

    def check_in(user):
        return lambda: booking_mark_attended(booking=booking, by=user, pre_use_checklist=ticked)

    results = run_together([check_in(user) for user in people])
    refused = [result for result in results if isinstance(result, ValidationError)]
    assert len(refused) == 1 and refused[0].code == "already_marked"
    booking.refresh_from_db()
    assert booking.status == Booking.Status.ATTENDED
    [check] = PreUseCheck.objects.all()
    assert check.booking_id == booking.pk and check.checked_by in people
