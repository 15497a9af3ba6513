"""Forms of the staff programs pages: they parse and check the shape of input; the services decide."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.utils import timezone

from makerlab import widgets
from makerlab.formatting import day_text
from programs.models import Program
from programs.selectors import programs_with_sessions

# The page links to the week before and after; a date at the calendar's ends would overflow.
DAY_FARTHEST = dt.timedelta(days=3653)


def _program_label(title: str, first_session: dt.datetime | None) -> str:
    return f"{title} (from {day_text(timezone.localtime(first_session).date())})" if first_session else title


class _ProgramChoices(ModelChoiceIterator):
    """Every program ever run is a choice: read as rows of id, title and first session, not as whole programs."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for pk, title, first_session in self.queryset.values_list("pk", "title", "first_session"):
            yield (pk, _program_label(title, first_session))


class ProgramChoiceField(forms.ModelChoiceField):
    """Programs by title, each with its first day: a program run every term has the same title each time."""

    iterator = _ProgramChoices


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
        self.fields["program"].queryset = programs_with_sessions()

    def clean_day(self) -> dt.date | None:
        day = self.cleaned_data["day"]
        if day is not None and abs(day - timezone.localdate()) > DAY_FARTHEST:
            raise ValidationError("Enter a date within ten years of today.", code="too_far")
        return day
