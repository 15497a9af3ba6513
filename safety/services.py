"""Writes about health and safety: the rules the admin, the staff area and the tasks share. Each function is one
transaction and refuses bad input with a coded reason."""

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from bookings.models import Equipment
from bookings.services.maintenance import equipment_back_in_service, equipment_out_until_cleared
from makerlab.equipment_rules import PRE_USE_CHECKLIST
from makerlab.formatting import day_text, moment_text
from makerlab.http import site_url
from makerlab.locking import locked
from makerlab.models import Branch
from makerlab.pagecache import bump
from makerlab.selectors import branches_active
from makerlab.services import notification_queue
from makerlab.validators import validate_plain_text
from safety import selectors
from safety.models import (
    ActionStatus,
    BranchSafety,
    CorrectiveAction,
    Inspection,
    InspectionItem,
    InspectionResult,
    InvolvedRole,
    OutOfService,
    PreUseCheck,
    ProcedureAcknowledgement,
    ProcedureVersion,
    ReportKind,
    SafetyReport,
    Severity,
)
from safety.selectors import (
    action_owner_choices,
    actions_due_for_reminder,
    is_current,
    month_last_day,
    pre_use_checklists,
)
from staffing.models import StaffMember

# --- Procedures ------------------------------------------------------------------------------------------------

TITLE_MAX = ProcedureVersion._meta.get_field("title").max_length
CHANGE_SUMMARY_MAX = ProcedureVersion._meta.get_field("change_summary").max_length
BODY_MAX = 20_000


def procedure_check(*, title: str, body: str, change_summary: str = "") -> None:
    """A procedure's text is plain text (it reaches a PDF), with a title and a body of a readable length."""
    errors: dict[str, list[ValidationError]] = {}
    for name, value, longest, required in (
        ("title", title, TITLE_MAX, True),
        ("body", body, BODY_MAX, True),
        ("change_summary", change_summary, CHANGE_SUMMARY_MAX, False),
    ):
        if required and not value.strip():
            errors.setdefault(name, []).append(ValidationError("Write this part of the procedure.", code="required"))
        if len(value) > longest:
            errors.setdefault(name, []).append(
                ValidationError(f"Keep this to {longest} characters at most.", code="too_long")
            )
        try:
            validate_plain_text(value)
        except ValidationError as error:
            errors.setdefault(name, []).append(error)
    if errors:
        raise ValidationError(errors)


def procedure_publish(
    *,
    equipment: Equipment,
    title: str,
    body: str,
    change_summary: str = "",
    by: AbstractBaseUser | None = None,
    now: dt.datetime | None = None,
) -> ProcedureVersion:
    """Publish a new version of the equipment's procedure: it becomes the current one, numbered one after the
    last, and everyone who supervises the equipment is asked to read and acknowledge it again.

    The equipment row is locked, so two versions published at once get consecutive numbers.
    """
    title, body, change_summary = title.strip(), body.strip(), change_summary.strip()
    procedure_check(title=title, body=body, change_summary=change_summary)
    try:
        with transaction.atomic():
            locked(Equipment.objects.filter(pk=equipment.pk)).get()
            last = ProcedureVersion.objects.filter(equipment=equipment).aggregate(last=Max("number"))["last"] or 0
            return ProcedureVersion.objects.create(
                equipment=equipment,
                number=last + 1,
                title=title,
                body=body,
                change_summary=change_summary,
                published_at=now or timezone.now(),
                published_by=by,
            )
    except IntegrityError as error:
        raise ValidationError(
            "Another version of this procedure was published at the same moment. Reload and try again.",
            code="procedure_version_taken",
        ) from error


def procedure_acknowledge(
    *, version: ProcedureVersion, staff_member: StaffMember, now: dt.datetime | None = None
) -> ProcedureAcknowledgement:
    """Record that ``staff_member`` read and understood this version; acknowledging it again changes nothing.

    Only the current version can be acknowledged: an older one, replaced since the page was opened, is refused.
    """
    if not staff_member.is_active:
        raise ValidationError("Only people who work in the Maker Lab acknowledge procedures.", code="inactive")
    existing = ProcedureAcknowledgement.objects.filter(version=version, staff_member=staff_member).first()
    if existing is not None:
        return existing
    if not is_current(version):
        raise ValidationError(
            f"A newer version of the procedure of {version.equipment} has been published since. "
            "Read the current version, then acknowledge it.",
            code="procedure_not_current",
        )
    acknowledgement, _ = ProcedureAcknowledgement.objects.get_or_create(
        version=version, staff_member=staff_member, defaults={"acknowledged_at": now or timezone.now()}
    )
    return acknowledgement


