"""Writes for the seed library: orientation, lending at the desk and online, returns and donations, tests, packing.

Every function runs in one transaction and raises ValidationError with a message for patrons or
staff and a stable code that names the reason (a dict keyed by form field where one field is at
fault); nothing is saved when it does. Tests and callers go by the code, so the wording may change.

Packets are scarce, so lending locks in one order everywhere: first the patron's row (their season's
limits are counted after it), then the Stock rows, by primary key. Two lenders therefore queue
instead of deadlocking, a patron never passes a limit and stock never goes below zero; the
database's CHECK on Stock is the last line.
"""

import datetime as dt
import re
from collections import Counter, defaultdict

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from makerlab.cards import card_number_normalise, validate_card_number
from makerlab.locking import locked
from makerlab.models import Branch, Patron
from makerlab.pagecache import bump
from makerlab.refusals import CardRecordRefusal
from makerlab.selectors import patron_by_card
from makerlab.services import NewPatron, patron_for_card
from makerlab.validators import validate_plain_text
from seedlibrary import notifications
from seedlibrary.models import GerminationTest, Loan, Lot, Orientation, SeedRequest, Stock, Variety
from seedlibrary.selectors import (
    lendable_lots,
    lot_passes_latest_test,
    patron_has_orientation,
    patron_season_usage,
    pickup_deadline,
    season_of,
)

MAX_PACKETS_ADDED = 500
MAX_SEEDS_TESTED = 1000
EARLIEST_HARVEST_YEAR = 1950


def _field_error(
    field: str, message: str, code: str, *, refusal: type[ValidationError] = ValidationError
) -> ValidationError:
    return refusal({field: ValidationError(message, code=code)})


def _plain(field: str, value: str, *, max_length: int) -> str:
    """Strip ``value`` and check it is plain text that fits; errors name ``field``."""
    value = (value or "").strip()
    try:
        validate_plain_text(value)
    except ValidationError as error:
        raise _field_error(field, error.messages[0], error.code) from None
    if len(value) > max_length:
        raise _field_error(field, f"Keep this to {max_length} characters or fewer (it has {len(value)}).", "too_long")
    return value


def _card(card_number: str) -> str:
    card = card_number_normalise(card_number)
    try:
        validate_card_number(card)
    except ValidationError as error:
        raise _field_error("card_number", error.messages[0], error.code) from None
    return card


def _lock_patron(patron: Patron) -> Patron:
    return locked(Patron.objects.filter(pk=patron.pk)).get()


def _today(now: dt.datetime) -> dt.date:
    return timezone.localdate(now)


# Orientation


def orientation_record(
    *,
    card_number: str,
    first_name: str,
    last_name: str,
    email: str = "",
    by: AbstractBaseUser | None,
    on: dt.date,
) -> Orientation:
    """Record that the patron with this card completed the seed-saving orientation (once; again returns it).

    A card the library has not seen becomes a new patron with these details; a known patron's details stay.
    """
    card = _card(card_number)
    first_name = _plain("first_name", first_name, max_length=80)
    last_name = _plain("last_name", last_name, max_length=80)
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise _field_error("email", "Enter an email address like name@example.com.", "email_invalid") from None
    if on > timezone.localdate():
        raise _field_error("on", "The orientation date cannot be in the future.", "future")
    now = timezone.now()
    with transaction.atomic():
        patron = patron_for_card(card_number=card, now=now)
        if patron is None:
            if not first_name:
                raise _field_error("first_name", "Enter the patron's first name.", "first_name_missing")
            if not last_name:
                raise _field_error("last_name", "Enter the patron's last name.", "last_name_missing")
            new = NewPatron(first_name=first_name, last_name=last_name, email=email)
            patron = patron_for_card(card_number=card, now=now, new=new)
        orientation, _ = Orientation.objects.get_or_create(
            patron=patron, defaults={"completed_on": on, "source": Orientation.Source.STAFF, "recorded_by": by}
        )
        return orientation


