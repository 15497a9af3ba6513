"""What a 1-on-1 service's share image shows: its name, how long it lasts, and where."""

from bookings.models import ServiceType
from bookings.wording import duration_text
from makerlab.share_image import ShareCard

LABEL = "Free 1-on-1 help"


def service_share_card(service_type: ServiceType) -> ShareCard:
    branch = service_type.branch
    return ShareCard(
        title=service_type.name,
        label=LABEL,
        details=(
            f"{duration_text(service_type.duration_minutes)} with library staff. Book a time online.",
            f"{branch.name}, {branch.address_line}",
        ),
    )
