"""Outcome surveys and the monthly report.

Survey counts and responses hold no link to a patron, a booking, a registration or an email: only the
service, the program, the branch and the month, so answers stay anonymous. A closed month keeps
the figures computed when it was closed; later edits elsewhere never change them.
"""

import secrets
import uuid

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from bookings.models import ServiceType
from makerlab.models import Branch, ServiceArea
from programs.models import Program


def new_survey_token() -> str:
    """The old invitations' random token; only migration 0001 still names it."""
    return secrets.token_urlsafe(32)


class SurveyKind(models.TextChoices):
    IMMEDIATE = "immediate", "Right after"
    FOLLOW_UP = "follow_up", "Follow-up"


class SurveyChannel(models.TextChoices):
    EMAIL = "email", "Email"
    IN_ROOM = "in_room", "QR code in the room"


class SurveysSent(models.Model):
    """How many survey links went out, per kind, channel, what they are about and the month of the session.

    A count, never a row per link, and no time: nothing here can be matched with an email or an answer.
    The links themselves are signed and kept nowhere (see ``stats.surveys``).
    """

    kind = models.CharField(max_length=10, choices=SurveyKind.choices)
    channel = models.CharField(max_length=8, choices=SurveyChannel.choices)
    service_area = models.CharField(max_length=24, choices=ServiceArea.choices)
    service_type = models.ForeignKey(
        ServiceType, on_delete=models.SET_NULL, null=True, blank=True, related_name="surveys_sent"
    )
    program = models.ForeignKey(Program, on_delete=models.SET_NULL, null=True, blank=True, related_name="surveys_sent")
    branch = models.ForeignKey(Branch, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    month = models.DateField(help_text="The first day of the month of the session the surveys are about.")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "surveys sent"
        ordering = ["-month", "kind", "channel", "service_area"]
        constraints = [
            models.CheckConstraint(condition=Q(month__day=1), name="surveys_sent_month_is_first_day"),
            models.UniqueConstraint(
                fields=["kind", "channel", "service_area", "service_type", "program", "branch", "month"],
                name="surveys_sent_one_count_per_subject",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.count} {self.get_kind_display().lower()} surveys, {self.month:%B %Y}"


class UsedSurveyLink(models.Model):
    """A survey link that has been answered: a keyed hash of its random part, and nothing else.

    The hash is the primary key, so two answers with one link cannot both be stored, and there is no
    number or time that would say in what order links were used.
    """

    digest = models.CharField(max_length=64, primary_key=True)

    def __str__(self) -> str:
        return "An answered survey link"


class Agreement(models.IntegerChoices):
    """The five-point agreement scale; "not applicable" is stored as 0 and left out of percentages."""

    NOT_APPLICABLE = 0, "Not applicable"
    STRONGLY_DISAGREE = 1, "Strongly disagree"
    DISAGREE = 2, "Disagree"
    NEUTRAL = 3, "Neither agree nor disagree"
    AGREE = 4, "Agree"
    STRONGLY_AGREE = 5, "Strongly agree"


class FollowUpAnswer(models.TextChoices):
    YES = "yes", "Yes"
    NOT_YET = "not_yet", "Not yet"
    NO = "no", "No"


class SurveyResponse(models.Model):
    """One anonymous set of answers to one survey link, with what the link was about.

    A random id and the month answered (never a day or a time): answers cannot be put in the order they
    were given, nor matched with the emails that invited them.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=10, choices=SurveyKind.choices)
    service_area = models.CharField(max_length=24, choices=ServiceArea.choices)
    service_type = models.ForeignKey(
        ServiceType, on_delete=models.SET_NULL, null=True, blank=True, related_name="survey_responses"
    )
    program = models.ForeignKey(
        Program, on_delete=models.SET_NULL, null=True, blank=True, related_name="survey_responses"
    )
    branch = models.ForeignKey(Branch, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    month = models.DateField()
    # The immediate survey: four outcome statements (null when skipped) and two open questions.
    learned = models.PositiveSmallIntegerField(
        choices=Agreement.choices, null=True, blank=True, validators=[MaxValueValidator(5)]
    )
    confident = models.PositiveSmallIntegerField(
        choices=Agreement.choices, null=True, blank=True, validators=[MaxValueValidator(5)]
    )
    intend_to_apply = models.PositiveSmallIntegerField(
        choices=Agreement.choices, null=True, blank=True, validators=[MaxValueValidator(5)]
    )
    more_aware = models.PositiveSmallIntegerField(
        choices=Agreement.choices, null=True, blank=True, validators=[MaxValueValidator(5)]
    )
    liked_most = models.TextField(max_length=1000, blank=True)
    could_do_better = models.TextField(max_length=1000, blank=True)
    # The follow-up survey.
    applied = models.CharField(max_length=8, choices=FollowUpAnswer.choices, blank=True)
    changed_something = models.CharField(max_length=8, choices=FollowUpAnswer.choices, blank=True)
    used_other_resources = models.CharField(max_length=8, choices=FollowUpAnswer.choices, blank=True)
    answered_in = models.DateField(help_text="The first day of the month the answers were given: no closer time.")

    class Meta:
        ordering = ["-month", "-pk"]
        indexes = [models.Index(fields=["month", "kind"], name="survey_response_month")]
        constraints = [
            models.CheckConstraint(
                condition=Q(learned__lte=5) & Q(confident__lte=5) & Q(intend_to_apply__lte=5) & Q(more_aware__lte=5),
                name="survey_response_scale",
            ),
            models.CheckConstraint(condition=Q(answered_in__day=1), name="survey_response_answered_in_is_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} response, {self.month:%B %Y}"


class MonthlyReport(models.Model):
    """A closed month: its figures frozen when it was closed, and what the board was sent.

    Re-closing (with a recorded reason) makes a new version; each closing is kept in ``closings``.
    The PDF is built once per version and choice of quotes (``pdf_key`` says which) and served as stored.
    """

    month = models.DateField(unique=True, help_text="The first day of the month.")
    version = models.PositiveSmallIntegerField(default=1)
    figures = models.JSONField(default=dict, help_text="The frozen figures: the month, the year to date, last year.")
    quotes = models.JSONField(
        default=list, blank=True, help_text="One to three answers from the open survey questions, chosen for the board."
    )
    closed_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    pdf_key = models.CharField(max_length=64, blank=True, editable=False, help_text="What the PDF was built from.")

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.CheckConstraint(condition=Q(month__day=1), name="monthly_report_month_is_first_day"),
        ]

    def __str__(self) -> str:
        return f"Report for {self.month:%B %Y}"


class ReportClosing(models.Model):
    """One closing of a month: the first by the monthly job, later ones by the coordinator with a reason."""

    report = models.ForeignKey(MonthlyReport, on_delete=models.CASCADE, related_name="closings")
    version = models.PositiveSmallIntegerField()
    figures = models.JSONField()
    closed_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reason = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When this version was emailed to the board.")
    sent_by = models.ForeignKey(
        "auth.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who pressed “Send to the board”; empty when it went on the scheduled day.",
    )

    class Meta:
        ordering = ["report", "version"]
        constraints = [
            models.UniqueConstraint(fields=["report", "version"], name="report_closing_once_per_version"),
            models.CheckConstraint(
                condition=Q(version=1) | ~Q(reason=""),
                name="report_reclosing_has_a_reason",
                violation_error_message="Say why the month is closed again.",
                violation_error_code="no_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report}, version {self.version}"


class PatronFirstActivity(models.Model):
    """When a patron first attended a 1-on-1 session, came to a program or borrowed seed, kept as data.

    Refreshed for every patron at month close, in one statement (``patron_first_activity_refresh``), so
    that "new patrons" need not look through each patron's history. A patron without a row had no activity
    at the last refresh; figures check the records for those, so a row missing or late never miscounts.
    """

    patron = models.OneToOneField(
        "makerlab.Patron", on_delete=models.CASCADE, primary_key=True, related_name="first_activity"
    )
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.patron_id}: {self.at:%Y-%m-%d}"


# --- Purchase recommendations: what patrons suggest, and what the coordinator recommends --------------------


class SuggestionKind(models.TextChoices):
    EQUIPMENT = "equipment", "Equipment or a machine"
    SOFTWARE = "software", "Software or an app"
    SEEDS = "seeds", "A seed variety"


class PurchaseSuggestion(models.Model):
    """Something a patron would like the Maker Lab to buy, and why.

    ``normalised`` is ``what`` without capitals, punctuation or plural endings: suggestions are counted by it, so
    "Laser cutter" and "laser cutters" count together. The email (optional) is only for an answer, and is
    blanked after PATRON_RETENTION_DAYS by the nightly retention job; the suggestion itself stays to be counted.
    """

    kind = models.CharField(max_length=12, choices=SuggestionKind.choices)
    what = models.CharField(max_length=120)
    normalised = models.CharField(max_length=120, db_index=True)
    why = models.TextField(max_length=600)
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    answer_emailed = models.BooleanField(default=False, help_text="An answer went to the patron's email.")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.what} ({self.get_kind_display().lower()})"


# The largest estimated cost a recommendation may carry, in dollars.
MAX_RECOMMENDATION_COST = 1_000_000


class PurchaseRecommendation(models.Model):
    """A purchase the coordinator recommends to the manager, with the evidence as it stood when it was written."""

    item = models.CharField(max_length=150)
    estimated_cost = models.DecimalField(max_digits=9, decimal_places=2)
    reason = models.TextField(max_length=1500)
    evidence = models.JSONField(default=list, help_text="The chosen evidence as shown on the day: section and text.")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(estimated_cost__gt=0) & Q(estimated_cost__lte=MAX_RECOMMENDATION_COST),
                name="purchase_recommendation_cost_in_range",
                violation_error_message="Enter a cost from $0.01 to $1,000,000.",
                violation_error_code="cost_out_of_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} ({self.cost_text})"

    @property
    def cost_text(self) -> str:
        return f"${self.estimated_cost:,.2f}"
