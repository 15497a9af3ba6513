"""Programs in a real browser: a parent registers two children with the keyboard only, on one registration
and as siblings one registration each; a full program's waitlist from registration to a claimed place,
every link read from the emails; the month calendar on a desk and on a phone. axe-core on every page."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from makerlab.cards import card_number_make
from programs.models import Audience, Category, Registration
from tests.browser import tab_to, type_into
from tests.factories import ProgramFactory, with_sessions
from tests.programs.test_views import cancel_session

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

    tab_to(page, "Child 2: age")
    page.keyboard.press("Control+A")
    page.keyboard.type("9")
    tab_to(page, "Register")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are registered for Little makers")
    expect(page.get_by_text("Registered.")).to_be_visible()
    assert_accessible(page)
    registration = Registration.objects.get()
    assert [p.first_name for p in registration.participants.all()] == ["Ada", "Grace"]

    [email] = mail.outbox
    assert email.to == ["doris@example.net"] and email.subject.startswith("Registered: Little makers")
    assert "Ada, Grace" in email.body
    assert email.attachments[0][0] == "maker-lab-program.ics"
    page.goto(link_in(email, "manage"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your registration for Little makers")
    assert_accessible(page)
    # Grace cannot come after all: a separate step names what will be cancelled, then her place goes.
    tab_to(page, "Cancel Grace's place")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel Grace's place in Little makers?")
    expect(page.get_by_text("Grace, age 9")).to_be_visible()
    assert_accessible(page)
    assert registration.participants.count() == 2
    tab_to(page, "Yes, cancel Grace's place")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Grace's place is cancelled.")).to_be_visible()
    assert_accessible(page)
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED and registration.places == 1
    assert [p.first_name for p in registration.participants.all()] == ["Ada"]
    assert mail.outbox[-1].subject == "Grace's place cancelled: Little makers"
    assert "Still coming: Ada" in mail.outbox[-1].body
    expect(page.get_by_role("link", name="Cancel Ada's place")).to_have_count(0)
    # Changing one's mind on the confirmation step keeps the registration.
    tab_to(page, "Cancel my registration")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel your registration for Little makers?")
    assert_accessible(page)
    tab_to(page, "No, keep my registration")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your registration for Little makers")
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
    tab_to(page, "Cancel my registration")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel your registration for Little makers?")
    tab_to(page, "Yes, cancel my registration")
    page.keyboard.press("Enter")
    expect(page.get_by_text("is cancelled")).to_be_visible()
    assert_accessible(page)
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED


def test_a_parent_registers_siblings_one_registration_each_with_the_keyboard(page, programs, assert_accessible):
    """A program with one child per registration: the second child is registered after the first, the
    parent's details filled in for them; the form never offers the grown-up a place."""
    with_sessions(
        ProgramFactory(
            title="3D print a cookie cutter",
            slug="cookie-cutter",
            audience=Audience.CHILDREN,
            category=Category.DESIGN,
            min_age=8,
            max_age=12,
            places_per_registration=1,
            guardian_may_stay=True,
        ),
        days=(5,),
    )
    page.goto("/programs/cookie-cutter/")
    expect(page.get_by_text("Children, ages 8 to 12")).to_be_visible()
    assert_accessible(page)
    tab_to(page, "Register for 3D print a cookie cutter")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Register for 3D print a cookie cutter")
    expect(page.get_by_text("One child per registration.")).to_be_visible()
    expect(page.get_by_label("I am coming too")).to_have_count(0)
    assert_accessible(page)

    type_into(page, "Library card number", card_number_make(8))
    type_into(page, "Your name", "Priya Sharma")
    type_into(page, "Email", "priya@example.net")
    type_into(page, "Child: first name", "Ada")
    type_into(page, "Child: age", "7")
    tab_to(page, "Register")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Ada is too young: this program is for ages 8 to 12.")).to_be_visible()
    assert not Registration.objects.exists()
    assert_accessible(page)

    tab_to(page, "Child: age")
    page.keyboard.press("Control+A")
    page.keyboard.type("8")
    tab_to(page, "Register")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are registered for 3D print a cookie cutter")
    assert_accessible(page)

    tab_to(page, "Register another child")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Register for 3D print a cookie cutter")
    expect(page.get_by_label("Your name")).to_have_value("Priya Sharma")
    assert_accessible(page)
    type_into(page, "Child: first name", "Grace")
    type_into(page, "Child: age", "11")
    tab_to(page, "Register")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are registered for 3D print a cookie cutter")
    expect(page.get_by_text("Grace, age 11")).to_be_visible()
    assert_accessible(page)

    registrations = Registration.objects.filter(program__slug="cookie-cutter").order_by("pk")
    assert [[(p.first_name, p.age) for p in r.participants.all()] for r in registrations] == [
        [("Ada", 8)],
        [("Grace", 11)],
    ]
    assert {r.status for r in registrations} == {Registration.Status.CONFIRMED}
    assert len({r.patron_id for r in registrations}) == 1


def link_in(email, kind: str) -> str:
    """The path of the private ``manage`` or ``claim`` link in an email, to open on the test server."""
    match = re.search(rf"https?://\S+/programs/{kind}/[A-Za-z0-9_-]+/", email.body)
    assert match, email.body
    return urlsplit(match[0]).path


