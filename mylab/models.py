import hashlib

from django.db import models
from django.utils import timezone

from makerlab.models import Patron


def token_digest(token: str) -> str:
    """What is stored of a sign-in token: its SHA-256, so the table alone opens no one's page."""
    return hashlib.sha256(token.encode()).hexdigest()


class SignInLink(models.Model):
    """A "My Maker Lab" sign-in link emailed to a patron: it opens their page once, before it expires.

    Only the token's digest is kept; the link itself lives in the email alone.
    """

    patron = models.ForeignKey(Patron, on_delete=models.CASCADE, related_name="+")
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["expires_at"], name="sign_in_link_expiry")]

    def __str__(self) -> str:
        return f"Sign-in link for patron #{self.patron_id}"
