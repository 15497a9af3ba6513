"""The figures of a known month, built across every app through their services, asserted one by one.

The month is March 2026 in Toronto: it starts at 05:00 UTC on 1 March (EST) and ends at 04:00 UTC
on 1 April (EDT), with the clocks going forward on Sunday 8 March. Activity just either side of
both midnights shows that the month is cut in Toronto time, not in UTC.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from psycopg2.extras import DateTimeTZRange

from bookings.models import Booking, EquipmentKind, NotifyRequest
from bookings.services.booking import booking_cancel, unmet_demand_record
from bookings.services.desk import booking_mark_attended, booking_mark_no_show, booking_record_outcome
from makerlab.models import Patron
from programs.models import AgeGroup, Audience, Category, Participant, PartnerSite, Program, Registration, Session
from programs.services.attendance import attendance_record
from programs.services.messaging import session_cancel
from programs.services.registration import (
    ParticipantDetails,
    RegistrantDetails,
    offer_claim,
    registration_cancel,
    registration_create,
)
from seedlibrary.models import Lot
from seedlibrary.services import loan_create, lot_receive, return_record
from staffing.models import Skill, StaffKind
from staffing.services import assignment_check_in, assignment_check_out, hours_decide, hours_log
from stats.figures import BREAKDOWNS, FIGURES, FIGURES_BY_KEY, compute_figures, period_bounds
from stats.models import SurveyChannel, SurveyKind
from tests.factories import (
    AssignmentFactory,
    BranchFactory,
    ClosureFactory,
    EquipmentFactory,
    OrientationFactory,
    PatronFactory,
    ProgramFactory,
    ServiceTypeFactory,
    ShiftFactory,
    StaffMemberFactory,
    SurveyResponseFactory,
    SurveysSentFactory,
    UserFactory,
    VarietyFactory,
    lendable_lot,
)

TORONTO = zoneinfo.ZoneInfo("America/Toronto")
MARCH, APRIL = dt.date(2026, 3, 1), dt.date(2026, 4, 1)


def at(day: int, hour: int = 10, minute: int = 0, *, month: int = 3, year: int = 2026) -> dt.datetime:
    """A wall-clock time in Toronto."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=TORONTO)


def book(service, patron, staff, starts_at: dt.datetime, minutes: int = 45) -> Booking:
    ends_at = starts_at + dt.timedelta(minutes=minutes)
    return Booking.objects.create(
        service_type=service,
        branch=service.branch,
        patron=patron,
        staff_member=staff,
        equipment=service.equipment,
        starts_at=starts_at,
        ends_at=ends_at,
        busy=DateTimeTZRange(starts_at, ends_at + dt.timedelta(minutes=service.buffer_minutes), "[)"),
        contact_name=str(patron),
        contact_email=patron.email,
    )


def attended(booking: Booking, topic: str = "") -> Booking:
    booking = booking_mark_attended(booking=booking, now=booking.starts_at)
    if topic:
        booking = booking_record_outcome(booking=booking, topic=topic, resolved=True)
    return booking


def missed(booking: Booking) -> Booking:
    return booking_mark_no_show(booking=booking, now=booking.ends_at)[0]


def cancelled(booking: Booking) -> Booking:
    return booking_cancel(booking=booking, now=booking.starts_at - dt.timedelta(days=1), by_staff=True)


def register(program: Program, patron: Patron, when: dt.datetime, *people: tuple[str, int | None]) -> Registration:
    details = RegistrantDetails(
        card_number=patron.card_number,
        name=f"{patron.first_name} {patron.last_name}",
        email=patron.email,
        participants=[ParticipantDetails(first_name=name, age=age, is_child=age is not None) for name, age in people],
    )
    return registration_create(program=program, details=details, now=when)


def session(program: Program, starts_at: dt.datetime, hours: int = 2) -> Session:
    return Session.objects.create(program=program, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=hours))


def present(program_session: Session, *registrations: Registration, headcounts: dict[str, int] | None = None) -> None:
    people = Participant.objects.filter(registration__in=registrations).values_list("pk", flat=True)
    attendance_record(session=program_session, present_ids=set(people), by=None, headcounts=headcounts)


@dataclass
class World:
    central: object = None
    east: object = None
    patrons: dict = field(default_factory=dict)
    bookings: dict = field(default_factory=dict)


