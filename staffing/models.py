import datetime as dt
import secrets
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.db import models
from django.db.models import F, Q

from makerlab.models import Branch, Weekday


class StaffKind(models.TextChoices):
    COORDINATOR = "coordinator", "Coordinator"
    LIBRARY_ASSISTANT = "assistant", "Library assistant"
    PAGE = "page", "Page"
    VOLUNTEER = "volunteer", "Volunteer"
    COMMUNITY_SERVICE_STUDENT = "community_student", "Community-service student"
    COOP_STUDENT = "coop_student", "Co-op student"


# Paid library staff: they can supervise a minor on shift.
EMPLOYEE_KINDS = (StaffKind.COORDINATOR, StaffKind.LIBRARY_ASSISTANT, StaffKind.PAGE)
# Volunteers and students give their date of birth: the lab must know who is a minor.
DATE_OF_BIRTH_KINDS = (StaffKind.VOLUNTEER, StaffKind.COMMUNITY_SERVICE_STUDENT, StaffKind.COOP_STUDENT)
STUDENT_KINDS = (StaffKind.COMMUNITY_SERVICE_STUDENT, StaffKind.COOP_STUDENT)


def hours_between(start: dt.datetime, end: dt.datetime) -> Decimal:
    """Elapsed hours, to the minute. In UTC: Python subtracts two times of one zone by the wall clock."""
    seconds = (end.astimezone(dt.UTC) - start.astimezone(dt.UTC)).total_seconds()
    return Decimal(int(seconds // 60)) / 60


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class StaffMember(models.Model):
    """A person who works in the lab: staff, volunteer or student."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff_member")
    kind = models.CharField(max_length=20, choices=StaffKind.choices)
    date_of_birth = models.DateField(null=True, blank=True, help_text="Required for volunteers and students.")
    school = models.CharField(max_length=120, blank=True, help_text="For students.")
    emergency_contact_name = models.CharField(max_length=120, blank=True)
    emergency_contact_phone = models.CharField(max_length=30, blank=True)
    weekly_hour_limit = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="Scheduling more hours than this in a week raises a warning.",
    )
    coop_agreement_hours = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="Co-op students: the hours in the work education agreement, which scheduling must not exceed.",
    )
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token, editable=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind__in=DATE_OF_BIRTH_KINDS) | Q(date_of_birth__isnull=False),
                name="staff_member_minor_check_needs_birth_date",
                violation_error_message="Volunteers and students need a date of birth.",
                violation_error_code="no_date_of_birth",
            ),
            models.CheckConstraint(
                condition=Q(weekly_hour_limit__isnull=True) | Q(weekly_hour_limit__gt=0),
                name="staff_member_weekly_limit_positive",
                violation_error_message="The weekly hour limit must be more than zero.",
                violation_error_code="weekly_limit_not_positive",
            ),
            models.CheckConstraint(
                condition=Q(coop_agreement_hours__isnull=True) | Q(coop_agreement_hours__gt=0),
                name="staff_member_coop_hours_positive",
                violation_error_message="The co-op agreement hours must be more than zero.",
                violation_error_code="coop_hours_not_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    @property
    def is_employee(self) -> bool:
        return self.kind in EMPLOYEE_KINDS

    @property
    def is_student(self) -> bool:
        return self.kind in STUDENT_KINDS

    def age_on(self, day: dt.date) -> int | None:
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def is_minor_on(self, day: dt.date) -> bool:
        age = self.age_on(day)
        return age is not None and age < 18


class Skill(models.Model):
    """A skill or qualification: a machine someone may run, a check someone has passed."""

    name = models.CharField(max_length=80, unique=True)
    description = models.CharField(max_length=250, blank=True)
    counts_for_community_hours = models.BooleanField(
        default=True,
        help_text="Untick for work Ontario does not accept as community involvement (e.g. operating power tools).",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Qualification(models.Model):
    """A skill held by a person, from a date and until an optional expiry."""

    staff_member = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="qualifications")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="qualifications")
    granted_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True, help_text="Leave empty if it does not expire.")

    class Meta:
        ordering = ["skill__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff_member", "skill"],
                name="qualification_once_per_person",
                violation_error_message="This person already holds this skill; edit the existing entry.",
                violation_error_code="already_held",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=F("granted_on")),
                name="qualification_expires_after_granted",
                violation_error_message="The expiry date must be after the date it was granted.",
                violation_error_code="expires_before_granted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff_member}: {self.skill}"

    def is_valid_on(self, day: dt.date) -> bool:
        """In force on ``day``: granted by then and not yet expired (it lapses on its expiry date).

        ``qualifications_valid_on`` says the same to the database; a test holds the two together.
        """
        return self.granted_on <= day and (self.expires_on is None or day < self.expires_on)


def qualifications_valid_on(day: dt.date, *, path: str = "") -> Q:
    """``Qualification.is_valid_on`` as a filter; ``path`` leads to the qualifications from another model
    (``"qualifications__"`` from a person or a skill)."""
    return Q(**{f"{path}granted_on__lte": day}) & (
        Q(**{f"{path}expires_on__isnull": True}) | Q(**{f"{path}expires_on__gt": day})
    )


class Availability(models.Model):
    """A weekly window in which a person is usually available, in the branch's local time."""

    staff_member = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts = models.TimeField()
    ends = models.TimeField()

    class Meta:
        ordering = ["weekday", "starts"]
        verbose_name_plural = "availability"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends__gt=F("starts")),
                name="availability_ends_after_starts",
                violation_error_message="The end of an availability window must be after its start.",
                violation_error_code="ends_before_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts:%H:%M} to {self.ends:%H:%M}"


class DecisionStatus(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"


class TimeOff(models.Model):
    """Dated time off a person asks for; it counts once the coordinator approves it."""

    staff_member = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="time_off")
    first_day = models.DateField()
    last_day = models.DateField()
    reason = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=DecisionStatus.choices, default=DecisionStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-first_day"]
        verbose_name_plural = "time off"
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=F("first_day")),
                name="time_off_last_day_not_before_first",
                violation_error_message="The last day off cannot be before the first.",
                violation_error_code="last_before_first",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff_member}: {self.first_day} to {self.last_day} ({self.get_status_display()})"


