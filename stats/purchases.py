"""Purchase recommendations: patrons' suggestions, the evidence of unmet need gathered from every app, and the
recommendations the coordinator writes for the manager.

The evidence is read in SQL, each kind in one or a few queries whatever the amount of data, and reuses the
monthly report's own selectors where they already count something (machine use, seeds out of stock).
"""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, IntegerField, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from bookings.models import Booking, NotifyRequest, ServiceType, UnmetDemand
from bookings.selectors import equipment_use
from makerlab.formatting import count_text, day_text
from makerlab.locking import locked
from makerlab.pdf import html_to_pdf
from makerlab.services import notification_queue
from programs.models import Category, Registration, Session
from seedlibrary.selectors import seed_figures
from stats.figures import BUSY_EQUIPMENT_PERCENT
from stats.models import (
    MAX_RECOMMENDATION_COST,
    PurchaseRecommendation,
    PurchaseSuggestion,
    SuggestionKind,
    SurveyKind,
    SurveyResponse,
)

# Bookings, waits and machine use are read over this many days; comments and suggestions, which come more
# slowly, over a year.
DEMAND_DAYS = 90
VOICE_DAYS = 365
ROWS_PER_SECTION = 10
CANDIDATES_SHOWN = 10
MAX_EVIDENCE_CHOSEN = 12
MAX_COST = Decimal(MAX_RECOMMENDATION_COST)
MAX_REASON_PARAGRAPHS = 10
KIND_MISSING = "Choose what kind of thing it is."
WHY_MISSING = "Say in a few words how it would help."
SUGGESTION_ANSWER_KIND = "purchase_suggestion_answer"

# Survey comments are sorted into topics by the words they use: a comment may name more than one topic.
SURVEY_TOPICS: dict[str, tuple[str, tuple[str, ...]]] = {
    "printing": ("3D printing", ("3d", "printer", "printers", "printing", "filament")),
    "laser": ("Laser cutting and engraving", ("laser", "engrav")),
    "textiles": ("Sewing, vinyl and textiles", ("sew", "embroider", "fabric", "cricut", "vinyl", "quilt")),
    "electronics": ("Electronics and robotics", ("arduino", "solder", "electronic", "raspberry", "robot", "circuit")),
    "software": ("Computers and software", ("software", "computer", "laptop", "adobe", "photoshop", "program")),
    "media": ("Audio, video and photos", ("podcast", "video", "recording", "camera", "microphone", "photo")),
    "seeds": ("Seeds and gardening", ("seed", "garden", "plant", "grow")),
    "more_time": ("More times, longer sessions", ("more time", "more session", "longer", "evening", "weekend")),
}


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    scored_by: str


SECTIONS = (
    Section(
        "unmet",
        "1-on-1 services with no free time",
        "one point each time a patron found no free time or asked to be told when one opens",
    ),
    Section(
        "waitlists", "Program waitlists, by category", "one point for each place waiting on a program still to come"
    ),
    Section(
        "machines",
        "Machines: how full they are booked, and hours used",
        f"for a machine booked more than "
        f"{BUSY_EQUIPMENT_PERCENT}% of its open hours, one point for each percent above {BUSY_EQUIPMENT_PERCENT}",
    ),
    Section(
        "training",
        "Training: orientations booked and waits",
        "one point each time a patron found no free orientation or asked to be told when one opens",
    ),
    Section("seeds", "Seed varieties out of stock", "one point for each packet of the variety lent last season"),
    Section("survey", "Survey comments, by topic", "one point for each survey answer that mentions the topic"),
    Section("suggestions", "Patron suggestions", "one point for each patron who suggested it"),
)
SECTIONS_BY_KEY = {section.key: section for section in SECTIONS}


@dataclass(frozen=True)
class EvidenceRow:
    key: str
    section: str
    label: str
    detail: str
    score: int

    @property
    def section_title(self) -> str:
        return SECTIONS_BY_KEY[self.section].title

    def snapshot(self) -> dict:
        return {"section": self.section_title, "label": self.label, "detail": self.detail, "score": self.score}


