"""The coordinator's calendar of displays: which year and branch it shows."""

from django import forms

from makerlab.models import Branch

# The calendar reaches this many years either side of this year: further is a typing mistake.
CALENDAR_YEARS = 10
ALL_BRANCHES = ""


class DisplayCalendarForm(forms.Form):
    """Which year and branch the calendar shows; a bad value is said on the form and the default is shown."""

    year = forms.IntegerField(
        label="Year",
        required=False,
        error_messages={"invalid": "Enter a year such as 2027."},
        widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric"}),
    )
    branch = forms.ChoiceField(label="Branch", required=False, widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args, branches: list[Branch], this_year: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.branches = {branch.slug: branch for branch in branches}
        self.this_year = this_year
        self.fields["branch"].choices = [(ALL_BRANCHES, "Every branch")] + [
            (branch.slug, branch.name) for branch in branches
        ]
        self.fields["branch"].error_messages["invalid_choice"] = "Choose a branch from the list."
        lowest, highest = this_year - CALENDAR_YEARS, this_year + CALENDAR_YEARS
        self.fields["year"].widget.attrs.update(min=lowest, max=highest)

    def clean_year(self) -> int | None:
        year = self.cleaned_data["year"]
        if year is not None and abs(year - self.this_year) > CALENDAR_YEARS:
            raise forms.ValidationError(
                f"The calendar shows the years {self.this_year - CALENDAR_YEARS} to {self.this_year + CALENDAR_YEARS}.",
                code="year_out_of_range",
            )
        return year

    def chosen(self) -> tuple[int, Branch | None]:
        """The year and branch to show: this year and every branch in place of what was not understood."""
        cleaned = self.cleaned_data if self.is_bound else {}
        year = cleaned.get("year") if "year" not in self.errors else None
        branch = self.branches.get(cleaned.get("branch") or "") if "branch" not in self.errors else None
        return year or self.this_year, branch
