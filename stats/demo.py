"""Demo outcome surveys and closed monthly reports, so the dashboard shows 13 months from ``make run``.

Surveys follow the demo's own activity: about six in ten patrons who came to a 1-on-1 session or a
program agreed to a survey by email and a little under half of them answered; drop-in sessions get
a few answers from the QR code in the room. Only sessions that have ended are asked about, and no
answer is dated before the first of them to end. A follow-up goes out six weeks later. As in real use,
what was sent is kept as counts and answers keep only the month they were given. The eleven
months before last are then closed, oldest first, as the monthly job would have done, and recorded as
sent to the board on their send day, without emailing anyone; last month is left for the monthly job or
``manage.py close_month``, and the board gets it on its send day or when the coordinator sends it.

Safe to run again: a month that already has surveys sent gets no more, and a closed month is
left as it is.
"""

import datetime as dt
import random
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, DateField, Max, Min
from django.db.models.functions import TruncMonth
from django.utils import timezone

from bookings.models import Booking
from makerlab.demo import DemoContext
from makerlab.formatting import count_text
from makerlab.models import Notification
from makerlab.months import add_months
from programs.models import Attendance, Session
from stats.dashboard import month_first, months_between
from stats.models import (
    FollowUpAnswer,
    MonthlyReport,
    ReportClosing,
    SurveyChannel,
    SurveyKind,
    SurveyResponse,
    SurveysSent,
)
from stats.purchase_demo import purchase_demo_load
from stats.selectors import quote_candidates, report_send_date
from stats.services import month_close, report_quotes_set

DEMO_MONTHS = 13
EMAIL_CONSENT = 0.6
EMAIL_ANSWERED = 0.45
IN_ROOM_PER_SESSION = (2, 6)
IN_ROOM_ANSWERED = 0.85
FOLLOW_UP_SENT = 0.5
FOLLOW_UP_ANSWERED = 0.4

# How patrons answer each statement: Agreement value (None: skipped) and its weight.
ANSWER_WEIGHTS = {
    "learned": {5: 46, 4: 34, 3: 9, 2: 3, 1: 1, 0: 4, None: 3},
    "confident": {5: 38, 4: 36, 3: 14, 2: 4, 1: 1, 0: 4, None: 3},
    "intend_to_apply": {5: 44, 4: 32, 3: 10, 2: 3, 1: 1, 0: 7, None: 3},
    "more_aware": {5: 30, 4: 30, 3: 18, 2: 5, 1: 2, 0: 11, None: 4},
}
FOLLOW_UP_WEIGHTS = {FollowUpAnswer.YES: 62, FollowUpAnswer.NOT_YET: 26, FollowUpAnswer.NO: 12}

LIKED_MOST = [
    "The staff member was so patient with me and never made me feel silly.",
    "I can finally video call my grandchildren on my own.",
    "Setting up email on my new phone, step by step.",
    "Hands-on time with the 3D printer. My son loved it.",
    "Small group, so there was lots of help when I got stuck.",
    "Instructions I could take home and follow again.",
    "I made my first keychain on the laser cutter!",
    "Help with online banking without feeling rushed.",
    "Meeting other gardeners and swapping tips.",
    "It was free and everyone was welcoming.",
    "Now I can sew a straight seam.",
    "The helper explained things in plain words.",
]
COULD_DO_BETTER = [
    "More evening times for people who work during the day.",
    "A printed handout to take home would help.",
    "Longer sessions. The hour went by fast.",
    "Weekend workshops for kids, please.",
    "Some sessions in French would be nice.",
    "A second class for beginners who want to keep going.",
    "A class on how to spot scams online.",
    "Nothing, it was great.",
]


@dataclass
class StatsDemoSummary:
    invitations: int = 0
    responses: int = 0
    reports: int = 0


def stats_demo_step(context: DemoContext) -> str:
    """The step ``load_demo`` runs last (registered in StatsConfig): it reads every other app's demo data.
    Its draws are its own, not the shared ``rng``."""
    made = stats_demo_load(now=context.now)
    suggestions, recommendations = purchase_demo_load(now=context.now)
    return (
        f"{made.invitations} survey invitations with {made.responses} answers, {made.reports} monthly reports closed, "
        f"{count_text(suggestions, 'purchase suggestion')} and {count_text(recommendations, 'recommendation')}"
    )


