"""Celery tasks for programs: thin wrappers around services, safe to run twice."""

from celery import shared_task

from programs import reminders, services


@shared_task(ignore_result=True)
def offers_expire() -> None:
    services.offers_expire()


@shared_task(ignore_result=True)
def reminders_send_due() -> None:
    reminders.reminders_send_due()
