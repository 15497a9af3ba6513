"""Reads about health and safety. Each function answers in a fixed number of queries, however much data there is."""

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, Greatest, Least, TruncDate
from django.utils import timezone

from bookings.models import Booking, Equipment, ServiceType
from bookings.selectors import bookings_cancelled_untold
from makerlab.equipment_rules import ChecklistLine
from makerlab.models import Branch, Notification
from makerlab.selectors import branches_active
from makerlab.shift_rules import ShiftConcern
from safety.models import (
    ActionStatus,
    BranchSafety,
    ChecklistItem,
    CorrectiveAction,
    Inspection,
    OutOfService,
    PreUseCheck,
    ProcedureAcknowledgement,
    ProcedureVersion,
    ReportKind,
    RequiredProtection,
    SafetyProfile,
    SafetyReport,
    Severity,
)
from staffing.models import StaffMember
from staffing.selectors import branch_ids_worked, skill_holders

# --- Procedures ------------------------------------------------------------------------------------------------


def _is_current() -> Exists:
    """No later version of the same equipment's procedure: the version is the current one."""
    return ~Exists(ProcedureVersion.objects.filter(equipment=OuterRef("equipment"), number__gt=OuterRef("number")))


def _supervised_by(skill_ids: Iterable[int]) -> Q:
    """Procedures of equipment that an active service requiring one of ``skill_ids`` uses."""
    services = ServiceType.objects.filter(
        equipment=OuterRef("equipment"), required_skill_id__in=list(skill_ids), is_active=True
    )
    return Q(Exists(services))


def current_procedure(*, equipment: Equipment) -> ProcedureVersion | None:
    """The equipment's current procedure (its latest version), or None before the first: one query."""
    return (
        ProcedureVersion.objects.filter(equipment=equipment)
        .select_related("equipment__branch")
        .order_by("-number")
        .first()
    )


def current_procedures(*, equipment_ids: Iterable[int]) -> dict[int, ProcedureVersion]:
    """The current procedure of each of these pieces of equipment that has one, by equipment id: one query."""
    versions = (
        ProcedureVersion.objects.filter(equipment_id__in=list(equipment_ids))
        .order_by("equipment_id", "-number")
        .distinct("equipment_id")
        .select_related("equipment__branch")
    )
    return {version.equipment_id: version for version in versions}


def procedure_version(*, version_id: int) -> ProcedureVersion | None:
    """One version with its equipment, or None when there is no such version: one query."""
    return ProcedureVersion.objects.filter(pk=version_id).select_related("equipment__branch").first()


def is_current(version: ProcedureVersion) -> bool:
    """Whether no later version of the same procedure exists: one query."""
    return not ProcedureVersion.objects.filter(equipment_id=version.equipment_id, number__gt=version.number).exists()


def supervising_skill_ids(*, equipment: Equipment) -> set[int]:
    """The skills whose holders supervise this equipment: those its active services require. One query."""
    return set(
        ServiceType.objects.filter(equipment=equipment, is_active=True).values_list("required_skill_id", flat=True)
    )


def procedures_to_acknowledge(*, staff_member: StaffMember, day: dt.date) -> list[ProcedureVersion]:
    """The current procedures of the equipment ``staff_member`` supervises (holding, on ``day``, a skill a service
    using it requires) that they have not acknowledged, by equipment: two queries."""
    held = _held_skill_ids(staff_member, day)
    if not held:
        return []
    return list(_to_acknowledge(staff_member, held).select_related("equipment__branch").order_by("equipment__name"))


def procedures_to_acknowledge_count(*, staff_member: StaffMember | None, day: dt.date) -> int:
    """How many procedures ``staff_member`` has to read and acknowledge: two queries (none without a person)."""
    if staff_member is None or not staff_member.is_active:
        return 0
    held = _held_skill_ids(staff_member, day)
    return _to_acknowledge(staff_member, held).count() if held else 0


def _held_skill_ids(staff_member: StaffMember, day: dt.date) -> set[int]:
    found = skill_holders(skill_ids=_equipment_skill_ids(), day=day, staff_member_ids=[staff_member.pk])
    return next(iter(found.values()), set())


