"""Forms of the safety staff pages: they parse what was typed; the rules are in safety.services."""

import datetime as dt

from django import forms

from makerlab.validators import validate_plain_text
from safety.models import ActionStatus, InspectionResult
from safety.selectors import action_owner_choices
from safety.services import ACTION_DESCRIPTION_MAX, NOTE_MAX, Finding


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