@pytest.fixture
def world(db) -> World:
    """A month of activity in every app; comments give each row's part in the expected figures."""
    w = World()
    weekdays = {day: [(dt.time(10), dt.time(18))] for day in range(5)}
    # Central: Monday to Friday 10:00 to 18:00. March 2026 has 22 weekdays and no statutory holiday;
    # closed on Wednesday 11 March: 21 days of 8 hours = 168 hours open.
    w.central = BranchFactory(name="Central Library", slug="central", hours=weekdays)
    ClosureFactory(branch=w.central, start_date=dt.date(2026, 3, 11))
    # East: Saturdays 10:00 to 12:00 (7, 14, 21, 28 March); every branch closed on 28 March: 6 hours open.
    w.east = BranchFactory(name="East Branch", slug="east", hours={5: [(dt.time(10), dt.time(12))]})
    ClosureFactory(branch=None, start_date=dt.date(2026, 3, 28), reason="Flood")
    p = w.patrons = {n: PatronFactory() for n in range(1, 22)}
    coordinator = UserFactory(username="coordinator", role="Coordinator")

    # --- 1-on-1 help and equipment ---------------------------------------------------------------------------
    help_skill = Skill.objects.create(name="Tech help")
    laser = EquipmentFactory(name="Laser cutter", branch=w.central)
    sewing = EquipmentFactory(name="Sewing machine", kind=EquipmentKind.SEWING_MACHINE, branch=w.east)
    printer = EquipmentFactory(name="Old 3D printer", kind=EquipmentKind.PRINTER_3D, branch=w.central)
    tech = ServiceTypeFactory(name="Tech help", branch=w.central, required_skill=help_skill)
    laser_time = ServiceTypeFactory(name="Laser cutter time", branch=w.central, equipment=laser)
    sewing_time = ServiceTypeFactory(name="Sewing machine time", branch=w.east, equipment=sewing)
    printing = ServiceTypeFactory(name="3D printing", branch=w.central, equipment=printer)
    s1, s2, s3 = StaffMemberFactory(), StaffMemberFactory(), StaffMemberFactory()
    b = w.bookings
    attended(book(tech, p[2], s1, at(14, month=1)))  # January: P2 is a returning patron
    book_missed = book(laser_time, p[6], s2, at(10, month=2))
    missed(book_missed)  # February, missed: P6's first visit is still in March
    attended(book(tech, p[1], s2, at(28, 23, 30, month=2)))  # 04:30 UTC on 1 March, but February in Toronto
    b["a"] = attended(book(tech, p[1], s1, at(1, 0, 15)), "email setup ")  # 05:15 UTC: the first minutes of March
    b["b"] = attended(book(tech, p[1], s1, at(2, 14)), "Email setup")
    b["c"] = attended(book(tech, p[2], s1, at(31, 23, 30)))  # 03:30 UTC on 1 April, still March in Toronto
    attended(book(tech, p[9], s2, at(1, 0, 15, month=4)))  # April in Toronto
    b["d"] = missed(book(tech, p[3], s1, at(4)))
    b["e"] = cancelled(book(tech, p[4], s1, at(5)))
    b["f"] = book(tech, p[5], s1, at(6))  # booked, never marked
    b["o"] = cancelled(book(tech, p[4], s1, at(9, 0, 30)))  # the first half hour after the DST day
    b["g"] = attended(book(laser_time, p[6], s2, at(2), 180), "Laser settings")  # 3 h
    b["h"] = book(laser_time, p[6], s2, at(3), 72)  # 1.2 h, still booked
    b["i"] = cancelled(book(laser_time, p[5], s2, at(9), 120))
    b["j"] = missed(book(laser_time, p[5], s2, at(10), 60))
    b["k"] = attended(book(sewing_time, p[7], s3, at(7), 120), "Threading")
    b["l"] = attended(book(sewing_time, p[7], s3, at(14), 120), "threading")
    b["m"] = book(sewing_time, p[8], s3, at(21), 60)  # 5 h of the 6 open at East: 83.3%
    b["n"] = attended(book(printing, p[8], s2, at(12), 60))  # a machine now out of service
    printer.in_service = False
    printer.save()
    unmet_demand_record(service_type=tech, now=at(3))
    unmet_demand_record(service_type=tech, now=at(31, 23, 59))
    unmet_demand_record(service_type=tech, now=at(1, 0, 1, month=4))
    unmet_demand_record(service_type=sewing_time, now=at(14))
    NotifyRequest.objects.create(service_type=tech, name="Ann", email="ann@example.net", created_at=at(3))
    NotifyRequest.objects.create(service_type=tech, name="Bo", email="bo@example.net", created_at=at(20))
    NotifyRequest.objects.create(service_type=tech, name="Cy", email="cy@example.net", created_at=at(27, month=2))

    # --- Programs, waitlists and outreach --------------------------------------------------------------------
    club = ProgramFactory(
        title="Teen coding club", branch=w.central, capacity=2, audience=Audience.TEENS, category=Category.CODING
    )
    r1 = register(club, p[10], at(25, month=2), ("Tia", 14))  # February: not a March registration
    r2 = register(club, p[11], at(2), ("Uma", 15))
    r3 = register(club, p[12], at(3), ("Vic", 13))  # waitlisted
    register(club, p[13], at(4), ("Wes", 16))  # waitlisted, still waiting at the end of March: 1 place
    registration_cancel(registration=r2, now=at(5))  # the place is offered to r3
    r3.refresh_from_db()
    offer_claim(offer_token=r3.offer_token, now=at(5, 18))
    register(club, p[14], at(31, 23), ("Xia", 13), ("Yan", 15))  # waitlisted at 03:00 UTC on 1 April: 2 places
    register(club, p[15], at(1, 0, 30, month=4), ("Zed", 14))  # April
    dst_session = session(club, at(8, 14))  # the day the clocks go forward
    present(dst_session, r1, r3, headcounts={AgeGroup.TEENS: 2})  # 2 present + 2 walk-ins
    present(session(club, at(15, 14)), r1)  # 1 present, r3 absent
    session_cancel(session=session(club, at(22, 14)), reason="Snow storm", by=None, now=at(20))

    sewing_family = ProgramFactory(
        title="Family sewing",
        branch=w.east,
        capacity=1,
        audience=Audience.FAMILIES,
        category=Category.TEXTILES,
        min_age=None,
        max_age=None,
        automatic_enrolment=True,
    )
    r7 = register(sewing_family, p[16], at(2), ("Ada", 9))
    r8 = register(sewing_family, p[17], at(3), ("Ben", None))  # waitlisted
    registration_cancel(registration=r7, now=at(4))  # r8 enrolled at once
    r8.refresh_from_db()
    present(session(sewing_family, at(18, 18)), r8, headcounts={AgeGroup.CHILDREN: 2})  # 1 + 2

    site = PartnerSite.objects.create(
        name="Maple Seniors' Centre", organisation="Maple", street_address="1 Elm", city="St. Thomas", postal_code="N5P"
    )
    garden = ProgramFactory(
        title="Seed starting",
        branch=None,
        partner_site=site,
        registration_required=False,
        audience=Audience.ALL_AGES,
        category=Category.GARDENING,
        min_age=None,
        max_age=None,
    )
    present(session(garden, at(28, 23, 30, month=2)), headcounts={AgeGroup.ADULTS: 4})  # February
    present(session(garden, at(25)), headcounts={AgeGroup.ADULTS: 12, AgeGroup.SENIORS: 5})  # 17
    session_cancel(session=session(garden, at(26)), reason="The centre is closed", by=None, now=at(20))

    # --- Seed library ----------------------------------------------------------------------------------------
    cherokee = VarietyFactory(variety_name="Cherokee Purple")
    brandywine = VarietyFactory(variety_name="Brandywine")
    zebra = VarietyFactory(variety_name="Green Zebra")
    cherokee_lot = lendable_lot(branch=w.central, packets=10, variety=cherokee)
    brandywine_lot = lendable_lot(branch=w.central, packets=5, variety=brandywine)
    zebra_lot = lendable_lot(branch=w.central, packets=1, variety=zebra)
    for n in (1, 18, 19, 20, 21):
        OrientationFactory(patron=p[n])
    # The 2025 season: P18 borrows Cherokee Purple and Green Zebra, P19 Cherokee Purple.
    loan_create(patron=p[18], branch=w.central, lots=[cherokee_lot, zebra_lot], by=None, now=at(1, month=6, year=2025))
    loan_create(patron=p[19], branch=w.central, lots=[cherokee_lot], by=None, now=at(2, month=6, year=2025))
    loan_create(patron=p[21], branch=w.central, lots=[cherokee_lot], by=None, now=at(28, 23, 50, month=2))
    loan_create(patron=p[18], branch=w.central, lots=[cherokee_lot, brandywine_lot], by=None, now=at(3))
    loan_create(patron=p[20], branch=w.central, lots=[cherokee_lot], by=None, now=at(10))
    loan_create(patron=p[1], branch=w.central, lots=[brandywine_lot], by=None, now=at(31, 23, 45))
    loan_create(patron=p[20], branch=w.central, lots=[brandywine_lot], by=None, now=at(1, 0, 10, month=4))
    # P18 brings back Cherokee Purple grown in 2025: 1 of last season's 3 variety-borrowers returned.
    return_record(
        card_number=p[18].card_number,
        variety=cherokee,
        parent_lot=cherokee_lot,
        harvest_year=2025,
        by=None,
        now=at(12),
    )
    for source, when in (
        (Lot.Source.COMMERCIAL_DONATION, at(15)),
        (Lot.Source.PATRON_DONATION, at(20)),
        (Lot.Source.LIBRARY_GROWN, at(16)),  # not a donation
        (Lot.Source.COMMERCIAL_DONATION, at(28, 23, 30, month=2)),  # February
    ):
        lot_receive(
            variety=brandywine, source=source, harvest_year=2025, by=None, now=when, donor_name="Ontario Seed Co"
        )

    # --- Hours ------------------------------------------------------------------------------------------------
    volunteer = StaffMemberFactory(kind=StaffKind.VOLUNTEER)
    student = StaffMemberFactory(kind=StaffKind.COMMUNITY_SERVICE_STUDENT)
    coop = StaffMemberFactory(kind=StaffKind.COOP_STUDENT)
    today = dt.date(2026, 4, 2)
    logged = [
        (s1, dt.date(2026, 3, 2), "7.5", True),
        (s1, dt.date(2026, 3, 31), "4", True),
        (s1, dt.date(2026, 4, 1), "3", True),  # April
        (s1, dt.date(2026, 2, 28), "5", True),  # February
        (volunteer, dt.date(2026, 3, 10), "3", True),
        (student, dt.date(2026, 3, 11), "4", True),
        (coop, dt.date(2026, 3, 13), "6", True),
    ]
    approve = [
        hours_log(staff_member=who, day=day, hours=Decimal(hours), activity="Help desk", today=today).pk
        for who, day, hours, _ in logged
    ]
    power_tools = hours_log(
        staff_member=student,
        day=dt.date(2026, 3, 12),
        hours=Decimal("2.5"),
        activity="Band saw",
        counts_for_community_hours=False,
        today=today,
    )
    approve.append(power_tools.pk)
    hours_log(staff_member=s1, day=dt.date(2026, 3, 5), hours=Decimal(2), activity="Pending", today=today)
    declined = hours_log(staff_member=s1, day=dt.date(2026, 3, 6), hours=Decimal(1), activity="No", today=today)
    hours_decide(entry_ids=[declined.pk], approve=False, by=coordinator)
    shift = ShiftFactory(branch=w.east, starts_at=at(7), ends_at=at(7, 12))
    assignment = AssignmentFactory(shift=shift, staff_member=s3)
    assignment_check_in(assignment=assignment, now=at(7))
    approve.append(assignment_check_out(assignment=assignment, now=at(7, 12)).pk)  # 2 h from East's shift
    hours_decide(entry_ids=approve, approve=True, by=coordinator)

    # --- Outcome surveys ----------------------------------------------------------------------------------------
    digital = {"service_area": "digital_learning", "service_type": tech, "branch": w.central}
    education = {"service_area": "education", "program": club, "branch": w.central}
    SurveysSentFactory(count=4, **digital)
    SurveysSentFactory(count=2, channel=SurveyChannel.IN_ROOM, **education)
    SurveyResponseFactory(learned=5, confident=4, intend_to_apply=3, more_aware=0, **digital)
    SurveyResponseFactory(learned=4, confident=2, intend_to_apply=None, more_aware=5, **digital)
    SurveyResponseFactory(learned=2, confident=0, intend_to_apply=4, more_aware=4, **education)
    SurveysSentFactory(kind=SurveyKind.FOLLOW_UP, **digital)
    SurveyResponseFactory(
        kind=SurveyKind.FOLLOW_UP, learned=None, confident=None, intend_to_apply=None, more_aware=None, **digital
    )
    SurveysSentFactory(month=dt.date(2026, 2, 1), **digital)
    SurveyResponseFactory(month=dt.date(2026, 2, 1), **digital, learned=1)
    SurveysSentFactory(month=APRIL, **digital)
    return w


