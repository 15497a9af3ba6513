"""Celery tasks for stats: thin wrappers around services, safe to run twice."""

from celery import shared_task

from stats import surveys


@shared_task(ignore_result=True)
def surveys_send_due() -> None:
    surveys.surveys_send_due()


@shared_task(ignore_result=True)
def month_close_previous() -> None:
    """On the first of the month: close last month. Run twice, it closes and emails once."""
    from stats.services import month_close_previous as close_previous

    close_previous()
