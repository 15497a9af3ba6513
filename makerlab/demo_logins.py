"""The demo staff logins: created by ``manage.py load_demo`` and printed by ``make run``."""

from typing import NamedTuple

DEMO_PASSWORD = "makerlab-demo"  # noqa: S105 (demo data only; load_demo refuses to run in production)


class DemoLogin(NamedTuple):
    username: str
    first_name: str
    last_name: str
    role: str
    is_staff: bool


DEMO_LOGINS = [
    DemoLogin("coordinator", "Priya", "Raman", "Coordinator", True),
    DemoLogin("assistant", "Daniel", "Okafor", "Library assistant", True),
    DemoLogin("volunteer", "Emma", "Tremblay", "Volunteer", False),
    DemoLogin("manager", "Harold", "Nguyen", "Manager", True),
    DemoLogin("board", "Margaret", "Whitfield", "Board", False),
]
