"""The feeds as a visitor meets them in a real browser: the calendar's "Follow in a feed reader" link, and a program
page whose search-engine data holds a hostile title without running it or tripping the Content Security Policy."""

import json

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from programs.models import Audience, Category
from tests.factories import ProgramFactory, with_sessions
from tests.programs.test_feeds import HOSTILE_TITLE

pytestmark = pytest.mark.browser


@pytest.fixture
def programs(transactional_db):
    cache.clear()
    kids = with_sessions(
        ProgramFactory(
            title="Little makers", slug="little-makers", audience=Audience.CHILDREN, category=Category.CRAFTS, min_age=6
        ),
        days=(3, 10),
    )
    hostile = with_sessions(ProgramFactory(title=HOSTILE_TITLE, slug="hostile"), days=(4,))
    return kids, hostile


def test_the_calendar_offers_a_feed_for_the_programs_chosen(page, programs, assert_accessible):
    page.goto("/programs/?audience=children")
    link = page.get_by_role("link", name="Follow in a feed reader")
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", "/programs/feed.rss?audience=children")
    expect(page.locator('link[rel="alternate"][type="application/feed+json"]')).to_have_attribute(
        "href", "/programs/feed.json?audience=children"
    )
    assert_accessible(page)
    page.goto("/programs/?view=month")
    expect(page.get_by_role("link", name="Follow in a feed reader")).to_have_attribute("href", "/programs/feed.rss")
    assert_accessible(page)


def test_a_program_pages_events_hold_a_hostile_title_as_data(page, programs, assert_accessible):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto("/programs/hostile/")
    expect(page.get_by_role("heading", level=1)).to_have_text(HOSTILE_TITLE)
    blocks = page.locator('script[type="application/ld+json"]')
    expect(blocks).to_have_count(1)
    events = json.loads(blocks.first.text_content())
    assert [event["name"] for event in events] == [HOSTILE_TITLE]
    assert not dialogs
    assert_accessible(page)  # no Content Security Policy report either
