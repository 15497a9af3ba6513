"""The codes of a refusal, so a test asserts the reason and the wording stays free to change."""

from django.core.exceptions import ValidationError


def refusal_codes(error: ValidationError) -> list[str]:
    """Every code of ``error``, in order, whether it names fields (a dict) or not (a list)."""
    if hasattr(error, "error_dict"):
        return [item.code for items in error.error_dict.values() for item in items]
    return [item.code for item in error.error_list]
