"""CSV import and export of the catalogue (django-import-export).

Varieties are imported and exported, matched on their slug. Every row is checked like the admin form
(choices, ranges, plain text) and a bad row is listed in the import preview with its reason; nothing is
saved until the whole file is clean. Lots are exported only: a lot enters through ``lot_receive`` (quarantine,
a code, its lineage), which an import would skip.
"""

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from makerlab.exports import SpreadsheetTextResourceMixin
from makerlab.validators import validate_plain_text
from seedlibrary.models import Lot, PlantFamily, Variety

VARIETY_TEXT_FIELDS = (
    "common_name",
    "variety_name",
    "botanical_name",
    "difficulty_reason",
    "growing_notes",
    "saving_notes",
    "photo_description",
)


class PlantFamilyWidget(widgets.ForeignKeyWidget):
    """A plant family named by its botanical name, e.g. Solanaceae; an unknown name is a row error."""

    def __init__(self) -> None:
        super().__init__(PlantFamily, field="name")

    def clean(self, value, row=None, **kwargs):
        name = (value or "").strip()
        if not name:
            raise ValueError("Give the plant family's botanical name, e.g. Solanaceae.")
        try:
            return PlantFamily.objects.get(name__iexact=name)
        except PlantFamily.DoesNotExist:
            raise ValueError(f"There is no plant family named {name!r}. Add it under Plant families first.") from None


class VarietyResource(SpreadsheetTextResourceMixin, resources.ModelResource):
    family = fields.Field(attribute="family", column_name="family", widget=PlantFamilyWidget())

    class Meta:
        model = Variety
        import_id_fields = ["slug"]
        fields = [
            "slug",
            "common_name",
            "variety_name",
            "botanical_name",
            "family",
            "category",
            "difficulty",
            "difficulty_reason",
            "open_pollinated",
            "heirloom",
            "days_to_maturity",
            "sow_indoors_weeks_before_frost",
            "direct_sow_weeks_after_frost",
            "sow_in_fall",
            "spacing_cm",
            "isolation_distance_m",
            "growing_notes",
            "saving_notes",
            "photo_description",
            "viability_years",
            "low_stock_threshold",
            "is_published",
        ]
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True) -> None:
        errors = dict(import_validation_errors or {})
        for name in VARIETY_TEXT_FIELDS:
            try:
                validate_plain_text(getattr(instance, name) or "")
            except ValidationError as error:
                errors.setdefault(name, []).append(error)
        super().validate_instance(instance, errors, validate_unique)


class LotResource(SpreadsheetTextResourceMixin, resources.ModelResource):
    """Lots for a spreadsheet: the variety and parent lot by name and code, never the patron who gave it."""

    variety = fields.Field(attribute="variety", column_name="variety", widget=widgets.ForeignKeyWidget(Variety, "slug"))
    parent_lot = fields.Field(
        attribute="parent_lot", column_name="parent_lot", widget=widgets.ForeignKeyWidget(Lot, "code")
    )
    source = fields.Field(attribute="get_source_display", column_name="source", readonly=True)
    status = fields.Field(attribute="get_status_display", column_name="status", readonly=True)

    class Meta:
        model = Lot
        fields = [
            "code",
            "variety",
            "source",
            "parent_lot",
            "generation",
            "harvest_year",
            "amount",
            "isolation_respected",
            "may_have_crossed",
            "status",
            "received_on",
        ]
        export_order = fields

    def get_export_queryset(self, request=None):
        return Lot.objects.select_related("variety", "parent_lot")
