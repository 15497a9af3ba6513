"""The "My Maker Lab" sign-in form: it checks the shape of what was typed, never whether a card is known."""

from django import forms

from makerlab.forms import CardNumberForm, HoneypotMixin, honeypot_field


class SignInRequestForm(HoneypotMixin, CardNumberForm):
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