def stats_demo_load(*, now: dt.datetime, rng: random.Random | None = None) -> StatsDemoSummary:
    """Surveys for the last 13 months of demo activity, then the eleven months before last closed."""
    rng = rng or random.Random(2026)  # noqa: S311 -- demo data, repeatable on purpose
    zone = ZoneInfo(settings.TIME_ZONE)
    this_month = month_first(timezone.localdate(now))
    months = months_between(add_months(this_month, -(DEMO_MONTHS - 1)), this_month)
    summary = StatsDemoSummary()
    done = set(SurveysSent.objects.filter(month__in=months).values_list("month", flat=True).distinct())
    to_fill = [month for month in months if month not in done]
    if to_fill:
        summary.invitations, summary.responses = _surveys(to_fill, now=now, zone=zone, rng=rng)
    # Last month is left open: the monthly job (or `manage.py close_month`) closes it for the board.
    summary.reports = _close(months[:-2], now=now, zone=zone, rng=rng)
    return summary


Plan = tuple[dt.date, str, dict, int, dt.datetime]


def _activity(months: list[dt.date], *, now: dt.datetime, zone: ZoneInfo) -> list[Plan]:
    """(month, channel, what the survey is about, how many invitations, when the first session of them ended)
    for the months' attended activity that has ended by ``now``."""
    start = dt.datetime.combine(months[0], dt.time(), tzinfo=zone)
    end = dt.datetime.combine(add_months(months[-1], 1), dt.time(), tzinfo=zone)
    month_of = TruncMonth("starts_at", output_field=DateField(), tzinfo=zone)
    wanted = set(months)
    plans = []
    bookings = (
        Booking.objects.filter(
            status=Booking.Status.ATTENDED, starts_at__gte=start, starts_at__lt=end, ends_at__lte=now
        )
        .annotate(month=month_of)
        .values("month", "service_type_id", "service_type__service_area", "branch_id")
        .annotate(count=Count("pk"), first_end=Min("ends_at"))
    )
    for row in bookings:
        about = {
            "service_type_id": row["service_type_id"],
            "service_area": row["service_type__service_area"],
            "branch_id": row["branch_id"],
        }
        plans.append((row["month"], SurveyChannel.EMAIL, about, row["count"], row["first_end"]))
    present = (
        Attendance.objects.filter(
            present=True, session__starts_at__gte=start, session__starts_at__lt=end, session__ends_at__lte=now
        )
        .annotate(month=TruncMonth("session__starts_at", output_field=DateField(), tzinfo=zone))
        .values("month", "session__program_id", "session__program__service_area", "session__program__branch_id")
        .annotate(count=Count("pk"), first_end=Min("session__ends_at"))
    )
    for row in present:
        about = {
            "program_id": row["session__program_id"],
            "service_area": row["session__program__service_area"],
            "branch_id": row["session__program__branch_id"],
        }
        plans.append((row["month"], SurveyChannel.EMAIL, about, row["count"], row["first_end"]))
    drop_ins = (
        Session.objects.filter(
            program__registration_required=False,
            starts_at__gte=start,
            starts_at__lt=end,
            ends_at__lte=now,
            cancelled_at__isnull=True,
        )
        .annotate(month=month_of)
        .values("month", "program_id", "program__service_area", "program__branch_id")
        .annotate(count=Count("pk"), first_end=Min("ends_at"))
    )
    for row in drop_ins:
        about = {"program_id": row["program_id"], "service_area": row["program__service_area"]}
        about["branch_id"] = row["program__branch_id"]
        plans.append((row["month"], SurveyChannel.IN_ROOM, about, row["count"], row["first_end"]))
    return [plan for plan in plans if plan[0] in wanted]


def _surveys(months: list[dt.date], *, now: dt.datetime, zone: ZoneInfo, rng: random.Random) -> tuple[int, int]:
    sent_counts: dict[tuple, int] = {}
    answers: list[dict] = []
    plans = sorted(_activity(months, now=now, zone=zone), key=lambda plan: (plan[0], plan[1]))
    for month, channel, about, count, first_end in plans:
        if channel == SurveyChannel.EMAIL:
            sent, answered = round(count * EMAIL_CONSENT), EMAIL_ANSWERED
        else:
            sent, answered = sum(rng.randint(*IN_ROOM_PER_SESSION) for _ in range(count)), IN_ROOM_ANSWERED
        subject = {"month": month, "channel": channel, **about}
        immediate = (SurveyKind.IMMEDIATE, *sorted(subject.items()))
        sent_counts[immediate] = sent_counts.get(immediate, 0) + sent
        for _ in range(sent):
            invited = _moment_after(first_end, month=month, now=now, zone=zone, rng=rng)
            if rng.random() >= answered:
                continue
            answered_at = min(now, invited + dt.timedelta(hours=rng.randint(1, 72)))
            answers.append(_immediate_answer(month, about, answered_at, zone=zone, rng=rng))
            follow_up_sent = invited + dt.timedelta(weeks=settings.SURVEY_FOLLOW_UP_WEEKS)
            if channel != SurveyChannel.EMAIL or rng.random() >= FOLLOW_UP_SENT or follow_up_sent >= now:
                continue
            follow_up = (SurveyKind.FOLLOW_UP, *sorted(subject.items()))
            sent_counts[follow_up] = sent_counts.get(follow_up, 0) + 1
            if rng.random() < FOLLOW_UP_ANSWERED:
                answered_at = min(now, follow_up_sent + dt.timedelta(hours=rng.randint(2, 120)))
                answers.append(_follow_up_answer(month, about, answered_at, zone=zone, rng=rng))
    SurveysSent.objects.bulk_create(
        [SurveysSent(kind=key[0], count=count, **dict(key[1:])) for key, count in sent_counts.items() if count],
        batch_size=2000,
    )
    SurveyResponse.objects.bulk_create([SurveyResponse(**answer) for answer in answers], batch_size=2000)
    return sum(sent_counts.values()), len(answers)


