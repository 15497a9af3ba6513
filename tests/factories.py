"""Builders shared by every app's tests: factories for rows, and helpers that build a moment, a booking, a staffed
help desk, a program's sessions, a registration and the data a public form posts."""

import datetime as dt
import zoneinfo
from collections.abc import Iterable

import factory
from django.contrib.auth.models import Group, User
from django.urls import reverse
from django.utils import timezone
from psycopg2.extras import DateTimeTZRange

from bookings.models import Booking, Equipment, EquipmentKind, ServiceType
from makerlab.cards import card_number_make
from makerlab.models import Branch, Closure, OpeningHours, Patron
from programs.models import Audience, Category, Program, Registration, Session
from programs.services.registration import ParticipantDetails, RegistrantDetails, registration_create
from seedlibrary.models import Category as SeedCategory
from seedlibrary.models import (
    Difficulty,
    GerminationTest,
    Lot,
    Orientation,
    PlantFamily,
    Stock,
    Variety,
)
from staffing.models import (
    DATE_OF_BIRTH_KINDS,
    Assignment,
    Qualification,
    Shift,
    ShiftRole,
    Skill,
    StaffKind,
    StaffMember,
)

TORONTO = zoneinfo.ZoneInfo("America/Toronto")


def at(day: dt.date, hour: int, minute: int = 0, zone: zoneinfo.ZoneInfo = TORONTO) -> dt.datetime:
    """A wall-clock time on ``day``, in Toronto unless another ``zone`` is given."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Branch {n}")
    slug = factory.Sequence(lambda n: f"branch-{n}")
    street_address = "153 Curtis Street"
    city = "St. Thomas"
    postal_code = "N5P 3Z7"
    phone = "519-555-0142"

    @factory.post_generation
    def hours(self, create: bool, extracted, **kwargs) -> None:
        """Open 9:30 to 17:00 every day unless ``hours=`` gives {weekday: [(opens, closes)]}."""
        if not create:
            return
        windows = extracted if extracted is not None else {day: [(dt.time(9, 30), dt.time(17, 0))] for day in range(7)}
        OpeningHours.objects.bulk_create(
            OpeningHours(branch=self, weekday=day, opens=opens, closes=closes)
            for day, spans in windows.items()
            for opens, closes in spans
        )


class ClosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Closure

    branch = factory.SubFactory(BranchFactory)
    start_date = dt.date(2026, 12, 24)
    end_date = factory.SelfAttribute("start_date")
    reason = "Staff development day"


class PatronFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patron

    # Far above the numbers tests write out themselves (card_number_make(777)), however many patrons came before.
    card_number = factory.Sequence(lambda n: card_number_make(n + 1_000_001))
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda p: f"{p.first_name}.{p.last_name}@example.net".lower())
    phone = "519-555-0100"
    reminder_consent = True


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@library.example")
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs) -> None:
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))


class StaffMemberFactory(factory.django.DjangoModelFactory):
    """A library assistant unless ``kind`` says otherwise; volunteers and students get an adult birth date."""

    class Meta:
        model = StaffMember

    user = factory.SubFactory(UserFactory, is_staff=False)
    kind = StaffKind.LIBRARY_ASSISTANT
    date_of_birth = factory.LazyAttribute(lambda s: dt.date(2000, 5, 17) if s.kind in DATE_OF_BIRTH_KINDS else None)
    emergency_contact_name = "Pat Doe"
    emergency_contact_phone = "519-555-0199"


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Skill {n}")


class QualificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Qualification

    staff_member = factory.SubFactory(StaffMemberFactory)
    skill = factory.SubFactory(SkillFactory)
    granted_on = dt.date(2024, 1, 1)


class ShiftFactory(factory.django.DjangoModelFactory):
    """A published two-hour 1-on-1 help desk shift; give ``starts_at`` as an aware datetime."""

    class Meta:
        model = Shift
        skip_postgeneration_save = True

    branch = factory.SubFactory(BranchFactory)
    role = ShiftRole.HELP_DESK
    starts_at = factory.LazyFunction(
        lambda: dt.datetime.combine(timezone.localdate() + dt.timedelta(days=7), dt.time(10), tzinfo=TORONTO)
    )
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + dt.timedelta(hours=2))
    min_headcount = 1
    max_headcount = 2
    is_published = True

    @factory.post_generation
    def required_skills(self, create: bool, extracted, **kwargs) -> None:
        if create and extracted:
            self.required_skills.set(extracted)


class AssignmentFactory(factory.django.DjangoModelFactory):
    """Created directly, skipping the warning checks; tests of the rules call the services."""

    class Meta:
        model = Assignment

    shift = factory.SubFactory(ShiftFactory)
    staff_member = factory.SubFactory(StaffMemberFactory)
    period = factory.LazyAttribute(lambda a: DateTimeTZRange(a.shift.starts_at, a.shift.ends_at, "[)"))


class EquipmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Equipment

    name = factory.Sequence(lambda n: f"Laser cutter {n}")
    kind = EquipmentKind.LASER_CUTTER
    branch = factory.SubFactory(BranchFactory)


class ServiceTypeFactory(factory.django.DjangoModelFactory):
    """45-minute tech help with a 15-minute buffer, bookable from 2 hours to 28 days ahead."""

    class Meta:
        model = ServiceType

    name = factory.Sequence(lambda n: f"Tech help {n}")
    slug = factory.Sequence(lambda n: f"tech-help-{n}")
    description = "Help with your phone, tablet or laptop."
    branch = factory.SubFactory(BranchFactory)
    duration_minutes = 45
    buffer_minutes = 15
    required_skill = factory.SubFactory(SkillFactory, name="Tech help")


class ProgramFactory(factory.django.DjangoModelFactory):
    """A published teen program at a branch: 12 places, 10 on the waitlist, registration open."""

    class Meta:
        model = Program

    title = factory.Sequence(lambda n: f"Teen coding club {n}")
    slug = factory.Sequence(lambda n: f"teen-coding-club-{n}")
    description = "Build games in Python over six weeks."
    category = Category.CODING
    audience = Audience.TEENS
    min_age = 12
    max_age = 17
    branch = factory.SubFactory(BranchFactory)
    capacity = 12
    waitlist_capacity = 10
    is_published = True


class PlantFamilyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlantFamily
        django_get_or_create = ("name",)

    name = "Solanaceae"
    common_name = "Nightshade family"
    viability_years = 4


class VarietyFactory(factory.django.DjangoModelFactory):
    """A published, easy-to-save tomato, started indoors 6 weeks before the last frost."""

    class Meta:
        model = Variety

    common_name = "Tomato"
    variety_name = factory.Sequence(lambda n: f"Heirloom {n}")
    slug = factory.Sequence(lambda n: f"tomato-heirloom-{n}")
    botanical_name = "Solanum lycopersicum"
    family = factory.SubFactory(PlantFamilyFactory)
    category = SeedCategory.VEGETABLE
    difficulty = Difficulty.EASY
    difficulty_reason = "Self-pollinating: seed comes true with little isolation."
    heirloom = True
    days_to_maturity = 80
    sow_indoors_weeks_before_frost = 6
    spacing_cm = 60
    isolation_distance_m = 3
    is_published = True


class LotFactory(factory.django.DjangoModelFactory):
    """A commercially donated lot of this year's harvest, in quarantine (see ``lendable_lot``)."""

    class Meta:
        model = Lot

    variety = factory.SubFactory(VarietyFactory)
    code = factory.Sequence(lambda n: f"LOT-{n:05d}")
    source = Lot.Source.COMMERCIAL_DONATION
    donor_name = "Ontario Seed Company"
    harvest_year = factory.LazyFunction(lambda: timezone.localdate().year)


class GerminationTestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GerminationTest

    lot = factory.SubFactory(LotFactory)
    started_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=10))
    counted_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=3))
    seeds_tested = 20
    seeds_sprouted = 18


class StockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stock

    lot = factory.SubFactory(LotFactory)
    branch = factory.SubFactory(BranchFactory)
    packets = 10


class OrientationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Orientation

    patron = factory.SubFactory(PatronFactory)


def lendable_lot(*, branch: Branch, packets: int = 10, variety: Variety | None = None, **lot_fields) -> Lot:
    """An available lot with a passing germination test and ``packets`` on the shelf at ``branch``."""
    lot = LotFactory(status=Lot.Status.AVAILABLE, **({"variety": variety} if variety else {}), **lot_fields)
    GerminationTestFactory(lot=lot)
    StockFactory(lot=lot, branch=branch, packets=packets)
    return lot


class SurveysSentFactory(factory.django.DjangoModelFactory):
    """A count of emailed immediate surveys about digital-learning sessions in March 2026."""

    class Meta:
        model = "stats.SurveysSent"

    kind = "immediate"
    channel = "email"
    service_area = "digital_learning"
    month = dt.date(2026, 3, 1)
    count = 1


def survey_link(
    *,
    kind: str = "immediate",
    service_area: str = "digital_learning",
    month: dt.date = dt.date(2026, 3, 1),
    open_until: dt.date | None = None,
    program=None,
    service_type=None,
    branch=None,
) -> str:
    """The token of a signed survey link, as an email or the QR code would carry it (open 30 days by default)."""
    from stats.surveys import survey_link_new, survey_link_token

    link = survey_link_new(
        kind=kind,
        service_area=service_area,
        month=month,
        open_until=open_until or timezone.localdate() + dt.timedelta(days=30),
        program_id=program.pk if program else None,
        service_type_id=service_type.pk if service_type else None,
        branch_id=branch.pk if branch else None,
    )
    return survey_link_token(link)


