"""Demo seed library for the Central Library: about 80 varieties that do well in Southwestern Ontario,
their plant families, lots from donors, the library's garden and patrons' returns (with lineage),
germination tests, packets on the shelf, orientations, two seasons of lending, a few online requests
waiting at the desk, and this fall's returns on their way through quarantine and testing.

Called by ``manage.py load_demo`` after the programs demo (it needs the demo patrons). Rows are made
directly, not through the services, so the demo loads in a second and sends no email; the result is
what the services would have left: every packet lent or set aside was taken off the shelf, nobody is
over a limit, and only lendable lots were lent.

Safe to run again: families and varieties are matched by name and slug, and the lots, lending and
requests are only made when the library has no lots yet.
"""

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

import tablib
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.text import slugify

from makerlab.demo import DemoContext
from makerlab.models import Branch, Patron
from seedlibrary.models import (
    Category,
    GerminationTest,
    Loan,
    Lot,
    Orientation,
    PlantFamily,
    SeedRequest,
    Stock,
    Variety,
)
from seedlibrary.resources import VarietyResource
from seedlibrary.selectors import pickup_deadline

# The catalogue in the admin's import format (Seed library > Varieties > Import), one row per variety.
DEMO_VARIETIES = Path(__file__).with_name("demo_varieties.csv")

SEED_COMPANY = "Talbot Trail Seed Co."
SEED_SAVERS = "Elgin Seed Savers"
GARDEN = "Central Library teaching garden"

# Botanical name, common name, years seed stays viable (common seed-saving references).
FAMILIES = [
    ("Solanaceae", "Nightshade family", 4),
    ("Fabaceae", "Pea and bean family", 3),
    ("Asteraceae", "Daisy family", 5),
    ("Cucurbitaceae", "Squash family", 5),
    ("Brassicaceae", "Cabbage family", 4),
    ("Apiaceae", "Carrot family", 3),
    ("Amaranthaceae", "Beet and spinach family", 4),
    ("Amaryllidaceae", "Onion family", 2),
    ("Poaceae", "Grass family", 2),
    ("Lamiaceae", "Mint family", 5),
    ("Boraginaceae", "Borage family", 3),
    ("Tropaeolaceae", "Nasturtium family", 5),
    ("Apocynaceae", "Dogbane and milkweed family", 3),
    ("Ranunculaceae", "Buttercup family", 3),
    ("Verbenaceae", "Vervain family", 3),
    ("Plantaginaceae", "Plantain family", 3),
    ("Campanulaceae", "Bellflower family", 3),
]

# Varieties the library started with a season earlier: borrowed then, and some came back as generation 2.
FIRST_COLLECTION = {
    "Tomato 'Brandywine'",
    "Tomato 'Cherokee Purple'",
    "Tomato 'Amish Paste'",
    "Tomato 'Matt's Wild Cherry'",
    "Bean 'Provider'",
    "Bean 'Dragon Tongue'",
    "Bean 'Jacob's Cattle'",
    "Pea 'Green Arrow'",
    "Pea 'Tall Telephone'",
    "Lettuce 'Black Seeded Simpson'",
    "Lettuce 'Red Sails'",
    "Common milkweed",
    "Black-eyed Susan",
    "Sunflower 'Mammoth Grey Stripe'",
}
# Grown in the library's teaching garden from its first lots.
GARDEN_GROWN = {"Tomato 'Brandywine'", "Bean 'Provider'", "Lettuce 'Black Seeded Simpson'", "Common milkweed"}


@dataclass
class SeedDemoSummary:
    varieties: int = 0
    lots: int = 0
    orientations: int = 0
    loans: int = 0
    requests: int = 0
    returns: int = 0


def seedlibrary_demo_step(context: DemoContext) -> str:
    """The step ``load_demo`` runs (registered in SeedlibraryConfig)."""
    made = seedlibrary_demo_load(branch=context.branch, now=context.now, scale=context.scale, rng=context.rng)
    return (
        f"{made.varieties} seed varieties, {made.lots} lots, {made.orientations} seed orientations, "
        f"{made.loans} packets lent, {made.returns} returns and {made.requests} online requests"
    )


