"""A parent finds a children's program and registers two children with the keyboard only; axe-core on every page."""

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from makerlab.cards import card_number_make
from programs.models import Audience, Category, Registration
from tests.bookings.test_browser import tab_to, type_into
from tests.factories import ProgramFactory
from tests.programs.test_views import with_sessions

pytestmark = pytest.mark.browser


@pytest.fixture
def programs(transactional_db):
    cache.clear()
    kids = with_sessions(
        ProgramFactory(
            title="Little makers",
            slug="little-makers",
            audience=Audience.CHILDREN,
            category=Category.CRAFTS,
            min_age=6,
            max_age=10,
            places_per_registration=3,
            accessibility="Step-free entrance.",
        ),
        days=(3, 10),
    )
    with_sessions(ProgramFactory(title="Teen coding", slug="teen-coding"), days=(4,))
    return kids


def test_a_parent_registers_two_children_with_the_keyboard(page, programs, assert_accessible):
    page.goto("/programs/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Programs at the Maker Lab")
    assert_accessible(page)

    tab_to(page, "Who it is for")
    page.keyboard.type("Children")
    tab_to(page, "Show programs")
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Teen coding")).to_have_count(0)
    tab_to(page, "Little makers")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Little makers")
    assert_accessible(page)

    tab_to(page, "Register for Little makers")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Register for Little makers")
    assert_accessible(page)

    type_into(page, "Library card number", card_number_make(7))
    type_into(page, "Your name", "Doris Campbell")
    type_into(page, "Email", "doris@example.net")
    type_into(page, "Child 1: first name", "Ada")
    type_into(page, "Child 1: age", "7")
    type_into(page, "Child 2: first name", "Grace")
    type_into(page, "Child 2: age", "12")
    tab_to(page, "Register")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Grace is too old")).to_be_visible()
    assert not Registration.objects.exists()
    assert_accessible(page)

    page.get_by_label("Child 2: age").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("9")
    tab_to(page, "Register")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are registered for Little makers")
    expect(page.get_by_text("Registered.")).to_be_visible()
    assert_accessible(page)
    registration = Registration.objects.get()
    assert [p.first_name for p in registration.participants.all()] == ["Ada", "Grace"]

    page.goto(f"/programs/manage/{registration.manage_token}/")
    assert_accessible(page)
    tab_to(page, "Cancel my registration")
    page.keyboard.press("Enter")
    expect(page.get_by_text("is cancelled")).to_be_visible()
    assert_accessible(page)
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED
