"""The coordinator's seed library admin: the catalogue (with CSV import and export), lots, tests, stock, requests.

Whatever has a rule goes through the services, as at the desk: a germination test is recorded with
``germination_record`` (which decides whether the lot may be lent), packets are put on the shelf with
``packets_add``, a lot is received with ``lot_receive`` (quarantine, a code, its lineage), an orientation
with ``orientation_record``. Their add pages are small forms that call the service and show its refusal
on the form; tests and stock are not edited afterwards. Requests and loans are read-only here: the seed
desk fills and lends them.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from import_export.admin import ExportMixin, ImportExportModelAdmin

from makerlab.forms import add_service_error
from makerlab.models import Branch
from makerlab.validators import validate_plain_text
from seedlibrary import services
from seedlibrary.forms import LabelSheetForm
from seedlibrary.models import GerminationTest, Loan, Lot, Orientation, PlantFamily, SeedRequest, Stock, Variety
from seedlibrary.resources import LotResource, VarietyResource
from seedlibrary.selectors import lots_with_test_results


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _form_page(
    request: HttpRequest,
    model_admin: admin.ModelAdmin,
    *,
    form: forms.Form,
    title: str,
    intro: list[str],
    submit_label: str,
    crumb_label: str = "",
    back_url: str = "",
    method: str = "post",
    form_action: str = "",
) -> TemplateResponse:
    return TemplateResponse(
        request,
        "admin/makerlab/form_page.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "form": form,
            "submit_label": submit_label,
            "crumb_label": crumb_label,
            "back_url": back_url,
            "method": method,
            "form_action": form_action,
            "opts": model_admin.model._meta,
            "media": form.media,
        },
        status=400 if form.errors else 200,
    )


class ServiceAddAdmin(admin.ModelAdmin):
    """A model whose rows are added by a service through ``add_form`` and never changed or deleted here."""

    add_form: type[forms.Form]
    add_title = ""
    add_intro: list[str] = []
    add_submit = "Save"

    def record(self, request: HttpRequest, data: dict):
        """Call the service with the form's cleaned data; return the object it made."""
        raise NotImplementedError

    def success_message(self, obj) -> str:
        return f"Saved: {obj}."

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = self.add_form(request.POST if request.method == "POST" else None, initial=request.GET.dict())
        if form.is_bound and form.is_valid():
            try:
                obj = self.record(request, form.cleaned_data)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                self.log_addition(request, obj, [{"added": {}}])
                self.message_user(request, self.success_message(obj), messages.SUCCESS)
                return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"))
        return _form_page(
            request,
            self,
            form=form,
            title=self.add_title,
            intro=self.add_intro,
            submit_label=self.add_submit,
        )

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


# --- The catalogue ------------------------------------------------------------------------------------------


@admin.register(PlantFamily)
class PlantFamilyAdmin(admin.ModelAdmin):
    list_display = ["name", "common_name", "viability_years"]
    search_fields = ["name", "common_name"]


