"""Reads for health and safety."""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType

from bookings.models import Booking, Equipment
from bookings.selectors import bookings_cancelled_untold
from makerlab.models import Branch, Notification
from makerlab.selectors import branches_active
from safety.models import OutOfService, SafetyReport, Severity
from staffing.selectors import branch_ids_worked

# --- Reports ---

FILE_REPORTS = "safety.add_safetyreport"
READ_EVERY_REPORT = "safety.view_safetyreport"
# The roles whose people are told at once of a critical or lost-time injury.
SAFETY_LEAD_ROLES = ("Coordinator", "Manager")
# A person's branches are those of their shifts in this span around now.
WORKED_BEFORE = dt.timedelta(days=90)
WORKED_AFTER = dt.timedelta(days=30)
MY_REPORTS_SHOWN = 50


def may_file_reports(user: AbstractBaseUser) -> bool:
    """Anyone who works in the lab (an active staff member, volunteer or student) or holds the permission."""
    staff_member = getattr(user, "staff_member", None)
    return bool(user.is_authenticated and ((staff_member and staff_member.is_active) or user.has_perm(FILE_REPORTS)))


def reads_every_report(user: AbstractBaseUser) -> bool:
    """The coordinator and the manager read every report in full; everyone else only their own, without health
    details."""
    return user.has_perm(READ_EVERY_REPORT)


def report_branches(*, user: AbstractBaseUser, now: dt.datetime) -> list[Branch]:
    """The branches a person reports from: those of their shifts lately or soon, else every active branch (a
    coordinator, or someone not yet scheduled)."""
    branches = branches_active()
    staff_member = getattr(user, "staff_member", None)
    if staff_member is None or reads_every_report(user):
        return branches
    worked = branch_ids_worked(staff_member=staff_member, start=now - WORKED_BEFORE, end=now + WORKED_AFTER)
    return [branch for branch in branches if branch.pk in worked] or branches


def report_equipment(*, branches: list[Branch]) -> list[Equipment]:
    return list(
        Equipment.objects.filter(branch__in=branches)
        .select_related("branch")
        .order_by("branch__display_order", "branch__name", "name")
    )


def reports_filed_by(*, user: AbstractBaseUser, limit: int = MY_REPORTS_SHOWN) -> list[SafetyReport]:
    """The person's own reports, latest first, with what they need to be listed: one query."""
    return list(
        SafetyReport.objects.filter(reported_by=user)
        .select_related("branch", "equipment", "out_of_service_period")
        .order_by("-reported_at", "-pk")[:limit]
    )


def safety_leads() -> list[AbstractBaseUser]:
    """The active coordinators and managers with an email address, who are told of serious injuries."""
    return list(
        get_user_model()
        .objects.filter(groups__name__in=SAFETY_LEAD_ROLES, is_active=True)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


@dataclass(frozen=True)
class FiledReport:
    """A report as its confirmation tells it: what filing it set going."""

    report: SafetyReport
    urgent: bool
    leads_emailed: int
    out_of_service: OutOfService | None
    # Patrons whose bookings it cancelled and who gave no email: staff phone them.
    to_phone: list[Booking] = field(default_factory=list)

    @property
    def took_out_of_service(self) -> bool:
        return self.out_of_service is not None and self.out_of_service.report_id == self.report.pk


def report_as_filed(*, pk: int, user: AbstractBaseUser) -> FiledReport | None:
    """The person's own report (any report for those who read them all), or None: three queries at most."""
    reports = SafetyReport.objects.select_related("branch", "equipment", "out_of_service_period__equipment")
    if not reads_every_report(user):
        reports = reports.filter(reported_by=user)
    report = reports.filter(pk=pk).first()
    if report is None:
        return None
    urgent = report.severity == Severity.CRITICAL or report.worker_lost_time
    emailed = 0
    if urgent:
        emailed = Notification.objects.filter(
            kind="safety_report_urgent",
            content_type=ContentType.objects.get_for_model(SafetyReport),
            object_id=str(report.pk),
        ).count()
    period = report.out_of_service_period
    to_phone = []
    if period is not None and period.report_id == report.pk and period.bookings_cancelled:
        to_phone = bookings_cancelled_untold(equipment=period.equipment, cancelled_at=period.started_at)
    return FiledReport(report=report, urgent=urgent, leads_emailed=emailed, out_of_service=period, to_phone=to_phone)
