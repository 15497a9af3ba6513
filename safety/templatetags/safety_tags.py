"""What patrons and staff are told about health and safety, on the pages of other apps.

Other apps never import safety (DESIGN.md §3); their templates load this library by name:
``{% load safety_tags %}{% equipment_safety service.equipment_id %}``. Each tag answers in a bounded number of
queries, whatever the number of machines it is given.
"""

from collections.abc import Iterable

from django import template
from django.db.models import Model, QuerySet
from django.utils import timezone

from safety import selectors
from safety.selectors import equipment_safety as equipment_safety_facts
from safety.selectors import pre_use_check_for_booking, start_alerts

register = template.Library()

# --- Reports ---


@register.filter
def may_file_reports(user) -> bool:
    """``{% if user|may_file_reports %}``: the menu shows the report form to whoever the form lets in."""
    return selectors.may_file_reports(user) if user is not None else False


# --- Procedures ---


@register.simple_tag
def procedures_to_read(user) -> int:
    """How many procedures the logged-in person has to read and acknowledge: two queries, none without a person."""
    staff_member = getattr(user, "staff_member", None) if getattr(user, "is_authenticated", False) else None
    return selectors.procedures_to_acknowledge_count(staff_member=staff_member, day=timezone.localdate())


def _equipment_ids(equipment) -> list[int] | QuerySet:
    """An id, a piece of equipment, a list of either, or a queryset of equipment (kept as a subquery)."""
    if isinstance(equipment, QuerySet):
        return equipment
    if equipment in (None, ""):  # a missing context variable arrives as ""
        return []
    items = equipment if isinstance(equipment, Iterable) and not isinstance(equipment, str) else [equipment]
    ids = []
    for item in items:
        pk = item.pk if isinstance(item, Model) else item
        if isinstance(pk, int) or (isinstance(pk, str) and pk.isdigit()):
            ids.append(int(pk))
    return ids


@register.inclusion_tag("safety/_equipment_safety.html")
def equipment_safety(equipment, heading: str = "h2") -> dict:
    """``{% equipment_safety equipment %}``: the hazards of the equipment, the protective equipment the library
    lends and what to bring, and the minimum age, in plain words for patrons; nothing for equipment without any.
    ``heading``: the level of the section's heading (``"h2"`` or ``"h3"``), to fit the page's outline."""
    facts = equipment_safety_facts(equipment_ids=_equipment_ids(equipment))
    return {
        "notices": [notice for notice in facts.values() if notice.tells_patrons],
        "heading": heading if heading in ("h2", "h3") else "h2",
    }


@register.simple_tag
def pre_use_check_of(booking_id):
    """``{% pre_use_check_of booking.pk as check %}``: the pre-use check kept with a booking, or None."""
    return pre_use_check_for_booking(booking_id=booking_id) if booking_id else None


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