logger = logging.getLogger(__name__)


def _absolute(path: str) -> str:
    """A page's full address as the library publishes it, for the emails."""
    return site_url(path)


# --- Reports ---

# A phone's clock may run a little ahead of the server's.
CLOCK_GRACE = dt.timedelta(minutes=5)
# Older events go to the coordinator, who can add them in the admin with what they know.
OLDEST_EVENT = dt.timedelta(days=365)
TEXT_LIMITS = {"location": 200, "what_happened": 4000, "names_involved": 500, "first_aid_given": 2000}
URGENT_EMAIL = "safety_report_urgent"
# OHSA s. 51: a written report of a critical injury within 48 hours of the occurrence.
WRITTEN_REPORT_WITHIN = dt.timedelta(hours=48)
# WSIB: the employer's report (Form 7) within 3 days of learning of a worker's lost-time injury.
WSIB_FORM_7_WITHIN = dt.timedelta(days=3)
OUT_OF_SERVICE_REASON = "Out of service for safety until the coordinator clears it"


@dataclass(frozen=True)
class ReportDetails:
    """What a staff member reports, as the form gives it."""

    kind: str
    branch: Branch
    occurred_at: dt.datetime
    location: str
    what_happened: str
    equipment: Equipment | None = None
    roles_involved: tuple[str, ...] = ()
    names_involved: str = ""
    severity: str = Severity.NONE
    worker_lost_time: bool = False
    first_aid_given: str = ""
    takes_equipment_out_of_service: bool = False


@dataclass(frozen=True)
class ReportFiled:
    """The report, and what filing it set going: who was emailed, the out-of-service period it started or joined."""

    report: SafetyReport
    emailed: list[str] = field(default_factory=list)
    out_of_service: OutOfService | None = None
    already_out_of_service: bool = False
    bookings_cancelled: int = 0


def _report_errors(reporter: AbstractBaseUser, details: ReportDetails, now: dt.datetime) -> dict[str, list]:
    errors: dict[str, list[ValidationError]] = {}

    def refuse(name: str, message: str, code: str) -> None:
        errors.setdefault(name, []).append(ValidationError(message, code=code))

    if details.kind not in ReportKind.values:
        refuse("kind", "Choose hazard, near miss or incident.", "kind_unknown")
    if details.severity not in Severity.values:
        refuse("severity", "Choose how badly someone was hurt, or no injury.", "severity_unknown")
    if not set(details.roles_involved) <= set(InvolvedRole.values):
        refuse("roles_involved", "Choose who was involved from the list.", "role_unknown")
    for name, limit in TEXT_LIMITS.items():
        text = getattr(details, name)
        try:
            validate_plain_text(text)
        except ValidationError as error:
            errors.setdefault(name, []).extend(error.error_list)
        if len(text) > limit:
            refuse(name, f"Keep this to {limit} characters or fewer.", "too_long")
    if not details.location.strip():
        refuse("location", "Say where it happened, for example “laser room”.", "location_missing")
    if not details.what_happened.strip():
        refuse("what_happened", "Say what happened, in a sentence or two.", "what_happened_missing")
    if details.occurred_at > now + CLOCK_GRACE:
        refuse("occurred_at", "This time has not come yet. Give the time it happened.", "occurred_in_future")
    elif details.occurred_at < now - OLDEST_EVENT:
        refuse(
            "occurred_at",
            "This was more than a year ago. Tell the coordinator, who records older events.",
            "occurred_too_long_ago",
        )
    if details.branch not in selectors.report_branches(user=reporter, now=now):
        refuse("branch", "Choose one of your branches.", "branch_not_yours")
    if details.equipment is not None and details.equipment.branch_id != details.branch.pk:
        refuse("equipment", f"The {details.equipment} is not at {details.branch}.", "equipment_other_branch")
    if details.severity != Severity.NONE and details.kind != ReportKind.INCIDENT:
        refuse("kind", "Someone was hurt: report it as an incident.", "injury_not_incident")
    if details.worker_lost_time and details.severity == Severity.NONE:
        refuse("worker_lost_time", "Lost time from work goes with an injury: choose how badly.", "lost_time_no_injury")
    if details.takes_equipment_out_of_service and details.equipment is None:
        refuse("equipment", "Choose the machine to take out of service.", "out_of_service_without_equipment")
    return errors