MARCH_VALUES = {
    # Tech help a, b, c, d, e, f, o; laser g, h, i, j; sewing k, l, m; printing n.
    "bookings.booked": 15,
    "bookings.attended": 7,  # a b c g k l n
    "bookings.no_shows": 2,  # d j
    "bookings.cancelled": 3,  # e i o
    "bookings.help_minutes": 615,  # 3 x 45 + 180 + 120 + 120 + 60
    "equipment.hours_booked": 10.2,  # laser 3 + 1.2, sewing 2 + 2 + 1, printer 1
    "equipment.utilisation": 5.3,  # (4.2 + 5) / (168 + 6), the printer being out of service
    "programs.programs_delivered": 3,
    "programs.sessions_delivered": 4,  # club 8 and 15 March, family sewing, seed starting
    "programs.registrations": 6,  # club r2 r3 r4 and P14's; family sewing r7 r8
    "programs.attendance": 25,  # 4 + 1 + 3 + 17
    "programs.waitlisted": 4,  # r3, r4, P14's, r8
    "programs.offers": 2,  # r3 offered, r8 enrolled at once
    "programs.offers_claimed": 2,
    "outreach.events": 1,
    "outreach.headcount": 17,
    "seeds.packets_lent": 4,  # P18 two, P20 one, P1 one
    "seeds.borrowers": 3,
    "seeds.returns": 1,
    "seeds.donations": 2,
    "seeds.stock": 7,  # Cherokee Purple 10 - 5 lent = 5, Brandywine 5 - 3 = 2, Green Zebra none
    "seeds.return_rate": 33.3,  # of 2025's P18 + P19 (Cherokee Purple) and P18 (Green Zebra), P18 returned one
    "staffing.staff_hours": 13.5,  # 7.5 + 4 + 2 at East
    "staffing.volunteer_hours": 15.5,  # 3 + 4 + 2.5 + 6
    "staffing.community_hours": 4.0,  # not the band saw
    "outcomes.invitations": 6,
    "outcomes.responses": 3,
    "outcomes.response_rate": 50.0,
    "outcomes.learned": 66.7,  # 5, 4 of 5, 4, 2
    "outcomes.confident": 50.0,  # 4 of 4, 2 (and not applicable)
    "outcomes.intend_to_apply": 50.0,  # 4 of 3, 4 (and one skipped)
    "outcomes.more_aware": 100.0,  # 5, 4 (and not applicable)
    # P1 P2 P6 P7 P8 (sessions), P10 P12 P17 (programs), P18 P20 P1 (seeds).
    "patrons.served": 10,
    "patrons.new": 7,
    "patrons.returning": 3,  # P1 (February), P2 (January), P18 (seed in 2025)
    "demand.no_free_time": 3,
    "demand.notify_requests": 2,
    "demand.waitlisted_places": 3,  # r4 one, P14's two
    "demand.busy_equipment": 1,
    "demand.seeds_out": 1,
    # No health and safety records in this world: tests/stats/test_safety_figures.py counts them.
    **{key: 0 for key in FIGURES_BY_KEY if key.startswith("safety.")},
    "safety.equipment_days_out": 0.0,
    # No displays in this world: tests/stats/test_display_figures.py counts them.
    "displays.installed": 0,
    "displays.on": 0,
}

