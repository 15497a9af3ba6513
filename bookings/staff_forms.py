"""Forms of the staff desk: they parse and check the shape of input; the desk and booking services decide."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from bookings.forms import MinimumAgeQuestionMixin
from bookings.models import Booking, ServiceType
from bookings.wording import age_confirmation_label, age_text
from makerlab.validators import validate_plain_text

DAY_FARTHEST = dt.timedelta(days=3653)


class DayForm(forms.Form):
    day = forms.DateField(required=False, label="Day", widget=forms.DateInput(attrs={"type": "date"}))

    def clean_day(self) -> dt.date | None:
        day = self.cleaned_data["day"]
        # The agenda links to the day before and after; a day at the calendar's ends would overflow.
        if day is not None and abs(day - timezone.localdate()) > DAY_FARTHEST:
            raise ValidationError("Enter a date within ten years of today.")
        return day


class OutcomeForm(forms.Form):
    topic = forms.CharField(
        label="What the session was about",
        max_length=Booking._meta.get_field("outcome_topic").max_length,
        help_text="A few words, for example “Email on an Android phone”.",
        validators=[validate_plain_text],
    )
    resolved = forms.TypedChoiceField(
        label="Was it sorted out?",
        choices=[("yes", "Yes, resolved"), ("no", "No, needs follow-up")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label="Notes (optional)",
        required=False,
        max_length=Booking._meta.get_field("outcome_notes").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="No personal details: what was done and what is left.",
        validators=[validate_plain_text],
    )


class BookOnBehalfForm(MinimumAgeQuestionMixin, forms.Form):
    """A phone or walk-in patron booked by staff; the times offered are the service's open slots."""

    starts_at = forms.TypedChoiceField(label="Time", coerce=dt.datetime.fromisoformat, empty_value=None)
    card_number = forms.CharField(label="Library card number", max_length=32)
    name = forms.CharField(label="Patron's name", max_length=160, validators=[validate_plain_text])
    email = forms.EmailField(label="Email", help_text="For the confirmation and the link to cancel.")
    phone = forms.CharField(label="Phone (optional)", max_length=30, required=False, validators=[validate_plain_text])
    reminder_consent = forms.BooleanField(label="The patron wants email reminders", required=False)
    accessibility_needs = forms.CharField(
        label="Accessibility needs (optional)", max_length=500, required=False, validators=[validate_plain_text]
    )
    override_limits = forms.CharField(
        label="Reason to override the booking limits (optional)",
        max_length=250,
        required=False,
        help_text="Only when the patron is over a limit or paused and staff agree to book anyway. It is recorded.",
        validators=[validate_plain_text],
    )

    def __init__(self, *args, service_type: ServiceType, times: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.service_type = service_type
        self.fields["starts_at"].choices = [("", "Choose a time"), *times]
        if service_type.minimum_age:
            # Not required here: the booking service holds the age rule and its message (minimum_age_check).
            self.fields["meets_minimum_age"] = forms.BooleanField(
                label=age_confirmation_label(service_type.minimum_age, patron_is_you=False),
                required=False,
                help_text=f"{service_type.name} is for {age_text(service_type.minimum_age)}. Ask the patron.",
            )
            self.order_fields(["starts_at", "card_number", "name", "email", "phone", "meets_minimum_age"])
