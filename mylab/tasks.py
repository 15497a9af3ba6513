"""Celery tasks for My Maker Lab: thin wrappers around services, safe to run twice or at once."""

from celery import shared_task
from django.utils import timezone

from mylab import services


@shared_task(ignore_result=True)
def sign_in_links_delete_old() -> None:
    services.sign_in_links_delete_old(now=timezone.now())
