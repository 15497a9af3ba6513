"""Public forms and pickers in a real browser, keyboard first: after a mistake the error summary has the
focus and its links lead to the fields; radio buttons show a strong focus ring and are easy to hit; on a
phone the programs come before their filters and the time picker's button stays in reach. axe-core on every
page visited."""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from makerlab.cards import card_number_make
from programs.models import Audience
from tests.browser import tab_to, type_into
from tests.factories import (
    OrientationFactory,
    ProgramFactory,
    VarietyFactory,
    at,
    build_desk,
    lendable_lot,
    survey_link,
    with_sessions,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
ACTIVE_ID = "() => document.activeElement && document.activeElement.id"


@pytest.fixture
def desk(transactional_db):
    """A week of times: three a day for six days, more than a phone screen shows."""
    cache.clear()
    today = timezone.localdate()
    days = [today + dt.timedelta(days=offset) for offset in range(1, 7)]
    service = build_desk(days)
    service.name = "Tech help: phone, tablet, laptop"
    service.save()
    return {"service": service, "day": days[0]}


@pytest.fixture
def kids(transactional_db):
    cache.clear()
    return with_sessions(
        ProgramFactory(
            title="Little makers",
            slug="little-makers",
            audience=Audience.CHILDREN,
            min_age=6,
            max_age=10,
            places_per_registration=3,
        ),
        days=(3,),
    )


def book_url(desk) -> str:
    starts_at = at(desk["day"], 14).isoformat().replace("+", "%2B")
    return f"/book/{desk['service'].slug}/book/?starts_at={starts_at}"


def focused_summary_links(page) -> list[str]:
    return page.locator("#error-summary a").evaluate_all("links => links.map(link => link.getAttribute('href'))")


def test_a_booking_with_mistakes_focuses_the_summary_whose_links_lead_to_the_fields(page, desk, assert_accessible):
    page.goto(book_url(desk))
    type_into(page, "Library card number", "1234")
    tab_to(page, "Book this time")
    page.keyboard.press("Enter")

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    assert focused_summary_links(page) == ["#id_card_number", "#id_name", "#id_email"]
    assert_accessible(page)

    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # the second link: the name
    assert page.evaluate("() => document.activeElement.getAttribute('href')") == "#id_name"
    page.keyboard.press("Enter")
    assert page.evaluate(ACTIVE_ID) == "id_name"
    # The field's own label, not the summary's "Enter your name." link that the page scrolled away from.
    expect(page.locator("label[for=id_name]")).to_be_in_viewport()
    page.keyboard.type("Doris Campbell")
    assert page.get_by_label("Your name").input_value() == "Doris Campbell"
    described_by = page.get_by_label("Your name").get_attribute("aria-describedby")
    assert "id_name_error" in described_by.split()


def test_a_registration_with_mistakes_focuses_the_summary_and_a_link_reaches_a_childs_age(
    page, kids, assert_accessible
):
    page.goto("/programs/little-makers/register/")
    type_into(page, "Library card number", card_number_make(3))
    type_into(page, "Your name", "Doris Campbell")
    type_into(page, "Email", "doris@example.net")
    type_into(page, "Child 1: first name", "Ada")
    type_into(page, "Child 1: age", "30")
    tab_to(page, "Register")
    page.keyboard.press("Enter")

    expect(page.locator("#error-summary")).to_be_focused()
    assert_accessible(page)
    assert focused_summary_links(page) == ["#id_child_1_age"]
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate(ACTIVE_ID) == "id_child_1_age"
    expect(page.get_by_label("Child 1: age")).to_be_in_viewport()


def test_a_survey_mistake_focuses_the_summary_and_its_link_reaches_the_answer(
    page, transactional_db, assert_accessible
):
    invitation = survey_link(program=ProgramFactory(title="Intro to Arduino"))
    page.goto(f"/survey/{invitation}/")
    page.get_by_label("What did you like most? (optional)").fill("<b>bold</b>")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator("#error-summary")).to_be_focused()
    assert_accessible(page)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate(ACTIVE_ID) == "id_liked_most"


def test_a_seed_request_with_a_mistake_focuses_the_summary_and_its_link_reaches_the_card(
    page, transactional_db, branch, patron, assert_accessible
):
    OrientationFactory(patron=patron)
    lendable_lot(branch=branch, variety=VarietyFactory(common_name="Garlic"), packets=2)
    page.goto("/seeds/")
    page.get_by_role("button", name=re.compile(r"^Add to my request\W+Garlic")).click()
    page.get_by_role("link", name="Review and send my request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask for seed packets")
    type_into(page, "Library card number", "12 34")
    type_into(page, "Email", "doris@example.net")
    tab_to(page, "Set these packets aside for me")
    page.keyboard.press("Enter")

    expect(page.locator("#error-summary")).to_be_focused()
    assert focused_summary_links(page) == ["#id_card_number"]
    assert_accessible(page)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate(ACTIVE_ID) == "id_card_number"


