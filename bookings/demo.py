"""Demo bookings for the Central Library: the services a Maker Lab offers (1-on-1 help, orientations and time
on the 3D printer for those the orientation trained), its machines, a year of past sessions with a real mix
of attended, missed and cancelled, and upcoming bookings in the published shifts.

Called by ``manage.py load_demo`` after the staffing demo (it needs the skills, people and shifts).
Safe to run again: services and equipment are matched by name, and past and upcoming bookings are
only made when there are none yet.
"""

import datetime as dt
import random
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from psycopg2.extras import DateTimeTZRange

from bookings.models import Booking, Equipment, EquipmentKind, IntakeQuestion, ServiceType, Training
from bookings.selectors import open_slots
from makerlab.demo import DemoContext
from makerlab.models import Branch, Patron
from staffing.models import Qualification, Skill

PAST_DAYS = 365
PAST_PER_DAY = 4  # sessions on an ordinary day, times --scale
UPCOMING_SHARE = 0.35  # of the open times in the coming weeks

EQUIPMENT = [
    ("Prusa MK4 3D printer", EquipmentKind.PRINTER_3D, 365),
    ("Glowforge Pro laser cutter", EquipmentKind.LASER_CUTTER, 180),
    ("Cricut Maker 3", EquipmentKind.VINYL_CUTTER, 365),
    ("Brother CS7000X sewing machine", EquipmentKind.SEWING_MACHINE, 730),
    ("Podcast studio (room 2)", EquipmentKind.PODCAST_STUDIO, 365),
]

ORIENTATION, MACHINE_TIME = "orientation", "machine time"

# slug, name, minutes, skill, equipment, kind (help when None), description, questions, outcome topics
SERVICES = [
    (
        "tech-help",
        "Tech help: phone, tablet, laptop",
        45,
        "Tech help",
        None,
        None,
        "1-on-1 help with your own phone, tablet or laptop: settings, apps, photos, video calls.",
        [("Which device will you bring?", True), ("What would you like help with?", True)],
        ["Set up a new phone", "Video calls with family", "Move photos to a laptop", "Update an app", "Wi-Fi"],
    ),
    (
        "email-accounts",
        "Email and online accounts",
        45,
        "Tech help",
        None,
        None,
        "Help to set up or get back into email, the library's apps, government and banking sites. "
        "Staff will not see or write down your passwords.",
        [("Which account or website is it about?", True)],
        ["New Gmail account", "Password reset", "Libby and the library app", "My Service Canada account"],
    ),
    (
        "3d-printing-orientation",
        "3D printing orientation",
        60,
        "3D printer",
        "Prusa MK4 3D printer",
        ORIENTATION,
        "Learn to slice a model and print it safely. After it you can book time on the printers.",
        [("Have you used a 3D printer before?", False)],
        ["First print", "Slicing in PrusaSlicer", "Changing filament"],
    ),
    (
        "laser-cutter-orientation",
        "Laser cutter orientation",
        90,
        "Laser cutter",
        "Glowforge Pro laser cutter",
        ORIENTATION,
        "Safety, materials and a first cut.",
        [("What would you like to make?", False)],
        ["Safety and first cut", "Engraving wood", "Materials that are allowed"],
    ),
    (
        "cricut-help",
        "Cricut / vinyl cutter help",
        60,
        "Vinyl cutter",
        "Cricut Maker 3",
        ORIENTATION,
        "Design in Cricut Design Space and cut vinyl, card or iron-on.",
        [],
        ["Iron-on T-shirt", "Vinyl stickers", "Cards and invitations"],
    ),
    (
        "sewing-basics",
        "Sewing machine basics",
        60,
        "Sewing machine",
        "Brother CS7000X sewing machine",
        ORIENTATION,
        "Threading, bobbins and straight seams.",
        [],
        ["Threading and bobbin", "Hemming trousers", "A tote bag"],
    ),
    (
        "podcast-studio-orientation",
        "Podcast studio orientation",
        60,
        "Podcast studio",
        "Podcast studio (room 2)",
        ORIENTATION,
        "Microphones, the mixer and recording in Audacity.",
        [],
        ["Recording a first episode", "Editing in Audacity", "Microphone set-up"],
    ),
    (
        "3d-printer-time",
        "3D printer time",
        120,
        "3D printer",
        "Prusa MK4 3D printer",
        MACHINE_TIME,
        "Two hours on the 3D printer for your own print, with staff nearby. For patrons who took the "
        "3D printing orientation.",
        [("What will you print?", False)],
        ["Own print", "Multi-part print", "Print failed, tried again"],
    ),
]

