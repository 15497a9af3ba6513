import os
import shutil

import pytest

from tests.factories import BranchFactory, PatronFactory, UserFactory

PASSWORD = "correct-horse-battery"


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


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")
