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
    wanted, other = patrons
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
    expect(page.get_by_text("Show all")).to_have_count(0)
    assert_accessible(page)
    page.get_by_role("link", name=wanted.card_number).click()
    expect(page.get_by_label("Last name")).to_have_value("Okafor")
    page.goto(f"{URL}{other.pk}/change/")
    expect(page.get_by_text("You can open a patron's record only after finding it.")).to_be_visible()
    expect(page.get_by_text("Smith")).to_have_count(0)
    assert_accessible(page)
    page.get_by_role("link", name="Search for a patron by card number").click()
    expect(page.locator("#searchbar")).to_be_focused()


def _record_pages(patron) -> list[str]:
    return [f"{URL}{patron.pk}/change/", f"{URL}{patron.pk}/history/", f"{URL}{patron.pk}/delete/"]


def test_an_assistant_cannot_open_a_patron_record_by_typing_its_address(client, assistant, patrons):
    wanted, other = patrons
    client.force_login(assistant)
    hostile = [f"{URL}999999/change/", f"{URL}%C2%B2/change/", f"{URL}abc/history/", f"{URL}{wanted.pk}x/delete/"]
    for url in [*_record_pages(wanted), *_record_pages(other), *hostile]:
        response = client.get(url)
        assert response.status_code == 403, url
        html = response.content.decode()
        assert "record only after finding it" in html and "full library card number" in html
        assert "Okafor" not in html and "Smith" not in html


def test_an_assistant_cannot_change_a_patron_by_posting_to_its_address(client, assistant, patrons):
    wanted, _other = patrons
    client.force_login(assistant)
    form = {"card_number": wanted.card_number, "first_name": "Changed", "last_name": "Okafor", "email": "x@example.org"}
    assert client.post(f"{URL}{wanted.pk}/change/", form).status_code == 403
    wanted.refresh_from_db()
    assert wanted.first_name == "Amara"


def test_an_assistant_opens_the_record_of_the_patron_they_found_by_card(client, assistant, patrons):
    wanted, other = patrons
    client.force_login(assistant)
    results = client.get(URL, {"q": wanted.card_number}).content.decode()
    assert f'href="{URL}{wanted.pk}/change/' in results
    page = client.get(f"{URL}{wanted.pk}/change/")
    assert page.status_code == 200 and "Okafor" in page.content.decode()
    assert client.get(f"{URL}{wanted.pk}/history/").status_code == 200
    assert client.get(f"{URL}{other.pk}/change/").status_code == 403


def test_an_assistant_opens_the_record_of_a_patron_they_just_added(client, assistant):
    client.force_login(assistant)
    card_number = card_number_make(789)
    response = client.post(
        f"{URL}add/",
        {
            "card_number": card_number,
            "first_name": "Noor",
            "last_name": "Haddad",
            "email": "noor@example.org",
            "_continue": "1",
        },
    )
    assert response.status_code == 302
    page = client.get(response.url)
    assert page.status_code == 200 and "Haddad" in page.content.decode()


def test_the_coordinator_opens_any_patron_record(client, coordinator, patrons):
    wanted, other = patrons
    client.force_login(coordinator)
    for url in [f"{URL}{wanted.pk}/change/", f"{URL}{other.pk}/change/", f"{URL}{other.pk}/history/"]:
        assert client.get(url).status_code == 200, url


def test_an_assistant_is_offered_no_way_to_show_every_patron(client, assistant, patrons):
    wanted, _other = patrons
    client.force_login(assistant)
    for query in ({}, {"q": wanted.card_number}, {"q": "Okafor"}):
        html = client.get(URL, query).content.decode()
        assert "Show all" not in html and " total" not in html, query


def test_the_coordinator_keeps_the_link_to_show_every_patron(client, coordinator, patrons):
    client.force_login(coordinator)
    assert "Show all" in client.get(URL, {"q": "Okafor"}).content.decode()
