"""Reading the outbox in tests: the emails a public refusal sent, as the patron reads them."""

from makerlab.models import Notification
from makerlab.services import notification_render


def card_refusal_emails() -> list[tuple[str, str]]:
    """Each refusal email in the outbox as (recipient, plain text), oldest first."""
    queued = Notification.objects.filter(kind="card_refusal").order_by("pk")
    return [(notification.recipient, notification_render(notification).body) for notification in queued]


def card_refusal_text(recipient: str) -> str:
    """The one refusal email sent to ``recipient``."""
    [text] = [text for to, text in card_refusal_emails() if to == recipient]
    return text
