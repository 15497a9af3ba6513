"""The coordinator's Promotion start page: reached from the staff navigation, the way to every promotion page,
closed to those without the role, in a fixed number of queries."""

import pytest
from django.urls import reverse

from tests.promotion.displays import display_make

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine("2026-11-18T10:30-05:00")]

START = "/staff/promotion/"


def test_the_staff_navigation_leads_the_coordinator_to_every_promotion_page(coordinator_client):
    today = coordinator_client.get(reverse("frontdesk:start")).text
    assert f'href="{START}"' in today
    page = coordinator_client.get(START).text
    for name in ("displays", "widget", "printables", "digest"):
        assert f'href="{reverse(f"promotion_staff:{name}")}"' in page


def test_people_without_the_role_do_not_see_or_open_it(client, volunteer):
    assert client.get(START).status_code == 302  # to the login page
    client.force_login(volunteer)
    assert f'href="{START}"' not in client.get(reverse("frontdesk:start")).text
    assert client.get(START).status_code == 403


@pytest.mark.parametrize("count", [1, 20])
def test_it_costs_the_same_queries_at_any_size(coordinator_client, django_assert_max_num_queries, count):
    for number in range(count):
        display_make(title=f"Display {number}", days=(number, number + 10))
    with django_assert_max_num_queries(4):
        assert coordinator_client.get(START).status_code == 200
