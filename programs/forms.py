"""Forms of the public program pages: they parse and check the shape of input; the services decide what is allowed."""

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError

from makerlab.forms import HoneypotMixin, PatronContactForm, SurveyConsentMixin, honeypot_field, patron_needs_field
from makerlab.validators import validate_plain_text
from programs.eligibility import CHILD_AGE_LIMIT, program_ages_text, program_who_may_register
from programs.models import Program
from programs.services.registration import ParticipantDetails, RegistrantDetails

# How far the month view reaches, in years either side of this year; further months fall back to this one.
CALENDAR_YEARS_BACK = 10
CALENDAR_YEARS_AHEAD = 5
MONTH_PATTERN = re.compile(r"(\d{4})-(\d{1,2})")


class CalendarViewForm(forms.Form):
    """The calendar's view (list or month grid) and month, read from the query string.

    Anything unreadable never fails the page: an unknown view is the list, and an unreadable or
    far-off month is this month, with ``month_problem`` saying so in plain words.
    """

    LIST, MONTH = "list", "month"

    view = forms.ChoiceField(choices=[(LIST, "List"), (MONTH, "Month")], required=False)
    month = forms.CharField(
        required=False,
        max_length=20,
        error_messages={"max_length": "We could not read that month, so here is this month."},
    )

    def __init__(self, *args, today: dt.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.is_valid()

    def clean_month(self) -> dt.date | None:
        value = self.cleaned_data["month"].strip()
        if not value:
            return None
        match = MONTH_PATTERN.fullmatch(value)
        if match is None:
            raise ValidationError("We could not read that month, so here is this month.", code="month_unreadable")
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise ValidationError("There is no such month, so here is this month.", code="no_such_month")
        if not self.today.year - CALENDAR_YEARS_BACK <= year <= self.today.year + CALENDAR_YEARS_AHEAD:
            raise ValidationError(
                "The calendar does not reach that year, so here is this month.", code="year_out_of_range"
            )
        return dt.date(year, month, 1)

    @property
    def is_month_view(self) -> bool:
        return self.cleaned_data.get("view") == self.MONTH

    @property
    def first_day(self) -> dt.date:
        """The first day of the month asked for, or of this month."""
        return self.cleaned_data.get("month") or self.today.replace(day=1)

    @property
    def month_problem(self) -> str:
        return " ".join(self.errors.get("month", []))

    def in_reach(self, day: dt.date) -> bool:
        return self.today.year - CALENDAR_YEARS_BACK <= day.year <= self.today.year + CALENDAR_YEARS_AHEAD


class RegistrationForm(HoneypotMixin, SurveyConsentMixin, PatronContactForm):
    """The registration form, asking only what the program needs (``programs.eligibility``).

    A children's program asks for children only; an adults' program asks nothing about who is coming
    (the person registering is); others ask both. ``join_waitlist`` is shown once the patron must
    agree to the waitlist (see ``registration_create``'s ``waitlist_ok``).
    """

    email_help = "We send the confirmation and your private link to cancel here."
    field_order = [
        *("card_number", "name", "email", "phone", "coming", "my_age"),
        *("accommodations", "photo_consent", "survey_consent"),
    ]

    coming = forms.BooleanField(label="I am coming too", required=False)
    my_age = forms.IntegerField(
        label="My age (optional for adults)",
        min_value=0,
        max_value=120,
        required=False,
        error_messages={
            "min_value": "Give an age from 0 to 120.",
            "max_value": "Give an age from 0 to 120.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    accommodations = patron_needs_field(
        label="Accessibility needs or accommodations (optional)",
        help_text="Anything that helps us make the program work for everyone coming.",
    )
    photo_consent = forms.BooleanField(
        label="The library may take photos at the program that include the people I am registering",
        required=False,
    )
    join_waitlist = forms.BooleanField(label="Yes, put us on the waitlist", required=False)
    website = honeypot_field()

    def __init__(self, *args, program: Program, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.program = program
        self.rules = program_who_may_register(program)
        self.asks_waitlist = False
        if not self.rules.registrant or self.rules.registrant_always:
            del self.fields["coming"], self.fields["my_age"]
        elif self.rules.registrant_age_needed:
            self.fields["my_age"].label = "My age (if I am coming)"
        self.child_rows = []
        if not self.rules.children:
            return
        for number in range(1, self.rules.most_people + 1):
            name_field, age_field = f"child_{number}_name", f"child_{number}_age"
            label = "Child" if self.rules.most_people == 1 else f"Child {number}"
            self.fields[name_field] = forms.CharField(
                label=f"{label}: first name",
                max_length=80,
                required=False,
                validators=[validate_plain_text],
                widget=forms.TextInput(attrs={"autocomplete": "off"}),
            )
            self.fields[age_field] = forms.IntegerField(
                label=f"{label}: age",
                min_value=0,
                max_value=CHILD_AGE_LIMIT,
                required=False,
                error_messages={
                    "min_value": "Give an age from 0 to 17.",
                    "max_value": "Give an age from 0 to 17; someone older registers as themselves.",
                },
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
            self.child_rows.append((number, name_field, age_field))

    def ask_about_waitlist(self) -> None:
        """Show the "Yes, put us on the waitlist" choice: the group will not get a place now."""
        self.asks_waitlist = True

    def clean(self) -> dict:
        data = super().clean()
        for number, name_field, age_field in self.child_rows:
            name, age = (data.get(name_field) or "").strip(), data.get(age_field)
            child = "the child" if self.rules.most_people == 1 else f"child {number}"
            if name and age is None and age_field not in self.errors:
                self.add_error(age_field, ValidationError(f"Give {child}'s age.", code="age_missing"))
            if not name and age is not None:
                self.add_error(name_field, ValidationError(f"Give {child}'s first name.", code="name_missing"))
        age_missing = data.get("coming") and self.rules.registrant_age_needed and data.get("my_age") is None
        if age_missing and "my_age" not in self.errors:
            self.add_error(
                "my_age",
                ValidationError(
                    f"Give your age: this program is for {program_ages_text(self.program)}.", code="age_missing"
                ),
            )
        if not self.participants_from(data) and not self.errors:
            if self.rules.registrant:
                raise ValidationError("Say who is coming: tick “I am coming too”, add a child, or both.", code="nobody")
            raise ValidationError("Add at least one child who is coming.", code="child_required")
        return data

    def participants_from(self, data: dict) -> list[ParticipantDetails]:
        people = []
        if self.rules.registrant_always or (self.rules.registrant and data.get("coming")):
            first = (data.get("name") or "").strip().split(" ")[0]
            people.append(ParticipantDetails(first_name=first, age=data.get("my_age")))
        for _, name_field, age_field in self.child_rows:
            name = (data.get(name_field) or "").strip()
            if name:
                people.append(ParticipantDetails(first_name=name, age=data.get(age_field), is_child=True))
        return people

    def details(self) -> RegistrantDetails:
        data = self.cleaned_data
        return RegistrantDetails(
            card_number=data["card_number"],
            name=data["name"].strip(),
            email=data["email"],
            phone=data["phone"].strip(),
            participants=self.participants_from(data),
            accommodations=data["accommodations"].strip(),
            photo_consent=data["photo_consent"],
            survey_consent=data["survey_consent"],
        )