@dataclass(frozen=True)
class Evidence:
    since: dt.date
    voice_since: dt.date
    rows: list[EvidenceRow]

    def section_rows(self, key: str) -> list[EvidenceRow]:
        return [row for row in self.rows if row.section == key]

    @property
    def sections(self) -> list[tuple[Section, list[EvidenceRow]]]:
        return [(section, self.section_rows(section.key)) for section in SECTIONS]

    @property
    def candidates(self) -> list[EvidenceRow]:
        """The rows with any points, most first: the order in which they are worth a look."""
        order = {section.key: index for index, section in enumerate(SECTIONS)}
        scored = [row for row in self.rows if row.score > 0]
        return sorted(scored, key=lambda row: (-row.score, order[row.section], row.label))[:CANDIDATES_SHOWN]

    @property
    def by_key(self) -> dict[str, EvidenceRow]:
        return {row.key: row for row in self.rows}


# --- Suggestions: normalised so that different spellings of one thing count together ------------------------


def _singular(word: str) -> str:
    if len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zes", "oes")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


def suggestion_normalise(text: str) -> str:
    """``text`` in lower case, without punctuation, spaces collapsed and plural endings taken off (roughly)."""
    return " ".join(_singular(word) for word in re.findall(r"\w+", text.casefold()))[:120]


def suggestion_create(*, kind: str, what: str, why: str, email: str, now: dt.datetime) -> PurchaseSuggestion:
    what, why = " ".join(what.split()), why.strip()
    errors = {}
    if kind not in SuggestionKind.values:
        errors["kind"] = ValidationError(KIND_MISSING, code="kind")
    if not suggestion_normalise(what):
        errors["what"] = ValidationError("Say what you would like the Maker Lab to have, in a few words.", code="what")
    if not why:
        errors["why"] = ValidationError(WHY_MISSING, code="why")
    if errors:
        raise ValidationError(errors)
    return PurchaseSuggestion.objects.create(
        kind=kind, what=what, normalised=suggestion_normalise(what), why=why, email=email.strip(), created_at=now
    )


def suggestions_waiting() -> QuerySet[PurchaseSuggestion]:
    """Suggestions not answered yet, newest first."""
    return PurchaseSuggestion.objects.filter(answered_at__isnull=True).order_by("-created_at", "-pk")


def suggestion_answer(*, suggestion_id: int, answer: str, user, now: dt.datetime) -> PurchaseSuggestion:
    """Mark a suggestion answered; with ``answer``, email it to the patron through the outbox (once)."""
    answer = answer.strip()
    with transaction.atomic():
        suggestion = locked(PurchaseSuggestion.objects.filter(pk=suggestion_id)).first()
        if suggestion is None:
            raise ValidationError("This suggestion is no longer here.", code="gone")
        if suggestion.answered_at is not None:
            raise ValidationError("This suggestion was already answered.", code="already_answered")
        if answer and not suggestion.email:
            raise ValidationError(
                {"answer": ValidationError("The patron left no email, so no answer can be sent.", code="no_email")}
            )
        suggestion.answered_at, suggestion.answered_by, suggestion.answer_emailed = now, user, bool(answer)
        suggestion.save(update_fields=["answered_at", "answered_by", "answer_emailed"])
        if answer:
            notification_queue(
                kind=SUGGESTION_ANSWER_KIND,
                recipient=suggestion.email,
                template=SUGGESTION_ANSWER_KIND,
                context={
                    "what": suggestion.what,
                    "suggested_on": day_text(timezone.localdate(suggestion.created_at)),
                    "answer": answer,
                },
                idempotency_key=f"purchase-suggestion-answer:{suggestion.pk}",
                related_object=suggestion,
            )
    return suggestion


# --- The evidence ----------------------------------------------------------------------------------------------