# What each service asks patrons to bring, shown on its own line.
WHAT_TO_BRING = {
    "tech-help": "Your device, charged, and any passwords you might need.",
    "email-accounts": "Your phone, tablet or laptop if you have one, and any letter or code the website sent you.",
    "3d-printing-orientation": "Your library card. Filament and a practice model are provided.",
    "laser-cutter-orientation": "Closed-toe shoes, and a tie for long hair. Wood for your first cut is provided.",
    "cricut-help": "Your design idea, as a picture or a sketch. Vinyl and card for practice are provided.",
    "sewing-basics": "Reading glasses if you use them. Fabric for practice is provided.",
    "podcast-studio-orientation": "A co-host if you have one, and your own headphones if you prefer them.",
    "3d-printer-time": "Your model on a USB stick. Filament is provided.",
}
# Services with an age minimum, for safety on the equipment.
MINIMUM_AGE = {"laser-cutter-orientation": 16}

HOURS = (10, 11, 13, 14, 15, 18)
# How often each service was booked in the past year; machine time only begins with the coming weeks,
# booked by the patrons the past orientations trained.
PAST_WEIGHTS = [5, 4, 2, 1, 1, 1, 1, 0]


@dataclass
class BookingsDemoSummary:
    services: int = 0
    equipment: int = 0
    past: int = 0
    upcoming: int = 0
    trainings: int = 0


def bookings_demo_step(context: DemoContext) -> str:
    """The step ``load_demo`` runs (registered in BookingsConfig)."""
    made = bookings_demo_load(branch=context.branch, now=context.now, scale=context.scale, rng=context.rng)
    return (
        f"{made.services} services on {made.equipment} machines, {made.past} past and {made.upcoming} upcoming "
        f"bookings, {made.trainings} trainings"
    )


def bookings_demo_load(
    *, branch: Branch, now: dt.datetime, scale: int = 1, rng: random.Random | None = None
) -> BookingsDemoSummary:
    rng = rng or random.Random(2026)  # noqa: S311 -- demo data, repeatable on purpose
    equipment = _equipment(branch)
    services = _services(branch, equipment)
    summary = BookingsDemoSummary(services=len(services), equipment=len(equipment))
    patrons = list(Patron.objects.filter(anonymised_at__isnull=True).order_by("pk")[: 400 * scale])
    if not patrons:
        return summary
    if not Booking.objects.filter(branch=branch, starts_at__lt=now).exists():
        summary.past, summary.trainings = _past(branch, services, patrons, now=now, scale=scale, rng=rng)
    if not Booking.objects.filter(branch=branch, starts_at__gte=now).exists():
        summary.upcoming = _upcoming(services, patrons, now=now, rng=rng)
    return summary


def _equipment(branch: Branch) -> dict[str, Equipment]:
    made = {}
    for name, kind, valid_days in EQUIPMENT:
        made[name], _ = Equipment.objects.get_or_create(
            branch=branch, name=name, defaults={"kind": kind, "training_valid_days": valid_days}
        )
    return made


def _services(branch: Branch, equipment: dict[str, Equipment]) -> list[tuple[ServiceType, list[str]]]:
    skills = {skill.name: skill for skill in Skill.objects.all()}
    made = []
    for order, (slug, name, minutes, skill, machine, kind, description, questions, topics) in enumerate(SERVICES):
        if skill not in skills:
            skills[skill], _ = Skill.objects.get_or_create(name=skill)
        service, created = ServiceType.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "description": description,
                "what_to_bring": WHAT_TO_BRING[slug],
                "minimum_age": MINIMUM_AGE.get(slug),
                "branch": branch,
                "duration_minutes": minutes,
                "buffer_minutes": 15,
                "required_skill": skills[skill],
                "equipment": equipment[machine] if machine else None,
                "trains_on_equipment": kind == ORIENTATION,
                "requires_training": kind == MACHINE_TIME,
                "max_future_bookings": 1 if kind == ORIENTATION else 2,
                "display_order": order,
            },
        )
        if created:
            IntakeQuestion.objects.bulk_create(
                IntakeQuestion(service_type=service, text=text, required=required, order=index)
                for index, (text, required) in enumerate(questions)
            )
        made.append((service, topics))
    return made


