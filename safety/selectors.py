"""Reads of the safety app: what pages, template tags, emails and the board report show."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from makerlab.models import Branch
from safety.models import (
    ActionStatus,
    BranchSafety,
    CorrectiveAction,
    Inspection,
    OutOfService,
    ReportKind,
    SafetyReport,
    Severity,
)

# --- Inspections and corrective actions ---

# The start page lists this many overdue inspections and actions, then says how many more.
START_ALERT_ROWS = 5


def month_last_day(month: dt.date) -> dt.date:
    """The last day of the month that starts on ``month``: a monthly inspection is due by then."""
    next_month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return next_month - dt.timedelta(days=1)


def action_owner_choices() -> QuerySet:
    """Who can own a corrective action: active staff logins and the branches' health and safety representatives."""
    representatives = BranchSafety.objects.filter(representative__isnull=False).values("representative_id")
    return (
        get_user_model()
        .objects.filter(Q(is_staff=True) | Q(pk__in=representatives), is_active=True)
        .order_by("first_name", "last_name", "username")
    )


def actions_open() -> QuerySet[CorrectiveAction]:
    return CorrectiveAction.objects.exclude(status=ActionStatus.DONE)


def actions_overdue(*, today: dt.date) -> QuerySet[CorrectiveAction]:
    """Actions not done whose due date has passed (an action due today is not overdue yet)."""
    return actions_open().filter(due_on__lt=today)


def actions_due_for_reminder(*, today: dt.date, interval_days: int) -> QuerySet[CorrectiveAction]:
    """Overdue actions whose owner was not reminded of them in the last ``interval_days`` days."""
    last_due = today - dt.timedelta(days=interval_days)
    return actions_overdue(today=today).filter(Q(last_reminded_on__isnull=True) | Q(last_reminded_on__lte=last_due))


def inspections_overdue(*, today: dt.date) -> QuerySet[Inspection]:
    """Inspections not recorded by their due date."""
    return Inspection.objects.filter(completed_at__isnull=True, due_on__lt=today)


def inspections_for(*, user) -> QuerySet[Inspection]:
    """The inspections a person sees: every one for the coordinator, their own for a representative."""
    inspections = Inspection.objects.select_related("branch", "inspector", "completed_by").annotate(
        findings=Count("results", filter=Q(results__ok=False))
    )
    if user.has_perm("safety.view_inspection"):
        return inspections.order_by("-month", "branch__display_order", "branch__name")
    return inspections.filter(inspector=user).order_by("-month", "branch__name")


def inspection_for_page(*, pk: int) -> Inspection | None:
    return Inspection.objects.select_related("branch", "inspector", "completed_by").filter(pk=pk).first()


def actions_of(*, owner) -> QuerySet[CorrectiveAction]:
    """An owner's actions still to do, the oldest due first."""
    return _with_source(actions_open().filter(owner=owner)).order_by("due_on", "pk")


def actions_recently_done(*, owner, since: dt.datetime) -> QuerySet[CorrectiveAction]:
    return _with_source(CorrectiveAction.objects.filter(owner=owner, completed_at__gte=since)).order_by("-completed_at")


def actions_all_open() -> QuerySet[CorrectiveAction]:
    return _with_source(actions_open().select_related("owner")).order_by("due_on", "pk")


def actions_of_inspection(*, inspection: Inspection) -> QuerySet[CorrectiveAction]:
    return (
        CorrectiveAction.objects.filter(inspection_result__inspection=inspection).select_related("owner").order_by("pk")
    )


def action_for_change(*, pk: int) -> CorrectiveAction | None:
    return CorrectiveAction.objects.filter(pk=pk).only("pk", "owner_id", "description").first()


def _with_source(actions: QuerySet[CorrectiveAction]) -> QuerySet[CorrectiveAction]:
    """With where each action came from (a report's kind and branch, or an inspection's branch and month); never
    a report's account or names, which only the coordinator and the manager read, in the admin."""
    return actions.select_related("inspection_result__inspection__branch", "report__branch").defer(
        "report__what_happened",
        "report__names_involved",
        "report__first_aid_given",
    )


@dataclass(frozen=True)
class StartAlerts:
    """What the start page shows about health and safety: for the coordinator, every branch's overdue
    inspections and actions; for anyone, their own overdue actions."""

    inspections: list[Inspection]
    inspections_more: int
    actions: list[CorrectiveAction]
    actions_total: int
    own_actions: int

    @property
    def any(self) -> bool:
        return bool(self.inspections or self.actions_total or self.own_actions)

    @property
    def actions_more(self) -> int:
        return max(0, self.actions_total - len(self.actions))


