"""Demo programs: a partner site, a term of programs at the Central Library starting next week with
registrations and a waitlist, and a year of past workshops and drop-ins with attendance and headcounts.

Called by ``manage.py load_demo`` after the bookings demo (it needs the staff and the demo patrons).
Safe to run again: programs are matched by slug, and a program's sessions and registrations are only
made when the program itself is new. The term's programs use the branch's machines (3D printers for the
family design sessions, sewing machines for sewing basics), so those are not bookable while they run;
Intro to Arduino runs into the Wednesday evening help desk shift of one of its facilitators, so the
desk offers only the other person on that shift until the program ends. The teen maker club and the sewing
circle are weekly drop-ins run by the people on the staffing demo's program shifts. Three of the term's
programs have a picture (programs/demo_pictures.py), stored in MEDIA_ROOT.
"""

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.utils import timezone

from bookings.models import Equipment, EquipmentKind
from makerlab.cards import card_number_make
from makerlab.demo import DemoContext
from makerlab.models import Branch, Notification, Patron
from makerlab.months import add_months
from programs.demo_pictures import PICTURES, demo_pictures_add
from programs.models import (
    AgeGroup,
    Attendance,
    Audience,
    Category,
    Headcount,
    Participant,
    PartnerSite,
    Program,
    Registration,
    RegistrationEvent,
    Session,
)
from programs.services.registration import ParticipantDetails, RegistrantDetails, registration_create
from staffing.models import Qualification, StaffMember

# Registrants of the upcoming term get their own cards, far above the demo patrons' (40 per --scale, at most 40,000).
CARD_SEQUENCE_START = 5_000_001
PAST_MONTHS = 12

PARTNER = {
    "name": "Northside Seniors' Centre",
    "organisation": "Elgin Seniors Association",
    "street_address": "45 Wellington Street",
    "city": "St. Thomas",
    "postal_code": "N5R 2P9",
}

FIRST_NAMES = [
    "Olivia", "Liam", "Amelia", "Noah", "Charlotte", "Lucas", "Aaliyah", "Mohammed", "Chloe", "Arjun",
    "Sophie", "Benjamin", "Mei", "Gurpreet", "Hannah", "Mateo", "Fatima", "Ethan", "Isabelle", "Wei",
    "Priya", "Owen", "Zara", "Declan", "Simran", "Nathan", "Ayesha", "Connor", "Maya", "Kofi",
]  # fmt: skip
LAST_NAMES = [
    "Tremblay", "MacDonald", "Gagnon", "Campbell", "Singh", "Patel", "Nguyen", "Chen", "Ahmed", "Kowalski",
    "O'Neill", "Van Dyk", "Thompson", "Lavoie", "Mohamud", "Fraser", "Janzen", "Boateng", "Reid", "Dhillon",
]  # fmt: skip
CHILD_NAMES = [
    "Ava", "Jack", "Ella", "Leo", "Nora", "Owen", "Ruby", "Eli", "Layla", "Kai",
    "Zoe", "Theo", "Isla", "Sami", "Mila", "Omar", "Lily", "Ryan", "Aria", "Dev",
]  # fmt: skip


@dataclass(frozen=True)
class Term:
    slug: str
    title: str
    description: str
    category: str
    audience: str
    min_age: int | None
    max_age: int | None
    weekday: int  # 0 is Monday
    starts: dt.time
    minutes: int
    sessions: int
    capacity: int
    places_per_registration: int
    skill: str
    room: str = "Maker Lab"
    registrations: int = 0  # how many sign up (more than the capacity fills the waitlist)
    at_partner: bool = False
    materials: str = ""
    equipment: tuple[str, ...] = ()  # kinds of the branch's machines the sessions use
    drop_in: bool = False  # no registration; runs every week from this week, as the staff's program shifts do
    facilitated_by: tuple[str, ...] = ()  # staff logins, when the program's shift in the staffing demo names them
    guardian_may_stay: bool = False


