"""The stats demo: surveys that follow the demo's activity over 13 months, and the eleven months before last
closed without emailing anyone, so the dashboard shows 13 months from ``make run``."""

import datetime as dt
import random

import pytest
from django.core.management import call_command
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.utils import timezone

from bookings.models import Booking
from makerlab.models import Notification
from programs.models import Session
from stats import services
from stats.dashboard import add_months, month_first, monthly_trend, months_between
from stats.demo import stats_demo_load
from stats.models import Agreement, MonthlyReport, ReportClosing, SurveyChannel, SurveyKind, SurveyResponse, SurveysSent
from tests.factories import ProgramFactory, ServiceTypeFactory, at, make_booking

pytestmark = [pytest.mark.django_db, pytest.mark.calendar]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (SurveysSent, SurveyResponse, MonthlyReport)}


def test_demo_surveys_follow_thirteen_months_of_activity_and_eleven_are_closed(demo):
    this_month = month_first(timezone.localdate())
    months = months_between(add_months(this_month, -12), this_month)

    with_answers = SurveyResponse.objects.filter(kind=SurveyKind.IMMEDIATE).values("month").annotate(n=Count("pk"))
    # The month so far has answers only once a session of it has ended (none at half past midnight on the 1st).
    assert {row["month"] for row in with_answers} >= set(months[1:-1])
    assert set(MonthlyReport.objects.values_list("month", flat=True)) == set(months[:-2])
    # Last month waits for the monthly job, this month is not over.
    assert not MonthlyReport.objects.filter(month__in=months[-2:]).exists()
    # Closed for the board, recorded as sent on their send day, but demo reports email no one.
    assert ReportClosing.objects.count() == 11
    assert not ReportClosing.objects.filter(sent_at__isnull=True).exists()
    assert not Notification.objects.filter(kind="monthly_report").exists()
    assert services.reports_send_due() == 0

    trend = monthly_trend(end=timezone.localdate())
    assert [month for month, _ in trend] == months
    # The demo's sessions run every day but Sunday up to yesterday: every month since the first has some, and
    # the month so far has some once one of its days has passed (none yet on the 1st, or a Monday the 2nd).
    assert all(values["bookings.attended"] > 0 for _, values in trend[1:-1])
    today = timezone.localdate()
    days_passed = [this_month + dt.timedelta(days=n) for n in range(today.day - 1)]
    has_passed_session_day = any(day.weekday() != 6 for day in days_passed)
    assert (trend[-1][1]["bookings.attended"] > 0) == has_passed_session_day

    # The answers look like real patrons'.
    immediate = SurveyResponse.objects.filter(kind=SurveyKind.IMMEDIATE)
    invitations = SurveysSent.objects.filter(kind=SurveyKind.IMMEDIATE).aggregate(n=Sum("count"))["n"]
    assert 0.35 <= immediate.count() / invitations <= 0.8
    learned = dict(immediate.values_list("learned").annotate(n=Count("pk")))
    assert learned[Agreement.STRONGLY_AGREE] > learned[Agreement.NEUTRAL] > learned.get(Agreement.STRONGLY_DISAGREE, 0)
    assert learned[Agreement.NOT_APPLICABLE] > 0
    assert immediate.filter(more_aware__isnull=True).exists()
    assert immediate.exclude(liked_most="").exists() and immediate.exclude(could_do_better="").exists()
    assert immediate.filter(liked_most="").exists()
    assert SurveysSent.objects.filter(channel=SurveyChannel.IN_ROOM).exists()
    follow_ups = SurveyResponse.objects.filter(kind=SurveyKind.FOLLOW_UP)
    assert follow_ups.exists() and not follow_ups.filter(Q(applied="") | Q(learned__isnull=False)).exists()
    # Answers are never more than were sent about the same thing, and are given in or after the session's month.
    assert not SurveyResponse.objects.filter(answered_in__lt=F("month")).exists()
    assert not SurveyResponse.objects.filter(answered_in__gt=month_first(timezone.localdate())).exists()
    per_month = SurveyResponse.objects.values("kind", "month").annotate(n=Count("pk")).order_by()
    sent_rows = SurveysSent.objects.values("kind", "month").annotate(n=Sum("count")).order_by()
    sent = {(row["kind"], row["month"]): row["n"] for row in sent_rows}
    assert all(row["n"] <= sent[row["kind"], row["month"]] for row in per_month)
    # Every survey is about something that had ended by now.
    ended_session = Session.objects.filter(program=OuterRef("program"), ends_at__lte=timezone.now())
    ended_booking = Booking.objects.filter(
        service_type=OuterRef("service_type"), status="attended", ends_at__lte=timezone.now()
    )
    immediate_invitations = SurveysSent.objects.filter(kind=SurveyKind.IMMEDIATE)
    about_programs = immediate_invitations.filter(program__isnull=False)
    about_services = immediate_invitations.filter(service_type__isnull=False)
    assert about_programs.exists() and about_services.exists()
    assert not about_programs.filter(~Exists(ended_session)).exists()
    assert not about_services.filter(~Exists(ended_booking)).exists()

    # Closed months quote two different things patrons liked; the first, which the year of history reaches only
    # in part (or not at all, on some days of the year), may have fewer.
    first, *later = MonthlyReport.objects.order_by("month")
    assert len({quote["liked_most"] for quote in first.quotes}) == len(first.quotes) <= 2
    for report in later:
        assert len({quote["liked_most"] for quote in report.quotes}) == len(report.quotes) == 2
        assert set(report.quotes[0]) == {"response_id", "service_area", "liked_most", "could_do_better"}