MARCH_BREAKDOWNS = {
    "bookings.by_service": [("Tech help", 3), ("Sewing machine time", 2), ("3D printing", 1), ("Laser cutter time", 1)],
    # Topics typed in fewer than three sessions are counted together, never named.
    "bookings.by_topic": [("Not recorded", 2), ("Other topics", 5)],
    "equipment.by_machine": [("Laser cutter, Central Library", 2.5), ("Sewing machine, East Branch", 83.3)],
    "programs.attendance_by_audience": [("All ages", 17), ("Teens", 5), ("Families", 3)],
    "programs.attendance_by_category": [("Gardening and seed saving", 17), ("Coding", 5), ("Textiles", 3)],
    "outcomes.by_service_area": [("Digital learning", 2), ("Education and lifelong learning", 1)],
    "outcomes.n": [
        ("Learned something new", 3),
        ("More confident", 2),
        ("Intend to apply it", 2),
        ("More aware of library resources", 2),
    ],
    "seeds.lent_by_variety": [("Tomato 'Brandywine'", 2), ("Tomato 'Cherokee Purple'", 2)],
    "demand.busy_equipment": [("Sewing machine, East Branch", 83.3)],
    "demand.seeds_out": [("Tomato 'Green Zebra'", 1)],
}


def test_every_figure_of_a_known_month(world):
    figures = compute_figures(start=MARCH, end=APRIL)

    assert figures.values == MARCH_VALUES
    assert figures.breakdowns == MARCH_BREAKDOWNS


