"""Asking for packets online from the catalogue: the form, the confirmation, the private page and cancelling."""

import datetime as dt

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from makerlab.models import Notification
from makerlab.refusals import PUBLIC_ANSWER
from makerlab.services import notifications_deliver_pending
from seedlibrary.basket import SESSION_KEY
from seedlibrary.forms import MOST_VARIETIES_IN_A_REQUEST
from seedlibrary.models import Loan, SeedRequest, Stock
from seedlibrary.selectors import pickup_deadline_text
from seedlibrary.services import seed_request_ready
from seedlibrary.views import VARIETIES_PER_PAGE
from tests.factories import OrientationFactory, PatronFactory, VarietyFactory, lendable_lot
from tests.outbox import card_refusal_emails, card_refusal_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()


@pytest.fixture
def oriented(patron):
    OrientationFactory(patron=patron)
    return patron


@pytest.fixture
def shelf(branch):
    """Three varieties with packets on the shelf at the branch."""
    return [lendable_lot(branch=branch, packets=3, variety=VarietyFactory(common_name=f"Bean {n}")) for n in range(3)]


def _post(client, *, varieties, card_number, branch, email="doris@example.net", **extra):
    data = {
        "varieties": [str(v) for v in varieties],
        "card_number": card_number,
        "email": email,
        "branch": str(getattr(branch, "pk", branch)),
        "website": "",
        **extra,
    }
    return client.post(reverse("seeds:request"), data)


def _nothing_saved(shelf) -> None:
    assert not SeedRequest.objects.exists()
    assert not Loan.objects.exists()
    assert [Stock.objects.get(lot=lot).packets for lot in shelf] == [3, 3, 3]


def _add(client, variety, back="/seeds/"):
    return client.post(reverse("seeds:basket_add"), {"variety": str(getattr(variety, "pk", variety)), "back": back})


def _remove(client, variety, back="/seeds/"):
    return client.post(reverse("seeds:basket_remove"), {"variety": str(getattr(variety, "pk", variety)), "back": back})


def _basket(client) -> list[int]:
    return client.session.get(SESSION_KEY, [])


