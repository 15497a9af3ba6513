"""Demo purchase suggestions from patrons, and one recommendation the coordinator wrote from the evidence.

Safe to run again: suggestions and the recommendation are only made when there are none.
"""

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model

from stats.models import PurchaseRecommendation, PurchaseSuggestion
from stats.purchases import purchase_evidence, recommendation_create, suggestion_create

# (days ago, kind, what, why, email left for an answer)
SUGGESTIONS = [
    (3, "equipment", "Laser cutter", "I make wooden signs for the community garden and cut them by hand.", True),
    (9, "equipment", "laser cutters", "The orientation is always full and I'd love to make gifts.", False),
    (15, "equipment", "A second laser cutter", "Waiting three weeks for a slot means I give up on projects.", True),
    (21, "equipment", "Embroidery machine", "Our quilting group would use it every week.", False),
    (34, "equipment", "Embroidery machines", "To add names to the team jerseys I sew for the kids' league.", True),
    (40, "software", "Inkscape", "Free software would let me design at home and cut at the library.", False),
    (52, "software", "Adobe Illustrator", "My college course uses it and I have no computer at home.", True),
    (60, "software", "inkscape", "So my students can keep working on their designs after the program.", False),
    (75, "seeds", "Cherokee Purple tomato", "It grows well here and my neighbours ask me for seed.", False),
    (88, "seeds", "Cherokee purple tomatoes", "A favourite heirloom that would be great to share.", True),
    (96, "seeds", "Scarlet runner beans", "Easy for kids to save seed from, for our school garden.", False),
    (120, "equipment", "Resin 3D printer", "For the fine details on tabletop game miniatures.", False),
    (145, "equipment", "Button maker", "For the teen advisory group's fundraiser.", False),
    (200, "software", "Audacity on the podcast computer", "To edit our family history recordings.", True),
]


def purchase_demo_load(*, now: dt.datetime) -> tuple[int, int]:
    """Suggestions over the last months and one recommendation; returns how many of each were made."""
    made_suggestions = made_recommendations = 0
    if not PurchaseSuggestion.objects.exists():
        for number, (days_ago, kind, what, why, has_email) in enumerate(SUGGESTIONS):
            email = f"patron{number}@example.net" if has_email else ""
            suggestion_create(kind=kind, what=what, why=why, email=email, now=now - dt.timedelta(days=days_ago))
            made_suggestions += 1
    if not PurchaseRecommendation.objects.exists():
        evidence = purchase_evidence(now=now)
        chosen = [row for row in evidence.rows if row.section == "suggestions" and "laser" in row.label.lower()]
        chosen += [row for row in evidence.candidates if row not in chosen][:3]
        coordinator = get_user_model().objects.filter(groups__name="Coordinator").order_by("pk").first()
        recommendation_create(
            item="A second laser cutter (50 W CO2, with fume extraction)",
            estimated_cost=Decimal("7850.00"),
            reason=(
                "Patrons wait weeks for the laser cutter and its orientation, and it is what they suggest most.\n"
                "A second machine beside the first shares the vent and the trained staff, so the running costs "
                "stay small."
            ),
            evidence=chosen,
            user=coordinator,
            now=now,
        )
        made_recommendations = 1
    return made_suggestions, made_recommendations
