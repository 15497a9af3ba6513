"""The health and safety forms: a procedure acknowledged, and the report form staff fill in on a phone (few
required fields, choices as radio buttons, the time set to now)."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from bookings.models import Equipment
from makerlab.models import Branch
from makerlab.validators import ascii_id, validate_plain_text
from safety.models import ActionStatus, InspectionResult, InvolvedRole, ReportKind, Severity
from safety.selectors import action_owner_choices
from safety.services import ACTION_DESCRIPTION_MAX, NOTE_MAX, TEXT_LIMITS, Finding, ReportDetails

UNKNOWN_PROCEDURE = "This procedure was not found. Reload the page to see the procedures you have to read."


class AcknowledgeForm(forms.Form):
    """The version a staff member says they read and understood, as the page's button posts it."""

    version = forms.CharField(
        max_length=20,
        widget=forms.HiddenInput,
        error_messages={"required": UNKNOWN_PROCEDURE, "max_length": UNKNOWN_PROCEDURE},
    )

    def clean_version(self) -> int:
        version_id = ascii_id(self.cleaned_data["version"])
        if version_id is None:
            raise ValidationError(UNKNOWN_PROCEDURE, code="unknown_procedure")
        return version_id


KIND_CHOICES = [
    (ReportKind.HAZARD, "Hazard: something that could hurt someone"),
    (ReportKind.NEAR_MISS, "Near miss: someone was almost hurt"),
    (ReportKind.INCIDENT, "Incident: someone was hurt, or something was damaged"),
]
SEVERITY_CHOICES = [
    (Severity.NONE, "No one was hurt"),
    (Severity.FIRST_AID, "First aid only"),
    (Severity.MEDICAL_TREATMENT, "Needed a doctor, clinic or hospital"),
    (Severity.LOST_TIME, "Could not go on working or using the lab"),
    (Severity.CRITICAL, "Critical injury"),
]
CRITICAL_HELP = (
    "Critical means life in danger, unconscious, a lot of blood lost, a broken arm or leg (not a finger or toe), "
    "a lost limb, a large burn, or sight lost in an eye. The coordinator and the manager are emailed at once."
)
WHEN_FORMAT = "%Y-%m-%dT%H:%M"


