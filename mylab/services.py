"""Writes for "My Maker Lab": send a sign-in link to a patron found by card and email, and use it once.

Why a stored one-use token rather than a signed one: a signed link (django.core.signing) can be given an
age limit but not be used only once, and a link that sits in a mailbox should stop working once it has
served. The table keeps only each token's SHA-256 digest, so reading it opens no one's page.
"""

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from makerlab.http import site_url
from makerlab.models import Patron
from makerlab.services import notification_queue
from mylab.models import SignInLink, token_digest
from mylab.selectors import SignInRefusal, patron_by_card_and_email, sign_in_link_by_token, sign_in_link_refusal


class SignInRefused(Exception):
    def __init__(self, reason: SignInRefusal) -> None:
        super().__init__(reason)
        self.reason = reason


def sign_in_link_send(*, card_number: str, email: str, now: dt.datetime) -> bool:
    """Email a sign-in link to ``email`` when it and ``card_number`` belong to one patron; True when sent.

    The caller must answer the same either way, so the form tells nobody whether a card is known.
    """
    patron = patron_by_card_and_email(card_number=card_number, email=email)
    if patron is None:
        return False
    token = secrets.token_urlsafe(32)
    minutes = settings.MYLAB_LINK_MINUTES
    with transaction.atomic():
        link = SignInLink.objects.create(
            patron=patron,
            token_digest=token_digest(token),
            created_at=now,
            expires_at=now + dt.timedelta(minutes=minutes),
        )
        notification_queue(
            kind="mylab_sign_in",
            recipient=email,
            template="mylab_sign_in",
            context={
                "first_name": patron.first_name,
                "sign_in_url": site_url(reverse("mylab:sign_in", args=[token])),
                "minutes": minutes,
            },
            idempotency_key=f"mylab-sign-in:{link.pk}",
        )
    return True


def sign_in_link_use(*, token: str, now: dt.datetime) -> Patron:
    """Spend the link: the patron it belongs to, or SignInRefused saying why (never found, used, expired).

    One conditional UPDATE spends it, so two clicks at once open the page once.
    """
    spent = SignInLink.objects.filter(
        token_digest=token_digest(token), used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    link = sign_in_link_by_token(token=token)
    if not spent:
        raise SignInRefused(sign_in_link_refusal(link=link, now=now) or SignInRefusal.USED)
    if link is None or link.patron.anonymised_at is not None:
        raise SignInRefused(SignInRefusal.UNKNOWN)
    return link.patron


# Spent and expired links are kept a day, so a patron who clicks an old one is told it was used or expired.
KEEP_SPENT_LINKS = dt.timedelta(days=1)


def sign_in_links_delete_old(*, now: dt.datetime) -> int:
    """Delete links that expired more than a day ago: they only record when someone asked to sign in."""
    deleted, _ = SignInLink.objects.filter(expires_at__lt=now - KEEP_SPENT_LINKS).delete()
    return deleted
