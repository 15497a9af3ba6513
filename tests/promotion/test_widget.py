"""The "What's on" widget: what it shows for each choice, the headers that let only the library's website frame
or read it, bad parameters ignored, never a 500, and a page that follows every change at once."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from programs.models import Audience, Category
from promotion.models import Display
from tests.factories import BranchFactory, ProgramFactory, ServiceTypeFactory, with_sessions

pytestmark = pytest.mark.django_db

WEBSITE = "https://www.example-library.ca"
WIDGET, FRAGMENT = reverse("promotion:widget"), reverse("promotion:widget_fragment")


@pytest.fixture(autouse=True)
def library_website(settings):
    settings.WIDGET_FRAME_ANCESTORS = ["'self'", WEBSITE]


def display(branch, title="3D printing through the ages", *, days_left=5, **fields) -> Display:
    today = timezone.localdate()
    defaults = {
        "slug": re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-"),
        "branch": branch,
        "area": "Display case by the main entrance",
        "starts_on": today - dt.timedelta(days=2),
        "ends_on": today + dt.timedelta(days=days_left),
    }
    return Display.objects.create(title=title, **(defaults | fields))


@pytest.fixture
def whats_on(branch):
    """Two programs, a service and a display at Central; a program, a service and a display at another branch."""
    east = BranchFactory(name="East Branch", slug="east")
    with_sessions(
        ProgramFactory(
            title="Little makers",
            slug="little-makers",
            audience=Audience.CHILDREN,
            min_age=6,
            max_age=10,
            category=Category.CRAFTS,
            branch=branch,
        ),
        days=(2,),
    )
    with_sessions(ProgramFactory(title="Teen coding", branch=branch), days=(3,))
    with_sessions(ProgramFactory(title="East sewing circle", category=Category.TEXTILES, branch=east), days=(4,))
    ServiceTypeFactory(name="Tech help", slug="tech-help", branch=branch)
    ServiceTypeFactory(name="Sewing machine basics", slug="sewing-basics", branch=east)
    ServiceTypeFactory(name="Retired service", slug="retired", branch=branch, is_active=False)
    display(branch)
    display(east, "Seed saving")
    display(branch, "Next month's robots", starts_on=timezone.localdate() + dt.timedelta(days=10), days_left=20)
    return {"central": branch, "east": east}


def titles(html: str) -> list[str]:
    return re.findall(r'class="makerlab-whats-on__title"[^>]*>([^<]+)<', html)


# --- What it shows ---------------------------------------------------------------------------------------------


def test_the_widget_shows_programs_services_and_displays_on_now(client, whats_on):
    response = client.get(WIDGET)
    assert response.status_code == 200
    assert titles(response.text) == [
        "Little makers",
        "Teen coding",
        "East sewing circle",
        "Sewing machine basics",
        "Tech help",
        "3D printing through the ages",
        "Seed saving",
    ]
    assert response.text.startswith("<!doctype html>")
    assert 'href="http://testserver/programs/little-makers/" target="_top"' in response.text
    assert 'href="http://testserver/book/tech-help/" target="_top"' in response.text
    assert "On until" in response.text and "Display case by the main entrance" in response.text
    assert "<script" not in response.text


def test_the_program_filters_are_the_calendars_and_the_branch_applies_to_every_section(client, whats_on):
    children = client.get(WIDGET, {"audience": "children", "show": "programs"}).text
    assert titles(children) == ["Little makers"]
    assert 'href="http://testserver/programs/?audience=children"' in children

    east = client.get(WIDGET, {"where": f"branch-{whats_on['east'].pk}"}).text
    assert titles(east) == ["East sewing circle", "Sewing machine basics", "Seed saving"]

    textiles = client.get(WIDGET, {"category": "textiles", "show": ["programs", "displays"]}).text
    assert titles(textiles) == ["East sewing circle", "3D printing through the ages", "Seed saving"]
    assert "1-on-1 help" not in textiles


def test_the_limit_caps_each_section(client, whats_on):
    assert titles(client.get(WIDGET, {"limit": "1"}).text) == [
        "Little makers",
        "Sewing machine basics",
        "3D printing through the ages",
    ]


def test_an_empty_section_says_so(client, branch):
    text = client.get(WIDGET).text
    assert "No programs are coming up just now." in text
    assert "No displays are on just now." in text


def test_the_fragment_is_plain_markup_with_absolute_links(client, whats_on):
    response = client.get(FRAGMENT, {"show": "programs", "limit": "2"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    text = response.text.strip()
    assert text.startswith('<section class="makerlab-whats-on">') and text.endswith("</section>")
    assert "<html" not in text and "<head" not in text and "<link" not in text and "<script" not in text
    assert titles(text) == ["Little makers", "Teen coding"]
    assert '<a class="makerlab-whats-on__title" href="http://testserver/programs/little-makers/">' in text
    assert "target=" not in text


# --- Who may frame it and read it -----------------------------------------------------------------------------


def _directive(response, name: str) -> str:
    policy = response["Content-Security-Policy"]
    return next(part.strip() for part in policy.split(";") if part.strip().startswith(name))


def test_only_the_library_website_may_frame_the_widget(client, branch):
    response = client.get(WIDGET)
    assert _directive(response, "frame-ancestors") == f"frame-ancestors 'self' {WEBSITE}"
    assert "X-Frame-Options" not in response


@pytest.mark.parametrize("path", [FRAGMENT, reverse("home"), reverse("programs:list"), reverse("bookings:services")])
def test_every_other_page_may_not_be_framed(client, branch, path):
    response = client.get(path)
    assert response["X-Frame-Options"] == "DENY"
    assert _directive(response, "frame-ancestors") == "frame-ancestors 'none'"


def test_without_a_website_configured_only_this_site_may_frame_it(client, branch, settings):
    settings.WIDGET_FRAME_ANCESTORS = ["'self'"]
    assert _directive(client.get(WIDGET), "frame-ancestors") == "frame-ancestors 'self'"


def test_the_library_website_may_read_the_fragment_and_no_other(client, branch):
    allowed = client.get(FRAGMENT, headers={"Origin": WEBSITE})
    assert allowed["Access-Control-Allow-Origin"] == WEBSITE
    assert "Origin" in allowed["Vary"]
    for other in ("https://evil.example", "null", f"{WEBSITE}.evil.example", "'self'"):
        refused = client.get(FRAGMENT, headers={"Origin": other})
        assert refused.status_code == 200 and "Access-Control-Allow-Origin" not in refused
    assert "Access-Control-Allow-Origin" not in client.get(FRAGMENT)
    assert "Access-Control-Allow-Origin" not in client.get(WIDGET, headers={"Origin": WEBSITE})


def test_the_headers_are_the_same_on_a_copy_from_the_page_cache(branch, settings):
    settings.PAGE_CACHE = True
    visitor = Client()
    first, again = visitor.get(WIDGET), visitor.get(WIDGET)
    assert _directive(again, "frame-ancestors") == _directive(first, "frame-ancestors")
    assert "X-Frame-Options" not in again
    visitor.get(FRAGMENT, headers={"Origin": "https://evil.example"})
    assert visitor.get(FRAGMENT, headers={"Origin": WEBSITE})["Access-Control-Allow-Origin"] == WEBSITE
    assert "Access-Control-Allow-Origin" not in visitor.get(FRAGMENT, headers={"Origin": "https://evil.example"})


def test_the_widget_is_read_only(client, branch):
    assert client.post(WIDGET).status_code == 405
    assert client.post(FRAGMENT).status_code == 405


# --- Bad parameters: ignored, never a 500 ----------------------------------------------------------------------

BAD_VALUES = {
    "limit": ["0", "21", "-3", "9999999999999999999999", "six", "1.5", "", "\x00", "<script>alert(1)</script>"],
    "audience": ["robots", "CHILDREN", "\x00", "' OR 1=1 --", "<b>", "children" * 200],
    "category": ["knitting", "\x00", "%00", "<script>"],
    "where": ["branch-999999", "branch-", "branch-abc", "site-1", "elsewhere", "branch-1; DROP TABLE", "\x00"],
    "show": ["nothing", "\x00", "programs,displays", "<svg onload=alert(1)>"],
}


@pytest.mark.parametrize("path", [WIDGET, FRAGMENT])
@pytest.mark.parametrize(("name", "value"), [(name, value) for name, values in BAD_VALUES.items() for value in values])
def test_a_bad_parameter_is_ignored(client, whats_on, path, name, value):
    response = client.get(path, {name: value})
    assert response.status_code == 200
    assert titles(response.text) == titles(client.get(path).text), "the widget as if the parameter were not there"
    assert "<script>alert" not in response.text and "<svg onload" not in response.text


def test_a_bad_parameter_beside_good_ones_leaves_the_good_ones(client, whats_on):
    response = client.get(WIDGET, {"audience": "children", "show": "programs", "limit": "500"})
    assert titles(response.text) == ["Little makers"]


def test_displays_at_a_branch_that_closed_are_not_shown(client, whats_on):
    east = whats_on["east"]
    east.is_active = False
    east.save()
    assert titles(client.get(WIDGET, {"show": "displays"}).text) == ["3D printing through the ages"]


def test_a_branch_that_closed_is_ignored_rather_than_an_error(client, whats_on):
    east = whats_on["east"]
    east.is_active = False
    east.save()
    response = client.get(WIDGET, {"where": f"branch-{east.pk}", "show": "services"})
    assert response.status_code == 200
    assert titles(response.text) == ["Tech help"]


# --- Never stale after a change ---------------------------------------------------------------------------------


def _queries(do) -> int:
    with CaptureQueriesContext(connection) as queries:
        do()
    return len(queries)


@pytest.mark.parametrize("path", [WIDGET, FRAGMENT])
def test_a_programs_new_title_shows_at_once(path, whats_on, settings, django_capture_on_commit_callbacks):
    settings.PAGE_CACHE = True
    visitor = Client()
    assert "Teen coding" in visitor.get(path).text
    assert _queries(lambda: visitor.get(path)) == 0, "the second look is served from the cache"

    program = ProgramFactory._meta.model.objects.get(title="Teen coding")
    with django_capture_on_commit_callbacks(execute=True):
        program.title = "Teen game design"
        program.save()
    text = visitor.get(path).text
    assert "Teen game design" in text and "Teen coding" not in text


@pytest.mark.parametrize("path", [WIDGET, FRAGMENT])
def test_a_display_change_shows_at_once(path, whats_on, settings, django_capture_on_commit_callbacks):
    settings.PAGE_CACHE = True
    visitor = Client()
    assert "Seed saving" in visitor.get(path).text
    seeds = Display.objects.get(title="Seed saving")
    with django_capture_on_commit_callbacks(execute=True):
        seeds.title = "Seed saving for beginners"
        seeds.save()
    assert "Seed saving for beginners" in visitor.get(path).text

    with django_capture_on_commit_callbacks(execute=True):
        seeds.is_published = False
        seeds.save()
    assert "Seed saving" not in visitor.get(path).text


def test_a_service_taken_off_goes_at_once(whats_on, settings, django_capture_on_commit_callbacks):
    settings.PAGE_CACHE = True
    visitor = Client()
    assert "Tech help" in visitor.get(WIDGET).text
    service = ServiceTypeFactory._meta.model.objects.get(name="Tech help")
    with django_capture_on_commit_callbacks(execute=True):
        service.is_active = False
        service.save()
    assert "Tech help" not in visitor.get(WIDGET).text


# --- Speed ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [WIDGET, FRAGMENT])
def test_the_query_budget_does_not_grow_with_the_data(client, whats_on, path, django_assert_max_num_queries):
    params = {"limit": "20"}
    with CaptureQueriesContext(connection) as small:
        assert client.get(path, params).status_code == 200
    central = whats_on["central"]
    for n in range(15):
        with_sessions(ProgramFactory(title=f"Workshop {n}", branch=central), days=(5, 12))
        ServiceTypeFactory(name=f"Orientation {n}", slug=f"orientation-{n}", branch=central)
        display(central, f"Exhibit {n}")
    with django_assert_max_num_queries(len(small)):
        response = client.get(path, params)
    assert len(titles(response.text)) == 18 + 17 + 17
    assert len(small) <= 10, len(small)
