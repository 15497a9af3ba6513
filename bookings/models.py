import secrets

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from makerlab.models import Branch, Patron, ServiceArea
from staffing.models import Skill, StaffMember


class EquipmentKind(models.TextChoices):
    PRINTER_3D = "3d_printer", "3D printer"
    LASER_CUTTER = "laser_cutter", "Laser cutter"
    VINYL_CUTTER = "vinyl_cutter", "Vinyl cutter"
    SEWING_MACHINE = "sewing_machine", "Sewing machine"
    PODCAST_STUDIO = "podcast_studio", "Podcast studio"
    OTHER = "other", "Other"


class Equipment(models.Model):
    """A machine or room patrons book time on or are trained to use."""

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=EquipmentKind.choices)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="equipment")
    in_service = models.BooleanField(default=True)
    training_valid_days = models.PositiveSmallIntegerField(
        default=365,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="How long an orientation counts before the patron needs a refresher.",
    )

    class Meta:
        ordering = ["branch", "name"]
        verbose_name_plural = "equipment"
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "name"],
                name="equipment_unique_name_per_branch",
                violation_error_message="This branch already has equipment with this name.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class MaintenanceWindow(models.Model):
    equipment = models.ForeignKey(Equipment, on_delete=models.CASCADE, related_name="maintenance")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="maintenance_ends_after_starts",
                violation_error_message="Maintenance must end after it starts.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.equipment}: {self.reason}"


