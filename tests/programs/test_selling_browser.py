"""The programs list and a program's page in a real browser, on a desk and on a phone: excerpt, badges,
Register buttons, "Add to calendar", and the Share section's "Copy link". axe-core on every page."""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from programs.images import image_prepare
from programs.models import Audience, Category
from programs.services.registration import program_picture_update
from tests.conftest import PASSWORD
from tests.factories import ProgramFactory, UserFactory, with_sessions
from tests.programs.test_selling import LONG_DESCRIPTION, photo

pytestmark = pytest.mark.browser

DESK = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def settle(page) -> None:
    """Wait for the button's focus transition to end: axe reads colours half-way through it as too pale."""
    page.evaluate("Promise.all(document.getAnimations().map((animation) => animation.finished))")


def serve_media(page, media) -> None:
    """The test server does not serve uploads (a web server does in production): answer from MEDIA_ROOT."""

    def answer(route):
        name = route.request.url.split("/media/", 1)[1]
        route.fulfill(path=str(media / name), content_type="image/webp")

    page.route("**/media/**", answer)


@pytest.fixture
def programs(transactional_db, settings, tmp_path):
    cache.clear()
    settings.MEDIA_ROOT = tmp_path / "media"
    kids = with_sessions(
        ProgramFactory(
            title="Tote bags",
            slug="tote-bags",
            description=LONG_DESCRIPTION,
            audience=Audience.CHILDREN,
            category=Category.TEXTILES,
            min_age=8,
            max_age=12,
        ),
        days=(3, 10),
    )
    upload = photo(1600, 900)
    kids.image, kids.image_alt = upload, "Children sewing tote bags at a long table"
    kids.save()
    program_picture_update(program=kids, prepared=image_prepare(upload), previous_image="", previous_renditions=[])
    with_sessions(ProgramFactory(title="Open studio", slug="open-studio", registration_required=False), days=(4,))
    return kids


@pytest.mark.parametrize("size", [DESK, PHONE], ids=["desk", "phone"])
def test_the_list_and_a_program_page_sell_the_program(page, programs, assert_accessible, settings, size):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.set_viewport_size(size)
    serve_media(page, settings.MEDIA_ROOT)
    page.goto("/programs/")
    item = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name="Tote bags"))
    expect(item.get_by_text("Children, ages 8 to 12")).to_be_visible()
    expect(item.get_by_text("Textiles")).to_be_visible()
    expect(item.get_by_text("Sew a tote bag from an old T-shirt.", exact=False)).to_be_visible()
    expect(item.get_by_role("link", name="Register for Tote bags")).to_be_visible()
    thumbnail = item.get_by_role("img", name="Children sewing tote bags at a long table")
    expect(thumbnail).to_be_visible()
    assert thumbnail.evaluate("(image) => image.complete && image.naturalWidth") == 400
    drop_in = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name="Open studio"))
    expect(drop_in.get_by_text("Drop in, no registration")).to_be_visible()
    expect(drop_in.get_by_role("link", name="Register", exact=False)).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)

    page.get_by_role("link", name="Tote bags", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tote bags")
    picture = page.get_by_role("img", name="Children sewing tote bags at a long table")
    expect(picture).to_be_visible()
    # The browser picks the copy that fits: the small one on a phone, the large one on a desk.
    chosen = picture.evaluate("(image) => image.complete && image.naturalWidth > 0 && image.currentSrc")
    assert chosen.endswith("-400w.webp" if size == PHONE else "-1200w.webp")
    expect(page.get_by_role("link", name="Add these sessions to your calendar")).to_be_visible()
    expect(page.get_by_role("link", name="Email this program")).to_be_visible()
    link = page.get_by_label("Link to this page")
    expect(link).to_have_value(re.compile(r"^https?://[^/]+/programs/tote-bags/$"))
    copy = page.get_by_role("button", name="Copy link")
    expect(copy).to_be_visible()
    copy.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Link copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == link.input_value()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    settle(page)
    assert_accessible(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Add these sessions to your calendar").click()
    assert download.value.suggested_filename == "tote-bags.ics"


def test_the_coordinator_adds_a_picture_in_the_admin(page, transactional_db, settings, tmp_path, assert_accessible):
    settings.MEDIA_ROOT = tmp_path / "media"
    UserFactory(username="coordinator", is_staff=True, role="Coordinator")
    program = with_sessions(ProgramFactory(title="Sewing basics", slug="sewing-basics"), days=(3,))
    picture = tmp_path / "sewing.jpg"
    picture.write_bytes(photo(1600, 900).read())
    not_a_picture = tmp_path / "notes.jpg"
    not_a_picture.write_text("These are not pixels.\n" * 20)
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/admin/programs/program/{program.pk}/change/")
    assert_accessible(page)

    page.get_by_label("Picture:", exact=True).set_input_files(str(not_a_picture))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("This file is not a picture we can read.")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Picture:", exact=True).set_input_files(str(picture))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Say in a few words what the picture shows")).to_be_visible()
    program.refresh_from_db()
    assert program.image.name == ""
    assert_accessible(page)

    page.get_by_label("Picture:", exact=True).set_input_files(str(picture))
    page.get_by_label("What the picture shows").fill("A sewing machine and a half-made tote bag")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    program.refresh_from_db()
    assert [(r["width"], r["height"]) for r in program.image_renditions] == [(400, 225), (1200, 675)]
