"""Hostile or clumsy query strings and paths on every public and staff page: a clear answer, never a 500."""

import pytest
from django.test import Client

from tests.factories import (
    BranchFactory,
    ProgramFactory,
    ServiceTypeFactory,
    StaffMemberFactory,
    VarietyFactory,
    lendable_lot,
)

HOSTILE_VALUES = [
    "",
    "x" * 5000,
    "'; DROP TABLE x; --",
    "<script>alert(1)</script>",
    "-1",
    "99999999999999999999",
    "\x00",
    "2026-02-30",
    "%00",
]
PARAMETERS = [
    "week",
    "day",
    "branch",
    "starts_at",
    "category",
    "audience",
    "age",
    "place",
    "date_from",
    "date_to",
    "q",
    "page",
]
# Parameters of the seed library and stats pages, tried on those pages only.
MORE_PARAMETERS = [
    "view",
    "month",
    "start",
    "end",
    "season",
    "card_number",
    "difficulty",
    "sow_now",
    "available",
    "varieties",
    "area",
    "count",
]


@pytest.fixture
def pages(db, coordinator):
    service = ServiceTypeFactory()
    program = ProgramFactory()
    StaffMemberFactory(user=coordinator)
    return [
        "/",
        "/book/",
        f"/book/{service.slug}/",
        f"/book/{service.slug}/book/",
        "/programs/",
        f"/programs/{program.slug}/",
        f"/programs/{program.slug}/register/",
        "/programs/feed.ics",
        "/staff/",
        "/staff/hours/",
        "/staff/schedule/",
        "/staff/desk/",
        "/staff/programs/",
    ]


@pytest.fixture
def seed_and_stats_pages(db, coordinator):
    program = ProgramFactory()
    StaffMemberFactory(user=coordinator)
    variety = VarietyFactory()
    lot = lendable_lot(branch=BranchFactory(), variety=variety)
    return [
        "/seeds/",
        f"/seeds/{variety.slug}/",
        "/seeds/request/",
        "/staff/seeds/",
        "/staff/seeds/orientation/",
        "/staff/seeds/requests/",
        "/staff/seeds/returns/",
        "/staff/seeds/report/",
        f"/staff/seeds/lots/{lot.pk}/labels.pdf",
        f"/staff/stats/surveys/programs/{program.pk}/qr/",
        "/staff/stats/",
        "/staff/stats/reports/",
    ]


def _never_500(paths: list[str], parameters: list[str], user) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    for path in paths:
        for name in parameters:
            for value in HOSTILE_VALUES:
                response = client.get(path, {name: value})
                assert response.status_code < 500, (path, name, value[:40], response.status_code)


def test_hostile_query_strings_never_answer_500(pages, coordinator):
    _never_500(pages, PARAMETERS, coordinator)


def test_hostile_query_strings_on_seed_and_stats_pages_never_answer_500(seed_and_stats_pages, coordinator):
    _never_500(seed_and_stats_pages, PARAMETERS + MORE_PARAMETERS, coordinator)


@pytest.mark.parametrize(
    "path",
    [
        "/book/no-such-service/",
        "/book/manage/%3Cscript%3E/",
        "/book/manage/" + "a" * 300 + "/",
        "/programs/no-such-program/",
        "/programs/manage/..%2F..%2Fetc/",
        "/programs/claim/'%20OR%201=1/",
        "/staff/calendar/" + "a" * 40 + ".ics",
        "/staff/people/999999999999999999999/community-involvement.pdf",
        "/seeds/no-such-variety/",
        "/seeds/request/%3Cscript%3E/",
        "/seeds/request/" + "a" * 300 + "/cancel/",
        "/survey/" + "a" * 43 + "/",
        "/survey/program/not-a-signed-code/",
        "/staff/seeds/lots/999999999999999999999/labels.pdf",
        "/staff/stats/reports/2026-13/",
        "/staff/stats/reports/9999-99.pdf",
        "/staff/stats/reports/annual/abcd.csv",
    ],
)
def test_hostile_paths_answer_404_not_500(client, db, path):
    client.raise_request_exception = False
    assert client.get(path).status_code in (302, 403, 404)