TERM = [
    Term(
        "teen-coding-club", "Teen coding club",
        "Build your own games in Python over six weeks. No experience needed; laptops are provided.",
        Category.CODING, Audience.TEENS, 12, 17, 1, dt.time(16), 90, 6, 12, 1, "Arduino",
        registrations=15, materials="Laptops provided. Bring a USB stick if you want to take your game home.",
    ),
    Term(
        "family-3d-design", "Family 3D design",
        "Design a keychain or a toy together in Tinkercad, then watch it print on the lab's 3D printers.",
        Category.DESIGN, Audience.FAMILIES, None, None, 5, dt.time(10), 90, 2, 16, 4, "3D printer",
        registrations=5, equipment=(EquipmentKind.PRINTER_3D,),
    ),
    Term(
        "seed-starting-workshop", "Seed-starting workshop",
        "Start tomatoes, peppers and herbs indoors. Take home seeds from the seed library and a tray.",
        Category.GARDENING, Audience.ADULTS, 18, None, 2, dt.time(18, 30), 90, 1, 20, 1, "Seed library desk",
        room="Program room", registrations=11, materials="Trays, soil and seeds provided.",
    ),
    Term(
        "intro-to-arduino", "Intro to Arduino",
        "Make lights blink and buzzers buzz: simple circuits and code with Arduino kits, over four weeks.",
        Category.ELECTRONICS, Audience.CHILDREN, 10, 14, 2, dt.time(16), 90, 4, 10, 1, "Arduino",
        registrations=8, guardian_may_stay=True,
    ),
    Term(
        "sewing-basics", "Sewing basics",
        "Threading, bobbins and straight seams, then a tote bag to take home. Fabric is provided.",
        Category.TEXTILES, Audience.ADULTS, 16, None, 0, dt.time(18), 120, 3, 8, 1, "Sewing machine",
        registrations=7, equipment=(EquipmentKind.SEWING_MACHINE,),
    ),
    Term(
        "tech-help-cafe", "Tech help café",
        "Drop in with your phone, tablet or laptop and a question. Coffee and tea are on the Centre.",
        Category.DIGITAL_LITERACY, Audience.ADULTS, None, None, 4, dt.time(10), 120, 2, 12, 1, "Tech help",
        room="", at_partner=True,
    ),
    Term(
        "teen-maker-club", "Teen maker club",
        "Drop in after school to tinker: Arduino kits, 3D pens and your own projects, with staff to help.",
        Category.ELECTRONICS, Audience.TEENS, 12, 17, 2, dt.time(18), 120, 8, 0, 0, "Arduino",
        drop_in=True, facilitated_by=("coordinator", "okowalski"),
    ),
    Term(
        "sewing-circle", "Sewing circle",
        "Bring a mending or sewing project and work on it with others. Machines, thread and help on hand.",
        Category.TEXTILES, Audience.ADULTS, 16, None, 5, dt.time(13, 30), 120, 8, 0, 0, "Sewing machine",
        drop_in=True, facilitated_by=("coordinator", "gsandhu"),
    ),
]  # fmt: skip

# title, category, audience, ages, sessions, minutes, skill, capacity, places per registration
PAST_WORKSHOPS = [
    ("Lino printing", Category.CRAFTS, Audience.ADULTS, (18, None), 1, 120, "Vinyl cutter", 12, 1),
    ("Family robot building", Category.ELECTRONICS, Audience.FAMILIES, (None, None), 2, 90, "Arduino", 16, 4),
    ("Mending and visible repair", Category.TEXTILES, Audience.ADULTS, (16, None), 1, 120, "Sewing machine", 8, 1),
    ("3D print a cookie cutter", Category.DESIGN, Audience.CHILDREN, (8, 12), 2, 60, "3D printer", 10, 1),
    ("Seed saving 101", Category.GARDENING, Audience.ADULTS, (18, None), 1, 90, "Seed library desk", 20, 1),
    ("Scratch game jam", Category.CODING, Audience.CHILDREN, (9, 13), 2, 90, "Arduino", 12, 1),
]


@dataclass
class ProgramsDemoSummary:
    upcoming: int = 0
    past: int = 0
    registrations: int = 0
    attendance: int = 0


def programs_demo_step(context: DemoContext) -> str:
    """The step ``load_demo`` runs (registered in ProgramsConfig). Its draws are its own, not the shared ``rng``."""
    made = programs_demo_load(branch=context.branch, now=context.now, scale=context.scale)
    return (
        f"{made.upcoming} upcoming and {made.past} past programs with {made.registrations} registrations and "
        f"{made.attendance} attendance marks"
    )


def programs_demo_load(
    *, branch: Branch, now: dt.datetime | None = None, scale: int = 1, rng: random.Random | None = None
) -> ProgramsDemoSummary:
    now = now or timezone.now()
    rng = rng or random.Random(2026)  # noqa: S311 -- demo data, repeatable on purpose
    site, _ = PartnerSite.objects.get_or_create(name=PARTNER["name"], defaults=PARTNER)
    facilitators = _facilitators()
    _term(branch, site, facilitators, now=now, rng=rng)
    demo_pictures_add(list(Program.objects.filter(slug__in=PICTURES)))
    _past(branch, site, facilitators, now=now, scale=scale, rng=rng)
    upcoming = Program.objects.filter(sessions__starts_at__gte=now).distinct()
    return ProgramsDemoSummary(
        upcoming=upcoming.count(),
        past=Program.objects.annotate(n=Count("sessions")).filter(n__gt=0).exclude(pk__in=upcoming).count(),
        registrations=Registration.objects.count(),
        attendance=Attendance.objects.count(),
    )


def _facilitators() -> dict[str, list[int]]:
    """Staff member ids by skill name, two at most for each, in a repeatable order."""
    found: dict[str, list[int]] = {}
    for skill, person in Qualification.objects.order_by("skill__name", "staff_member_id").values_list(
        "skill__name", "staff_member_id"
    ):
        people = found.setdefault(skill, [])
        if len(people) < 2:
            people.append(person)
    return found


def _term(branch: Branch, site: PartnerSite, facilitators, *, now: dt.datetime, rng: random.Random) -> None:
    """The programs of the term that starts next week, registered for as patrons would."""
    zone = branch.zone
    today = now.astimezone(zone).date()
    next_monday = today + dt.timedelta(days=7 - today.weekday())
    card = CARD_SEQUENCE_START
    for term in TERM:
        first_day = next_monday + dt.timedelta(days=term.weekday)
        if term.drop_in and first_day - dt.timedelta(weeks=1) >= today:
            first_day -= dt.timedelta(weeks=1)
        opens = now - dt.timedelta(days=14)
        walk_in = term.at_partner or term.drop_in
        program, created = Program.objects.get_or_create(
            slug=term.slug,
            defaults={
                "title": term.title,
                "description": term.description,
                "category": term.category,
                "audience": term.audience,
                "min_age": term.min_age,
                "max_age": term.max_age,
                "branch": None if term.at_partner else branch,
                "partner_site": site if term.at_partner else None,
                "room": term.room,
                "registration_required": not walk_in,
                "capacity": term.capacity,
                "waitlist_capacity": 10,
                "places_per_registration": term.places_per_registration,
                "guardian_may_stay": term.guardian_may_stay,
                "registration_opens_at": None if walk_in else opens,
                "materials": term.materials,
                "accessibility": "Step-free entrance and an accessible washroom. Ask us about a quiet seat.",
                "is_published": True,
                "created_at": opens - dt.timedelta(days=7),
            },
        )
        card += term.registrations
        if term.equipment and not term.at_partner:
            # Added on every run (adding twice changes nothing), so a demo loaded earlier gets them too.
            program.equipment.add(*Equipment.objects.filter(branch=branch, kind__in=term.equipment))
        if not created:
            continue
        session_zone = zone if not term.at_partner else timezone.get_default_timezone()
        Session.objects.bulk_create(
            Session(
                program=program,
                starts_at=(starts := dt.datetime.combine(day, term.starts, tzinfo=session_zone)),
                ends_at=starts + dt.timedelta(minutes=term.minutes),
            )
            for day in (first_day + dt.timedelta(weeks=week) for week in range(term.sessions))
        )
        if term.facilitated_by:
            program.facilitators.set(StaffMember.objects.filter(user__username__in=term.facilitated_by))
        else:
            program.facilitators.set(facilitators.get(term.skill, []))
        made = [
            registration_create(
                program=program,
                details=_registrant(term, card - term.registrations + index, rng),
                now=opens + dt.timedelta(hours=3 + 7 * index),
            )
            for index in range(term.registrations)
        ]
        # Demo people get no emails: drop the confirmations the service queued for them.
        Notification.objects.filter(
            content_type=ContentType.objects.get_for_model(Registration),
            object_id__in=[str(registration.pk) for registration in made],
        ).delete()


