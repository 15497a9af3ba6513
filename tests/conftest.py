import datetime as dt
import os
import shutil

import pytest
import time_machine
from axe_playwright_python.sync_playwright import Axe
from django.core.cache import cache
from django.utils import timezone
from time_machine import escape_hatch

from tests.clock import LIBRARY_ZONE, suite_moment
from tests.factories import BranchFactory, PatronFactory, UserFactory

pytest_plugins = ["tests.databases"]

PASSWORD = "correct-horse-battery"
SUITE_MOMENT = suite_moment()


def pytest_configure(config: pytest.Config) -> None:
    """The suite's clock runs from the start, so what test modules compute when they are collected (a date in a
    parametrize list) is computed at the suite's moment too."""
    time_machine.travel(SUITE_MOMENT, tick=True).start()


def pytest_report_header(config: pytest.Config) -> str:
    local = SUITE_MOMENT.astimezone(LIBRARY_ZONE)
    source = "TEST_NOW" if os.environ.get("TEST_NOW") else "the default; set TEST_NOW to choose"
    return f"suite clock: every test starts at {local:%Y-%m-%d %H:%M %Z} ({local.isoformat()}, {source})"


@pytest.fixture(autouse=True)
def suite_clock(request: pytest.FixtureRequest, time_machine):
    """Every test starts at the suite's moment, and time runs on from there.

    A test chooses another moment with ``@pytest.mark.time_machine(...)`` or ``time_machine.move_to(...)``;
    a test that means to follow the real clock says so in its name (``real_clock``).
    """
    if request.node.get_closest_marker("time_machine"):
        return
    if "real_clock" in request.node.name:
        time_machine.move_to(escape_hatch.datetime.datetime.now(dt.UTC), tick=True)
        return
    time_machine.move_to(SUITE_MOMENT, tick=True)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (rate limits, cached pages), whatever ran before it."""
    cache.clear()


@pytest.fixture
def now(suite_clock) -> dt.datetime:
    """The moment the test started at (aware, UTC)."""
    return timezone.now()


@pytest.fixture
def branch(db):
    return BranchFactory(name="Central Library", slug="central")


@pytest.fixture
def patron(db):
    return PatronFactory(first_name="Doris", last_name="Campbell")


@pytest.fixture
def coordinator(db):
    return UserFactory(username="coordinator", is_staff=True, role="Coordinator")


@pytest.fixture
def assistant(db):
    return UserFactory(username="assistant", is_staff=True, role="Library assistant")


@pytest.fixture
def volunteer(db):
    return UserFactory(username="volunteer", role="Volunteer")


@pytest.fixture
def board_member(db):
    return UserFactory(username="board", role="Board")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """On CI nothing may be skipped: a skipped browser or database test fails the run."""
    if os.environ.get("CI") != "true":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(f"CI=true: {len(skipped)} skipped test(s) count as failures.", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="session")
def browser():
    """The system Chromium driven by Playwright; never a downloaded browser."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("Chromium is not installed (apt-get install chromium).")
    # Playwright's sync API runs an event loop in this thread; the test database is still used synchronously.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-CA", timezone_id="America/Toronto")
    page = context.new_page()
    page.csp_violations = []
    page.on("console", lambda message: _record_csp_violation(page, message))
    yield page
    context.close()


def _record_csp_violation(page, message) -> None:
    if "Content Security Policy" in message.text:
        page.csp_violations.append(message.text)


@pytest.fixture
def assert_accessible():
    """Run axe-core on the page and fail with each WCAG 2.1 A/AA violation spelled out."""
    axe = Axe()

    def check(page) -> None:
        # A click that navigates returns once the new page commits; axe needs its document loaded.
        page.wait_for_load_state("load")
        # Checked before axe runs: axe's own probes add styles that the policy refuses.
        assert not page.csp_violations, page.csp_violations
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
        violations = results.response["violations"]
        details = "\n".join(
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}" for v in violations
        )
        assert not violations, f"{page.url} has accessibility violations:\n{details}"
        page.csp_violations.clear()  # what axe's probes set off is not the page's

    return check
