"""The coordinator's health and safety admin: the managed lists, equipment profiles, procedures, reports,
out-of-service periods, inspections and corrective actions.

Reports can hold health information. Whoever may not view every report (the ``safety.view_safetyreport``
permission: the coordinator and the manager) sees only the reports they filed, without names, injury or first aid.
"""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from safety.models import (
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


@admin.register(SafetyProfile)
class SafetyProfileAdmin(admin.ModelAdmin):
    list_display = ["equipment", "branch", "minimum_patron_age", "adult_only_supervision"]
    list_filter = ["equipment__branch", "adult_only_supervision", "hazards"]
    list_select_related = ["equipment__branch"]
    search_fields = ["equipment__name"]
    filter_horizontal = ["hazards"]
    inlines = [RequiredProtectionInline, ChecklistItemInline]
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
        ("Staff", {"fields": ["adult_only_supervision"]}),
    ]

    @admin.display(ordering="equipment__branch__name")
    def branch(self, profile: SafetyProfile):
        return profile.equipment.branch


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(admin.ModelAdmin):
    list_display = ["title", "equipment", "number", "published_at", "published_by"]
    list_filter = ["equipment__branch", "equipment"]
    list_select_related = ["equipment", "published_by"]
    search_fields = ["title", "equipment__name"]
    date_hierarchy = "published_at"


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
    list_filter = ["kind", "branch", "severity", "takes_equipment_out_of_service"]
    list_select_related = ["branch", "equipment"]
    search_fields = ["location", "equipment__name"]
    date_hierarchy = "occurred_at"
    readonly_fields = ["personal_details_removed_at"]

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

    def save_model(self, request: HttpRequest, obj: SafetyReport, form, change: bool) -> None:
        if not change and obj.reported_by_id is None:
            obj.reported_by = request.user
        super().save_model(request, obj, form, change)

    def get_exclude(self, request: HttpRequest, obj: SafetyReport | None = None):
        return ["reported_by"] if obj is None else None


@admin.register(OutOfService)
class OutOfServiceAdmin(admin.ModelAdmin):
    list_display = ["equipment", "started_at", "cleared_at", "cleared_by", "report"]
    list_filter = ["equipment__branch", ("cleared_at", admin.EmptyFieldListFilter)]
    list_select_related = ["equipment", "cleared_by", "report"]
    search_fields = ["equipment__name"]
    raw_id_fields = ["report", "maintenance_window"]


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


@admin.register(BranchSafety)
class BranchSafetyAdmin(admin.ModelAdmin):
    list_display = ["branch", "representative"]
    list_select_related = ["branch", "representative"]
