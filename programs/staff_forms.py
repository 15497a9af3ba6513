"""Forms of the staff programs pages: they parse and check the shape of input; the services decide."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Min
from django.utils import timezone

from makerlab import widgets
from makerlab.formatting import day_text
from programs.models import Program

# The page links to the week before and after; a date at the calendar's ends would overflow.
DAY_FARTHEST = dt.timedelta(days=3653)


class ProgramChoiceField(forms.ModelChoiceField):
    """Programs by title, each with its first day: a program run every term has the same title each time."""

    def label_from_instance(self, obj: Program) -> str:
        first = obj.first_session
        return f"{obj.title} (from {day_text(timezone.localtime(first).date())})" if first else obj.title


class SessionsFilterForm(forms.Form):
    """Which week of sessions the staff programs page shows, and for which program."""

    day = forms.DateField(
        label="Week from",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-lg"}, format="%Y-%m-%d"),
    )
    program = ProgramChoiceField(
        label="Program",
        required=False,
        empty_label="All programs",
        queryset=Program.objects.none(),
        widget=widgets.Select(attrs={"class": "form-select form-select-lg"}),
        error_messages={"invalid_choice": "Choose a program from the list."},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only what the choices show: every program ever run is a choice, and full rows would cost the page.
        self.fields["program"].queryset = (
            Program.objects.only("title")
            .annotate(first_session=Min("sessions__starts_at"))
            .filter(first_session__isnull=False)
            .order_by("title", "first_session", "pk")
        )

    def clean_day(self) -> dt.date | None:
        day = self.cleaned_data["day"]
        if day is not None and abs(day - timezone.localdate()) > DAY_FARTHEST:
            raise ValidationError("Enter a date within ten years of today.", code="too_far")
        return day
