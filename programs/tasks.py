"""Celery tasks for programs: thin wrappers around services, safe to run twice."""

from celery import shared_task

from programs import services


@shared_task(ignore_result=True)
def offers_expire() -> None:
    services.offers_expire()
