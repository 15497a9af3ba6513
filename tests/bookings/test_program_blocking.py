"""Program sessions take their facilitators and the program's equipment away from 1-on-1 bookings."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking, EquipmentKind, ServiceType
from bookings.selectors import open_slots
from makerlab.commitments import busy_time
from programs.models import Program, Session
from staffing.models import Assignment, ShiftRole
from tests.bookings.test_views import form_codes
from tests.factories import (
    TORONTO,
    AssignmentFactory,
    BranchFactory,
    EquipmentFactory,
    ProgramFactory,
    QualificationFactory,
    ServiceTypeFactory,
    ShiftFactory,
    SkillFactory,
    StaffMemberFactory,
    at,
)
from tests.factories import booking_form_data as form_data


def starts(slots) -> list[dt.time]:
    return [slot.starts_at.astimezone(TORONTO).time() for slot in slots]


@pytest.fixture
def day() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=3)


@pytest.fixture
def desk(db, day):
    """A branch open 9:30-17:00, 45-minute tech help with a 15-minute buffer, one assistant on the desk 13:00-16:00."""
    branch = BranchFactory(observes_statutory_holidays=False)
    skill = SkillFactory(name="Tech help")
    service = ServiceTypeFactory(branch=branch, required_skill=skill)
    person = StaffMemberFactory()
    QualificationFactory(staff_member=person, skill=skill)
    shift = ShiftFactory(branch=branch, starts_at=at(day, 13), ends_at=at(day, 16))
    AssignmentFactory(shift=shift, staff_member=person)
    return {"branch": branch, "service": service, "person": person, "shift": shift, "skill": skill}


def program_session(branch, start: dt.datetime, end: dt.datetime, *, facilitators=(), equipment=()) -> Session:
    program = ProgramFactory(branch=branch)
    program.facilitators.set(facilitators)
    program.equipment.set(equipment)
    return Session.objects.create(program=program, starts_at=start, ends_at=end)


def test_without_programs_the_desk_offers_three_sessions(desk):
    assert starts(open_slots(service_type=desk["service"], now=timezone.now())) == [
        dt.time(13),
        dt.time(14),
        dt.time(15),
    ]


def test_a_facilitator_is_not_offered_during_a_session_or_its_buffer(desk, day):
    # 13:50-14:30: the 1:00 session ends at 1:45, but its 15-minute buffer runs into the program.
    program_session(desk["branch"], at(day, 13, 50), at(day, 14, 30), facilitators=[desk["person"]])
    assert starts(open_slots(service_type=desk["service"], now=timezone.now())) == [dt.time(15)]


def test_a_session_that_ends_as_the_booking_starts_blocks_nothing(desk, day):
    program_session(desk["branch"], at(day, 11), at(day, 13), facilitators=[desk["person"]])
    program_session(desk["branch"], at(day, 16), at(day, 17), facilitators=[desk["person"]])
    assert starts(open_slots(service_type=desk["service"], now=timezone.now())) == [
        dt.time(13),
        dt.time(14),
        dt.time(15),
    ]


def test_a_cancelled_session_frees_the_facilitator_again(desk, day):
    session = program_session(desk["branch"], at(day, 14), at(day, 15), facilitators=[desk["person"]])
    assert starts(open_slots(service_type=desk["service"], now=timezone.now())) == [dt.time(13), dt.time(15)]
    session.cancelled_at = timezone.now()
    session.save()
    assert starts(open_slots(service_type=desk["service"], now=timezone.now())) == [
        dt.time(13),
        dt.time(14),
        dt.time(15),
    ]


def test_a_session_led_by_someone_else_blocks_nobody_on_the_desk(desk, day):
    program_session(desk["branch"], at(day, 13), at(day, 16), facilitators=[StaffMemberFactory()])
    program_session(desk["branch"], at(day, 13), at(day, 16))
    assert starts(open_slots(service_type=desk["service"], now=timezone.now())) == [
        dt.time(13),
        dt.time(14),
        dt.time(15),
    ]


def test_a_colleague_on_the_desk_takes_the_time_the_facilitator_cannot(desk, day):
    colleague = StaffMemberFactory()
    QualificationFactory(staff_member=colleague, skill=desk["skill"])
    AssignmentFactory(shift=desk["shift"], staff_member=colleague)
    program_session(desk["branch"], at(day, 14), at(day, 15), facilitators=[desk["person"]])
    slots = {
        slot.starts_at.astimezone(TORONTO).time(): slot
        for slot in open_slots(service_type=desk["service"], now=timezone.now())
    }
    assert slots[dt.time(14)].staff_member_ids == (colleague.pk,)
    assert set(slots[dt.time(13)].staff_member_ids) == {desk["person"].pk, colleague.pk}


def test_equipment_a_program_uses_is_not_offered_during_its_session(desk, day):
    printer = EquipmentFactory(branch=desk["branch"], name="Prusa MK4 3D printer")
    service = desk["service"]
    service.equipment = printer
    service.save()
    program_session(desk["branch"], at(day, 14), at(day, 15), equipment=[printer])
    program_session(desk["branch"], at(day, 13), at(day, 16), equipment=[EquipmentFactory(branch=desk["branch"])])
    assert starts(open_slots(service_type=service, now=timezone.now())) == [dt.time(13), dt.time(15)]


def test_the_session_blocks_the_right_hour_on_the_day_the_clocks_go_back(db):
    # Sunday 1 November 2026: clocks go back at 2 a.m.; the afternoon is EST (UTC-5), the month before EDT.
    branch = BranchFactory(observes_statutory_holidays=False)
    skill = SkillFactory(name="Tech help")
    service = ServiceTypeFactory(branch=branch, required_skill=skill, horizon_days=180)
    person = StaffMemberFactory()
    QualificationFactory(staff_member=person, skill=skill)
    sunday = dt.date(2026, 11, 1)
    AssignmentFactory(
        shift=ShiftFactory(branch=branch, starts_at=at(sunday, 13), ends_at=at(sunday, 16)), staff_member=person
    )
    session = program_session(branch, at(sunday, 14), at(sunday, 15), facilitators=[person])
    assert session.starts_at.astimezone(dt.UTC).hour == 19
    slots = open_slots(service_type=service, now=at(sunday, 1) - dt.timedelta(days=30))
    assert starts(slots) == [dt.time(13), dt.time(15)]


# --- Booking through the real form ---------------------------------------------------------------------


def test_booking_a_time_the_facilitator_lost_to_a_program_is_refused_on_the_form(client, desk, day):
    cache.clear()
    book = reverse("bookings:book", args=[desk["service"].slug])
    page = client.get(book, {"starts_at": at(day, 14).isoformat()})
    assert page.status_code == 200
    # The coordinator schedules a program while the patron fills in the form.
    program_session(desk["branch"], at(day, 14), at(day, 15), facilitators=[desk["person"]])
    response = client.post(book, form_data(at(day, 14)))
    assert response.status_code == 200
    assert form_codes(response.context["form"]) == ["not_offered"]
    assert "1:00 to 1:45 p.m." in response.text and "3:00 to 3:45 p.m." in response.text
    assert not Booking.objects.exists()
    assert client.post(book, form_data(at(day, 15))).status_code == 302
    assert Booking.objects.get().starts_at == at(day, 15)


def test_booking_a_machine_a_program_uses_is_refused_on_the_form(client, desk, day):
    cache.clear()
    printer = EquipmentFactory(branch=desk["branch"])
    service = desk["service"]
    service.equipment = printer
    service.save()
    program_session(desk["branch"], at(day, 13, 30), at(day, 14, 30), equipment=[printer])
    response = client.post(reverse("bookings:book", args=[service.slug]), form_data(at(day, 14)))
    assert response.status_code == 200
    assert form_codes(response.context["form"]) == ["not_offered"]
    assert not Booking.objects.exists()


# --- Query count ----------------------------------------------------------------------------------------


def _add_programs(branch, person, printer, first_day: dt.date, count: int) -> None:
    """Sessions before, during and after the bookable days, for the facilitator and the machine."""
    for n in range(count):
        moment = at(first_day - dt.timedelta(weeks=n), 10)
        program_session(branch, moment, moment + dt.timedelta(hours=1), facilitators=[person], equipment=[printer])
        later = at(first_day + dt.timedelta(days=1 + n % 20), 17)
        program_session(branch, later, later + dt.timedelta(hours=1), facilitators=[person], equipment=[printer])


def test_slots_with_equipment_take_nine_queries_whatever_the_programs(desk, day, django_assert_num_queries):
    printer = EquipmentFactory(branch=desk["branch"])
    service = desk["service"]
    service.equipment = printer
    service.save()
    _add_programs(desk["branch"], desk["person"], printer, day, 2)
    with django_assert_num_queries(9), CaptureQueriesContext(connection) as small:
        assert len(open_slots(service_type=service, now=timezone.now())) == 3
    _add_programs(desk["branch"], desk["person"], printer, day, 30)
    with django_assert_num_queries(9), CaptureQueriesContext(connection) as large:
        assert len(open_slots(service_type=service, now=timezone.now())) == 3
    assert len(small) == len(large)


# --- The demo -------------------------------------------------------------------------------------------


def test_the_demo_programs_take_machines_and_a_facilitator_off_the_desk(db, demo):
    equipment = {
        program.slug: sorted(program.equipment.values_list("kind", flat=True))
        for program in Program.objects.filter(slug__in=["family-3d-design", "sewing-basics", "intro-to-arduino"])
    }
    assert equipment == {
        "family-3d-design": [EquipmentKind.PRINTER_3D],
        "sewing-basics": [EquipmentKind.SEWING_MACHINE],
        "intro-to-arduino": [],
    }
    now = timezone.now()
    tech_help = ServiceType.objects.get(name="Tech help: phone, tablet, laptop")
    offered_to = {person for slot in open_slots(service_type=tech_help, now=now) for person in slot.staff_member_ids}
    desk = Assignment.objects.filter(
        shift__role=ShiftRole.HELP_DESK, shift__is_published=True, shift__starts_at__gt=now + dt.timedelta(hours=2)
    ).select_related("shift")
    blocked = [
        (assignment, commitment)
        for assignment in desk
        for commitment in busy_time(
            staff_member_ids=[assignment.staff_member_id],
            starts=assignment.shift.starts_at,
            ends=assignment.shift.ends_at,
        )
    ]
    assert blocked, "no facilitator in the demo has a help desk shift during one of their programs"
    for assignment, commitment in blocked:
        assert commitment.title == "Intro to Arduino"
        assert assignment.staff_member_id in offered_to  # offered at other times of the shift
        slots = open_slots(
            service_type=tech_help,
            now=now,
            first=commitment.starts_at,
            last=commitment.ends_at - dt.timedelta(minutes=1),
        )
        assert all(assignment.staff_member_id not in slot.staff_member_ids for slot in slots)
