"""Celery tasks for stats: thin wrappers around services, safe to run twice."""

from celery import shared_task

from stats import surveys


@shared_task(ignore_result=True)
def surveys_send_due() -> None:
    surveys.surveys_send_due()


@shared_task(ignore_result=True)
def month_close_previous() -> None:
    """On the first of the month: close last month (the board is emailed later). Run twice, it closes once."""
    from stats.services import month_close_previous as close_previous

    close_previous()


@shared_task(ignore_result=True)
def reports_send_due() -> None:
    """Daily: email the board each closed report whose send day has come. Run twice, each version goes once."""
    from stats.services import reports_send_due as send_due

    send_due()


@shared_task(ignore_result=True)
def report_pdf_build(report_id: int) -> None:
    """Right after a close or a new choice of quotes: build and store the report's PDF (nothing if up to date)."""
    from stats.services import report_pdf_build as build

    build(report_id=report_id)


@shared_task(ignore_result=True)
def live_figures_refresh() -> None:
    """Every minute: count the month so far for each dashboard watched in the last half hour. Run twice, counts once."""
    from stats.dashboard import live_figures_refresh as refresh

    refresh()
