"""The demo data: what makerlab owns (the branch, its hours and closures, the staff logins, the patrons) and the
steps every other app owns.

An app registers its demo step in its AppConfig.ready(), by dotted path, so the step's module is imported only
when the demo loads. ``manage.py load_demo`` builds makerlab's part, then runs the steps in the order it names:
makerlab imports no app, and each app keeps its demo data beside its models.
"""

import datetime as dt
import random
from argparse import ArgumentTypeError
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.auth.models import Group, User
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.module_loading import import_string

from makerlab.cards import card_number_make
from makerlab.demo_logins import DEMO_LOGINS, DEMO_PASSWORD
from makerlab.formatting import moment_parse
from makerlab.models import Branch, Closure, OpeningHours, Patron

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


@dataclass(frozen=True)
class DemoContext:
    """What every demo step builds around. ``rng`` is shared: each step draws from it in turn, so the demo
    is the same on every run."""

    branch: Branch
    now: dt.datetime
    scale: int
    rng: random.Random

    @property
    def today(self) -> dt.date:
        return timezone.localdate(self.now)


# A step loads its app's demo data and returns what it made, as words for the summary ("8 services on 5 machines").
DemoStep = Callable[[DemoContext], str]

_registry: dict[str, str] = {}


def register_demo_step(app_label: str, *, step: str) -> None:
    """Register ``step``, the dotted path of ``app_label``'s demo step. Registering an app again replaces it."""
    _registry[app_label] = step


def demo_steps(order: Iterable[str]) -> list[tuple[str, DemoStep]]:
    """The registered steps in ``order``; an app missing from one side or the other is a mistake, said loudly."""
    order = list(order)
    unordered = sorted(set(_registry) - set(order))
    missing = [app_label for app_label in order if app_label not in _registry]
    if unordered or missing:
        raise ImproperlyConfigured(
            f"Demo steps registered but not ordered: {unordered or 'none'}; ordered but not registered: "
            f"{missing or 'none'}."
        )
    return [(app_label, import_string(_registry[app_label])) for app_label in order]


def demo_moment(text: str) -> dt.datetime:
    """``--now`` of the demo commands: an aware moment from ISO 8601 text; without an offset, in the library's
    time zone."""
    try:
        return moment_parse(text, zone=timezone.get_default_timezone())
    except ValueError as error:
        raise ArgumentTypeError(f"{text!r} is not a date and time like 2027-03-14T10:00.") from error


def makerlab_demo_load(*, now: dt.datetime, scale: int, rng: random.Random) -> Branch:
    """The branch with its hours and closures, the staff logins and ``40 * scale`` patrons."""
    branch = _branch()
    _closures(branch, today=timezone.localdate(now))
    _staff()
    _patrons(rng, count=40 * scale, now=now)
    return branch


def _branch() -> Branch:
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


def _closures(branch: Branch, *, today: dt.date) -> None:
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


def _staff() -> None:
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


def _patrons(rng: random.Random, *, count: int, now: dt.datetime) -> None:
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


def _next_weekday(day: dt.date, *, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)
