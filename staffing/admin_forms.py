"""Forms of the coordinator's staffing admin: they parse input and ask the services' checks, and save nothing."""

import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db.models import Q
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from psycopg2.extras import DateTimeTZRange

from makerlab.validators import validate_plain_text
from staffing import services
from staffing.models import (
    Assignment,
    HoursEntry,
    Qualification,
    Shift,
    Skill,
    StaffKind,
    StaffMember,
    TimeOff,
)
from staffing.selectors import Warning, WarningChecker

# Qualifications are granted for years, not decades: an expiry further off is a typing mistake.
LONGEST_QUALIFICATION = dt.timedelta(days=366 * 10)

phone_validator = RegexValidator(
    r"^\+?[0-9 ()./-]{7,24}(\s*(x|ext\.?)\s*[0-9]{1,6})?$",
    "Enter a phone number such as 519-555-0142 (an extension may follow: ext. 12).",
)


def _date_input() -> forms.DateInput:
    # The browser's own date picker: accessible, and nothing to load under the content security policy.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlainTextForm(forms.BaseForm):
    """Free text is plain text: markup and control characters are refused, as the services refuse them.

    What is typed here reaches PDFs, calendar feeds and emails.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if type(field) is forms.CharField:
                field.validators.append(validate_plain_text)


def label_split_date_time(field: forms.Field) -> None:
    """Name the date and the time box of an admin date-time field: Django labels neither of them."""
    widgets = getattr(field.widget, "widgets", None)
    if widgets and len(widgets) == 2:
        widgets[0].attrs["aria-label"] = f"{field.label}: date"
        widgets[1].attrs["aria-label"] = f"{field.label}: time"


class TabularInlineFormSet(BaseInlineFormSet):
    """Rows of a tabular inline whose boxes have names: Django shows column headings but labels no box."""

    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        row = f" ({self.model._meta.verbose_name} {index + 1})" if index is not None else ""
        for name, field in form.fields.items():
            if not field.widget.is_hidden:
                label = "Delete" if name == "DELETE" else field.label or name
                field.widget.attrs["aria-label"] = f"{label}{row}"
                inner = getattr(field.widget, "widget", None)  # the admin wraps a select with its add links
                if inner is not None:
                    inner.attrs["aria-label"] = f"{label}{row}"


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.get_username()})" if name else obj.get_username()


class StaffMemberAdminForm(PlainTextForm, forms.ModelForm):
    user = UserChoiceField(
        queryset=get_user_model().objects.none(),
        label="Login",
        help_text="The person's staff login. Only logins that are not yet linked to a person are listed.",
    )

    class Meta:
        model = StaffMember
        fields = [
            "user",
            "kind",
            "date_of_birth",
            "school",
            "emergency_contact_name",
            "emergency_contact_phone",
            "weekly_hour_limit",
            "coop_agreement_hours",
            "is_active",
        ]
        widgets = {"date_of_birth": _date_input()}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            get_user_model()
            .objects.filter(Q(staff_member__isnull=True) | Q(pk=self.instance.user_id))
            .order_by("last_name", "first_name", "username")
        )
        self.fields["emergency_contact_phone"].validators.append(phone_validator)

    def clean(self) -> dict:
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind and "date_of_birth" not in self.errors:
            try:
                services.staff_member_check_age(
                    kind=kind, date_of_birth=cleaned.get("date_of_birth"), today=timezone.localdate()
                )
            except ValidationError as error:
                self.add_error(None, error)
        if kind and kind != StaffKind.COOP_STUDENT and cleaned.get("coop_agreement_hours"):
            self.add_error(
                "coop_agreement_hours",
                ValidationError("Only co-op students have agreement hours.", code="not_coop_student"),
            )
        return cleaned


class QualificationInlineForm(forms.ModelForm):
    class Meta:
        model = Qualification
        fields = ["skill", "granted_on", "expires_on"]
        widgets = {"granted_on": _date_input(), "expires_on": _date_input()}

    def clean_granted_on(self) -> dt.date:
        granted_on = self.cleaned_data["granted_on"]
        if granted_on > timezone.localdate():
            raise ValidationError(
                "A skill can only be recorded once it has been granted: today or earlier.", code="not_granted_yet"
            )
        if timezone.localdate() - granted_on > dt.timedelta(days=366 * 80):
            raise ValidationError("Check the date: that is more than 80 years ago.", code="granted_too_long_ago")
        return granted_on

    def clean_expires_on(self) -> dt.date | None:
        expires_on = self.cleaned_data.get("expires_on")
        if expires_on and expires_on - timezone.localdate() > LONGEST_QUALIFICATION:
            raise ValidationError("Check the expiry date: that is more than ten years away.", code="expires_too_far")
        return expires_on


class QualificationInlineFormSet(TabularInlineFormSet):
    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        # The skills listed once for the whole formset, not one query per row.
        if not hasattr(self, "_skill_choices"):
            self._skill_choices = list(form.fields["skill"].choices)
        form.fields["skill"].choices = self._skill_choices


class AvailabilityInlineFormSet(TabularInlineFormSet):
    """The person's weekly windows, refused when two overlap on a day (as services.availability_set refuses)."""

    def windows(self) -> list[tuple[int, dt.time, dt.time]]:
        return sorted(
            (form.cleaned_data["weekday"], form.cleaned_data["starts"], form.cleaned_data["ends"])
            for form in self.forms
            if form.cleaned_data
            and not self._should_delete_form(form)
            and all(form.cleaned_data.get(name) is not None for name in ("weekday", "starts", "ends"))
        )

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        services.availability_check(windows=self.windows())


