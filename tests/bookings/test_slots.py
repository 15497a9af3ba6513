import datetime as dt

import pytest
from django.utils import timezone

from bookings.models import Booking, MaintenanceWindow
from bookings.selectors import open_slots
from programs.models import Session
from staffing.models import DecisionStatus, ShiftRole, TimeOff
from tests.factories import (
    TORONTO,
    AssignmentFactory,
    BranchFactory,
    ClosureFactory,
    EquipmentFactory,
    PatronFactory,
    ProgramFactory,
    QualificationFactory,
    ServiceTypeFactory,
    ShiftFactory,
    SkillFactory,
    StaffMemberFactory,
    at,
)

pytestmark = pytest.mark.calendar


@pytest.fixture
def day() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=3)


@pytest.fixture
def desk(db, day):
    """A branch open 9:30-17:00, tech help, and one trained assistant on the help desk 13:00-16:00."""
    branch = BranchFactory(observes_statutory_holidays=False)
    skill = SkillFactory(name="Tech help")
    service = ServiceTypeFactory(branch=branch, required_skill=skill)
    person = StaffMemberFactory()
    QualificationFactory(staff_member=person, skill=skill)
    shift = ShiftFactory(branch=branch, starts_at=at(day, 13), ends_at=at(day, 16))
    AssignmentFactory(shift=shift, staff_member=person)
    return {"branch": branch, "service": service, "person": person, "shift": shift, "skill": skill}


def starts(slots) -> list[dt.time]:
    return [slot.starts_at.astimezone(TORONTO).time() for slot in slots]


def test_a_three_hour_shift_offers_three_hourly_sessions(desk):
    slots = open_slots(service_type=desk["service"], now=timezone.now())
    assert starts(slots) == [dt.time(13), dt.time(14), dt.time(15)]
    assert slots[0].ends_at - slots[0].starts_at == dt.timedelta(minutes=45)
    assert slots[0].staff_member_ids == (desk["person"].pk,)


def test_a_booked_time_is_no_longer_offered(desk, day):
    slots = open_slots(service_type=desk["service"], now=timezone.now())
    Booking.objects.create(
        service_type=desk["service"],
        branch=desk["branch"],
        patron=PatronFactory(),
        staff_member=desk["person"],
        starts_at=slots[1].starts_at,
        ends_at=slots[1].ends_at,
        busy=(slots[1].starts_at, slots[1].starts_at + dt.timedelta(hours=1)),
        contact_name="Doris",
        contact_email="doris@example.net",
    )
    assert starts(open_slots(service_type=desk["service"], now=timezone.now())) == [dt.time(13), dt.time(15)]


def test_nothing_is_offered_without_the_skill_or_when_it_expired(desk, day):
    desk["person"].qualifications.update(expires_on=day)
    assert open_slots(service_type=desk["service"], now=timezone.now()) == []


def test_nothing_is_offered_on_approved_time_off_or_unpublished_shifts(desk, day):
    TimeOff.objects.create(staff_member=desk["person"], first_day=day, last_day=day, status=DecisionStatus.APPROVED)
    assert open_slots(service_type=desk["service"], now=timezone.now()) == []
    TimeOff.objects.all().delete()
    desk["shift"].is_published = False
    desk["shift"].save()
    assert open_slots(service_type=desk["service"], now=timezone.now()) == []


def test_only_help_desk_shifts_count(desk, day):
    desk["shift"].role = ShiftRole.OPEN_LAB
    desk["shift"].save()
    assert open_slots(service_type=desk["service"], now=timezone.now()) == []


def test_nothing_is_offered_when_the_branch_is_closed(desk, day):
    ClosureFactory(branch=desk["branch"], start_date=day)
    assert open_slots(service_type=desk["service"], now=timezone.now()) == []


def test_sessions_must_end_before_closing_time(desk, day):
    desk["branch"].opening_hours.update(closes=dt.time(15, 30))
    assert starts(open_slots(service_type=desk["service"], now=timezone.now())) == [dt.time(13), dt.time(14)]


def test_minimum_notice_and_horizon(desk, day):
    just_before = at(day, 12, 1)
    assert starts(open_slots(service_type=desk["service"], now=just_before)) == [dt.time(15)]
    far_before = at(day, 13) - dt.timedelta(days=30)
    assert open_slots(service_type=desk["service"], now=far_before) == []


def test_equipment_out_of_service_under_maintenance_or_busy(desk, day):
    laser = EquipmentFactory(branch=desk["branch"])
    service = desk["service"]
    service.equipment = laser
    service.save()
    MaintenanceWindow.objects.create(equipment=laser, starts_at=at(day, 14, 30), ends_at=at(day, 15), reason="Lens")
    assert starts(open_slots(service_type=service, now=timezone.now())) == [dt.time(13), dt.time(15)]
    laser.in_service = False
    laser.save()
    assert open_slots(service_type=service, now=timezone.now()) == []


def test_two_people_on_shift_both_offer_each_time(desk, day):
    other = StaffMemberFactory()
    QualificationFactory(staff_member=other, skill=desk["skill"])
    AssignmentFactory(shift=desk["shift"], staff_member=other)
    slots = open_slots(service_type=desk["service"], now=timezone.now())
    assert {len(slot.staff_member_ids) for slot in slots} == {2}


def test_slots_take_the_same_queries_whatever_the_history(desk, day, django_assert_num_queries):
    # Branch calendar (2), shifts, skills, time off, bookings, and the program sessions the staff facilitate.
    with django_assert_num_queries(7):
        open_slots(service_type=desk["service"], now=timezone.now())
    for weeks_ago in range(1, 30):
        past = at(day - dt.timedelta(weeks=weeks_ago), 13)
        Booking.objects.create(
            service_type=desk["service"],
            branch=desk["branch"],
            patron=PatronFactory(),
            staff_member=desk["person"],
            starts_at=past,
            ends_at=past + dt.timedelta(minutes=45),
            busy=(past, past + dt.timedelta(hours=1)),
            status=Booking.Status.ATTENDED,
            contact_name="Past patron",
            contact_email="past@example.net",
        )
        program = ProgramFactory(branch=desk["branch"])
        program.facilitators.add(desk["person"])
        Session.objects.create(program=program, starts_at=past, ends_at=past + dt.timedelta(hours=2))
    with django_assert_num_queries(7):
        open_slots(service_type=desk["service"], now=timezone.now())


def test_times_follow_local_shifts_across_the_spring_change(db):
    # Sunday 14 March 2027: clocks go forward at 2 a.m.; a 13:00-15:00 shift is EDT.
    branch = BranchFactory(observes_statutory_holidays=False)
    skill = SkillFactory(name="Tech help")
    service = ServiceTypeFactory(branch=branch, required_skill=skill, horizon_days=180)
    person = StaffMemberFactory()
    QualificationFactory(staff_member=person, skill=skill)
    sunday = dt.date(2027, 3, 14)
    AssignmentFactory(
        shift=ShiftFactory(branch=branch, starts_at=at(sunday, 13), ends_at=at(sunday, 15)), staff_member=person
    )
    slots = open_slots(service_type=service, now=at(sunday, 1) - dt.timedelta(days=30))
    assert starts(slots) == [dt.time(13), dt.time(14)]
    assert slots[0].starts_at.utcoffset() == dt.timedelta(hours=-4)
    assert slots[0].starts_at.astimezone(dt.UTC).hour == 17