def orientation_record_attended(
    *, patron_id: int, attended_on: dt.date, by: AbstractBaseUser | None = None
) -> Orientation | None:
    """The patron attended the orientation program: record it once. None when the patron no longer exists."""
    with transaction.atomic():
        patron = locked(Patron.objects.filter(pk=patron_id, anonymised_at__isnull=True)).first()
        if patron is None:
            return None
        orientation, _ = Orientation.objects.get_or_create(
            patron=patron,
            defaults={"completed_on": attended_on, "source": Orientation.Source.PROGRAM, "recorded_by": by},
        )
        return orientation


# Lending


def _check_may_borrow(patron: Patron) -> None:
    if settings.SEED_ORIENTATION_REQUIRED and not patron_has_orientation(patron):
        raise CardRecordRefusal(
            "Before borrowing seeds for the first time, please take the library's short seed-saving "
            "orientation. Ask at the library desk about the next one.",
            code="orientation_needed",
        )


def _check_limits(*, patron: Patron, season: int, varieties: list[Variety], field: str) -> None:
    """Refuse when the new packets (one per entry of ``varieties``) would pass the patron's season limits."""
    total, per_variety = patron_season_usage(patron=patron, season=season)
    _check_limits_after(
        total=total, per_variety=per_variety, varieties=varieties, field=field, refusal=CardRecordRefusal
    )


def _check_limits_after(
    *,
    total: int,
    per_variety: dict[int, int],
    varieties: list[Variety],
    field: str,
    refusal: type[ValidationError] = ValidationError,
) -> None:
    """The season limits, given the packets already counted this season (``total``, and per variety id)."""
    per_season = settings.SEED_PACKETS_PER_SEASON
    per_variety_limit = settings.SEED_PACKETS_PER_VARIETY
    for variety, wanted in Counter(varieties).items():
        if per_variety.get(variety.pk, 0) + wanted > per_variety_limit:
            already = per_variety.get(variety.pk, 0)
            plural = "packet" if per_variety_limit == 1 else "packets"
            detail = f" (already {already} this season)" if already else ""
            raise _field_error(
                field,
                f"{variety}: the limit is {per_variety_limit} {plural} of each variety per season{detail}.",
                code="variety_limit",
                refusal=refusal,
            )
    if total + len(varieties) > per_season:
        left = max(per_season - total, 0)
        raise _field_error(
            field,
            f"The limit is {per_season} packets per season. {left} more can be borrowed this season; "
            f"this asks for {len(varieties)}.",
            code="season_limit",
            refusal=refusal,
        )


def seed_request_basket_check(*, varieties: list[Variety]) -> None:
    """Whether packets of these varieties (one each) can go in one online request, before anyone says who asks.

    The request basket on the catalogue holds no card yet, so it is held to the season limits as if nothing
    was borrowed this season; ``seed_request_create`` counts the patron's season when the request is sent.
    """
    unpublished = [variety for variety in varieties if not variety.is_published]
    if unpublished:
        raise _field_error("varieties", f"{unpublished[0]} is not in the catalogue.", code="not_published")
    try:
        _check_limits_after(total=0, per_variety={}, varieties=varieties, field="varieties")
    except ValidationError as error:
        if error.error_dict["varieties"][0].code != "season_limit":
            raise
        raise _field_error(
            "varieties",
            f"Your request can hold up to {settings.SEED_PACKETS_PER_SEASON} packets, the most one card may "
            "borrow in a season. Remove one to make room for another.",
            code="season_limit",
        ) from None


def _lock_stock(*, lot_ids: list[int], branch: Branch) -> dict[int, Stock]:
    """The Stock rows of these lots at the branch, locked in primary-key order; keyed by lot id."""
    rows = locked(Stock.objects.filter(lot_id__in=lot_ids, branch=branch))
    return {stock.lot_id: stock for stock in rows}


def _none_left(variety: Variety, branch: Branch) -> str:
    return f"No packets of {variety} are left at {branch.name}."


def _take_one_packet_each(stocks: list[Stock]) -> None:
    taken = Stock.objects.filter(pk__in=[stock.pk for stock in stocks], packets__gte=1).update(packets=F("packets") - 1)
    if taken != len(stocks):
        raise RuntimeError("Stock changed while it was locked.")