class ShiftRole(models.TextChoices):
    HELP_DESK = "help_desk", "1-on-1 help desk"
    OPEN_LAB = "open_lab", "Open lab"
    PROGRAM = "program", "Program facilitation"
    SEED_DESK = "seed_desk", "Seed library desk"
    OUTREACH = "outreach", "Outreach"


class ShiftPattern(models.Model):
    """A weekly shift that repeats: shifts are generated from it for a date range, then edited one by one."""

    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="shift_patterns")
    role = models.CharField(max_length=20, choices=ShiftRole.choices)
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts = models.TimeField()
    ends = models.TimeField()
    min_headcount = models.PositiveSmallIntegerField(default=1)
    max_headcount = models.PositiveSmallIntegerField(default=1)
    required_skills = models.ManyToManyField(Skill, blank=True, related_name="+")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["branch", "weekday", "starts"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends__gt=F("starts")),
                name="shift_pattern_ends_after_starts",
                violation_error_message="A shift must end after it starts.",
                violation_error_code="ends_before_start",
            ),
            models.CheckConstraint(
                condition=Q(max_headcount__gte=F("min_headcount")) & Q(max_headcount__gte=1),
                name="shift_pattern_headcounts",
                violation_error_message="The most people must be at least one and at least the fewest people.",
                violation_error_code="headcounts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}, {self.get_weekday_display()} {self.starts:%H:%M} to {self.ends:%H:%M}"


class Shift(models.Model):
    """A dated shift at a branch, staffed by the people assigned to it."""

    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="shifts")
    role = models.CharField(max_length=20, choices=ShiftRole.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    min_headcount = models.PositiveSmallIntegerField(default=1)
    max_headcount = models.PositiveSmallIntegerField(default=1)
    required_skills = models.ManyToManyField(Skill, blank=True, related_name="shifts")
    pattern = models.ForeignKey(
        ShiftPattern, on_delete=models.SET_NULL, null=True, blank=True, related_name="shifts", editable=False
    )
    is_published = models.BooleanField(default=False, help_text="Published shifts are shown to the people on them.")
    notes = models.CharField(max_length=250, blank=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="shift_ends_after_starts",
                violation_error_message="A shift must end after it starts.",
                violation_error_code="ends_before_start",
            ),
            models.CheckConstraint(
                condition=Q(max_headcount__gte=F("min_headcount")) & Q(max_headcount__gte=1),
                name="shift_headcounts",
                violation_error_message="The most people must be at least one and at least the fewest people.",
                violation_error_code="headcounts",
            ),
            models.UniqueConstraint(
                fields=["pattern", "starts_at"],
                condition=Q(pattern__isnull=False),
                name="shift_once_per_pattern_and_start",
            ),
        ]
        indexes = [models.Index(fields=["branch", "starts_at"], name="shift_branch_start")]

    def __str__(self) -> str:
        local = self.starts_at.astimezone(self.branch.zone) if self.branch_id else self.starts_at
        return f"{self.get_role_display()} {local:%a %d %b %H:%M}"

    @property
    def hours(self) -> Decimal:
        return hours_between(self.starts_at, self.ends_at)


