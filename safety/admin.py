"""The coordinator's health and safety admin: the managed lists, equipment profiles, procedures, reports,
out-of-service periods, inspections and corrective actions.

Reports can hold health information. Whoever may not view every report (the ``safety.view_safetyreport``
permission: the coordinator and the manager) sees only the reports they filed, without names, injury or first aid.
Reports are filed on the staff page (``safety:report``), where filing emails the coordinator and takes equipment out
of service: the admin's "add" opens it. Equipment returns to service by the "Return to service" action only.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join

from makerlab.validators import ascii_id
from safety import selectors, services
from safety.models import (
    ActionStatus,
    BranchSafety,
    ChecklistItem,
    CorrectiveAction,
    Hazard,
    Inspection,
    InspectionItem,
    InspectionResult,
    OutOfService,
    PreUseCheck,
    ProcedureAcknowledgement,
    ProcedureVersion,
    ProtectiveEquipment,
    RequiredProtection,
    SafetyProfile,
    SafetyReport,
)
from safety.services import out_of_service_clear, report_urgent_tell

VIEW_EVERY_REPORT = "safety.view_safetyreport"
PERSONAL_REPORT_FIELDS = ("names_involved", "injury", "severity", "worker_lost_time", "first_aid_given")


@admin.register(Hazard)
class HazardAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]
    search_fields = ["name"]


@admin.register(ProtectiveEquipment)
class ProtectiveEquipmentAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]
    search_fields = ["name"]


class RequiredProtectionInline(admin.TabularInline):
    model = RequiredProtection
    extra = 0
    verbose_name = "protective equipment to wear"
    verbose_name_plural = "protective equipment to wear (patrons are told what the library lends and what to bring)"


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0
    verbose_name = "pre-use checklist line"
    verbose_name_plural = "pre-use checklist (staff tick every line with the patron at check-in)"


# --- Procedures ------------------------------------------------------------------------------------------------


def _procedure_links(version: ProcedureVersion) -> str:
    return format_html(
        '<a href="{}">Page to share</a> · <a href="{}">Sheet to post beside the machine (PDF)</a>',
        reverse("safety_public:procedure", args=[version.equipment_id]),
        reverse("safety:procedure_sheet", args=[version.equipment_id]),
    )


def _not_acknowledged_text(version: ProcedureVersion) -> str:
    people = selectors.not_acknowledged_by(version=version, day=timezone.localdate())
    if not people:
        return "Everyone who supervises this equipment has acknowledged this version."
    return format_html(
        "{} not acknowledged this version:<ul>{}</ul>",
        "Has" if len(people) == 1 else "Have",
        format_html_join("", "<li>{}</li>", ((str(person),) for person in people)),
    )


@admin.register(SafetyProfile)
class SafetyProfileAdmin(admin.ModelAdmin):
    list_display = ["equipment", "branch", "minimum_patron_age", "adult_only_supervision"]
    list_filter = ["equipment__branch", "adult_only_supervision", "hazards"]
    list_select_related = ["equipment__branch"]
    search_fields = ["equipment__name"]
    filter_horizontal = ["hazards"]
    inlines = [RequiredProtectionInline, ChecklistItemInline]
    readonly_fields = ["procedure"]
    fieldsets = [
        (None, {"fields": ["equipment"]}),
        (
            "What patrons are told before they come",
            {
                "fields": ["hazards", "minimum_patron_age"],
                "description": "Shown on the equipment's booking and program pages and in booking emails, with the "
                "protective equipment below. The booking forms ask the minimum age.",
            },
        ),
        ("Staff", {"fields": ["adult_only_supervision", "procedure"]}),
    ]

    @admin.display(ordering="equipment__branch__name")
    def branch(self, profile: SafetyProfile):
        return profile.equipment.branch

    @admin.display(description="safe operating procedure")
    def procedure(self, profile: SafetyProfile) -> str:
        if profile.pk is None:
            return "Shown once the profile is saved."
        add = reverse("admin:safety_procedureversion_add") + f"?equipment={profile.equipment_id}"
        version = selectors.current_procedure(equipment=profile.equipment)
        if version is None:
            return format_html('No procedure yet. <a href="{}">Write the first version</a>.', add)
        return format_html(
            '<p><a href="{}">{}</a>, version {}, published {}. <a href="{}">Publish a new version</a>.</p><p>{}</p>{}',
            reverse("admin:safety_procedureversion_change", args=[version.pk]),
            version.title,
            version.number,
            date_format(timezone.localtime(version.published_at), "j F Y"),
            add,
            _procedure_links(version),
            _not_acknowledged_text(version),
        )


class ProcedureVersionAdminForm(forms.ModelForm):
    """A new version as the coordinator writes it; its number, date and author come from the service."""

    class Meta:
        model = ProcedureVersion
        fields = ["equipment", "title", "body", "change_summary"]

    def clean(self):
        cleaned = super().clean()
        try:
            services.procedure_check(
                title=cleaned.get("title") or "",
                body=cleaned.get("body") or "",
                change_summary=cleaned.get("change_summary") or "",
            )
        except ValidationError as error:
            for field, errors in error.error_dict.items():
                if field not in self.errors:
                    self.add_error(field, errors)
        return cleaned


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(admin.ModelAdmin):
    """Publishing goes through ``services.procedure_publish``; a published version is never edited (staff
    acknowledged its text): write a new version instead."""

    form = ProcedureVersionAdminForm
    list_display = ["title", "equipment", "number", "published_at", "published_by"]
    list_filter = ["equipment__branch", "equipment"]
    list_select_related = ["equipment", "published_by"]
    search_fields = ["title", "equipment__name"]
    date_hierarchy = "published_at"
    readonly_fields = ["number", "published_at", "published_by", "links", "not_acknowledged"]

    def get_fields(self, request: HttpRequest, obj: ProcedureVersion | None = None) -> list[str]:
        if obj is None:
            return ["equipment", "title", "body", "change_summary"]
        return [
            "equipment",
            "number",
            "title",
            "body",
            "change_summary",
            "published_at",
            "published_by",
            "links",
            "not_acknowledged",
        ]

    def has_change_permission(self, request: HttpRequest, obj: ProcedureVersion | None = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: ProcedureVersion | None = None) -> bool:
        return False

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        """Opened from a profile (``?equipment=``): start from the current version's text."""
        initial = super().get_changeform_initial_data(request)
        equipment_id = ascii_id(request.GET.get("equipment"))
        if equipment_id is not None:
            current = selectors.current_procedures(equipment_ids=[equipment_id]).get(equipment_id)
            if current is not None:
                initial.update(title=current.title, body=current.body)
        return initial

    def save_model(self, request: HttpRequest, obj: ProcedureVersion, form, change: bool) -> None:
        published = services.procedure_publish(
            equipment=obj.equipment,
            title=obj.title,
            body=obj.body,
            change_summary=obj.change_summary,
            by=request.user,
        )
        obj.pk, obj.number, obj.published_at, obj.published_by = (
            published.pk,
            published.number,
            published.published_at,
            published.published_by,
        )
        obj._state.adding = False

    @admin.display(description="to read and post")
    def links(self, version: ProcedureVersion) -> str:
        return _procedure_links(version)

    @admin.display(description="not acknowledged by")
    def not_acknowledged(self, version: ProcedureVersion) -> str:
        if not selectors.is_current(version):
            return "A newer version replaces this one: staff acknowledge the current version."
        return _not_acknowledged_text(version)


