"""Demo staffing for the Central Library: the people, their skills and weeks, and a published schedule.

Called by ``manage.py load_demo``. Every write goes through staffing.services, so the demo obeys the
same rules as the coordinator: a person who would break one is simply not put on the shift, which
leaves the schedule with the few gaps a real one has. Safe to run again: it changes nothing twice.
"""

import contextlib
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection

from makerlab.demo import DemoContext
from makerlab.demo_logins import DEMO_LOGINS
from makerlab.models import Branch
from staffing import services
from staffing.models import (
    Assignment,
    HoursEntry,
    Qualification,
    Shift,
    ShiftChange,
    ShiftPattern,
    ShiftRole,
    Skill,
    StaffKind,
    StaffMember,
    TimeOff,
)

WEEKS = 8
MAX_WEEKS = 52

GROUP_OF_KIND = {
    StaffKind.COORDINATOR: "Coordinator",
    StaffKind.LIBRARY_ASSISTANT: "Library assistant",
    # Pages are library staff who work the desk with the assistants.
    StaffKind.PAGE: "Library assistant",
    StaffKind.VOLUNTEER: "Volunteer",
    StaffKind.COMMUNITY_SERVICE_STUDENT: "Volunteer",
    StaffKind.COOP_STUDENT: "Volunteer",
}
STAFF_KINDS = (StaffKind.COORDINATOR, StaffKind.LIBRARY_ASSISTANT, StaffKind.PAGE)

SKILLS = [
    ("3D printer", "Prusa printers: slicing a model, loading filament, clearing a jam.", True),
    (
        "Laser cutter",
        "The laser cutter and its extraction fan. A power tool: hours on it do not count as community involvement.",
        False,
    ),
    ("Vinyl cutter", "The vinyl cutter and the heat press.", True),
    ("Sewing machine", "The sewing machines and the serger.", True),
    ("Podcast studio", "Microphones, the mixer and Audacity.", True),
    ("Tech help", "1-on-1 help with phones, tablets, laptops, email, passwords and the library's apps.", True),
    ("Arduino", "Arduino kits and simple electronics for the teen maker club.", True),
    ("Seed library desk", "Lending and taking back seed packets, the catalogue and germination tests.", True),
    ("Police check", "Vulnerable sector check, to work with children and youth. Renewed every three years.", True),
    ("WHMIS", "Workplace Hazardous Materials Information System training. Renewed every year.", True),
]
EXPIRES_AFTER_DAYS = {"Police check": 3 * 365, "WHMIS": 365}

Window = tuple[int, str, str]


@dataclass(frozen=True)
class Person:
    username: str
    first_name: str
    last_name: str
    kind: str
    skills: tuple[str, ...]
    availability: tuple[Window, ...]
    age: int | None = None  # for volunteers and students; the date of birth is worked out from today
    born: dt.date | None = None
    school: str = ""
    weekly_hour_limit: str | None = None
    coop_agreement_hours: str | None = None
    emergency_contact: tuple[str, str] = ("", "")


def _weekdays(days: range | tuple[int, ...], starts: str, ends: str) -> tuple[Window, ...]:
    return tuple((day, starts, ends) for day in days)