def test_the_catalogue_and_the_computed_figures_match(world):
    figures = compute_figures(start=MARCH, end=APRIL)

    assert list(figures.values) == [figure.key for figure in FIGURES]
    assert list(figures.breakdowns) == list(BREAKDOWNS)
    assert figures.as_json()["breakdowns"]["demand.seeds_out"] == [["Tomato 'Green Zebra'", 1]]


def test_one_branch_counts_its_own_rows_and_the_library_wide_ones_it_cannot_split(world):
    figures = compute_figures(start=MARCH, end=APRIL, branch=world.east)

    assert figures.values == {
        "bookings.booked": 3,  # k l m
        "bookings.attended": 2,
        "bookings.no_shows": 0,
        "bookings.cancelled": 0,
        "bookings.help_minutes": 240,
        "equipment.hours_booked": 5.0,
        "equipment.utilisation": 83.3,
        "programs.programs_delivered": 1,
        "programs.sessions_delivered": 1,
        "programs.registrations": 2,
        "programs.attendance": 3,
        "programs.waitlisted": 1,
        "programs.offers": 1,
        "programs.offers_claimed": 1,
        "outreach.events": 1,  # outreach belongs to no branch: the library's
        "outreach.headcount": 17,
        "seeds.packets_lent": 0,
        "seeds.borrowers": 0,
        "seeds.returns": 1,  # lots belong to no branch: the library's
        "seeds.donations": 2,
        "seeds.stock": 0,
        "seeds.return_rate": None,  # nobody borrowed at East last season
        "staffing.staff_hours": 2.0,  # East's shift only; hours entered by hand belong to no branch
        "staffing.volunteer_hours": 0.0,
        "staffing.community_hours": 0.0,
        "outcomes.invitations": 0,
        "outcomes.responses": 0,
        "outcomes.response_rate": None,
        "outcomes.learned": None,
        "outcomes.confident": None,
        "outcomes.intend_to_apply": None,
        "outcomes.more_aware": None,
        "patrons.served": 2,  # P7 (sewing), P17 (family sewing)
        "patrons.new": 2,
        "patrons.returning": 0,
        "demand.no_free_time": 1,
        "demand.notify_requests": 0,
        "demand.waitlisted_places": 0,
        "demand.busy_equipment": 1,
        "demand.seeds_out": 0,
        **{key: value for key, value in MARCH_VALUES.items() if key.startswith(("safety.", "displays."))},
    }
    assert figures.breakdowns["equipment.by_machine"] == [("Sewing machine", 83.3)]
    assert figures.breakdowns["bookings.by_topic"] == [("Other topics", 2)]
    assert figures.breakdowns["programs.attendance_by_audience"] == [("Families", 3)]


