"""Celery tasks: thin wrappers that take ids and call services. Each is safe to run twice."""

from celery import shared_task

from makerlab import services


@shared_task(ignore_result=True)
def notification_deliver(notification_id: int) -> None:
    services.notification_deliver(notification_id=notification_id)


@shared_task(ignore_result=True)
def notifications_deliver_pending() -> None:
    services.notifications_deliver_pending()


@shared_task(ignore_result=True)
def patrons_anonymise_stale() -> None:
    services.patrons_anonymise_stale()


@shared_task(ignore_result=True)
def sessions_clear_expired() -> None:
    """What ``manage.py clearsessions`` does: expired visits (a seed basket, a sign-in) leave the database."""
    services.sessions_clear_expired()


@shared_task(ignore_result=True)
def login_logs_clear_old() -> None:
    services.login_logs_clear_old()


@shared_task(ignore_result=True)
def notifications_forget_old() -> None:
    services.notifications_forget_old()