def _unique(items: list, *, field: str, message: str) -> list:
    if len({item.pk for item in items}) != len(items):
        raise _field_error(field, message, "chosen_twice")
    return items


def loan_create(*, patron: Patron, branch: Branch, lots: list[Lot], by: AbstractBaseUser | None, now: dt.datetime):
    """Lend one packet of each chosen lot at the desk: all of them or none."""
    if not lots:
        raise _field_error("lots", "Choose at least one packet to lend.", "nothing_chosen")
    _unique(lots, field="lots", message="The same lot is chosen twice; choose each lot once.")
    season = season_of(now)
    today = _today(now)
    with transaction.atomic():
        bump("seeds")
        patron = _lock_patron(patron)
        if patron.anonymised_at is not None:
            raise _field_error("card_number", "This library card is no longer in use.", "card_not_in_use")
        _check_may_borrow(patron)
        lot_ids = [lot.pk for lot in lots]
        lendable = {lot.pk: lot for lot in lendable_lots(today=today).filter(pk__in=lot_ids).select_related("variety")}
        for lot in lots:
            if lot.pk not in lendable:
                raise _field_error(
                    "lots",
                    f"Lot {lot.code} cannot be lent: it is not ready (quarantine, a germination test to pass, "
                    "past its viability, or retired).",
                    "lot_not_ready",
                )
        chosen = [lendable[pk] for pk in lot_ids]
        _check_limits(patron=patron, season=season, varieties=[lot.variety for lot in chosen], field="lots")
        stocks = _lock_stock(lot_ids=lot_ids, branch=branch)
        for lot in chosen:
            stock = stocks.get(lot.pk)
            if stock is None or stock.packets < 1:
                raise _field_error("lots", _none_left(lot.variety, branch), "none_left")
        _take_one_packet_each([stocks[lot.pk] for lot in chosen])
        loans = Loan.objects.bulk_create(
            Loan(
                patron=patron,
                variety=lot.variety,
                lot=lot,
                branch=branch,
                packets=1,
                season=season,
                status=Loan.Status.LENT,
                created_at=now,
                lent_at=now,
                lent_by=by,
            )
            for lot in chosen
        )
        Patron.objects.filter(pk=patron.pk).update(last_activity_at=now)
        return loans


def _best_lot_per_variety(
    *, varieties: list[Variety], branch: Branch, today: dt.date
) -> tuple[dict[int, Lot], dict[int, Stock]]:
    """For each variety, the lendable lot with a packet at the branch to lend first, and the locked stock.

    The oldest harvest goes first (it loses viability soonest), then the best germination rate.
    """
    candidates = list(
        lendable_lots(today=today)
        .filter(variety__in=varieties, stock__branch=branch, stock__packets__gte=1)
        .select_related("variety")
        .order_by("variety_id", "harvest_year", F("latest_rate").desc(), "pk")
    )
    stocks = _lock_stock(lot_ids=[lot.pk for lot in candidates], branch=branch)
    chosen: dict[int, Lot] = {}
    for lot in candidates:
        stock = stocks.get(lot.pk)
        if lot.variety_id not in chosen and stock is not None and stock.packets >= 1:
            chosen[lot.variety_id] = lot
    return chosen, stocks