def _registrant(term: Term, sequence: int, rng: random.Random) -> RegistrantDetails:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    if term.audience == Audience.FAMILIES:
        kids = rng.sample(CHILD_NAMES, rng.randint(1, 2))
        people = [ParticipantDetails(first)] + [
            ParticipantDetails(k, age=rng.randint(6, 12), is_child=True) for k in kids
        ]
    elif term.audience in (Audience.TEENS, Audience.CHILDREN):
        people = [
            ParticipantDetails(rng.choice(CHILD_NAMES), age=rng.randint(term.min_age, term.max_age), is_child=True)
        ]
    else:
        people = [ParticipantDetails(first)]
    return RegistrantDetails(
        card_number=card_number_make(sequence),
        name=f"{first} {last}",
        email=f"{first}.{last}{sequence % 10000}@example.net".lower().replace("'", "").replace(" ", ""),
        phone=f"519-555-{rng.randint(1000, 9999)}",
        participants=people,
        photo_consent=rng.random() < 0.7,
    )


def _past(branch, site, facilitators, *, now: dt.datetime, scale: int, rng: random.Random) -> None:
    """A workshop and a drop-in café every month of the past year (times --scale), created directly in bulk."""
    zone = branch.zone
    today = now.astimezone(zone).date()
    plans = []
    for months_ago in range(PAST_MONTHS, 0, -1):
        month = _month_back(today, months_ago)
        for copy in range(scale):
            suffix = f"{month:%Y-%m}" + (f"-{copy + 1}" if copy else "")
            workshop = PAST_WORKSHOPS[(months_ago + copy) % len(PAST_WORKSHOPS)]
            plans.append((f"past-{_slugify(workshop[0])}-{suffix}", month, copy, workshop))
            plans.append((f"past-tech-help-cafe-{suffix}", month, copy, None))
    existing = set(Program.objects.filter(slug__in=[slug for slug, *_ in plans]).values_list("slug", flat=True))
    plans = [plan for plan in plans if plan[0] not in existing]
    if not plans:
        return
    patrons = list(Patron.objects.filter(anonymised_at__isnull=True).order_by("pk")[: 400 * scale])
    programs, sessions = [], []
    for slug, month, copy, workshop in plans:
        # Workshops on a weekday evening or Saturday morning, in the month's second or third week.
        day = month + dt.timedelta(days=7 + rng.randint(0, 10) + copy % 3)
        if workshop is None:
            program = Program(
                title="Tech help café",
                slug=slug,
                description="Drop-in help with phones, tablets and laptops at the Northside Seniors' Centre.",
                category=Category.DIGITAL_LITERACY,
                audience=Audience.ADULTS,
                partner_site=site,
                registration_required=False,
                is_published=True,
                created_at=dt.datetime.combine(month, dt.time(9), tzinfo=zone) - dt.timedelta(days=20),
            )
            times = [dt.datetime.combine(day, dt.time(10), tzinfo=timezone.get_default_timezone())]
            minutes, skill = 120, "Tech help"
        else:
            title, category, audience, (min_age, max_age), count, minutes, skill, capacity, per = workshop
            starts = dt.datetime.combine(day, dt.time(18) if day.weekday() < 5 else dt.time(10), tzinfo=zone)
            times = [starts + dt.timedelta(weeks=week) for week in range(count)]
            program = Program(
                title=title,
                slug=slug,
                description=f"{title}: a hands-on workshop in the Maker Lab.",
                category=category,
                audience=audience,
                min_age=min_age,
                max_age=max_age,
                branch=branch,
                room="Maker Lab",
                capacity=capacity,
                places_per_registration=per,
                registration_opens_at=starts - dt.timedelta(days=21),
                registration_closes_at=starts,
                is_published=True,
                grants_seed_orientation=title == "Seed saving 101",
                created_at=starts - dt.timedelta(days=28),
            )
        programs.append((program, skill))
        sessions.append(
            [Session(program=program, starts_at=t, ends_at=t + dt.timedelta(minutes=minutes)) for t in times]
        )
    Program.objects.bulk_create([program for program, _ in programs], batch_size=1000)
    Session.objects.bulk_create([s for group in sessions for s in group], batch_size=2000)
    through = Program.facilitators.through
    through.objects.bulk_create(
        [
            through(program_id=program.pk, staffmember_id=person)
            for program, skill in programs
            for person in facilitators.get(skill, [])[:1]
        ],
        ignore_conflicts=True,
    )
    _past_people(programs, sessions, patrons, rng)