def _count_of(queryset: QuerySet) -> Coalesce:
    counted = queryset.order_by().values("service_type").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _service_rows(since_at: dt.datetime, now: dt.datetime) -> list[EvidenceRow]:
    """No free time and notify-me requests per service, and orientations booked: one query."""
    window = Q(service_type=OuterRef("pk"))
    services = ServiceType.objects.filter(is_active=True).annotate(
        no_time=_count_of(UnmetDemand.objects.filter(window, asked_at__gte=since_at, asked_at__lt=now)),
        asked=_count_of(NotifyRequest.objects.filter(window, created_at__gte=since_at, created_at__lt=now)),
        booked=_count_of(
            Booking.objects.filter(window, status__in=Booking.ACTIVE, starts_at__gte=since_at, starts_at__lt=now)
        ),
    )
    services = services.filter(Q(no_time__gt=0) | Q(asked__gt=0) | Q(trains_on_equipment=True))
    rows = []
    for service in services.select_related("branch").order_by("name", "branch__name"):
        waits = service.no_time + service.asked
        wait_text = (
            f"{count_text(service.no_time, 'time')} no free time, {count_text(service.asked, 'request')} to be told"
        )
        label = f"{service.name}, {service.branch.name}"
        if service.trains_on_equipment:
            detail = f"{count_text(service.booked, 'orientation')} booked; {wait_text}"
            rows.append(EvidenceRow(f"training:{service.pk}", "training", label, detail, waits))
        else:
            rows.append(EvidenceRow(f"unmet:{service.pk}", "unmet", label, wait_text, waits))
    return rows


def _waitlist_rows(now: dt.datetime) -> list[EvidenceRow]:
    """Places waiting on programs with a session still to come, per category: one query."""
    to_come = Exists(Session.objects.filter(program=OuterRef("program"), ends_at__gt=now, cancelled_at__isnull=True))
    totals = (
        Registration.objects.filter(to_come, status=Registration.Status.WAITLISTED)
        .values("program__category")
        .annotate(places=Sum("places"), programs=Count("program", distinct=True))
        .order_by()
    )
    labels = dict(Category.choices)
    return [
        EvidenceRow(
            f"waitlist:{row['program__category']}",
            "waitlists",
            str(labels.get(row["program__category"], row["program__category"])),
            f"{count_text(row['places'], 'place')} waiting on {count_text(row['programs'], 'program')}",
            row["places"],
        )
        for row in totals
    ]


def _machine_rows(since_at: dt.datetime, now: dt.datetime) -> list[EvidenceRow]:
    """Every machine in service with its fill rate and hours used, as the monthly report computes them."""
    machines = [machine for machine in equipment_use(start_at=since_at, end_at=now) if machine.open]
    several_branches = len({machine.branch_name for machine in machines}) > 1
    rows = []
    for machine in machines:
        percent = min(machine.percent or 0, 100)
        hours = round(machine.booked.total_seconds() / 3600, 1)
        label = f"{machine.name}, {machine.branch_name}" if several_branches else machine.name
        detail = f"{percent:g}% of open hours booked, {hours:g} hours used"
        score = max(0, int(percent - BUSY_EQUIPMENT_PERCENT))
        rows.append(EvidenceRow(f"machine:{machine.equipment_id}", "machines", label, detail, score))
    return rows


def _seed_rows(since_at: dt.datetime, now: dt.datetime) -> list[EvidenceRow]:
    """Varieties lent last season with no packet to lend today: the monthly report's "popular seeds out"."""
    seeds = seed_figures(start_at=since_at, end_at=now, today=timezone.localdate(now))
    return [
        EvidenceRow(
            f"seed:{slugify(name)[:80]}",
            "seeds",
            name,
            f"{count_text(packets, 'packet')} lent last season, none now",
            packets,
        )
        for name, packets in seeds.seeds_out
    ]


def _topic_pattern(words: tuple[str, ...]) -> str:
    return r"(^|[^[:alnum:]])(" + "|".join(re.escape(word) for word in words) + ")"


def _survey_rows(voice_since: dt.date) -> list[EvidenceRow]:
    """Open survey answers that mention each topic: one query."""
    answers = SurveyResponse.objects.filter(kind=SurveyKind.IMMEDIATE, month__gte=voice_since.replace(day=1))
    counts = answers.aggregate(
        **{
            key: Count(
                "pk",
                filter=Q(liked_most__iregex=_topic_pattern(words)) | Q(could_do_better__iregex=_topic_pattern(words)),
            )
            for key, (_, words) in SURVEY_TOPICS.items()
        }
    )
    return [
        EvidenceRow(f"survey:{key}", "survey", title, count_text(counts[key], "comment"), counts[key])
        for key, (title, _) in SURVEY_TOPICS.items()
        if counts[key]
    ]


