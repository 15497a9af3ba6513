from django import forms
from django.core.exceptions import ValidationError

from makerlab.validators import ascii_id

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