def _past_people(programs, sessions, patrons, rng: random.Random) -> None:
    registrations, events, headcounts = [], [], []
    for (program, _), group in zip(programs, sessions, strict=True):
        if not program.registration_required:
            for session in group:
                counts = {AgeGroup.SENIORS: rng.randint(6, 18), AgeGroup.ADULTS: rng.randint(0, 4)}
                headcounts += [
                    Headcount(session=session, age_group=g, count=c, recorded_at=session.ends_at)
                    for g, c in counts.items()
                    if c
                ]
            continue
        if not patrons:
            continue
        per = program.places_per_registration
        taken = 0
        for patron in rng.sample(patrons, min(len(patrons), program.capacity)):
            places = rng.randint(2, per) if per > 1 else 1
            if taken + places > program.capacity or rng.random() < 0.2:
                continue
            taken += places
            cancelled = rng.random() < 0.1
            created = program.registration_opens_at + dt.timedelta(hours=rng.randint(1, 400))
            registration = Registration(
                program=program,
                patron=patron,
                status=Registration.Status.CANCELLED if cancelled else Registration.Status.CONFIRMED,
                places=places,
                contact_name=f"{patron.first_name} {patron.last_name}".strip(),
                contact_email=patron.email or "patron@example.net",
                created_at=created,
                cancelled_at=created + dt.timedelta(days=2) if cancelled else None,
            )
            if program.audience == Audience.CHILDREN:
                registration.people = [rng.choice(CHILD_NAMES)]
            else:
                registration.people = [patron.first_name or "Guest", *rng.sample(CHILD_NAMES, places - 1)]
            registrations.append(registration)
    Registration.objects.bulk_create(registrations, batch_size=2000)
    Headcount.objects.bulk_create(headcounts, batch_size=2000)
    participants = []
    for registration in registrations:
        events.append(
            RegistrationEvent(
                registration=registration, kind=RegistrationEvent.Kind.REGISTERED, at=registration.created_at
            )
        )
        if registration.cancelled_at:
            events.append(
                RegistrationEvent(
                    registration=registration, kind=RegistrationEvent.Kind.CANCELLED, at=registration.cancelled_at
                )
            )
        for index, name in enumerate(registration.people):
            child = index > 0 or registration.program.audience == Audience.CHILDREN
            age = rng.randint(registration.program.min_age or 6, registration.program.max_age or 12) if child else None
            participants.append(Participant(registration=registration, first_name=name, age=age, is_child=child))
    RegistrationEvent.objects.bulk_create(events, batch_size=2000)
    Participant.objects.bulk_create(participants, batch_size=2000)
    by_program = {id(program): group for (program, _), group in zip(programs, sessions, strict=True)}
    Attendance.objects.bulk_create(
        [
            Attendance(session=session, participant=person, present=rng.random() < 0.85, marked_at=session.ends_at)
            for person in participants
            if person.registration.status == Registration.Status.CONFIRMED
            for session in by_program[id(person.registration.program)]
        ],
        batch_size=2000,
    )


def _month_back(today: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` before this one."""
    return add_months(today, -months)


def _slugify(title: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in title.lower()).strip("-")