class SurveyResponseFactory(factory.django.DjangoModelFactory):
    """Answers to an immediate survey about a digital-learning session in March 2026, given that month."""

    class Meta:
        model = "stats.SurveyResponse"

    kind = "immediate"
    service_area = "digital_learning"
    month = dt.date(2026, 3, 1)
    answered_in = factory.SelfAttribute("month")
    learned = 4
    confident = 4
    intend_to_apply = 5
    more_aware = 3


def build_desk(days: dt.date | Iterable[dt.date], *, people: int = 1, branch=None, skill=None) -> ServiceType:
    """A "Tech help" service with ``people`` qualified staff on a 13:00-16:00 desk shift on each of ``days``."""
    days = [days] if isinstance(days, dt.date) else list(days)
    branch = branch or BranchFactory(observes_statutory_holidays=False, phone="519-555-0100")
    skill = skill or SkillFactory(name="Tech help")
    service = ServiceTypeFactory(branch=branch, required_skill=skill)
    staff = []
    for _ in range(people):
        person = StaffMemberFactory()
        QualificationFactory(staff_member=person, skill=skill)
        staff.append(person)
    for day in days:
        shift = ShiftFactory(branch=branch, starts_at=at(day, 13), ends_at=at(day, 16), max_headcount=people)
        for person in staff:
            AssignmentFactory(shift=shift, staff_member=person)
    return service


def make_booking(
    *,
    starts_at: dt.datetime,
    service_type: ServiceType | None = None,
    patron: Patron | None = None,
    staff_member: StaffMember | None = None,
    status: str = Booking.Status.BOOKED,
    created_at: dt.datetime | None = None,
    **fields,
) -> Booking:
    """A booking made directly, for tests of the desk, reminders, admin and agenda (not of booking itself)."""
    service_type = service_type or ServiceTypeFactory()
    patron = patron or PatronFactory()
    staff_member = staff_member or StaffMemberFactory()
    ends_at = starts_at + dt.timedelta(minutes=service_type.duration_minutes)
    busy_until = ends_at + dt.timedelta(minutes=service_type.buffer_minutes)
    values = {
        "contact_name": f"{patron.first_name} {patron.last_name}",
        "contact_email": patron.email or "patron@example.net",
        "reminder_consent": True,
        "created_at": created_at or starts_at - dt.timedelta(days=7),
        **fields,
    }
    return Booking.objects.create(
        service_type=service_type,
        branch=service_type.branch,
        patron=patron,
        staff_member=staff_member,
        equipment=service_type.equipment,
        starts_at=starts_at,
        ends_at=ends_at,
        busy=DateTimeTZRange(starts_at, busy_until, "[)"),
        status=status,
        **values,
    )


def booking_form_data(starts_at: dt.datetime, sequence: int = 1, **overrides) -> dict[str, str]:
    """What the public booking form posts; an override of None leaves the field out."""
    data = {
        "starts_at": starts_at.isoformat(),
        "card_number": card_number_make(sequence),
        "name": "Doris Campbell",
        "email": "doris@example.net",
        "phone": "",
        "accessibility_needs": "",
        "reminder_consent": "on",
        "website": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def with_sessions(program: Program, *, days=(3,), hour=15) -> Program:
    """``program`` with a one-hour session at ``hour`` on each day that many days from today."""
    today = timezone.localdate()
    zone = timezone.get_default_timezone()
    for offset in days:
        start = dt.datetime.combine(today + dt.timedelta(days=offset), dt.time(hour), tzinfo=zone)
        Session.objects.create(program=program, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    return program


def register_url(program: Program) -> str:
    return reverse("programs:register", args=[program.slug])


def registration_form_data(sequence=1, **overrides) -> dict[str, str]:
    """What the public registration form posts: a parent registering one child, Ada, 7."""
    data = {
        "card_number": card_number_make(sequence),
        "name": "Doris Campbell",
        "email": f"doris{sequence}@example.net",
        "phone": "",
        "coming": "",
        "my_age": "",
        "child_1_name": "Ada",
        "child_1_age": "7",
        "child_2_name": "",
        "child_2_age": "",
        "child_3_name": "",
        "child_3_age": "",
        "accommodations": "",
        "website": "",
    }
    data.update(overrides)
    return data


# Card numbers of their own, apart from PatronFactory's.
_registrant_sequence = iter(range(10_000, 99_999))


def registration_for(program: Program, **overrides) -> Registration:
    """A registration for one child, Ana, 13, made through the registration service."""
    n = next(_registrant_sequence)
    values = {
        "card_number": card_number_make(n),
        "name": f"Parent {n}",
        "email": f"parent{n}@example.net",
        "phone": "519-555-0100",
        "participants": [ParticipantDetails(first_name="Ana", age=13, is_child=True)],
    }
    return registration_create(program=program, details=RegistrantDetails(**{**values, **overrides}))


# What the outcome survey posts when it is answered well.
SURVEY_ANSWERS = {
    "learned": "5",
    "confident": "4",
    "intend_to_apply": "0",
    "more_aware": "",
    "liked_most": "The volunteer was patient with me.",
    "could_do_better": "",
    "website": "",
}
