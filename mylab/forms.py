"""The "My Maker Lab" sign-in form: it checks the shape of what was typed, never whether a card is known."""

from django import forms

from makerlab.cards import card_number_normalise, validate_card_number
from makerlab.forms import HoneypotMixin, honeypot_field


class SignInRequestForm(HoneypotMixin, forms.Form):
    card_number = forms.CharField(
        label="Library card number",
        max_length=40,
        help_text="The number on the back of your card. Spaces and dashes are fine.",
        error_messages={"required": "Enter your library card number."},
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    email = forms.EmailField(
        label="Email",
        max_length=254,
        help_text="The email address you gave us when you booked, registered or asked for seeds.",
        error_messages={
            "required": "Enter your email address.",
            "invalid": "Enter your email address in the form name@example.com.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    website = honeypot_field()

    def clean_card_number(self) -> str:
        card = card_number_normalise(self.cleaned_data["card_number"])
        validate_card_number(card)
        return card
