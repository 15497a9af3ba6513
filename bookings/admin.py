"""The coordinator's bookings admin: services, equipment, bookings with their history, trainings and pauses.

Bookings are made through the booking service (online or at the desk), never added here; attendance,
no-shows and lifting a pause are admin actions that call the desk services, so the same rules hold
(orientations train, no-shows start pauses) whoever does it and wherever.
"""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from bookings.models import (
    Booking,
    BookingPause,
    Equipment,
    IntakeQuestion,
    MaintenanceWindow,
    NotifyRequest,
    ServiceType,
    Training,
)
from bookings.services import desk
from makerlab.exports import csv_lines
from makerlab.formatting import when_text
from makerlab.validators import ascii_id, validate_plain_text
from staffing.selectors import staff_members


class IntakeQuestionInline(admin.TabularInline):
    model = IntakeQuestion
    extra = 0


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "branch", "duration_minutes", "required_skill", "equipment", "is_active", "display_order"]
    list_filter = ["branch", "is_active", "trains_on_equipment", "requires_training"]
    list_select_related = ["branch", "required_skill", "equipment"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [IntakeQuestionInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "description", "what_to_bring", "branch", "is_active", "display_order"]}),
        ("Time", {"fields": ["duration_minutes", "buffer_minutes", "minimum_notice_hours", "horizon_days"]}),
        (
            "Who and what",
            {"fields": ["required_skill", "equipment", "trains_on_equipment", "requires_training", "minimum_age"]},
        ),
        ("Limits", {"fields": ["max_future_bookings", "max_per_week", "change_cutoff_hours"]}),
    ]


class MaintenanceWindowInline(admin.TabularInline):
    model = MaintenanceWindow
    extra = 0


@admin.register(Equipment)
class EquipmentAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "branch", "in_service", "training_valid_days"]
    list_filter = ["branch", "kind", "in_service"]
    list_select_related = ["branch"]
    search_fields = ["name"]
    inlines = [MaintenanceWindowInline]


class BookingAdminForm(forms.ModelForm):
    """Only the outcome is edited here; in plain text, like at the desk."""

    class Meta:
        model = Booking
        fields = ["outcome_topic", "outcome_resolved", "outcome_notes"]

    def clean(self) -> dict:
        cleaned = super().clean()
        for field in ("outcome_topic", "outcome_notes"):
            try:
                validate_plain_text(cleaned.get(field) or "")
            except ValidationError as error:
                self.add_error(field, error)
        return cleaned


# The CSV holds what a coordinator needs to count and plan, and nothing that names or reaches a patron:
# no name, card, email, phone, intake answers, accessibility needs or outcome notes. The patron's
# internal number lets repeat visits be counted without saying who.
CSV_HEADER = [
    "booking",
    "date",
    "starts",
    "ends",
    "branch",
    "service",
    "staff member",
    "equipment",
    "status",
    "patron number",
    "booked by staff",
    "limits overridden",
    "outcome topic",
    "outcome resolved",
    "booked on",
    "cancelled on",
]


def _csv_rows(queryset: QuerySet):
    yield CSV_HEADER
    for booking in queryset.iterator(chunk_size=500):
        zone = booking.branch.zone
        starts, ends = booking.starts_at.astimezone(zone), booking.ends_at.astimezone(zone)
        yield [
            booking.pk,
            starts.date().isoformat(),
            starts.strftime("%H:%M"),
            ends.strftime("%H:%M"),
            booking.branch.name,
            booking.service_type.name,
            str(booking.staff_member),
            booking.equipment.name if booking.equipment else "",
            booking.get_status_display(),
            booking.patron_id,
            "yes" if booking.booked_by_id else "no",
            "yes" if booking.limits_overridden else "no",
            booking.outcome_topic,
            {True: "yes", False: "needs follow-up", None: ""}[booking.outcome_resolved],
            booking.created_at.astimezone(zone).date().isoformat(),
            booking.cancelled_at.astimezone(zone).date().isoformat() if booking.cancelled_at else "",
        ]


