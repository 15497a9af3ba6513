"""Public pages served from the page cache: never stale after a write, cheap to revalidate, fine without a cache.

A visitor looks first (the page goes into the cache), someone else writes through the real form, and the
visitor looks again. A test's writes never commit, so each write runs inside
``django_capture_on_commit_callbacks(execute=True)``: the version bumps then run as they do after a commit.
"""

import datetime as dt
import re

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking, UnmetDemand
from programs.models import Audience, Registration
from programs.services.messaging import session_move
from tests.factories import (
    OrientationFactory,
    ProgramFactory,
    VarietyFactory,
    at,
    booking_form_data,
    build_desk,
    lendable_lot,
    register_url,
    registration_form_data,
    with_sessions,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE = True


@pytest.fixture
def visitor() -> Client:
    """Someone who only looks: no session, so every public page they open is shared."""
    return Client()


@pytest.fixture
def kids(db):
    program = ProgramFactory(
        title="Little makers", slug="little-makers", audience=Audience.CHILDREN, min_age=6, max_age=10, capacity=3
    )
    return with_sessions(program, days=(3, 10))


@pytest.fixture
def shelf(branch):
    return lendable_lot(branch=branch, packets=3, variety=VarietyFactory(common_name="Scarlet runner bean"))


def _queries(do) -> int:
    with CaptureQueriesContext(connection) as queries:
        do()
    return len(queries)


# --- Never stale after a write ---------------------------------------------------------------------------------


def test_places_left_follow_a_registration_and_a_cancel(client, visitor, kids, django_capture_on_commit_callbacks):
    page, calendar = reverse("programs:program", args=[kids.slug]), reverse("programs:list")
    assert "3 places left" in visitor.get(page).text and "3 places left" in visitor.get(calendar).text
    assert _queries(lambda: visitor.get(page)) == 0, "the second look is served from the cache"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(register_url(kids), registration_form_data(child_2_name="Grace", child_2_age="9"))
    assert "1 place left" in visitor.get(page).text and "1 place left" in visitor.get(calendar).text

    registration = Registration.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("programs:cancel", args=[registration.manage_token]))
    assert "3 places left" in visitor.get(page).text and "3 places left" in visitor.get(calendar).text


def test_book_times_follow_a_booking(client, visitor, django_capture_on_commit_callbacks):
    day = timezone.localdate() + dt.timedelta(days=3)
    service = build_desk([day])
    times = reverse("bookings:service", args=[service.slug])
    assert visitor.get(times).text.count('type="radio"') == 3
    assert _queries(lambda: visitor.get(times)) == 0

    with django_capture_on_commit_callbacks(execute=True):
        booked = client.post(reverse("bookings:book", args=[service.slug]), booking_form_data(at(day, 14)))
    assert booked.status_code == 302
    assert visitor.get(times).text.count('type="radio"') == 2


def test_packets_on_the_shelf_follow_a_seed_request(
    client, visitor, branch, patron, shelf, django_capture_on_commit_callbacks
):
    OrientationFactory(patron=patron)
    catalogue, variety = reverse("seeds:list"), reverse("seeds:variety", args=[shelf.variety.slug])
    assert "3 packets on the shelf" in visitor.get(catalogue).text
    assert "3 packets on the shelf" in visitor.get(variety).text

    form = {
        "varieties": [str(shelf.variety_id)],
        "card_number": patron.card_number,
        "email": "doris@example.net",
        "branch": str(branch.pk),
        "website": "",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("seeds:request"), form).status_code == 302
    assert "2 packets on the shelf" in visitor.get(catalogue).text
    assert "2 packets on the shelf" in visitor.get(variety).text


def test_a_closure_added_in_the_admin_shows_on_the_home_page(
    client, visitor, coordinator, branch, django_capture_on_commit_callbacks
):
    assert "Snow day" not in visitor.get("/").text
    client.force_login(coordinator)
    today = timezone.localdate().isoformat()
    closure = {"branch": str(branch.pk), "start_date": today, "end_date": today, "reason": "Snow day"}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("admin:makerlab_closure_add"), closure).status_code == 302
    assert "Closed today</span> (Snow day)" in visitor.get("/").text


