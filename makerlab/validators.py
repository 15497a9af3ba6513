"""Checks on free text that every app's forms and services share."""

import re

from django.core.exceptions import ValidationError

# Text that looks like markup (a tag, a comment, a processing instruction) is refused rather than stored:
# it is never what a person means, and it must not reach a PDF, a calendar app or an email.
MARKUP = re.compile(r"<\s*[A-Za-z/!?]")
# Control characters other than tab and newline: pasted from elsewhere, they break PDFs and iCal lines.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def validate_plain_text(value: str) -> None:
    if MARKUP.search(value):
        raise ValidationError("Write plain text, without < and > tags.", code="markup")
    if CONTROL.search(value):
        raise ValidationError("Remove the invisible control characters from this text.", code="control")
