"""Forms of the seed desk: they check the shape of what staff type; the seed library's services decide."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator

from makerlab import widgets
from makerlab.forms import StaffCardLookupForm
from makerlab.validators import validate_plain_text
from seedlibrary.models import Lot, Variety
from seedlibrary.services import EARLIEST_HARVEST_YEAR


class _CardCarried(StaffCardLookupForm):
    """A desk form that carries the card looked up before it, hidden."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["card_number"].widget = forms.HiddenInput()


class LendForm(_CardCarried):
    """The packets chosen from the lots on this branch's shelf, one packet of each."""

    lots = forms.TypedMultipleChoiceField(
        label="Packets to lend",
        coerce=int,
        error_messages={
            "required": "Choose at least one packet to lend.",
            "invalid_choice": "One of the chosen lots has no packets on the shelf at this branch. "
            "Look at the list again and choose from it.",
        },
    )

    def __init__(self, *args, lots: list[Lot], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lots_by_id = {lot.pk: lot for lot in lots}
        self.fields["lots"].choices = [(lot.pk, lot.code) for lot in lots]

    def chosen_lots(self) -> list[Lot]:
        return [self.lots_by_id[pk] for pk in self.cleaned_data["lots"]]


class OrientationForm(_CardCarried):
    """The orientation of a patron looked up by card (the card travels hidden): a known patron's details are
    on file, so only a new card asks for a name and an optional email."""

    first_name = forms.CharField(
        label="First name",
        max_length=80,
        validators=[validate_plain_text],
        error_messages={"required": "Enter the patron's first name."},
    )
    last_name = forms.CharField(
        label="Last name",
        max_length=80,
        validators=[validate_plain_text],
        error_messages={"required": "Enter the patron's last name."},
    )
    email = forms.EmailField(
        label="Email (optional)",
        required=False,
        max_length=254,
        help_text="To send them pickup notices for seeds they ask for online.",
    )

    def __init__(self, *args, on_file: bool, **kwargs) -> None:
        kwargs.setdefault("auto_id", "orientation-%s")  # the card lookup above has the id_ fields
        super().__init__(*args, **kwargs)
        if on_file:
            for name in ("first_name", "last_name", "email"):
                del self.fields[name]


ISOLATION_CHOICES = [("yes", "Yes"), ("no", "No"), ("", "They are not sure")]


class _VarietyNames(ModelChoiceIterator):
    """The variety list loads only the names it shows; the variety chosen is still loaded whole when checked."""

    def __init__(self, field: forms.ModelChoiceField) -> None:
        super().__init__(field)
        self.queryset = field.queryset.only("common_name", "variety_name")


class VarietyChoiceField(forms.ModelChoiceField):
    iterator = _VarietyNames


class ReturnForm(_CardCarried):
    """Seed a patron brings back, linked to the lot they borrowed when known."""

    variety = VarietyChoiceField(
        label="Variety",
        queryset=Variety.objects.order_by("common_name", "variety_name"),
        empty_label="Choose the variety",
        widget=widgets.Select,
        error_messages={"invalid_choice": "Choose a variety from the list."},
    )
    parent_lot = forms.TypedChoiceField(
        label="Grown from the lot they borrowed",
        coerce=int,
        required=False,
        empty_value=None,
        widget=widgets.Select,
        help_text="The packet's lot code. Choose “Not known” when they are not sure.",
        error_messages={"invalid_choice": "Choose one of the lots this patron borrowed, or “Not known”."},
    )
    harvest_year = forms.IntegerField(
        label="Year the seed was harvested",
        min_value=EARLIEST_HARVEST_YEAR,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    amount = forms.CharField(
        label="Amount (optional)",
        max_length=80,
        required=False,
        help_text="For example “2 envelopes, about 200 seeds”.",
        validators=[validate_plain_text],
    )
    grower_notes = forms.CharField(
        label="Grower's notes (optional)",
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="How it grew, what they selected for, anything unusual.",
        validators=[validate_plain_text],
    )
    isolation_respected = forms.TypedChoiceField(
        label="Was it grown far enough from other varieties?",
        choices=ISOLATION_CHOICES,
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    may_have_crossed = forms.BooleanField(label="It may have crossed with another variety", required=False)

    def __init__(self, *args, borrowed: list[Lot], this_year: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.borrowed = {lot.pk: lot for lot in borrowed}
        self.fields["parent_lot"].choices = [("", "Not known")] + [
            (lot.pk, f"{lot.code}: {lot.variety}") for lot in borrowed
        ]
        self.fields["harvest_year"].widget.attrs["max"] = this_year
        self.fields["harvest_year"].validators.append(_not_after(this_year))

    def clean(self):
        data = super().clean()
        lot_id, variety = data.get("parent_lot"), data.get("variety")
        if lot_id is not None and variety is not None and self.borrowed[lot_id].variety_id != variety.pk:
            lot = self.borrowed[lot_id]
            self.add_error(
                "parent_lot", f"Lot {lot.code} is {lot.variety}, not {variety}. Choose its lot or “Not known”."
            )
        return data

    def parent(self) -> Lot | None:
        lot_id = self.cleaned_data["parent_lot"]
        return self.borrowed[lot_id] if lot_id is not None else None


def _not_after(year: int):
    def check(value: int) -> None:
        if value > year:
            raise ValidationError("The harvest year cannot be in the future.", code="future")

    return check


class SeasonForm(forms.Form):
    season = forms.IntegerField(
        label="Season",
        min_value=2000,
        required=False,
        error_messages={"invalid": "Enter a season as a year, like 2026."},
    )
    branch = forms.ChoiceField(label="Branch", required=False)

    def __init__(self, *args, branches, this_year: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["season"].validators.append(_season_not_after(this_year + 1))
        self.fields["branch"].choices = [("", "All branches")] + [(branch.slug, branch.name) for branch in branches]
        self.fields["branch"].error_messages["invalid_choice"] = "Choose a branch from the list."


def _season_not_after(year: int):
    def check(value: int) -> None:
        if value is not None and value > year:
            raise ValidationError(f"Choose a season up to {year}.", code="future")

    return check
