"""The public displays pages and the home page's "On display now": published displays only, each by its branch's
own date, with photos, the machines and their services, the programs; fresh after an admin save; bounded queries."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from promotion.selectors import COMING_SOON_DAYS, HOME_DISPLAYS
from tests.factories import BranchFactory, EquipmentFactory, ProgramFactory, ServiceTypeFactory
from tests.promotion.displays import admin_form, central, change_url, display_make

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine("2026-11-18T10:30-05:00")]

LIST = "/displays/"


def headings(page: str, section: str) -> list[str]:
    """The titles listed under the section whose heading has id ``section``."""
    part = page.split(f'id="{section}"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<h3 class="h5 mb-1"><a href="[^"]+">([^<]+)</a>', part)


def test_the_list_shows_what_is_on_now_then_what_is_coming_published_only(client):
    display_make(title="Printed this fall", days=(-20, 25))
    display_make(title="Stitched at the library", days=(-5, 10))
    display_make(title="Lanterns", days=(30, 75))
    display_make(title="Starts today", days=(0, 3))
    display_make(title="Ended yesterday", days=(-30, -1))
    display_make(title="Planned", days=(-1, 40), published=False)
    display_make(title="Far off", days=(COMING_SOON_DAYS + 1, COMING_SOON_DAYS + 20))
    page = client.get(LIST).content.decode()
    assert headings(page, "on-now") == ["Starts today", "Stitched at the library", "Printed this fall"]
    assert headings(page, "coming") == ["Lanterns"]
    assert "From Thursday 29 October to Sunday 13 December" in page
    assert "At Central Library: Display case by the main entrance" in page


def test_each_branch_is_judged_by_its_own_date(time_machine):
    """At 11:30 p.m. in Toronto it is already tomorrow in Halifax: a display starting tomorrow is on there."""
    toronto = central()
    halifax = BranchFactory(name="Halifax North", slug="halifax", time_zone="America/Halifax")
    display_make(title="Toronto tomorrow", days=(1, 10), branch=toronto)
    display_make(title="Halifax tomorrow", days=(1, 10), branch=halifax)
    time_machine.move_to(dt.datetime(2026, 11, 18, 23, 30, tzinfo=toronto.zone), tick=False)
    page = Client().get(LIST).content.decode()
    assert headings(page, "on-now") == ["Halifax tomorrow"]
    assert headings(page, "coming") == ["Toronto tomorrow"]
    home = Client().get("/").content.decode().split('id="on-display-now"', 1)[1]
    assert "Halifax tomorrow" in home and "Toronto tomorrow" not in home


def test_nothing_on_says_so_plainly(client):
    page = client.get(LIST).content.decode()
    assert "Nothing is on display right now." in page and "No new displays are planned yet." in page


def test_a_display_page_has_photos_with_srcset_and_alt_dates_place_machines_and_programs(client):
    branch = central()
    printer = EquipmentFactory(name="Prusa MK4 3D printer", branch=branch)
    ServiceTypeFactory(name="3D printing orientation", slug="3d-orientation", branch=branch, equipment=printer)
    ServiceTypeFactory(name="3D printer time", slug="3d-time", branch=branch, equipment=printer, display_order=1)
    ServiceTypeFactory(name="Old service", slug="old", branch=branch, equipment=printer, is_active=False)
    EquipmentFactory(name="Unused laser", branch=branch)
    program = ProgramFactory(title="Family 3D design", slug="family-3d-design", branch=branch)
    hidden = ProgramFactory(title="Not yet published", slug="not-yet", branch=branch, is_published=False)
    display = display_make(title="Printed this fall", slug="printed-this-fall", days=(-20, 25), photos=2)
    display.equipment.add(printer)
    display.programs.add(program, hidden)
    page = client.get(reverse("promotion:display", args=["printed-this-fall"])).content.decode()
    small = "/media/displays/photos/2026/renditions/printed-this-fall-0-400w.webp"
    large = "/media/displays/photos/2026/renditions/printed-this-fall-0-1200w.webp"
    assert (
        f'src="{large}" srcset="{small} 400w, {large} 1200w" sizes="(min-width: 768px) 50vw, 100vw" '
        'width="1200" height="750" alt="Photo 1 of Printed this fall"'
    ) in page
    assert 'alt="Photo 2 of Printed this fall" loading="lazy"' in page
    assert "From Thursday 29 October to Sunday 13 December." in page
    assert "Where: Central Library, Display case by the main entrance." in page
    assert (
        'Prusa MK4 3D printer: book <a href="/book/3d-orientation/">3D printing orientation</a> or '
        '<a href="/book/3d-time/">3D printer time</a>'
    ) in page
    assert "Old service" not in page and "Unused laser" not in page
    assert '<a href="/programs/family-3d-design/">Family 3D design</a>' in page
    assert "Not yet published" not in page


def test_a_coming_display_says_so(client):
    display_make(title="Lanterns", slug="lanterns", days=(30, 75))
    page = client.get(reverse("promotion:display", args=["lanterns"])).content.decode()
    assert "Coming soon. From Friday 18 December to Monday 1 February 2027." in page


def test_an_unpublished_or_unknown_display_or_one_at_a_closed_branch_is_not_found(client):
    display_make(title="Planned", slug="planned", published=False)
    closed = BranchFactory(name="Old branch", slug="old", is_active=False)
    display_make(title="At a closed branch", slug="closed", branch=closed)
    assert client.get(reverse("promotion:display", args=["closed"])).status_code == 404
    assert "At a closed branch" not in client.get(LIST).content.decode()
    assert client.get(reverse("promotion:display", args=["planned"])).status_code == 404
    assert client.get(reverse("promotion:display", args=["nothing-here"])).status_code == 404


def test_a_past_display_says_it_has_ended(client):
    display_make(title="Seeds through the seasons", slug="seeds", days=(-90, -1))
    response = client.get(reverse("promotion:display", args=["seeds"]))
    assert response.status_code == 410
    page = response.content.decode()
    assert "This display has ended" in page and "See what is on display now" in page
    assert "From Thursday 20 August to Tuesday 17 November." in page


def test_the_home_page_shows_at_most_three_displays_on_now_and_links_to_the_list(client):
    for number, ends in enumerate((40, 10, 20, 30)):
        display_make(title=f"Display ending in {ends} days", slug=f"ending-{number}", days=(-3, ends))
    display_make(title="Lanterns", days=(30, 75))
    page = client.get("/").content.decode()
    section = page.split('id="on-display-now"', 1)[1].split("</section>", 1)[0]
    shown = re.findall(r'<a href="/displays/[^"]+/">([^<]+)</a>', section)
    assert len(shown) == HOME_DISPLAYS == 3
    assert shown == ["Display ending in 10 days", "Display ending in 20 days", "Display ending in 30 days"]
    assert "until Saturday 28 November" in section
    assert '<a href="/displays/">See every display</a>' in section


def test_the_home_page_has_no_section_when_nothing_is_on(client):
    display_make(title="Lanterns", days=(30, 75))
    assert 'id="on-display-now"' not in client.get("/").content.decode()


# --- Cached, never stale ---------------------------------------------------------------------------------------


def test_a_title_changed_in_the_admin_shows_on_the_next_request(
    settings, client, coordinator, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE = True
    visitor = Client()
    display = display_make(title="Printed this fall", slug="printed-this-fall")
    page_url = reverse("promotion:display", args=["printed-this-fall"])
    for url in (LIST, page_url, "/"):
        assert "Printed this fall" in visitor.get(url).content.decode()
    client.force_login(coordinator)
    data = admin_form(client, change_url(display))
    data["title"] = "Printed this winter"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(change_url(display), data).status_code == 302
    for url in (LIST, page_url, "/"):
        page = visitor.get(url).content.decode()
        assert "Printed this winter" in page and "Printed this fall" not in page


# --- Queries ---------------------------------------------------------------------------------------------------


def _displays(count: int, *, branch) -> None:
    for number in range(count):
        printer = EquipmentFactory(name=f"Printer {number}", branch=branch)
        ServiceTypeFactory(slug=f"printing-{count}-{number}", branch=branch, equipment=printer)
        program = ProgramFactory(branch=branch)
        display = display_make(title=f"On {count}-{number}", days=(-3, 10 + number), photos=2, branch=branch)
        display.equipment.add(printer)
        display.programs.add(program)
        coming = display_make(title=f"Coming {count}-{number}", days=(20 + number, 40), photos=1, branch=branch)
        coming.equipment.add(printer)


@pytest.mark.parametrize("count", [1, 12])
def test_the_pages_cost_the_same_queries_at_any_size(client, django_assert_max_num_queries, count):
    branch = central()
    _displays(count, branch=branch)
    with django_assert_max_num_queries(3):
        assert client.get(LIST).status_code == 200
    biggest = display_make(title="Biggest", slug="biggest", photos=count, branch=branch)
    for number in range(count):
        machine = EquipmentFactory(name=f"Machine {number}", branch=branch)
        ServiceTypeFactory(slug=f"machine-{count}-{number}", branch=branch, equipment=machine)
        biggest.equipment.add(machine)
        biggest.programs.add(ProgramFactory(branch=branch))
    with django_assert_max_num_queries(5):
        assert client.get(reverse("promotion:display", args=["biggest"])).status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get("/").status_code == 200
