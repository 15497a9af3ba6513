"""Assistants find one patron by the full card number in the admin; only the coordinator lists and browses them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from playwright.sync_api import expect

from makerlab.cards import card_number_make
from tests.conftest import PASSWORD
from tests.factories import PatronFactory

URL = "/admin/makerlab/patron/"


@pytest.fixture
def patrons(db):
    wanted = PatronFactory(card_number=card_number_make(123), first_name="Amara", last_name="Okafor")
    other = PatronFactory(card_number=card_number_make(456), first_name="Bea", last_name="Smith")
    return wanted, other


def _shown(response) -> list:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def _text(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])


def test_an_assistant_sees_no_list_until_they_search_by_card(client, assistant, patrons):
    client.force_login(assistant)
    response = client.get(URL)
    assert _shown(response) == []
    assert "Search by the patron's full library card number" in _text(response)
    html = response.content.decode()
    assert "Okafor" not in html and "Smith" not in html


def test_an_assistant_finds_exactly_the_patron_whose_card_they_type(client, assistant, patrons):
    wanted, _other = patrons
    client.force_login(assistant)
    response = client.get(URL, {"q": wanted.card_number})
    assert _shown(response) == [wanted]
    assert "Smith" not in response.content.decode()
    spaced = " ".join(wanted.card_number[i : i + 4] for i in range(0, len(wanted.card_number), 4))
    assert _shown(client.get(URL, {"q": spaced})) == [wanted]


@pytest.mark.parametrize(
    "search", ["Okafor", "amara", "@example", "1", "²", "0" * 14, "'; DROP TABLE makerlab_patron; --", "x" * 5000]
)
def test_an_assistant_cannot_browse_by_name_email_or_part_of_a_card(client, assistant, patrons, search):
    client.force_login(assistant)
    response = client.get(URL, {"q": search})
    assert _shown(response) == []
    assert "Search by the patron's full library card number" in _text(response)


def test_an_assistant_cannot_filter_the_list_open(client, assistant, patrons):
    client.force_login(assistant)
    response = client.get(URL, {"anonymised_at__isempty": "1"})
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert _shown(response) == []


def test_the_coordinator_still_lists_and_searches_by_name(client, coordinator, patrons):
    wanted, other = patrons
    client.force_login(coordinator)
    response = client.get(URL)
    assert set(_shown(response)) == {wanted, other}
    assert "Search by the patron's full library card number" not in _text(response)
    assert _shown(client.get(URL, {"q": "Okafor"})) == [wanted]


@pytest.mark.parametrize("who", ["assistant", "coordinator"])
def test_the_patron_list_costs_the_same_at_any_size(client, request, patrons, who):
    wanted, _other = patrons
    client.force_login(request.getfixturevalue(who))

    def queries() -> tuple[int, int]:
        counts = []
        for query in ({}, {"q": wanted.card_number}):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(URL, query).status_code == 200
            counts.append(len(captured))
        return tuple(counts)

    small = queries()
    PatronFactory.create_batch(30)
    assert queries() == small


def test_an_assistant_looks_a_patron_up_by_card_in_the_browser(page, assistant, patrons, assert_accessible):
    wanted, _other = patrons
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("assistant")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(URL)
    expect(page.get_by_text("Search by the patron's full library card number")).to_be_visible()
    expect(page.get_by_text("Okafor")).to_have_count(0)
    assert_accessible(page)
    page.locator("#searchbar").fill(wanted.card_number)
    page.locator("#changelist-search [type=submit]").click()
    expect(page.get_by_role("link", name=wanted.card_number)).to_be_visible()
    expect(page.get_by_text("Smith")).to_have_count(0)
    assert_accessible(page)
