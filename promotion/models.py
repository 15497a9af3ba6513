"""Displays and exhibits: what the lab shows in a branch, where and when, and what it features.

A display is planned (unpublished) on the coordinator's calendar, shown on the public site and in the widget while
it is on, and counted in the monthly report with the use of the technologies it featured.
"""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from bookings.models import Equipment
from makerlab.models import Branch
from programs.models import Program
from staffing.models import StaffMember

PHOTO_ALT_NEEDED = (
    "Say in a few words what the photo shows, for people who cannot see it "
    "(for example “A 3D-printed bridge model on the display case”)."
)


class Display(models.Model):
    """A display or exhibit of a technology or theme, at a branch, from one day to another."""

    title = models.CharField("what it shows", max_length=150, help_text="The technology or theme, in a few words.")
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True, help_text="What visitors can see and try, in plain language.")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="displays")
    area = models.CharField(
        "where in the branch", max_length=120, help_text="For example “Display case by the main entrance”."
    )
    starts_on = models.DateField("on from")
    ends_on = models.DateField("on until", help_text="The last day it is on.")
    equipment = models.ManyToManyField(
        Equipment, blank=True, related_name="displays", help_text="Machines it features."
    )
    programs = models.ManyToManyField(Program, blank=True, related_name="displays", help_text="Programs it features.")
    set_up_by = models.ManyToManyField(StaffMember, blank=True, related_name="displays", verbose_name="set up by")
    is_published = models.BooleanField(
        "shown to the public",
        default=True,
        help_text="Untick while it is only planned: it stays on the coordinator's calendar only.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="display_ends_on_or_after_start",
                violation_error_message="A display must end on or after the day it starts.",
            )
        ]
        indexes = [models.Index(fields=["starts_on", "ends_on"], name="display_dates")]

    def __str__(self) -> str:
        return self.title


class DisplayPhoto(models.Model):
    """A photo of a display, resized for the pages when uploaded; the alt text is required."""

    display = models.ForeignKey(Display, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField("photo", upload_to="displays/photos/%Y/")
    alt_text = models.CharField("what the photo shows", max_length=250, help_text=PHOTO_ALT_NEEDED)
    # The copies the pages show, made when the photo is saved: [{"width", "height", "name"}], narrowest first.
    renditions = models.JSONField(default=list, blank=True, editable=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(alt_text=""), name="display_photo_has_alt_text", violation_error_message=PHOTO_ALT_NEEDED
            )
        ]

    def __str__(self) -> str:
        return self.alt_text
