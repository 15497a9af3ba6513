"""A small lab for the report tests: two branches, two laser cutters at Central (one for time, one spare), a
printer at Southside, an assistant who works at Central, a coordinator and a manager, and bookings on the laser."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from bookings.models import Booking, EquipmentKind, ServiceType
from safety.models import SafetyReport
from staffing.models import StaffMember
from tests.factories import (
    AssignmentFactory,
    BranchFactory,
    EquipmentFactory,
    PatronFactory,
    QualificationFactory,
    ServiceTypeFactory,
    ShiftFactory,
    SkillFactory,
    StaffMemberFactory,
    UserFactory,
    at,
    make_booking,
)


@dataclass
class Lab:
    central: object
    southside: object
    laser: object
    spare_laser: object
    printer: object
    laser_time: ServiceType
    spare_time: ServiceType
    me: StaffMember
    coordinator: object
    manager: object
    bookings: list[Booking]
    days: list[dt.date]


def build_lab() -> Lab:
    central = BranchFactory(name="Central Library", slug="central", observes_statutory_holidays=False)
    southside = BranchFactory(name="Southside Branch", slug="southside", observes_statutory_holidays=False)
    laser = EquipmentFactory(branch=central, name="Laser cutter", kind=EquipmentKind.LASER_CUTTER)
    spare_laser = EquipmentFactory(branch=central, name="Small laser cutter", kind=EquipmentKind.LASER_CUTTER)
    printer = EquipmentFactory(branch=southside, name="Southside 3D printer", kind=EquipmentKind.PRINTER_3D)
    skill = SkillFactory(name="Laser cutting")
    laser_time = ServiceTypeFactory(branch=central, name="Laser cutting", equipment=laser, required_skill=skill)
    spare_time = ServiceTypeFactory(
        branch=central, name="Small laser cutting", equipment=spare_laser, required_skill=skill
    )
    me = StaffMemberFactory(
        user=UserFactory(username="assistant", first_name="Daniel", last_name="Okafor", role="Library assistant")
    )
    desk = [StaffMemberFactory(), StaffMemberFactory()]
    for person in desk:
        QualificationFactory(staff_member=person, skill=skill)
    today = timezone.localdate()
    days = [today + dt.timedelta(days=n) for n in (1, 2, 3)]
    for day in days:
        shift = ShiftFactory(branch=central, starts_at=at(day, 13), ends_at=at(day, 16), max_headcount=3)
        for person in desk:
            AssignmentFactory(shift=shift, staff_member=person)
    AssignmentFactory(
        shift=ShiftFactory(branch=central, starts_at=at(days[0], 9, 30), ends_at=at(days[0], 12, 30)), staff_member=me
    )
    bookings = [
        make_booking(
            service_type=laser_time,
            staff_member=desk[0],
            starts_at=at(day, 13),
            patron=PatronFactory(first_name=name, last_name="Patron", email=f"{name.lower()}@example.net"),
        )
        for day, name in zip(days[:2], ("Ada", "Ben"), strict=True)
    ]
    coordinator = UserFactory(username="coordinator", is_staff=True, role="Coordinator", email="coord@library.example")
    manager = UserFactory(username="manager", is_staff=True, role="Manager", email="manager@library.example")
    return Lab(
        central,
        southside,
        laser,
        spare_laser,
        printer,
        laser_time,
        spare_time,
        me,
        coordinator,
        manager,
        bookings,
        days,
    )


def form_data(lab: Lab, **overrides) -> dict:
    """What the report form posts for a hazard at Central, filed now; an override of None leaves a field out."""
    data = {
        "kind": "hazard",
        "branch": str(lab.central.pk),
        "location": "Laser room",
        "what_happened": "The extraction fan stopped while the laser was cutting.",
        "equipment": "",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "severity": "none",
        "first_aid_given": "",
        "names_involved": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def a_report(lab: Lab, reporter, *, names: str = "", **fields) -> SafetyReport:
    """A report made directly (for lists and retention), not through the form."""
    values = {
        "kind": SafetyReport.Kind.NEAR_MISS,
        "branch": lab.central,
        "occurred_at": timezone.now() - dt.timedelta(hours=1),
        "reported_by": reporter,
        "location": "Workbench",
        "what_happened": "A cutter slid off the bench.",
        "names_involved": names,
        **fields,
    }
    return SafetyReport.objects.create(**values)
