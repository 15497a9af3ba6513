"""Purchase recommendations: the public suggestion form, and the coordinator's page of evidence and recommendations."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from makerlab.forms import add_service_error
from makerlab.http import from_own_pages
from makerlab.pagecache import cached_page, cached_staff_page
from makerlab.ratelimit import WaitPage, limit_public_posts
from stats.models import PurchaseRecommendation, PurchaseSuggestion, SuggestionKind
from stats.purchase_forms import AnswerForm, RecommendationForm, SuggestionForm
from stats.purchases import (
    DEMAND_DAYS,
    MAX_EVIDENCE_CHOSEN,
    SECTIONS,
    purchase_evidence,
    recommendation_create,
    recommendation_pdf,
    recommendations_recent,
    suggestion_answer,
    suggestion_create,
    suggestions_waiting,
)

BOT_REFUSAL = "We could not take this suggestion. Please try again, or tell the staff at the library."
SUGGESTIONS_PER_PAGE = 20
rate_limited = limit_public_posts(
    "suggestions",
    wait_page=WaitPage(
        otherwise="tell the staff at the library what you would like",
        back_url="home",
        back_text="Back to the Maker Lab",
    ),
)


def _suggest_page(request: HttpRequest, form: SuggestionForm, *, status: int = 200) -> HttpResponse:
    return render(request, "stats/purchases/suggest.html", {"form": form}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@from_own_pages
@rate_limited
@cached_page("branches")  # the empty form: the same page for every visitor, with no token of theirs in it
def suggest(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        kind = request.GET.get("kind")
        return _suggest_page(request, SuggestionForm(initial={"kind": kind if kind in SuggestionKind.values else None}))
    form = SuggestionForm(request.POST)
    if form.is_bot:
        form.add_error(None, BOT_REFUSAL)
        return _suggest_page(request, form, status=400)
    if not form.is_valid():
        return _suggest_page(request, form)
    try:
        data = form.cleaned_data
        now = timezone.now()
        suggestion_create(kind=data["kind"], what=data["what"], why=data["why"], email=data["email"], now=now)
    except ValidationError as error:
        add_service_error(form, error)
        return _suggest_page(request, form)
    return redirect("purchases:thanks")


@require_safe
def thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "stats/purchases/thanks.html")


# --- Staff ---------------------------------------------------------------------------------------------------


def _page(request: HttpRequest, *, form: RecommendationForm | None = None, evidence=None, status: int = 200):
    evidence = evidence or purchase_evidence()
    can_recommend = request.user.has_perm("stats.add_purchaserecommendation")
    if form is None and can_recommend:
        form = RecommendationForm(evidence=evidence)
    waiting = Paginator(suggestions_waiting(), SUGGESTIONS_PER_PAGE).get_page(request.GET.get("page"))
    choices, counter = [], 0
    for section, rows in evidence.sections:
        choices.append((section, [(f"id_evidence_{counter + index}", row) for index, row in enumerate(rows)]))
        counter += len(rows)
    context = {
        "evidence": evidence,
        "evidence_choices": choices,
        "chosen": form["evidence"].value() or [] if form is not None and form.is_bound else [],
        "max_evidence": MAX_EVIDENCE_CHOSEN,
        "sections": SECTIONS,
        "demand_days": DEMAND_DAYS,
        "form": form,
        "recommendations": recommendations_recent(),
        "waiting": waiting,
        "can_answer": request.user.has_perm("stats.change_purchasesuggestion"),
    }
    return render(request, "stats/purchases/page.html", context, status=status)


@login_required
@permission_required("stats.view_purchaserecommendation", raise_exception=True)
@require_safe
@cached_staff_page
def purchases(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@permission_required("stats.add_purchaserecommendation", raise_exception=True)
@require_POST
def recommend(request: HttpRequest) -> HttpResponse:
    evidence = purchase_evidence()
    form = RecommendationForm(request.POST, evidence=evidence)
    if not form.is_valid():
        return _page(request, form=form, evidence=evidence)
    try:
        recommendation = recommendation_create(
            item=form.cleaned_data["item"],
            estimated_cost=form.cleaned_data["estimated_cost"],
            reason=form.cleaned_data["reason"],
            evidence=form.chosen_evidence(),
            user=request.user,
            now=timezone.now(),
        )
    except ValidationError as error:
        add_service_error(form, error)
        return _page(request, form=form, evidence=evidence)
    messages.success(request, f"Recommendation saved: {recommendation.item}. Download its page for the manager below.")
    return redirect("purchases_staff:page")


@login_required
@permission_required("stats.view_purchaserecommendation", raise_exception=True)
@require_safe
def recommendation_download(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = get_object_or_404(PurchaseRecommendation.objects.select_related("created_by"), pk=pk)
    response = HttpResponse(recommendation_pdf(recommendation), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="purchase-recommendation-{recommendation.pk}.pdf"'
    return response


@login_required
@permission_required("stats.change_purchasesuggestion", raise_exception=True)
@require_http_methods(["GET", "HEAD", "POST"])
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = get_object_or_404(PurchaseSuggestion, pk=pk)
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            suggestion_answer(
                suggestion_id=suggestion.pk, answer=form.cleaned_data["answer"], user=request.user, now=timezone.now()
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            sent = " and the answer is on its way by email" if form.cleaned_data["answer"] else ""
            messages.success(request, f"“{suggestion.what}” is marked answered{sent}.")
            return redirect("purchases_staff:page")
    return render(request, "stats/purchases/answer.html", {"suggestion": suggestion, "form": form})
