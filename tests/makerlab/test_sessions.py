"""Expired visits do not pile up: the daily job clears the sessions that have run out."""

import datetime as dt

from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from makerlab.tasks import sessions_clear_expired


def test_the_daily_job_clears_expired_sessions_and_keeps_the_others(db):
    now = timezone.now()
    Session.objects.create(session_key="a" * 32, session_data="e30:expired", expire_date=now - dt.timedelta(minutes=1))
    Session.objects.create(session_key="b" * 32, session_data="e30:current", expire_date=now + dt.timedelta(days=1))
    sessions_clear_expired.delay()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["b" * 32]
    entry = settings.CELERY_BEAT_SCHEDULE["sessions-clear-expired"]
    assert entry["task"] == "makerlab.tasks.sessions_clear_expired"