class Assignment(models.Model):
    """A person on a shift. The database refuses one person on two overlapping shifts."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="assignments")
    staff_member = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="assignments")
    # A copy of the shift's times, kept by the services, so PostgreSQL can check overlaps per person.
    period = DateTimeRangeField(editable=False)
    overridden_warnings = models.JSONField(
        default=list, blank=True, help_text="Warnings the coordinator chose to override for this assignment."
    )
    override_reason = models.CharField(max_length=250, blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_out_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["shift__starts_at"]
        constraints = [
            ExclusionConstraint(
                name="assignment_no_overlapping_shifts_per_person",
                expressions=[("staff_member", RangeOperators.EQUAL), ("period", RangeOperators.OVERLAPS)],
                violation_error_message="This person is already on a shift at that time.",
                violation_error_code="busy",
            ),
            models.UniqueConstraint(
                fields=["shift", "staff_member"],
                name="assignment_once_per_shift",
                violation_error_message="This person is already on this shift.",
                violation_error_code="already_on_shift",
            ),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True) | Q(checked_in_at__isnull=False),
                name="assignment_check_out_after_check_in",
                violation_error_message="Check in before checking out.",
                violation_error_code="check_out_before_check_in",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff_member} on {self.shift}"


class ShiftChange(models.Model):
    """A person gives up a shift; another claims it; the coordinator approves the swap.

    Until approval the person who gave it up stays responsible for the shift.
    """

    class Status(models.TextChoices):
        OFFERED = "offered", "Offered"
        CLAIMED = "claimed", "Claimed, waiting for approval"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    OPEN_STATUSES = (Status.OFFERED, Status.CLAIMED)

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="changes")
    offered_by = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="shifts_offered")
    claimed_by = models.ForeignKey(
        StaffMember, on_delete=models.CASCADE, null=True, blank=True, related_name="shifts_claimed"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OFFERED)
    note = models.CharField(max_length=250, blank=True)
    offered_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-offered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment"],
                condition=Q(status__in=["offered", "claimed"]),
                name="shift_change_one_open_per_assignment",
                violation_error_message="This shift has already been offered.",
                violation_error_code="already_given_up",
            ),
            models.CheckConstraint(
                condition=Q(status="offered") | Q(status="withdrawn") | Q(claimed_by__isnull=False),
                name="shift_change_claimed_has_claimant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment.shift} offered by {self.offered_by} ({self.get_status_display()})"


class ShiftInvitation(models.Model):
    """The coordinator offers an open place on a shift that needs people to one chosen person.

    Taking it puts the person on the shift at once, without the approval a shift change needs: the
    coordinator chose them, and the offer was checked against their availability, skills and hours.
    """

    class Status(models.TextChoices):
        OFFERED = "offered", "Offered, waiting for an answer"
        TAKEN = "taken", "Taken"
        DECLINED = "declined", "Declined"

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="invitations")
    staff_member = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="shift_invitations")
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OFFERED)
    offered_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-offered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "staff_member"],
                condition=Q(status="offered"),
                name="shift_invitation_one_open_per_person",
                violation_error_message="This shift is already offered to this person.",
                violation_error_code="already_offered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shift} offered to {self.staff_member} ({self.get_status_display()})"


class HoursEntry(models.Model):
    """Hours worked, from a shift the person checked in and out of or entered by hand, approved by the coordinator."""

    class Source(models.TextChoices):
        SHIFT = "shift", "Shift check-in"
        MANUAL = "manual", "Entered by hand"

    staff_member = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="hours")
    day = models.DateField()
    hours = models.DecimalField(max_digits=4, decimal_places=2)
    activity = models.CharField(max_length=200)
    counts_for_community_hours = models.BooleanField(default=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    assignment = models.OneToOneField(
        Assignment, on_delete=models.SET_NULL, null=True, blank=True, related_name="hours_entry"
    )
    status = models.CharField(max_length=10, choices=DecisionStatus.choices, default=DecisionStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day"]
        verbose_name_plural = "hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24),
                name="hours_entry_between_0_and_24",
                violation_error_message="Hours must be more than 0 and at most 24.",
                violation_error_code="hours_out_of_range",
            ),
        ]
        indexes = [models.Index(fields=["staff_member", "day"], name="hours_staff_day")]

    def __str__(self) -> str:
        return f"{self.staff_member}: {self.hours} h on {self.day}"