def seed_request_create(
    *, card_number: str, email: str, branch: Branch, varieties: list[Variety], now: dt.datetime
) -> SeedRequest:
    """A patron asks online for packets to pick up: they are taken off the shelf now, for staff to pack.

    The pickup deadline only starts when staff set the packets aside (``seed_request_ready``); until then
    ``expires_at`` is how long an unfilled request keeps its packets, by the same rule from the request time.
    """
    if not settings.SEED_ONLINE_REQUESTS:
        raise ValidationError(
            "The seed library is not taking online requests right now. Please ask at the library.",
            code="online_requests_off",
        )
    card = _card(card_number)
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise _field_error("email", "Enter an email address like name@example.com.", "email_invalid") from None
    if not branch.is_active:
        raise _field_error("branch", "Choose a branch where seeds can be picked up.", "branch_not_open")
    if not varieties:
        raise _field_error("varieties", "Choose at least one seed packet.", "nothing_chosen")
    _unique(varieties, field="varieties", message="The same seed is chosen twice; choose each one once.")
    seed_request_basket_check(varieties=varieties)
    season = season_of(now)
    with transaction.atomic():
        bump("seeds")
        patron = patron_for_card(card_number=card, now=now)
        if patron is None:
            raise CardRecordRefusal(
                {
                    "card_number": ValidationError(
                        "We do not have this library card in the seed library yet. Please ask at the library: "
                        "staff will help you get started.",
                        code="card_unknown",
                    )
                }
            )
        _check_may_borrow(patron)
        _check_limits(patron=patron, season=season, varieties=varieties, field="varieties")
        chosen, stocks = _best_lot_per_variety(varieties=varieties, branch=branch, today=_today(now))
        for variety in varieties:
            if variety.pk not in chosen:
                raise _field_error("varieties", _none_left(variety, branch), "none_left")
        lots = [chosen[variety.pk] for variety in varieties]
        _take_one_packet_each([stocks[lot.pk] for lot in lots])
        seed_request = SeedRequest.objects.create(
            patron=patron,
            branch=branch,
            contact_email=email,
            created_at=now,
            expires_at=pickup_deadline(branch=branch, ready_at=now),
        )
        loans = Loan.objects.bulk_create(
            Loan(
                patron=patron,
                variety=lot.variety,
                lot=lot,
                branch=branch,
                request=seed_request,
                packets=1,
                season=season,
                status=Loan.Status.HELD,
                created_at=now,
            )
            for lot in lots
        )
        notifications.seed_request_received(seed_request, patron=patron, loans=loans)
        return seed_request


def _lock_request(seed_request: SeedRequest) -> SeedRequest:
    return locked(SeedRequest.objects.select_related("branch").filter(pk=seed_request.pk)).get()


def _closed_message(seed_request: SeedRequest) -> str:
    return {
        SeedRequest.Status.PICKED_UP: "This request was already picked up.",
        SeedRequest.Status.EXPIRED: "This request expired and its packets went back on the shelf.",
        SeedRequest.Status.CANCELLED: "This request was cancelled and its packets went back on the shelf.",
    }[seed_request.status]


def seed_request_ready(*, seed_request: SeedRequest, by: AbstractBaseUser | None, now: dt.datetime) -> SeedRequest:
    """Staff filled the request and set it aside: the patron is told, and the pickup deadline counts from now."""
    with transaction.atomic():
        seed_request = _lock_request(seed_request)
        if seed_request.status == SeedRequest.Status.READY:
            return seed_request
        if seed_request.status != SeedRequest.Status.REQUESTED:
            raise ValidationError(_closed_message(seed_request), code=seed_request.status)
        seed_request.status = SeedRequest.Status.READY
        seed_request.ready_at = now
        seed_request.expires_at = pickup_deadline(branch=seed_request.branch, ready_at=now)
        seed_request.handled_by = by
        seed_request.save(update_fields=["status", "ready_at", "expires_at", "handled_by"])
        notifications.seed_request_ready(seed_request)
        return seed_request


def seed_request_pick_up(*, seed_request: SeedRequest, by: AbstractBaseUser | None, now: dt.datetime) -> SeedRequest:
    """The patron collected the packets set aside: they are now lent."""
    with transaction.atomic():
        bump("seeds")
        seed_request = _lock_request(seed_request)
        if seed_request.status not in SeedRequest.OPEN:
            raise ValidationError(_closed_message(seed_request), code=seed_request.status)
        if now >= seed_request.expires_at:
            raise ValidationError(
                "This request is past its pickup date and its packets are going back on the shelf. "
                "Lend the packets at the desk instead.",
                code="past_pickup_date",
            )
        seed_request.loans.filter(status=Loan.Status.HELD).update(status=Loan.Status.LENT, lent_at=now, lent_by=by)
        seed_request.status = SeedRequest.Status.PICKED_UP
        seed_request.closed_at = now
        seed_request.handled_by = by
        seed_request.save(update_fields=["status", "closed_at", "handled_by"])
        Patron.objects.filter(pk=seed_request.patron_id).update(last_activity_at=now)
        return seed_request


