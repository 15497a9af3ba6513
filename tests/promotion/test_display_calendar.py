"""The coordinator's calendar of displays: a year at a glance with each display, published or planned, beside each
month's interest in programs; filters by year and branch that answer bad input on the page, never a 500."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from programs.models import Category, Registration, RegistrationEvent
from tests.factories import BranchFactory, PatronFactory, ProgramFactory, at
from tests.promotion.displays import central, display_make

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine("2026-11-18T10:30-05:00")]

CALENDAR = "/staff/promotion/displays/"


def interest(program, *, day: dt.date, registrations=0, waitlisted=0) -> None:
    for _ in range(registrations):
        Registration.objects.create(
            program=program,
            patron=PatronFactory(),
            status=Registration.Status.CONFIRMED,
            places=1,
            contact_name="Doris Campbell",
            contact_email="doris@example.net",
            created_at=at(day, 12),
        )
    for _ in range(waitlisted):
        registration = Registration.objects.create(
            program=program,
            patron=PatronFactory(),
            status=Registration.Status.WAITLISTED,
            places=1,
            contact_name="Doris Campbell",
            contact_email="doris@example.net",
            created_at=at(day, 12),
        )
        joined = RegistrationEvent.Kind.WAITLISTED
        RegistrationEvent.objects.create(registration=registration, kind=joined, at=at(day, 12))


def month_section(page: str, month: str) -> str:
    return page.split(f'id="month-{month}"', 1)[1].split("</section>", 1)[0]


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


def test_the_year_shows_each_display_in_every_month_it_is_on_with_its_state_and_admin_link(coordinator_client):
    on = display_make(title="Printed this fall", days=(-20, 25))  # 29 October to 13 December
    display_make(title="Circuits you can touch", days=(90, 130), published=False)  # February to March 2027
    response = coordinator_client.get(CALENDAR)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Displays in 2026" in page
    assert len(re.findall(r'id="month-2026-\d\d"', page)) == 12
    for month in ("2026-10", "2026-11", "2026-12"):
        assert "Printed this fall" in month_section(page, month)
    assert "Printed this fall" not in month_section(page, "2026-09")
    november = month_section(page, "2026-11")
    assert f'href="/admin/promotion/display/{on.pk}/change/"' in november
    assert "Published" in november and "29 October 2026 to 13 December 2026" in november
    assert "Circuits you can touch" not in page
    next_year = coordinator_client.get(f"{CALENDAR}?year=2027").content.decode()
    assert "Planned" in month_section(next_year, "2027-02") and "Circuits you can touch" in next_year
    assert 'href="/admin/promotion/display/add/">Add a display</a>' in page
    assert f'href="{CALENDAR}?year=2025"' in page and f'href="{CALENDAR}?year=2027"' in page


def test_beside_each_month_the_interest_in_programs_this_year_and_the_year_before(coordinator_client):
    branch = central()
    coding = ProgramFactory(category=Category.CODING, branch=branch)
    textiles = ProgramFactory(category=Category.TEXTILES, branch=branch)
    interest(coding, day=dt.date(2026, 3, 10), registrations=3, waitlisted=2)
    interest(textiles, day=dt.date(2026, 3, 31), registrations=1)
    interest(textiles, day=dt.date(2025, 3, 5), registrations=4)
    interest(coding, day=dt.date(2026, 4, 1), registrations=1)
    page = coordinator_client.get(CALENDAR).content.decode()
    march = month_section(page, "2026-03")
    assert "<strong>March 2026:</strong>\nCoding 5 registered, 2 waitlisted; Textiles 1 registered</p>" in march
    assert "<strong>March 2025:</strong>\nTextiles 4 registered</p>" in march
    assert "<strong>April 2026:</strong>\nCoding 1 registered</p>" in month_section(page, "2026-04")
    assert "<strong>May 2026:</strong>\nnothing recorded" in month_section(page, "2026-05")


def test_the_branch_filter_keeps_to_that_branch(coordinator_client):
    elsewhere = BranchFactory(name="Port Stanley", slug="port-stanley")
    display_make(title="Printed this fall")
    display_make(title="By the harbour", branch=elsewhere)
    interest(ProgramFactory(branch=elsewhere), day=dt.date(2026, 11, 2), registrations=2)
    page = coordinator_client.get(f"{CALENDAR}?branch=port-stanley").content.decode()
    assert "Displays in 2026 at Port Stanley" in page
    assert "By the harbour" in page and "Printed this fall" not in page
    assert "Coding 2 registered" in month_section(page, "2026-11")
    assert f'href="{CALENDAR}?year=2027&amp;branch=port-stanley"' in page or "year=2027&branch=port-stanley" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("year=0", "The calendar shows the years 2016 to 2036."),
        ("year=99999", "The calendar shows the years 2016 to 2036."),
        ("year=-5", "The calendar shows the years 2016 to 2036."),
        ("year=twenty", "Enter a year such as 2027."),
        ("year=2026.5", "Enter a year such as 2027."),
        ("year=%00", "Enter a year such as 2027."),
        ("year=99999999999999999999999", "The calendar shows the years 2016 to 2036."),
        ("branch=atlantis", "Choose a branch from the list."),
        ("branch=%3Cscript%3E", "Choose a branch from the list."),
    ],
)
def test_bad_filters_are_answered_on_the_page_with_this_year(coordinator_client, query, message):
    display_make(title="Printed this fall")
    response = coordinator_client.get(f"{CALENDAR}?{query}")
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and "There is a problem" in page
    assert "Displays in 2026" in page and "Printed this fall" in page
    assert "<script>" not in page.split("<main", 1)[1]


def test_only_staff_with_the_permission_see_the_calendar(client, assistant, volunteer):
    assert client.get(CALENDAR).status_code == 302
    client.force_login(volunteer)
    assert client.get(CALENDAR).status_code == 403
    client.force_login(assistant)
    assert client.get(CALENDAR).status_code == 403


def test_the_start_page_has_the_calendar_card(coordinator_client):
    page = coordinator_client.get(reverse("promotion_staff:start")).content.decode()
    assert f'href="{CALENDAR}">Calendar of displays</a>' in page


@pytest.mark.parametrize("count", [1, 15])
def test_the_calendar_costs_the_same_queries_at_any_size(coordinator_client, django_assert_max_num_queries, count):
    branch = central()
    for number in range(count):
        display_make(title=f"Display {number}", days=(-200 + number * 20, -150 + number * 20), branch=branch)
        program = ProgramFactory(branch=branch, category=list(Category)[number % len(Category)])
        interest(program, day=dt.date(2026, 1 + number % 12, 3), registrations=2, waitlisted=1)
        interest(program, day=dt.date(2025, 1 + number % 12, 3), registrations=1)
    with django_assert_max_num_queries(6):
        assert coordinator_client.get(CALENDAR).status_code == 200
    with django_assert_max_num_queries(6):
        assert coordinator_client.get(f"{CALENDAR}?branch=central&year=2025").status_code == 200


def test_interest_is_counted_in_the_month_of_the_library_not_of_utc(coordinator_client):
    program = ProgramFactory(category=Category.GARDENING, branch=central())
    Registration.objects.create(
        program=program,
        patron=PatronFactory(),
        status=Registration.Status.CONFIRMED,
        places=1,
        contact_name="Doris Campbell",
        contact_email="doris@example.net",
        created_at=at(dt.date(2026, 3, 31), 23, 30),  # 1 April in UTC
    )
    page = coordinator_client.get(CALENDAR).content.decode()
    assert "Gardening and seed saving 1 registered" in month_section(page, "2026-03")
    assert "<strong>April 2026:</strong>\nnothing recorded" in month_section(page, "2026-04")
