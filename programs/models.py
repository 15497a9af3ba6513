import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from bookings.models import Equipment
from makerlab.models import Branch, Patron, ServiceArea
from staffing.models import StaffMember


def new_token() -> str:
    return secrets.token_urlsafe(32)


IMAGE_ALT_NEEDED = (
    "Say in a few words what the picture shows, for people who cannot see it "
    "(for example “Two children soldering a circuit board”), or remove the picture."
)


class Category(models.TextChoices):
    DESIGN = "design", "Design"
    CODING = "coding", "Coding"
    ELECTRONICS = "electronics", "Electronics"
    TEXTILES = "textiles", "Textiles"
    GARDENING = "gardening", "Gardening and seed saving"
    DIGITAL_LITERACY = "digital_literacy", "Digital literacy"
    CRAFTS = "crafts", "Crafts"


class Audience(models.TextChoices):
    CHILDREN = "children", "Children"
    TEENS = "teens", "Teens"
    ADULTS = "adults", "Adults"
    FAMILIES = "families", "Families"
    ALL_AGES = "all_ages", "All ages"


class PartnerSite(models.Model):
    """A community partner's place where the lab runs outreach programs."""

    name = models.CharField(max_length=120)
    organisation = models.CharField(max_length=120)
    street_address = models.CharField(max_length=200)
    city = models.CharField(max_length=100)
    postal_code = models.CharField(max_length=7)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Program(models.Model):
    """A maker program: one or more sessions, registered for as one unit, or drop-in."""

    title = models.CharField(max_length=150)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField()
    category = models.CharField(max_length=20, choices=Category.choices)
    audience = models.CharField(max_length=20, choices=Audience.choices)
    service_area = models.CharField(
        max_length=24,
        choices=ServiceArea.choices,
        default=ServiceArea.EDUCATION,
        help_text="How outcome surveys and reports group this program.",
    )
    min_age = models.PositiveSmallIntegerField(null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(null=True, blank=True)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="programs")
    room = models.CharField(max_length=80, blank=True)
    partner_site = models.ForeignKey(
        PartnerSite, on_delete=models.PROTECT, null=True, blank=True, related_name="programs"
    )
    facilitators = models.ManyToManyField(
        StaffMember,
        blank=True,
        related_name="programs",
        help_text="Their session times block them for 1-on-1 bookings and show on their shifts page.",
    )
    equipment = models.ManyToManyField(
        Equipment,
        blank=True,
        related_name="programs",
        help_text="Machines the program uses: nobody can book them during its sessions.",
    )
    registration_required = models.BooleanField(default=True, help_text="Untick for a drop-in program.")
    capacity = models.PositiveSmallIntegerField(default=12)
    waitlist_capacity = models.PositiveSmallIntegerField(default=10)
    places_per_registration = models.PositiveSmallIntegerField(
        default=4, help_text="How many people one registration may sign up (a parent with children)."
    )
    guardian_may_stay = models.BooleanField(
        default=False,
        help_text="For children's programs: a parent or carer may stay with their children without taking a place.",
    )
    registration_opens_at = models.DateTimeField(null=True, blank=True)
    registration_closes_at = models.DateTimeField(null=True, blank=True)
    automatic_enrolment = models.BooleanField(
        default=False,
        help_text="When a place frees, enrol the next person on the waitlist at once instead of offering it.",
    )
    offer_hours = models.PositiveSmallIntegerField(default=24, help_text="How long a waitlist offer stays open.")
    grants_seed_orientation = models.BooleanField(
        default=False,
        help_text="Attending a session counts as the seed library's seed-saving orientation.",
    )
    materials = models.TextField(blank=True)
    accessibility = models.TextField(blank=True, help_text="Step-free access, quiet space, seating, and so on.")
    image = models.ImageField(
        "picture",
        upload_to="programs/images/%Y/",
        blank=True,
        help_text="Optional. A JPEG, PNG or WebP photo, at least 1200 pixels wide if you have one. "
        "The pages show smaller copies made from it.",
    )
    image_alt = models.CharField(
        "what the picture shows",
        max_length=250,
        blank=True,
        help_text="Needed with a picture, for people who cannot see it: "
        "for example “Two children soldering a circuit board”.",
    )
    # The copies the pages show, made when the picture is saved: [{"width", "height", "name"}], narrowest first.
    image_renditions = models.JSONField(default=list, blank=True, editable=False)
    is_published = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(branch__isnull=False) & Q(partner_site__isnull=True))
                | (Q(branch__isnull=True) & Q(partner_site__isnull=False)),
                name="program_one_location",
                violation_error_message="A program happens either at a branch or at a partner's site.",
            ),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True) | Q(max_age__isnull=True) | Q(max_age__gte=F("min_age")),
                name="program_age_range",
                violation_error_message="The oldest age must not be below the youngest.",
            ),
            models.CheckConstraint(
                condition=Q(registration_required=False) | (Q(capacity__gte=1) & Q(places_per_registration__gte=1)),
                name="program_capacity_when_registering",
                violation_error_message="A program with registration needs at least one place.",
            ),
            models.CheckConstraint(
                condition=Q(registration_opens_at__isnull=True)
                | Q(registration_closes_at__isnull=True)
                | Q(registration_closes_at__gt=F("registration_opens_at")),
                name="program_registration_window",
                violation_error_message="Registration must close after it opens.",
            ),
            models.CheckConstraint(
                condition=Q(image="") | ~Q(image_alt=""),
                name="program_image_has_alt_text",
                violation_error_message=IMAGE_ALT_NEEDED,
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def zone(self) -> dt.tzinfo:
        """The time zone its sessions are told in: its branch's, or the library's at a partner's site."""
        return self.branch.zone if self.branch_id else timezone.get_default_timezone()

    @property
    def place_name(self) -> str:
        """Where it happens in a few words, as staff lists say it: "Central Library, Room B" or the partner's site."""
        room = f", {self.room}" if self.room else ""
        return f"{self.branch or self.partner_site}{room}"

    def clean(self) -> None:
        super().clean()
        if self.image and not self.image_alt.strip():
            raise ValidationError({"image_alt": ValidationError(IMAGE_ALT_NEEDED, code="image_alt_missing")})


class Session(models.Model):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancellation_reason = models.CharField(max_length=250, blank=True, editable=False)
    # How many times the session was given a new time: each move's emails are keyed by it, so moving back to
    # an earlier time is told again.
    moves = models.PositiveIntegerField(default=0, editable=False)
    # Moved or cancelled: the calendar feed's Last-Modified follows it.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="program_session_ends_after_starts",
                violation_error_message="A session must end after it starts.",
            )
        ]
        # A week or a month of sessions (the staff programs page, the month view) is read by its start, without
        # reading the sessions of years past.
        indexes = [models.Index(fields=["starts_at"], name="session_starts_at")]

    def __str__(self) -> str:
        return f"{self.program}, {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class Registration(models.Model):
    """One sign-up for a program, for the registrant, their children, or both.

    A card may hold several registrations for one program (a child each, when the program takes one
    person per registration); the same person is never registered twice (see ``registration_create``).

    Confirmed and offered registrations hold their places; the program row is locked whenever
    places are counted, so the program never holds more than its capacity.
    """

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "Registered"
        WAITLISTED = "waitlisted", "On the waitlist"
        OFFERED = "offered", "Offered a place"
        CANCELLED = "cancelled", "Cancelled"
        OFFER_EXPIRED = "offer_expired", "Offer expired"

    HOLDING_PLACES = (Status.CONFIRMED, Status.OFFERED)
    ACTIVE = (Status.CONFIRMED, Status.OFFERED, Status.WAITLISTED)

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="registrations")
    patron = models.ForeignKey(Patron, on_delete=models.PROTECT, related_name="program_registrations")
    status = models.CharField(max_length=14, choices=Status.choices)
    places = models.PositiveSmallIntegerField()
    contact_name = models.CharField(max_length=160)
    contact_email = models.EmailField()
    contact_phone = models.CharField(max_length=30, blank=True)
    accommodations = models.CharField(max_length=500, blank=True)
    photo_consent = models.BooleanField(default=False)
    survey_consent = models.BooleanField(
        default=False, help_text="The registrant agreed to an anonymous two-minute survey by email afterwards."
    )
    manage_token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    offer_token = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    over_capacity_reason = models.CharField(max_length=250, blank=True)
    added_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(places__gte=1), name="registration_at_least_one_place"),
            models.CheckConstraint(
                condition=~Q(status="offered") | (Q(offer_token__isnull=False) & Q(offer_expires_at__isnull=False)),
                name="registration_offer_has_token_and_expiry",
            ),
        ]
        indexes = [models.Index(fields=["program", "status"], name="registration_queue")]

    def __str__(self) -> str:
        return f"{self.contact_name} for {self.program} ({self.get_status_display()})"


