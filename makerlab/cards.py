"""Library card numbers: digits only, a configured length and prefix, and an optional mod-10 check digit."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError

_DIGITS = re.compile(r"[0-9]+")
_SEPARATORS = re.compile(r"[\s-]+")


def card_number_normalise(value: str) -> str:
    """Drop the spaces and dashes people type or a scanner adds; keep everything else for validation."""
    return _SEPARATORS.sub("", value or "")


def luhn_check_digit(payload: str) -> str:
    """The mod-10 (Luhn) check digit that makes ``payload + digit`` valid."""
    total = 0
    for position, char in enumerate(reversed(payload)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def validate_card_number(value: str) -> None:
    """Raise ValidationError with a plain-language message when ``value`` is not a valid card number."""
    length = settings.PATRON_CARD_LENGTH
    prefix = settings.PATRON_CARD_PREFIX
    if not value or _DIGITS.fullmatch(value) is None:
        raise ValidationError(
            "A library card number has digits only. Check the number on the back of your card.", code="digits"
        )
    if len(value) != length:
        raise ValidationError(f"A library card number has {length} digits; this one has {len(value)}.", code="length")
    if prefix and not value.startswith(prefix):
        raise ValidationError(f"A library card number starts with {prefix}.", code="prefix")
    if settings.PATRON_CARD_CHECK_DIGIT and luhn_check_digit(value[:-1]) != value[-1]:
        raise ValidationError("This card number is not valid. Check each digit against your card.", code="check_digit")


def card_number_make(sequence: int) -> str:
    """A valid card number for the configured format, built from a sequence number (for demo data and tests)."""
    prefix = settings.PATRON_CARD_PREFIX
    body_length = settings.PATRON_CARD_LENGTH - len(prefix) - (1 if settings.PATRON_CARD_CHECK_DIGIT else 0)
    payload = prefix + str(sequence).zfill(body_length)
    if len(payload) != len(prefix) + body_length:
        raise ValueError(f"Sequence {sequence} does not fit in a card number of the configured length.")
    if settings.PATRON_CARD_CHECK_DIGIT:
        payload += luhn_check_digit(payload)
    return payload