def _moment_after(
    first_end: dt.datetime, *, month: dt.date, now: dt.datetime, zone: ZoneInfo, rng: random.Random
) -> dt.datetime:
    """A moment between the end of the first session asked about and the end of its month (or now)."""
    month_end = dt.datetime.combine(add_months(month, 1), dt.time(), tzinfo=zone)
    end = min(max(month_end, first_end + dt.timedelta(hours=2)), now)
    seconds = max(int((end - first_end).total_seconds()), 1)
    return min(first_end + dt.timedelta(seconds=rng.randrange(seconds)), now)


def _answer(kind: str, month: dt.date, about: dict, answered_at: dt.datetime, *, zone: ZoneInfo) -> dict:
    return {"kind": kind, "month": month, "answered_in": month_first(answered_at.astimezone(zone).date()), **about}


def _pick(weights: dict, rng: random.Random):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _immediate_answer(
    month: dt.date, about: dict, answered_at: dt.datetime, *, zone: ZoneInfo, rng: random.Random
) -> dict:
    answer = _answer(SurveyKind.IMMEDIATE, month, about, answered_at, zone=zone)
    for statement, weights in ANSWER_WEIGHTS.items():
        answer[statement] = _pick(weights, rng)
    answer["liked_most"] = rng.choice(LIKED_MOST) if rng.random() < 0.4 else ""
    answer["could_do_better"] = rng.choice(COULD_DO_BETTER) if rng.random() < 0.25 else ""
    return answer


def _follow_up_answer(
    month: dt.date, about: dict, answered_at: dt.datetime, *, zone: ZoneInfo, rng: random.Random
) -> dict:
    answer = _answer(SurveyKind.FOLLOW_UP, month, about, answered_at, zone=zone)
    for question in ("applied", "changed_something", "used_other_resources"):
        answer[question] = _pick(FOLLOW_UP_WEIGHTS, rng)
    return answer


def _close(months: list[dt.date], *, now: dt.datetime, zone: ZoneInfo, rng: random.Random) -> int:
    """Close the months not closed yet, oldest first, each with two patron quotes, recorded as sent to the
    board on their send day (as the daily send would have done), and email no one."""
    closed = set(MonthlyReport.objects.filter(month__in=months).values_list("month", flat=True))
    to_close = [month for month in months if month not in closed]
    last_before = ReportClosing.objects.aggregate(last=Max("pk"))["last"] or 0
    for month in to_close:
        # The PDFs are left to be built when first opened: the demo loads in seconds.
        report = month_close(month=month, now=now, build_pdf=False)
        # Two different things patrons liked, as a coordinator would choose them.
        by_text = {response.liked_most: response.pk for response in quote_candidates(month) if response.liked_most}
        if by_text:
            chosen = rng.sample(sorted(by_text.values()), min(2, len(by_text)))
            report_quotes_set(report=report, response_ids=chosen, build_pdf=False)
    new_closings = list(ReportClosing.objects.filter(pk__gt=last_before).select_related("report"))
    for closing in new_closings:
        closing.sent_at = min(dt.datetime.combine(report_send_date(closing.report.month), dt.time(7), tzinfo=zone), now)
    ReportClosing.objects.bulk_update(new_closings, ["sent_at"])
    # Demo reports go to no one: drop any board email a closing queued.
    Notification.objects.filter(
        content_type=ContentType.objects.get_for_model(ReportClosing),
        object_id__in=[str(closing.pk) for closing in new_closings],
    ).delete()
    return len(to_close)
