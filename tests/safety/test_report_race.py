"""Two staff members file reports taking the same laser cutter out of service at the same moment, each in their own
transaction against the real database: one out-of-service period, one maintenance window, each booking cancelled
once and each patron emailed once."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from bookings.models import Booking, MaintenanceWindow
from bookings.selectors import open_slots
from bookings.services.booking import PatronDetails, SlotTaken, booking_create
from makerlab.cards import card_number_make
from makerlab.models import Notification
from safety.models import OutOfService, SafetyReport
from safety.services import ReportDetails, report_file
from tests.concurrency import run_together
from tests.factories import AssignmentFactory, StaffMemberFactory, UserFactory, at
from tests.safety.report_world import build_lab, form_data

REPORTERS = 2


@pytest.mark.django_db(transaction=True)
def test_two_reports_taking_one_machine_out_at_once_cancel_its_bookings_once():
    lab = build_lab()
    colleague = StaffMemberFactory(user=UserFactory(username="colleague", role="Library assistant"))
    AssignmentFactory(shift=lab.me.assignments.get().shift, staff_member=colleague)
    data = form_data(lab, equipment=str(lab.laser.pk), takes_equipment_out_of_service="on")

    def file_as(user, location: str):
        def post() -> int:
            client = Client(raise_request_exception=False)
            client.force_login(user)
            return client.post("/staff/safety/report/", {**data, "location": location}).status_code

        return post

    statuses = run_together([file_as(lab.me.user, "Laser room"), file_as(colleague.user, "Laser room, by the door")])

    assert statuses == [302] * REPORTERS
    period = OutOfService.objects.get()
    assert SafetyReport.objects.filter(out_of_service_period=period).count() == REPORTERS
    assert period.bookings_cancelled == 2
    assert MaintenanceWindow.objects.filter(equipment=lab.laser).count() == 1
    assert set(Booking.objects.values_list("status", flat=True)) == {Booking.Status.CANCELLED}
    told = Notification.objects.filter(kind="booking_cancelled_out_of_service").values_list("recipient", flat=True)
    assert sorted(told) == ["ada@example.net", "ben@example.net"]
    assert not Notification.objects.filter(kind="booking_cancelled").exists()


def _someone_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_a_booking_whose_time_was_chosen_just_before_the_machine_went_out_is_refused_not_slipped_in():
    lab = build_lab()
    start = at(lab.days[2], 13)
    assert start in [slot.starts_at for slot in open_slots(service_type=lab.laser_time, now=timezone.now())]
    filed, commit = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def report() -> None:
        try:
            with transaction.atomic():
                report_file(
                    reporter=lab.me.user,
                    details=ReportDetails(
                        kind="hazard",
                        branch=lab.central,
                        occurred_at=timezone.now(),
                        location="Laser room",
                        what_happened="Sparks from the laser head.",
                        equipment=lab.laser,
                        takes_equipment_out_of_service=True,
                    ),
                )
                filed.set()
                commit.wait(timeout=30)
        finally:
            connection.close()

    def book() -> None:
        details = PatronDetails(card_number=card_number_make(5), name="Cleo Patron", email="cleo@example.net")
        try:
            outcome["booking"] = booking_create(service_type=lab.laser_time, starts_at=start, details=details)
        except Exception as error:
            outcome["booking"] = error
        finally:
            connection.close()

    reporting = threading.Thread(target=report)
    reporting.start()
    assert filed.wait(timeout=30)
    booking = threading.Thread(target=book)
    booking.start()  # it finds the time open: the report has not committed yet
    for _ in range(100):
        if _someone_waits_for_a_lock():
            break
        time.sleep(0.05)
    commit.set()
    reporting.join(timeout=30)
    booking.join(timeout=30)

    refused = outcome["booking"]
    assert isinstance(refused, SlotTaken), refused
    assert refused.code == "equipment_out_of_service"
    assert "The Laser cutter was just taken out of service." in refused.message
    assert not Booking.objects.filter(equipment=lab.laser, status=Booking.Status.BOOKED).exists()
