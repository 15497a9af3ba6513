"""The cache is never a single point of failure: a real Redis, stopped in the middle of each test.

The test starts a redis-server of its own on a free port (never the shared one), points both cache aliases at it,
and stops it: public pages and forms keep working, the rate limit counts in this process, /healthz says the cache
is degraded, and all is as before once Redis is back.
"""

import datetime as dt
import json
import logging
import shutil
import socket
import subprocess
import time

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from bookings.models import Booking
from makerlab import cache as resilient_cache
from programs.models import Audience, Registration
from programs.services.messaging import session_move
from tests.factories import ProgramFactory, at, booking_form_data, build_desk, register_url, with_sessions
from tests.factories import registration_form_data as form

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed.")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A redis-server of the test's own, which the test stops and starts again."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - the installed redis-server and our own arguments
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def redis_server(settings, monkeypatch):
    server = RedisServer()
    server.start()
    # A failure is remembered only briefly, so the test sees Redis again as soon as it is back.
    monkeypatch.setattr(resilient_cache, "RETRY_AFTER_SECONDS", 0.2)
    monkeypatch.setattr(resilient_cache.ResilientRedisCache, "_outages", {})
    settings.CACHES = {
        "default": {"BACKEND": "makerlab.cache.ResilientRedisCache", "LOCATION": server.url},
        "ratelimit": {"BACKEND": "makerlab.cache.RateLimitRedisCache", "LOCATION": server.url, "KEY_PREFIX": "rl"},
    }
    settings.RATELIMIT_USE_CACHE = "ratelimit"
    resilient_cache.RateLimitRedisCache._local.clear()
    try:
        yield server
    finally:
        server.stop()
        resilient_cache.RateLimitRedisCache._local.clear()


@pytest.fixture
def kids(db):
    program = ProgramFactory(
        title="Little makers", slug="little-makers", audience=Audience.CHILDREN, min_age=6, max_age=10, capacity=10
    )
    return with_sessions(program, days=(3, 10))


@pytest.fixture
def beat_ran(db):
    every_minute = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.create(name="sweep", task="x", interval=every_minute, last_run_at=timezone.now())


def test_with_redis_stopped_pages_and_registrations_still_work(client, kids, redis_server, caplog):
    assert client.post(register_url(kids), form(1)).status_code == 302
    redis_server.stop()
    with caplog.at_level(logging.WARNING, logger="makerlab.cache"):
        assert client.get(reverse("programs:program", args=[kids.slug])).status_code == 200
        response = client.post(register_url(kids), form(2))
        assert response.status_code == 302
        assert client.get(response["Location"]).status_code == 200
        assert client.post(register_url(kids), form(3)).status_code == 302
    assert Registration.objects.count() == 3
    outage_logs = [record for record in caplog.records if "does not answer" in record.getMessage()]
    # Logged once per outage and cache: not once per operation.
    assert 1 <= len(outage_logs) <= 2


def test_with_redis_stopped_a_booking_still_completes(client, db, redis_server):
    day = timezone.localdate() + dt.timedelta(days=3)
    service = build_desk([day])
    book = reverse("bookings:book", args=[service.slug])
    redis_server.stop()
    assert client.get(reverse("bookings:service", args=[service.slug])).status_code == 200
    assert client.get(book, {"starts_at": at(day, 14).isoformat()}).status_code == 200
    response = client.post(book, booking_form_data(at(day, 14)))
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    assert Booking.objects.count() == 1


def test_with_redis_stopped_staff_pages_are_rendered_as_they_are_now(client, assistant, redis_server, settings):
    settings.PAGE_CACHE = True
    day = timezone.localdate() + dt.timedelta(days=3)
    service = build_desk([day])
    desk = Client()
    desk.force_login(assistant)
    agenda = f"{reverse('bookings_staff:agenda')}?day={day.isoformat()}"
    assert "Doris Campbell" not in desk.get(agenda).text
    redis_server.stop()
    assert client.post(reverse("bookings:book", args=[service.slug]), booking_form_data(at(day, 14))).status_code == 302
    page = desk.get(agenda)
    assert page.status_code == 200 and "Doris Campbell" in page.text


def test_with_redis_stopped_the_rate_limit_counts_in_the_process(client, kids, redis_server, settings, caplog):
    settings.PUBLIC_POSTS_RATE = "2/10m"
    redis_server.stop()
    with caplog.at_level(logging.WARNING, logger="makerlab.cache"):
        assert client.post(register_url(kids), form(1)).status_code == 302
        assert client.post(register_url(kids), form(2)).status_code == 302
        response = client.post(register_url(kids), form(3))
    assert response.status_code == 429
    assert Registration.objects.count() == 2
    assert any("rate limits are counted in each process" in record.getMessage() for record in caplog.records)


def test_the_rate_limit_is_counted_in_redis_while_it_answers(client, kids, redis_server, settings):
    settings.PUBLIC_POSTS_RATE = "1/10m"
    assert client.post(register_url(kids), form(1)).status_code == 302
    assert caches["ratelimit"]._cache.get_client().keys("rl:*")  # shared by every process
    assert not resilient_cache.RateLimitRedisCache._local._cache
    assert client.post(register_url(kids), form(2)).status_code == 429


def test_healthz_reports_the_cache_degraded_then_well_again(client, db, redis_server, beat_ran):
    assert json.loads(client.get("/healthz").content)["cache"] == "ok"
    redis_server.stop()
    response = client.get("/healthz")
    body = json.loads(response.content)
    assert body["cache"] == "degraded"
    # The site works without its cache: only the database, the broker and beat decide the status.
    assert body["status"] == ("ok" if body["broker"] == "ok" else "unhealthy")
    redis_server.start()
    time.sleep(0.3)
    assert json.loads(client.get("/healthz").content)["cache"] == "ok"


def test_the_cache_answers_again_once_redis_is_back(db, redis_server, caplog):
    cache = caches["default"]
    cache.set("greeting", "hello")
    redis_server.stop()
    with caplog.at_level(logging.WARNING, logger="makerlab.cache"):
        assert cache.get("greeting", "missing") == "missing"
        assert cache.add("lock", 1) is False
        assert cache.get_or_set("computed", 5) == 5
        with pytest.raises(ValueError):
            cache.incr("counter")
        redis_server.start()
        time.sleep(0.3)
        cache.set("greeting", "back")
        assert cache.get("greeting") == "back"
    messages = [record.getMessage() for record in caplog.records]
    assert any("answers again" in message for message in messages)


def test_with_redis_stopped_a_session_moved_is_never_answered_with_a_stale_304(
    kids, redis_server, settings, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE = True
    visitor = Client()
    feed = reverse("programs:feed")
    redis_server.stop()
    before = visitor.get(feed)["ETag"]
    session = kids.sessions.order_by("starts_at").first()
    with django_capture_on_commit_callbacks(execute=True):
        session_move(
            session=session,
            starts_at=session.starts_at + dt.timedelta(hours=1),
            ends_at=session.ends_at + dt.timedelta(hours=1),
            by=None,
        )
    response = visitor.get(feed, HTTP_IF_NONE_MATCH=before)
    assert response.status_code == 200 and b"BEGIN:VCALENDAR" in response.content
