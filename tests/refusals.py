"""Read a refusal's codes, so tests assert the reason and leave the wording free to change."""

from django.core.exceptions import ValidationError


def refusal_codes(error: ValidationError) -> list[str]:
    """Every code of ``error``, field by field in order for a dict-shaped error, else in the order given."""
    if hasattr(error, "error_dict"):
        return [e.code for errors in error.error_dict.values() for e in errors]
    return [e.code for e in error.error_list]
