"""What's on in a real browser: framed by the library's website (another origin) it shows the programs; framed by
any other website, Chromium refuses it. axe-core on the widget and on the staff page that gives its snippet."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from programs.models import Audience
from tests.conftest import PASSWORD
from tests.factories import ProgramFactory, ServiceTypeFactory, UserFactory, with_sessions

pytestmark = pytest.mark.browser


class Website:
    """Another website, on its own port of the loopback (another origin than the live server), with one page
    that frames the widget as the snippet does."""

    def __init__(self, widget_url: str) -> None:
        body = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>The library</title></head><body>'
            "<h1>The library's website</h1>"
            f'<iframe src="{widget_url}" title="What\'s on at the Maker Lab" width="320" height="600"></iframe>'
            "</body></html>"
        ).encode()

        class Page(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def programs(transactional_db):
    cache.clear()
    with_sessions(ProgramFactory(title="Teen coding", slug="teen-coding"), days=(3,))
    with_sessions(ProgramFactory(title="Little makers", audience=Audience.CHILDREN, min_age=6, max_age=10), days=(4,))
    ServiceTypeFactory(name="Tech help")


@pytest.fixture
def websites(live_server):
    widget_url = f"{live_server.url}/whats-on/widget/?show=programs&show=services"
    library, stranger = Website(widget_url), Website(widget_url)
    yield library, stranger
    library.close()
    stranger.close()


def test_the_library_website_frames_the_widget_and_no_other_website_can(page, programs, websites, settings):
    library, stranger = websites
    settings.WIDGET_FRAME_ANCESTORS = ["'self'", library.origin]

    page.goto(library.origin)
    widget = page.frame_locator("iframe")
    expect(widget.get_by_role("heading", level=1)).to_have_text("What\u2019s on at the Maker Lab")
    expect(widget.get_by_role("link", name="Teen coding")).to_be_visible()
    expect(widget.get_by_role("link", name="Tech help")).to_be_visible()
    expect(widget.get_by_role("link", name="Teen coding")).to_have_attribute("target", "_top")

    page.goto(stranger.origin)
    expect(page.get_by_role("heading", level=1)).to_have_text("The library's website")
    page.wait_for_load_state("load")
    framed = page.frames[1]
    assert "Teen coding" not in framed.content()
    expect(page.frame_locator("iframe").get_by_role("link", name="Teen coding")).to_have_count(0)
    assert any("frame-ancestors" in message for message in page.csp_violations), page.csp_violations


def test_a_link_in_the_frame_opens_our_page_in_the_whole_window(page, live_server, programs, websites, settings):
    library, _ = websites
    settings.WIDGET_FRAME_ANCESTORS = ["'self'", library.origin]
    settings.SITE_URL = live_server.url
    page.goto(library.origin)
    page.frame_locator("iframe").get_by_role("link", name="Teen coding").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Teen coding")
    assert page.url.endswith("/programs/teen-coding/")


def test_the_widget_is_accessible_and_fits_a_narrow_column(page, programs, assert_accessible):
    page.set_viewport_size({"width": 300, "height": 700})
    page.goto("/whats-on/widget/")
    expect(page.get_by_role("link", name="Little makers")).to_be_visible()
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 300


def test_the_staff_page_gives_the_snippet_and_a_preview(page, programs, assert_accessible):
    UserFactory(username="coordinator", is_staff=True, role="Coordinator")
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/staff/promotion/")
    page.get_by_role("link", name="Put What\u2019s on on the library\u2019s website").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Put What\u2019s on on the library\u2019s website")
    page.get_by_label("Who it is for").select_option("children")
    page.get_by_label("How many of each").fill("2")
    page.get_by_role("button", name="Show the snippet").click()
    expect(page.get_by_label("Paste this where What\u2019s on should appear")).to_contain_text(
        "audience=children&amp;limit=2"
    )
    preview = page.frame_locator("iframe.widget-preview")
    expect(preview.get_by_role("link", name="Little makers")).to_be_visible()
    expect(preview.get_by_role("link", name="Teen coding")).to_have_count(0)
    assert_accessible(page)

    page.get_by_label("How many of each").fill("50")
    page.get_by_role("button", name="Show the snippet").click()
    expect(page.get_by_role("link", name="Show at most 20: the widget is meant to be short.")).to_be_visible()
    assert_accessible(page)