class ServiceType(models.Model):
    """Something a patron can book: 1-on-1 help, an orientation on a machine, or time on a machine."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.TextField(help_text="Plain language: what happens in the session.")
    what_to_bring = models.CharField(
        max_length=300,
        blank=True,
        help_text="Shown on its own line, for example “Your phone or laptop, charged”. Leave empty if nothing.",
    )
    minimum_age = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text="Leave empty when anyone may book. When set, patrons confirm their age when they book.",
    )
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="service_types")
    service_area = models.CharField(
        max_length=24,
        choices=ServiceArea.choices,
        default=ServiceArea.DIGITAL_LEARNING,
        help_text="How outcome surveys and reports group this service.",
    )
    duration_minutes = models.PositiveSmallIntegerField(validators=[MinValueValidator(5), MaxValueValidator(480)])
    buffer_minutes = models.PositiveSmallIntegerField(
        default=15, validators=[MaxValueValidator(120)], help_text="Time kept free after each session."
    )
    minimum_notice_hours = models.PositiveSmallIntegerField(default=2, validators=[MaxValueValidator(24 * 14)])
    horizon_days = models.PositiveSmallIntegerField(
        default=28,
        validators=[MinValueValidator(1), MaxValueValidator(180)],
        help_text="How far ahead patrons can book.",
    )
    change_cutoff_hours = models.PositiveSmallIntegerField(
        default=2,
        validators=[MaxValueValidator(24 * 14)],
        help_text="Patrons can cancel or move until this long before.",
    )
    required_skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="service_types")
    equipment = models.ForeignKey(
        Equipment, on_delete=models.PROTECT, null=True, blank=True, related_name="service_types"
    )
    trains_on_equipment = models.BooleanField(
        default=False, help_text="An orientation: attending it trains the patron on the equipment."
    )
    requires_training = models.BooleanField(
        default=False, help_text="Time on the equipment: only patrons trained on it may book."
    )
    max_future_bookings = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1)], help_text="Bookings of this service a patron may hold at once."
    )
    max_per_week = models.PositiveSmallIntegerField(default=2, validators=[MinValueValidator(1)])
    is_active = models.BooleanField(default=True)
    display_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["display_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(equipment__isnull=False) | (Q(trains_on_equipment=False) & Q(requires_training=False)),
                name="service_type_training_needs_equipment",
                violation_error_message="Orientations and equipment time need the equipment they are about.",
            ),
            models.CheckConstraint(
                condition=~(Q(trains_on_equipment=True) & Q(requires_training=True)),
                name="service_type_orientation_or_equipment_time",
                violation_error_message="A service is either an orientation or time on trained equipment, not both.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class IntakeQuestion(models.Model):
    service_type = models.ForeignKey(ServiceType, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(max_length=200)
    required = models.BooleanField(default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text


def new_manage_token() -> str:
    return secrets.token_urlsafe(32)


class Booking(models.Model):
    """A patron's session with a staff member, and the equipment it occupies.

    PostgreSQL refuses two active bookings of one staff member or one piece of equipment at once:
    the exclusion constraints cover the session and the buffer after it.
    """

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        CANCELLED = "cancelled", "Cancelled"
        ATTENDED = "attended", "Attended"
        NO_SHOW = "no_show", "Did not come"

    ACTIVE = (Status.BOOKED, Status.ATTENDED)

    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="bookings")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="bookings")
    patron = models.ForeignKey(Patron, on_delete=models.PROTECT, related_name="bookings")
    staff_member = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="bookings")
    equipment = models.ForeignKey(Equipment, on_delete=models.PROTECT, null=True, blank=True, related_name="bookings")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # The session plus the buffer after it: what the staff member and equipment are busy for.
    busy = DateTimeRangeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    # Contact details given with this booking; a booking never changes the patron record of someone else.
    contact_name = models.CharField(max_length=160)
    # Empty for a patron booked at the desk by phone number only: no email goes out, the desk calls.
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=30, blank=True)
    reminder_consent = models.BooleanField(default=False)
    survey_consent = models.BooleanField(
        default=False, help_text="The patron agreed to an anonymous two-minute survey by email afterwards."
    )
    intake_answers = models.JSONField(default=dict, blank=True)
    accessibility_needs = models.CharField(max_length=500, blank=True)
    manage_token = models.CharField(max_length=64, unique=True, default=new_manage_token, editable=False)
    booked_by = models.ForeignKey(
        "auth.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Staff who booked it.",
    )
    limits_overridden = models.CharField(max_length=250, blank=True)
    outcome_topic = models.CharField(max_length=200, blank=True)
    outcome_resolved = models.BooleanField(null=True, blank=True)
    outcome_notes = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Every change (reschedule, cancel, attendance, outcome), who made it and when; never what the patron or
    # staff wrote about them, so the history holds nothing retention must wipe and a revert cannot restore it.
    history = HistoricalRecords(
        excluded_fields=[
            "contact_name",
            "contact_email",
            "contact_phone",
            "intake_answers",
            "accessibility_needs",
            "outcome_notes",
        ]
    )

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="booking_ends_after_starts",
                violation_error_message="A booking must end after it starts.",
            ),
            ExclusionConstraint(
                name="booking_no_double_booked_staff",
                expressions=[("staff_member", RangeOperators.EQUAL), ("busy", RangeOperators.OVERLAPS)],
                condition=Q(status__in=["booked", "attended"]),
                violation_error_message="That time was just booked.",
            ),
            ExclusionConstraint(
                name="booking_no_double_booked_equipment",
                expressions=[("equipment", RangeOperators.EQUAL), ("busy", RangeOperators.OVERLAPS)],
                condition=Q(status__in=["booked", "attended"], equipment__isnull=False),
                violation_error_message="That time was just booked.",
            ),
        ]
        indexes = [
            models.Index(fields=["patron", "starts_at"], name="booking_patron_start"),
            models.Index(fields=["branch", "starts_at"], name="booking_branch_start"),
        ]

    def __str__(self) -> str:
        return f"{self.service_type} at {self.starts_at:%Y-%m-%d %H:%M}"


class Training(models.Model):
    """A patron trained on a piece of equipment, until it expires."""

    patron = models.ForeignKey(Patron, on_delete=models.CASCADE, related_name="trainings")
    equipment = models.ForeignKey(Equipment, on_delete=models.CASCADE, related_name="trainings")
    trained_on = models.DateField()
    expires_on = models.DateField()
    booking = models.ForeignKey(Booking, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-trained_on"]
        constraints = [
            models.UniqueConstraint(fields=["patron", "equipment"], name="training_once_per_patron_and_equipment"),
            models.CheckConstraint(condition=Q(expires_on__gt=F("trained_on")), name="training_expires_after_trained"),
        ]

    def __str__(self) -> str:
        return f"{self.patron} trained on {self.equipment}"


class NotifyRequest(models.Model):
    """A patron who found no free time and asked to be told when one opens."""

    service_type = models.ForeignKey(ServiceType, on_delete=models.CASCADE, related_name="notify_requests")
    name = models.CharField(max_length=160)
    email = models.EmailField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["service_type", "email"],
                condition=Q(notified_at__isnull=True),
                name="notify_request_once_while_waiting",
                violation_error_message="You are already on the list for this service.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} waiting for {self.service_type}"


class UnmetDemand(models.Model):
    """A patron looked for a time for a service and found none free: a signal of demand for reports."""

    service_type = models.ForeignKey(ServiceType, on_delete=models.CASCADE, related_name="unmet_demand")
    asked_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-asked_at"]
        verbose_name_plural = "unmet demand"

    def __str__(self) -> str:
        return f"{self.service_type} at {self.asked_at:%Y-%m-%d %H:%M}"


class BookingPause(models.Model):
    """Online booking paused for a patron after repeated no-shows; staff can lift it."""

    patron = models.ForeignKey(Patron, on_delete=models.CASCADE, related_name="booking_pauses")
    paused_until = models.DateTimeField()
    reason = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.patron}: paused until {self.paused_until:%Y-%m-%d}"
