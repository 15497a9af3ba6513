"""Celery tasks: thin wrappers that take ids and call services. Each is safe to run twice."""

from celery import shared_task

from makerlab import services

# The outbox's tasks are stopped after SEND_TIME_LIMIT: a claim older than that (plus a margin) is a worker's that
# died, and the sweep takes it over within about two minutes.
OUTBOX_TIME_LIMIT_SECONDS = services.SEND_TIME_LIMIT.total_seconds()


@shared_task(ignore_result=True, time_limit=OUTBOX_TIME_LIMIT_SECONDS)
def notification_deliver(notification_id: int) -> None:
    services.notification_deliver(notification_id=notification_id)


@shared_task(ignore_result=True, time_limit=OUTBOX_TIME_LIMIT_SECONDS)
def notifications_deliver_pending() -> None:
    services.notifications_deliver_pending()


@shared_task(ignore_result=True)
def patrons_anonymise_stale() -> None:
    services.patrons_anonymise_stale()
    services.dated_personal_fields_clear()


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