def report_file(*, reporter: AbstractBaseUser, details: ReportDetails, now: dt.datetime | None = None) -> ReportFiled:
    """File a hazard, near-miss or incident report, and set going what it calls for, all in one transaction.

    A critical injury, or a worker's lost-time injury, emails the coordinators and managers at once with what the
    law asks next. Taking the equipment out of service blocks it until the coordinator clears it and cancels its
    bookings; when it is already out, the report joins the open period. Reports on one machine are filed one at a
    time (its row is locked), so two filed together give one period, one cancellation and one email per patron.
    """
    now = now or timezone.now()
    if not selectors.may_file_reports(reporter):
        raise PermissionDenied("Health and safety reports are filed by people who work in the Maker Lab.")
    errors = _report_errors(reporter, details, now)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if details.takes_equipment_out_of_service:
            locked(Equipment.objects.filter(pk=details.equipment.pk)).get()
        report = SafetyReport.objects.create(
            kind=details.kind,
            branch=details.branch,
            occurred_at=details.occurred_at,
            reported_at=now,
            reported_by=reporter,
            location=details.location.strip(),
            equipment=details.equipment,
            what_happened=details.what_happened.strip(),
            roles_involved=sorted(set(details.roles_involved)),
            names_involved=details.names_involved.strip(),
            injury=details.severity != Severity.NONE,
            severity=details.severity,
            worker_lost_time=details.worker_lost_time,
            first_aid_given=details.first_aid_given.strip(),
            takes_equipment_out_of_service=details.takes_equipment_out_of_service,
        )
        filed = ReportFiled(report=report)
        if details.takes_equipment_out_of_service:
            filed = _take_out_of_service(report, reporter=reporter, now=now)
        if report.severity == Severity.CRITICAL or report.worker_lost_time:
            filed = replace(filed, emailed=_tell_safety_leads(report, filed))
        return filed


def report_urgent_tell(*, report: SafetyReport) -> list[str]:
    """Email the coordinators and managers about a report that is now critical or a worker's lost time (the
    coordinator may correct a report in the admin); each person is told once per report, however often it is
    saved. Returns who was emailed, or [] when the report is not urgent."""
    if report.severity != Severity.CRITICAL and not report.worker_lost_time:
        return []
    period = report.out_of_service_period
    with transaction.atomic():
        return _tell_safety_leads(report, ReportFiled(report=report, out_of_service=period))


def _take_out_of_service(report: SafetyReport, *, reporter: AbstractBaseUser, now: dt.datetime) -> ReportFiled:
    """Under the equipment's lock: join the open period, or start one (a maintenance window, bookings cancelled)."""
    period = OutOfService.objects.filter(equipment=report.equipment, cleared_at__isnull=True).first()
    already = period is not None
    cancelled = 0
    if period is None:
        started = equipment_out_until_cleared(
            equipment=report.equipment, reason=OUT_OF_SERVICE_REASON, now=now, by=reporter
        )
        period = OutOfService.objects.create(
            equipment=report.equipment,
            report=report,
            maintenance_window=started.window,
            started_at=now,
            bookings_cancelled=len(started.cancelled),
        )
        cancelled = len(started.cancelled)
    report.out_of_service_period = period
    report.save(update_fields=["out_of_service_period"])
    return ReportFiled(
        report=report, out_of_service=period, already_out_of_service=already, bookings_cancelled=cancelled
    )


def _tell_safety_leads(report: SafetyReport, filed: ReportFiled) -> list[str]:
    """Email each coordinator and manager once about this report: what the law asks next, no names or health
    details beyond how serious it is (the full report is behind their login)."""
    zone = report.branch.zone
    today = report.reported_at.astimezone(zone).date()
    context = {
        "kind": report.get_kind_display(),
        "severity": report.get_severity_display(),
        "critical": report.severity == Severity.CRITICAL,
        "worker_lost_time": report.worker_lost_time,
        "branch": report.branch.name,
        "location": report.location,
        "equipment": str(report.equipment) if report.equipment else "",
        "occurred": moment_text(report.occurred_at, zone=zone, today=today),
        "written_report_by": moment_text(report.occurred_at + WRITTEN_REPORT_WITHIN, zone=zone, today=today),
        "form_7_by": day_text((report.reported_at + WSIB_FORM_7_WITHIN).astimezone(zone).date(), today=today),
        "roles": ", ".join(InvolvedRole(role).label.lower() for role in report.roles_involved),
        "out_of_service": filed.out_of_service is not None,
        "report_url": _absolute(reverse("admin:safety_safetyreport_change", args=[report.pk])),
    }
    leads = selectors.safety_leads()
    if not leads:
        logger.warning("Safety report %s needs the coordinator at once, but no coordinator has an email.", report.pk)
    for lead in leads:
        notification_queue(
            kind=URGENT_EMAIL,
            recipient=lead.email,
            template=URGENT_EMAIL,
            context=context,
            idempotency_key=f"safety_report:{report.pk}:urgent:{lead.pk}",
            related_object=report,
        )
    return [lead.email for lead in leads]


