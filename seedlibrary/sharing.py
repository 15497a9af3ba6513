"""What a seed variety's share image shows: its name, its botanical name and kind, and its photo."""

from makerlab.share_image import ShareCard
from seedlibrary.models import Variety

LABEL = "Seed library"


def variety_share_card(variety: Variety) -> ShareCard:
    kind = variety.get_category_display().lower()
    if variety.heirloom:
        kind = f"heirloom {kind}"
    return ShareCard(
        title=str(variety),
        label=LABEL,
        details=(f"{variety.botanical_name}, {kind}", "Free to borrow with your library card"),
        picture=variety.photo.name if variety.photo else "",
    )
