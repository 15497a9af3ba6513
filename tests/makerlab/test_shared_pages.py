"""The pieces the apps' pages share: the staff pages' frame (staff_base.html) and the public forms' 429 page."""

import re

import pytest
from django.urls import reverse

from tests.factories import ProgramFactory, ServiceTypeFactory

STAFF_PAGES = [
    "frontdesk:start",
    "frontdesk:check_in",
    "bookings_staff:agenda",
    "seeds_staff:lend",
    "programs_staff:sessions",
    "staffing:schedule",
    "staffing:shift_changes",
    "staffing:hours_approve",
    "stats_dashboard:dashboard",
]


@pytest.mark.parametrize("url_name", STAFF_PAGES)
def test_a_staff_page_has_the_staff_navigation_once_and_its_stylesheet_in_the_head(
    client, coordinator, branch, url_name
):
    client.force_login(coordinator)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    head, body = response.content.decode().split("</head>")
    assert "css/staff.css" in head
    assert body.count('aria-label="Staff area"') == 1
    assert not re.search(r"<link[^>]*stylesheet", body), "stylesheets belong in the head"


def _refused_post(client, area: str) -> tuple[str, dict]:
    """Where a refused post goes in each area, and what it sends."""
    if area == "bookings":
        return reverse("bookings:book", args=[ServiceTypeFactory().slug]), {"starts_at": "not a time"}
    if area == "programs":
        return reverse("programs:register", args=[ProgramFactory().slug]), {"card_number": "1"}
    if area == "seeds":
        return reverse("seeds:request"), {"card_number": "1"}
    return reverse("mylab:start"), {"card_number": "1"}


@pytest.mark.parametrize(
    ("area", "otherwise", "back"),
    [
        ("bookings", "or call the library and we will help you book.", ("bookings:services", "Back to booking")),
        ("programs", "or call the library and we will help you register.", ("programs:list", "Back to programs")),
        ("seeds", "or ask for the seeds at the library.", ("seeds:list", "Back to the seed library")),
        ("mylab", "or ask at the library.", ("mylab:start", "Back to My Maker Lab")),
    ],
)
def test_each_area_says_on_the_shared_wait_page_what_else_to_do_and_how_to_go_back(
    client, db, settings, area, otherwise, back
):
    settings.PUBLIC_REFUSED_POSTS_RATE = "1/10m"
    url, data = _refused_post(client, area)
    assert client.post(url, data).status_code in (200, 400)
    response = client.post(url, data)
    assert response.status_code == 429
    page = response.content.decode()
    assert re.search(r"Please try again in \d+ minutes?, " + re.escape(otherwise), page)
    assert f'<a href="{reverse(back[0])}">{back[1]}</a>' in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"
