"""Program pages that sell: the list's excerpt, badges and Register buttons; a program's own calendar file
and share section; a program's image, uploaded in the admin and shown in renditions."""

import datetime as dt
import re

import icalendar
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from programs.models import Audience, Category, Program
from programs.services import ParticipantDetails, registration_create
from tests.factories import ProgramFactory
from tests.programs.test_views import cancel_session, details, programs_at_scale, with_sessions

LONG_DESCRIPTION = (
    "Sew a tote bag from an old T-shirt. We show you how to thread the machine, pin the pieces and sew "
    "a straight seam, then you take your bag home. Bring a T-shirt you no longer wear; we have spares "
    "and all the thread you need."
)


def list_items(response) -> dict[str, str]:
    """Each list item's HTML, by program title."""
    found = {}
    for item in re.split(r'<li class="border-bottom py-3">', response.content.decode())[1:]:
        found[re.search(r"<h3[^>]*><a [^>]*>([^<]+)</a>", item).group(1)] = item
    return found


def childrens_program(**fields) -> Program:
    return with_sessions(
        ProgramFactory(audience=Audience.CHILDREN, category=Category.CRAFTS, min_age=6, max_age=10, **fields)
    )


# --- The list ------------------------------------------------------------------------------------------------


def test_list_shows_the_descriptions_opening_cut_at_a_word(client, db):
    with_sessions(ProgramFactory(title="Tote bags", slug="tote-bags", description=LONG_DESCRIPTION))
    with_sessions(ProgramFactory(title="Short", slug="short", description="Build games in Python.\n\nSix weeks."))
    items = list_items(client.get(reverse("programs:list")))
    tote = items["Tote bags"]
    opening = " ".join(LONG_DESCRIPTION.split()[:30])
    assert f"{opening}…" in tote
    assert "spares" not in tote  # the rest waits for the program page
    assert "Build games in Python. Six weeks." in items["Short"]
    assert "…" not in items["Short"]


def test_list_shows_audience_and_category_badges_in_words(client, db):
    childrens_program(title="Little makers", slug="little-makers")
    item = list_items(client.get(reverse("programs:list")))["Little makers"]
    assert '<span class="visually-hidden">Who it is for: </span>Children, ages 6 to 10</span>' in item
    assert '<span class="visually-hidden">Kind of program: </span>Crafts</span>' in item


def test_list_offers_register_join_the_waitlist_or_nothing(client, db):
    open_program = childrens_program(title="Open", slug="open", capacity=5)
    waitlist = childrens_program(title="Waiting", slug="waiting", capacity=1, waitlist_capacity=1)
    registration_create(program=waitlist, details=details(1))
    full = childrens_program(title="Full up", slug="full-up", capacity=1, waitlist_capacity=1)
    registration_create(program=full, details=details(2))
    registration_create(program=full, details=details(3), waitlist_ok=True)
    drop_in = with_sessions(ProgramFactory(title="Drop by", slug="drop-by", registration_required=False))
    later = with_sessions(
        ProgramFactory(title="Not yet", slug="not-yet", registration_opens_at=timezone.now() + dt.timedelta(days=1))
    )
    items = list_items(client.get(reverse("programs:list")))

    def register_link(program):
        return f'href="{reverse("programs:register", args=[program.slug])}"'

    assert register_link(open_program) in items["Open"]
    assert 'Register<span class="visually-hidden"> for Open</span></a>' in items["Open"]
    assert register_link(waitlist) in items["Waiting"]
    assert 'Join the waitlist<span class="visually-hidden"> for Waiting</span></a>' in items["Waiting"]
    assert register_link(full) not in items["Full up"] and "Full" in items["Full up"]
    assert register_link(drop_in) not in items["Drop by"]
    assert "Drop in, no registration" in items["Drop by"]
    assert register_link(later) not in items["Not yet"] and "Registration opens" in items["Not yet"]


def test_list_query_budget_is_the_same_at_two_sizes(client, db):
    programs_at_scale(2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("programs:list")).status_code == 200
    programs_at_scale(12)
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("programs:list"))
    assert response.content.decode().count("Register<span") == 14
    assert len(small) == len(large) <= 5, [q["sql"] for q in large.captured_queries]