def test_without_a_mistake_nothing_takes_the_focus(page, desk, assert_accessible):
    page.goto(book_url(desk))
    expect(page.locator("#error-summary")).to_have_count(0)
    assert page.evaluate("() => document.activeElement === document.body")


def label_text(label) -> str:
    return " ".join(label.text_content().split())


OUTLINE = """el => {
  const style = getComputedStyle(el);
  return {width: parseFloat(style.outlineWidth), style: style.outlineStyle, color: style.outlineColor};
}"""


def test_a_focused_time_has_a_strong_ring_and_each_time_is_a_44px_row_clickable_across(page, desk, assert_accessible):
    service, day = desk["service"], desk["day"]
    page.goto(f"/book/{service.slug}/")
    first_time = page.locator(f"#time-{day.isoformat()}-1")
    tab_to(page, label_text(page.locator(f"label[for='time-{day.isoformat()}-1']")))
    expect(first_time).to_be_focused()
    ring = first_time.evaluate(OUTLINE)
    assert ring["width"] >= 3 and ring["style"] == "solid", ring
    assert ring["color"] == "rgb(255, 191, 71)", ring  # the ring links have, on a dark edge
    link_ring = page.get_by_role("link", name="All services").evaluate(
        "el => { el.focus(); return getComputedStyle(el).outlineWidth; }"
    )
    page.keyboard.press("Tab")  # keyboard focus on a link, for :focus-visible
    assert float(link_ring.removesuffix("px")) <= ring["width"]
    assert_accessible(page)

    second = page.locator(f"label[for='time-{day.isoformat()}-2']")
    row = second.locator("xpath=..")
    assert row.bounding_box()["height"] >= 44
    label_box = second.bounding_box()
    assert label_box["height"] >= 44
    page.mouse.click(label_box["x"] + label_box["width"] - 5, label_box["y"] + label_box["height"] - 3)
    expect(page.locator(f"#time-{day.isoformat()}-2")).to_be_checked()


def test_on_a_phone_the_continue_button_is_in_reach_above_all_the_times(page, desk, assert_accessible):
    page.set_viewport_size(PHONE)
    service = desk["service"]
    page.goto(f"/book/{service.slug}/")
    times = page.get_by_role("radio")
    assert times.count() >= 15
    last_time = times.last.bounding_box()
    assert last_time["y"] > PHONE["height"], "the list is longer than the screen"
    button = page.get_by_role("button", name="Continue with this time")
    expect(button).to_be_in_viewport(ratio=1)
    assert_accessible(page)

    # Going down the list by keyboard, the focused time is never hidden behind the button's bar.
    tab_to(page, label_text(times.first.locator("xpath=following-sibling::label")))
    for _ in range(9):
        page.keyboard.press("ArrowDown")
    # Bootstrap scrolls smoothly: wait until the scroll settles with the focused time above the bar.
    page.wait_for_function(
        """() => {
          const time = document.activeElement.getBoundingClientRect();
          const bar = document.querySelector(".sticky-actions").getBoundingClientRect();
          return time.top >= 0 && time.bottom <= bar.top;
        }""",
        timeout=3000,
    )
    page.keyboard.press("Space")
    expect(button).to_be_in_viewport(ratio=1)
    button.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Book {service.name}")


@pytest.fixture
def many_programs(transactional_db):
    cache.clear()
    for number in range(6):
        with_sessions(ProgramFactory(title=f"Program {number}", slug=f"program-{number}"), days=(number + 2,))


def test_on_a_phone_the_programs_come_before_their_filters(page, many_programs, assert_accessible):
    page.set_viewport_size(PHONE)
    page.goto("/programs/")
    first_result = page.get_by_role("heading", level=3).first
    expect(first_result).to_be_in_viewport(ratio=1)
    expect(page.get_by_label("Who it is for")).to_be_hidden()
    button = page.get_by_text("Filter programs")
    expect(button).to_be_visible()
    assert button.bounding_box()["y"] < first_result.bounding_box()["y"]
    assert_accessible(page)

    tab_to(page, "Filter programs")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Who it is for")).to_be_visible()
    assert_accessible(page)


def test_on_a_desk_the_filters_show_at_once_with_or_without_javascript(
    browser, live_server, page, many_programs, assert_accessible
):
    page.goto("/programs/")
    expect(page.get_by_label("Who it is for")).to_be_visible()
    expect(page.get_by_text("Filter programs")).to_be_hidden()
    assert_accessible(page)

    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        no_script = context.new_page()
        no_script.goto("/programs/")
        expect(no_script.get_by_label("Who it is for")).to_be_visible()
        expect(no_script.get_by_text("Filter programs")).to_be_hidden()
        no_script.set_viewport_size(PHONE)
        expect(no_script.get_by_label("Who it is for")).to_be_hidden()
    finally:
        context.close()
