"""Emails about online seed requests, queued inside the service's transaction.

Each is queued once per request and kind (key ``seed_request:<pk>:<kind>``), so a retried request or
a second sweep never sends it twice. The manage link is the public page ``seeds:request_manage``.
"""

from django.conf import settings
from django.urls import reverse

from makerlab.http import site_url
from makerlab.models import Patron
from makerlab.services import notification_queue
from seedlibrary.models import Loan, SeedRequest
from seedlibrary.selectors import pickup_deadline_text


def _absolute(path: str) -> str:
    return site_url(path)


def _packet_lines(loans: list[Loan]) -> list[str]:
    return sorted(f"{loan.variety} (lot {loan.lot.code})" for loan in loans)


def _context(seed_request: SeedRequest, *, patron: Patron, loans: list[Loan]) -> dict:
    branch = seed_request.branch
    return {
        "first_name": patron.first_name,
        "branch": branch.name,
        "address": branch.address_line,
        "packets": _packet_lines(loans),
        "hold_until": pickup_deadline_text(seed_request.expires_at, branch=branch),
        "hold_days": settings.SEED_REQUEST_HOLD_DAYS,
        "was_ready": seed_request.ready_at is not None,
        "manage_url": _absolute(reverse("seeds:request_manage", kwargs={"token": seed_request.manage_token})),
    }


def _queue(seed_request: SeedRequest, kind: str, context: dict) -> None:
    notification_queue(
        kind=kind,
        recipient=seed_request.contact_email,
        template=kind,
        context=context,
        idempotency_key=f"seed_request:{seed_request.pk}:{kind}",
        related_object=seed_request,
    )


def _loans(seed_request: SeedRequest) -> list[Loan]:
    return list(seed_request.loans.select_related("variety", "lot"))


def seed_request_received(seed_request: SeedRequest, *, patron: Patron, loans: list[Loan]) -> None:
    """What we are getting ready, how long they will wait once ready, and the link to cancel."""
    _queue(seed_request, "seed_request_received", _context(seed_request, patron=patron, loans=loans))


def seed_request_ready(seed_request: SeedRequest) -> None:
    """The packets are packed and waiting at the branch until the hold date."""
    context = _context(seed_request, patron=seed_request.patron, loans=_loans(seed_request))
    _queue(seed_request, "seed_request_ready", context)


def seed_request_expired(seed_request: SeedRequest) -> None:
    """Nobody came by the hold date: the packets went back on the shelf."""
    context = _context(seed_request, patron=seed_request.patron, loans=_loans(seed_request))
    _queue(seed_request, "seed_request_expired", context)
