from django.contrib import admin

from makerlab.models import Branch, Closure, Notification, OpeningHours, Patron


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


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox: every email the system sent or will send, read-only."""

    list_display = ["created_at", "kind", "recipient", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["recipient", "idempotency_key"]
    date_hierarchy = "created_at"
    fields = [
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

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