@admin.register(Variety)
class VarietyAdmin(ImportExportModelAdmin):
    resource_classes = [VarietyResource]
    list_display = ["__str__", "botanical_name", "category", "difficulty", "packets", "is_published"]
    list_filter = ["category", "difficulty", "is_published", "heirloom", "sow_in_fall", "family"]
    list_select_related = ["family"]
    search_fields = ["common_name", "variety_name", "botanical_name", "slug"]
    prepopulated_fields = {"slug": ["common_name", "variety_name"]}
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "common_name",
                    "variety_name",
                    "slug",
                    "botanical_name",
                    "family",
                    "category",
                    "is_published",
                ]
            },
        ),
        ("Saving seed", {"fields": ["difficulty", "difficulty_reason", "open_pollinated", "heirloom", "saving_notes"]}),
        (
            "Growing",
            {
                "fields": [
                    "days_to_maturity",
                    "sow_indoors_weeks_before_frost",
                    "direct_sow_weeks_after_frost",
                    "sow_in_fall",
                    "spacing_cm",
                    "isolation_distance_m",
                    "growing_notes",
                ]
            },
        ),
        ("Photo", {"fields": ["photo", "photo_description"]}),
        ("Inventory", {"fields": ["viability_years", "low_stock_threshold"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        packets = (
            Stock.objects.filter(lot__variety=OuterRef("pk"))
            .order_by()
            .values("lot__variety")
            .annotate(total=Sum("packets"))
            .values("total")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(packets_total=Coalesce(Subquery(packets, output_field=IntegerField()), 0))
        )

    @admin.display(description="packets (all lots)", ordering="packets_total")
    def packets(self, obj: Variety) -> int:
        return obj.packets_total

    def has_import_permission(self, request: HttpRequest) -> bool:
        # Importing adds and changes many varieties at once: the coordinator's job.
        return request.user.has_perm("seedlibrary.add_variety") and request.user.has_perm("seedlibrary.change_variety")

    def has_export_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("seedlibrary.view_variety")

    def get_form(self, request: HttpRequest, obj=None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        for name in (
            "common_name",
            "variety_name",
            "botanical_name",
            "difficulty_reason",
            "growing_notes",
            "saving_notes",
            "photo_description",
        ):
            if name in form.base_fields and validate_plain_text not in form.base_fields[name].validators:
                form.base_fields[name].validators.append(validate_plain_text)
        return form


# --- Lots ---------------------------------------------------------------------------------------------------


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class GerminationTestInline(ReadOnlyInline):
    model = GerminationTest
    fields = ["started_on", "counted_on", "seeds_tested", "seeds_sprouted", "rate", "notes"]
    readonly_fields = fields
    verbose_name_plural = "germination tests (record a new one with the link above)"

    @admin.display(description="rate")
    def rate(self, obj: GerminationTest) -> str:
        return f"{obj.rate_percent}%"


class StockInline(ReadOnlyInline):
    model = Stock
    fields = ["branch", "packets"]
    readonly_fields = fields
    verbose_name_plural = "packets on the shelf (add packets with the link above)"


class LotReceiveForm(forms.Form):
    variety = forms.ModelChoiceField(queryset=Variety.objects.order_by("common_name", "variety_name"))
    source = forms.ChoiceField(choices=[c for c in Lot.Source.choices if c[0] != Lot.Source.PATRON_RETURN])
    donor_name = forms.CharField(
        label="Donor",
        max_length=160,
        required=False,
        validators=[validate_plain_text],
        help_text="The company, organisation or person who gave it. Patron returns are recorded at the seed desk.",
    )
    harvest_year = forms.IntegerField(min_value=1950, max_value=2100)
    amount = forms.CharField(max_length=80, required=False, validators=[validate_plain_text])
    grower_notes = forms.CharField(widget=forms.Textarea, required=False, validators=[validate_plain_text])
    may_have_crossed = forms.BooleanField(required=False)


@admin.register(Lot)
class LotAdmin(ExportMixin, admin.ModelAdmin):
    resource_classes = [LotResource]
    list_display = ["code", "variety", "source", "harvest_year", "generation", "status", "latest", "packets"]
    list_filter = ["status", "source", "harvest_year", "may_have_crossed", "variety__category"]
    list_select_related = ["variety"]
    search_fields = ["code", "variety__common_name", "variety__variety_name", "donor_name"]
    actions = ["end_quarantine", "retire", "print_labels"]
    inlines = [GerminationTestInline, StockInline]
    fields = [
        "code",
        "variety",
        "status",
        "source",
        "donor",
        "lineage",
        "harvest_year",
        "amount",
        "grower_notes",
        "isolation_respected",
        "may_have_crossed",
        "received_on",
        "next_steps",
    ]
    readonly_fields = ["code", "variety", "status", "source", "donor", "lineage", "harvest_year", "next_steps"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        packets = Stock.objects.filter(lot=OuterRef("pk")).order_by().values("lot").annotate(t=Sum("packets"))
        return (
            lots_with_test_results()
            .select_related("variety", "parent_lot", "donor_patron")
            .annotate(packets_total=Coalesce(Subquery(packets.values("t"), output_field=IntegerField()), 0))
        )

    @admin.display(description="latest test", ordering="latest_rate")
    def latest(self, obj: Lot) -> str:
        return "not tested" if obj.latest_rate is None else f"{round(obj.latest_rate)}%"

    @admin.display(description="packets", ordering="packets_total")
    def packets(self, obj: Lot) -> int:
        return obj.packets_total

    @admin.display(description="donor")
    def donor(self, obj: Lot) -> str:
        if obj.donor_patron_id:
            return f"Patron (card {obj.donor_patron.card_number}) {obj.donor_name}".strip()
        return obj.donor_name or "-"

    @admin.display(description="lineage")
    def lineage(self, obj: Lot) -> str:
        parent = (
            format_html(
                'Generation {} of <a href="{}">{}</a>',
                obj.generation,
                reverse("admin:seedlibrary_lot_change", args=[obj.parent_lot_id]),
                obj.parent_lot.code,
            )
            if obj.parent_lot_id
            else format_html("Generation {} (no parent lot in the library)", obj.generation)
        )
        offspring = list(obj.offspring.order_by("code").values_list("pk", "code"))
        if not offspring:
            return parent
        rows = ((reverse("admin:seedlibrary_lot_change", args=[pk]), code) for pk, code in offspring)
        links = format_html_join(", ", '<a href="{}">{}</a>', rows)
        return format_html("{}. Grown from it: {}", parent, links)

    @admin.display(description="next steps")
    def next_steps(self, obj: Lot) -> str:
        return format_html(
            '<a href="{}?lot={}">Record a germination test</a> · <a href="{}?lot={}">Add packets</a> · '
            '<a href="{}">Print packet labels</a>',
            reverse("admin:seedlibrary_germinationtest_add"),
            obj.pk,
            reverse("admin:seedlibrary_stock_add"),
            obj.pk,
            reverse("admin:seedlibrary_lot_labels", args=[obj.pk]),
        )

    def get_inlines(self, request: HttpRequest, obj=None):
        return self.inlines if obj is not None else []

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None) -> HttpResponse:
        """A donation or the library's own harvest is received through ``lot_receive``: into quarantine."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = LotReceiveForm(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            try:
                lot = services.lot_receive(
                    variety=data["variety"],
                    source=data["source"],
                    harvest_year=data["harvest_year"],
                    by=request.user,
                    now=timezone.now(),
                    donor_name=data["donor_name"],
                    amount=data["amount"],
                    grower_notes=data["grower_notes"],
                    may_have_crossed=data["may_have_crossed"],
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                self.log_addition(request, lot, [{"added": {}}])
                self.message_user(request, f"Lot {lot.code} received; it is in quarantine.", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:seedlibrary_lot_change", args=[lot.pk]))
        return _form_page(
            request,
            self,
            form=form,
            title="Receive a lot of seed",
            intro=["The lot gets a code and goes into quarantine, then a germination test, then packets."],
            submit_label="Receive the lot",
        )

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # lots carry lineage and loans: retire them instead

    def _each(self, request: HttpRequest, queryset: QuerySet, service, done: str) -> None:
        changed = 0
        for lot in queryset.order_by("code"):
            try:
                service(lot=lot, by=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.WARNING)
            else:
                changed += 1
        if changed:
            self.message_user(request, f"{changed} lot{'' if changed == 1 else 's'} {done}.", messages.SUCCESS)

    @admin.action(description="End quarantine (the lots wait for a germination test)", permissions=["change"])
    def end_quarantine(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, services.quarantine_end, "now wait for a germination test")

    @admin.action(description="Retire (never lent again)", permissions=["change"])
    def retire(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, services.lot_retire, "retired")

    @admin.action(description="Print packet labels", permissions=["view"])
    def print_labels(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        lots = list(queryset.values_list("pk", flat=True)[:2])
        if len(lots) != 1:
            self.message_user(request, "Choose one lot at a time to print its labels.", messages.WARNING)
            return None
        return HttpResponseRedirect(reverse("admin:seedlibrary_lot_labels", args=[lots[0]]))

    def get_urls(self):
        return [
            path("<int:pk>/labels/", self.admin_site.admin_view(self.labels_view), name="seedlibrary_lot_labels"),
            *super().get_urls(),
        ]

    def labels_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        lot = get_object_or_404(Lot.objects.select_related("variety"), pk=pk)
        if not self.has_view_permission(request, lot):
            raise PermissionDenied
        form = LabelSheetForm(lot=lot)
        return _form_page(
            request,
            self,
            form=form,
            title="Print packet labels",
            intro=[f"{lot.variety}, lot {lot.code}. A Letter sheet holds 21 labels (3 across, 7 down)."],
            submit_label="Make the PDF",
            back_url=reverse("admin:seedlibrary_lot_change", args=[lot.pk]),
            crumb_label=lot.code,
            method="get",
            form_action=reverse("seed_labels:lot_labels", args=[lot.pk]),
        )


# --- Germination tests and stock: added through the services ----------------------------------------------


class GerminationTestForm(forms.Form):
    lot = forms.ModelChoiceField(
        queryset=Lot.objects.filter(status__in=[Lot.Status.TEST_PENDING, Lot.Status.AVAILABLE]).order_by("code"),
        help_text="Lots waiting for a test, or available lots being re-tested.",
    )
    started_on = forms.DateField(widget=_date_input())
    counted_on = forms.DateField(widget=_date_input())
    seeds_tested = forms.IntegerField(min_value=1, max_value=1000)
    seeds_sprouted = forms.IntegerField(min_value=0, max_value=1000)
    notes = forms.CharField(max_length=250, required=False, validators=[validate_plain_text])


@admin.register(GerminationTest)
class GerminationTestAdmin(ServiceAddAdmin):
    list_display = ["lot", "started_on", "counted_on", "seeds_tested", "seeds_sprouted", "rate"]
    list_select_related = ["lot"]
    search_fields = ["lot__code"]
    date_hierarchy = "counted_on"
    add_form = GerminationTestForm
    add_title = "Record a germination test"
    add_intro = ["The lot becomes available when this test reaches the threshold and its seed is still viable."]
    add_submit = "Record the test"

    @admin.display(description="rate")
    def rate(self, obj: GerminationTest) -> str:
        return f"{obj.rate_percent}%"

    def record(self, request: HttpRequest, data: dict) -> GerminationTest:
        return services.germination_record(**data, by=request.user)

    def success_message(self, obj: GerminationTest) -> str:
        obj.lot.refresh_from_db(fields=["status"])
        return f"Test recorded: {obj.rate_percent}%. Lot {obj.lot.code} is {obj.lot.get_status_display().lower()}."


class PacketsAddForm(forms.Form):
    lot = forms.ModelChoiceField(queryset=Lot.objects.filter(status=Lot.Status.AVAILABLE).order_by("code"))
    branch = forms.ModelChoiceField(queryset=Branch.objects.filter(is_active=True))
    packets = forms.IntegerField(min_value=1, max_value=1000, help_text="How many packets you packed.")


@admin.register(Stock)
class StockAdmin(ServiceAddAdmin):
    list_display = ["lot", "variety", "branch", "packets"]
    list_filter = ["branch"]
    list_select_related = ["lot__variety", "branch"]
    search_fields = ["lot__code", "lot__variety__common_name"]
    add_form = PacketsAddForm
    add_title = "Add packets to the shelf"
    add_intro = ["Only lots that passed their germination test can be packed."]
    add_submit = "Add the packets"

    @admin.display(description="variety")
    def variety(self, obj: Stock) -> Variety:
        return obj.lot.variety

    def record(self, request: HttpRequest, data: dict) -> Stock:
        return services.packets_add(**data, by=request.user)

    def success_message(self, obj: Stock) -> str:
        return f"{obj.lot} now has {obj.packets} packets at {obj.branch}."


class OrientationForm(forms.Form):
    card_number = forms.CharField(max_length=40)
    first_name = forms.CharField(max_length=80, required=False, help_text="Needed when the card is new to us.")
    last_name = forms.CharField(max_length=80, required=False)
    email = forms.EmailField(required=False)
    on = forms.DateField(label="Completed on", widget=_date_input(), initial=timezone.localdate)


@admin.register(Orientation)
class OrientationAdmin(ServiceAddAdmin):
    list_display = ["patron", "completed_on", "source"]
    list_filter = ["source"]
    list_select_related = ["patron"]
    search_fields = ["=patron__card_number", "patron__last_name"]
    date_hierarchy = "completed_on"
    add_form = OrientationForm
    add_title = "Record a seed-saving orientation"
    add_submit = "Record"

    def record(self, request: HttpRequest, data: dict) -> Orientation:
        return services.orientation_record(**data, by=request.user)


# --- Requests and loans: read here, handled at the seed desk -----------------------------------------------


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class LoanInline(ReadOnlyInline):
    model = Loan
    fields = ["variety", "lot", "packets", "status"]
    readonly_fields = fields


@admin.register(SeedRequest)
class SeedRequestAdmin(ReadOnlyAdmin):
    list_display = ["pk", "patron", "branch", "status", "created_at", "expires_at"]
    list_filter = ["status", "branch"]
    list_select_related = ["patron", "branch"]
    search_fields = ["=patron__card_number"]
    date_hierarchy = "created_at"
    inlines = [LoanInline]
    fields = ["patron", "branch", "contact_email", "status", "created_at", "ready_at", "expires_at", "closed_at"]
    readonly_fields = fields
    actions = ["cancel"]

    @admin.action(description="Cancel (the packets go back on the shelf)", permissions=["view"])
    def cancel(self, request: HttpRequest, queryset: QuerySet) -> None:
        if not request.user.has_perm("seedlibrary.change_seedrequest"):
            raise PermissionDenied
        cancelled = 0
        for seed_request in queryset:
            try:
                services.seed_request_cancel(seed_request=seed_request, by=request.user, now=timezone.now())
            except ValidationError as error:
                self.message_user(request, f"{seed_request}: {' '.join(error.messages)}", messages.WARNING)
            else:
                cancelled += 1
        if cancelled:
            self.message_user(request, f"{cancelled} request{'' if cancelled == 1 else 's'} cancelled.")


@admin.register(Loan)
class LoanAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "patron", "variety", "lot", "branch", "packets", "season", "status"]
    list_filter = ["status", "season", "branch"]
    list_select_related = ["patron", "variety", "lot", "branch"]
    search_fields = ["=patron__card_number", "lot__code", "variety__common_name"]
    date_hierarchy = "created_at"