PEOPLE = [
    Person(
        "coordinator",
        "Priya",
        "Raman",
        StaffKind.COORDINATOR,
        ("Tech help", "3D printer", "Laser cutter", "WHMIS", "Sewing machine", "Arduino", "Police check"),
        (*_weekdays((0, 1, 3, 4), "09:00", "17:00"), (2, "12:00", "20:30"), (5, "13:00", "16:00")),
        weekly_hour_limit="37.5",
    ),
    Person(
        "assistant",
        "Daniel",
        "Okafor",
        StaffKind.LIBRARY_ASSISTANT,
        ("Tech help", "3D printer", "WHMIS", "Podcast studio"),
        (*_weekdays((0, 2, 4), "09:30", "17:30"), (3, "12:00", "20:30")),
        weekly_hour_limit="37.5",
    ),
    Person(
        "mgagnon",
        "Marie-Claude",
        "Gagnon",
        StaffKind.LIBRARY_ASSISTANT,
        ("Tech help", "Sewing machine", "Seed library desk"),
        (*_weekdays((1, 3), "09:30", "17:30"), (5, "09:30", "17:00")),
        weekly_hour_limit="37.5",
    ),
    Person(
        "jhaddad",
        "Jamal",
        "Haddad",
        StaffKind.LIBRARY_ASSISTANT,
        ("Tech help", "3D printer", "Laser cutter", "WHMIS", "Arduino"),
        (*_weekdays((1, 2), "12:00", "20:30"), (5, "09:30", "17:00")),
        weekly_hour_limit="37.5",
    ),
    Person(
        "kvandyk",
        "Karen",
        "Van Dyk",
        StaffKind.LIBRARY_ASSISTANT,
        ("Tech help", "Vinyl cutter", "Podcast studio"),
        _weekdays((0, 1, 3), "13:00", "20:30"),
        weekly_hour_limit="37.5",
    ),
    Person(
        "enguyen",
        "Ethan",
        "Nguyen",
        StaffKind.PAGE,
        ("Tech help",),
        ((4, "13:00", "18:00"), (5, "12:00", "17:00")),
        weekly_hour_limit="15",
    ),
    Person(
        "srossi",
        "Sofia",
        "Rossi",
        StaffKind.PAGE,
        ("Tech help", "Seed library desk"),
        ((5, "09:30", "17:00"), (6, "13:00", "17:00")),
        weekly_hour_limit="15",
    ),
    Person(
        "volunteer",
        "Emma",
        "Tremblay",
        StaffKind.VOLUNTEER,
        ("Tech help", "Podcast studio", "Police check"),
        _weekdays((0, 2), "16:00", "20:30"),
        born=dt.date(1998, 6, 12),
        weekly_hour_limit="8",
        emergency_contact=("Luc Tremblay", "519-555-0171"),
    ),
    Person(
        "hmacdonald",
        "Harold",
        "MacDonald",
        StaffKind.VOLUNTEER,
        ("Tech help", "3D printer", "Laser cutter", "WHMIS", "Police check"),
        (*_weekdays((0, 3), "09:30", "17:30"), (5, "09:30", "17:00")),
        born=dt.date(1954, 2, 3),
        emergency_contact=("Joan MacDonald", "519-555-0112"),
    ),
    Person(
        "amohamud",
        "Aisha",
        "Mohamud",
        StaffKind.VOLUNTEER,
        ("Tech help", "Vinyl cutter", "Police check"),
        (*_weekdays((1, 3), "13:00", "20:30"), (5, "09:30", "13:30")),
        born=dt.date(2003, 9, 21),
        emergency_contact=("Hodan Mohamud", "519-555-0190"),
    ),
    Person(
        "gsandhu",
        "Gurpreet",
        "Sandhu",
        StaffKind.VOLUNTEER,
        ("Tech help", "Sewing machine", "Seed library desk", "Police check"),
        ((2, "13:00", "17:00"), (4, "13:00", "18:00"), (5, "13:00", "16:00")),
        born=dt.date(1979, 11, 5),
        emergency_contact=("Harjit Sandhu", "519-555-0158"),
    ),
    Person(
        "wchen",
        "Wei",
        "Chen",
        StaffKind.VOLUNTEER,
        ("3D printer", "Vinyl cutter"),
        ((1, "15:30", "20:30"), (5, "10:00", "16:00")),
        age=17,
        school="Parkside Collegiate Institute",
        weekly_hour_limit="6",
        emergency_contact=("Lin Chen", "519-555-0126"),
    ),
    Person(
        "lmartin",
        "Lucas",
        "Martin",
        StaffKind.VOLUNTEER,
        ("3D printer", "Arduino"),
        ((3, "15:30", "20:30"),),
        age=16,
        school="Arthur Voaden Secondary School",
        weekly_hour_limit="6",
        emergency_contact=("Julie Martin", "519-555-0147"),
    ),
    Person(
        "ncampbell",
        "Noah",
        "Campbell",
        StaffKind.COMMUNITY_SERVICE_STUDENT,
        ("3D printer",),
        _weekdays((1, 3), "15:30", "20:30"),
        age=16,
        school="Central Elgin Collegiate Institute",
        weekly_hour_limit="6",
        emergency_contact=("Ian Campbell", "519-555-0163"),
    ),
    Person(
        "fahmed",
        "Fatima",
        "Ahmed",
        StaffKind.COMMUNITY_SERVICE_STUDENT,
        ("3D printer", "Seed library desk"),
        ((3, "15:30", "20:30"), (5, "09:30", "13:30")),
        age=15,
        school="St. Joseph's Catholic High School",
        weekly_hour_limit="8",
        emergency_contact=("Amina Ahmed", "519-555-0185"),
    ),
    Person(
        "okowalski",
        "Olivia",
        "Kowalski",
        StaffKind.COOP_STUDENT,
        ("Tech help", "Arduino", "Podcast studio", "3D printer"),
        ((2, "15:30", "20:30"), (5, "09:30", "17:00")),
        age=18,
        school="Arthur Voaden Secondary School",
        weekly_hour_limit="12",
        coop_agreement_hours="110",
        emergency_contact=("Anna Kowalski", "519-555-0139"),
    ),
]


