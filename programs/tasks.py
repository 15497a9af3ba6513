"""Celery tasks for programs: thin wrappers around services, safe to run twice."""

from celery import shared_task

from programs.services import registration, reminders


@shared_task(ignore_result=True)
def offers_expire() -> None:
    registration.offers_expire()


@shared_task(ignore_result=True)
def reminders_send_due() -> None:
    reminders.reminders_send_due()
