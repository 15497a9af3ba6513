"""Celery tasks for health and safety: thin wrappers around the services, each safe to run twice."""

from celery import shared_task
from django.utils import timezone

from safety import services


@shared_task(ignore_result=True)
def reports_remove_personal_details() -> None:
    services.reports_remove_personal_details()


@shared_task(ignore_result=True)
def inspections_schedule() -> None:
    """Daily: make this month's inspection for each branch and email its representative (once)."""
    services.inspections_schedule(today=timezone.localdate())


@shared_task(ignore_result=True)
def actions_remind_overdue() -> None:
    """Daily: email owners their overdue corrective actions, each action at most once a week."""
    services.actions_remind_overdue(today=timezone.localdate())
