"""The seed library: varieties, lots of seed with their tests and lineage, packets per branch, and lending."""

import datetime as dt
import secrets

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from makerlab.models import Branch, Patron


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Category(models.TextChoices):
    VEGETABLE = "vegetable", "Vegetable"
    HERB = "herb", "Herb"
    FLOWER = "flower", "Flower"
    NATIVE = "native", "Native plant"


class Difficulty(models.TextChoices):
    """How hard it is to save seed that grows true to type (not how hard the plant is to grow)."""

    EASY = "easy", "Easy"
    INTERMEDIATE = "intermediate", "Intermediate"
    ADVANCED = "advanced", "Advanced"


class PlantFamily(models.Model):
    """A botanical family, with how long its seed usually stays viable."""

    name = models.CharField(max_length=60, unique=True, help_text="Botanical name, e.g. Solanaceae.")
    common_name = models.CharField(max_length=60, help_text="e.g. Nightshade family.")
    viability_years = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="How many years after harvest this family's seed is lent, unless a variety says otherwise.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "plant families"

    def __str__(self) -> str:
        return f"{self.common_name} ({self.name})"


class Variety(models.Model):
    """A variety in the public catalogue, with how to sow it and how to save its seed."""

    common_name = models.CharField(max_length=80, help_text="e.g. Tomato.")
    variety_name = models.CharField(max_length=80, blank=True, help_text="e.g. Brandywine.")
    slug = models.SlugField(max_length=120, unique=True)
    botanical_name = models.CharField(max_length=120, help_text="e.g. Solanum lycopersicum.")
    family = models.ForeignKey(PlantFamily, on_delete=models.PROTECT, related_name="varieties")
    category = models.CharField(max_length=12, choices=Category.choices)
    difficulty = models.CharField(max_length=12, choices=Difficulty.choices)
    difficulty_reason = models.CharField(
        max_length=200, blank=True, help_text="Why saving its seed is this hard, e.g. cross-pollinates, biennial."
    )
    open_pollinated = models.BooleanField(default=True)
    heirloom = models.BooleanField(default=False)
    days_to_maturity = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(730)]
    )
    sow_indoors_weeks_before_frost = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(20)],
        help_text="Start indoors this many weeks before the last frost; empty when not started indoors.",
    )
    direct_sow_weeks_after_frost = models.SmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(-12), MaxValueValidator(20)],
        help_text="Weeks after the last frost to sow outdoors (negative: before it); empty if never sown outdoors.",
    )
    sow_in_fall = models.BooleanField(
        default=False,
        help_text="Also sown outdoors in the fall, to spend the winter in the ground (garlic, many native plants).",
    )
    spacing_cm = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(500)])
    isolation_distance_m = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(5000)],
        help_text="How far from other varieties of the same species to grow it when saving seed.",
    )
    growing_notes = models.TextField(blank=True)
    saving_notes = models.TextField(blank=True, help_text="How to save seed from it.")
    photo = models.ImageField(upload_to="seeds/", blank=True)
    photo_description = models.CharField(max_length=200, blank=True, help_text="Alternative text for the photo.")
    viability_years = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="Leave empty to use the plant family's default.",
    )
    low_stock_threshold = models.PositiveSmallIntegerField(
        default=5, help_text="Packets left (all branches) at which the variety is listed as low on stock."
    )
    is_published = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["common_name", "variety_name"]
        verbose_name_plural = "varieties"
        constraints = [
            models.UniqueConstraint(
                fields=["common_name", "variety_name"],
                name="variety_unique_name",
                violation_error_message="The catalogue already has this variety.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.common_name} '{self.variety_name}'" if self.variety_name else self.common_name


class Lot(models.Model):
    """One harvest of one variety from one source: tested, packed into packets and lent as a unit.

    A lot grown from seed the library lent has ``parent_lot`` set: generation N+1 of that lot.
    """

    class Source(models.TextChoices):
        COMMERCIAL_DONATION = "commercial", "Commercial donation"
        PATRON_DONATION = "patron_donation", "Patron donation"
        PATRON_RETURN = "patron_return", "Patron return"
        LIBRARY_GROWN = "library_grown", "Grown by the library"

    class Status(models.TextChoices):
        QUARANTINE = "quarantine", "Quarantine"
        TEST_PENDING = "test_pending", "Germination test pending"
        AVAILABLE = "available", "Available"
        RETIRED = "retired", "Retired"

    variety = models.ForeignKey(Variety, on_delete=models.PROTECT, related_name="lots")
    code = models.CharField(max_length=40, unique=True)
    source = models.CharField(max_length=16, choices=Source.choices)
    donor_patron = models.ForeignKey(
        Patron, on_delete=models.PROTECT, null=True, blank=True, related_name="seed_lots_given"
    )
    donor_name = models.CharField(max_length=160, blank=True, help_text="The person or organisation who gave it.")
    parent_lot = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="offspring")
    generation = models.PositiveSmallIntegerField(default=1)
    harvest_year = models.PositiveSmallIntegerField(validators=[MinValueValidator(1950)])
    amount = models.CharField(max_length=80, blank=True, help_text="What came in, e.g. '2 envelopes, about 200 seeds'.")
    grower_notes = models.TextField(blank=True)
    isolation_respected = models.BooleanField(null=True, blank=True)
    may_have_crossed = models.BooleanField(default=False)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.QUARANTINE)
    received_on = models.DateField(default=timezone.localdate)
    received_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["variety", "-harvest_year", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(parent_lot__isnull=True) | Q(generation__gte=2),
                name="lot_offspring_is_a_later_generation",
            ),
            models.CheckConstraint(condition=Q(generation__gte=1), name="lot_generation_positive"),
        ]
        indexes = [models.Index(fields=["variety", "status"], name="lot_variety_status")]

    def __str__(self) -> str:
        return self.code


