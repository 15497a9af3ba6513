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


# A database id: plain ASCII digits, at most 18 so it fits PostgreSQL's bigint. ``str.isdigit`` also accepts
# superscript, Arabic-Indic and full-width digits, which ``int`` then refuses or reads as another number.
ASCII_ID = re.compile(r"[0-9]{1,18}")


def ascii_id(value: str | None) -> int | None:
    """The id written in ``value``, or None when it is not one (for query parameters, filters and form values)."""
    if value is None or not ASCII_ID.fullmatch(value):
        return None
    return int(value)