# --- What stays each visitor's own -------------------------------------------------------------------------------


def test_a_visitor_with_a_basket_sees_their_own_catalogue(client, visitor, shelf):
    visitor.get(reverse("seeds:list"))
    client.post(reverse("seeds:basket_add"), {"variety": str(shelf.variety_id), "back": "/seeds/"})
    mine = client.get(reverse("seeds:list")).text
    assert 'action="/seeds/request/remove/"' in mine
    assert 'action="/seeds/request/remove/"' not in visitor.get(reverse("seeds:list")).text


def test_a_form_on_a_cached_page_carries_each_visitors_own_csrf_token(visitor, settings):
    settings.ROOT_URLCONF = "tests.urls"
    first = re.search(r'value="([A-Za-z0-9]+)"', visitor.get("/cached-form/").text).group(1)
    newcomer = Client(enforce_csrf_checks=True)
    page = newcomer.get("/cached-form/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"', page.text).group(1)
    assert token != first
    assert newcomer.post("/cached-form/", {"csrfmiddlewaretoken": token}).text == "taken"


def test_the_seed_catalogue_carries_no_token_and_takes_a_basket_post_from_its_own_page(visitor, shelf):
    page = visitor.get(reverse("seeds:list"))
    assert "csrfmiddlewaretoken" not in page.text and not page.cookies
    newcomer = Client(enforce_csrf_checks=True)
    newcomer.get(reverse("seeds:list"))
    added = newcomer.post(
        reverse("seeds:basket_add"),
        {"variety": str(shelf.variety_id), "back": "/seeds/"},
        headers={"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"},
    )
    assert added.status_code == 302
    assert 'action="/seeds/request/remove/"' in newcomer.get(reverse("seeds:list")).text


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site", "Origin": "https://elsewhere.example"},
        {"Sec-Fetch-Site": "same-site", "Origin": "https://shop.testserver"},
        {"Origin": "https://elsewhere.example"},
        {"Origin": "null"},
        {"Referer": "https://elsewhere.example/page"},
        {"Origin": "http://["},
        {"Referer": "about:blank"},
    ],
)
def test_another_site_cannot_change_a_visitors_seed_basket(shelf, headers):
    browser = Client(enforce_csrf_checks=True)
    for url in (reverse("seeds:basket_add"), reverse("seeds:basket_remove")):
        refused = browser.post(url, {"variety": str(shelf.variety_id), "back": "/seeds/"}, headers=headers)
        assert refused.status_code == 403
    assert 'action="/seeds/request/remove/"' not in browser.get(reverse("seeds:list")).text


def test_cached_pages_keep_their_security_and_download_headers(visitor, kids):
    for url in ("/", reverse("programs:list"), reverse("programs:feed")):
        first, cached = visitor.get(url), visitor.get(url)
        assert cached.content == first.content
        for header in ("Content-Security-Policy", "X-Frame-Options", "Content-Type", "X-Content-Type-Options"):
            assert cached[header] == first[header], (url, header)
    assert cached["Content-Disposition"] == 'inline; filename="maker-lab-programs.ics"'


def test_a_week_with_no_free_time_is_never_served_from_the_cache(db):
    """Each visitor who finds nothing free is counted as unmet demand: that page is rendered for each of them."""
    full = build_desk([])
    url = reverse("bookings:service", args=[full.slug])
    assert "No free times right now" in Client(REMOTE_ADDR="10.0.0.1").get(url).text
    Client(REMOTE_ADDR="10.0.0.2").get(url)
    assert UnmetDemand.objects.filter(service_type=full).count() == 2


def test_a_head_request_is_answered_from_the_cache(visitor, kids):
    url = reverse("programs:program", args=[kids.slug])
    visitor.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = visitor.head(url)
    assert response.status_code == 200 and not response.content and len(queries) == 0