def email_to(address: str, subject_start: str):
    found = [m for m in mail.outbox if m.to == [address] and m.subject.startswith(subject_start)]
    assert len(found) == 1, [(m.to, m.subject) for m in mail.outbox]
    return found[0]


def register_myself(page, *, card: int, name: str, email: str, waitlist: bool = False, check=None) -> None:
    page.goto("/programs/laser-cutting/register/")
    page.get_by_label("Library card number").fill(card_number_make(card))
    page.get_by_label("Your name").fill(name)
    page.get_by_role("textbox", name="Email").fill(email)
    if waitlist:
        expect(page.get_by_text("there is no place free right now")).to_be_visible()
        if check is not None:
            check(page)
        page.get_by_label("Yes, put us on the waitlist").check()
        page.get_by_role("button", name="Join the waitlist").click()
    else:
        page.get_by_role("button", name="Register").click()


def test_a_full_program_offers_the_freed_place_to_the_waitlist(page, transactional_db, assert_accessible):
    cache.clear()
    program = with_sessions(
        ProgramFactory(
            title="Laser cutting",
            slug="laser-cutting",
            audience=Audience.ADULTS,
            min_age=None,
            max_age=None,
            capacity=1,
            places_per_registration=1,
        ),
        days=(4,),
    )
    register_myself(page, card=31, name="Amir Haddad", email="amir@example.net")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are registered for Laser cutting")

    page.goto("/programs/laser-cutting/")
    expect(page.get_by_text("Waitlist", exact=True)).to_be_visible()
    register_myself(
        page, card=32, name="Beatrice Okafor", email="bea@example.net", waitlist=True, check=assert_accessible
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("You are on the waitlist for Laser cutting")
    expect(page.get_by_text("On the waitlist, number 1.")).to_be_visible()
    expect(page.get_by_text("You do not have a place yet.")).to_be_visible()
    assert_accessible(page)
    waiting = Registration.objects.get(contact_email="bea@example.net")
    assert waiting.status == Registration.Status.WAITLISTED
    assert "number 1" in email_to("bea@example.net", "On the waitlist").body

    page.goto(link_in(email_to("amir@example.net", "Registered: Laser cutting"), "manage"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your registration for Laser cutting")
    assert_accessible(page)
    page.get_by_role("link", name="Cancel my registration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel your registration for Laser cutting?")
    assert_accessible(page)
    page.get_by_role("button", name="Yes, cancel my registration").click()
    expect(page.get_by_text("Your registration for Laser cutting is cancelled.")).to_be_visible()
    assert_accessible(page)

    offer = email_to("bea@example.net", "A place opened")
    page.goto(link_in(offer, "claim"))
    expect(page.get_by_role("heading", level=1)).to_have_text("A place for you in Laser cutting")
    expect(page.get_by_text("It is held for you until")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Claim the place").click()
    expect(page.get_by_text("The place is yours: you are registered for Laser cutting.")).to_be_visible()
    expect(page.get_by_text("Registered.", exact=True)).to_be_visible()
    assert_accessible(page)
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED
    assert program.registrations.get(contact_email="amir@example.net").status == Registration.Status.CANCELLED
    assert email_to("bea@example.net", "Registered: Laser cutting")


def test_the_month_calendar_on_a_desk_and_on_a_phone(page, programs, assert_accessible):
    first, second = programs.sessions.order_by("starts_at")
    cancel_session(second, "The room is being painted")
    zone = timezone.get_default_timezone()
    today, first_day = timezone.localdate(), first.starts_at.astimezone(zone).date()
    page.goto("/programs/?audience=children")
    page.get_by_role("link", name="Month calendar").click()
    expect(page.get_by_role("heading", level=2, name=f"{today:%B %Y}")).to_be_visible()
    expect(page.locator('td[aria-current="date"]')).to_contain_text(f"{today:%A} {today.day} {today:%B} Today")
    assert_accessible(page)
    if first_day.month != today.month:
        page.get_by_role("link", name=re.compile("^Next month")).click()
    expect(page.get_by_role("heading", level=2, name=f"{first_day:%B %Y}")).to_be_visible()
    assert "audience=children" in page.url and "view=month" in page.url
    table = page.get_by_role("table")
    expect(table.get_by_role("columnheader")).to_have_count(7)
    expect(table.get_by_role("columnheader").first).to_have_text("Sunday")
    expect(table.get_by_role("link", name="Little makers").first).to_be_visible()
    expect(table.get_by_role("link", name="Teen coding")).to_have_count(0)
    assert_accessible(page)

    page.set_viewport_size({"width": 375, "height": 800})
    # The weekday headers stay for screen readers but take no room; each day says its own name.
    assert table.locator("thead").bounding_box()["height"] <= 1
    day = page.locator("td.calendar-day").filter(has=page.get_by_role("link", name="Little makers")).first
    expect(day.get_by_text(f"{first_day:%A} {first_day.day} {first_day:%B}")).to_be_visible()
    expect(page.locator("td.calendar-empty:not(.calendar-today)").first).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)

    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("link", name="List", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Programs at the Maker Lab")
    assert "audience=children" in page.url and "view=month" not in page.url
    expect(page.get_by_role("link", name="Little makers", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Teen coding")).to_have_count(0)
