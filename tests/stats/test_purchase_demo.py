"""The demo's purchase suggestions and recommendation: realistic, counted together, and made once."""

from stats.models import PurchaseRecommendation, PurchaseSuggestion
from stats.purchase_demo import SUGGESTIONS, purchase_demo_load
from stats.purchases import purchase_evidence


def test_the_demo_suggests_and_recommends_once(db, coordinator, now):
    assert purchase_demo_load(now=now) == (len(SUGGESTIONS), 1)
    assert purchase_demo_load(now=now) == (0, 0)

    assert PurchaseSuggestion.objects.count() == len(SUGGESTIONS)
    laser = [row for row in purchase_evidence(now=now).section_rows("suggestions") if "laser" in row.label.lower()]
    assert laser[0].score == 2  # "Laser cutter" and "laser cutters"
    recommendation = PurchaseRecommendation.objects.get()
    assert recommendation.created_by == coordinator
    assert recommendation.evidence and recommendation.evidence[0]["section"] == "Patron suggestions"
    assert not PurchaseSuggestion.objects.filter(answered_at__isnull=False).exists()
