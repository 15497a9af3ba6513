"""Forms of the patron's booking pages: they parse and check the shape of input; the services decide what is allowed."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from bookings.models import IntakeQuestion, ServiceType
from bookings.selectors import service_minimum_age
from bookings.services.booking import PatronDetails, minimum_age_check
from bookings.wording import age_confirmation_label, age_text
from makerlab.forms import (
    HoneypotMixin,
    PatronContactForm,
    SurveyConsentMixin,
    email_field,
    honeypot_field,
    name_field,
    patron_needs_field,
)
from makerlab.validators import validate_plain_text

FARTHEST = dt.timedelta(days=366)
BAD_TIME = "Choose one of the times listed. That time could not be read; it may have been changed."


class TimeChoiceForm(forms.Form):
    """The chosen time, as an ISO datetime from the list of times; the service checks it was offered."""

    starts_at = forms.CharField(max_length=40, error_messages={"required": "Choose a time."})

    def clean_starts_at(self) -> dt.datetime:
        value = self.cleaned_data["starts_at"].strip()
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError(BAD_TIME, code="unreadable_time") from None
        if moment.tzinfo is None:
            raise ValidationError(BAD_TIME, code="unreadable_time")
        # Nothing is bookable this far away; refusing here keeps date arithmetic away from the calendar's ends.
        if abs(moment - timezone.now()) > FARTHEST:
            raise ValidationError("That time is not available. Choose one of the times listed.", code="too_far")
        return moment


class WeekForm(forms.Form):
    week = forms.IntegerField(min_value=0, max_value=26, required=False)


class MinimumAgeQuestionMixin:
    """For booking forms that ask ``meets_minimum_age`` when the service has an age minimum."""

    service_type: ServiceType
    minimum_age: int | None

    def clean(self) -> dict:
        cleaned = super().clean()
        # Asked with the other fields so every mistake shows at once; the service checks it again.
        try:
            minimum_age_check(
                self.service_type,
                meets_minimum_age=cleaned.get("meets_minimum_age", False),
                minimum_age=self.minimum_age,
            )
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned


class IntakeQuestionsMixin:
    """Asks the service's intake questions (and its age question when it has a minimum age) after the
    patron's contact fields: the patron's form and the desk's form ask the same."""

    service_type: ServiceType
    questions: list[IntakeQuestion]

    def details(self) -> PatronDetails:
        """What the booking service needs from the form, the same from the patron's form and the desk's."""
        data = self.cleaned_data
        return PatronDetails(
            card_number=data["card_number"],
            name=data["name"].strip(),
            email=data["email"],
            phone=data["phone"].strip(),
            reminder_consent=data["reminder_consent"],
            survey_consent=data.get("survey_consent", False),
            intake_answers=self.intake_answers(),
            accessibility_needs=data["accessibility_needs"],
            meets_minimum_age=data.get("meets_minimum_age", False),
        )

    fields: dict
    cleaned_data: dict
    age_label_for_patron = True

    def add_service_questions(self, *, service_type: ServiceType, questions: list[IntakeQuestion]) -> None:
        self.service_type = service_type
        self.questions = questions
        # The service's own minimum, or its equipment's safety minimum when higher.
        self.minimum_age = service_minimum_age(service_type=service_type)
        if self.minimum_age:
            # Not required here: the booking service holds the age rule and its message (minimum_age_check).
            self.fields["meets_minimum_age"] = forms.BooleanField(
                label=age_confirmation_label(self.minimum_age, patron_is_you=self.age_label_for_patron),
                required=False,
                help_text=f"{service_type.name} is for {age_text(self.minimum_age)}"
                + (", for safety." if self.age_label_for_patron else ", for safety. Ask the patron."),
            )
        for question in questions:
            self.fields[self.question_field(question)] = forms.CharField(
                label=question.text if question.required else f"{question.text} (optional)",
                max_length=1000,
                required=question.required,
                validators=[validate_plain_text],
                widget=forms.Textarea(attrs={"rows": 2}),
                error_messages={"required": f"Answer: {question.text}"},
            )

    @staticmethod
    def question_field(question: IntakeQuestion) -> str:
        return f"question_{question.pk}"

    def question_fields(self) -> list[str]:
        return [self.question_field(q) for q in self.questions]

    def intake_answers(self) -> dict[str, str]:
        data = self.cleaned_data
        return {
            str(q.pk): data[self.question_field(q)].strip()
            for q in self.questions
            if data.get(self.question_field(q), "").strip()
        }


class BookingForm(MinimumAgeQuestionMixin, IntakeQuestionsMixin, HoneypotMixin, SurveyConsentMixin, PatronContactForm):
    email_help = "We send the confirmation and your private link to change the booking here."
    field_order = ["card_number", "name", "email", "phone", "accessibility_needs", "reminder_consent", "survey_consent"]

    accessibility_needs = patron_needs_field(
        label="Accessibility needs (optional)",
        help_text="Anything that helps us make the session work for you, for example a quiet spot or large print.",
    )
    reminder_consent = forms.BooleanField(
        label="Email me a reminder before my booking",
        required=False,
    )
    website = honeypot_field()

    def __init__(self, *args, service_type: ServiceType, questions: list[IntakeQuestion], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_service_questions(service_type=service_type, questions=questions)
        # The questions come before the accessibility needs and reminder choice.
        self.order_fields(["card_number", "name", "email", "phone", "meets_minimum_age", *self.question_fields()])


class NotifyRequestForm(HoneypotMixin, forms.Form):
    name = name_field()
    email = email_field()
    website = honeypot_field()