@dataclass(frozen=True)
class Pattern:
    weekday: int
    role: str
    starts: str
    ends: str
    skills: tuple[str, ...]
    roster: tuple[str, ...]  # who usually works it, staff first so a minor with them is supervised
    min_headcount: int = 1
    max_headcount: int = 2
    notes: str = ""
    spring_only: bool = False


HELP = ShiftRole.HELP_DESK
LAB = ShiftRole.OPEN_LAB
PATTERNS = [
    Pattern(0, HELP, "14:00", "17:00", ("Tech help",), ("assistant", "hmacdonald")),
    Pattern(0, HELP, "17:00", "20:00", ("Tech help",), ("kvandyk", "volunteer")),
    Pattern(1, HELP, "14:00", "17:00", ("Tech help",), ("mgagnon", "amohamud")),
    Pattern(1, HELP, "17:00", "20:00", ("Tech help",), ("kvandyk",)),
    Pattern(1, LAB, "16:00", "20:00", ("3D printer",), ("jhaddad", "wchen", "ncampbell"), 2, 3),
    Pattern(2, HELP, "14:00", "17:00", ("Tech help",), ("assistant", "gsandhu")),
    Pattern(2, HELP, "17:00", "20:00", ("Tech help",), ("jhaddad", "volunteer")),
    Pattern(
        2, ShiftRole.PROGRAM, "18:00", "20:00", ("Arduino",), ("coordinator", "okowalski"), notes="Teen maker club"
    ),
    Pattern(3, HELP, "14:00", "17:00", ("Tech help",), ("mgagnon", "hmacdonald")),
    Pattern(3, HELP, "17:00", "20:00", ("Tech help",), ("kvandyk", "amohamud")),
    Pattern(3, LAB, "16:00", "20:00", ("3D printer",), ("assistant", "lmartin", "fahmed"), 2, 3),
    Pattern(4, HELP, "14:00", "17:00", ("Tech help",), ("enguyen", "gsandhu")),
    Pattern(5, HELP, "10:00", "13:00", ("Tech help",), ("srossi", "amohamud")),
    Pattern(5, HELP, "13:00", "16:00", ("Tech help",), ("enguyen", "okowalski")),
    Pattern(5, LAB, "10:00", "16:00", ("3D printer", "Laser cutter"), ("jhaddad", "hmacdonald"), 2, 3),
    Pattern(
        5, ShiftRole.PROGRAM, "13:30", "15:30", ("Sewing machine",), ("coordinator", "gsandhu"), notes="Sewing circle"
    ),
    Pattern(
        5,
        ShiftRole.SEED_DESK,
        "10:00",
        "13:00",
        ("Seed library desk",),
        ("mgagnon", "fahmed"),
        notes="Seed library: spring lending",
        spring_only=True,
    ),
]
SPRING_MONTHS = (3, 4, 5)

# Jamal is away in week 3: his open lab is covered by Daniel on an override, his Saturday lab stays short.
APPROVED_TIME_OFF = ("jhaddad", 15, 19, "Ontario Library Association workshop, then a few days off")
PENDING_TIME_OFF = ("hmacdonald", 35, 41, "Visiting family in Halifax")
OVERRIDES = [
    (
        2,
        1,
        LAB,
        "16:00",
        "assistant",
        "Daniel swapped days to cover Jamal's open lab while Jamal is at the OLA workshop.",
    ),
]
# (username, week, weekday, starts, note): the first is only offered, the second claimed by Aisha.
OFFERED_SHIFT = ("volunteer", 1, 2, "17:00", "My dad's birthday dinner that evening. Can anyone take it?")
CLAIMED_SHIFT = ("kvandyk", 3, 1, "17:00", "Dentist appointment.", "amohamud")
# Next week's Tuesday open lab is left one person short, so the week schedule shows a gap and who could fill it.
OPEN_PLACES = (1, 1, LAB, "16:00", ("wchen", "ncampbell"))