def start_alerts(*, user, today: dt.date) -> StartAlerts:
    """Three queries for the coordinator, one for anyone else, whatever the amount of data."""
    overdue = actions_overdue(today=today)
    if not user.has_perm("safety.view_correctiveaction"):
        return StartAlerts([], 0, [], 0, overdue.filter(owner=user).count())
    counts = overdue.aggregate(total=Count("pk"), own=Count("pk", filter=Q(owner=user)))
    inspections = list(
        inspections_overdue(today=today)
        .select_related("branch")
        .order_by("due_on", "branch__name")[: START_ALERT_ROWS + 1]
    )
    actions = list(overdue.select_related("owner").order_by("due_on", "pk")[:START_ALERT_ROWS])
    return StartAlerts(
        inspections=inspections[:START_ALERT_ROWS],
        inspections_more=max(0, len(inspections) - START_ALERT_ROWS),
        actions=actions,
        actions_total=counts["total"],
        own_actions=counts["own"],
    )


# --- Board report ---


def board_figures(*, start_at: dt.datetime, end_at: dt.datetime, branch: Branch | None = None) -> dict:
    """The board report's health and safety counts for ``[start_at, end_at)``: aggregates only, in four queries.

    Reports are counted by when they happened; inspections by their due date (``start_at``/``end_at`` read as
    Toronto dates by the caller); actions as they stood at ``end_at``; out-of-service time is the part of each
    period inside ``[start_at, end_at)``, in days. An action set on its own belongs to no branch: a branch's
    figures count only the actions from its reports and inspections.
    """
    reports = SafetyReport.objects.filter(occurred_at__gte=start_at, occurred_at__lt=end_at)
    if branch is not None:
        reports = reports.filter(branch=branch)
    incident = Q(kind=ReportKind.INCIDENT)
    counts = reports.aggregate(
        hazards=Count("pk", filter=Q(kind=ReportKind.HAZARD)),
        near_misses=Count("pk", filter=Q(kind=ReportKind.NEAR_MISS)),
        incidents=Count("pk", filter=incident),
        **{
            f"incidents_{severity}": Count("pk", filter=incident & Q(severity=severity)) for severity in Severity.values
        },
    )
    return {
        **counts,
        **_inspection_figures(start_at=start_at, end_at=end_at, branch=branch),
        **_action_figures(end_at=end_at, branch=branch),
        "equipment_days_out": _days_out(start_at=start_at, end_at=end_at, branch=branch),
    }


def _local_date(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment)


def _inspection_figures(*, start_at: dt.datetime, end_at: dt.datetime, branch: Branch | None) -> dict:
    """Inspections due in the period, and those of them recorded by the end of their due day (Toronto time)."""
    inspections = Inspection.objects.filter(due_on__gte=_local_date(start_at), due_on__lt=_local_date(end_at))
    if branch is not None:
        inspections = inspections.filter(branch=branch)
    rows = inspections.values_list("due_on", "completed_at")
    due = on_time = 0
    for due_on, completed_at in rows:
        due += 1
        on_time += completed_at is not None and _local_date(completed_at) <= due_on
    return {"inspections_due": due, "inspections_on_time": on_time}


def _action_figures(*, end_at: dt.datetime, branch: Branch | None) -> dict:
    actions = CorrectiveAction.objects.filter(created_at__lt=end_at).filter(
        Q(completed_at__isnull=True) | Q(completed_at__gte=end_at)
    )
    if branch is not None:
        actions = actions.filter(Q(report__branch=branch) | Q(inspection_result__inspection__branch=branch))
    return actions.aggregate(
        actions_open=Count("pk"),
        actions_overdue=Count("pk", filter=Q(due_on__lt=_local_date(end_at))),
    )


def _days_out(*, start_at: dt.datetime, end_at: dt.datetime, branch: Branch | None) -> float:
    periods = OutOfService.objects.filter(started_at__lt=end_at).filter(
        Q(cleared_at__isnull=True) | Q(cleared_at__gt=start_at)
    )
    if branch is not None:
        periods = periods.filter(equipment__branch=branch)
    inside = ExpressionWrapper(
        Least(Coalesce("cleared_at", Value(end_at)), Value(end_at)) - Greatest(F("started_at"), Value(start_at)),
        output_field=DurationField(),
    )
    total = periods.aggregate(total=Sum(inside))["total"] or dt.timedelta(0)
    return round(total.total_seconds() / 86400, 1)
