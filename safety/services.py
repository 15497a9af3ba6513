"""Writes of the safety app: its business rules, called by views, admin actions, Celery tasks and commands alike."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from makerlab.formatting import day_text
from makerlab.pagecache import bump
from makerlab.selectors import branches_active
from makerlab.services import notification_queue
from makerlab.validators import validate_plain_text
from safety.models import (
    ActionStatus,
    BranchSafety,
    CorrectiveAction,
    Inspection,
    InspectionItem,
    InspectionResult,
    SafetyReport,
)
from safety.selectors import action_owner_choices, actions_due_for_reminder, month_last_day

# --- Inspections and corrective actions ---

# A finding's action is due this long after the inspection unless the inspector chooses another date.
ACTION_DEFAULT_DAYS = 14
# An action cannot be given a due date further ahead than this: a date years away is a typing slip.
ACTION_LONGEST_DAYS = 366
ACTION_DESCRIPTION_MAX = 2000
NOTE_MAX = 2000
# Overdue actions are emailed to their owner at most once in this many days (each action's last_reminded_on).
REMINDER_INTERVAL_DAYS = 7

INSPECTION_DUE_KIND = "safety_inspection_due"
ACTIONS_OVERDUE_KIND = "safety_actions_overdue"


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _person_name(user) -> str:
    return user.get_full_name() or user.get_username()


def inspection_checklist(*, inspection: Inspection) -> list[InspectionResult]:
    """The inspection's lines: the checklist's active items as they read when the inspection was made.

    Made once (an inspection added in the admin gets its lines the first time it is opened); the coordinator's
    later changes to the checklist reach next month's inspection, never one already started."""
    results = list(inspection.results.all())
    if results:
        return results
    items = InspectionItem.objects.filter(active=True).order_by("position", "id")
    InspectionResult.objects.bulk_create(
        [InspectionResult(inspection=inspection, item_text=item.text, position=item.position) for item in items],
        ignore_conflicts=True,
    )
    bump("staff")
    return list(inspection.results.all())


def _inspection_due_email(inspection: Inspection) -> None:
    inspector = inspection.inspector
    if inspector is None or not inspector.email:
        return
    notification_queue(
        kind=INSPECTION_DUE_KIND,
        recipient=inspector.email,
        template=INSPECTION_DUE_KIND,
        context={
            "first_name": inspector.first_name or inspector.get_username(),
            "branch": inspection.branch.name,
            "month": f"{inspection.month:%B %Y}",
            "due": day_text(inspection.due_on),
            "url": _absolute(reverse("safety:inspection", kwargs={"pk": inspection.pk})),
        },
        idempotency_key=f"safety_inspection:{inspection.pk}:due:{inspector.pk}",
        related_object=inspection,
    )


def inspections_schedule(*, today: dt.date) -> int:
    """Make each active branch's inspection for the month of ``today``, due on its last day, assigned to the
    branch's health and safety representative, who is emailed once; returns how many inspections were made.

    Safe to run twice or at once (one inspection per branch and month, one email per inspection and inspector).
    An inspection made while the branch had no representative is assigned, and emailed, once one is named.
    """
    month = today.replace(day=1)
    representatives = dict(BranchSafety.objects.values_list("branch_id", "representative_id"))
    users = get_user_model().objects.in_bulk([pk for pk in representatives.values() if pk])
    made = 0
    for branch in branches_active():
        representative = users.get(representatives.get(branch.pk))
        if representative is not None and not representative.is_active:
            representative = None
        with transaction.atomic():
            inspection, created = Inspection.objects.select_for_update().get_or_create(
                branch=branch,
                month=month,
                defaults={"due_on": month_last_day(month), "inspector": representative},
            )
            made += created
            if inspection.completed_at is not None:
                continue
            if inspection.inspector_id is None and representative is not None:
                inspection.inspector = representative
                inspection.save(update_fields=["inspector"])
            inspection_checklist(inspection=inspection)
            _inspection_due_email(inspection)
    return made


