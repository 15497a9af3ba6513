"""Reports lose their names and first aid SAFETY_REPORT_RETENTION_DAYS after the event, by a nightly task."""

import datetime as dt

import pytest
from django.conf import settings as django_settings

from safety import tasks
from safety.models import SafetyReport
from safety.services import reports_remove_personal_details
from tests.safety.report_world import a_report, build_lab

pytestmark = pytest.mark.calendar


@pytest.fixture
def lab(db):
    return build_lab()


def test_personal_details_go_the_moment_the_retention_period_has_passed_and_not_before(lab, now, settings):
    settings.SAFETY_REPORT_RETENTION_DAYS = 30
    cutoff = now - dt.timedelta(days=30)
    details = {"names_involved": "Jordan Example", "first_aid_given": "Cold water"}
    kept = a_report(lab, lab.me.user, occurred_at=cutoff, **details)
    just_kept = a_report(lab, lab.me.user, occurred_at=cutoff + dt.timedelta(seconds=1), **details)
    removed = a_report(
        lab,
        lab.me.user,
        occurred_at=cutoff - dt.timedelta(seconds=1),
        kind="incident",
        injury=True,
        severity="first_aid",
        **details,
    )

    assert reports_remove_personal_details(now=now) == 1

    removed.refresh_from_db()
    assert (removed.names_involved, removed.first_aid_given, removed.personal_details_removed_at) == ("", "", now)
    # What happened, where and how serious stay, for the statistics and the lessons.
    assert (removed.what_happened, removed.location, removed.severity) == (
        "A cutter slid off the bench.",
        "Workbench",
        "first_aid",
    )
    for report in (kept, just_kept):
        report.refresh_from_db()
        assert (report.names_involved, report.personal_details_removed_at) == ("Jordan Example", None)

    assert reports_remove_personal_details(now=now) == 0  # a second run changes nothing
    assert reports_remove_personal_details(now=now + dt.timedelta(seconds=2)) == 2  # and the next ones go in time
    removed.refresh_from_db()
    assert removed.personal_details_removed_at == now


def test_the_task_runs_nightly_from_beat(lab, now, settings):
    settings.SAFETY_REPORT_RETENTION_DAYS = 1
    a_report(lab, lab.me.user, names="Jordan Example", occurred_at=now - dt.timedelta(days=2))
    entry = django_settings.CELERY_BEAT_SCHEDULE["safety-reports-remove-personal-details"]
    assert entry["task"] == "safety.tasks.reports_remove_personal_details"
    tasks.reports_remove_personal_details()
    tasks.reports_remove_personal_details()
    assert SafetyReport.objects.get().names_involved == ""
