"""Health and safety under Ontario's Occupational Health and Safety Act: what is dangerous about each piece of
equipment and how to use it safely, who has read its procedure, what was reported, inspected and put right.

Staff who supervise a piece of equipment are those holding the ``required_skill`` of its services
(``bookings.ServiceType.equipment``): the procedure acknowledgements follow that skill, there is no second link.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from bookings.models import Booking, Equipment, MaintenanceWindow
from makerlab.models import Branch
from staffing.models import StaffMember


class Hazard(models.Model):
    """A kind of danger equipment can present (heat, fumes...): a list the coordinator manages."""

    name = models.CharField(max_length=80, unique=True)
    description = models.CharField(max_length=250, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProtectiveEquipment(models.Model):
    """Personal protective equipment (safety glasses, gloves...): a list the coordinator manages."""

    name = models.CharField(max_length=80, unique=True)
    description = models.CharField(max_length=250, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "protective equipment"
        verbose_name_plural = "protective equipment"

    def __str__(self) -> str:
        return self.name


class SafetyProfile(models.Model):
    """What is dangerous about one piece of equipment, what to wear, and who may use or supervise it."""

    equipment = models.OneToOneField(Equipment, on_delete=models.CASCADE, related_name="safety_profile")
    hazards = models.ManyToManyField(Hazard, blank=True, related_name="profiles")
    protective_equipment = models.ManyToManyField(
        ProtectiveEquipment, blank=True, through="RequiredProtection", related_name="profiles"
    )
    minimum_patron_age = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text="Leave empty when patrons of any age may use it.",
    )
    adult_only_supervision = models.BooleanField(
        default=False, help_text="A staff member under 18 is never scheduled alone to supervise it."
    )

    class Meta:
        ordering = ["equipment"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minimum_patron_age__isnull=True) | Q(minimum_patron_age__range=(1, 99)),
                name="safety_profile_minimum_age_in_range",
                violation_error_message="The minimum age must be from 1 to 99.",
                violation_error_code="minimum_age_out_of_range",
            )
        ]

    def __str__(self) -> str:
        return f"Safety profile of {self.equipment}"


class RequiredProtection(models.Model):
    """Protective equipment a profile requires, and whether the library lends it or the patron brings it."""

    profile = models.ForeignKey(SafetyProfile, on_delete=models.CASCADE, related_name="required_protection")
    protective_equipment = models.ForeignKey(ProtectiveEquipment, on_delete=models.PROTECT, related_name="+")
    provided_by_library = models.BooleanField(
        default=True, help_text="Ticked: the library provides it. Unticked: the patron brings their own."
    )

    class Meta:
        ordering = ["protective_equipment__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "protective_equipment"],
                name="required_protection_once_per_profile",
                violation_error_message="This protective equipment is already listed.",
                violation_error_code="protection_listed_twice",
            )
        ]

    def __str__(self) -> str:
        return str(self.protective_equipment)


class ChecklistItem(models.Model):
    """One line of the pre-use checklist staff go through with a patron before time on the equipment."""

    profile = models.ForeignKey(SafetyProfile, on_delete=models.CASCADE, related_name="checklist")
    text = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class ProcedureVersion(models.Model):
    """A version of the written safe operating procedure of a piece of equipment; the current one is the latest."""

    equipment = models.ForeignKey(Equipment, on_delete=models.PROTECT, related_name="procedure_versions")
    number = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    title = models.CharField(max_length=150)
    body = models.TextField(help_text="The procedure as staff and patrons read it.")
    change_summary = models.CharField(max_length=300, blank=True, help_text="What changed since the last version.")
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["equipment", "-number"]
        get_latest_by = "number"
        constraints = [
            models.UniqueConstraint(
                fields=["equipment", "number"],
                name="procedure_version_number_once_per_equipment",
                violation_error_message="This equipment already has a procedure with this version number.",
                violation_error_code="procedure_version_taken",
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1),
                name="procedure_version_number_positive",
                violation_error_message="Version numbers start at 1.",
                violation_error_code="procedure_version_not_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (version {self.number})"


class ProcedureAcknowledgement(models.Model):
    """A staff member read and acknowledged one version of a procedure."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.PROTECT, related_name="acknowledgements")
    staff_member = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="procedure_acknowledgements")
    acknowledged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-acknowledged_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "staff_member"],
                name="procedure_acknowledged_once_per_person",
                violation_error_message="This person already acknowledged this version.",
                violation_error_code="already_acknowledged",
            )
        ]

    def __str__(self) -> str:
        return f"{self.staff_member} acknowledged {self.version}"


class PreUseCheck(models.Model):
    """The pre-use checklist ticked at desk check-in for time on equipment, kept with the booking."""

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="pre_use_check")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(default=timezone.now)
    items = models.JSONField(default=list, blank=True, help_text="The checklist lines ticked, as they read then.")

    class Meta:
        ordering = ["-checked_at"]

    def __str__(self) -> str:
        return f"Pre-use check for {self.booking}"