def test_the_day_the_clocks_go_forward_is_23_hours_long(world):
    start_at, end_at = period_bounds(dt.date(2026, 3, 8), dt.date(2026, 3, 9))
    assert end_at - start_at == dt.timedelta(hours=23)

    sunday = compute_figures(start=dt.date(2026, 3, 8), end=dt.date(2026, 3, 9))
    monday = compute_figures(start=dt.date(2026, 3, 9), end=dt.date(2026, 3, 10))

    assert sunday.values["programs.sessions_delivered"] == 1
    assert sunday.values["programs.attendance"] == 4
    assert sunday.values["bookings.booked"] == 0  # 00:30 on Monday is 04:30 UTC, 23 hours after Sunday began
    assert monday.values["bookings.booked"] == 2  # o, and the laser booking at 10:00 (i)
    assert monday.values["bookings.cancelled"] == 2


def test_a_branch_open_through_the_clock_change_is_open_an_hour_less(db):
    night_owls = BranchFactory(name="Night owls", hours={6: [(dt.time(0), dt.time(6))]})  # Sundays 00:00 to 06:00
    machine = EquipmentFactory(name="Night printer", branch=night_owls)
    service = ServiceTypeFactory(branch=night_owls, equipment=machine)
    attended(book(service, PatronFactory(), StaffMemberFactory(), at(8, 3), 60))

    figures = compute_figures(start=dt.date(2026, 3, 8), end=dt.date(2026, 3, 9))

    assert figures.values["equipment.hours_booked"] == 1.0
    assert figures.breakdowns["equipment.by_machine"] == [("Night printer", 20.0)]  # 1 of 5 hours, not 6


