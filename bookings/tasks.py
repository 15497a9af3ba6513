"""Celery tasks for bookings: thin wrappers around the services, safe to run twice or at once."""

from celery import shared_task

from bookings.services import booking, reminders


@shared_task(ignore_result=True)
def reminders_send_due() -> None:
    reminders.reminders_withdraw_cancelled()
    reminders.reminders_send_due()


@shared_task(ignore_result=True)
def notify_requests_forget_stale() -> None:
    booking.notify_requests_forget_stale()
