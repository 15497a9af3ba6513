"""Template filters for the plain-language texts of makerlab.formatting (loaded in every template)."""

from django import template

from makerlab.formatting import full_stop as full_stop_text

register = template.Library()


@register.filter
def full_stop(value) -> str:
    """Ends a sentence after a value: "until 2:00 p.m." stays as it is, "until Friday" gets its full stop."""
    return full_stop_text(str(value))