def seedlibrary_demo_load(
    *, branch: Branch, now: dt.datetime, scale: int = 1, rng: random.Random | None = None
) -> SeedDemoSummary:
    rng = rng or random.Random(2026)  # noqa: S311 -- demo data, repeatable on purpose
    _families()
    varieties = _varieties()
    summary = SeedDemoSummary(varieties=len(varieties))
    patrons = list(Patron.objects.filter(anonymised_at__isnull=True).order_by("pk")[: 40 * scale])
    if Lot.objects.exists() or not patrons:
        return summary
    _History(branch=branch, now=now, rng=rng, varieties=varieties, patrons=patrons, summary=summary).build()
    return summary


def _families() -> None:
    for name, common_name, years in FAMILIES:
        PlantFamily.objects.get_or_create(name=name, defaults={"common_name": common_name, "viability_years": years})


def _varieties() -> list[Variety]:
    """The catalogue from ``demo_varieties.csv``, through the admin's import: a variety already there is kept
    as it is (the coordinator may have edited it), the others are added in the file's order."""
    existing = set(Variety.objects.values_list("slug", flat=True))
    with DEMO_VARIETIES.open(encoding="utf-8", newline="") as file:
        catalogue = tablib.Dataset().load(file.read(), format="csv")
    missing = tablib.Dataset(headers=catalogue.headers)
    for row in catalogue.dict:
        if row["slug"] not in existing:
            missing.append([row[header] for header in catalogue.headers])
    result = VarietyResource().import_data(missing, raise_errors=True)
    if result.has_validation_errors():
        invalid = "; ".join(f"row {row.number}: {row.error_dict}" for row in result.invalid_rows)
        raise ValueError(f"{DEMO_VARIETIES.name} does not import cleanly: {invalid}")
    return list(Variety.objects.select_related("family").order_by("pk"))


def _code_part(text: str, length: int) -> str:
    letters = "".join(char for char in slugify(text).upper() if char.isalnum())
    return letters[:length]


def _aware(day: dt.date, hour: int = 11) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_default_timezone())


