"""The coordinator's programs admin: partner sites, programs with their sessions, registrants, attendance.

Registrations are made through the registration service (online, or by staff over capacity with a
reason), never added here; cancelling is an action that calls ``registration_cancel``, so freed places
go to the waitlist by the same rules wherever it happens.
"""

import csv

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from programs import term
from programs.models import (
    Attendance,
    Headcount,
    Participant,
    PartnerSite,
    Program,
    Registration,
    RegistrationEvent,
    Session,
)
from programs.services import registration_cancel
from staffing.admin_forms import ActionForm


@admin.register(PartnerSite)
class PartnerSiteAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "city"]
    search_fields = ["name", "organisation", "city"]


class SessionInline(admin.TabularInline):
    model = Session
    extra = 0


class DuplicateForm(ActionForm):
    title = "Duplicate for a new term"
    submit_label = "Make the copies"

    weeks = forms.IntegerField(
        label="Move the sessions by this many weeks",
        min_value=1,
        max_value=term.MAX_WEEKS,
        initial=12,
        help_text="The copies are unpublished; check them, then publish.",
    )


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "audience", "place", "session_count", "registrants", "is_published"]
    list_filter = ["category", "audience", "is_published", "branch"]
    list_select_related = ["branch", "partner_site"]
    search_fields = ["title", "slug", "description"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["facilitators"]
    inlines = [SessionInline]
    actions = ["duplicate"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "description", "category", "audience", "is_published"]}),
        ("Who", {"fields": ["min_age", "max_age", "facilitators"]}),
        ("Where", {"fields": ["branch", "room", "partner_site", "accessibility", "materials"]}),
        (
            "Registration",
            {
                "fields": [
                    "registration_required",
                    "capacity",
                    "waitlist_capacity",
                    "places_per_registration",
                    "registration_opens_at",
                    "registration_closes_at",
                    "automatic_enrolment",
                    "offer_hours",
                ]
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                session_total=Count("sessions", distinct=True),
                held=Count("registrations", filter=Q(registrations__status__in=Registration.ACTIVE), distinct=True),
            )
        )

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "facilitators":
            kwargs["queryset"] = db_field.remote_field.model.objects.select_related("user")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description="where")
    def place(self, obj: Program) -> str:
        return str(obj.branch or obj.partner_site)

    @admin.display(description="sessions", ordering="session_total")
    def session_count(self, obj: Program) -> int:
        return obj.session_total

    @admin.display(description="registrants")
    def registrants(self, obj: Program) -> str:
        url = reverse("admin:programs_registration_changelist") + f"?program__id__exact={obj.pk}"
        return format_html('<a href="{}">{} active</a>', url, obj.held)

    @admin.action(description="Duplicate the selected programs for a new term", permissions=["add"])
    def duplicate(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        programs = list(queryset.select_related("branch").order_by("title"))
        form = DuplicateForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            for program in programs:
                try:
                    copy = term.program_duplicate(program=program, weeks=form.cleaned_data["weeks"])
                except ValidationError as error:
                    self.message_user(request, f"{program}: {' '.join(error.messages)}", level=messages.WARNING)
                else:
                    self.message_user(request, f"{copy} made, unpublished.")
            return None
        return TemplateResponse(
            request,
            "admin/staffing/action_form.html",
            {
                **self.admin_site.each_context(request),
                "title": form.title,
                "subtitle": None,
                "intro": "Each program is copied with its facilitators and sessions, unpublished. "
                "Registrations stay with the old term.",
                "form": form,
                "action": "duplicate",
                "submit_label": form.submit_label,
                "selected": programs,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
                "media": form.media,
            },
        )


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ParticipantInline(ReadOnlyInline):
    model = Participant
    fields = ["first_name", "age", "is_child"]
    readonly_fields = fields


class RegistrationEventInline(ReadOnlyInline):
    model = RegistrationEvent
    fields = ["kind", "at"]
    readonly_fields = fields


# The roster CSV is for the coordinator and the facilitators running the program: it holds names,
# contact details, children's first names and ages, accommodations and photo consent, so it is
# personal information. Keep it off shared drives and delete it when the program ends.
CSV_HEADER = [
    "program",
    "registration",
    "status",
    "contact name",
    "email",
    "phone",
    "places",
    "participants (first name and age)",
    "accommodations",
    "photo consent",
]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value: str) -> str:
    """Text a spreadsheet will not run as a formula."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _participants(registration: Registration) -> str:
    return "; ".join(
        f"{p.first_name} ({p.age})" if p.age is not None else p.first_name for p in registration.participants.all()
    )


def _csv_rows(queryset: QuerySet):
    yield CSV_HEADER
    for registration in queryset.iterator(chunk_size=500):
        yield [
            _cell(registration.program.title),
            registration.pk,
            registration.get_status_display(),
            _cell(registration.contact_name),
            _cell(registration.contact_email),
            _cell(registration.contact_phone),
            registration.places,
            _cell(_participants(registration)),
            _cell(registration.accommodations),
            "yes" if registration.photo_consent else "no",
        ]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    """The registrants of a program: filter by program for its roster."""

    list_display = ["contact_name", "program", "status", "places", "photo_consent", "created_at"]
    list_filter = ["status", "program"]
    list_select_related = ["program"]
    search_fields = ["contact_name", "contact_email", "=patron__card_number", "participants__first_name"]
    show_full_result_count = False
    list_per_page = 100
    inlines = [ParticipantInline, RegistrationEventInline]
    actions = ["export_csv", "cancel"]
    readonly_fields = [
        "program",
        "patron",
        "status",
        "places",
        "contact_name",
        "contact_email",
        "contact_phone",
        "accommodations",
        "photo_consent",
        "offer_expires_at",
        "over_capacity_reason",
        "added_by",
        "created_at",
        "cancelled_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # registrations are made through the registration service

    def has_delete_permission(self, request: HttpRequest, obj: Registration | None = None) -> bool:
        return False  # waitlist history and statistics count on every registration; cancel instead

    @admin.action(
        description="Export the selected registrations as a CSV roster (personal details: coordinator only)",
        permissions=["change"],
    )
    def export_csv(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        queryset = queryset.select_related("program").prefetch_related("participants").order_by("program", "pk")
        writer = csv.writer(_Echo())
        response = StreamingHttpResponse(
            (writer.writerow(row) for row in _csv_rows(queryset)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="roster-{timezone.localdate():%Y-%m-%d}.csv"'
        return response

    @admin.action(description="Cancel the selected registrations (places go to the waitlist)", permissions=["change"])
    def cancel(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = 0
        for registration in queryset.select_related("program").order_by("pk"):
            try:
                registration_cancel(registration=registration)
            except ValidationError as error:
                self.message_user(request, f"{registration}: {' '.join(error.messages)}", level=messages.WARNING)
            else:
                count += 1
        if count:
            self.message_user(request, f"{count} registrations cancelled.")


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["participant", "session", "present", "marked_at", "marked_by"]
    list_filter = ["present", ("session__starts_at", admin.DateFieldListFilter)]
    list_select_related = ["participant", "session__program", "marked_by"]
    search_fields = ["participant__first_name", "session__program__title"]
    raw_id_fields = ["session", "participant"]
    readonly_fields = ["marked_at", "marked_by"]
    show_full_result_count = False


@admin.register(Headcount)
class HeadcountAdmin(admin.ModelAdmin):
    list_display = ["session", "age_group", "count", "recorded_at"]
    list_filter = ["age_group", ("session__starts_at", admin.DateFieldListFilter)]
    list_select_related = ["session__program"]
    search_fields = ["session__program__title"]
    raw_id_fields = ["session"]
    readonly_fields = ["recorded_at"]
    show_full_result_count = False