# (username, days ago, hours, activity, approved, counts for community hours)
MANUAL_HOURS = [
    ("ncampbell", 35, "3", "Open lab: helped patrons slice their first 3D prints", True, True),
    ("ncampbell", 28, "3", "Open lab: reset the printers and sorted the filament", True, True),
    ("ncampbell", 21, "4", "Open lab: Tuesday evening session", True, True),
    ("ncampbell", 14, "3.5", "Seed library: packed donated bean seed", True, True),
    ("ncampbell", 9, "2", "Set up the Maker Festival booth", False, True),
    ("fahmed", 42, "3", "Seed library: counted and labelled packets", True, True),
    ("fahmed", 35, "2.5", "Seed library: updated the catalogue cards", True, True),
    ("fahmed", 21, "4", "Open lab: Thursday evening session", True, True),
    ("fahmed", 12, "3", "Helped at the fall seed swap", True, True),
    ("fahmed", 5, "2", "Germination test of saved tomato seed", False, True),
    ("wchen", 15, "2", "Open lab: helped with the laser cutter", True, False),
    ("volunteer", 30, "3", "1-on-1 help: phones and tablets for seniors", True, True),
    ("volunteer", 23, "3", "1-on-1 help: email and passwords", True, True),
    ("volunteer", 16, "3", "Tech help drop-in", True, True),
    ("volunteer", 9, "3", "Recorded a podcast episode with the teen club", False, True),
    ("okowalski", 20, "5", "Co-op orientation and safety training", True, True),
    ("okowalski", 13, "5", "Built the Arduino kits for the teen maker club", True, True),
    ("okowalski", 6, "2", "Wrote the podcast studio how-to sheet", False, True),
]

EXTRA_FIRST_NAMES = ["Doris", "Kwame", "Leah", "Tariq", "Marisol", "Gordon", "Nadia", "Jacob", "Mei", "Arjun"]
EXTRA_LAST_NAMES = ["Janzen", "Boateng", "Reid", "Hill", "Fraser", "Sato", "Lavoie", "Kowalczyk", "Patel", "Wilson"]


@dataclass
class DemoSummary:
    people: int = 0
    shifts: int = 0
    assignments: int = 0
    weeks: int = 0
    skipped: list[str] = field(default_factory=list)


def _born(today: dt.date, years: int) -> dt.date:
    """A birthday about a hundred days ago: the person stays the same age over the demo's weeks."""
    day = today - dt.timedelta(days=100)
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _time(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def staffing_demo_step(context: DemoContext) -> str:
    """The step ``load_demo`` runs (registered in StaffingConfig)."""
    made = staffing_demo_load(branch=context.branch, today=context.today, now=context.now, scale=context.scale)
    return f"{made.people} staff, volunteers and students, {made.shifts} shifts with {made.assignments} people on them"


def staffing_demo_load(
    *, branch: Branch, today: dt.date, now: dt.datetime, scale: int = 1, weeks: int | None = None
) -> DemoSummary:
    """Load the demo staff and a published schedule of ``weeks`` weeks from this week's Monday."""
    weeks = weeks or min(MAX_WEEKS, WEEKS + 4 * (scale - 1))
    monday = today - dt.timedelta(days=today.weekday())
    coordinator = get_user_model().objects.get(username=_login_for("Coordinator"))
    skills = _skills()
    people = {person.username: _person(person, skills=skills, today=today) for person in PEOPLE}
    for extra in _extra_volunteers(count=6 * (scale - 1), skills=skills, today=today):
        people[extra.user.username] = extra
    _time_off(people, monday=monday, today=today, coordinator=coordinator)
    patterns = _patterns(branch, skills=skills, today=today)
    last_day = monday + dt.timedelta(days=7 * weeks - 1)
    _generate(branch, patterns, first_day=monday, last_day=last_day)
    summary = DemoSummary(weeks=weeks)
    _overrides(branch, people, monday=monday, coordinator=coordinator)
    _rosters(patterns, people, first_day=monday, last_day=last_day, summary=summary)
    _open_places(branch, people, monday=monday)
    _shifts_worked(branch, monday=monday, today=today, coordinator=coordinator)
    _manual_hours(people, today=today, coordinator=coordinator)
    _shift_changes(branch, people, monday=monday, now=now)
    summary.people = StaffMember.objects.count()
    summary.shifts = Shift.objects.filter(branch=branch).count()
    summary.assignments = Assignment.objects.filter(shift__branch=branch).count()
    return summary


def _login_for(role: str) -> str:
    return next(login.username for login in DEMO_LOGINS if login.role == role)


def _skills() -> dict[str, Skill]:
    skills = {}
    for name, description, counts in SKILLS:
        skill, _ = Skill.objects.get_or_create(
            name=name, defaults={"description": description, "counts_for_community_hours": counts}
        )
        skills[name] = skill
    return skills


def _user(username: str, first_name: str, last_name: str, kind: str):
    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "email": f"{username}@library.example",
            "is_staff": kind in STAFF_KINDS,
        },
    )
    if created:
        # Only the demo logins have the known password; the other people cannot log in.
        user.set_unusable_password()
        user.save(update_fields=["password"])
    user.groups.add(Group.objects.get(name=GROUP_OF_KIND[kind]))
    return user


