"""Celery tasks for the seed library: thin wrappers around services, safe to run twice or at once."""

from celery import shared_task
from django.utils import timezone

from seedlibrary import services


@shared_task(ignore_result=True)
def seed_requests_expire() -> None:
    services.seed_requests_expire(now=timezone.now())
