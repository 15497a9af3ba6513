import re

from django.contrib import admin
from django.contrib.admin import helpers
from django.forms import CheckboxInput
from django.http import HttpRequest
from django.utils.html import format_html

from makerlab.models import Branch, Closure, Notification, OpeningHours, Patron

# What each kind of email is, as the outbox says it. A kind is the name of its template under
# templates/emails/; a test fails when an email is added without its label here.
NOTIFICATION_KIND_LABELS = {
    "booking_confirmation": "Booking confirmed",
    "booking_rescheduled": "Booking moved to a new time",
    "booking_cancelled": "Booking cancelled",
    "booking_reminder": "Booking reminder",
    "time_opened": "A time opened (for someone who asked to be told)",
    "program_registered": "Program registration confirmed",
    "program_waitlisted": "Put on a program's waitlist",
    "program_offer": "Place offered from the waitlist",
    "program_cancelled": "Program registration cancelled",
    "program_person_cancelled": "One person's place in a program cancelled",
    "program_reminder": "Program reminder",
    "program_session_moved": "Program session moved",
    "program_session_added": "New program session announced",
    "program_session_cancelled": "Program session cancelled",
    "program_message": "Message to a program's registrants",
    "seed_request_received": "Seed request received",
    "seed_request_ready": "Seeds ready to pick up",
    "seed_request_expired": "Seed request ended (not picked up)",
    "survey_immediate": "Survey invitation",
    "survey_follow_up": "Follow-up survey invitation",
    "monthly_report": "Monthly report to the board",
    "mylab_sign_in": "My Maker Lab sign-in link",
}


KIND_SHAPE = re.compile(r"[a-z0-9_]{1,60}")


def notification_kind_label(kind: str) -> str:
    """ "Program registration confirmed" for ``program_registered``; a kind without a label still reads as words."""
    return NOTIFICATION_KIND_LABELS.get(kind) or kind.replace("_", " ").capitalize()


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "phone", "time_zone", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "city"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [OpeningHoursInline]


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ["reason", "start_date", "end_date", "branch"]
    list_filter = ["branch"]
    list_select_related = ["branch"]
    date_hierarchy = "start_date"


@admin.register(Patron)
class PatronAdmin(admin.ModelAdmin):
    list_display = ["card_number", "first_name", "last_name", "email", "last_activity_at", "anonymised_at"]
    list_filter = [("anonymised_at", admin.EmptyFieldListFilter)]
    search_fields = ["=card_number", "last_name", "email"]
    readonly_fields = ["created_at", "last_activity_at", "anonymised_at"]
    show_full_result_count = False


class NotificationKindFilter(admin.SimpleListFilter):
    """The kinds of email by their labels, without reading the outbox to list them."""

    title = "kind of email"
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return sorted(NOTIFICATION_KIND_LABELS.items(), key=lambda item: item[1])

    def queryset(self, request: HttpRequest, queryset):
        kind = self.value()
        if not kind:
            return queryset
        return queryset.filter(kind=kind) if KIND_SHAPE.fullmatch(kind) else queryset.none()


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox: every email the system sent or will send, read-only."""

    list_display = ["created_at", "what", "recipient", "status", "attempts", "sent_at"]
    list_filter = ["status", NotificationKindFilter]
    search_fields = ["recipient", "idempotency_key"]
    date_hierarchy = "created_at"
    fields = [
        "what",
        "kind",
        "recipient",
        "template",
        "status",
        "attempts",
        "last_error",
        "idempotency_key",
        "content_type",
        "object_id",
        "created_at",
        "claimed_at",
        "sent_at",
    ]
    readonly_fields = fields

    @admin.display(description="email", ordering="kind")
    def what(self, obj: Notification) -> str:
        return notification_kind_label(obj.kind)

    def action_checkbox(self, obj: Notification) -> str:
        label = format_html(
            "Select this object for an action - {} to {}", notification_kind_label(obj.kind), obj.recipient
        )
        checkbox = CheckboxInput({"class": "action-select", "aria-label": label}, lambda value: False)
        return checkbox.render(helpers.ACTION_CHECKBOX_NAME, str(obj.pk))

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