def _person(person: Person, *, skills: dict[str, Skill], today: dt.date) -> StaffMember:
    user = _user(person.username, person.first_name, person.last_name, person.kind)
    born = person.born or (_born(today, person.age) if person.age is not None else None)
    services.staff_member_check_age(kind=person.kind, date_of_birth=born, today=today)
    staff_member, created = StaffMember.objects.get_or_create(
        user=user,
        defaults={
            "kind": person.kind,
            "date_of_birth": born,
            "school": person.school,
            "emergency_contact_name": person.emergency_contact[0],
            "emergency_contact_phone": person.emergency_contact[1],
            "weekly_hour_limit": Decimal(person.weekly_hour_limit) if person.weekly_hour_limit else None,
            "coop_agreement_hours": Decimal(person.coop_agreement_hours) if person.coop_agreement_hours else None,
        },
    )
    for index, name in enumerate(person.skills):
        granted_on = today - dt.timedelta(days=120 + 30 * index)
        expires_after = EXPIRES_AFTER_DAYS.get(name)
        Qualification.objects.get_or_create(
            staff_member=staff_member,
            skill=skills[name],
            defaults={
                "granted_on": granted_on,
                "expires_on": granted_on + dt.timedelta(days=expires_after) if expires_after else None,
            },
        )
    if created:
        services.availability_set(
            staff_member=staff_member,
            windows=[(day, _time(starts), _time(ends)) for day, starts, ends in person.availability],
        )
    return staff_member