class ReportKind(models.TextChoices):
    HAZARD = "hazard", "Hazard"
    NEAR_MISS = "near_miss", "Near miss"
    INCIDENT = "incident", "Incident"


class InvolvedRole(models.TextChoices):
    PATRON = "patron", "Patron"
    STAFF = "staff", "Staff"
    VOLUNTEER = "volunteer", "Volunteer"
    STUDENT = "student", "Student"
    CONTRACTOR = "contractor", "Contractor"
    VISITOR = "visitor", "Visitor"


class Severity(models.TextChoices):
    NONE = "none", "None"
    FIRST_AID = "first_aid", "First aid"
    MEDICAL_TREATMENT = "medical_treatment", "Medical treatment"
    LOST_TIME = "lost_time", "Lost time"
    CRITICAL = "critical", "Critical injury"


class SafetyReport(models.Model):
    """A hazard, near miss or incident, filed by a staff member.

    People involved are recorded by role; names only when needed. Names, first aid and the account of what
    happened can hold health information: they are read in full only by those allowed to view every report, and
    removed after SAFETY_REPORT_RETENTION_DAYS (``personal_details_removed_at`` says when).
    """

    Kind = ReportKind
    Severity = Severity

    kind = models.CharField(max_length=12, choices=ReportKind.choices)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="safety_reports")
    occurred_at = models.DateTimeField()
    reported_at = models.DateTimeField(default=timezone.now)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    location = models.CharField(max_length=200, help_text="Where it happened, for example “laser room”.")
    equipment = models.ForeignKey(
        Equipment, on_delete=models.PROTECT, null=True, blank=True, related_name="safety_reports"
    )
    what_happened = models.TextField()
    roles_involved = ArrayField(models.CharField(max_length=12, choices=InvolvedRole.choices), default=list, blank=True)
    names_involved = models.TextField(blank=True, help_text="Only if needed: who was involved, by name.")
    injury = models.BooleanField(default=False)
    severity = models.CharField(max_length=20, choices=Severity.choices, default=Severity.NONE)
    worker_lost_time = models.BooleanField(
        default=False, help_text="A worker lost time from work because of the injury (WSIB report within 3 days)."
    )
    first_aid_given = models.TextField(blank=True)
    takes_equipment_out_of_service = models.BooleanField(default=False)
    out_of_service_period = models.ForeignKey(
        "OutOfService",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="linked_reports",
        editable=False,
        help_text="The period this report took the equipment out of service, or found it already out and joined.",
    )
    personal_details_removed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["branch", "occurred_at"], name="safety_report_branch_occurred")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=ReportKind.INCIDENT) | Q(injury=False),
                name="safety_report_injury_only_in_incidents",
                violation_error_message="Only an incident report records an injury.",
                violation_error_code="injury_not_incident",
            ),
            models.CheckConstraint(
                condition=Q(injury=True) | Q(severity=Severity.NONE),
                name="safety_report_severity_needs_injury",
                violation_error_message="A severity is given only for an injury.",
                violation_error_code="severity_without_injury",
            ),
            models.CheckConstraint(
                condition=Q(kind=ReportKind.INCIDENT) | ~Q(severity__in=[Severity.LOST_TIME, Severity.CRITICAL]),
                name="safety_report_serious_only_in_incidents",
                violation_error_message="Lost-time and critical injuries are reported as incidents.",
                violation_error_code="serious_not_incident",
            ),
            models.CheckConstraint(
                condition=Q(injury=True) | Q(worker_lost_time=False),
                name="safety_report_lost_time_needs_injury",
                violation_error_message="Lost time from work is recorded only for an injury.",
                violation_error_code="lost_time_without_injury",
            ),
            models.CheckConstraint(
                condition=Q(equipment__isnull=False) | Q(takes_equipment_out_of_service=False),
                name="safety_report_out_of_service_needs_equipment",
                violation_error_message="Choose the equipment to take out of service.",
                violation_error_code="out_of_service_without_equipment",
            ),
            models.CheckConstraint(
                condition=Q(personal_details_removed_at__isnull=True) | (Q(names_involved="") & Q(first_aid_given="")),
                name="safety_report_details_removed_are_empty",
                violation_error_message="A report whose personal details were removed holds no names or first aid.",
                violation_error_code="details_not_removed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.location}"


class OutOfService(models.Model):
    """Equipment taken out of service (usually by a report) until the coordinator clears it.

    At most one period is open per piece of equipment, in the database: two reports filed at once on the same
    machine end in one period and one maintenance window.
    """

    equipment = models.ForeignKey(Equipment, on_delete=models.PROTECT, related_name="out_of_service_periods")
    report = models.ForeignKey(
        SafetyReport, on_delete=models.PROTECT, null=True, blank=True, related_name="out_of_service_periods"
    )
    maintenance_window = models.OneToOneField(
        MaintenanceWindow, on_delete=models.SET_NULL, null=True, blank=True, related_name="out_of_service"
    )
    started_at = models.DateTimeField(default=timezone.now)
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    bookings_cancelled = models.PositiveIntegerField(
        default=0, editable=False, help_text="Bookings on the equipment cancelled when it was taken out of service."
    )

    class Meta:
        ordering = ["-started_at"]
        verbose_name = "out-of-service period"
        constraints = [
            models.UniqueConstraint(
                fields=["equipment"],
                condition=Q(cleared_at__isnull=True),
                name="out_of_service_one_open_per_equipment",
                violation_error_message="This equipment is already out of service.",
                violation_error_code="already_out_of_service",
            ),
            models.CheckConstraint(
                condition=Q(cleared_at__isnull=True) | Q(cleared_at__gte=F("started_at")),
                name="out_of_service_cleared_after_start",
                violation_error_message="Equipment returns to service after it was taken out.",
                violation_error_code="cleared_before_start",
            ),
            models.CheckConstraint(
                condition=Q(cleared_at__isnull=False) | Q(cleared_by__isnull=True),
                name="out_of_service_cleared_by_only_when_cleared",
                violation_error_message="Only a cleared period names who cleared it.",
                violation_error_code="cleared_by_without_clearing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.equipment} out of service"


class InspectionItem(models.Model):
    """A line of the monthly workplace inspection checklist: a list the coordinator manages."""

    text = models.CharField(max_length=200, unique=True)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True, help_text="Untick to leave it out of future inspections.")

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class Inspection(models.Model):
    """A branch's monthly workplace inspection, due for the health and safety representative."""

    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="safety_inspections")
    month = models.DateField(help_text="The first day of the month inspected.")
    due_on = models.DateField()
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-month", "branch"]
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "month"],
                name="inspection_once_per_branch_and_month",
                violation_error_message="This branch already has an inspection for this month.",
                violation_error_code="inspection_month_taken",
            ),
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="inspection_month_is_first_day",
                violation_error_message="The month is given by its first day.",
                violation_error_code="month_not_first_day",
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=F("month")),
                name="inspection_due_within_or_after_month",
                violation_error_message="An inspection cannot be due before its month starts.",
                violation_error_code="due_before_month",
            ),
            models.CheckConstraint(
                condition=Q(completed_at__isnull=False) | Q(completed_by__isnull=True),
                name="inspection_completed_by_only_when_completed",
                violation_error_message="Only a completed inspection names who completed it.",
                violation_error_code="completed_by_without_completion",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.branch} inspection, {self.month:%B %Y}"