def _past(branch, services, patrons, *, now: dt.datetime, scale: int, rng: random.Random) -> tuple[int, int]:
    """A year of sessions, created directly: they are history, not offers (no shifts were kept that long)."""
    zone = branch.zone
    qualified: dict[int, list[int]] = {}
    for staff_member_id, skill_id in Qualification.objects.values_list("staff_member_id", "skill_id"):
        qualified.setdefault(skill_id, []).append(staff_member_id)
    today = now.astimezone(zone).date()
    bookings, trainings = [], {}
    # Each session gets its own staff member and machine in its hour; the hour slots keep the buffer free.
    for days_ago in range(PAST_DAYS, 0, -1):
        day = today - dt.timedelta(days=days_ago)
        if day.weekday() == 6:
            continue
        used: set[tuple[str, int, int]] = set()
        for _ in range(rng.randint(PAST_PER_DAY - 2, PAST_PER_DAY + 2) * scale):
            service, topics = rng.choices(services, weights=PAST_WEIGHTS[: len(services)])[0]
            people = qualified.get(service.required_skill_id)
            if not people:
                continue
            hour = rng.choice(HOURS)
            person = rng.choice(people)
            span = range(hour, hour + -(-(service.duration_minutes + service.buffer_minutes) // 60))
            needs = [("staff", person, h) for h in span]
            if service.equipment_id:
                needs += [("machine", service.equipment_id, h) for h in span]
            if used.intersection(needs):
                continue
            used.update(needs)
            starts = dt.datetime.combine(day, dt.time(hour), tzinfo=zone)
            ends = starts + dt.timedelta(minutes=service.duration_minutes)
            created = starts - dt.timedelta(days=rng.randint(1, 20))
            patron = rng.choice(patrons)
            roll = rng.random()
            status = (
                Booking.Status.ATTENDED
                if roll < 0.75
                else Booking.Status.NO_SHOW
                if roll < 0.85
                else Booking.Status.CANCELLED
            )
            booking = Booking(
                service_type=service,
                branch=branch,
                patron=patron,
                staff_member_id=person,
                equipment_id=service.equipment_id,
                starts_at=starts,
                ends_at=ends,
                busy=DateTimeTZRange(starts, ends + dt.timedelta(minutes=service.buffer_minutes), "[)"),
                status=status,
                contact_name=f"{patron.first_name} {patron.last_name}".strip(),
                contact_email=patron.email or "patron@example.net",
                reminder_consent=patron.reminder_consent,
                created_at=created,
                cancelled_at=created + (starts - created) / 2 if status == Booking.Status.CANCELLED else None,
            )
            if status == Booking.Status.ATTENDED:
                booking.outcome_topic = rng.choice(topics)
                booking.outcome_resolved = rng.random() < 0.8
            bookings.append(booking)
    Booking.objects.bulk_create(bookings, batch_size=2000)
    for booking in bookings:
        if booking.status == Booking.Status.ATTENDED and booking.service_type.trains_on_equipment:
            day = booking.starts_at.astimezone(zone).date()
            valid = booking.service_type.equipment.training_valid_days
            trainings[(booking.patron_id, booking.equipment_id)] = Training(
                patron_id=booking.patron_id,
                equipment_id=booking.equipment_id,
                trained_on=day,
                expires_on=day + dt.timedelta(days=valid),
                booking=booking,
            )
    Training.objects.bulk_create(trainings.values(), ignore_conflicts=True, batch_size=2000)
    return len(bookings), len(trainings)


def _upcoming(services, patrons, *, now: dt.datetime, rng: random.Random) -> int:
    """Some of the open times of the coming weeks, taken as the booking service would (staff and machine free)."""
    count = 0
    trained: dict[int, list[Patron]] = {}
    current = Training.objects.filter(expires_on__gt=now.date(), patron__anonymised_at__isnull=True)
    for training in current.select_related("patron").order_by("pk"):
        trained.setdefault(training.equipment_id, []).append(training.patron)
    # Machine time first, once, for the first patron trained: the orientations would fill the machine's hours.
    for service, _ in services:
        first = next(iter(open_slots(service_type=service, now=now)), None) if service.requires_training else None
        if first is not None and trained.get(service.equipment_id):
            count += _book(service, first, trained[service.equipment_id][0], created_at=now - dt.timedelta(days=1))
    for service, _ in services:
        can_book = trained.get(service.equipment_id, []) if service.requires_training else patrons
        if not can_book:
            continue
        for slot in open_slots(service_type=service, now=now):
            if rng.random() > UPCOMING_SHARE:
                continue
            patron = rng.choice(can_book)
            count += _book(service, slot, patron, created_at=now - dt.timedelta(days=rng.randint(0, 10)))
    return count


def _book(service: ServiceType, slot, patron: Patron, *, created_at: dt.datetime) -> int:
    """Book ``slot`` for ``patron``; 0 when an earlier booking of this run took its staff member or machine."""
    busy_until = slot.ends_at + dt.timedelta(minutes=service.buffer_minutes)
    try:
        with transaction.atomic():
            Booking.objects.create(
                service_type=service,
                branch=service.branch,
                patron=patron,
                staff_member_id=slot.staff_member_ids[0],
                equipment=service.equipment,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                busy=DateTimeTZRange(slot.starts_at, busy_until, "[)"),
                contact_name=f"{patron.first_name} {patron.last_name}".strip(),
                contact_email=patron.email or "patron@example.net",
                reminder_consent=patron.reminder_consent,
                created_at=created_at,
            )
    except IntegrityError:
        return 0
    return 1