def test_the_form_offers_the_packets_in_the_basket(client, shelf):
    ids = [lot.variety_id for lot in shelf[:2]]
    for variety_id in ids:
        _add(client, variety_id)
    response = client.get(reverse("seeds:request"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Bean 0" in page and "Bean 1" in page and "Bean 2" not in page
    assert list(response.context["form"].initial["varieties"]) == ids


def test_the_basket_keeps_seeds_chosen_on_two_pages_and_across_a_filter(client, branch, oriented):
    """Ticks on one page of the catalogue were lost on the next: a request held seeds from one page only."""
    lots = [
        lendable_lot(branch=branch, packets=2, variety=VarietyFactory(common_name=f"Bean {n:02d}", variety_name=""))
        for n in range(VARIETIES_PER_PAGE + 2)
    ]
    first, second = lots[0].variety, lots[-1].variety
    beet = lendable_lot(branch=branch, variety=VarietyFactory(common_name="Beet", variety_name="")).variety

    _add(client, first, back="/seeds/")
    page_two = client.get(reverse("seeds:list"), {"page": 2})
    assert [variety.pk for variety in page_two.context["basket"]] == [first.pk]
    _add(client, second, back="/seeds/?page=2")
    filtered = client.get(reverse("seeds:list"), {"q": "beet"})
    assert [card.variety for card in filtered.context["cards"]] == [beet]
    assert [variety.pk for variety in filtered.context["basket"]] == [first.pk, second.pk]
    assert "My request: 2 packets" in filtered.content.decode()
    _add(client, beet, back="/seeds/?q=beet")

    form = client.get(reverse("seeds:request")).context["form"]
    assert list(form.initial["varieties"]) == [first.pk, second.pk, beet.pk]
    response = _post(client, varieties=[first.pk, second.pk, beet.pk], card_number=oriented.card_number, branch=branch)
    assert response.status_code == 302
    assert sorted(SeedRequest.objects.get().loans.values_list("variety", flat=True)) == sorted(
        [first.pk, second.pk, beet.pk]
    )
    assert _basket(client) == []
    assert "My request: 0 packets" in client.get(reverse("seeds:list")).content.decode()


def test_adding_and_removing_return_to_the_same_page_filters_and_seed(client, shelf):
    back = "/seeds/?category=vegetable&page=2"
    variety = shelf[1].variety
    response = _add(client, variety, back=back)
    assert response.status_code == 302
    assert response["Location"] == f"{back}#variety-{variety.pk}"
    assert _basket(client) == [variety.pk]
    _add(client, variety, back=back)
    assert _basket(client) == [variety.pk]
    response = _remove(client, variety, back=f"/seeds/{variety.slug}/")
    assert response["Location"] == f"/seeds/{variety.slug}/"
    assert _basket(client) == []
    assert _remove(client, variety).status_code == 302  # again: harmless


def test_the_catalogue_and_a_variety_page_offer_add_or_remove(client, shelf):
    chosen, other = shelf[0].variety, shelf[1].variety
    _add(client, chosen)
    page = client.get(reverse("seeds:list")).content.decode()
    assert f'Remove<span class="visually-hidden"> {escape(str(chosen))} from my request' in page
    assert f'Add to my request<span class="visually-hidden">: {escape(str(other))}' in page
    assert "Review and send my request" in page
    variety_page = client.get(reverse("seeds:variety", args=[chosen.slug])).content.decode()
    assert "This seed is in" in variety_page and "Remove<span" in variety_page
    assert "Add to my request" in client.get(reverse("seeds:variety", args=[other.slug])).content.decode()


@pytest.mark.parametrize(
    "back", ["https://evil.example/seeds/", "//evil.example/seeds/", "/admin/", "javascript:alert(1)", "/seeds/#x"]
)
def test_the_way_back_stays_on_the_seed_pages(client, shelf, back):
    response = _add(client, shelf[0].variety, back=back)
    assert response["Location"] == f"/seeds/#variety-{shelf[0].variety_id}"


@pytest.mark.parametrize("value", ["", "abc", "-1", "0", "9" * 30, "1 OR 1=1", "<script>"])
def test_malformed_seeds_are_refused_with_a_message_and_change_nothing(client, shelf, value):
    _add(client, shelf[0].variety)
    response = client.post(reverse("seeds:basket_add"), {"variety": value, "back": "/seeds/"}, follow=True)
    assert response.status_code == 200
    assert "We could not tell which seed you chose" in response.content.decode()
    assert _remove(client, value).status_code == 302
    assert _basket(client) == [shelf[0].variety_id]


def test_a_seed_without_packets_or_out_of_the_catalogue_is_not_added(client, branch, shelf):
    empty = lendable_lot(branch=branch, packets=0).variety
    hidden = lendable_lot(branch=branch, variety=VarietyFactory(is_published=False)).variety
    for variety in (empty, hidden, 999999):
        response = _add(client, variety)
        assert response.status_code == 302
    assert _basket(client) == []
    page = client.get(reverse("seeds:list")).content.decode()
    assert "cannot be added" in page


def test_the_basket_holds_no_more_than_the_season_limit(client, shelf, settings):
    settings.SEED_PACKETS_PER_SEASON = 2
    for lot in shelf:
        _add(client, lot.variety)
    assert _basket(client) == [shelf[0].variety_id, shelf[1].variety_id]
    page = client.get(reverse("seeds:list")).content.decode()
    assert "Your request can hold up to 2 packets" in page


def test_a_refused_request_keeps_the_basket(client, branch, patron, shelf):
    _add(client, shelf[0].variety)
    response = _post(client, varieties=[shelf[0].variety_id], card_number=patron.card_number, branch=branch)
    assert PUBLIC_ANSWER in response.content.decode()
    assert _basket(client) == [shelf[0].variety_id]


def test_with_online_requests_off_nothing_goes_in_the_basket(client, shelf, settings):
    settings.SEED_ONLINE_REQUESTS = False
    response = _add(client, shelf[0].variety)
    assert "cannot ask for seed packets online just now" in response.content.decode()
    assert _basket(client) == []
    assert client.get(reverse("seeds:basket_add")).status_code == 405


def test_a_request_sets_packets_aside_and_says_what_happens_next(client, branch, oriented, shelf):
    ids = [lot.variety_id for lot in shelf]
    response = _post(client, varieties=ids, card_number=oriented.card_number, branch=branch)
    seed_request = SeedRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("seeds:request_sent", args=[seed_request.manage_token])
    assert seed_request.patron == oriented and seed_request.branch == branch
    assert [Stock.objects.get(lot=lot).packets for lot in shelf] == [2, 2, 2]
    assert Loan.objects.filter(request=seed_request, status=Loan.Status.HELD).count() == 3
    assert Notification.objects.filter(recipient="doris@example.net").exists()
    page = client.get(response["Location"]).content.decode()
    assert '<h1 class="h2">We have your seed request</h1>' in page
    for lot in shelf:
        assert lot.code in page and escape(str(lot.variety)) in page
    assert "you have until closing time 7 days later to pick them up" in page
    assert reverse("seeds:request_manage", args=[seed_request.manage_token]) in page


def test_a_request_not_yet_ready_never_says_its_packets_are_set_aside_or_gives_a_deadline(
    client, branch, oriented, shelf
):
    _post(client, varieties=[shelf[0].variety_id], card_number=oriented.card_number, branch=branch)
    seed_request = SeedRequest.objects.get()
    for name in ("seeds:request_sent", "seeds:request_manage"):
        page = client.get(reverse(name, args=[seed_request.manage_token])).content.decode()
        assert "We are getting your packets ready" in page
        assert "set aside" not in page.lower()
        assert pickup_deadline_text(seed_request.expires_at, branch=branch) not in page


def test_a_ready_request_says_the_same_deadline_on_every_page_and_email(
    client, branch, oriented, shelf, assistant, now
):
    _post(client, varieties=[shelf[0].variety_id], card_number=oriented.card_number, branch=branch)
    seed_request = SeedRequest.objects.get()
    seed_request_ready(seed_request=seed_request, by=assistant, now=now)
    seed_request.refresh_from_db()
    local = seed_request.expires_at.astimezone(branch.zone)
    assert local.time() == dt.time(17, 0)  # closing time
    deadline = pickup_deadline_text(seed_request.expires_at, branch=branch)
    assert deadline.endswith(" at 5:00 p.m.")
    for name in ("seeds:request_sent", "seeds:request_manage"):
        page = client.get(reverse(name, args=[seed_request.manage_token])).content.decode()
        assert '<h1 class="h2">Your packets are ready to pick up</h1>' in page
        assert f"Pick them up by {deadline}, with your library card." in page
    notifications_deliver_pending()
    ready_email = next(email for email in mail.outbox if "ready to pick up" in email.subject)
    assert f"by {deadline}, with your library card." in ready_email.body
    client.force_login(assistant)
    staff_page = client.get(reverse("seeds_staff:requests"), {"branch": branch.slug}).content.decode()
    assert f"Pick up by {deadline}" in staff_page


@pytest.mark.parametrize(
    ("status", "heading"),
    [
        (SeedRequest.Status.PICKED_UP, "You picked up your packets"),
        (SeedRequest.Status.EXPIRED, "Your seed request has ended"),
        (SeedRequest.Status.CANCELLED, "Your seed request is cancelled"),
    ],
)
def test_closed_requests_are_headed_by_what_happened(client, branch, oriented, shelf, status, heading):
    _post(client, varieties=[shelf[0].variety_id], card_number=oriented.card_number, branch=branch)
    seed_request = SeedRequest.objects.get()
    SeedRequest.objects.filter(pk=seed_request.pk).update(status=status)
    for name in ("seeds:request_sent", "seeds:request_manage"):
        page = client.get(reverse(name, args=[seed_request.manage_token])).content.decode()
        assert f'<h1 class="h2">{heading}</h1>' in page
        assert "ready to pick up" not in page


def test_the_manage_page_shows_the_status_and_cancelling_puts_packets_back(client, branch, oriented, shelf):
    _post(client, varieties=[shelf[0].variety_id], card_number=oriented.card_number, branch=branch)
    seed_request = SeedRequest.objects.get()
    manage = reverse("seeds:request_manage", args=[seed_request.manage_token])
    page = client.get(manage).content.decode()
    assert "We have your seed request" in page and "Cancel my request" in page
    cancel = reverse("seeds:request_cancel", args=[seed_request.manage_token])
    confirm = client.get(cancel)
    assert confirm.status_code == 200 and confirm["X-Robots-Tag"] == "noindex, nofollow"
    assert "Cancel this seed request?" in confirm.text and shelf[0].variety.common_name in confirm.text
    seed_request.refresh_from_db()
    assert seed_request.status == SeedRequest.Status.REQUESTED  # asking is not cancelling
    response = client.post(cancel, follow=True)
    seed_request.refresh_from_db()
    assert seed_request.status == SeedRequest.Status.CANCELLED
    assert Stock.objects.get(lot=shelf[0]).packets == 3
    assert "Your request is cancelled" in response.content.decode()
    assert "Cancel my request" not in response.content.decode()
    assert client.get(cancel)["Location"] == manage  # nothing left to cancel: back to the request


def test_cancelling_without_the_confirmation_form_is_refused(client, branch, oriented, shelf):
    _post(client, varieties=[shelf[0].variety_id], card_number=oriented.card_number, branch=branch)
    seed_request = SeedRequest.objects.get()
    cancel = reverse("seeds:request_cancel", args=[seed_request.manage_token])
    assert client.put(cancel).status_code == 405
    csrf_client = Client(enforce_csrf_checks=True)
    assert csrf_client.post(cancel).status_code == 403
    seed_request.refresh_from_db()
    assert seed_request.status == SeedRequest.Status.REQUESTED


@pytest.mark.parametrize(
    "token",
    ["A" * 43, "not-a-real-token-but-long-enough", "x"],
)
def test_a_tampered_link_is_not_found(client, branch, oriented, shelf, token):
    _post(client, varieties=[shelf[0].variety_id], card_number=oriented.card_number, branch=branch)
    assert client.get(f"/seeds/request/{token}/").status_code == 404
    assert client.post(f"/seeds/request/{token}/cancel/").status_code == 404
    assert SeedRequest.objects.get().status == SeedRequest.Status.REQUESTED


def test_an_unknown_card_is_told_to_ask_at_the_library(client, branch, shelf):
    stranger = PatronFactory.build()
    response = _post(client, varieties=[shelf[0].variety_id], card_number=stranger.card_number, branch=branch)
    assert response.status_code == 200
    assert response.context["form"].errors == {"__all__": [PUBLIC_ANSWER]}
    assert card_refusal_emails() == []
    _nothing_saved(shelf)


def test_a_patron_without_the_orientation_is_told_about_it(client, branch, patron, shelf):
    response = _post(client, varieties=[shelf[0].variety_id], card_number=patron.card_number, branch=branch)
    assert PUBLIC_ANSWER in response.content.decode() and "orientation" not in response.content.decode()
    assert "seed-saving orientation" in card_refusal_text(patron.email)
    _nothing_saved(shelf)


def test_a_request_over_the_season_limit_on_its_own_is_told_so_on_the_page(client, branch, oriented, shelf, settings):
    settings.SEED_PACKETS_PER_SEASON = 2
    everything = [lot.variety_id for lot in shelf]
    response = _post(client, varieties=everything, card_number=oriented.card_number, branch=branch)
    assert response.context["form"].errors.as_data()["varieties"][0].code == "season_limit"
    _nothing_saved(shelf)


def test_over_the_season_limit_with_what_the_card_borrowed_is_emailed(client, branch, oriented, shelf, settings):
    settings.SEED_PACKETS_PER_SEASON = 2
    _post(client, varieties=[shelf[0].variety_id], card_number=oriented.card_number, branch=branch)
    everything = [lot.variety_id for lot in shelf[1:]]
    response = _post(client, varieties=everything, card_number=oriented.card_number, branch=branch)
    assert response.context["form"].errors == {"__all__": [PUBLIC_ANSWER]}
    assert "The limit is 2 packets per season. 1 more can be borrowed" in card_refusal_text(oriented.email)
    assert SeedRequest.objects.count() == 1


def test_the_same_variety_twice_in_a_season_is_refused(client, branch, oriented, shelf):
    _post(client, varieties=[shelf[0].variety_id], card_number=oriented.card_number, branch=branch)
    response = _post(client, varieties=[shelf[0].variety_id], card_number=oriented.card_number, branch=branch)
    assert "of each variety per season" not in response.content.decode()
    assert "of each variety per season (already 1 this season)" in card_refusal_text(oriented.email)
    assert SeedRequest.objects.count() == 1


def test_no_variety_chosen(client, branch, oriented, shelf):
    response = _post(client, varieties=[], card_number=oriented.card_number, branch=branch)
    assert "Choose at least one packet" in response.content.decode()
    _nothing_saved(shelf)


@pytest.mark.parametrize("bad", ["unpublished", "unknown", "text", "huge"])
def test_ids_of_unpublished_or_unknown_varieties_are_refused(client, branch, oriented, shelf, bad):
    hidden = VarietyFactory(is_published=False)
    lendable_lot(branch=branch, variety=hidden)
    value = {"unpublished": hidden.pk, "unknown": 999999, "text": "1 OR 1=1", "huge": "9" * 30}[bad]
    response = _post(client, varieties=[shelf[0].variety_id, value], card_number=oriented.card_number, branch=branch)
    assert response.status_code == 200
    assert "not in the catalogue now" in " ".join(response.context["form"].errors["varieties"])
    _nothing_saved(shelf)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("card_number", "<script>alert(1)</script>", "digits only"),
        ("card_number", "1" * 41, "at most 40"),
        ("email", "doris@<b>example</b>", "valid email"),
        ("branch", "999999", "Choose one of the branches"),
        ("branch", "'; drop table makerlab_branch; --", "Choose one of the branches"),
    ],
)
def test_hostile_or_malformed_details_are_explained_on_the_form(client, branch, oriented, shelf, field, value, message):
    data = {"card_number": oriented.card_number, "email": "doris@example.net", "branch": branch, field: value}
    response = _post(client, varieties=[shelf[0].variety_id], **data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert "<script>alert" not in response.content.decode()
    _nothing_saved(shelf)


def test_more_seeds_than_one_request_can_hold_are_refused(client, branch, oriented, shelf):
    too_many = [shelf[0].variety_id] * (MOST_VARIETIES_IN_A_REQUEST + 1)
    response = _post(client, varieties=too_many, card_number=oriented.card_number, branch=branch)
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["varieties"][0].code == "too_many"
    _nothing_saved(shelf)


def test_a_filled_honeypot_saves_nothing(client, branch, oriented, shelf):
    response = _post(
        client, varieties=[shelf[0].variety_id], card_number=oriented.card_number, branch=branch, website="spam"
    )
    assert response.status_code == 400
    _nothing_saved(shelf)


def test_too_many_posts_from_one_address_wait(client, branch, shelf, settings):
    settings.PUBLIC_REFUSED_POSTS_RATE = "10/10m"
    for _ in range(10):
        response = _post(client, varieties=[shelf[0].variety_id], card_number="1", branch=branch)
        assert response.status_code == 200
    response = _post(client, varieties=[shelf[0].variety_id], card_number="1", branch=branch)
    assert response.status_code == 429
    assert "Please wait a few minutes" in response.content.decode()


def test_with_online_requests_off_the_catalogue_has_no_request_buttons(client, branch, oriented, shelf, settings):
    settings.SEED_ONLINE_REQUESTS = False
    page = client.get(reverse("seeds:list")).content.decode()
    assert "Add to my request" not in page and "My request" not in page
    response = _post(client, varieties=[shelf[0].variety_id], card_number=oriented.card_number, branch=branch)
    assert "cannot ask for seed packets online just now" in response.content.decode()
    _nothing_saved(shelf)


def test_the_request_pages_take_the_same_queries_at_two_sizes(client, branch, oriented, django_assert_num_queries):
    def request_of(size: int) -> SeedRequest:
        lots = [lendable_lot(branch=branch, variety=VarietyFactory()) for _ in range(size)]
        _post(client, varieties=[lot.variety_id for lot in lots], card_number=oriented.card_number, branch=branch)
        return SeedRequest.objects.latest("pk")

    small = request_of(1)
    with django_assert_num_queries(2):
        client.get(reverse("seeds:request_manage", args=[small.manage_token]))
    large = request_of(8)
    with django_assert_num_queries(2):
        response = client.get(reverse("seeds:request_manage", args=[large.manage_token]))
    assert len(response.context["loans"]) == 8
