"""The staff page that gives the snippet for the library's website: who may open it, what it gives, bad input."""

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import BranchFactory, ProgramFactory, with_sessions

pytestmark = pytest.mark.django_db

PAGE = reverse("promotion_staff:widget")
WEBSITE = "https://www.example-library.ca"


@pytest.fixture(autouse=True)
def library_website(settings):
    settings.WIDGET_FRAME_ANCESTORS = ["'self'", WEBSITE]


def snippet(text: str) -> str:
    found = re.search(r'<textarea[^>]*id="iframe-snippet"[^>]*>(.*?)</textarea>', text, re.S)
    return html.unescape(found.group(1)) if found else ""


def fragment_url(text: str) -> str:
    found = re.search(r'id="fragment-url" value="([^"]*)"', text)
    return html.unescape(found.group(1)) if found else ""


def test_only_staff_who_see_displays_may_open_it(client, assistant, coordinator):
    assert client.get(PAGE).status_code == 302
    client.force_login(assistant)
    assert client.get(PAGE).status_code == 403
    client.force_login(coordinator)
    assert client.get(PAGE).status_code == 200


def test_the_start_page_leads_to_it(client, coordinator):
    client.force_login(coordinator)
    assert f'href="{PAGE}"' in client.get(reverse("promotion_staff:start")).text


def test_by_default_the_snippet_shows_everything(client, coordinator, branch):
    client.force_login(coordinator)
    text = client.get(PAGE).text
    assert snippet(text) == (
        '<iframe src="http://testserver/whats-on/widget/" title="What\u2019s on at the Elgin Valley Public Library '
        'Maker Lab" width="100%" height="600" loading="lazy" style="border:0;max-width:100%"></iframe>'
    )
    assert fragment_url(text) == "http://testserver/whats-on/widget.html"
    assert '<iframe class="widget-preview" src="/whats-on/widget/"' in text
    assert WEBSITE in text


def test_the_snippet_follows_the_choices(client, coordinator, branch):
    client.force_login(coordinator)
    text = client.get(
        PAGE,
        {"audience": "teens", "category": "coding", "where": f"branch-{branch.pk}", "limit": "4", "show": "programs"},
    ).text
    query = f"audience=teens&category=coding&where=branch-{branch.pk}&limit=4&show=programs"
    assert f'src="http://testserver/whats-on/widget/?{query.replace("&", "&amp;")}"' in snippet(text)
    assert fragment_url(text) == f"http://testserver/whats-on/widget.html?{query}"


def test_the_snippets_address_shows_what_was_chosen(client, coordinator, branch):
    """The address the page gives is the widget the coordinator previewed."""
    with_sessions(ProgramFactory(title="Teen coding", branch=branch), days=(3,))
    with_sessions(ProgramFactory(title="Story robots", audience="children", min_age=5, max_age=8), days=(3,))
    client.force_login(coordinator)
    text = client.get(PAGE, {"audience": "teens", "show": "programs"}).text
    client.logout()
    widget = client.get(html.unescape(re.search(r'src="http://testserver([^"]+)"', snippet(text)).group(1))).text
    assert "Teen coding" in widget and "Story robots" not in widget


def test_without_a_website_it_says_who_must_set_it(client, coordinator, settings):
    settings.WIDGET_FRAME_ANCESTORS = ["'self'"]
    client.force_login(coordinator)
    assert "No website is allowed to show What\u2019s on in a frame yet" in client.get(PAGE).text
    assert "IT to set WIDGET_FRAME_ANCESTORS" in client.get(PAGE).text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": "0"}, "Show at least 1."),
        ({"limit": "21"}, "Show at most 20: the widget is meant to be short."),
        ({"limit": "-5"}, "Show at least 1."),
        ({"limit": "ten"}, "Enter a whole number from 1 to 20."),
        ({"limit": "99999999999999999999999"}, "Show at most 20"),
        ({"limit": "<script>alert(1)</script>"}, "Enter a whole number from 1 to 20."),
        ({"audience": "robots"}, "Choose one of the choices in the list."),
        ({"audience": "<script>alert(1)</script>"}, "Choose one of the choices in the list."),
        ({"category": "\x00"}, "Choose one of the choices in the list."),
        ({"where": "branch-999999"}, "Choose one of the choices in the list."),
        ({"where": "branch-1; DROP TABLE promotion_display"}, "Choose one of the choices in the list."),
        ({"show": "everything"}, "Choose programs, 1-on-1 help or displays."),
    ],
)
def test_bad_input_is_told_on_the_form_and_gives_no_snippet(client, coordinator, branch, params, message):
    client.force_login(coordinator)
    response = client.get(PAGE, params)
    assert response.status_code == 200
    text = response.text
    assert 'id="error-summary"' in text and "There is a problem" in text
    assert message in text
    assert not snippet(text) and not fragment_url(text) and "widget-preview" not in text
    assert "<script>alert" not in text


def test_the_query_budget_does_not_grow(client, coordinator, branch, django_assert_max_num_queries):
    client.force_login(coordinator)
    params = {"where": f"branch-{branch.pk}", "limit": "3"}
    with CaptureQueriesContext(connection) as small:
        assert client.get(PAGE, params).status_code == 200
    for n in range(12):
        BranchFactory(name=f"Branch {n}")
        with_sessions(ProgramFactory(branch=branch), days=(2, 9))
    with django_assert_max_num_queries(len(small)):
        assert client.get(PAGE, params).status_code == 200
