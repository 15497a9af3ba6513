"""Builders for the health and safety tests: representatives, inspections, findings and actions."""

import datetime as dt

from django.utils import timezone

from safety.models import ActionStatus, BranchSafety, CorrectiveAction, Inspection, InspectionItem, InspectionResult
from safety.selectors import month_last_day
from safety.services import inspection_checklist


def representative_of(branch, user) -> BranchSafety:
    arrangement, _ = BranchSafety.objects.update_or_create(branch=branch, defaults={"representative": user})
    return arrangement


def inspection_for(branch, *, month: dt.date, inspector=None, completed_at=None) -> Inspection:
    inspection = Inspection.objects.create(
        branch=branch,
        month=month,
        due_on=month_last_day(month),
        inspector=inspector,
        completed_at=completed_at,
        completed_by=inspector if completed_at else None,
    )
    inspection_checklist(inspection=inspection)
    return inspection


def action_for(owner, *, due_on: dt.date, status=ActionStatus.OPEN, description="Restock the first-aid kit", **fields):
    return CorrectiveAction.objects.create(
        description=description,
        owner=owner,
        due_on=due_on,
        status=status,
        completed_at=timezone.now() if status == ActionStatus.DONE else None,
        **fields,
    )


def checklist_texts() -> list[str]:
    return list(InspectionItem.objects.filter(active=True).order_by("position", "id").values_list("text", flat=True))


def answers_all_ok(inspection: Inspection) -> dict[str, str]:
    return {f"result-{result.pk}-ok": "ok" for result in InspectionResult.objects.filter(inspection=inspection)}
