"""Two staff members file reports taking the same laser cutter out of service at the same moment, each in their own
transaction against the real database: one out-of-service period, one maintenance window, each booking cancelled
once and each patron emailed once."""

import pytest
from django.test import Client

from bookings.models import Booking, MaintenanceWindow
from makerlab.models import Notification
from safety.models import OutOfService, SafetyReport
from tests.concurrency import run_together
from tests.factories import AssignmentFactory, StaffMemberFactory, UserFactory
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
