"""Reads for "My Maker Lab": find a patron by card and email, and gather everything of theirs in one place.

Each app's own selectors read its rows; this app only puts them side by side, so the page costs the same
number of queries however many bookings, registrations or packets a patron has.
"""

import datetime as dt
import enum
from dataclasses import dataclass

from django.utils import timezone

from bookings.models import Booking, Training
from bookings.selectors import patron_booked_with_email, patron_bookings, patron_trainings
from makerlab.links import manage_link_open
from makerlab.models import Patron
from makerlab.selectors import patron_by_card
from mylab.models import SignInLink, token_digest
from programs.models import Registration
from programs.selectors import patron_registered_with_email, patron_registrations
from seedlibrary.models import Loan, Orientation, SeedRequest
from seedlibrary.selectors import (
    patron_desk_loans,
    patron_requested_seeds_with_email,
    patron_seed_orientation,
    patron_seed_requests,
    season_of,
)


def patron_by_card_and_email(*, card_number: str, email: str) -> Patron | None:
    """The patron with ``card_number`` whose email on file, or given with a booking, registration or seed
    request, is ``email`` in any letter case; None otherwise."""
    patron = patron_by_card(card_number=card_number)
    if patron is None or not email:
        return None
    if patron.email and patron.email.casefold() == email.casefold():
        return patron
    if (
        patron_booked_with_email(patron=patron, email=email)
        or patron_registered_with_email(patron=patron, email=email)
        or patron_requested_seeds_with_email(patron=patron, email=email)
    ):
        return patron
    return None


class SignInRefusal(enum.StrEnum):
    """Why a sign-in link does not open the page."""

    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


def sign_in_link_refusal(*, link: SignInLink | None, now: dt.datetime) -> SignInRefusal | None:
    """Why ``link`` cannot open the page now, or None when it can."""
    if link is None or link.patron.anonymised_at is not None:
        return SignInRefusal.UNKNOWN
    if link.used_at is not None:
        return SignInRefusal.USED
    if link.expires_at <= now:
        return SignInRefusal.EXPIRED
    return None


def sign_in_link_by_token(*, token: str) -> SignInLink | None:
    return SignInLink.objects.select_related("patron").filter(token_digest=token_digest(token)).first()


def patron_signed_in(*, patron_id: int) -> Patron | None:
    return Patron.objects.filter(pk=patron_id, anonymised_at__isnull=True).first()


@dataclass(frozen=True)
class MyLab:
    """Everything of one patron's, split the way the page shows it."""

    upcoming_bookings: list[Booking]
    past_bookings: list[Booking]
    current_registrations: list[Registration]
    past_registrations: list[Registration]
    season: int
    seed_requests: list[SeedRequest]
    desk_loans: list[Loan]
    trainings: list[Training]
    seed_orientation: Orientation | None

    @property
    def is_empty(self) -> bool:
        return not (
            self.upcoming_bookings
            or self.past_bookings
            or self.current_registrations
            or self.past_registrations
            or self.seed_requests
            or self.desk_loans
            or self.trainings
            or self.seed_orientation
        )


def my_lab(*, patron: Patron, now: dt.datetime | None = None) -> MyLab:
    """The patron's bookings, registrations, seed requests and loans this season, and trainings."""
    now = now or timezone.now()
    bookings = patron_bookings(patron=patron)
    upcoming = [b for b in bookings if b.ends_at > now and b.status == Booking.Status.BOOKED]
    registrations = patron_registrations(patron=patron)
    current = [
        r for r in registrations if r.status in Registration.ACTIVE and (r.last_ends_at is None or r.last_ends_at > now)
    ]
    season = season_of(now)
    seed_requests = patron_seed_requests(patron=patron, season=season)
    # Each private link is offered only while it works (MANAGE_LINK_DAYS after what it is about ended).
    for booking in bookings:
        booking.link_open = manage_link_open(ended_at=booking.ends_at, now=now)
    for registration in registrations:
        registration.link_open = manage_link_open(ended_at=registration.last_ends_at, now=now)
    for seed_request in seed_requests:
        seed_request.link_open = manage_link_open(ended_at=seed_request.ended_at, now=now)
    return MyLab(
        upcoming_bookings=upcoming,
        past_bookings=[b for b in reversed(bookings) if b not in upcoming],
        current_registrations=current,
        past_registrations=[r for r in reversed(registrations) if r not in current],
        season=season,
        seed_requests=seed_requests,
        desk_loans=patron_desk_loans(patron=patron, season=season),
        trainings=patron_trainings(patron=patron),
        seed_orientation=patron_seed_orientation(patron=patron),
    )
