"""Celery tasks for health and safety: thin wrappers around the services, each safe to run twice."""

from celery import shared_task

from safety import services


@shared_task(ignore_result=True)
def reports_remove_personal_details() -> None:
    services.reports_remove_personal_details()
