"""Health and safety facts shown on other apps' pages, which load this library by name instead of importing safety."""

from django import template
from django.utils import timezone

from safety import selectors

register = template.Library()

# --- Procedures ---


@register.simple_tag
def procedures_to_read(user) -> int:
    """How many procedures the logged-in person has to read and acknowledge: two queries, none without a person."""
    staff_member = getattr(user, "staff_member", None) if getattr(user, "is_authenticated", False) else None
    return selectors.procedures_to_acknowledge_count(staff_member=staff_member, day=timezone.localdate())
