import zoneinfo

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from makerlab.cards import validate_card_number


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError("Enter a time zone such as America/Toronto.", code="unknown_time_zone")


class Branch(models.Model):
    """A library branch: where the Maker Lab's services happen, and when it is open."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    street_address = models.CharField(max_length=200)
    city = models.CharField(max_length=100)
    province = models.CharField(max_length=2, default="ON")
    postal_code = models.CharField(max_length=7)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    time_zone = models.CharField(max_length=64, default="America/Toronto", validators=[validate_time_zone])
    observes_statutory_holidays = models.BooleanField(default=True, help_text="Closed on Ontario statutory holidays.")
    display_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["display_order", "name"]
        verbose_name_plural = "branches"

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def address_line(self) -> str:
        return f"{self.street_address}, {self.city}, {self.province} {self.postal_code}"


class ServiceArea(models.TextChoices):
    """The library service area an activity belongs to, as outcome surveys and reports group them."""

    DIGITAL_LEARNING = "digital_learning", "Digital learning"
    EDUCATION = "education", "Education and lifelong learning"
    JOB_SKILLS = "job_skills", "Job skills"
    EARLY_LITERACY = "early_literacy", "Early literacy"
    SUMMER_READING = "summer_reading", "Summer reading"
    HEALTH = "health", "Health"
    ECONOMIC_DEVELOPMENT = "economic_development", "Economic development"
    CIVIC_ENGAGEMENT = "civic_engagement", "Civic and community engagement"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class OpeningHours(models.Model):
    """One opening window of a branch on a weekday, in the branch's local time."""

    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["branch", "weekday", "opens"]
        verbose_name_plural = "opening hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__gt=F("opens")),
                name="opening_hours_closes_after_opens",
                violation_error_message="The closing time must be after the opening time.",
            ),
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="opening_hours_weekday_range"),
            models.UniqueConstraint(fields=["branch", "weekday", "opens"], name="opening_hours_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M} to {self.closes:%H:%M}"


class Closure(models.Model):
    """A dated closure of one branch, or of every branch when no branch is given."""

    branch = models.ForeignKey(
        Branch,
        on_delete=models.CASCADE,
        related_name="closures",
        null=True,
        blank=True,
        help_text="Leave empty to close every branch.",
    )
    start_date = models.DateField()
    end_date = models.DateField()
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="closure_end_not_before_start",
                violation_error_message="The last day of a closure cannot be before its first day.",
            ),
        ]

    def __str__(self) -> str:
        if self.start_date == self.end_date:
            return f"{self.reason} ({self.start_date:%Y-%m-%d})"
        return f"{self.reason} ({self.start_date:%Y-%m-%d} to {self.end_date:%Y-%m-%d})"


class Patron(models.Model):
    """A library card holder who uses the Maker Lab. Found by card number, never listed publicly."""

    # NULL, not "", once anonymised: the unique constraint must not collide on blank card numbers.
    card_number = models.CharField(  # noqa: DJ001
        max_length=32, null=True, blank=True, validators=[validate_card_number]
    )
    first_name = models.CharField(max_length=80, blank=True)
    last_name = models.CharField(max_length=80, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    reminder_consent = models.BooleanField(default=False, help_text="The patron agreed to receive reminder emails.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_activity_at = models.DateTimeField(default=timezone.now)
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["card_number"],
                condition=Q(card_number__isnull=False),
                name="patron_unique_card_number",
                violation_error_message="This library card number already belongs to a patron.",
            ),
            models.CheckConstraint(
                condition=Q(anonymised_at__isnull=True) | Q(card_number__isnull=True),
                name="patron_anonymised_has_no_card",
            ),
        ]
        indexes = [
            models.Index(
                fields=["last_activity_at"], condition=Q(anonymised_at__isnull=True), name="patron_active_activity"
            )
        ]

    def __str__(self) -> str:
        if self.anonymised_at:
            return f"Anonymised patron #{self.pk}"
        return f"{self.first_name} {self.last_name}".strip() or f"Patron #{self.pk}"


class Notification(models.Model):
    """One email in the outbox: what was sent to whom and when, never its body.

    The unique idempotency key makes one message per key, whichever process asks for it and however often,
    and one process at a time claims it. It is sent once, unless a worker dies between the mail server
    accepting it and the record of that: the sweep then sends it again, with the same Message-ID.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    kind = models.CharField(max_length=60)
    recipient = models.EmailField()
    template = models.CharField(max_length=120, help_text="Template base name under templates/emails/.")
    context = models.JSONField(
        default=dict, blank=True, help_text="Values the templates need; cleared once the email is sent."
    )
    idempotency_key = models.CharField(max_length=200)
    content_type = models.ForeignKey(ContentType, on_delete=models.SET_NULL, null=True, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    related_object = GenericForeignKey("content_type", "object_id")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="notification_unique_idempotency_key"),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="notification_status_created"),
            models.Index(fields=["content_type", "object_id"], name="notification_related"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient} ({self.get_status_display()})"
