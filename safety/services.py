"""Writes about health and safety: the rules the admin, the staff area and the tasks share. Each function is one
transaction and refuses bad input with a coded reason."""

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from django.conf import settings
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
from makerlab.locking import locked
from makerlab.models import Branch
from makerlab.pagecache import bump
from makerlab.services import notification_queue
from makerlab.validators import validate_plain_text
from safety import selectors
from safety.models import (
    InvolvedRole,
    OutOfService,
    PreUseCheck,
    ProcedureAcknowledgement,
    ProcedureVersion,
    ReportKind,
    SafetyReport,
    Severity,
)
from safety.selectors import is_current, pre_use_checklists
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
        "report_url": settings.SITE_URL.rstrip("/") + reverse("admin:safety_safetyreport_change", args=[report.pk]),
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