def _suggestion_rows(voice_since_at: dt.datetime) -> list[EvidenceRow]:
    """Suggestions of the last year counted by their normalised text: one query."""
    groups = (
        PurchaseSuggestion.objects.filter(created_at__gte=voice_since_at)
        .values("kind", "normalised")
        .annotate(patrons=Count("pk"), what=Min("what"), waiting=Count("pk", filter=Q(answered_at__isnull=True)))
        .order_by("-patrons", "normalised")[: ROWS_PER_SECTION * 3]
    )
    kinds = dict(SuggestionKind.choices)
    return [
        EvidenceRow(
            f"suggestion:{group['kind']}:{group['normalised']}",
            "suggestions",
            f"{group['what']} ({str(kinds.get(group['kind'], group['kind'])).lower()})",
            f"suggested by {count_text(group['patrons'], 'patron')}, {group['waiting']} not answered yet",
            group["patrons"],
        )
        for group in groups
    ]


def purchase_evidence(*, now: dt.datetime | None = None) -> Evidence:
    """Every piece of evidence for the purchases page, each section's strongest first: about 15 queries."""
    now = now or timezone.now()
    since_at = now - dt.timedelta(days=DEMAND_DAYS)
    voice_since_at = now - dt.timedelta(days=VOICE_DAYS)
    rows = [
        *_service_rows(since_at, now),
        *_waitlist_rows(now),
        *_machine_rows(since_at, now),
        *_seed_rows(since_at, now),
        *_survey_rows(timezone.localdate(voice_since_at)),
        *_suggestion_rows(voice_since_at),
    ]
    kept = []
    for section in SECTIONS:
        mine = sorted((row for row in rows if row.section == section.key), key=lambda row: (-row.score, row.label))
        kept.extend(mine[:ROWS_PER_SECTION])
    return Evidence(since=timezone.localdate(since_at), voice_since=timezone.localdate(voice_since_at), rows=kept)


# --- Recommendations -------------------------------------------------------------------------------------------


def recommendation_create(
    *, item: str, estimated_cost: Decimal, reason: str, evidence: list[EvidenceRow], user, now: dt.datetime
) -> PurchaseRecommendation:
    item = " ".join(item.split())
    reason = "\n".join(line.strip() for line in reason.splitlines() if line.strip())
    errors = {}
    if not item:
        errors["item"] = ValidationError("Say what to buy.", code="item")
    if not estimated_cost.is_finite() or not Decimal(0) < estimated_cost <= MAX_COST:
        errors["estimated_cost"] = ValidationError(
            f"Enter a cost from $0.01 to ${MAX_COST:,.0f}.", code="cost_out_of_range"
        )
    if not reason:
        errors["reason"] = ValidationError("Say why the lab should buy it.", code="reason")
    elif reason.count("\n") >= MAX_REASON_PARAGRAPHS:
        errors["reason"] = ValidationError(
            f"Write the reason in at most {MAX_REASON_PARAGRAPHS} paragraphs, so that it fits on one page.",
            code="reason_too_long",
        )
    if not evidence:
        errors["evidence"] = ValidationError("Choose at least one piece of evidence.", code="no_evidence")
    elif len(evidence) > MAX_EVIDENCE_CHOSEN:
        errors["evidence"] = ValidationError(
            f"Choose at most {MAX_EVIDENCE_CHOSEN} pieces of evidence, so that it fits on one page.",
            code="too_much_evidence",
        )
    if errors:
        raise ValidationError(errors)
    return PurchaseRecommendation.objects.create(
        item=item,
        estimated_cost=estimated_cost,
        reason=reason,
        evidence=[row.snapshot() for row in evidence],
        created_at=now,
        created_by=user,
    )


def recommendations_recent(*, limit: int = 20) -> list[PurchaseRecommendation]:
    return list(PurchaseRecommendation.objects.select_related("created_by").order_by("-created_at", "-pk")[:limit])


def recommendation_pdf(recommendation: PurchaseRecommendation) -> bytes:
    """The recommendation on one page, for the manager."""
    html = render_to_string(
        "stats/purchases/recommendation_pdf.html",
        {"recommendation": recommendation, "demand_days": DEMAND_DAYS, "library_name": settings.LIBRARY_NAME},
    )
    return html_to_pdf(html, what="a purchase recommendation")