def _extra_volunteers(*, count: int, skills: dict[str, Skill], today: dt.date) -> list[StaffMember]:
    """More people for the benchmark (``--scale``): adult volunteers who help at the desk."""
    extras = []
    for number in range(1, count + 1):
        first = EXTRA_FIRST_NAMES[number % len(EXTRA_FIRST_NAMES)]
        last = EXTRA_LAST_NAMES[(number // len(EXTRA_FIRST_NAMES)) % len(EXTRA_LAST_NAMES)]
        person = Person(
            f"volunteer{number:03d}",
            first,
            last,
            StaffKind.VOLUNTEER,
            ("Tech help",),
            ((number % 6, "09:30", "17:00"),),
            born=dt.date(1960 + number % 40, 1 + number % 12, 1 + number % 28),
            weekly_hour_limit="6",
        )
        extras.append(_person(person, skills=skills, today=today))
    return extras


def _time_off(people: dict[str, StaffMember], *, monday: dt.date, today: dt.date, coordinator) -> None:
    for (username, first, last, reason), approve in ((APPROVED_TIME_OFF, True), (PENDING_TIME_OFF, False)):
        person = people[username]
        if TimeOff.objects.filter(staff_member=person, reason=reason).exists():
            continue
        time_off = services.time_off_request(
            staff_member=person,
            first_day=monday + dt.timedelta(days=first),
            last_day=monday + dt.timedelta(days=last),
            reason=reason,
            today=today,
        )
        if approve:
            services.time_off_decide(time_off_ids=[time_off.pk], approve=True, by=coordinator)


def _patterns(branch: Branch, *, skills: dict[str, Skill], today: dt.date) -> list[tuple[Pattern, ShiftPattern]]:
    made = []
    for pattern in PATTERNS:
        shift_pattern, _ = ShiftPattern.objects.get_or_create(
            branch=branch,
            role=pattern.role,
            weekday=pattern.weekday,
            starts=_time(pattern.starts),
            defaults={
                "ends": _time(pattern.ends),
                "min_headcount": pattern.min_headcount,
                "max_headcount": pattern.max_headcount,
                "is_active": not pattern.spring_only or today.month in SPRING_MONTHS,
            },
        )
        shift_pattern.required_skills.set([skills[name] for name in pattern.skills])
        made.append((pattern, shift_pattern))
    return made


def _spring_ranges(first_day: dt.date, last_day: dt.date) -> list[tuple[dt.date, dt.date]]:
    ranges = []
    for year in range(first_day.year, last_day.year + 1):
        start = max(first_day, dt.date(year, SPRING_MONTHS[0], 1))
        end = min(last_day, dt.date(year, SPRING_MONTHS[-1] + 1, 1) - dt.timedelta(days=1))
        if start <= end:
            ranges.append((start, end))
    return ranges


def _generate(
    branch: Branch, patterns: list[tuple[Pattern, ShiftPattern]], *, first_day: dt.date, last_day: dt.date
) -> None:
    """Generate the weeks from the patterns; spring-only patterns only for the spring days among them."""
    seasonal = [shift_pattern for pattern, shift_pattern in patterns if pattern.spring_only]
    active = {shift_pattern.pk: shift_pattern.is_active for shift_pattern in seasonal}
    ShiftPattern.objects.filter(pk__in=active).update(is_active=False)
    services.shifts_generate(branch=branch, first_day=first_day, last_day=last_day, publish=True)
    spring = _spring_ranges(first_day, last_day)
    if spring:
        ShiftPattern.objects.filter(pk__in=active).update(is_active=True)
        for start, end in spring:
            services.shifts_generate(branch=branch, first_day=start, last_day=end, publish=True)
    for pk, is_active in active.items():
        ShiftPattern.objects.filter(pk=pk).update(is_active=is_active)
    for pattern, shift_pattern in patterns:
        if pattern.notes:
            Shift.objects.filter(pattern=shift_pattern, notes="").update(notes=pattern.notes)


def _shift_at(branch: Branch, role: str, day: dt.date, starts: str) -> Shift | None:
    starts_at = dt.datetime.combine(day, _time(starts), tzinfo=branch.zone)
    return Shift.objects.filter(branch=branch, role=role, starts_at=starts_at).select_related("branch").first()


def _overrides(branch: Branch, people: dict[str, StaffMember], *, monday: dt.date, coordinator) -> None:
    """The coordinator's deliberate exceptions: put on before the roster, so the people they enable can follow."""
    for week, weekday, role, starts, username, reason in OVERRIDES:
        shift = _shift_at(branch, role, monday + dt.timedelta(days=7 * week + weekday), starts)
        person = people[username]
        if shift is None or shift.assignments.filter(staff_member=person).exists():
            continue
        try:
            services.assignment_create(shift=shift, staff_member=person, by=coordinator, override_reason=reason)
        except ValidationError:
            continue


def _open_places(branch: Branch, people: dict[str, StaffMember], *, monday: dt.date) -> None:
    week, weekday, role, starts, usernames = OPEN_PLACES
    shift = _shift_at(branch, role, monday + dt.timedelta(days=7 * week + weekday), starts)
    if shift is None:
        return
    for assignment in Assignment.objects.filter(shift=shift, staff_member__in=[people[u] for u in usernames]):
        with contextlib.suppress(ValidationError):
            services.assignment_remove(assignment=assignment)


def _rosters(
    patterns: list[tuple[Pattern, ShiftPattern]],
    people: dict[str, StaffMember],
    *,
    first_day: dt.date,
    last_day: dt.date,
    summary: DemoSummary,
) -> None:
    """Put each pattern's usual people on its shifts, skipping anyone the rules would warn about."""
    shifts = list(
        Shift.objects.filter(pattern__in=[shift_pattern for _, shift_pattern in patterns])
        .select_related("branch")
        .order_by("starts_at")
    )
    by_pattern: dict[int, list[Shift]] = {}
    for shift in shifts:
        by_pattern.setdefault(shift.pattern_id, []).append(shift)
    already = set(Assignment.objects.filter(shift__in=shifts).values_list("shift_id", "staff_member_id"))
    for pattern, shift_pattern in patterns:
        _analyze()
        for shift in by_pattern.get(shift_pattern.pk, []):
            for username in pattern.roster:
                person = people[username]
                if (shift.pk, person.pk) in already:
                    continue
                try:
                    services.assignment_create(shift=shift, staff_member=person)
                except ValidationError as error:
                    summary.skipped.append(f"{person} on {shift}: {' '.join(error.messages)}")


def _analyze() -> None:
    """Refresh the planner's statistics of tables this load is filling.

    Autovacuum only sees committed rows: without this, PostgreSQL plans the warning checks for empty
    tables and each check gets slower as the load goes on (from 1 ms to 20 ms at ``--scale 10``).
    """
    tables = ", ".join(
        connection.ops.quote_name(model._meta.db_table) for model in (Shift, Assignment, StaffMember, Qualification)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def _shifts_worked(branch: Branch, *, monday: dt.date, today: dt.date, coordinator) -> None:
    """Volunteers and students checked in and out of this week's shifts before today; all but yesterday's approved."""
    zone = branch.zone
    worked = Assignment.objects.filter(
        shift__branch=branch,
        shift__starts_at__gte=dt.datetime.combine(monday, dt.time(), tzinfo=zone),
        shift__ends_at__lte=dt.datetime.combine(today, dt.time(), tzinfo=zone),
        checked_in_at__isnull=True,
    ).exclude(staff_member__kind__in=STAFF_KINDS)
    approve = []
    for assignment in worked.select_related("shift"):
        services.assignment_check_in(assignment=assignment, now=assignment.shift.starts_at)
        entry = services.assignment_check_out(assignment=assignment, now=assignment.shift.ends_at)
        if entry.day < today - dt.timedelta(days=1):
            approve.append(entry.pk)
    services.hours_decide(entry_ids=approve, approve=True, by=coordinator)


def _manual_hours(people: dict[str, StaffMember], *, today: dt.date, coordinator) -> None:
    approve = []
    for username, days_ago, hours, activity, approved, counts in MANUAL_HOURS:
        person = people[username]
        if HoursEntry.objects.filter(staff_member=person, activity=activity).exists():
            continue
        entry = services.hours_log(
            staff_member=person,
            day=today - dt.timedelta(days=days_ago),
            hours=Decimal(hours),
            activity=activity,
            counts_for_community_hours=counts,
            today=today,
        )
        if approved:
            approve.append(entry.pk)
    services.hours_decide(entry_ids=approve, approve=True, by=coordinator)


def _shift_changes(branch: Branch, people: dict[str, StaffMember], *, monday: dt.date, now: dt.datetime) -> None:
    username, week, weekday, starts, note = OFFERED_SHIFT
    _offer(branch, people[username], monday + dt.timedelta(days=7 * week + weekday), starts, note, now=now)
    username, week, weekday, starts, note, claimant = CLAIMED_SHIFT
    change = _offer(branch, people[username], monday + dt.timedelta(days=7 * week + weekday), starts, note, now=now)
    if change is not None:
        with contextlib.suppress(ValidationError):
            services.shift_claim(change=change, staff_member=people[claimant], now=now)


def _offer(branch: Branch, person: StaffMember, day: dt.date, starts: str, note: str, *, now) -> ShiftChange | None:
    """The person gives up their shift that day, unless it was offered before; returns the new offer."""
    assignment = Assignment.objects.filter(
        staff_member=person,
        shift__branch=branch,
        shift__starts_at=dt.datetime.combine(day, _time(starts), tzinfo=branch.zone),
    ).first()
    if assignment is None or ShiftChange.objects.filter(assignment=assignment).exists():
        return None
    try:
        return services.shift_give_up(assignment=assignment, staff_member=person, note=note, now=now)
    except ValidationError:
        return None
