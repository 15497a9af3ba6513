"""Ids in query strings and forms are plain ASCII digits: "²".isdigit() is true, but it is not an id."""

import datetime as dt

import pytest
from django.test import Client

from bookings.services.reminders import KIND as REMINDER_KIND
from bookings.services.reminders import reminders_withdraw_cancelled
from makerlab.models import Notification
from makerlab.validators import ascii_id
from seedlibrary.forms import chosen_variety_ids
from tests.factories import ServiceTypeFactory, SkillFactory, StaffMemberFactory, at, make_booking

FULL_WIDTH_12 = "\uff11\uff12"  # "12" in full-width digits, as a Japanese keyboard types it
NOT_IDS = ["²", "٣", FULL_WIDTH_12, "1²", "99999999999999999999", "9" * 5000, "-1", "1.0", " 1", "1\n", ""]
FILTERS = [
    ("/admin/bookings/booking/", "staff"),
    ("/admin/staffing/timeoff/", "staff_member__id__exact"),
    ("/admin/staffing/hoursentry/", "staff_member__id__exact"),
    ("/admin/staffing/staffmember/", "skill"),
]


@pytest.mark.parametrize("value", NOT_IDS)
def test_only_ascii_digits_are_an_id(value):
    assert ascii_id(value) is None


def test_an_id_is_read_as_its_number():
    assert ascii_id("42") == 42
    assert ascii_id("007") == 7
    assert ascii_id("9" * 18) == int("9" * 18)
    assert ascii_id(None) is None


@pytest.mark.parametrize("path, parameter", FILTERS)
def test_admin_filters_answer_any_value_without_an_error(coordinator, path, parameter):
    StaffMemberFactory(user=coordinator)
    client = Client(raise_request_exception=False)
    client.force_login(coordinator)
    for value in NOT_IDS:
        response = client.get(path, {parameter: value})
        assert response.status_code == 200, (path, parameter, value[:20], response.status_code)


def test_the_bookings_staff_filter_still_chooses_a_person(client, coordinator, branch):
    service = ServiceTypeFactory(branch=branch)
    mine = make_booking(service_type=service, starts_at=at(dt.date(2026, 3, 2), 10))
    make_booking(service_type=service, starts_at=at(dt.date(2026, 3, 3), 10))
    client.force_login(coordinator)
    chosen = client.get("/admin/bookings/booking/", {"when": "all", "staff": str(mine.staff_member_id)})
    assert list(chosen.context["cl"].result_list) == [mine]
    assert not list(client.get("/admin/bookings/booking/", {"when": "all", "staff": "²"}).context["cl"].result_list)


def test_the_skill_filter_ignores_digits_that_are_not_ascii(client, coordinator):
    skill = SkillFactory()
    client.force_login(coordinator)
    response = client.get("/admin/staffing/staffmember/", {"skill": "٣" if skill.pk != 3 else "٤"})
    assert response.status_code == 200
    assert not list(response.context["cl"].result_list)


def test_seed_request_ids_keep_only_ascii_digits():
    assert chosen_variety_ids(["3", "٣", FULL_WIDTH_12, "²", "3", "99999999999999999999", "12"]) == [3, 12]


def test_the_reminder_sweep_reads_only_ascii_ids(branch, now):
    booking = make_booking(service_type=ServiceTypeFactory(branch=branch), starts_at=now + dt.timedelta(days=2))
    for object_id in (str(booking.pk), "²", FULL_WIDTH_12):
        Notification.objects.create(
            kind=REMINDER_KIND,
            object_id=object_id,
            recipient="x@example.net",
            template="emails/booking_reminder",
            idempotency_key=f"test:{object_id}",
        )
    assert reminders_withdraw_cancelled(now=now) == 2
