"""Program pages that sell: the list's excerpt, badges and Register buttons; a program's own calendar file
and share section; a program's image, uploaded in the admin and shown in renditions."""

import datetime as dt
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from programs.models import Audience, Category, Program
from programs.services import registration_create
from tests.factories import ProgramFactory
from tests.programs.test_views import details, programs_at_scale, with_sessions

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