def test_a_period_of_one_day_at_each_midnight_of_the_month(world):
    first = compute_figures(start=MARCH, end=dt.date(2026, 3, 2))
    last = compute_figures(start=dt.date(2026, 3, 31), end=APRIL)

    assert first.values["bookings.attended"] == 1  # a at 00:15, not P1's 23:30 on 28 February
    assert first.values["patrons.served"] == 1
    assert first.values["patrons.new"] == 0  # P1 came on 28 February
    assert last.values["bookings.attended"] == 1  # c at 23:30, not P9's 00:15 on 1 April
    assert last.values["seeds.packets_lent"] == 1  # P1's at 23:45
    assert last.values["demand.no_free_time"] == 1
    assert last.values["programs.registrations"] == 1
    assert last.values["staffing.staff_hours"] == 4.0


def test_cancelling_a_march_booking_in_april_changes_the_live_figures(world):
    before = compute_figures(start=MARCH, end=APRIL).values
    booking_cancel(booking=world.bookings["h"], now=at(3, month=4), by_staff=True)

    after = compute_figures(start=MARCH, end=APRIL).values

    assert (before["bookings.cancelled"], after["bookings.cancelled"]) == (3, 4)
    assert after["bookings.booked"] == before["bookings.booked"] == 15
    assert (before["equipment.hours_booked"], after["equipment.hours_booked"]) == (10.2, 9.0)
    assert after["equipment.utilisation"] == 4.6  # (3 + 5) / 174


def test_nothing_to_divide_by_gives_none_not_zero(db):
    BranchFactory(hours={})
    figures = compute_figures(start=MARCH, end=APRIL)

    assert figures.values["equipment.utilisation"] is None
    assert figures.values["outcomes.response_rate"] is None
    assert figures.values["seeds.return_rate"] is None
    assert figures.values["bookings.booked"] == 0
    assert figures.breakdowns["equipment.by_machine"] == []


def test_a_period_must_end_after_it_starts(db):
    with pytest.raises(ValueError, match="after its start"):
        compute_figures(start=APRIL, end=MARCH)


def test_the_number_of_queries_does_not_grow_with_the_data(world, django_assert_num_queries):
    with django_assert_num_queries(33) as small:
        compute_figures(start=MARCH, end=APRIL)
    with django_assert_num_queries(33):
        compute_figures(start=MARCH, end=APRIL, branch=world.east)

    tech = world.bookings["a"].service_type
    staff = StaffMemberFactory()
    for day in range(2, 28):
        attended(book(tech, PatronFactory(), staff, at(day, 16)))
    club = Program.objects.get(title="Teen coding club")
    for day in (16, 17, 18, 19):
        present(session(club, at(day, 18)), *Registration.objects.filter(program=club, status="confirmed"))
    SurveyResponseFactory.create_batch(5, branch=world.central)
    EquipmentFactory.create_batch(4, branch=world.east)

    with django_assert_num_queries(len(small)):
        figures = compute_figures(start=MARCH, end=APRIL)
    assert figures.values["bookings.attended"] == 7 + 26


def test_a_topic_is_named_only_when_three_sessions_share_it(db):
    branch = BranchFactory()
    service = ServiceTypeFactory(name="Tech help", branch=branch)
    staff = StaffMemberFactory()
    topics = ["Email setup", " email SETUP ", "Email setup", "Call Mrs Jones about her tablet", "Email setup"]
    for hour, topic in enumerate(topics, start=10):
        attended(book(service, PatronFactory(), staff, at(2, hour)), topic=topic)

    figures = compute_figures(start=MARCH, end=APRIL)

    assert figures.breakdowns["bookings.by_topic"] == [("Email setup", 4), ("Other topics", 1)]
    assert "Jones" not in str(figures.as_json())


# Patrons' first activity kept as data, and the dashboard's subset of figures