def _equipment_skill_ids() -> QuerySet:
    """The skills that supervise some equipment, as a subquery (not a query of its own)."""
    return ServiceType.objects.filter(equipment__isnull=False, is_active=True).values("required_skill_id")


def _to_acknowledge(staff_member: StaffMember, held: set[int]) -> QuerySet:
    acknowledged = ProcedureAcknowledgement.objects.filter(version=OuterRef("pk"), staff_member=staff_member)
    return ProcedureVersion.objects.filter(_supervised_by(held), _is_current(), ~Exists(acknowledged))


def acknowledgements_of(*, staff_member: StaffMember, limit: int = 100) -> list[ProcedureAcknowledgement]:
    """What ``staff_member`` acknowledged, latest first, each marked ``is_current`` when it is still the version in
    force: one query."""
    return list(
        ProcedureAcknowledgement.objects.filter(staff_member=staff_member)
        .select_related("version__equipment__branch")
        .annotate(is_current=_is_current_of_version())
        .order_by("-acknowledged_at")[:limit]
    )


def _is_current_of_version() -> Exists:
    later = ProcedureVersion.objects.filter(
        equipment=OuterRef("version__equipment"), number__gt=OuterRef("version__number")
    )
    return ~Exists(later)


def not_acknowledged_by(*, version: ProcedureVersion, day: dt.date) -> list[StaffMember]:
    """The people who supervise the version's equipment (holding, on ``day``, a skill its active services require)
    and have not acknowledged this version, by name: three queries."""
    skill_ids = supervising_skill_ids(equipment=version.equipment)
    if not skill_ids:
        return []
    supervisors = list(skill_holders(skill_ids=skill_ids, day=day))
    if not supervisors:
        return []
    acknowledged = set(
        ProcedureAcknowledgement.objects.filter(
            version=version, staff_member_id__in=[person.pk for person in supervisors]
        ).values_list("staff_member_id", flat=True)
    )
    return [person for person in supervisors if person.pk not in acknowledged]


@dataclass(frozen=True)
class ProcedurePage:
    """What the public page and the posted sheet of a procedure show: no one's name."""

    equipment: Equipment
    version: ProcedureVersion | None
    profile: SafetyProfile | None
    hazards: list = field(default_factory=list)
    protection: list = field(default_factory=list)


def procedure_page(*, equipment_id: int) -> ProcedurePage | None:
    """The equipment, its current procedure and its safety profile with hazards and protective equipment, or None
    when there is no such equipment: four queries."""
    equipment = Equipment.objects.filter(pk=equipment_id).select_related("branch", "safety_profile").first()
    if equipment is None:
        return None
    version = current_procedure(equipment=equipment)
    profile = getattr(equipment, "safety_profile", None)
    if profile is None:
        return ProcedurePage(equipment=equipment, version=version, profile=None)
    return ProcedurePage(
        equipment=equipment,
        version=version,
        profile=profile,
        hazards=list(profile.hazards.all()),
        protection=list(profile.required_protection.select_related("protective_equipment")),
    )


@dataclass(frozen=True)
class _SupervisedEquipment:
    skill_id: int
    equipment_id: int
    branch_id: int
    name: str
    adult_only: bool


NOT_ACKNOWLEDGED = "procedure_not_acknowledged"


