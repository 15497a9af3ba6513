"""The programs to come as RSS, Atom and JSON feeds, filtered like the calendar and advertised on its pages; each
program page's sessions as schema.org Events for search engines."""

import datetime as dt
import html
import json
import re

import feedparser
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from programs.models import Audience, Category, PartnerSite, Program, Session
from programs.schema_org import EVENTS_MAX
from programs.services.messaging import session_move
from programs.services.registration import registration_create
from tests.factories import ProgramFactory, with_sessions
from tests.programs.test_selling import change_form, change_url
from tests.programs.test_views import cancel_session, details, programs_at_scale

RSS, ATOM, JSON_FEED = "programs:feed_rss", "programs:feed_atom", "programs:feed_json"
XML_FEEDS = [RSS, ATOM]
FEEDS = [RSS, ATOM, JSON_FEED]
HOSTILE_TITLE = '</script><script>alert("x")</script> & <b>Tools</b>'


@pytest.fixture
def kids(db):
    return with_sessions(
        ProgramFactory(
            title="Little makers",
            slug="little-makers",
            audience=Audience.CHILDREN,
            category=Category.CRAFTS,
            min_age=6,
            max_age=10,
            capacity=3,
            room="Room B",
            description="Make a puppet from socks.\r\n\r\nEverything is provided.",
        ),
        days=(3, 10),
    )


@pytest.fixture
def teens(db):
    return with_sessions(ProgramFactory(title="Teen coding", slug="teen-coding"), days=(5,))


@pytest.fixture
def site(db):
    return PartnerSite.objects.create(
        name="Eastside Community Centre",
        organisation="City of Elgin",
        street_address="12 Main Street",
        city="Elgin",
        postal_code="N1H 2K3",
    )


@pytest.fixture
def outreach(site):
    program = ProgramFactory(
        title="Seed saving at Eastside", slug="seed-saving", branch=None, partner_site=site, registration_required=False
    )
    return with_sessions(program, days=(4,))


def parsed(client, url_name, params=None):
    response = client.get(reverse(url_name), params or {})
    assert response.status_code == 200, response.content
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return response, feed


def json_items(client, params=None):
    response = client.get(reverse(JSON_FEED), params or {})
    assert response.status_code == 200, response.content
    return json.loads(response.content)["items"]


def titles(client, url_name, params=None) -> list[str]:
    if url_name == JSON_FEED:
        return [item["title"] for item in json_items(client, params)]
    return [entry.title for entry in parsed(client, url_name, params)[1].entries]


def program_url(program) -> str:
    return f"http://testserver/programs/{program.slug}/"


