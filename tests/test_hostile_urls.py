"""Hostile or clumsy query strings and paths on every public and staff page: a clear answer, never a 500."""

import pytest
from django.test import Client

from tests.factories import ProgramFactory, ServiceTypeFactory, StaffMemberFactory

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


def test_hostile_query_strings_never_answer_500(pages, coordinator):
    client = Client(raise_request_exception=False)
    client.force_login(coordinator)
    for path in pages:
        for name in PARAMETERS:
            for value in HOSTILE_VALUES:
                response = client.get(path, {name: value})
                assert response.status_code < 500, (path, name, value[:40], response.status_code)


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
    ],
)
def test_hostile_paths_answer_404_not_500(client, db, path):
    client.raise_request_exception = False
    assert client.get(path).status_code in (302, 403, 404)