@dataclass(frozen=True)
class Finding:
    """What the inspector found on one line; for a line not OK, who puts it right and by when (None: defaults)."""

    result_id: int
    ok: bool | None
    note: str = ""
    owner_id: int | None = None
    due_on: dt.date | None = None


def _field_error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def action_due_check(due_on: dt.date, *, today: dt.date, field: str = "due_on") -> None:
    if due_on < today:
        raise _field_error(field, "Choose a due date from today on.", "action_due_in_past")
    if due_on > today + dt.timedelta(days=ACTION_LONGEST_DAYS):
        raise _field_error(field, "Choose a due date within a year.", "action_due_too_far")


def _owner(owner_id: int | None, *, field: str):
    owner = action_owner_choices().filter(pk=owner_id).first() if owner_id is not None else None
    if owner is None:
        raise _field_error(field, "Choose who puts it right from the list.", "action_owner_unknown")
    return owner


def _text(value: str, *, field: str, limit: int, required: bool, message: str) -> str:
    value = (value or "").strip()
    if required and not value:
        raise _field_error(field, message, "required")
    if len(value) > limit:
        raise _field_error(field, f"Keep it to {limit} characters or fewer.", "too_long")
    try:
        validate_plain_text(value)
    except ValidationError as error:
        raise _field_error(field, " ".join(error.messages), error.code or "not_plain_text") from error
    return value


