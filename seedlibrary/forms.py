"""Forms of the public seed pages: they check the shape of input; the services decide what is allowed."""

from django import forms
from django.core.exceptions import ValidationError

from makerlab.forms import CardNumberForm, HoneypotMixin, honeypot_field
from makerlab.models import Branch
from makerlab.validators import ascii_id
from seedlibrary.catalogue import lot_packets, varieties_for_request
from seedlibrary.models import Lot, Variety

# More ids than anyone may borrow in a season is not a request a person made.
MOST_VARIETIES_IN_A_REQUEST = 50
NOT_IN_CATALOGUE = "One of the seeds you chose is not in the catalogue now. Go back to the catalogue and choose again."


def chosen_variety_ids(values: list[str]) -> list[int]:
    """The whole numbers among the submitted ids, in order and once each; anything else is dropped."""
    ids: list[int] = []
    for value in values[:MOST_VARIETIES_IN_A_REQUEST]:
        chosen = ascii_id(value)
        if chosen is not None and chosen not in ids:
            ids.append(chosen)
    return ids


class SeedRequestForm(HoneypotMixin, CardNumberForm):
    """Which packets, whose card, where to pick them up.

    The packets offered are only the ones the patron chose on the catalogue (their ids arrive in
    ``varieties``); unticking one leaves it out of the request.
    """

    varieties = forms.ModelMultipleChoiceField(
        queryset=Variety.objects.none(),
        label="Packets to set aside",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one packet. Go back to the catalogue to choose seeds.",
            "invalid_choice": NOT_IN_CATALOGUE,
            "invalid_pk_value": NOT_IN_CATALOGUE,
        },
    )
    email = forms.EmailField(
        label="Email",
        max_length=254,
        help_text="We email you when the packets are ready, with a private link to cancel.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    branch = forms.ModelChoiceField(
        queryset=None,
        label="Pick up at",
        empty_label=None,
        error_messages={"invalid_choice": "Choose one of the branches in the list."},
    )
    website = honeypot_field()

    field_order = ["varieties", "card_number", "email", "branch"]

    def __init__(self, *args, chosen: list[str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if chosen is None:
            chosen = self.data.getlist("varieties") if hasattr(self.data, "getlist") else []
        self.chosen_ids = chosen_variety_ids(chosen)
        self.fields["varieties"].queryset = varieties_for_request(ids=self.chosen_ids)
        if not self.is_bound:
            self.initial.setdefault("varieties", self.chosen_ids)
        self.fields["branch"].queryset = Branch.objects.filter(is_active=True).order_by("display_order", "name")
        self.too_many_ids = len(chosen) > MOST_VARIETIES_IN_A_REQUEST

    def clean_varieties(self):
        chosen = self.cleaned_data["varieties"]
        if self.too_many_ids:
            raise ValidationError(
                f"Choose at most {MOST_VARIETIES_IN_A_REQUEST} packets in one request.", code="too_many"
            )
        return list(chosen)


class BasketChangeForm(forms.Form):
    """One seed to add to or remove from the request basket, and the page to return to."""

    variety = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    back = forms.CharField(max_length=2000, required=False)


class LabelSheetForm(forms.Form):
    """How many packet labels to print for a lot (a Letter sheet holds 21)."""

    count = forms.IntegerField(
        label="Number of labels",
        min_value=1,
        max_value=210,
        help_text="From 1 to 210 (ten sheets). A sheet holds 21 labels.",
        error_messages={
            "min_value": "Print at least 1 label.",
            "max_value": "Print at most 210 labels (ten sheets) at a time.",
            "invalid": "Give the number of labels as a whole number, for example 21.",
        },
    )

    def __init__(self, *args, lot: Lot, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lot = lot
        self.default_count = min(max(lot_packets(lot=lot), 1), 210)
        self.fields["count"].initial = self.default_count