# --- The feeds -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", XML_FEEDS)
def test_a_feed_lists_the_published_programs_to_come_soonest_first(client, kids, teens, outreach, url_name):
    with_sessions(ProgramFactory(title="Hidden", is_published=False))
    over = ProgramFactory(title="Last week's workshop")
    start = timezone.now() - dt.timedelta(days=7)
    Session.objects.create(program=over, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    response, feed = parsed(client, url_name)
    assert response["Content-Type"].startswith("application/rss+xml" if url_name == RSS else "application/atom+xml")
    assert [entry.title for entry in feed.entries] == ["Little makers", "Seed saving at Eastside", "Teen coding"]
    entry = feed.entries[0]
    assert entry.link == program_url(kids)
    assert entry.id == f"tag:testserver,{kids.created_at.astimezone(dt.UTC):%Y-%m-%d}:programs/{kids.pk}"
    assert len({e.id for e in feed.entries}) == 3
    assert {tag.term for tag in entry.tags} == {"Crafts", "Children"}
    assert feed.feed.title == "Elgin Valley Public Library Maker Lab programs"
    assert feed.feed.link == "http://testserver/programs/"


@pytest.mark.parametrize("url_name", XML_FEEDS)
def test_an_items_description_says_when_where_who_and_whether_there_is_room(client, kids, outreach, url_name):
    _, feed = parsed(client, url_name)
    entries = {entry.title: entry for entry in feed.entries}
    text = html.unescape(re.sub(r"<[^>]+>", "\n", entries["Little makers"].summary))
    first = kids.sessions.order_by("starts_at").first().starts_at.astimezone(kids.zone)
    assert "\nMake a puppet from socks.\n" in text and "\nEverything is provided.\n" in text
    assert f"Next session: {first:%A} {first.day} {first:%B} {first.year}, 3:00 to 4:00 p.m." in text
    assert f"Where: {kids.branch.name}, Room B, {kids.branch.address_line}." in text
    assert "Who it is for: Children, ages 6 to 10." in text
    assert "3 places left." in text
    outreach_text = html.unescape(entries["Seed saving at Eastside"].summary)
    assert "Eastside Community Centre (City of Elgin), 12 Main Street, Elgin N1H 2K3" in outreach_text
    assert "Drop in, no registration." in outreach_text


def dates(client, url_name) -> tuple[dt.datetime, dt.datetime]:
    """The first item's published and updated moments (RSS has no updated of its own: the feed's last build)."""
    if url_name == JSON_FEED:
        item = json_items(client)[0]
        return dt.datetime.fromisoformat(item["date_published"]), dt.datetime.fromisoformat(item["date_modified"])
    feed = parsed(client, url_name)[1]
    updated = feed.entries[0].updated_parsed if url_name == ATOM else feed.feed.updated_parsed
    return (
        dt.datetime(*feed.entries[0].published_parsed[:6], tzinfo=dt.UTC),
        dt.datetime(*updated[:6], tzinfo=dt.UTC),
    )


def to_second(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(microsecond=0)


@pytest.mark.parametrize("url_name", FEEDS)
def test_published_is_when_the_program_was_created_and_updated_follows_it_and_its_sessions(
    client, kids, url_name, time_machine
):
    created = timezone.now() - dt.timedelta(days=20)
    Program.objects.filter(pk=kids.pk).update(created_at=created, updated_at=created)
    Session.objects.filter(program=kids).update(updated_at=created)
    published, updated = dates(client, url_name)
    assert (to_second(published), to_second(updated)) == (to_second(created), to_second(created))

    session = kids.sessions.order_by("starts_at").last()
    time_machine.move_to(timezone.now() + dt.timedelta(hours=1))
    session_move(
        session=session,
        starts_at=session.starts_at + dt.timedelta(hours=1),
        ends_at=session.ends_at + dt.timedelta(hours=1),
        by=None,
    )
    moved_at = Session.objects.get(pk=session.pk).updated_at
    published, updated = dates(client, url_name)
    assert (to_second(published), to_second(updated)) == (to_second(created), to_second(moved_at))

    time_machine.move_to(timezone.now() + dt.timedelta(hours=1))
    program = Program.objects.get(pk=kids.pk)
    program.title = "Sock puppets"
    program.save()
    published, updated = dates(client, url_name)
    assert (to_second(published), to_second(updated)) == (to_second(created), to_second(program.updated_at))


def test_the_json_feed_follows_json_feed_1_1(client, kids, teens):
    Program.objects.filter(pk=kids.pk).update(
        image="programs/images/2026/socks.jpg",
        image_alt="Sock puppets",
        image_renditions=[
            {"width": 400, "height": 225, "name": "programs/images/2026/renditions/socks-400w.webp"},
            {"width": 1200, "height": 675, "name": "programs/images/2026/renditions/socks-1200w.webp"},
        ],
    )
    response = client.get(reverse(JSON_FEED))
    assert response["Content-Type"] == "application/feed+json; charset=utf-8"
    feed = json.loads(response.content)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"] == "http://testserver/programs/feed.json"
    assert feed["home_page_url"] == "http://testserver/programs/"
    assert [item["title"] for item in feed["items"]] == ["Little makers", "Teen coding"]
    item = feed["items"][0]
    assert item["id"] == f"tag:testserver,{kids.created_at.astimezone(dt.UTC):%Y-%m-%d}:programs/{kids.pk}"
    assert item["url"] == program_url(kids)
    assert "Who it is for: Children, ages 6 to 10." in item["content_text"]
    assert item["tags"] == ["Crafts", "Children"]
    assert dt.datetime.fromisoformat(item["date_published"]) == kids.created_at
    assert dt.datetime.fromisoformat(item["date_modified"]) >= kids.created_at
    assert item["image"] == "http://testserver/media/programs/images/2026/renditions/socks-1200w.webp"
    assert "image" not in feed["items"][1]


@pytest.mark.parametrize("url_name", FEEDS)
def test_a_hostile_title_comes_through_as_text(client, db, url_name):
    with_sessions(ProgramFactory(title=HOSTILE_TITLE, description="<img src=x onerror=alert(1)>"))
    assert titles(client, url_name) == [HOSTILE_TITLE]
    if url_name != JSON_FEED:
        summary = parsed(client, url_name)[1].entries[0].summary
        assert "<img" not in summary and "&lt;img src=x" in summary


@pytest.mark.parametrize("url_name", FEEDS)
def test_the_calendars_filters_narrow_a_feed(client, kids, teens, outreach, site, url_name):
    assert titles(client, url_name, {"audience": "children"}) == ["Little makers"]
    assert titles(client, url_name, {"category": "coding"}) == ["Seed saving at Eastside", "Teen coding"]
    assert titles(client, url_name, {"age": "8"}) == ["Little makers"]
    assert titles(client, url_name, {"where": f"site-{site.pk}"}) == ["Seed saving at Eastside"]
    assert titles(client, url_name, {"where": f"branch-{kids.branch_id}"}) == ["Little makers"]
    later = (timezone.localdate() + dt.timedelta(days=9)).isoformat()
    assert titles(client, url_name, {"starts_after": later}) == ["Little makers"]
    soon = (timezone.localdate() + dt.timedelta(days=4)).isoformat()
    assert titles(client, url_name, {"starts_before": soon}) == ["Little makers", "Seed saving at Eastside"]
    assert titles(client, url_name, {"audience": "adults"}) == []
    # Addresses the calendar adds, or a campaign's tags, are no filters.
    assert len(titles(client, url_name, {"view": "month", "utm_source": "newsletter"})) == 3


def test_a_filtered_feed_names_its_choices_and_its_own_address(client, kids, teens):
    _, feed = parsed(client, ATOM, {"audience": "children", "age": "8"})
    assert feed.feed.title == "Elgin Valley Public Library Maker Lab programs: Children, age 8"
    assert feed.feed.link == "http://testserver/programs/?audience=children&age=8"
    own = [link.href for link in feed.feed.links if link.rel == "self"]
    assert own == ["http://testserver/programs/feed.atom?audience=children&age=8"]


BAD_FILTERS = [
    {"age": "eight"},
    {"age": "-1"},
    {"age": "121"},
    {"age": "1e400"},
    {"age": "NaN"},
    {"audience": "robots"},
    {"audience": "children\x00"},
    {"category": "' OR 1=1 --"},
    {"where": "branch-99999999999999999999"},
    {"where": "site-abc"},
    {"where": "<script>alert(1)</script>"},
    {"starts_after": "2026-13-45"},
    {"starts_after": "99999-01-01"},
    {"starts_before": "soon"},
    {"audience": "x" * 5000},
]


@pytest.mark.parametrize("url_name", FEEDS)
@pytest.mark.parametrize("params", BAD_FILTERS, ids=lambda params: repr(params)[:40])
def test_a_filter_a_feed_cannot_read_is_refused_with_a_plain_message(client, kids, url_name, params):
    response = client.get(reverse(url_name), params)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("This feed's address has a choice we cannot read: ")
    assert not any(value in text for value in params.values()), "the answer never repeats what was sent"


def test_a_refusal_names_each_filter_it_could_not_read(client, kids):
    response = client.get(reverse(RSS), {"age": "200", "audience": "robots", "category": "coding"})
    assert response.content.decode().startswith(
        "This feed's address has a choice we cannot read: Who it is for, Age. Copy the feed's address again from "
        "the programs page, http://testserver/programs/"
    )


@pytest.mark.parametrize("url_name", FEEDS)
def test_filters_far_off_give_an_empty_feed_that_is_still_a_feed(client, kids, url_name):
    params = {"starts_after": "9999-12-31", "age": "120"}
    assert titles(client, url_name, params) == []
    assert titles(client, url_name, {"starts_before": "0001-01-01"}) == []


@pytest.mark.parametrize("url_name", FEEDS)
def test_a_feeds_query_budget_does_not_grow_with_programs(client, db, url_name):
    programs_at_scale(2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse(url_name), {"audience": "teens"}).status_code == 200
    programs_at_scale(12)
    with CaptureQueriesContext(connection) as large:
        assert client.get(reverse(url_name), {"audience": "teens"}).status_code == 200
    assert len(small) == len(large) <= 3, [q["sql"] for q in large.captured_queries]


# --- Served from the page cache, never stale -------------------------------------------------------------------


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE = True


@pytest.fixture
def visitor_client() -> Client:
    """Someone who only looks: no session, so every feed they open is shared."""
    return Client()


@pytest.mark.parametrize("url_name", FEEDS)
def test_a_cached_feed_shows_a_title_changed_in_the_admin(
    client, visitor_client, coordinator, kids, page_cache, url_name, django_capture_on_commit_callbacks
):
    visitor = visitor_client
    assert "Little makers" in titles(visitor, url_name)
    with CaptureQueriesContext(connection) as queries:
        assert "Little makers" in titles(visitor, url_name)
    assert len(queries) == 0, "the second look is served from the cache"

    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(change_url(kids), change_form(client, kids, title="Sock puppets")).status_code == 302
    assert "Sock puppets" in titles(visitor, url_name) and "Little makers" not in titles(visitor, url_name)


@pytest.mark.parametrize("url_name", FEEDS)
def test_a_cached_feed_shows_a_title_changed_by_a_save(
    visitor_client, kids, page_cache, url_name, django_capture_on_commit_callbacks
):
    assert titles(visitor_client, url_name) == ["Little makers"]
    with django_capture_on_commit_callbacks(execute=True):
        kids.title = "Sock puppets"
        kids.save()
    assert titles(visitor_client, url_name) == ["Sock puppets"]


def test_a_cached_feed_answers_a_reader_that_already_has_it_with_304(kids, page_cache, visitor_client):
    first = visitor_client.get(reverse(ATOM))
    with CaptureQueriesContext(connection) as queries:
        again = visitor_client.get(reverse(ATOM), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and len(queries) == 0


# --- Advertised on the calendar and on each program page -----------------------------------------------------------


def alternates(page: str) -> dict[str, str]:
    return {
        kind: html.unescape(href)
        for kind, href in re.findall(r'<link rel="alternate" type="([^"]+)" title="[^"]+" href="([^"]+)">', page)
    }


def test_the_calendar_advertises_the_feeds_with_the_filters_it_could_read(client, kids):
    page = client.get(reverse("programs:list"), {"audience": "children", "age": "eight", "view": "list"}).content
    found = alternates(page.decode())
    assert found == {
        "application/rss+xml": "/programs/feed.rss?audience=children",
        "application/atom+xml": "/programs/feed.atom?audience=children",
        "application/feed+json": "/programs/feed.json?audience=children",
    }
    assert '<a href="/programs/feed.rss?audience=children">Follow in a feed reader</a>' in page.decode()
    plain = client.get(reverse("programs:list")).content.decode()
    assert alternates(plain)["application/rss+xml"] == "/programs/feed.rss"
    assert '<a href="/programs/feed.rss">Follow in a feed reader</a>.' in plain
    month = client.get(reverse("programs:list"), {"view": "month", "category": "crafts"}).content.decode()
    assert alternates(month)["application/atom+xml"] == "/programs/feed.atom?category=crafts"


def test_a_program_page_advertises_the_feeds_of_every_program(client, kids):
    page = client.get(reverse("programs:program", args=[kids.slug])).content.decode()
    assert alternates(page) == {
        "application/rss+xml": "/programs/feed.rss",
        "application/atom+xml": "/programs/feed.atom",
        "application/feed+json": "/programs/feed.json",
    }


# --- schema.org Events on a program page -----------------------------------------------------------------------


def events(client, program) -> list[dict]:
    page = client.get(reverse("programs:program", args=[program.slug])).content.decode()
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, flags=re.S)
    assert len(blocks) <= 1
    return json.loads(blocks[0]) if blocks else []


EVENT_FIELDS = {
    "@context",
    "@type",
    "name",
    "description",
    "url",
    "startDate",
    "endDate",
    "eventStatus",
    "eventAttendanceMode",
    "location",
    "organizer",
    "offers",
    "isAccessibleForFree",
}


def test_each_session_to_come_is_an_event(client, kids):
    found = events(client, kids)
    sessions = list(kids.sessions.order_by("starts_at"))
    assert len(found) == 2
    event = found[0]
    assert set(event) == EVENT_FIELDS
    assert event["@context"] == "https://schema.org" and event["@type"] == "Event"
    assert event["name"] == "Little makers" and event["description"].startswith("Make a puppet")
    assert event["url"] == program_url(kids)
    assert dt.datetime.fromisoformat(event["startDate"]) == sessions[0].starts_at
    assert dt.datetime.fromisoformat(event["endDate"]) == sessions[0].ends_at
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT15:00:00-0[45]:00", event["startDate"])
    assert event["eventStatus"] == "https://schema.org/EventScheduled"
    assert event["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    branch = kids.branch
    assert event["location"] == {
        "@type": "Place",
        "name": f"{branch.name}, Room B",
        "address": {
            "@type": "PostalAddress",
            "streetAddress": branch.street_address,
            "addressLocality": branch.city,
            "addressRegion": branch.province,
            "postalCode": branch.postal_code,
            "addressCountry": "CA",
        },
    }
    assert event["organizer"] == {
        "@type": "Organization",
        "name": "Elgin Valley Public Library",
        "url": "http://testserver/",
    }
    assert event["offers"] == {
        "@type": "Offer",
        "price": "0",
        "priceCurrency": "CAD",
        "availability": "https://schema.org/InStock",
        "url": program_url(kids),
    }
    assert event["isAccessibleForFree"] is True


def test_a_cancelled_and_a_moved_session_say_so(client, kids, django_capture_on_commit_callbacks):
    first, second = kids.sessions.order_by("starts_at")
    cancel_session(first)
    session_move(
        session=second,
        starts_at=second.starts_at + dt.timedelta(days=1),
        ends_at=second.ends_at + dt.timedelta(days=1),
        by=None,
    )
    cancelled, moved = events(client, kids)
    assert set(cancelled) == set(moved) == EVENT_FIELDS
    assert cancelled["eventStatus"] == "https://schema.org/EventCancelled"
    assert cancelled["offers"]["availability"] == "https://schema.org/Discontinued"
    assert moved["eventStatus"] == "https://schema.org/EventRescheduled"
    assert dt.datetime.fromisoformat(moved["startDate"]) == second.starts_at + dt.timedelta(days=1)
    assert moved["offers"]["availability"] == "https://schema.org/InStock"


def test_an_outreach_program_is_at_its_partners_site(client, outreach):
    (event,) = events(client, outreach)
    assert set(event) == EVENT_FIELDS
    assert event["location"] == {
        "@type": "Place",
        "name": "Eastside Community Centre",
        "address": {
            "@type": "PostalAddress",
            "streetAddress": "12 Main Street",
            "addressLocality": "Elgin",
            "postalCode": "N1H 2K3",
            "addressCountry": "CA",
        },
    }
    assert event["offers"]["availability"] == "https://schema.org/InStock"
    assert event["eventStatus"] == "https://schema.org/EventScheduled"


def test_an_events_offer_follows_the_places(client, kids):
    Program.objects.filter(pk=kids.pk).update(waitlist_capacity=0, capacity=1)
    registration_create(program=kids, details=details(1))
    assert events(client, kids)[0]["offers"]["availability"] == "https://schema.org/SoldOut"
    opens = timezone.now() + dt.timedelta(days=1)
    Program.objects.filter(pk=kids.pk).update(registration_opens_at=opens)
    offer = events(client, kids)[0]["offers"]
    assert offer["availability"] == "https://schema.org/PreOrder"
    assert dt.datetime.fromisoformat(offer["validFrom"]) == opens


def test_a_program_with_a_picture_gives_its_address(client, kids):
    Program.objects.filter(pk=kids.pk).update(
        image="programs/images/2026/socks.jpg",
        image_alt="Sock puppets",
        image_renditions=[{"width": 1200, "height": 675, "name": "programs/images/2026/renditions/socks-1200w.webp"}],
    )
    event = events(client, kids)[0]
    assert event["image"] == ["http://testserver/media/programs/images/2026/renditions/socks-1200w.webp"]


def test_past_sessions_are_left_out_and_the_events_are_capped(client, kids):
    start = timezone.now() - dt.timedelta(days=2)
    Session.objects.create(program=kids, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    assert len(events(client, kids)) == 2
    with_sessions(kids, days=range(12, 12 + EVENTS_MAX + 5))
    found = events(client, kids)
    assert len(found) == EVENTS_MAX
    assert [event["startDate"] for event in found] == sorted(event["startDate"] for event in found)


def test_a_program_with_nothing_to_come_has_no_events(client, db):
    program = ProgramFactory(title="Over")
    start = timezone.now() - dt.timedelta(days=2)
    Session.objects.create(program=program, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    page = client.get(reverse("programs:program", args=[program.slug])).content.decode()
    assert "application/ld+json" not in page


def test_a_hostile_title_cannot_close_the_data_block(client, db):
    program = with_sessions(ProgramFactory(title=HOSTILE_TITLE, description="Fish & <chips>\u2028"))
    page = client.get(reverse("programs:program", args=[program.slug])).content.decode()
    block = page.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block and ">" not in block and "&" not in block
    (event,) = json.loads(block)
    assert event["name"] == HOSTILE_TITLE and event["description"] == "Fish & <chips>\u2028"


def test_a_program_pages_query_budget_holds_with_more_sessions_and_programs(client, db):
    def page_queries(program) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("programs:program", args=[program.slug])).status_code == 200
        return len(queries)

    small = with_sessions(programs_at_scale(1), days=(12,))
    large = with_sessions(programs_at_scale(12), days=range(12, 12 + 2 * EVENTS_MAX))
    assert page_queries(small) == page_queries(large) <= 3
    assert (len(events(client, small)), len(events(client, large))) == (3, EVENTS_MAX)
