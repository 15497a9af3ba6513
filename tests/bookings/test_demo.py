"""The demo bookings: the lab's services and machines, a year of realistic history, upcoming bookings in shifts."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from bookings.models import Booking, Equipment, IntakeQuestion, ServiceType, Training
from staffing.models import Assignment

pytestmark = [pytest.mark.django_db, pytest.mark.calendar]


def test_demo_has_the_services_and_machines_a_maker_lab_offers(demo):
    names = set(ServiceType.objects.values_list("name", flat=True))
    assert {
        "Tech help: phone, tablet, laptop",
        "Email and online accounts",
        "3D printing orientation",
        "Laser cutter orientation",
        "Cricut / vinyl cutter help",
        "Sewing machine basics",
        "Podcast studio orientation",
        "3D printer time",
    } <= names
    assert Equipment.objects.count() == 5
    assert IntakeQuestion.objects.exists()


def test_every_demo_service_says_what_to_bring_and_the_laser_cutter_is_for_16_and_up(demo):
    assert not ServiceType.objects.filter(what_to_bring="").exists()
    ages = dict(ServiceType.objects.exclude(minimum_age=None).values_list("slug", "minimum_age"))
    assert ages == {"laser-cutter-orientation": 16}


def test_machine_time_is_offered_and_booked_by_patrons_the_orientation_trained(demo):
    printer_time = ServiceType.objects.get(slug="3d-printer-time")
    assert printer_time.requires_training and printer_time.equipment.name == "Prusa MK4 3D printer"
    orientation = ServiceType.objects.get(slug="3d-printing-orientation")
    assert orientation.trains_on_equipment and "book time on the printers" in orientation.description
    booked = Booking.objects.filter(service_type=printer_time, starts_at__gte=timezone.now())
    assert booked.exists()
    for booking in booked:
        assert Training.objects.filter(
            patron=booking.patron, equipment=printer_time.equipment, expires_on__gt=booking.starts_at.date()
        ).exists()


def test_a_year_of_past_bookings_with_a_realistic_mix(demo):
    now = timezone.now()
    past = Booking.objects.filter(starts_at__lt=now)
    total = past.count()
    assert total > 800
    assert past.earliest("starts_at").starts_at < now - dt.timedelta(days=330)
    mix = {row["status"]: row["n"] / total for row in past.values("status").annotate(n=Count("pk"))}
    assert 0.70 < mix["attended"] < 0.80
    assert 0.06 < mix["no_show"] < 0.14
    assert 0.11 < mix["cancelled"] < 0.19
    assert not past.filter(status="attended", outcome_topic="").exists()
    assert Training.objects.exists()
    assert not Training.objects.exclude(booking__service_type__trains_on_equipment=True).exists()


def test_upcoming_bookings_sit_in_published_shifts(demo):
    upcoming = Booking.objects.filter(starts_at__gte=timezone.now(), status="booked")
    assert upcoming.count() > 10
    for booking in upcoming.select_related("staff_member")[:30]:
        assert Assignment.objects.filter(
            staff_member=booking.staff_member, period__contains=booking.starts_at, shift__is_published=True
        ).exists()


def test_loading_again_changes_nothing(demo):
    def counts() -> tuple[int, ...]:
        return tuple(model.objects.count() for model in (Booking, Training, ServiceType, Equipment, IntakeQuestion))

    before = counts()
    call_command("load_demo", force=True)
    assert counts() == before
