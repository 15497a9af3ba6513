"""The coordinator's displays: what each shows, where and when, its photos, and what it features.

A photo is checked and resized into the copies the pages show exactly as a program's picture is
(``programs.images``); deleting a photo or a display removes its files.
"""

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from programs import images
from promotion import services
from promotion.models import PHOTO_ALT_NEEDED, Display, DisplayPhoto
from promotion.selectors import DisplayState, display_state, displays_in_state

WHEN_TEXT = {DisplayState.ON_NOW: "On now", DisplayState.COMING: "Coming", DisplayState.ENDED: "Ended"}
PHOTO_NEEDED = "Choose a photo to upload, or remove this row."


class DisplayPhotoForm(forms.ModelForm):
    image = images.PreparedImageField(
        label="Photo",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=f"A JPEG, PNG or WebP photo, at most {images.MAX_UPLOAD_MEGABYTES} MB.",
        error_messages={"required": PHOTO_NEEDED},
    )
    alt_text = forms.CharField(
        label="What the photo shows",
        max_length=DisplayPhoto._meta.get_field("alt_text").max_length,
        help_text=PHOTO_ALT_NEEDED,
        error_messages={"required": PHOTO_ALT_NEEDED},
    )

    class Meta:
        model = DisplayPhoto
        fields = ["image", "alt_text", "position"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # What was stored before this change, so its files can be removed once the new photo is saved.
        self.previous_image = self.instance.image.name or ""
        self.previous_renditions = list(self.instance.renditions or [])


class DisplayPhotoInline(admin.StackedInline):
    model = DisplayPhoto
    form = DisplayPhotoForm
    extra = 1
    fields = ["image", "alt_text", "position"]


class DisplayAdminForm(forms.ModelForm):
    class Meta:
        model = Display
        fields = ["title", "slug", "description", "is_published", "branch", "area", "starts_on", "ends_on"]

    def clean(self) -> dict:
        cleaned = super().clean()
        try:
            services.display_dates_check(starts_on=cleaned.get("starts_on"), ends_on=cleaned.get("ends_on"))
        except forms.ValidationError as error:
            self.add_error(None, error)
        return cleaned


class WhenFilter(admin.SimpleListFilter):
    """On now, coming or past, by the library's date."""

    title = "when"
    parameter_name = "when"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [("now", "On now"), ("coming", "Coming"), ("past", "Past")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        state = {"now": DisplayState.ON_NOW, "coming": DisplayState.COMING, "past": DisplayState.ENDED}.get(
            self.value() or ""
        )
        return queryset if state is None else displays_in_state(queryset, state, today=timezone.localdate())


@admin.register(Display)
class DisplayAdmin(admin.ModelAdmin):
    form = DisplayAdminForm
    list_display = ["title", "branch", "area", "starts_on", "ends_on", "when", "is_published"]
    list_filter = ["branch", WhenFilter, "is_published"]
    list_select_related = ["branch"]
    search_fields = ["title", "slug", "description", "area"]
    date_hierarchy = "starts_on"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["equipment", "programs", "set_up_by"]
    inlines = [DisplayPhotoInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "description", "is_published"]}),
        ("Where and when", {"fields": ["branch", "area", "starts_on", "ends_on"]}),
        ("What it features", {"fields": ["equipment", "programs", "set_up_by"]}),
    ]

    @admin.display(description="when")
    def when(self, obj: Display) -> str:
        return WHEN_TEXT[display_state(obj, today=timezone.localdate())]

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        if formset.model is not DisplayPhoto:
            return super().save_formset(request, form, formset, change)
        saved = formset.save(commit=False)
        for photo_form in formset.forms:
            if photo_form.instance in saved:
                photo_form.instance.save()
                if "image" in photo_form.changed_data:
                    upload = photo_form.cleaned_data.get("image")
                    services.display_photo_renditions_update(
                        photo=photo_form.instance,
                        prepared=getattr(upload, "prepared", None),
                        previous_image=photo_form.previous_image,
                        previous_renditions=photo_form.previous_renditions,
                    )
        for photo in formset.deleted_objects:
            services.display_photo_delete(photo=photo)
        return None

    def delete_model(self, request: HttpRequest, obj: Display) -> None:
        services.display_delete(display=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for display in queryset:
            services.display_delete(display=display)
