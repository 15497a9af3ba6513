"""Load realistic demo data for a mid-sized Ontario public library. Safe to run again: it changes nothing twice."""

import datetime as dt
import random
from argparse import ArgumentTypeError

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from bookings.demo import bookings_demo_load
from makerlab.cards import card_number_make
from makerlab.demo_logins import DEMO_LOGINS, DEMO_PASSWORD
from makerlab.formatting import moment_parse
from makerlab.models import Branch, Closure, OpeningHours, Patron
from programs.demo import programs_demo_load
from seedlibrary.demo import seedlibrary_demo_load
from staffing.demo import staffing_demo_load

MAIN_HOURS = {
    0: [(dt.time(9, 30), dt.time(20, 30))],
    1: [(dt.time(9, 30), dt.time(20, 30))],
    2: [(dt.time(9, 30), dt.time(20, 30))],
    3: [(dt.time(9, 30), dt.time(20, 30))],
    4: [(dt.time(9, 30), dt.time(18, 0))],
    5: [(dt.time(9, 30), dt.time(17, 0))],
    6: [(dt.time(13, 0), dt.time(17, 0))],
}

FIRST_NAMES = [
    "Olivia",
    "Liam",
    "Amelia",
    "Noah",
    "Charlotte",
    "Lucas",
    "Aaliyah",
    "Mohammed",
    "Chloe",
    "Arjun",
    "Sophie",
    "Benjamin",
    "Mei",
    "Gurpreet",
    "Hannah",
    "Mateo",
    "Fatima",
    "Ethan",
    "Isabelle",
    "Wei",
    "Doris",
    "Harold",
    "Evelyn",
    "Gordon",
    "Marisol",
    "Tariq",
    "Nadia",
    "Kwame",
    "Leah",
    "Jacob",
]
LAST_NAMES = [
    "Smith",
    "Brown",
    "Tremblay",
    "Martin",
    "Roy",
    "Wilson",
    "MacDonald",
    "Gagnon",
    "Taylor",
    "Campbell",
    "Singh",
    "Patel",
    "Nguyen",
    "Chen",
    "Ahmed",
    "Kowalski",
    "O'Neill",
    "Van Dyk",
    "Hernandez",
    "Li",
    "Thompson",
    "Anderson",
    "Lavoie",
    "Mohamud",
    "Sato",
    "Fraser",
    "Janzen",
    "Boateng",
    "Reid",
    "Hill",
]