class GerminationTest(models.Model):
    """A count of how many of a sample of a lot's seeds sprouted."""

    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="germination_tests")
    started_on = models.DateField()
    counted_on = models.DateField()
    seeds_tested = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(1000)])
    seeds_sprouted = models.PositiveSmallIntegerField(validators=[MaxValueValidator(1000)])
    notes = models.CharField(max_length=250, blank=True)
    recorded_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-counted_on", "-pk"]
        get_latest_by = ["counted_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(seeds_tested__gte=1) & Q(seeds_sprouted__lte=F("seeds_tested")),
                name="germination_sprouted_within_tested",
                violation_error_message="More seeds cannot sprout than were tested.",
            ),
            models.CheckConstraint(
                condition=Q(counted_on__gte=F("started_on")),
                name="germination_counted_after_started",
                violation_error_message="The count must be on or after the day the test started.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lot}: {self.rate_percent}% on {self.counted_on}"

    @property
    def rate_percent(self) -> int:
        return round(100 * self.seeds_sprouted / self.seeds_tested)


class Stock(models.Model):
    """Packets of one lot on the shelf at one branch. Never below zero (checked by the database)."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="stock")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="seed_stock")
    packets = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["lot", "branch"]
        verbose_name_plural = "stock"
        constraints = [
            models.UniqueConstraint(fields=["lot", "branch"], name="stock_once_per_lot_and_branch"),
            models.CheckConstraint(condition=Q(packets__gte=0), name="stock_never_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.lot} at {self.branch}: {self.packets}"


class Orientation(models.Model):
    """A patron has completed the seed-saving orientation, so they may borrow seed."""

    class Source(models.TextChoices):
        STAFF = "staff", "Recorded by staff"
        PROGRAM = "program", "Attended the orientation program"

    patron = models.OneToOneField(Patron, on_delete=models.CASCADE, related_name="seed_orientation")
    completed_on = models.DateField(default=timezone.localdate)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.STAFF)
    recorded_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    def __str__(self) -> str:
        return f"{self.patron} on {self.completed_on}"


class SeedRequest(models.Model):
    """Packets a patron asked for online, set aside by staff and picked up at a branch."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        READY = "ready", "Ready for pickup"
        PICKED_UP = "picked_up", "Picked up"
        EXPIRED = "expired", "Expired"
        CANCELLED = "cancelled", "Cancelled"

    OPEN = (Status.REQUESTED, Status.READY)

    patron = models.ForeignKey(Patron, on_delete=models.PROTECT, related_name="seed_requests")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="seed_requests")
    contact_email = models.EmailField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    manage_token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(help_text="When packets not picked up go back on the shelf.")
    closed_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "expires_at"], name="seed_request_open")]

    def __str__(self) -> str:
        return f"Request {self.pk} ({self.get_status_display()})"

    @property
    def ended_at(self) -> dt.datetime | None:
        """When the request ended (picked up, cancelled or expired); None while it is still open."""
        if self.status in self.OPEN:
            return None
        return self.closed_at or self.expires_at


class Loan(models.Model):
    """Packets of one lot lent to a patron, or set aside for them by an online request.

    Held and lent packets count towards the season's limits; released ones (a request that
    expired or was cancelled) went back on the shelf.
    """

    class Status(models.TextChoices):
        HELD = "held", "Set aside"
        LENT = "lent", "Lent"
        RELEASED = "released", "Returned to the shelf"

    COUNTING = (Status.HELD, Status.LENT)

    patron = models.ForeignKey(Patron, on_delete=models.PROTECT, related_name="seed_loans")
    variety = models.ForeignKey(Variety, on_delete=models.PROTECT, related_name="loans")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="loans")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="seed_loans")
    request = models.ForeignKey(SeedRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="loans")
    packets = models.PositiveSmallIntegerField(default=1)
    season = models.PositiveSmallIntegerField(help_text="The growing season (year) the packets count towards.")
    status = models.CharField(max_length=8, choices=Status.choices)
    created_at = models.DateTimeField(default=timezone.now)
    lent_at = models.DateTimeField(null=True, blank=True)
    lent_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(packets__gte=1), name="loan_at_least_one_packet"),
            models.CheckConstraint(condition=~Q(status="lent") | Q(lent_at__isnull=False), name="loan_lent_has_a_date"),
        ]
        indexes = [models.Index(fields=["patron", "season", "status"], name="loan_patron_season")]

    def __str__(self) -> str:
        return f"{self.packets} of {self.lot} ({self.get_status_display()})"
