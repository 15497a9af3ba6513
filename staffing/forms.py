"""Forms of the staff area: they parse and check the shape of input; the services decide what is allowed."""

from django import forms
from django.core.exceptions import ValidationError

from makerlab.validators import validate_plain_text


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class HoursLogForm(forms.Form):
    day = forms.DateField(label="Day", widget=DateInput())
    hours = forms.DecimalField(
        label="Hours",
        max_digits=4,
        decimal_places=2,
        help_text="For example 2.5 for two and a half hours.",
        widget=forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}),
    )
    activity = forms.CharField(
        label="What you did",
        max_length=200,
        validators=[validate_plain_text],
        help_text="For example: helped at the seed library table at the farmers' market.",
    )
    counts_for_community_hours = forms.BooleanField(
        label="Count these hours toward my community involvement hours",
        required=False,
        initial=True,
    )

    def __init__(self, *args, show_community_hours: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not show_community_hours:
            del self.fields["counts_for_community_hours"]

    @property
    def counts_toward_community_hours(self) -> bool:
        # People who are not students have no community involvement requirement; the model's default stands.
        return self.cleaned_data.get("counts_for_community_hours", True)


class TimeOffRequestForm(forms.Form):
    first_day = forms.DateField(label="First day off", widget=DateInput())
    last_day = forms.DateField(label="Last day off", widget=DateInput(), help_text="The same day for a single day.")
    reason = forms.CharField(
        label="Reason (optional)",
        max_length=200,
        required=False,
        validators=[validate_plain_text],
        help_text="Only the coordinator sees it.",
    )


class ShiftChangeDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("decline", "Decline")])
    override_reason = forms.CharField(
        label="Reason to approve anyway",
        max_length=250,
        required=False,
        validators=[validate_plain_text],
        help_text="Needed only when the coordinator approves despite the warnings; kept with the shift.",
    )

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == "approve"


class EntryIdsField(forms.Field):
    """A list of primary keys from checkboxes with the same name."""

    widget = forms.CheckboxSelectMultiple
    default_error_messages = {
        "required": "Choose at least one entry of hours.",
        "invalid": "Choose hours from the list.",
    }
    MAX_ENTRIES = 500

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        if len(value) > self.MAX_ENTRIES:
            raise ValidationError(f"Choose at most {self.MAX_ENTRIES} entries at a time.", code="too_many")
        try:
            ids = sorted({int(item) for item in value})
        except (TypeError, ValueError) as error:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from error
        if any(pk <= 0 or pk > 2**63 - 1 for pk in ids):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return ids


class HoursDecisionForm(forms.Form):
    entries = EntryIdsField(label="Hours to decide")
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("decline", "Decline")])

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == "approve"


class ScheduleFilterForm(forms.Form):
    """Which branch and week the schedule shows; bad values fall back to the defaults."""

    branch = forms.ChoiceField(label="Branch", widget=forms.Select(attrs={"class": "form-select"}))
    week = forms.DateField(label="Week of", required=False, widget=DateInput(attrs={"class": "form-control"}))

    def __init__(self, *args, branches, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].choices = [(branch.slug, branch.name) for branch in branches]


class ShiftOfferForm(forms.Form):
    """The coordinator offers a place on a shift to one person, from the schedule's list of who could fill it."""

    MESSAGES = {
        "required": "Choose a shift and a person from the schedule.",
        "invalid": "That shift or person is not on the schedule any more. Choose from the list again.",
    }
    shift = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    staff_member = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages = {
                "required": self.MESSAGES["required"],
                "invalid": self.MESSAGES["invalid"],
                "min_value": self.MESSAGES["invalid"],
                "max_value": self.MESSAGES["invalid"],
            }