@admin.register(ProcedureAcknowledgement)
class ProcedureAcknowledgementAdmin(admin.ModelAdmin):
    list_display = ["staff_member", "version", "acknowledged_at"]
    list_filter = ["version__equipment"]
    list_select_related = ["staff_member__user", "version"]
    search_fields = ["staff_member__user__first_name", "staff_member__user__last_name", "version__title"]
    raw_id_fields = ["staff_member", "version"]


@admin.register(PreUseCheck)
class PreUseCheckAdmin(admin.ModelAdmin):
    list_display = ["booking", "checked_by", "checked_at"]
    list_select_related = ["booking__service_type", "checked_by"]
    raw_id_fields = ["booking"]
    date_hierarchy = "checked_at"


@admin.register(SafetyReport)
class SafetyReportAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "kind", "branch", "location", "equipment", "takes_equipment_out_of_service"]
    list_filter = [
        "kind",
        "branch",
        "severity",
        "worker_lost_time",
        "takes_equipment_out_of_service",
        ("personal_details_removed_at", admin.EmptyFieldListFilter),
    ]
    list_select_related = ["branch", "equipment"]
    search_fields = ["location", "equipment__name"]
    date_hierarchy = "occurred_at"
    # What filing set going (the email, the out-of-service period) cannot be undone by editing the report.
    readonly_fields = [
        "reported_by",
        "reported_at",
        "equipment",
        "takes_equipment_out_of_service",
        "out_of_service_period",
        "personal_details_removed_at",
    ]

    def save_model(self, request: HttpRequest, obj: SafetyReport, form, change: bool) -> None:
        """A report corrected to a critical or lost-time injury tells the coordinators and managers then."""
        super().save_model(request, obj, form, change)
        report_urgent_tell(report=obj)

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None) -> HttpResponse:
        """Reports are filed on the staff page, so filing one always does what the report calls for."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        return redirect("safety:report")

    def _reads_every_report(self, request: HttpRequest) -> bool:
        return request.user.has_perm(VIEW_EVERY_REPORT)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        reports = super().get_queryset(request)
        if self._reads_every_report(request):
            return reports
        return reports.filter(reported_by=request.user)

    def has_view_permission(self, request: HttpRequest, obj: SafetyReport | None = None) -> bool:
        """Someone who may file reports also sees their own (the queryset keeps them to those)."""
        return super().has_view_permission(request, obj) or self.has_add_permission(request)

    def get_fields(self, request: HttpRequest, obj: SafetyReport | None = None) -> list[str]:
        fields = list(super().get_fields(request, obj))
        if obj is not None and not self._reads_every_report(request):
            fields = [name for name in fields if name not in PERSONAL_REPORT_FIELDS]
        return fields

    def get_list_filter(self, request: HttpRequest) -> list[str]:
        if self._reads_every_report(request):
            return self.list_filter
        return [name for name in self.list_filter if name not in PERSONAL_REPORT_FIELDS]


@admin.register(OutOfService)
class OutOfServiceAdmin(admin.ModelAdmin):
    """Periods start when a report takes equipment out of service and end by the "Return to service" action."""

    list_display = ["equipment", "started_at", "cleared_at", "cleared_by", "report", "bookings_cancelled"]
    list_filter = ["equipment__branch", ("cleared_at", admin.EmptyFieldListFilter)]
    list_select_related = ["equipment", "cleared_by", "report"]
    search_fields = ["equipment__name"]
    readonly_fields = [
        "equipment",
        "report",
        "maintenance_window",
        "started_at",
        "cleared_at",
        "cleared_by",
        "bookings_cancelled",
    ]
    actions = ["return_to_service"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Return the selected equipment to service", permissions=["change"])
    def return_to_service(self, request: HttpRequest, queryset: QuerySet) -> None:
        cleared = []
        for period in queryset.filter(cleared_at__isnull=True).select_related("equipment"):
            try:
                out_of_service_clear(period=period, by=request.user)
            except ValidationError:
                continue  # cleared by someone else a moment ago
            cleared.append(period.equipment.name)
        if cleared:
            self.message_user(request, f"Back in service and bookable again: {', '.join(cleared)}.", messages.SUCCESS)
        else:
            self.message_user(request, "The selected equipment was already in service.", messages.INFO)


@admin.register(InspectionItem)
class InspectionItemAdmin(admin.ModelAdmin):
    list_display = ["text", "position", "active"]
    list_editable = ["position", "active"]
    list_filter = ["active"]
    search_fields = ["text"]


class InspectionResultInline(admin.TabularInline):
    model = InspectionResult
    extra = 0


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    list_display = ["month", "branch", "due_on", "inspector", "completed_at"]
    list_filter = ["branch", ("completed_at", admin.EmptyFieldListFilter)]
    list_select_related = ["branch", "inspector"]
    date_hierarchy = "month"
    inlines = [InspectionResultInline]


@admin.register(CorrectiveAction)
class CorrectiveActionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "owner", "due_on", "status", "completed_at"]
    list_filter = ["status"]
    list_select_related = ["owner"]
    search_fields = ["description"]
    raw_id_fields = ["report", "inspection_result"]
    date_hierarchy = "due_on"
    # When an action was done is recorded by the status change, as on the staff pages.
    readonly_fields = ["completed_at"]

    def save_model(self, request: HttpRequest, obj: CorrectiveAction, form, change: bool) -> None:
        """The status moves through ``services.action_status_change``, which records when the action was done."""
        wanted = obj.status
        obj.status = form.initial.get("status", ActionStatus.OPEN) if change else ActionStatus.OPEN
        super().save_model(request, obj, form, change)
        if wanted != obj.status:
            changed = services.action_status_change(action_id=obj.pk, status=wanted, by=request.user)
            obj.status, obj.completed_at = changed.status, changed.completed_at


@admin.register(BranchSafety)
class BranchSafetyAdmin(admin.ModelAdmin):
    list_display = ["branch", "representative"]
    list_select_related = ["branch", "representative"]