class Command(BaseCommand):
    help = "Load realistic demo data (a branch with its hours, staff logins, patrons, staff and shifts). Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale", type=int, default=1, help="Build this many times the data, for the benchmark (1 to 1000)."
        )
        parser.add_argument(
            "--force", action="store_true", help="Load even when DEBUG is off (demo logins have a known password)."
        )
        parser.add_argument(
            "--now",
            type=demo_moment,
            default=None,
            help="Build the demo around this moment (ISO 8601, e.g. 2027-03-14T10:00; default: the current time).",
        )

    def handle(self, *args, scale: int, force: bool, now: dt.datetime | None, **options) -> None:
        if not 1 <= scale <= 1000:
            raise CommandError("--scale must be between 1 and 1000.")
        if not settings.DEBUG and not force:
            raise CommandError("Demo logins have a known password: run with DEBUG=true, or add --force.")
        now = now or timezone.now()
        today = timezone.localdate(now)
        rng = random.Random(2026)
        with transaction.atomic():
            branch = self._branch()
            self._closures(branch, today=today)
            self._staff()
            self._patrons(rng, count=40 * scale, now=now)
            staffing = staffing_demo_load(branch=branch, today=today, now=now, scale=scale)
            _analyze()
            bookings = bookings_demo_load(branch=branch, now=now, scale=scale, rng=rng)
            programs = programs_demo_load(branch=branch, now=now, scale=scale)
            _analyze()
            seeds = seedlibrary_demo_load(branch=branch, now=now, scale=scale, rng=rng)
            _analyze()
            # By name, not by import: nothing imports stats, which reads every other app.
            call_command("load_stats_demo", force=force, now=now, stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: 1 branch, {len(DEMO_LOGINS)} staff logins, {Patron.objects.count()} patrons, "
                f"{staffing.people} staff, volunteers and students, {staffing.shifts} shifts with "
                f"{staffing.assignments} people on them; {bookings.services} services on "
                f"{bookings.equipment} machines, {bookings.past} past and {bookings.upcoming} upcoming bookings, "
                f"{bookings.trainings} trainings; {programs.upcoming} upcoming and {programs.past} past programs "
                f"with {programs.registrations} registrations and {programs.attendance} attendance marks; "
                f"{seeds.varieties} seed varieties, {seeds.lots} lots, {seeds.orientations} seed orientations, "
                f"{seeds.loans} packets lent, {seeds.returns} returns and {seeds.requests} online requests."
            )
        )

    def _branch(self) -> Branch:
        branch, _ = Branch.objects.update_or_create(
            slug="central",
            defaults={
                "name": "Central Library",
                "street_address": "153 Curtis Street",
                "city": "St. Thomas",
                "province": "ON",
                "postal_code": "N5P 3Z7",
                "phone": "519-555-0142",
                "email": "makerlab@library.example",
                "time_zone": "America/Toronto",
                "display_order": 0,
            },
        )
        for weekday, windows in MAIN_HOURS.items():
            for opens, closes in windows:
                OpeningHours.objects.update_or_create(
                    branch=branch, weekday=weekday, opens=opens, defaults={"closes": closes}
                )
        return branch

    def _closures(self, branch: Branch, *, today: dt.date) -> None:
        staff_day = _next_weekday(today + dt.timedelta(days=20), weekday=4)
        Closure.objects.get_or_create(
            branch=branch,
            reason="Staff development day",
            defaults={"start_date": staff_day, "end_date": staff_day},
        )
        christmas_eve = dt.date(today.year, 12, 24)
        Closure.objects.get_or_create(
            branch=None,
            reason="Christmas Eve",
            start_date=christmas_eve,
            defaults={"end_date": christmas_eve},
        )

    def _staff(self) -> None:
        for username, first, last, role, is_staff in DEMO_LOGINS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@library.example",
                    "is_staff": is_staff,
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            user.groups.add(Group.objects.get(name=role))

    def _patrons(self, rng: random.Random, *, count: int, now: dt.datetime) -> None:
        new = []
        for sequence in range(1, count + 1):
            first = rng.choice(FIRST_NAMES)
            last = rng.choice(LAST_NAMES)
            created = now - dt.timedelta(days=rng.randint(1, 700))
            new.append(
                Patron(
                    card_number=card_number_make(sequence),
                    first_name=first,
                    last_name=last,
                    email=f"{first}.{last}{sequence}@example.net".lower().replace("'", ""),
                    phone=f"519-555-{rng.randint(1000, 9999)}" if rng.random() < 0.6 else "",
                    reminder_consent=rng.random() < 0.8,
                    created_at=created,
                    last_activity_at=min(now, created + dt.timedelta(days=rng.randint(0, 300))),
                )
            )
        Patron.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)


def demo_moment(text: str) -> dt.datetime:
    """``--now``: an aware moment from ISO 8601 text; without an offset, in the library's time zone."""
    try:
        return moment_parse(text, zone=timezone.get_default_timezone())
    except ValueError as error:
        raise ArgumentTypeError(f"{text!r} is not a date and time like 2027-03-14T10:00.") from error


def _analyze() -> None:
    """Refresh the planner's statistics inside the demo's transaction: tables it believes empty get plans
    that take seconds per query once they hold a year of history."""
    tables = connection.introspection.django_table_names(only_existing=True)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(connection.ops.quote_name(table) for table in sorted(tables))}")


def _next_weekday(day: dt.date, *, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)