def test_loading_again_changes_nothing(demo):
    before = counts()
    versions = list(MonthlyReport.objects.order_by("month").values_list("version", flat=True))

    call_command("load_stats_demo", force=True)

    assert counts() == before
    assert list(MonthlyReport.objects.order_by("month").values_list("version", flat=True)) == versions


def _drop_in_program():
    return ProgramFactory(registration_required=False, title="Open lab drop-in")


def _session(program, day: dt.date, hour: int) -> Session:
    start = at(day, hour)
    return Session.objects.create(program=program, starts_at=start, ends_at=start + dt.timedelta(hours=2))


@pytest.mark.time_machine(at(dt.date(2026, 12, 1), 0, 30))
def test_on_the_first_at_half_past_midnight_no_survey_is_about_a_session_still_to_come(db, now):
    program = _drop_in_program()
    _session(program, dt.date(2026, 11, 28), 13)
    _session(program, dt.date(2026, 12, 1), 10)  # later today
    make_booking(service_type=ServiceTypeFactory(), starts_at=at(dt.date(2026, 12, 1), 11), status="attended")

    stats_demo_load(now=now, rng=random.Random(7))

    assert SurveysSent.objects.filter(month=dt.date(2026, 11, 1)).exists()
    assert not SurveysSent.objects.filter(month=dt.date(2026, 12, 1)).exists()
    assert not SurveyResponse.objects.filter(month=dt.date(2026, 12, 1)).exists()


@pytest.mark.time_machine(at(dt.date(2026, 12, 4), 10))
def test_on_the_fourth_surveys_ask_only_about_sessions_that_have_ended(db, now):
    program = _drop_in_program()
    _session(program, dt.date(2026, 12, 2), 13)
    _session(program, dt.date(2026, 12, 10), 13)
    _session(program, dt.date(2026, 12, 4), 9)  # under way: it ends at 11:00

    stats_demo_load(now=now, rng=random.Random(7))

    sent = SurveysSent.objects.get(program=program)
    assert 2 <= sent.count <= 6  # the QR code in the room of one session
    assert (sent.channel, sent.month) == (SurveyChannel.IN_ROOM, dt.date(2026, 12, 1))
    answers = SurveyResponse.objects.filter(program=program)
    assert answers.count() <= sent.count
    assert set(answers.values_list("answered_in", flat=True)) <= {dt.date(2026, 12, 1)}