# --- A program's own calendar file and share section ---------------------------------------------------------


def test_a_programs_calendar_file_has_only_its_sessions_with_cancelled_ones_marked(client, db):
    kids = childrens_program(title="Little makers", slug="little-makers")
    with_sessions(kids, days=(10, 17))
    with_sessions(ProgramFactory(title="Teen coding", slug="teen-coding"), days=(4,))
    cancelled = cancel_session(kids.sessions.order_by("starts_at").last())
    page = client.get(reverse("programs:program", args=[kids.slug])).content.decode()
    url = reverse("programs:program_calendar", args=[kids.slug])
    assert f'<a href="{url}">Add these sessions to your calendar</a>' in page

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="little-makers.ics"'
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["x-wr-calname"]).startswith("Little makers, ")
    events = calendar.walk("VEVENT")
    assert [str(event["summary"]) for event in events] == ["Little makers"] * 3
    assert [event.decoded("dtstart") for event in events] == [
        session.starts_at for session in kids.sessions.order_by("starts_at")
    ]
    cancelled_starts = [event.decoded("dtstart") for event in events if event.get("status") == "CANCELLED"]
    assert cancelled_starts == [cancelled.starts_at]


def test_a_programs_calendar_file_is_404_for_unknown_or_unpublished_programs(client, db):
    hidden = with_sessions(ProgramFactory(slug="hidden", is_published=False))
    assert client.get(reverse("programs:program_calendar", args=[hidden.slug])).status_code == 404
    assert client.get(reverse("programs:program_calendar", args=["nope"])).status_code == 404
    empty = ProgramFactory(slug="no-dates-yet")
    response = client.get(reverse("programs:program_calendar", args=[empty.slug]))
    assert response.status_code == 200 and icalendar.Calendar.from_ical(response.content).walk("VEVENT") == []


def test_a_fully_cancelled_program_offers_no_calendar_file(client, db):
    kids = childrens_program(title="Little makers", slug="little-makers")
    for session in kids.sessions.all():
        cancel_session(session)
    page = client.get(reverse("programs:program", args=[kids.slug])).content.decode()
    assert reverse("programs:program_calendar", args=[kids.slug]) not in page


def test_program_page_shares_its_address_to_copy_or_email(client, db, settings):
    settings.SITE_URL = "https://makerlab.example.org/"
    kids = childrens_program(title="Little makers & friends", slug="little-makers")
    page = client.get(reverse("programs:program", args=[kids.slug])).content.decode()
    address = "https://makerlab.example.org/programs/little-makers/"
    assert '<h2 class="h4" id="share-heading">Share</h2>' in page
    assert f'<input class="form-control" type="url" id="share-link" value="{address}" readonly>' in page
    # The button needs JavaScript, so it is hidden until copy-link.js shows it.
    assert 'data-copy-link="share-link" data-copy-status="share-status" hidden>Copy link</button>' in page
    assert '<script src="/static/js/copy-link.js" defer></script>' in page
    assert (
        '<a href="mailto:?subject=Little%20makers%20%26%20friends'
        "&amp;body=Little%20makers%20%26%20friends%20at%20the%20" in page
    )
    assert '%3A%0Ahttps%3A%2F%2Fmakerlab.example.org%2Fprograms%2Flittle-makers%2F">Email this program</a>' in page


def test_program_page_query_budget_is_the_same_at_two_sizes(client, db):
    program = programs_at_scale(1)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("programs:program", args=[program.slug])).status_code == 200
    with_sessions(program, days=range(12, 30))
    for n in range(2, 6):
        registration_create(program=program, details=details(n, ParticipantDetails(first_name="T", age=14)))
    with CaptureQueriesContext(connection) as large:
        assert client.get(reverse("programs:program", args=[program.slug])).status_code == 200
    assert len(small) == len(large) <= 3, [q["sql"] for q in large.captured_queries]


def test_program_calendar_file_query_budget_is_the_same_at_two_sizes(client, db):
    program = programs_at_scale(1)
    url = reverse("programs:program_calendar", args=[program.slug])
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    with_sessions(program, days=range(12, 30))
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(small) == len(large) <= 1