class SafetyReportForm(forms.Form):
    kind = forms.ChoiceField(
        label="What are you reporting?",
        choices=KIND_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose hazard, near miss or incident.", "invalid_choice": "Choose from the list."},
    )
    branch = forms.ModelChoiceField(
        label="Branch",
        queryset=Branch.objects.none(),
        empty_label=None,
        error_messages={"required": "Choose the branch.", "invalid_choice": "Choose one of your branches."},
    )
    location = forms.CharField(
        label="Where",
        max_length=TEXT_LIMITS["location"],
        help_text="For example “laser room” or “by the sewing tables”.",
        error_messages={"required": "Say where it happened."},
    )
    equipment = forms.ModelChoiceField(
        label="Machine (if one was involved)",
        queryset=Equipment.objects.none(),
        required=False,
        empty_label="No machine",
        error_messages={"invalid_choice": "Choose a machine from the list."},
    )
    takes_equipment_out_of_service = forms.BooleanField(
        label="Take this machine out of service now",
        required=False,
        help_text="No one may use it or book it until the coordinator clears it. Its bookings are cancelled "
        "and each patron is emailed.",
    )
    occurred_at = forms.DateTimeField(
        label="When it happened",
        input_formats=[WHEN_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=WHEN_FORMAT),
        help_text="Set to now. Change it if it happened earlier.",
        error_messages={"required": "Give the date and time it happened.", "invalid": "Give a date and a time."},
    )
    what_happened = forms.CharField(
        label="What happened",
        max_length=TEXT_LIMITS["what_happened"],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A sentence or two. Leave names out: they go below, only if needed.",
        error_messages={"required": "Say what happened, in a sentence or two."},
    )
    roles_involved = forms.MultipleChoiceField(
        label="Who was involved (optional)",
        choices=InvolvedRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose who was involved from the list."},
    )
    severity = forms.ChoiceField(
        label="Was anyone hurt?",
        choices=SEVERITY_CHOICES,
        initial=Severity.NONE,
        widget=forms.RadioSelect,
        help_text=CRITICAL_HELP,
        error_messages={"required": "Say whether anyone was hurt.", "invalid_choice": "Choose from the list."},
    )
    worker_lost_time = forms.BooleanField(
        label="A worker (staff, volunteer or student) lost time from work because of the injury",
        required=False,
    )
    first_aid_given = forms.CharField(
        label="First aid given (optional)",
        max_length=TEXT_LIMITS["first_aid_given"],
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    names_involved = forms.CharField(
        label="Names (only if needed)",
        max_length=TEXT_LIMITS["names_involved"],
        required=False,
        help_text="Only the coordinator and the manager read them.",
    )

    def __init__(self, *args, branches: list[Branch], equipment: list[Equipment], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = Branch.objects.filter(pk__in=[branch.pk for branch in branches])
        self.fields["branch"].initial = branches[0].pk if branches else None
        if len(branches) == 1:
            self.fields["branch"].widget = forms.HiddenInput()
        machines = self.fields["equipment"]
        machines.queryset = Equipment.objects.filter(pk__in=[machine.pk for machine in equipment])
        several = len(branches) > 1
        machines.choices = [("", "No machine")] + [
            (machine.pk, f"{machine.name}, {machine.branch.name}" if several else machine.name) for machine in equipment
        ]
        self.fields["occurred_at"].initial = timezone.localtime().replace(second=0, microsecond=0)

    def clean_occurred_at(self) -> dt.datetime:
        """The time in UTC, as stored; the last minutes of year 9999 have no UTC time and are refused here."""
        try:
            return self.cleaned_data["occurred_at"].astimezone(dt.UTC)
        except OverflowError:
            raise ValidationError(self.fields["occurred_at"].error_messages["invalid"], code="invalid") from None

    def details(self) -> ReportDetails:
        data = self.cleaned_data
        return ReportDetails(
            kind=data["kind"],
            branch=data["branch"],
            occurred_at=data["occurred_at"],
            location=data["location"],
            what_happened=data["what_happened"],
            equipment=data["equipment"],
            roles_involved=tuple(data["roles_involved"]),
            names_involved=data["names_involved"],
            severity=data["severity"],
            worker_lost_time=data["worker_lost_time"],
            first_aid_given=data["first_aid_given"],
            takes_equipment_out_of_service=data["takes_equipment_out_of_service"],
        )


class DateInput(forms.DateInput):
    input_type = "date"


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        return user.get_full_name() or user.get_username()


def _owner_field(**kwargs) -> OwnerChoiceField:
    return OwnerChoiceField(
        queryset=action_owner_choices(),
        error_messages={
            "invalid_choice": "Choose who puts it right from the list.",
            "required": "Choose who puts it right.",
        },
        **kwargs,
    )


def _due_field(**kwargs) -> forms.DateField:
    return forms.DateField(
        widget=DateInput(),
        error_messages={
            "invalid": "Enter the due date as a date, for example 2027-03-14.",
            "required": "Choose a due date.",
        },
        **kwargs,
    )


class InspectionForm(forms.Form):
    """One group of fields per checklist line: OK or not, a note, and for a line not OK who puts it right and by
    when (the inspector and two weeks from today when left empty)."""

    OK_CHOICES = [("ok", "OK"), ("not_ok", "Not OK")]

    def __init__(self, *args, results: list[InspectionResult], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.results = results
        owners = action_owner_choices()
        for result in results:
            prefix = f"result-{result.pk}"
            self.fields[f"{prefix}-ok"] = forms.ChoiceField(
                label=result.item_text,
                choices=self.OK_CHOICES,
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Say whether “{result.item_text}” is OK.",
                    "invalid_choice": f"Say whether “{result.item_text}” is OK.",
                },
            )
            self.fields[f"{prefix}-note"] = forms.CharField(
                label="Note",
                required=False,
                max_length=NOTE_MAX,
                validators=[validate_plain_text],
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text="Needed when it is not OK: what is wrong. It becomes the corrective action.",
            )
            self.fields[f"{prefix}-owner"] = _owner_field(label="Who puts it right", required=False, empty_label="Me")
            self.fields[f"{prefix}-owner"].queryset = owners
            self.fields[f"{prefix}-due_on"] = _due_field(
                label="Due by", required=False, help_text="Empty: two weeks from today."
            )

    def lines(self) -> list[dict]:
        """Each checklist line's bound fields, for the template."""
        return [
            {
                "result": result,
                **{name: self[f"result-{result.pk}-{name}"] for name in ("ok", "note", "owner", "due_on")},
            }
            for result in self.results
        ]

    def findings(self) -> list[Finding]:
        data = self.cleaned_data
        findings = []
        for result in self.results:
            prefix = f"result-{result.pk}"
            answer = data.get(f"{prefix}-ok")
            owner = data.get(f"{prefix}-owner")
            findings.append(
                Finding(
                    result_id=result.pk,
                    ok=None if not answer else answer == "ok",
                    note=data.get(f"{prefix}-note", ""),
                    owner_id=owner.pk if owner is not None else None,
                    due_on=data.get(f"{prefix}-due_on"),
                )
            )
        return findings


class ActionForm(forms.Form):
    """A corrective action the coordinator sets on its own."""

    description = forms.CharField(
        label="What to put right",
        max_length=ACTION_DESCRIPTION_MAX,
        validators=[validate_plain_text],
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what to put right."},
    )
    owner = _owner_field(label="Who puts it right")
    due_on = _due_field(label="Due by")

    def __init__(self, *args, today: dt.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = action_owner_choices()
        self.fields["due_on"].initial = today + dt.timedelta(days=14)


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        choices=ActionStatus.choices,
        error_messages={"invalid_choice": "Choose open, in progress or done.", "required": "Choose a status."},
    )