class SkillAdminForm(PlainTextForm, forms.ModelForm):
    class Meta:
        model = Skill
        fields = ["name", "description", "counts_for_community_hours"]


class ShiftAdminForm(PlainTextForm, forms.ModelForm):
    class Meta:
        model = Shift
        fields = [
            "branch",
            "role",
            "starts_at",
            "ends_at",
            "min_headcount",
            "max_headcount",
            "required_skills",
            "notes",
            "is_published",
        ]
        widgets = {"required_skills": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("starts_at", "ends_at"):
            if name in self.fields:  # a person who may only view the shift gets no fields
                label_split_date_time(self.fields[name])

    def clean(self) -> dict:
        cleaned = super().clean()
        branch, role = cleaned.get("branch"), cleaned.get("role")
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        # An unchanged shift is not checked again: a closure added later must not lock its notes.
        moved = not self.instance.pk or {"branch", "role", "starts_at", "ends_at"} & set(self.changed_data)
        if branch and role and starts_at and ends_at and moved:
            try:
                services.shift_check(branch=branch, role=role, starts_at=starts_at, ends_at=ends_at)
            except ValidationError as error:
                self.add_error(None, error)
                return cleaned
            if self.instance.pk and {"starts_at", "ends_at"} & set(self.changed_data):
                self._check_people_free(starts_at, ends_at)
        max_headcount = cleaned.get("max_headcount")
        if self.instance.pk and max_headcount is not None:
            filled = self.instance.assignments.count()
            if filled > max_headcount:
                self.add_error(
                    "max_headcount",
                    ValidationError(
                        f"{filled} people are on this shift: take some off before lowering the most people to "
                        f"{max_headcount}.",
                        code="below_people_on_it",
                    ),
                )
        # The assignment inline checks warnings against the skills chosen on this same form.
        self.instance.pending_required_skills = list(cleaned.get("required_skills") or [])
        return cleaned

    def _check_people_free(self, starts_at: dt.datetime, ends_at: dt.datetime) -> None:
        """services.shift_move refuses a move that double-books someone; say so on the form, not with an error page."""
        clash = (
            Assignment.objects.filter(
                staff_member__in=Assignment.objects.filter(shift=self.instance).values("staff_member"),
                period__overlap=DateTimeTZRange(starts_at, ends_at, "[)"),
            )
            .exclude(shift=self.instance)
            .select_related("staff_member__user", "shift__branch")
            .first()
        )
        if clash:
            self.add_error(
                "starts_at",
                ValidationError(
                    f"{clash.staff_member} is already on a shift at that time ({clash.shift}); "
                    "take them off this shift first, or choose another time.",
                    code="busy",
                ),
            )


class AssignmentInlineForm(PlainTextForm, forms.ModelForm):
    override_reason = forms.CharField(
        max_length=250,
        required=False,
        label="Override reason",
        help_text="Only needed when the person breaks a scheduling rule: the warning is shown here after saving.",
    )

    class Meta:
        model = Assignment
        fields = ["staff_member", "override_reason"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.warnings: list[Warning] = []
        if self.instance.pk:
            # A person on a shift is taken off and another put on: never swapped in place past the rules.
            self.fields["staff_member"].disabled = True
            self.fields["override_reason"].disabled = True
            self.fields["override_reason"].help_text = ""


class AssignmentInlineFormSet(TabularInlineFormSet):
    """People on a shift: each new one checked by services.assignment_check, warnings needing a reason."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        people = list(StaffMember.objects.select_related("user"))
        self._labels = {person.pk: str(person) for person in people}
        active = sorted(((p.pk, str(p)) for p in people if p.is_active), key=lambda choice: choice[1])
        self._choices = [("", "---------"), *active]

    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        field = form.fields["staff_member"]
        field.queryset = StaffMember.objects.filter(Q(is_active=True) | Q(pk=form.instance.staff_member_id))
        # Choices listed once for the whole formset, not one query per row.
        if form.instance.pk:
            field.choices = [(form.instance.staff_member_id, self._labels.get(form.instance.staff_member_id, ""))]
        else:
            field.choices = self._choices

    def new_forms(self) -> list[AssignmentInlineForm]:
        return [
            form
            for form in self.forms
            if not form.instance.pk and form.cleaned_data.get("staff_member") and not self._should_delete_form(form)
        ]

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        shift = self.instance
        for form in self.deleted_forms:
            if form.instance.pk:
                services.assignment_removal_check(assignment=form.instance)
        new = self.new_forms()
        if not new or not (shift.branch_id and shift.starts_at and shift.ends_at and shift.max_headcount):
            return  # nothing to check, or the shift's own form has errors to fix first
        people = [form.cleaned_data["staff_member"] for form in new]
        skills = getattr(shift, "pending_required_skills", None)
        checker = WarningChecker(people=people, shifts=[shift])
        taken_off = sum(1 for form in self.deleted_forms if form.instance.pk)
        for form in new:
            person = form.cleaned_data["staff_member"]
            try:
                form.warnings = services.assignment_check(
                    shift=shift,
                    staff_member=person,
                    override_reason=form.cleaned_data.get("override_reason", ""),
                    alongside=[other for other in people if other.pk != person.pk],
                    taken_off=taken_off,
                    required_skills=skills,
                    checker=checker,
                )
            except services.AssignmentWarnings as error:
                form.warnings = error.warnings
                form.add_error(
                    "override_reason",
                    [
                        *error.error_list,
                        ValidationError(
                            "To put them on this shift anyway, give a reason to override.", code="override_needed"
                        ),
                    ],
                )
            except ValidationError as error:
                if error.code == "full":
                    raise  # the shift's, not this row's: said once, above the rows
                form.add_error("staff_member", error)


class ActionForm(PlainTextForm, forms.Form):
    """Base of the forms shown on an admin action's intermediate page."""

    title = ""
    submit_label = "Apply"


class CopyWeekForm(ActionForm):
    title = "Copy a week of shifts"
    submit_label = "Copy the week"

    from_week = forms.DateField(label="Copy the week starting", widget=_date_input(), help_text="A Monday.")
    to_week = forms.DateField(label="To the week starting", widget=_date_input(), help_text="A Monday.")
    with_people = forms.BooleanField(
        label="Copy the people too",
        required=False,
        initial=True,
        help_text="Each person is copied only where no rule is broken (availability, time off, skills, hours).",
    )

    def clean_from_week(self) -> dt.date:
        day = self.cleaned_data["from_week"]
        if day.weekday() != 0:
            raise ValidationError(f"{day:%A %d %B %Y} is not a Monday; weeks start on a Monday.", code="not_monday")
        services.check_in_horizon(day, what="The week")
        return day

    def clean_to_week(self) -> dt.date:
        day = self.cleaned_data["to_week"]
        if day.weekday() != 0:
            raise ValidationError(f"{day:%A %d %B %Y} is not a Monday; weeks start on a Monday.", code="not_monday")
        services.check_in_horizon(day, what="The week")
        return day

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("from_week") and cleaned.get("from_week") == cleaned.get("to_week"):
            self.add_error("to_week", ValidationError("Choose a different week to copy to.", code="same_week"))
        return cleaned


class GenerateShiftsForm(ActionForm):
    title = "Generate shifts from weekly patterns"
    submit_label = "Generate shifts"

    first_day = forms.DateField(label="First day", widget=_date_input())
    last_day = forms.DateField(label="Last day", widget=_date_input())
    publish = forms.BooleanField(
        label="Publish them", required=False, help_text="Published shifts are shown to the people on them."
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        first_day, last_day = cleaned.get("first_day"), cleaned.get("last_day")
        for name in ("first_day", "last_day"):
            if cleaned.get(name):
                try:
                    services.check_in_horizon(cleaned[name], what="The day")
                except ValidationError as error:
                    self.add_error(name, error)
        if first_day and last_day and last_day < first_day:
            self.add_error(
                "last_day", ValidationError("The last day must not be before the first.", code="last_before_first")
            )
        return cleaned


class OverrideReasonForm(ActionForm):
    title = "Approve claimed shifts, overriding warnings"
    submit_label = "Approve"

    override_reason = forms.CharField(
        max_length=250,
        label="Reason for the override",
        help_text="Recorded with each approved shift that breaks a scheduling rule.",
    )

    def clean_override_reason(self) -> str:
        reason = self.cleaned_data["override_reason"].strip()
        if not reason:
            raise ValidationError("Give a reason for the override.", code="no_reason")
        return reason


class TimeOffAdminForm(PlainTextForm, forms.ModelForm):
    class Meta:
        model = TimeOff
        fields = ["staff_member", "first_day", "last_day", "reason"]
        widgets = {"first_day": _date_input(), "last_day": _date_input()}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "staff_member" in self.fields:
            self.fields["staff_member"].queryset = StaffMember.objects.select_related("user")

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("first_day") and cleaned.get("last_day"):
            try:
                services.time_off_check(
                    first_day=cleaned["first_day"], last_day=cleaned["last_day"], reason=cleaned.get("reason", "")
                )
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


class HoursEntryAdminForm(PlainTextForm, forms.ModelForm):
    class Meta:
        model = HoursEntry
        fields = ["staff_member", "day", "hours", "activity", "counts_for_community_hours"]
        widgets = {"day": _date_input()}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "staff_member" in self.fields:
            self.fields["staff_member"].queryset = StaffMember.objects.select_related("user")

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("day") and cleaned.get("hours") is not None and "activity" in cleaned:
            try:
                cleaned["activity"] = services.hours_check(
                    day=cleaned["day"], hours=cleaned["hours"], activity=cleaned["activity"]
                )
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned
