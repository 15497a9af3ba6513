"""Load realistic demo data for a mid-sized Ontario public library. Safe to run again: it changes nothing twice."""

import datetime as dt
import random

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from makerlab.demo import DemoContext, demo_moment, demo_steps, makerlab_demo_load
from makerlab.demo_logins import DEMO_LOGINS
from makerlab.models import Patron

# The apps' demo steps (each registered in its AppConfig), in the order they need each other's rows: the staff
# before the bookings and programs they run, the demo patrons before programs and seeds, the machines and who
# supervises them before safety, every app before stats.
DEMO_ORDER = ("staffing", "bookings", "programs", "seedlibrary", "safety", "promotion", "stats")
# After these steps the planner's statistics are refreshed, so the next step's queries get good plans.
ANALYZE_AFTER = frozenset({"staffing", "programs", "seedlibrary"})


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
        rng = random.Random(2026)
        made = []
        with transaction.atomic():
            branch = makerlab_demo_load(now=now, scale=scale, rng=rng)
            context = DemoContext(branch=branch, now=now, scale=scale, rng=rng)
            for app_label, step in demo_steps(DEMO_ORDER):
                made.append(step(context))
                if app_label in ANALYZE_AFTER:
                    _analyze()
        # Once more when everything is in: the last step's tables too, and the dashboard's first queries.
        _analyze()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: 1 branch, {len(DEMO_LOGINS)} staff logins, {Patron.objects.count()} patrons, "
                f"{'; '.join(made)}."
            )
        )


def _analyze() -> None:
    """Refresh the planner's statistics inside the demo's transaction: tables it believes empty get plans
    that take seconds per query once they hold a year of history."""
    tables = connection.introspection.django_table_names(only_existing=True)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(connection.ops.quote_name(table) for table in sorted(tables))}")