class ProcedureShiftRules:
    """Staffing's schedule checks about procedures and adult-only supervision (see ``makerlab.shift_rules``).

    Loads, in two queries (one when no procedure is written yet), which skills supervise which equipment with the
    current procedure of each, and which of those the people asked about acknowledged; then answers for any shift
    and person from memory.
    """

    def __init__(self, *, staff_member_ids: Sequence[int]) -> None:
        latest = ProcedureVersion.objects.filter(equipment=OuterRef("equipment")).order_by("-number")
        rows = (
            ServiceType.objects.filter(equipment__isnull=False, is_active=True)
            .annotate(
                version_id=Subquery(latest.values("pk")[:1]), version_number=Subquery(latest.values("number")[:1])
            )
            .values_list(
                "required_skill_id",
                "equipment_id",
                "equipment__branch_id",
                "equipment__name",
                "equipment__safety_profile__adult_only_supervision",
                "version_id",
                "version_number",
            )
            .distinct()
        )
        self._supervised = []
        self._current: dict[int, int] = {}
        self._numbers: dict[int, int] = {}
        for skill_id, equipment_id, branch_id, name, adult_only, version_id, number in rows:
            self._supervised.append(_SupervisedEquipment(skill_id, equipment_id, branch_id, name, bool(adult_only)))
            if version_id is not None:
                self._current[equipment_id], self._numbers[equipment_id] = version_id, number
        self._acknowledged: dict[int, set[int]] = defaultdict(set)
        if staff_member_ids and self._current:
            for staff_member_id, version_id in ProcedureAcknowledgement.objects.filter(
                staff_member_id__in=list(staff_member_ids), version_id__in=list(self._current.values())
            ).values_list("staff_member_id", "version_id"):
                self._acknowledged[staff_member_id].add(version_id)

    def _equipment(self, skill_ids: Collection[int], branch_id: int) -> list[_SupervisedEquipment]:
        found = {
            row.equipment_id: row
            for row in self._supervised
            if row.skill_id in skill_ids and row.branch_id == branch_id
        }
        return sorted(found.values(), key=lambda row: row.name)

    def concerns(self, *, staff_member_id: int, skill_ids: Collection[int], branch_id: int) -> list[ShiftConcern]:
        unread = [
            f"{row.name} (version {self._numbers[row.equipment_id]})"
            for row in self._equipment(skill_ids, branch_id)
            if row.equipment_id in self._current
            and self._current[row.equipment_id] not in self._acknowledged.get(staff_member_id, set())
        ]
        if not unread:
            return []
        return [
            ShiftConcern(
                NOT_ACKNOWLEDGED, f"has not acknowledged the current safe operating procedure of: {', '.join(unread)}."
            )
        ]

    def adult_only(self, *, skill_ids: Collection[int], branch_id: int) -> list[str]:
        return [row.name for row in self._equipment(skill_ids, branch_id) if row.adult_only]


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


# --- Equipment safety facts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NamedThing:
    """A hazard or a piece of protective equipment, with its plain-language description."""

    name: str
    description: str = ""


@dataclass(frozen=True)
class EquipmentSafety:
    """The safety facts of one piece of equipment: what can hurt, what to wear (lent or brought), from what age,
    and the checklist staff go through with the patron before use."""

    equipment_id: int
    equipment_name: str
    hazards: tuple[NamedThing, ...]
    provided: tuple[NamedThing, ...]
    bring: tuple[NamedThing, ...]
    minimum_age: int | None
    checklist: tuple[ChecklistLine, ...] = ()

    @property
    def tells_patrons(self) -> bool:
        """Whether there is anything to tell a patron before they come."""
        return bool(self.hazards or self.provided or self.bring or self.minimum_age)

    def as_notice(self) -> dict:
        """The facts patrons are told, as plain data (stored with an email in the outbox)."""
        return {
            "equipment": self.equipment_name,
            "hazards": [thing.name for thing in self.hazards],
            "provided": [thing.name for thing in self.provided],
            "bring": [thing.name for thing in self.bring],
            "minimum_age": self.minimum_age,
        }


EquipmentIds = Iterable[int] | QuerySet


def _ids(equipment: EquipmentIds) -> list[int] | QuerySet:
    """Ids as a list, or a queryset of equipment kept as a subquery (a program's machines: no query of its own)."""
    if isinstance(equipment, QuerySet):
        return equipment.values("pk") if equipment.model is Equipment else equipment
    return sorted({pk for pk in equipment if pk})