def inspection_complete(
    *, inspection_id: int, findings: list[Finding], by, now: dt.datetime | None = None
) -> list[CorrectiveAction]:
    """Record the inspection: every line OK or not, with a note; each line not OK becomes a corrective action,
    all in one transaction. Returns the actions made. Only the inspector or a coordinator may complete it, once."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        inspection = Inspection.objects.select_for_update().select_related("branch").get(pk=inspection_id)
        if not inspection_can_do(inspection, user=by):
            raise ValidationError(
                "Only the inspector or the coordinator records this inspection.", code="not_inspector"
            )
        if inspection.completed_at is not None:
            raise ValidationError("This inspection was already recorded.", code="inspection_already_completed")
        results = {result.pk: result for result in inspection_checklist(inspection=inspection)}
        if not results:
            raise ValidationError(
                "The checklist is empty: the coordinator adds its lines in the admin first.", code="checklist_empty"
            )
        given = {finding.result_id: finding for finding in findings}
        errors: dict[str, list[ValidationError]] = {}
        actions = []
        for result in results.values():
            prefix = f"result-{result.pk}"
            finding = given.get(result.pk)
            try:
                if finding is None or finding.ok is None:
                    raise _field_error(f"{prefix}-ok", f"Say whether “{result.item_text}” is OK.", "finding_missing")
                note = _text(
                    finding.note,
                    field=f"{prefix}-note",
                    limit=NOTE_MAX,
                    required=not finding.ok,
                    message=f"Say what is wrong with “{result.item_text}”.",
                )
                if not finding.ok:
                    owner = _owner(finding.owner_id or by.pk, field=f"{prefix}-owner")
                    due_on = finding.due_on or today + dt.timedelta(days=ACTION_DEFAULT_DAYS)
                    action_due_check(due_on, today=today, field=f"{prefix}-due_on")
                    actions.append((result, note, owner, due_on))
            except ValidationError as error:
                for field, field_errors in error.error_dict.items():
                    errors.setdefault(field, []).extend(field_errors)
                continue
            result.ok, result.note = finding.ok, note
        if errors:
            raise ValidationError(errors)
        InspectionResult.objects.bulk_update(list(results.values()), ["ok", "note"])
        made = [
            CorrectiveAction.objects.create(
                description=f"{result.item_text}: {note}",
                owner=owner,
                due_on=due_on,
                inspection_result=result,
                created_at=now,
            )
            for result, note, owner, due_on in actions
        ]
        inspection.completed_at, inspection.completed_by = now, by
        inspection.save(update_fields=["completed_at", "completed_by"])
    return made


def inspection_can_do(inspection: Inspection, *, user) -> bool:
    return user.pk == inspection.inspector_id or user.has_perm("safety.change_inspection")


def action_create(
    *,
    description: str,
    owner_id: int | None,
    due_on: dt.date,
    by,
    report: SafetyReport | None = None,
    inspection_result: InspectionResult | None = None,
    now: dt.datetime | None = None,
) -> CorrectiveAction:
    """A corrective action from a report, from an inspection finding, or on its own (the coordinator's)."""
    now = now or timezone.now()
    if not by.has_perm("safety.add_correctiveaction"):
        raise ValidationError("Only the coordinator sets corrective actions.", code="not_coordinator")
    if report is not None and inspection_result is not None:
        raise ValidationError("An action comes from a report or an inspection finding, not both.", code="two_sources")
    description = _text(
        description, field="description", limit=ACTION_DESCRIPTION_MAX, required=True, message="Say what to put right."
    )
    owner = _owner(owner_id, field="owner")
    action_due_check(due_on, today=timezone.localdate(now))
    return CorrectiveAction.objects.create(
        description=description,
        owner=owner,
        due_on=due_on,
        report=report,
        inspection_result=inspection_result,
        created_at=now,
    )


def action_can_change(action: CorrectiveAction, *, user) -> bool:
    return user.pk == action.owner_id or user.has_perm("safety.change_correctiveaction")


def action_status_change(*, action_id: int, status: str, by, now: dt.datetime | None = None) -> CorrectiveAction:
    """Move an action to open, in progress or done; done records when, and reopening clears it."""
    now = now or timezone.now()
    if status not in ActionStatus.values:
        raise _field_error("status", "Choose open, in progress or done.", "action_status_unknown")
    with transaction.atomic():
        action = CorrectiveAction.objects.select_for_update().get(pk=action_id)
        if not action_can_change(action, user=by):
            raise ValidationError("Only the action's owner or the coordinator changes it.", code="not_action_owner")
        if action.status == status:
            return action
        action.status = status
        action.completed_at = now if status == ActionStatus.DONE else None
        action.save(update_fields=["status", "completed_at"])
    return action


def action_complete(*, action_id: int, by, now: dt.datetime | None = None) -> CorrectiveAction:
    return action_status_change(action_id=action_id, status=ActionStatus.DONE, by=by, now=now)


def actions_remind_overdue(*, today: dt.date) -> int:
    """Email each owner their overdue actions not reminded of in the last week, in one email per owner and day;
    returns how many emails were queued. Run twice (or at once), each action is reminded of once a week."""
    owners = list(
        actions_due_for_reminder(today=today, interval_days=REMINDER_INTERVAL_DAYS)
        .order_by()
        .values_list("owner_id", flat=True)
        .distinct()
    )
    queued = 0
    for owner_id in owners:
        with transaction.atomic():
            actions = list(
                actions_due_for_reminder(today=today, interval_days=REMINDER_INTERVAL_DAYS)
                .filter(owner_id=owner_id)
                .select_for_update(skip_locked=True)
                .select_related("owner")
                .order_by("due_on", "pk")
            )
            if not actions:
                continue
            owner = actions[0].owner
            CorrectiveAction.objects.filter(pk__in=[action.pk for action in actions]).update(last_reminded_on=today)
            if not owner.is_active or not owner.email:
                continue
            try:
                _, created = notification_queue(
                    kind=ACTIONS_OVERDUE_KIND,
                    recipient=owner.email,
                    template=ACTIONS_OVERDUE_KIND,
                    context={
                        "first_name": owner.first_name or owner.get_username(),
                        "actions": [
                            {"description": action.description, "due": day_text(action.due_on, today=today)}
                            for action in actions
                        ],
                        "url": _absolute(reverse("safety:my_actions")),
                    },
                    idempotency_key=f"safety_actions_overdue:{owner_id}:{today.isoformat()}",
                    related_object=owner,
                )
            except IntegrityError:
                created = False
            queued += created
    if owners:
        bump("staff")
    return queued
