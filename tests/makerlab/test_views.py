import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import strip_tags
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from tests.clock import LIBRARY_ZONE
from tests.factories import BranchFactory, ClosureFactory


def test_home_tells_a_patron_what_the_lab_offers_and_how_to_reach_it(client, db, settings):
    settings.LIBRARY_NAME = "Elgin Valley Public Library"
    BranchFactory(name="Central Library", street_address="153 Curtis Street", phone="519-555-0142")
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en-CA">' in html
    assert "Skip to main content" in html
    for text in ("Elgin Valley Public Library", "1-on-1 help", "maker program", "seed", "Central Library"):
        assert text in html
    assert "153 Curtis Street" in html
    assert 'href="tel:519-555-0142"' in html


def branch_status(html: str) -> str:
    start = html.index('class="fw-semibold branch-status">') + len('class="fw-semibold branch-status">')
    return " ".join(strip_tags(html[start : html.index("</p>", start)]).split())


@pytest.mark.time_machine(dt.datetime(2026, 11, 18, 10, 30, tzinfo=LIBRARY_ZONE))
def test_home_says_open_now_and_until_when(client, db):
    BranchFactory(observes_statutory_holidays=False)
    html = client.get("/").content.decode()
    assert branch_status(html) == "Open now · until 5 p.m."
    assert "9:30 a.m. to 5 p.m." in html


@pytest.mark.parametrize(
    ("moment", "status"),
    [
        (dt.datetime(2026, 11, 18, 22, 30), "Closed now · opens tomorrow at 9:30 a.m."),
        (dt.datetime(2026, 11, 18, 7, 0), "Closed now · opens today at 9:30 a.m."),
        (dt.datetime(2026, 11, 20, 21, 0), "Closed now · opens tomorrow at 10 a.m."),
        (dt.datetime(2026, 11, 21, 17, 0), "Closed now · opens Monday at 9:30 a.m."),
    ],
)
def test_home_says_closed_now_and_when_it_opens(client, db, time_machine, moment, status):
    time_machine.move_to(moment.replace(tzinfo=LIBRARY_ZONE))
    weekdays = {day: [(dt.time(9, 30), dt.time(20, 30))] for day in range(5)}
    BranchFactory(observes_statutory_holidays=False, hours={**weekdays, 5: [(dt.time(10), dt.time(17))]})
    assert branch_status(client.get("/").content.decode()) == status


def test_home_shows_closed_today_with_the_reason(client, db):
    today = timezone.localdate()
    ClosureFactory(
        branch=BranchFactory(observes_statutory_holidays=False), start_date=today, reason="Staff development day"
    )
    html = client.get("/").content.decode()
    assert branch_status(html) == "Closed today (Staff development day) · opens tomorrow at 9:30 a.m."


def test_home_with_no_branch_yet_says_so(client, db):
    assert "Opening hours will be posted soon" in client.get("/").content.decode()


def test_home_query_count_does_not_grow_with_branches_and_closures(client, db, django_assert_max_num_queries):
    """Three for the branches' week, one for the displays on now (promotion's section)."""
    BranchFactory()
    with django_assert_max_num_queries(4), CaptureQueriesContext(connection) as small:
        assert client.get("/").status_code == 200
    today = timezone.localdate()
    for offset in range(8):
        ClosureFactory(branch=BranchFactory(), start_date=today + dt.timedelta(days=offset % 7))
    with django_assert_max_num_queries(4), CaptureQueriesContext(connection) as large:
        assert client.get("/").status_code == 200
    assert len(small) == len(large)


def test_login_and_healthz_query_counts_are_fixed(client, db, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        assert client.get("/accounts/login/").status_code == 200
    with django_assert_max_num_queries(2):
        client.get("/healthz")


def test_home_refuses_writes(client, db):
    assert client.post("/").status_code == 405


def test_pages_send_a_content_security_policy_without_inline_scripts(client, db):
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_unknown_page_is_a_friendly_404(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


def test_a_failure_is_a_friendly_500_without_details(client, db, settings):
    settings.ROOT_URLCONF = "tests.urls"
    client.raise_request_exception = False
    response = client.get("/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert "RuntimeError" not in html
    assert settings.LIBRARY_NAME in html


def test_admin_is_branded_with_the_library_name(client, db, settings):
    settings.LIBRARY_NAME = "Elgin Valley Public Library"
    html = client.get("/admin/login/").content.decode()
    assert "Elgin Valley Public Library Maker Lab" in html


@pytest.fixture
def beat_ran():
    def mark(when: dt.datetime) -> None:
        schedule, _ = IntervalSchedule.objects.get_or_create(every=60, period=IntervalSchedule.SECONDS)
        PeriodicTask.objects.update_or_create(
            name="health-test",
            defaults={
                "task": "makerlab.tasks.notifications_deliver_pending",
                "interval": schedule,
                "last_run_at": when,
            },
        )

    return mark


def test_healthz_is_ok_when_database_broker_and_beat_are_well(client, db, beat_ran):
    beat_ran(timezone.now() - dt.timedelta(seconds=30))
    response = client.get("/healthz")
    body = json.loads(response.content)
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert (body["database"], body["broker"], body["beat"]) == ("ok", "ok", "ok")
    assert body["beat_last_run"]
    assert "no-cache" in response["Cache-Control"]


def test_healthz_reports_a_stale_beat(client, db, beat_ran):
    beat_ran(timezone.now() - dt.timedelta(hours=2))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["beat"] == "stale"


def test_healthz_reports_beat_that_never_ran(client, db):
    body = json.loads(client.get("/healthz").content)
    assert body["beat"] == "stale"
    assert body["beat_last_run"] is None


def test_healthz_reports_the_broker_down_without_crashing(client, db, settings, beat_ran):
    beat_ran(timezone.now())
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    settings.HEALTHZ_BROKER_TIMEOUT_SECONDS = 0.5
    response = client.get("/healthz")
    body = json.loads(response.content)
    assert response.status_code == 503
    assert body["broker"] == "down"
    assert body["database"] == "ok"
    assert body["status"] == "unhealthy"


def test_favicon_ico_points_at_the_icon(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.svg"