class StillComingManager(models.Manager):
    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(cancelled_at__isnull=True)


class Participant(models.Model):
    """A person a registration signs up: the registrant or a child.

    One person's place can be cancelled while the others keep theirs: the row stays (with the
    attendance already taken) but ``objects`` and ``registration.participants`` no longer show it.
    ``everyone`` includes them.
    """

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="participants")
    first_name = models.CharField(max_length=80)
    age = models.PositiveSmallIntegerField(null=True, blank=True, help_text="For children: age on the first day.")
    is_child = models.BooleanField(default=False)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)

    everyone = models.Manager()
    objects = StillComingManager()

    class Meta:
        ordering = ["pk"]
        default_manager_name = "objects"
        base_manager_name = "everyone"

    def __str__(self) -> str:
        return self.first_name


class RegistrationEvent(models.Model):
    """The record of every offer, claim, expiry and promotion on a waitlist."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", "Registered"
        WAITLISTED = "waitlisted", "Joined the waitlist"
        OFFERED = "offered", "Offered a place"
        CLAIMED = "claimed", "Claimed the offer"
        EXPIRED = "expired", "Offer expired"
        PROMOTED = "promoted", "Enrolled from the waitlist"
        CANCELLED = "cancelled", "Cancelled"
        PERSON_CANCELLED = "person_left", "One person's place cancelled"
        OVERRIDE = "override", "Added over capacity"

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.registration_id}: {self.get_kind_display()}"


class ProgramMessage(models.Model):
    """A message the coordinator sent to everyone registered for a program or one of its sessions.

    The outbox records who received it; the text is kept here so the record shows what was said.
    """

    class Audience(models.TextChoices):
        REGISTERED = "registered", "Registered people"
        REGISTERED_AND_WAITLIST = "with_waitlist", "Registered people and the waitlist"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="messages")
    session = models.ForeignKey(Session, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages")
    audience = models.CharField(max_length=14, choices=Audience.choices, default=Audience.REGISTERED)
    subject = models.CharField(max_length=150)
    body = models.TextField(max_length=5000)
    recipients = models.PositiveIntegerField(default=0)
    sent_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return self.subject


class Attendance(models.Model):
    """Whether a registered participant came to one session."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="attendance")
    present = models.BooleanField()
    marked_at = models.DateTimeField(default=timezone.now)
    marked_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "participant"], name="attendance_once_per_session"),
        ]

    def __str__(self) -> str:
        return f"{self.participant} at {self.session}: {'present' if self.present else 'absent'}"


class AgeGroup(models.TextChoices):
    CHILDREN = "0_12", "Children (0 to 12)"
    TEENS = "13_17", "Teens (13 to 17)"
    ADULTS = "18_64", "Adults (18 to 64)"
    SENIORS = "65_plus", "Seniors (65 and over)"


class Headcount(models.Model):
    """People counted at a drop-in or outreach session, by age group; walk-ins at registered ones too."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="headcounts")
    age_group = models.CharField(max_length=8, choices=AgeGroup.choices)
    count = models.PositiveSmallIntegerField()
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "age_group"], name="headcount_once_per_age_group"),
            models.CheckConstraint(condition=Q(count__lte=1000), name="headcount_plausible"),
        ]

    def __str__(self) -> str:
        return f"{self.session}: {self.count} {self.get_age_group_display()}"