class InspectionResult(models.Model):
    """One checklist line of an inspection as it read then, and what the inspector found."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="results")
    item_text = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)
    ok = models.BooleanField(null=True, blank=True, help_text="Empty until the inspector has looked.")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "item_text"],
                name="inspection_result_once_per_item",
                violation_error_message="This inspection already has this line.",
                violation_error_code="inspection_line_twice",
            )
        ]

    def __str__(self) -> str:
        return self.item_text


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"


class CorrectiveAction(models.Model):
    """Something to put right, with an owner and a due date: from a report, an inspection finding, or neither
    (an action the coordinator sets on their own), never from both."""

    Status = ActionStatus

    description = models.TextField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    status = models.CharField(max_length=12, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    report = models.ForeignKey(
        SafetyReport, on_delete=models.PROTECT, null=True, blank=True, related_name="corrective_actions"
    )
    inspection_result = models.ForeignKey(
        InspectionResult, on_delete=models.PROTECT, null=True, blank=True, related_name="corrective_actions"
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    last_reminded_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"], name="corrective_action_status_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(report__isnull=True) | Q(inspection_result__isnull=True),
                name="corrective_action_one_source",
                violation_error_message="An action comes from a report or an inspection finding, not both.",
                violation_error_code="action_two_sources",
            ),
            models.CheckConstraint(
                condition=Q(status=ActionStatus.DONE, completed_at__isnull=False)
                | (~Q(status=ActionStatus.DONE) & Q(completed_at__isnull=True)),
                name="corrective_action_done_when_completed",
                violation_error_message="An action is done exactly when it has a completion time.",
                violation_error_code="done_without_completion",
            ),
        ]

    def __str__(self) -> str:
        return self.description[:60]


class BranchSafety(models.Model):
    """A branch's health and safety arrangements: who its health and safety representative is."""

    branch = models.OneToOneField(Branch, on_delete=models.CASCADE, related_name="safety")
    representative = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The health and safety representative, who carries out the monthly inspection.",
    )

    class Meta:
        ordering = ["branch"]
        verbose_name = "branch health and safety"
        verbose_name_plural = "branch health and safety"

    def __str__(self) -> str:
        return f"Health and safety at {self.branch}"