ONE_DAY = dt.timedelta(days=1)


class StaffMemberFilter(admin.SimpleListFilter):
    """Staff members listed with their names in one query (the default filter asks once per person)."""

    title = "staff member"
    parameter_name = "staff"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        people = staff_members(ids=Booking.objects.values("staff_member_id"))
        return sorted(((str(person.pk), str(person)) for person in people), key=lambda item: item[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() is None:
            return queryset
        chosen = ascii_id(self.value())
        return queryset.none() if chosen is None else queryset.filter(staff_member_id=chosen)


UPCOMING, TODAY, PAST, EVERY_DATE = "upcoming", "today", "past", "all"
SOONEST_FIRST = (UPCOMING, TODAY)


def _booking_period(request: HttpRequest) -> str:
    """Which bookings the list shows: the period chosen; else, after a search or a choice of dates, every date
    (so every booking stays in reach); else today onwards, the ones the coordinator acts on."""
    chosen = request.GET.get(BookingWhenFilter.parameter_name, "")
    if chosen in (UPCOMING, TODAY, PAST, EVERY_DATE):
        return chosen
    searched = request.GET.get("q") or any(key.startswith("starts_at__") for key in request.GET)
    return EVERY_DATE if searched and not chosen else UPCOMING


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=timezone.get_current_timezone())


class BookingWhenFilter(admin.SimpleListFilter):
    """Today onwards unless asked otherwise; past bookings and every date are one click away."""

    title = "when"
    parameter_name = "when"

    def __init__(self, request: HttpRequest, params, model, model_admin) -> None:
        super().__init__(request, params, model, model_admin)
        self.period = _booking_period(request)

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [(UPCOMING, "Today onwards"), (TODAY, "Today"), (PAST, "Before today"), (EVERY_DATE, "All dates")]

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": self.period == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        today = timezone.localdate()
        if self.period == UPCOMING:
            return queryset.filter(starts_at__gte=_start_of(today))
        if self.period == TODAY:
            return queryset.filter(starts_at__gte=_start_of(today), starts_at__lt=_start_of(today + ONE_DAY))
        if self.period == PAST:
            return queryset.filter(starts_at__lt=_start_of(today))
        return queryset


@admin.register(Booking)
class BookingAdmin(SimpleHistoryAdmin):
    form = BookingAdminForm
    date_hierarchy = "starts_at"
    list_display = ["when", "service_type", "patron_name", "staff_member", "status", "outcome_resolved"]
    list_filter = [
        BookingWhenFilter,
        "service_type",
        StaffMemberFilter,
        "status",
        "branch",
        ("booked_by", admin.EmptyFieldListFilter),
    ]
    list_select_related = ["service_type", "staff_member__user", "patron", "branch"]
    search_fields = ["=patron__card_number", "contact_name", "patron__last_name"]
    show_full_result_count = False
    list_per_page = 50
    actions = ["export_csv", "mark_attended", "mark_no_show"]
    readonly_fields = [
        "service_type",
        "branch",
        "patron",
        "staff_member",
        "equipment",
        "starts_at",
        "ends_at",
        "status",
        "contact_name",
        "contact_email",
        "contact_phone",
        "reminder_consent",
        "intake_answers",
        "accessibility_needs",
        "booked_by",
        "limits_overridden",
        "created_at",
        "cancelled_at",
    ]
    fieldsets = [
        (None, {"fields": ["service_type", "branch", "starts_at", "ends_at", "staff_member", "equipment", "status"]}),
        (
            "Patron",
            {
                "fields": [
                    "patron",
                    "contact_name",
                    "contact_email",
                    "contact_phone",
                    "reminder_consent",
                    "intake_answers",
                    "accessibility_needs",
                ]
            },
        ),
        ("Outcome", {"fields": ["outcome_topic", "outcome_resolved", "outcome_notes"]}),
        ("Record", {"fields": ["booked_by", "limits_overridden", "created_at", "cancelled_at"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # bookings are made through the booking service: online, or at the desk

    def get_ordering(self, request: HttpRequest) -> list[str]:
        """Coming bookings soonest first; past ones (and every date) latest first."""
        return ["starts_at", "pk"] if _booking_period(request) in SOONEST_FIRST else ["-starts_at", "-pk"]

    @admin.display(description="when", ordering="starts_at")
    def when(self, obj: Booking) -> str:
        return when_text(obj.starts_at, obj.ends_at, zone=obj.branch.zone, today=timezone.localdate())

    def has_delete_permission(self, request: HttpRequest, obj: Booking | None = None) -> bool:
        return False  # statistics and history count on every booking; cancel instead

    @admin.display(description="patron", ordering="contact_name")
    def patron_name(self, obj: Booking) -> str:
        return obj.contact_name or str(obj.patron)

    @admin.action(description="Export the selected bookings as CSV (no personal details)", permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        queryset = queryset.select_related("service_type", "staff_member__user", "branch", "equipment").order_by(
            "starts_at", "pk"
        )
        response = StreamingHttpResponse(csv_lines(_csv_rows(queryset)), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="bookings-{timezone.localdate():%Y-%m-%d}.csv"'
        return response

    def _each(self, request: HttpRequest, queryset: QuerySet, action, done: str) -> None:
        count, refused = 0, []
        for booking in queryset.order_by("starts_at"):
            try:
                action(booking=booking, by=request.user)
            except ValidationError as error:
                refused.append(f"{booking}: {' '.join(error.messages)}")
            else:
                count += 1
        if count:
            self.message_user(request, f"{count} {done}.")
        for message in refused:
            self.message_user(request, message, level=messages.WARNING)

    @admin.action(description="Mark the selected bookings as attended", permissions=["change"])
    def mark_attended(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, desk.booking_mark_attended, "marked as attended")

    @admin.action(description="Mark the selected bookings as did not come", permissions=["change"])
    def mark_no_show(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, desk.booking_mark_no_show, "marked as did not come")


@admin.register(Training)
class TrainingAdmin(admin.ModelAdmin):
    list_display = ["patron", "equipment", "trained_on", "expires_on"]
    list_filter = ["equipment", "trained_on"]
    list_select_related = ["patron", "equipment"]
    search_fields = ["=patron__card_number", "patron__last_name"]
    raw_id_fields = ["patron", "booking"]
    show_full_result_count = False


@admin.register(BookingPause)
class BookingPauseAdmin(admin.ModelAdmin):
    list_display = ["patron", "paused_until", "reason", "created_at", "lifted_at", "lifted_by"]
    list_filter = [("lifted_at", admin.EmptyFieldListFilter), "paused_until"]
    list_select_related = ["patron", "lifted_by"]
    search_fields = ["=patron__card_number", "patron__last_name"]
    raw_id_fields = ["patron"]
    readonly_fields = ["created_at", "lifted_at", "lifted_by"]
    actions = ["lift"]

    @admin.action(description="Lift the selected pauses (the patrons can book online again)", permissions=["change"])
    def lift(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = 0
        for pause in queryset.select_related("patron"):
            try:
                desk.booking_pause_lift(pause=pause, by=request.user)
            except ValidationError as error:
                self.message_user(request, f"{pause.patron}: {' '.join(error.messages)}", level=messages.WARNING)
            else:
                count += 1
        if count:
            self.message_user(request, f"{count} pauses lifted.")


@admin.register(NotifyRequest)
class NotifyRequestAdmin(admin.ModelAdmin):
    """Who asked to be told when a time opens: read-only, the booking service keeps it."""

    list_display = ["service_type", "created_at", "notified_at"]
    list_filter = ["service_type", ("notified_at", admin.EmptyFieldListFilter)]
    list_select_related = ["service_type"]
    search_fields = ["email"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: NotifyRequest | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: NotifyRequest | None = None) -> bool:
        return False