# --- Conditional GET ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["programs:feed", "seeds:list"])
def test_a_304_costs_no_query(visitor, kids, shelf, url_name, django_assert_max_num_queries):
    url = reverse(url_name)
    first = visitor.get(url)
    assert first.status_code == 200 and first["ETag"].startswith('W/"')
    with django_assert_max_num_queries(0):
        assert visitor.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    with django_assert_max_num_queries(0):
        assert visitor.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    filtered = visitor.get(url, {"audience": "children"} if url_name == "programs:feed" else {"q": "bean"})
    assert filtered["ETag"] != first["ETag"]


def test_a_moved_session_changes_the_feeds_validators(visitor, kids, django_capture_on_commit_callbacks):
    url = reverse("programs:feed")
    before = visitor.get(url)
    session = kids.sessions.order_by("starts_at").first()
    with django_capture_on_commit_callbacks(execute=True):
        session_move(
            session=session,
            starts_at=session.starts_at + dt.timedelta(hours=1),
            ends_at=session.ends_at + dt.timedelta(hours=1),
            by=None,
        )
    after = visitor.get(url)
    assert after["ETag"] != before["ETag"] and after["Last-Modified"] != before["Last-Modified"]
    assert visitor.get(url, HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 200
    assert visitor.get(url, HTTP_IF_MODIFIED_SINCE=before["Last-Modified"]).status_code == 200
    assert visitor.get(url, HTTP_IF_NONE_MATCH=after["ETag"]).status_code == 304


# --- With Redis --------------------------------------------------------------------------------------------------


@pytest.mark.skipif(not django_settings.REDIS_URL, reason="needs REDIS_URL (the devenv sets it)")
def test_with_redis_the_second_look_costs_no_query_and_a_registration_shows(
    client, visitor, kids, settings, django_capture_on_commit_callbacks
):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": settings.REDIS_URL}
    }
    cache.clear()
    page = reverse("programs:program", args=[kids.slug])
    assert "3 places left" in visitor.get(page).text
    assert _queries(lambda: visitor.get(page)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        client.post(register_url(kids), registration_form_data())
    assert "2 places left" in visitor.get(page).text
    cache.clear()


# --- Without a cache ---------------------------------------------------------------------------------------------


def test_pages_render_when_the_cache_is_unreachable(visitor, kids, shelf, settings, django_capture_on_commit_callbacks):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    for url in ("/", reverse("programs:list"), reverse("programs:program", args=[kids.slug]), reverse("seeds:list")):
        assert visitor.get(url).status_code == 200, url
    feed = visitor.get(reverse("programs:feed"))
    assert feed.status_code == 200 and "VEVENT" in feed.text
    with django_capture_on_commit_callbacks(execute=True):
        kids.sessions.first().save()  # a bump that cannot reach the cache is logged, never raised


def test_a_booking_link_is_kept_until_the_booking_changes(client, visitor, django_capture_on_commit_callbacks):
    """The page a patron's private link opens is kept by its address, and never outlives a cancel."""
    day = timezone.localdate() + dt.timedelta(days=3)
    service = build_desk([day])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("bookings:book", args=[service.slug]), booking_form_data(at(day, 14)))
    manage = reverse("bookings:manage", args=[Booking.objects.get().manage_token])
    assert "Cancel this booking" in visitor.get(manage).text
    assert _queries(lambda: visitor.get(manage)) == 0
    assert visitor.get(manage)["X-Robots-Tag"] == "noindex, nofollow"

    with django_capture_on_commit_callbacks(execute=True):
        visitor.post(reverse("bookings:cancel", args=[Booking.objects.get().manage_token]))
    page = Client().get(manage)
    assert "Cancel this booking" not in page.text and "cancelled" in page.text.lower()


def test_a_registration_link_follows_a_cancel(client, visitor, kids, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(register_url(kids), registration_form_data())
    manage = reverse("programs:manage", args=[Registration.objects.get().manage_token])
    before = visitor.get(manage).text
    assert _queries(lambda: visitor.get(manage)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("programs:cancel", args=[Registration.objects.get().manage_token]))
    assert Client().get(manage).text != before