def out_of_service_clear(*, period: OutOfService, by: AbstractBaseUser, now: dt.datetime | None = None) -> OutOfService:
    """Return the equipment to service: only the coordinator (who may change out-of-service periods) does."""
    now = now or timezone.now()
    if not by.has_perm("safety.change_outofservice"):
        raise PermissionDenied("Only the coordinator returns equipment to service.")
    with transaction.atomic():
        period = locked(OutOfService.objects.filter(pk=period.pk)).get()
        if period.cleared_at is not None:
            raise ValidationError("This equipment is already back in service.", code="already_cleared")
        period.cleared_at = max(now, period.started_at)
        period.cleared_by = by
        period.save(update_fields=["cleared_at", "cleared_by"])
        if period.maintenance_window_id is not None:
            equipment_back_in_service(window=period.maintenance_window, now=period.cleared_at)
        return period


def reports_remove_personal_details(*, now: dt.datetime | None = None) -> int:
    """Remove names and first aid from reports of events more than SAFETY_REPORT_RETENTION_DAYS ago; returns how
    many. What happened, where, the roles involved and how serious it was stay, for the statistics and the
    lessons; the form asks for no names in the account of what happened. Safe to run twice."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.SAFETY_REPORT_RETENTION_DAYS)
    with transaction.atomic():
        bump("staff")
        return SafetyReport.objects.filter(occurred_at__lt=cutoff, personal_details_removed_at__isnull=True).update(
            names_involved="", first_aid_given="", personal_details_removed_at=now
        )


# --- Pre-use checks at check-in ----------------------------------------------------------------------------


def pre_use_check_record(
    *,
    booking_id: int,
    equipment_id: int,
    ticked: Sequence[str],
    by: AbstractBaseUser | None,
    now: dt.datetime,
) -> PreUseCheck | None:
    """Keep with the booking the pre-use checklist staff went through with the patron at check-in.

    Every line must be ticked: a machine is used only once each line was checked, so a partly ticked list is
    refused, naming what is left, and the check-in with it. The lines are kept as they read then (the checklist
    may change later). Equipment without a checklist needs nothing and records nothing. Called while the booking
    is locked for its check-in, inside that transaction.
    """
    lines = pre_use_checklists(equipment_ids=[equipment_id]).get(equipment_id, [])
    if not lines:
        return None
    ticked_keys = {str(key) for key in ticked}
    missing = [line.text for line in lines if line.key not in ticked_keys]
    if missing:
        raise ValidationError(
            {
                PRE_USE_CHECKLIST: ValidationError(
                    "Go through the safety checklist with the patron and tick every line before checking them in. "
                    f"Not ticked yet: {'; '.join(missing)}.",
                    code="pre_use_check_incomplete",
                )
            }
        )
    check, _ = PreUseCheck.objects.update_or_create(
        booking_id=booking_id,
        defaults={"checked_by": by, "checked_at": now, "items": [line.text for line in lines]},
    )
    return check


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


def _owner(owner_id: int | None, *, field: str, owners: dict | None = None):
    """The action's owner, if one of action_owner_choices; ``owners``: those already read (by id), for many lines."""
    if owners is not None:
        owner = owners.get(owner_id)
    else:
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
        # Every owner named on the form, read at once: a query per line not OK would grow with the findings.
        owner_ids = {finding.owner_id or by.pk for finding in findings if finding.ok is False}
        owners = action_owner_choices().in_bulk(owner_ids) if owner_ids else {}
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
                    owner = _owner(finding.owner_id or by.pk, field=f"{prefix}-owner", owners=owners)
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
        made = CorrectiveAction.objects.bulk_create(
            [
                CorrectiveAction(
                    description=f"{result.item_text}: {note}",
                    owner=owner,
                    due_on=due_on,
                    inspection_result=result,
                    created_at=now,
                )
                for result, note, owner, due_on in actions
            ]
        )
        inspection.completed_at, inspection.completed_by = now, by
        inspection.save(update_fields=["completed_at", "completed_by"])
    return made


def inspection_can_do(inspection: Inspection, *, user) -> bool:
    return user.pk == inspection.inspector_id or user.has_perm("safety.change_inspection")


def inspection_can_open(inspection: Inspection, *, user) -> bool:
    """Whoever may record the inspection, and whoever sees every inspection."""
    return inspection_can_do(inspection, user=user) or user.has_perm("safety.view_inspection")


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
