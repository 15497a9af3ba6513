"""Expired visits and old logins do not pile up: daily jobs clear the sessions that have run out and the login
records past their retention."""

import datetime as dt

from axes.models import AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from makerlab.tasks import login_logs_clear_old, sessions_clear_expired


def test_the_daily_job_clears_expired_sessions_and_keeps_the_others(db):
    now = timezone.now()
    Session.objects.create(session_key="a" * 32, session_data="e30:expired", expire_date=now - dt.timedelta(minutes=1))
    Session.objects.create(session_key="b" * 32, session_data="e30:current", expire_date=now + dt.timedelta(days=1))
    sessions_clear_expired.delay()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["b" * 32]
    entry = settings.CELERY_BEAT_SCHEDULE["sessions-clear-expired"]
    assert entry["task"] == "makerlab.tasks.sessions_clear_expired"


def test_the_daily_job_forgets_logins_older_than_the_retention_and_keeps_recent_ones(db, settings):
    now = timezone.now()
    settings.LOGIN_LOG_RETENTION_DAYS = 30
    old, recent = now - dt.timedelta(days=31), now - dt.timedelta(days=29)
    for when, who in ((old, "old"), (recent, "recent")):
        for model in (AccessLog, AccessFailureLog):
            record = model.objects.create(username=who, ip_address="203.0.113.9", user_agent="x")
            model.objects.filter(pk=record.pk).update(attempt_time=when)  # stamped "now" on creation
    login_logs_clear_old.delay()
    assert list(AccessLog.objects.values_list("username", flat=True)) == ["recent"]
    assert list(AccessFailureLog.objects.values_list("username", flat=True)) == ["recent"]
    entry = settings.CELERY_BEAT_SCHEDULE["login-logs-clear-old"]
    assert entry["task"] == "makerlab.tasks.login_logs_clear_old"
