"""manage.py close_month YYYY-MM [--reason "..."]: close a month as the monthly job does, or again with a reason."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from stats import selectors, services
from stats.models import MonthlyReport


class Command(BaseCommand):
    help = (
        "Close a month: freeze its figures; the report goes to BOARD_REPORT_EMAILS on BOARD_REPORT_SEND_DAY of the "
        "next month or when the coordinator sends it. A month already closed stays as it is unless --reason is "
        "given, which closes it again as a new version (sent at once if the board had the month already)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("month", help="The month to close, as YYYY-MM (for example 2026-10). It must be over.")
        parser.add_argument("--reason", default="", help="Why a closed month is closed again (required to re-close).")

    def handle(self, *args, month: str, reason: str, **options) -> None:
        parsed = selectors.month_parse(month.strip())
        if parsed is None:
            raise CommandError(f"{month!r} is not a month: write it as YYYY-MM, for example 2026-10.")
        before = MonthlyReport.objects.filter(month=parsed).values_list("version", flat=True).first()
        try:
            report = services.month_close(month=parsed, reason=reason)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        if before is not None and report.version == before:
            self.stdout.write(
                f"{parsed:%B %Y} was already closed (version {report.version}); nothing changed. "
                'Give --reason "..." to close it again.'
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"Closed {parsed:%B %Y} as version {report.version}."))
