"""Demo outcome surveys and closed monthly reports; ``load_demo`` runs it after the other apps' demo data."""

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from makerlab.demo import demo_moment
from stats.demo import stats_demo_load


class Command(BaseCommand):
    help = "Demo survey answers for the last 13 months and the past 12 months closed, without emails. Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Load even when DEBUG is off.")
        parser.add_argument(
            "--now", type=demo_moment, default=None, help="Build around this moment (default: the current time)."
        )

    def handle(self, *args, force: bool, now: dt.datetime | None, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("This is demo data: run with DEBUG=true, or add --force.")
        with transaction.atomic():
            summary = stats_demo_load(now=now or timezone.now())
        self.stdout.write(
            f"Stats demo: {summary.invitations} surveys sent with {summary.responses} answers; "
            f"{summary.reports} monthly reports closed."
        )