def _release(seed_request: SeedRequest) -> None:
    """Put the request's held packets back on the shelf (the request is locked by the caller)."""
    held = list(seed_request.loans.filter(status=Loan.Status.HELD).order_by("pk"))
    packets_back: dict[int, int] = defaultdict(int)
    for loan in held:
        packets_back[loan.lot_id] += loan.packets
    stocks = _lock_stock(lot_ids=list(packets_back), branch=seed_request.branch)
    for lot_id, packets in packets_back.items():
        stock = stocks.get(lot_id)
        if stock is None:
            Stock.objects.create(lot_id=lot_id, branch=seed_request.branch, packets=packets)
        else:
            Stock.objects.filter(pk=stock.pk).update(packets=F("packets") + packets)
    Loan.objects.filter(pk__in=[loan.pk for loan in held]).update(status=Loan.Status.RELEASED)


def seed_request_cancel(
    *, seed_request: SeedRequest, by: AbstractBaseUser | None = None, now: dt.datetime
) -> SeedRequest:
    """The patron (from the emailed link) or staff cancel a request; its packets go back.

    Cancelling again, or cancelling a request that already expired, is harmless.
    """
    with transaction.atomic():
        bump("seeds")
        seed_request = _lock_request(seed_request)
        if seed_request.status in (SeedRequest.Status.CANCELLED, SeedRequest.Status.EXPIRED):
            return seed_request
        if seed_request.status == SeedRequest.Status.PICKED_UP:
            raise ValidationError(_closed_message(seed_request), code=seed_request.status)
        _release(seed_request)
        seed_request.status = SeedRequest.Status.CANCELLED
        seed_request.closed_at = now
        if by is not None:
            seed_request.handled_by = by
        seed_request.save(update_fields=["status", "closed_at", "handled_by"])
        return seed_request


def seed_requests_expire(*, now: dt.datetime) -> int:
    """Requests not picked up by their date: packets back on the shelf, the patron told. Returns how many.

    Each request is expired in its own transaction under its row lock, so a run that overlaps another,
    or a pickup at the same moment, never returns packets twice.
    """
    due = SeedRequest.objects.filter(status__in=SeedRequest.OPEN, expires_at__lte=now).order_by("expires_at", "pk")
    expired = 0
    for request_id in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            bump("seeds")
            seed_request = locked(
                SeedRequest.objects.select_related("branch").filter(
                    pk=request_id, status__in=SeedRequest.OPEN, expires_at__lte=now
                ),
                skip_locked=True,
            ).first()
            if seed_request is None:
                continue
            _release(seed_request)
            seed_request.status = SeedRequest.Status.EXPIRED
            seed_request.closed_at = now
            seed_request.save(update_fields=["status", "closed_at"])
            notifications.seed_request_expired(seed_request)
            expired += 1
    return expired


# Lots: donations, returns, quarantine, tests, packing


def _code_stem(variety: Variety, harvest_year: int) -> str:
    def letters(text: str, count: int) -> str:
        return re.sub(r"[^a-z0-9]", "", slugify(text))[:count].upper()

    parts = [letters(variety.common_name, 3) or "SEED", letters(variety.variety_name, 4), str(harvest_year)]
    return "-".join(part for part in parts if part)


def _next_code(stem: str) -> str:
    numbers = [
        int(code.rsplit("-", 1)[1])
        for code in Lot.objects.filter(code__regex=rf"^{re.escape(stem)}-[0-9]+$").values_list("code", flat=True)
    ]
    return f"{stem}-{max(numbers, default=0) + 1:03d}"