def first_activity_as_before(start, end, branch=None) -> tuple[int, int]:
    """Patrons served and new in ``[start, end)`` by the original definition: each served patron's first
    activity recomputed from every record of the three kinds."""
    from django.db.models import Count, Exists, Min, OuterRef, Q, Subquery
    from django.db.models.functions import Least

    from stats.figures import patron_activities

    start_at, end_at = period_bounds(start, end)
    served, firsts = [], []
    for activity in patron_activities():
        mine = activity.filter(patron_ref=OuterRef("pk"))
        in_period = mine.filter(at__gte=start_at, at__lt=end_at)
        if branch is not None:
            in_period = in_period.filter(at_branch=branch.pk)
        served.append(Exists(in_period))
        firsts.append(Subquery(mine.order_by().values("patron_ref").annotate(first=Min("at")).values("first")))
    totals = (
        Patron.objects.filter(served[0] | served[1] | served[2])
        .annotate(earliest=Least(*firsts))
        .aggregate(served=Count("pk"), new=Count("pk", filter=Q(earliest__gte=start_at)))
    )
    return totals["served"], totals["new"]


PERIODS = [
    (dt.date(2026, 2, 1), MARCH),
    (MARCH, APRIL),
    (dt.date(2026, 3, 9), dt.date(2026, 3, 10)),
    (dt.date(2026, 3, 16), APRIL),
    (dt.date(2025, 1, 1), dt.date(2027, 1, 1)),
]


def test_new_patrons_equal_the_original_definition_with_and_without_kept_first_activity(world):
    from stats.models import PatronFirstActivity
    from stats.services import patron_first_activity_refresh

    def both(start, end, branch):
        values = compute_figures(start=start, end=end, branch=branch, keys=["patrons.served", "patrons.new"]).values
        return values["patrons.served"], values["patrons.new"]

    branches = [None, world.central, world.east]
    assert not PatronFirstActivity.objects.exists()
    for start, end in PERIODS:
        for branch in branches:
            assert both(start, end, branch) == first_activity_as_before(start, end, branch), (start, branch)

    assert patron_first_activity_refresh() > 0
    for start, end in PERIODS:
        for branch in branches:
            assert both(start, end, branch) == first_activity_as_before(start, end, branch), (start, branch)
    assert compute_figures(start=MARCH, end=APRIL).values["patrons.new"] == MARCH_VALUES["patrons.new"]


def test_first_activity_refresh_keeps_the_earliest_and_forgets_what_was_undone(world):
    from stats.models import PatronFirstActivity
    from stats.services import patron_first_activity_refresh

    patron_first_activity_refresh()
    kept = dict(PatronFirstActivity.objects.values_list("patron_id", "at"))
    booking = world.bookings["a"]
    assert kept[booking.patron_id] <= booking.starts_at

    loner = PatronFactory()
    attended(book(booking.service_type, loner, StaffMemberFactory(), at(20, 16)))
    patron_first_activity_refresh()
    assert PatronFirstActivity.objects.get(patron=loner).at == at(20, 16)

    Booking.objects.filter(patron=loner).update(status=Booking.Status.NO_SHOW)
    patron_first_activity_refresh()
    assert not PatronFirstActivity.objects.filter(patron=loner).exists()
    assert dict(PatronFirstActivity.objects.values_list("patron_id", "at")) == kept


def test_the_dashboards_figures_alone_equal_the_same_figures_computed_with_all_the_others(world):
    from stats.dashboard import SHOWN_KEYS

    for branch in (None, world.central, world.east):
        every = compute_figures(start=MARCH, end=APRIL, branch=branch).values
        shown = compute_figures(start=MARCH, end=APRIL, branch=branch, keys=SHOWN_KEYS).values
        assert shown == {key: every[key] for key in SHOWN_KEYS}


def test_the_dashboards_figures_take_fewer_queries_whatever_the_data(world, django_assert_max_num_queries):
    from stats.dashboard import SHOWN_KEYS

    with django_assert_max_num_queries(10):
        compute_figures(start=MARCH, end=APRIL, keys=SHOWN_KEYS)
    with django_assert_max_num_queries(10):
        compute_figures(start=MARCH, end=APRIL, branch=world.east, keys=SHOWN_KEYS)


def test_unknown_figures_are_refused(db):
    with pytest.raises(ValueError, match="No such figures"):
        compute_figures(start=MARCH, end=APRIL, keys=["patrons.everyone"])
