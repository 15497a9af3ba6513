"""Reading refusals in tests: by their stable codes, so a message's wording can change freely."""

from django.core.exceptions import ValidationError


def refusal_codes(error: ValidationError) -> list[str]:
    """Every code of ``error``, in order: field by field for a dict-shaped error, else as listed."""
    if hasattr(error, "error_dict"):
        return [item.code for errors in error.error_dict.values() for item in errors]
    return [item.code for item in error.error_list]