def lot_receive(
    *,
    variety: Variety,
    source: str,
    harvest_year: int,
    by: AbstractBaseUser | None,
    now: dt.datetime,
    donor_patron: Patron | None = None,
    donor_name: str = "",
    parent_lot: Lot | None = None,
    amount: str = "",
    grower_notes: str = "",
    isolation_respected: bool | None = None,
    may_have_crossed: bool = False,
) -> Lot:
    """Seed came in (a donation, a patron's return, the library's own harvest): a new lot, in quarantine.

    A lot grown from one of ours is the next generation of that lot.
    """
    if source not in Lot.Source.values:
        raise _field_error("source", "Choose where the seed came from.", "source_unknown")
    try:
        harvest_year = int(harvest_year)
    except (TypeError, ValueError):
        raise _field_error(
            "harvest_year", "Enter the harvest year as four digits, e.g. 2025.", "not_whole_number"
        ) from None
    if harvest_year > season_of(now):
        raise _field_error("harvest_year", "The harvest year cannot be in the future.", "future")
    if harvest_year < EARLIEST_HARVEST_YEAR:
        raise _field_error("harvest_year", f"Enter a harvest year from {EARLIEST_HARVEST_YEAR} on.", "too_old")
    donor_name = _plain("donor_name", donor_name, max_length=160)
    amount = _plain("amount", amount, max_length=80)
    grower_notes = _plain("grower_notes", grower_notes, max_length=4000)
    if parent_lot is not None and parent_lot.variety_id != variety.pk:
        raise _field_error(
            "parent_lot", f"Lot {parent_lot.code} is of another variety, not {variety}.", "parent_other_variety"
        )
    if source == Lot.Source.PATRON_RETURN and donor_patron is None:
        raise _field_error(
            "card_number", "A return needs the card of the patron who grew the seed.", "return_without_card"
        )
    if parent_lot is not None and source == Lot.Source.COMMERCIAL_DONATION:
        raise _field_error(
            "parent_lot",
            "A commercial donation was not grown from one of the library's lots.",
            "commercial_with_parent",
        )
    with transaction.atomic():
        bump("seeds")
        # One lot code at a time per variety: the variety's row is the lock.
        locked(Variety.objects.filter(pk=variety.pk)).first()
        stem = _code_stem(variety, harvest_year)
        lot = Lot(
            variety=variety,
            source=source,
            donor_patron=donor_patron,
            donor_name=donor_name,
            parent_lot=parent_lot,
            generation=parent_lot.generation + 1 if parent_lot is not None else 1,
            harvest_year=harvest_year,
            amount=amount,
            grower_notes=grower_notes,
            isolation_respected=isolation_respected,
            may_have_crossed=bool(may_have_crossed),
            status=Lot.Status.QUARANTINE,
            received_on=_today(now),
            received_by=by,
            created_at=now,
        )
        for _attempt in range(5):
            lot.code = _next_code(stem)
            try:
                with transaction.atomic():
                    lot.save(force_insert=True)
                break
            except IntegrityError:
                # Another variety with the same code stem took this number a moment ago.
                lot.pk = None
        else:
            raise RuntimeError(f"Could not find a free lot code for {stem}.")
        if donor_patron is not None:
            Patron.objects.filter(pk=donor_patron.pk).update(last_activity_at=now)
        return lot


def return_record(
    *,
    card_number: str,
    variety: Variety,
    parent_lot: Lot | None,
    harvest_year: int,
    by: AbstractBaseUser | None,
    now: dt.datetime,
    amount: str = "",
    grower_notes: str = "",
    isolation_respected: bool | None = None,
    may_have_crossed: bool = False,
) -> Lot:
    """A patron brought back seed they saved, grown from ``parent_lot`` where known."""
    card = _card(card_number)
    patron = patron_by_card(card_number=card)
    if patron is None:
        raise _field_error("card_number", "No patron has this library card. Check the number.", "card_unknown")
    return lot_receive(
        variety=variety,
        source=Lot.Source.PATRON_RETURN,
        harvest_year=harvest_year,
        by=by,
        now=now,
        donor_patron=patron,
        parent_lot=parent_lot,
        amount=amount,
        grower_notes=grower_notes,
        isolation_respected=isolation_respected,
        may_have_crossed=may_have_crossed,
    )


def _lock_lot(lot: Lot) -> Lot:
    return locked(Lot.objects.filter(pk=lot.pk)).get()


def quarantine_end(*, lot: Lot, by: AbstractBaseUser | None) -> Lot:
    """The lot's quarantine is over: it waits for a germination test."""
    with transaction.atomic():
        bump("seeds")
        lot = _lock_lot(lot)
        if lot.status != Lot.Status.QUARANTINE:
            raise ValidationError(
                f"Lot {lot.code} is not in quarantine (it is: {lot.get_status_display()}).", code="not_in_quarantine"
            )
        lot.status = Lot.Status.TEST_PENDING
        lot.save(update_fields=["status"])
        return lot


