"""Forms of the staff desk: they parse and check the shape of input; the desk and booking services decide."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from bookings.forms import IntakeQuestionsMixin, MinimumAgeQuestionMixin
from bookings.models import Booking, IntakeQuestion, ServiceType
from makerlab import widgets
from makerlab.equipment_rules import PRE_USE_CHECKLIST, ChecklistLine
from makerlab.forms import PatronContactForm, StaffCardLookupForm
from makerlab.validators import validate_plain_text

DAY_FARTHEST = dt.timedelta(days=3653)


class DayForm(forms.Form):
    day = forms.DateField(required=False, label="Day", widget=forms.DateInput(attrs={"type": "date"}))

    def clean_day(self) -> dt.date | None:
        day = self.cleaned_data["day"]
        # The agenda links to the day before and after; a day at the calendar's ends would overflow.
        if day is not None and abs(day - timezone.localdate()) > DAY_FARTHEST:
            raise ValidationError("Enter a date within ten years of today.", code="date_out_of_range")
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


class DeskBookingForm(MinimumAgeQuestionMixin, IntakeQuestionsMixin, PatronContactForm):
    """A phone or walk-in patron booked by staff: the patron's own contact fields and the service's questions,
    worded for staff; an email or a phone number will do. The times offered are the service's open slots."""

    for_staff = True
    email_required = False
    age_label_for_patron = False
    email_help = "For the confirmation, reminders and the link to cancel. Without one, no email is sent."

    starts_at = forms.TypedChoiceField(
        label="Time", coerce=dt.datetime.fromisoformat, empty_value=None, widget=widgets.Select
    )
    reminder_consent = forms.BooleanField(label="The patron wants email reminders", required=False)
    accessibility_needs = forms.CharField(
        label="Accessibility needs (optional)",
        max_length=500,
        required=False,
        validators=[validate_plain_text],
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    override_limits = forms.CharField(
        label="Reason to override the booking limits (optional)",
        max_length=250,
        required=False,
        help_text="Only when the patron is over a limit or paused and staff agree to book anyway. It is recorded.",
        validators=[validate_plain_text],
    )

    def __init__(
        self,
        *args,
        service_type: ServiceType,
        questions: list[IntakeQuestion],
        times: list[tuple[str, str]],
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].choices = [("", "Choose a time"), *times]
        self.add_service_questions(service_type=service_type, questions=questions)
        self.order_fields(
            ["starts_at", "card_number", "name", "email", "phone", "meets_minimum_age", *self.question_fields()]
        )


class CardLookupForm(StaffCardLookupForm):
    """The desk's "Look up" step, beside the booking form's own card field: labelled apart from it."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["card_number"].label = "Card to look up"
        self.fields["card_number"].help_text = "On the back of the patron's card. We fill in what is on file."


class PreUseChecklistForm(forms.Form):
    """The pre-use checklist of the booking's equipment, ticked with the patron at check-in (no field when the
    equipment has none). Not required here: the check-in service holds the rule that every line is ticked."""

    def __init__(self, *args, lines: list[ChecklistLine], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if lines:
            self.fields[PRE_USE_CHECKLIST] = forms.MultipleChoiceField(
                label="Safety checklist: go through each line with the patron, then tick it",
                choices=[(line.key, line.text) for line in lines],
                required=False,
                widget=forms.CheckboxSelectMultiple,
                error_messages={"invalid_choice": "The checklist has changed. Tick its lines again."},
            )

    def ticked(self) -> list[str]:
        return list(self.cleaned_data.get(PRE_USE_CHECKLIST, []))
