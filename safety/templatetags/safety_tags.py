"""Health and safety on other apps' pages, loaded by name (``{% load safety_tags %}``): no app imports safety."""

from django import template
from django.utils import timezone

from safety.selectors import start_alerts

register = template.Library()

# --- Inspections and corrective actions ---


@register.inclusion_tag("safety/_start_alerts.html", takes_context=True)
def safety_start_alerts(context) -> dict:
    """On the start page: overdue inspections and actions for the coordinator, and one's own overdue actions.
    One query for most people, three for the coordinator."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"alerts": None}
    return {"alerts": start_alerts(user=user, today=timezone.localdate())}