def germination_record(
    *,
    lot: Lot,
    started_on: dt.date,
    counted_on: dt.date,
    seeds_tested: int,
    seeds_sprouted: int,
    by: AbstractBaseUser | None,
    notes: str = "",
) -> GerminationTest:
    """Record a germination test. The lot is lendable exactly when its latest test passes and it is still viable."""
    try:
        seeds_tested, seeds_sprouted = int(seeds_tested), int(seeds_sprouted)
    except (TypeError, ValueError):
        raise ValidationError(
            "Enter the numbers of seeds tested and sprouted as whole numbers.", code="not_whole_number"
        ) from None
    if not 1 <= seeds_tested <= MAX_SEEDS_TESTED:
        raise _field_error("seeds_tested", f"Test between 1 and {MAX_SEEDS_TESTED} seeds.", "out_of_range")
    if seeds_sprouted < 0:
        raise _field_error("seeds_sprouted", "The number of seeds that sprouted cannot be negative.", "negative")
    if seeds_sprouted > seeds_tested:
        raise _field_error("seeds_sprouted", "More seeds cannot sprout than were tested.", "more_than_tested")
    today = timezone.localdate()
    if counted_on < started_on:
        raise _field_error("counted_on", "The count must be on or after the day the test started.", "before_start")
    if counted_on > today:
        raise _field_error("counted_on", "The count date cannot be in the future.", "future")
    notes = _plain("notes", notes, max_length=250)
    with transaction.atomic():
        bump("seeds")
        lot = _lock_lot(lot)
        if lot.status == Lot.Status.QUARANTINE:
            raise ValidationError(
                f"Lot {lot.code} is still in quarantine. End the quarantine before testing it.", code="in_quarantine"
            )
        if lot.status == Lot.Status.RETIRED:
            raise ValidationError(f"Lot {lot.code} is retired.", code="retired")
        test = GerminationTest.objects.create(
            lot=lot,
            started_on=started_on,
            counted_on=counted_on,
            seeds_tested=seeds_tested,
            seeds_sprouted=seeds_sprouted,
            notes=notes,
            recorded_by=by,
        )
        passes = lot_passes_latest_test(lot, today=today)
        lot.status = Lot.Status.AVAILABLE if passes else Lot.Status.TEST_PENDING
        lot.save(update_fields=["status"])
        return test


def packets_add(*, lot: Lot, branch: Branch, packets: int, by: AbstractBaseUser | None) -> Stock:
    """Put newly packed packets of an available lot on the shelf at a branch."""
    try:
        packets = int(packets)
    except (TypeError, ValueError):
        raise _field_error("packets", "Enter the number of packets as a whole number.", "not_whole_number") from None
    if packets < 1:
        raise _field_error("packets", "Add at least one packet.", "too_few")
    if packets > MAX_PACKETS_ADDED:
        raise _field_error("packets", f"Add at most {MAX_PACKETS_ADDED} packets at a time.", "too_many")
    with transaction.atomic():
        bump("seeds")
        lot = _lock_lot(lot)
        if lot.status != Lot.Status.AVAILABLE:
            raise ValidationError(
                f"Lot {lot.code} is not available ({lot.get_status_display().lower()}): "
                "only lots that passed their germination test are packed.",
                code="not_available",
            )
        stock, _ = locked(Stock.objects.all()).get_or_create(lot=lot, branch=branch)
        Stock.objects.filter(pk=stock.pk).update(packets=F("packets") + packets)
        stock.refresh_from_db()
        return stock


def lot_retire(*, lot: Lot, by: AbstractBaseUser | None) -> Lot:
    """Take a lot out of lending for good (used up, too old, failed). Retiring again is harmless."""
    with transaction.atomic():
        bump("seeds")
        lot = _lock_lot(lot)
        if lot.status != Lot.Status.RETIRED:
            lot.status = Lot.Status.RETIRED
            lot.save(update_fields=["status"])
        return lot