def equipment_safety(*, equipment_ids: EquipmentIds, with_checklist: bool = False) -> dict[int, EquipmentSafety]:
    """The safety facts of each given piece of equipment that has a safety profile, by equipment id.

    Three queries whatever the number of machines (four ``with_checklist``); none when no ids are given.
    ``equipment_ids`` may be a queryset of equipment, used as a subquery.
    """
    ids = _ids(equipment_ids)
    if isinstance(ids, list) and not ids:
        return {}
    prefetches = [
        "hazards",
        Prefetch(
            "required_protection",
            queryset=RequiredProtection.objects.select_related("protective_equipment").order_by(
                "protective_equipment__name"
            ),
        ),
    ]
    if with_checklist:
        prefetches.append("checklist")
    profiles = (
        SafetyProfile.objects.filter(equipment_id__in=ids)
        .select_related("equipment")
        .prefetch_related(*prefetches)
        .order_by("equipment__name", "equipment_id")
    )
    facts = {}
    for profile in profiles:
        protection = list(profile.required_protection.all())
        facts[profile.equipment_id] = EquipmentSafety(
            equipment_id=profile.equipment_id,
            equipment_name=profile.equipment.name,
            hazards=tuple(NamedThing(hazard.name, hazard.description) for hazard in profile.hazards.all()),
            provided=tuple(_named(required) for required in protection if required.provided_by_library),
            bring=tuple(_named(required) for required in protection if not required.provided_by_library),
            minimum_age=profile.minimum_patron_age,
            checklist=tuple(_line(item) for item in profile.checklist.all()) if with_checklist else (),
        )
    return facts


def _named(required: RequiredProtection) -> NamedThing:
    return NamedThing(required.protective_equipment.name, required.protective_equipment.description)


def _line(item: ChecklistItem) -> ChecklistLine:
    return ChecklistLine(key=str(item.pk), text=item.text)


def equipment_minimum_ages(*, equipment_ids: EquipmentIds) -> dict[int, int]:
    """The minimum patron age of each given piece of equipment that has one: one query."""
    ids = _ids(equipment_ids)
    if isinstance(ids, list) and not ids:
        return {}
    return dict(
        SafetyProfile.objects.filter(equipment_id__in=ids, minimum_patron_age__isnull=False).values_list(
            "equipment_id", "minimum_patron_age"
        )
    )


def equipment_notices(*, equipment_ids: EquipmentIds) -> dict[int, dict]:
    """What patrons are told about each given piece of equipment, as plain data, for those with anything to tell."""
    return {
        pk: facts.as_notice()
        for pk, facts in equipment_safety(equipment_ids=equipment_ids).items()
        if facts.tells_patrons
    }


def pre_use_checklists(*, equipment_ids: EquipmentIds) -> dict[int, list[ChecklistLine]]:
    """The pre-use checklist of each given piece of equipment that has one, in its order: one query."""
    ids = _ids(equipment_ids)
    if isinstance(ids, list) and not ids:
        return {}
    checklists: dict[int, list[ChecklistLine]] = {}
    items = ChecklistItem.objects.filter(profile__equipment_id__in=ids)
    items = items.order_by("profile__equipment_id", "position", "id")
    for equipment_id, pk, text in items.values_list("profile__equipment_id", "pk", "text"):
        checklists.setdefault(equipment_id, []).append(ChecklistLine(key=str(pk), text=text))
    return checklists


def pre_use_check_for_booking(*, booking_id: int) -> PreUseCheck | None:
    """The pre-use check recorded at a booking's check-in, with who ticked it: one query."""
    return PreUseCheck.objects.select_related("checked_by").filter(booking_id=booking_id).first()


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
    # Each row carries how many are overdue in all (a window over the whole set, before the slice).
    inspections = list(
        inspections_overdue(today=today)
        .select_related("branch")
        .annotate(overdue_total=Window(Count("pk")))
        .order_by("due_on", "branch__name")[:START_ALERT_ROWS]
    )
    actions = list(overdue.select_related("owner").order_by("due_on", "pk")[:START_ALERT_ROWS])
    return StartAlerts(
        inspections=inspections,
        inspections_more=max(0, inspections[0].overdue_total - START_ALERT_ROWS) if inspections else 0,
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
    done_on = TruncDate("completed_at", tzinfo=timezone.get_current_timezone())
    return inspections.annotate(done_on=done_on).aggregate(
        inspections_due=Count("pk"), inspections_on_time=Count("pk", filter=Q(done_on__lte=F("due_on")))
    )


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
