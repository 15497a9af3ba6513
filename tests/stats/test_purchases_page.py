"""The coordinator's purchases page: the evidence from every app, ranked; recommendations with their evidence and
their one-page PDF; answers to patrons' suggestions through the outbox."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from bookings.models import Booking, NotifyRequest, UnmetDemand
from makerlab.models import Notification
from makerlab.services import notification_render
from programs.models import Category, Registration
from seedlibrary.models import Loan
from stats.models import PurchaseRecommendation, PurchaseSuggestion
from stats.purchase_forms import ITEM_LENGTH, REASON_LENGTH
from stats.purchases import MAX_EVIDENCE_CHOSEN, purchase_evidence
from tests.factories import (
    EquipmentFactory,
    LotFactory,
    PatronFactory,
    ProgramFactory,
    ServiceTypeFactory,
    SurveyResponseFactory,
    UserFactory,
    VarietyFactory,
    make_booking,
    with_sessions,
)

URL = "/staff/stats/purchases/"
RECOMMEND = URL + "recommend/"


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", is_staff=True, role="Manager")


def _suggest(what: str, *, email: str = "", kind: str = "equipment", **fields) -> PurchaseSuggestion:
    from stats.purchases import suggestion_normalise

    return PurchaseSuggestion.objects.create(
        kind=kind, what=what, normalised=suggestion_normalise(what), why="It would help.", email=email, **fields
    )


def _evidence_world(branch, *, size: int = 1) -> None:
    """Something in every section of the evidence, ``size`` times over."""
    now = timezone.now()
    patron = PatronFactory()
    for number in range(size):
        sewing = ServiceTypeFactory(branch=branch, name=f"Sewing machine basics {number}")
        UnmetDemand.objects.bulk_create(
            UnmetDemand(service_type=sewing, asked_at=now - dt.timedelta(days=d)) for d in range(1, 4)
        )
        NotifyRequest.objects.create(service_type=sewing, name="Ana", email="ana@example.net")
        laser = EquipmentFactory(branch=branch, name=f"Laser cutter {number}")
        orientation = ServiceTypeFactory(
            branch=branch, name=f"Laser cutter orientation {number}", equipment=laser, trains_on_equipment=True
        )
        make_booking(starts_at=now - dt.timedelta(days=2), service_type=orientation, patron=patron)
        UnmetDemand.objects.create(service_type=orientation, asked_at=now - dt.timedelta(days=1))
        program = with_sessions(ProgramFactory(branch=branch, category=Category.ELECTRONICS), days=(5,))
        Registration.objects.create(
            program=program,
            patron=patron,
            status=Registration.Status.WAITLISTED,
            places=2,
            contact_name="Doris Campbell",
            contact_email="doris@example.net",
        )
        variety = VarietyFactory(common_name=f"Tomato {number}", variety_name="Brandywine")
        lot = LotFactory(variety=variety)
        Loan.objects.create(
            patron=patron,
            variety=variety,
            lot=lot,
            branch=branch,
            packets=4,
            season=timezone.localdate(now).year - 1,
            status=Loan.Status.LENT,
            lent_at=now - dt.timedelta(days=300),
        )
        SurveyResponseFactory(
            month=timezone.localdate(now).replace(day=1), could_do_better="More 3D printers, the wait is long"
        )
        _suggest(f"Laser cutters {number}", email="ana@example.net")
        _suggest(f"laser cutter {number}")


@pytest.fixture
def world(branch):
    _evidence_world(branch)
    return branch


# --- Who may see and do what ---------------------------------------------------------------------------------


def test_a_visitor_is_sent_to_log_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("person", ["assistant", "volunteer", "board_member"])
def test_other_roles_may_not_see_the_page(client, request, person):
    client.force_login(request.getfixturevalue(person))
    assert client.get(URL).status_code == 403
    assert client.post(RECOMMEND, {}).status_code == 403


def test_the_manager_reads_but_writes_nothing(client, manager, world):
    client.force_login(manager)
    page = client.get(URL)
    assert page.status_code == 200
    assert "Write a recommendation" not in page.content.decode()
    assert client.post(RECOMMEND, {"item": "Laser", "estimated_cost": "10", "reason": "r"}).status_code == 403
    suggestion = PurchaseSuggestion.objects.first()
    assert client.post(URL + f"suggestions/{suggestion.pk}/answer/", {"answer": ""}).status_code == 403
    assert not PurchaseRecommendation.objects.exists()


# --- The evidence and its ranking ----------------------------------------------------------------------------


def test_every_kind_of_evidence_is_on_the_page(client, coordinator, world):
    client.force_login(coordinator)
    page = client.get(URL).content.decode()

    for text in (
        "Sewing machine basics 0, Central Library",  # no free time
        "3 times no free time, 1 request to be told",
        "Electronics",  # program waitlist by category
        "2 places waiting on 1 program",
        "Laser cutter 0",  # machine fill rate and hours
        "hours used",
        "1 orientation booked; 1 time no free time",  # training demand
        "Tomato 0 &#x27;Brandywine&#x27;",  # seeds out of stock
        "4 packets lent last season, none now",
        "3D printing",  # survey comments by topic
        "suggested by 2 patrons",  # suggestions counted together
        "How the ranking is made",
    ):
        assert text in page, text


def test_candidates_are_ranked_by_their_points(world):
    candidates = purchase_evidence().candidates

    scores = [row.score for row in candidates]
    assert scores == sorted(scores, reverse=True)
    assert candidates[0].section == "unmet" and candidates[0].score == 4
    assert {row.section for row in candidates} >= {"unmet", "waitlists", "training", "seeds", "survey", "suggestions"}


def test_a_machine_scores_only_when_booked_over_80_percent(branch):
    quiet = EquipmentFactory(branch=branch, name="Quiet printer")
    ServiceTypeFactory(branch=branch, equipment=quiet)
    [row] = purchase_evidence().section_rows("machines")
    assert row.label == "Quiet printer" and row.score == 0
    assert row.detail == "0% of open hours booked, 0 hours used"


def test_old_waits_and_past_programs_are_not_counted(branch, now):
    service = ServiceTypeFactory(branch=branch)
    UnmetDemand.objects.create(service_type=service, asked_at=now - dt.timedelta(days=91))
    past = ProgramFactory(branch=branch)
    Registration.objects.create(
        program=past, patron=PatronFactory(), status=Registration.Status.WAITLISTED, places=1, contact_name="A"
    )
    evidence = purchase_evidence()
    assert evidence.section_rows("unmet") == []
    assert evidence.section_rows("waitlists") == []


@pytest.mark.parametrize("size", [1, 4])
def test_the_page_reads_a_constant_number_of_queries(client, coordinator, branch, size, django_assert_max_num_queries):
    _evidence_world(branch, size=size)
    for number in range(size * 15):
        _suggest(f"Gadget {number}")
    client.force_login(coordinator)
    with django_assert_max_num_queries(22):
        response = client.get(URL)
    assert response.status_code == 200


# --- Recommendations -----------------------------------------------------------------------------------------


def _recommendation(keys: list[str], **overrides) -> dict:
    return {
        "item": "A second laser cutter",
        "estimated_cost": "$6,500.00",
        "reason": "Orientations are full and patrons keep asking.",
        "evidence": keys,
        **overrides,
    }


def test_the_coordinator_saves_a_recommendation_with_its_evidence(client, coordinator, world):
    client.force_login(coordinator)
    keys = [row.key for row in purchase_evidence().candidates[:2]]

    response = client.post(RECOMMEND, _recommendation(keys))

    assert response.status_code == 302
    recommendation = PurchaseRecommendation.objects.get()
    assert recommendation.estimated_cost == Decimal("6500.00")
    assert recommendation.created_by == coordinator
    assert [row["label"] for row in recommendation.evidence] == [
        row.label for row in purchase_evidence().candidates[:2]
    ]
    assert recommendation.evidence[0]["detail"] == "3 times no free time, 1 request to be told"
    page = client.get(URL).content.decode()
    assert "A second laser cutter" in page and "$6,500.00" in page


def test_the_evidence_is_kept_as_it_was_when_the_data_changes(client, coordinator, world):
    client.force_login(coordinator)
    [key] = [row.key for row in purchase_evidence().section_rows("unmet")]
    client.post(RECOMMEND, _recommendation([key]))
    UnmetDemand.objects.all().delete()

    assert PurchaseRecommendation.objects.get().evidence[0]["detail"] == "3 times no free time, 1 request to be told"


@pytest.mark.parametrize(
    ("overrides", "field", "code_text"),
    [
        ({"estimated_cost": "-1"}, "estimated_cost", "Enter a cost from $0.01 to $1,000,000."),
        ({"estimated_cost": "0"}, "estimated_cost", "Enter a cost from $0.01 to $1,000,000."),
        ({"estimated_cost": "1e12"}, "estimated_cost", "Enter a cost from $0.01 to $1,000,000."),
        ({"estimated_cost": "1000000.01"}, "estimated_cost", "Enter a cost from $0.01 to $1,000,000."),
        ({"estimated_cost": "six thousand"}, "estimated_cost", "Enter the cost in dollars as a number"),
        ({"estimated_cost": "NaN"}, "estimated_cost", "Enter the cost in dollars as a number"),
        ({"estimated_cost": "Infinity"}, "estimated_cost", "Enter the cost in dollars as a number"),
        ({"estimated_cost": "9" * 5000}, "estimated_cost", "Enter the cost in dollars as a number"),
        ({"estimated_cost": "12.345"}, "estimated_cost", "at most two digits after the point"),
        ({"estimated_cost": ""}, "estimated_cost", "Enter the estimated cost."),
        ({"item": ""}, "item", "Say what to buy."),
        ({"item": "<img src=x onerror=alert(1)>"}, "item", "Write plain text, without < and > tags."),
        ({"item": "x" * (ITEM_LENGTH + 1)}, "item", f"Keep this to {ITEM_LENGTH} characters."),
        ({"reason": "r" * (REASON_LENGTH + 1)}, "reason", f"Keep this to {REASON_LENGTH} characters."),
        ({"reason": "bad\x07bell"}, "reason", "Remove the invisible control characters"),
        ({"reason": "line\n" * 11}, "reason", "at most 10 paragraphs"),
        ({"reason": " \n \n "}, "reason", "Say why the lab should buy it."),
        ({"evidence": []}, "evidence", "Choose at least one piece of evidence."),
        ({"evidence": ["unmet:999999"]}, "evidence", "Some of this evidence has changed"),
        ({"evidence": ["'; DROP TABLE stats_purchaserecommendation; --"]}, "evidence", "has changed"),
    ],
)
def test_bad_input_is_explained_and_saves_nothing(client, coordinator, world, overrides, field, code_text):
    client.force_login(coordinator)
    keys = [row.key for row in purchase_evidence().candidates[:1]]

    response = client.post(RECOMMEND, _recommendation(keys, **overrides))

    assert response.status_code == 200
    messages = " ".join(str(message) for message in response.context["form"].errors[field])
    assert code_text in messages
    assert 'id="error-summary"' in response.content.decode()
    assert not PurchaseRecommendation.objects.exists()


def test_too_much_evidence_for_one_page_is_refused(client, coordinator, branch):
    _evidence_world(branch, size=4)
    client.force_login(coordinator)
    keys = [row.key for row in purchase_evidence().rows][: MAX_EVIDENCE_CHOSEN + 1]
    assert len(keys) == MAX_EVIDENCE_CHOSEN + 1

    response = client.post(RECOMMEND, _recommendation(keys))

    assert "so that it fits on one page" in " ".join(response.context["form"].errors["evidence"])
    assert not PurchaseRecommendation.objects.exists()


def test_the_pdf_for_the_manager_is_one_page_even_at_the_longest(client, manager, coordinator, branch):
    _evidence_world(branch, size=4)
    client.force_login(coordinator)
    keys = [row.key for row in purchase_evidence().rows][:MAX_EVIDENCE_CHOSEN]
    client.post(
        RECOMMEND,
        _recommendation(keys, item="W" * ITEM_LENGTH, reason=(("A long reason. " * 10 + "\n") * 20)[:REASON_LENGTH]),
    )
    recommendation = PurchaseRecommendation.objects.get()
    assert len(recommendation.evidence) == MAX_EVIDENCE_CHOSEN

    client.force_login(manager)
    response = client.get(URL + f"recommendations/{recommendation.pk}/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "6,500.00" in text and "Evidence" in text


def test_a_missing_recommendation_is_not_found(client, coordinator):
    client.force_login(coordinator)
    assert client.get(URL + "recommendations/999999/pdf/").status_code == 404


# --- Answers to suggestions ----------------------------------------------------------------------------------


def test_the_coordinator_emails_an_answer_through_the_outbox(client, coordinator, db):
    suggestion = _suggest("Cricut Maker", email="ana@example.net")
    client.force_login(coordinator)
    answer_url = URL + f"suggestions/{suggestion.pk}/answer/"
    assert client.get(answer_url).status_code == 200

    response = client.post(answer_url, {"answer": "We are buying one this spring: look for it in May."})

    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.answered_at is not None and suggestion.answer_emailed
    [email] = Notification.objects.filter(kind="purchase_suggestion_answer")
    assert email.recipient == "ana@example.net"
    message = notification_render(email)
    assert message.subject == "Your suggestion to the Maker Lab: Cricut Maker"
    assert "We are buying one this spring" in message.body
    assert "We used your email only to send this answer." in message.body

    again = client.post(answer_url, {"answer": "Twice?"})
    assert "already answered" in again.content.decode()
    assert Notification.objects.filter(kind="purchase_suggestion_answer").count() == 1
    assert "Every suggestion has been answered." in client.get(URL).content.decode()


def test_a_suggestion_without_email_is_only_marked_answered(client, coordinator, db):
    suggestion = _suggest("Inkscape", kind="software")
    client.force_login(coordinator)
    answer_url = URL + f"suggestions/{suggestion.pk}/answer/"

    refused = client.post(answer_url, {"answer": "Installed!"})
    assert "The patron left no email" in refused.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.answered_at is None

    assert client.post(answer_url, {"answer": ""}).status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.answered_at is not None and not suggestion.answer_emailed
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("answer", "message"),
    [("<script>x</script>", "Write plain text"), ("a" * 1001, "Keep this to 1000 characters."), ("\x00", "control")],
)
def test_a_bad_answer_is_explained_and_sends_nothing(client, coordinator, db, answer, message):
    suggestion = _suggest("Glowforge", email="ana@example.net")
    client.force_login(coordinator)

    response = client.post(URL + f"suggestions/{suggestion.pk}/answer/", {"answer": answer})

    assert response.status_code == 200
    assert message in response.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.answered_at is None
    assert not Notification.objects.exists()


def test_the_page_lists_suggestions_a_page_at_a_time(client, coordinator, db):
    for number in range(25):
        _suggest(f"Gadget {number}")
    client.force_login(coordinator)
    assert "Page 1 of 2" in client.get(URL).content.decode()
    assert client.get(URL + "?page=2").status_code == 200
    assert client.get(URL + "?page=%00").status_code == 200
    assert client.get(URL + "?page=99999999999999999999").status_code == 200


def test_bookings_still_count_once_a_booking_is_cancelled(branch):
    laser = EquipmentFactory(branch=branch, name="Laser")
    service = ServiceTypeFactory(branch=branch, equipment=laser, trains_on_equipment=True, name="Laser orientation")
    make_booking(starts_at=timezone.now() - dt.timedelta(days=1), service_type=service, status=Booking.Status.CANCELLED)
    [row] = purchase_evidence().section_rows("training")
    assert row.detail.startswith("0 orientations booked")


def test_the_cached_page_shows_a_new_suggestion_at_once(
    client, coordinator, db, settings, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE = True
    client.force_login(coordinator)
    first = client.get(URL).content.decode()
    assert "Every suggestion has been answered." in first
    with CaptureQueriesContext(connection) as cached:
        client.get(URL)
    assert len(cached) < 8  # served from the cache

    with django_capture_on_commit_callbacks(execute=True):
        Client().post(
            "/suggest/", {"kind": "software", "what": "Blender", "why": "3D models", "email": "", "website": ""}
        )

    assert "Blender" in client.get(URL).content.decode()


@pytest.mark.parametrize("size", [1, 30])
def test_the_answer_page_and_the_pdf_read_a_constant_number_of_queries(
    client, coordinator, db, size, django_assert_max_num_queries
):
    for number in range(size):
        _suggest(f"Gadget {number}", email="ana@example.net")
    recommendation = PurchaseRecommendation.objects.create(
        item="Button maker",
        estimated_cost=Decimal("120"),
        reason="Fundraisers.",
        evidence=[{"section": "Patron suggestions", "label": "Button maker", "detail": "suggested by 1 patron"}] * size,
        created_by=coordinator,
    )
    suggestion = PurchaseSuggestion.objects.first()
    client.force_login(coordinator)
    with django_assert_max_num_queries(6):
        assert client.get(URL + f"suggestions/{suggestion.pk}/answer/").status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(URL + f"recommendations/{recommendation.pk}/pdf/").status_code == 200