class _History:
    """The lots, tests, shelf, orientations, lending and returns, built in memory and saved in bulk."""

    def __init__(self, *, branch, now, rng, varieties, patrons, summary) -> None:
        self.branch = branch
        self.now = now
        self.today = timezone.localtime(now).date()
        # The latest season with its spring lending behind it; the one before it started the collection.
        self.season = self.today.year if self.today.month >= 7 else self.today.year - 1
        self.rng = rng
        self.varieties = varieties
        self.by_name = {str(variety): variety for variety in varieties}
        self.patrons = patrons
        self.summary = summary
        self.staff = User.objects.filter(username="assistant").first()
        self.sequence: dict[str, int] = {}
        self.lots: list[Lot] = []
        self.tests: list[GerminationTest] = []
        self.lent: dict[int, int] = {}  # lot index -> packets lent or set aside
        self.loans: list[tuple[int, Loan]] = []  # (lot index, loan)

    def build(self) -> None:
        first, current = self._collection()
        oriented = self._orientations()
        self._lend(oriented, first, season=self.season - 1, months=(3, 6), per_patron=(1, 4), share=0.5)
        returns = self._returns_of_first_season(first)
        current_pool = {variety_id: lots + returns.get(variety_id, []) for variety_id, lots in current.items()}
        self._lend(oriented, current_pool, season=self.season, months=(2, 6), per_patron=(2, 8), share=0.85)
        self._this_falls_returns(current)
        if not any(lot.status == Lot.Status.QUARANTINE for lot in self.lots):
            self._fresh_donation()
        requests = self._requests(oriented, current_pool)
        self._save(requests)

    def _lot(self, variety: Variety, *, year: int, received: dt.date, **fields) -> int:
        parts = [_code_part(variety.common_name, 3), _code_part(variety.variety_name, 4), str(year)]
        key = "-".join(part for part in parts if part)
        self.sequence[key] = self.sequence.get(key, 0) + 1
        lot = Lot(
            variety=variety,
            code=f"{key}-{self.sequence[key]:03d}",
            harvest_year=year,
            received_on=received,
            received_by=self.staff,
            created_at=_aware(received),
            **fields,
        )
        self.lots.append(lot)
        return len(self.lots) - 1

    def _test(self, index: int, *, counted: dt.date, tested: int = 20, sprouted: int | None = None) -> None:
        sprouted = sprouted if sprouted is not None else self.rng.randint(15, 20)
        self.tests.append(
            GerminationTest(
                lot=self.lots[index],
                started_on=counted - dt.timedelta(days=10),
                counted_on=counted,
                seeds_tested=tested,
                seeds_sprouted=sprouted,
                recorded_by=self.staff,
            )
        )

    def _collection(self) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
        """The first lots (two seasons ago) and this season's, each tested before it was lent."""
        rng, season = self.rng, self.season
        first: dict[int, list[int]] = {}
        current: dict[int, list[int]] = {}
        for variety in self.varieties:
            name = str(variety)
            if name in FIRST_COLLECTION:
                index = self._lot(
                    variety,
                    year=season - 2,
                    received=dt.date(season - 1, 1, 12),
                    source=Lot.Source.COMMERCIAL_DONATION,
                    donor_name=SEED_COMPANY,
                    amount="1 commercial packet box",
                    status=Lot.Status.AVAILABLE,
                )
                self._test(index, counted=dt.date(season - 1, 2, 2))
                first[variety.pk] = [index]
            if variety.common_name == "Onion":
                # Kept past its viability: it stays on the shelf list until someone retires it, but is never lent.
                index = self._lot(
                    variety,
                    year=season - 3,
                    received=dt.date(season - 2, 11, 20),
                    source=Lot.Source.PATRON_DONATION,
                    donor_name=SEED_SAVERS,
                    amount="1 envelope",
                    status=Lot.Status.AVAILABLE,
                )
                self._test(index, counted=dt.date(season - 2, 12, 10))
                continue
            from_group = variety.category == Category.NATIVE or rng.random() < 0.3
            index = self._lot(
                variety,
                year=season - 1,
                received=dt.date(season - 1, 11, rng.randint(3, 28)) if from_group else dt.date(season, 1, 15),
                source=Lot.Source.PATRON_DONATION if from_group else Lot.Source.COMMERCIAL_DONATION,
                donor_name=SEED_SAVERS if from_group else SEED_COMPANY,
                amount="Envelopes from the fall seed swap" if from_group else "Seed in bulk, about 500 seeds",
                status=Lot.Status.AVAILABLE,
            )
            if name == "Pepper 'Jimmy Nardello'":
                # Failed its germination test: it waits for a retest and is not lent.
                self.lots[index].status = Lot.Status.TEST_PENDING
                self._test(index, counted=dt.date(season, 1, 30), sprouted=9)
                continue
            self._test(index, counted=dt.date(season, 1, 30))
            current[variety.pk] = [index]
            if name in GARDEN_GROWN:
                garden = self._lot(
                    variety,
                    year=season - 1,
                    received=dt.date(season - 1, 10, 1),
                    source=Lot.Source.LIBRARY_GROWN,
                    donor_name=GARDEN,
                    parent_lot=self.lots[first[variety.pk][0]],
                    generation=2,
                    amount="Grown in the teaching garden",
                    isolation_respected=True,
                    status=Lot.Status.AVAILABLE,
                )
                self._test(garden, counted=dt.date(season - 1, 11, 20))
                current[variety.pk].append(garden)
        return first, current

    def _orientations(self) -> list[Patron]:
        oriented = [patron for index, patron in enumerate(self.patrons) if index % 5 != 4]
        existing = set(Orientation.objects.filter(patron__in=oriented).values_list("patron_id", flat=True))
        start = dt.date(self.season - 1, 2, 1)
        new = []
        for patron in oriented:
            if patron.pk in existing:
                continue
            new.append(
                Orientation(
                    patron=patron,
                    completed_on=start + dt.timedelta(days=self.rng.randint(0, 60)),
                    source=self.rng.choice([Orientation.Source.STAFF, Orientation.Source.PROGRAM]),
                    recorded_by=self.staff,
                )
            )
        Orientation.objects.bulk_create(new)
        self.summary.orientations = len(new)
        return oriented

    def _lend(self, oriented, pool: dict[int, list[int]], *, season, months, per_patron, share) -> None:
        """Each borrower takes some varieties, one packet each, within the season's limits."""
        rng = self.rng
        limit = min(settings.SEED_PACKETS_PER_SEASON, per_patron[1])
        first_day = dt.date(season, months[0], 1)
        last_day = min(dt.date(season, months[1], 28), self.today - dt.timedelta(days=1))
        if last_day < first_day:
            return
        variety_ids = sorted(pool)
        for patron in oriented:
            if rng.random() > share:
                continue
            visit = first_day + dt.timedelta(days=rng.randint(0, (last_day - first_day).days))
            for variety_id in rng.sample(variety_ids, k=min(len(variety_ids), rng.randint(per_patron[0], limit))):
                index = rng.choice(pool[variety_id])
                self._loan(index, patron, season=season, at=_aware(visit, rng.randint(10, 19)), status=Loan.Status.LENT)

    def _loan(self, index: int, patron: Patron, *, season: int, at: dt.datetime, status: str, request=None) -> None:
        lot = self.lots[index]
        self.lent[index] = self.lent.get(index, 0) + 1
        loan = Loan(
            patron=patron,
            variety=lot.variety,
            lot=lot,
            branch=self.branch,
            request=request,
            packets=1,
            season=season,
            status=status,
            created_at=at,
            lent_at=at if status == Loan.Status.LENT else None,
            lent_by=self.staff if status == Loan.Status.LENT else None,
        )
        self.loans.append((index, loan))

    def _returns_of_first_season(self, first: dict[int, list[int]]) -> dict[int, list[int]]:
        """About a third of the first season's borrowers brought seed back that fall: generation 2, now lendable."""
        returns: dict[int, list[int]] = {}
        season = self.season - 1
        for index, loan in list(self.loans):
            if loan.season != season or self.rng.random() > 0.35:
                continue
            parent = self.lots[index]
            returned = self._lot(
                parent.variety,
                year=season,
                received=dt.date(season, 9, 15) + dt.timedelta(days=self.rng.randint(0, 60)),
                source=Lot.Source.PATRON_RETURN,
                donor_patron=loan.patron,
                parent_lot=parent,
                generation=parent.generation + 1,
                amount=self.rng.choice(["1 envelope", "2 envelopes", "A film canister, about 100 seeds"]),
                grower_notes=self.rng.choice(
                    ["Grew in a raised bed, lots of fruit.", "Saved from the three best plants.", ""]
                ),
                isolation_respected=True,
                status=Lot.Status.AVAILABLE,
            )
            self._test(returned, counted=dt.date(season, 12, 10))
            returns.setdefault(parent.variety_id, []).append(returned)
            self.summary.returns += 1
        return returns

    def _this_falls_returns(self, current: dict[int, list[int]]) -> None:
        """Seed back from this season's borrowers, still in quarantine or waiting for a test."""
        season = self.season
        first_day = dt.date(season, 9, 10)
        if self.today <= first_day:
            return
        candidates = [(index, loan) for index, loan in self.loans if loan.season == season]
        for number, (index, loan) in enumerate(self.rng.sample(candidates, k=min(6, len(candidates)))):
            parent = self.lots[index]
            received = first_day + dt.timedelta(days=self.rng.randint(0, (self.today - first_day).days))
            if number == 0:
                received = self.today - dt.timedelta(days=3)
            if number == 2:
                received = first_day
            returned = self._lot(
                parent.variety,
                year=season,
                received=received,
                source=Lot.Source.PATRON_RETURN,
                donor_patron=loan.patron,
                parent_lot=parent,
                generation=parent.generation + 1,
                amount="1 envelope",
                grower_notes="Grew next to a neighbour's garden." if number == 1 else "",
                isolation_respected=number != 1,
                may_have_crossed=number == 1,
                status=Lot.Status.QUARANTINE if number == 0 else Lot.Status.TEST_PENDING,
            )
            if number == 2 and received + dt.timedelta(days=11) <= self.today:
                # Sprouted poorly: it waits for a second test before it is packed.
                self._test(returned, counted=received + dt.timedelta(days=11), sprouted=8)
            self.summary.returns += 1

    def _fresh_donation(self) -> None:
        """Before this fall's returns come in, a seed swap's envelopes wait in quarantine."""
        variety = self.by_name["Wild bergamot"]
        self._lot(
            variety,
            year=self.today.year - 1,
            received=self.today - dt.timedelta(days=3),
            source=Lot.Source.PATRON_DONATION,
            donor_name=SEED_SAVERS,
            amount="Envelopes from the spring seed swap",
            status=Lot.Status.QUARANTINE,
        )

    def _requests(self, oriented, pool: dict[int, list[int]]) -> list[tuple[SeedRequest, list[int]]]:
        """Three online requests waiting for pickup; the last one is already set aside."""
        season = timezone.localtime(self.now).year
        borrowed: dict[int, set[int]] = {}
        for _, loan in self.loans:
            if loan.season == season:
                borrowed.setdefault(loan.patron_id, set()).add(loan.variety_id)
        made = []
        asking = [patron for patron in oriented if len(borrowed.get(patron.pk, ())) <= 5][:3]
        for number, patron in enumerate(asking):
            created = self.now - dt.timedelta(days=3 - number, hours=2)
            ready = number == len(asking) - 1
            ready_at = created + dt.timedelta(hours=20) if ready else None
            request = SeedRequest(
                patron=patron,
                branch=self.branch,
                contact_email=patron.email,
                status=SeedRequest.Status.READY if ready else SeedRequest.Status.REQUESTED,
                created_at=created,
                ready_at=ready_at,
                expires_at=pickup_deadline(branch=self.branch, ready_at=ready_at or created),
                handled_by=self.staff if ready else None,
            )
            choices = [variety_id for variety_id in sorted(pool) if variety_id not in borrowed.get(patron.pk, ())]
            indexes = [pool[variety_id][0] for variety_id in self.rng.sample(choices, k=3)]
            for index in indexes:
                self._loan(index, patron, season=season, at=created, status=Loan.Status.HELD, request=request)
            made.append((request, indexes))
        return made

    def _save(self, requests: list[tuple[SeedRequest, list[int]]]) -> None:
        for generation in sorted({lot.generation for lot in self.lots}):  # parents before their offspring
            Lot.objects.bulk_create([lot for lot in self.lots if lot.generation == generation])
        GerminationTest.objects.bulk_create(self.tests)
        stock = []
        for index, lot in enumerate(self.lots):
            lent = self.lent.get(index, 0)
            if lot.status != Lot.Status.AVAILABLE and not lent:
                continue
            if lot.generation == 1:
                left = self.rng.choice([0, 3, 6, 8, 10, 12, 15, 18, 20, 25])
            else:
                left = self.rng.randint(2, 10)
            stock.append(Stock(lot=lot, branch=self.branch, packets=left))
        Stock.objects.bulk_create(stock)
        SeedRequest.objects.bulk_create([request for request, _ in requests])
        Loan.objects.bulk_create([loan for _, loan in self.loans], batch_size=1000)
        self.summary.lots = len(self.lots)
        self.summary.loans = sum(1 for _, loan in self.loans if loan.status == Loan.Status.LENT)
        self.summary.requests = len(requests)
