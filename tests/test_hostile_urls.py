"""Hostile or clumsy query strings and paths on every public and staff page: a clear answer, never a 500."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from safety.models import Inspection
from stats.dashboard import add_months, month_first
from stats.models import MonthlyReport
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
    "\u00b2",  # superscript two: str.isdigit() says yes
    "\u0663",  # Arabic-Indic three
    "\uff11\uff12",  # full-width twelve
]
# Each page with the query parameters it reads (and one it does not), so every value a page parses is tried
# there, and no page is asked about parameters it never looks at.
PROGRAM_FILTERS = ["audience", "age", "category", "where", "starts_after", "starts_before"]
SEED_FILTERS = ["q", "category", "difficulty", "sow_now", "available"]
PAGES = {
    "home": ("/", []),
    "services": ("/book/", []),
    "service times": ("/book/{service}/", ["week"]),
    "booking form": ("/book/{service}/book/", ["starts_at"]),
    "programs": ("/programs/", ["view", "month", "page", *PROGRAM_FILTERS]),
    "program": ("/programs/{program}/", []),
    "program registration": ("/programs/{program}/register/", []),
    "programs feed": ("/programs/feed.ics", ["category", "audience"]),
    "staff start": ("/staff/", ["branch"]),
    "my shifts": ("/staff/shifts/", []),
    "hours": ("/staff/hours/", []),
    "schedule": ("/staff/schedule/", ["branch", "week"]),
    "desk": ("/staff/desk/", ["branch", "day"]),
    "my desk sessions": ("/staff/desk/mine/", ["branch", "day"]),
    "desk booking": ("/staff/desk/book/", ["service", "card_number"]),
    "check in": ("/staff/check-in/", ["code"]),
    "staff programs": ("/staff/programs/", ["day", "program"]),
    "roster": ("/staff/programs/sessions/{session}/", []),
    "seeds": ("/seeds/", ["page", *SEED_FILTERS]),
    "variety": ("/seeds/{variety}/", []),
    "seed request": ("/seeds/request/", ["varieties"]),
    "my maker lab": ("/my/", []),
    "my maker lab link sent": ("/my/sent/", []),
    "seed lending": ("/staff/seeds/", ["branch", "card_number", "q"]),
    "seed orientation": ("/staff/seeds/orientation/", ["branch", "card_number"]),
    "seed requests": ("/staff/seeds/requests/", ["branch", "page"]),
    "seed returns": ("/staff/seeds/returns/", ["branch", "card_number", "lot"]),
    "seed report": ("/staff/seeds/report/", ["season", "branch"]),
    "labels": ("/staff/seeds/lots/{lot}/labels.pdf", ["count"]),
    "survey QR": ("/staff/stats/surveys/programs/{program_pk}/qr/", []),
    # Its filters (branch, start, end) are tried in tests/stats/test_dashboard.py, with the past year closed.
    "dashboard": ("/staff/stats/", []),
    "reports": ("/staff/stats/reports/", ["page"]),
    "monthly report": ("/staff/stats/reports/{report_month}/", []),
    "monthly report quotes": ("/admin/stats/monthlyreport/{report_pk}/quotes/", []),
    "safety inspections": ("/staff/safety/inspections/", ["page"]),
    "safety inspection": ("/staff/safety/inspections/{inspection}/", []),
    "safety my actions": ("/staff/safety/actions/", ["page"]),
    "safety all actions": ("/staff/safety/actions/all/", ["page"]),
    "bookings admin": ("/admin/bookings/booking/", ["staff", "when"]),
    "time off admin": ("/admin/staffing/timeoff/", ["staff_member__id__exact"]),
    "hours admin": ("/admin/staffing/hoursentry/", ["staff_member__id__exact"]),
    "staff members admin": ("/admin/staffing/staffmember/", ["skill"]),
    "safety report": ("/staff/safety/report/", []),
    "my safety reports": ("/staff/safety/reports/mine/", []),
    # --- What's on widget ---
    "whats on widget": ("/whats-on/widget/", ["audience", "category", "where", "limit", "show"]),
    "whats on fragment": ("/whats-on/widget.html", ["audience", "category", "where", "limit", "show"]),
    "whats on snippet": ("/staff/promotion/widget/", ["audience", "category", "where", "limit", "show"]),
    # --- Feeds, sharing, displays, printables and purchases ---
    "programs rss": ("/programs/feed.rss", PROGRAM_FILTERS),
    "programs atom": ("/programs/feed.atom", PROGRAM_FILTERS),
    "programs json feed": ("/programs/feed.json", PROGRAM_FILTERS),
    "program share image": ("/programs/{program}/share.png", []),
    "service share image": ("/book/{service}/share.png", []),
    "variety share image": ("/seeds/{variety}/share.png", []),
    "displays": ("/displays/", []),
    "promotion start": ("/staff/promotion/", []),
    "displays calendar": ("/staff/promotion/displays/", ["year", "branch"]),
    "printables": ("/staff/promotion/printables/", ["month"]),
    "month sheet": ("/staff/promotion/printables/month.pdf", ["month"]),
    "digest": ("/staff/promotion/digest/", ["month"]),
    "digest preview": ("/staff/promotion/digest/preview/", ["month"]),
    "purchase suggestion": ("/suggest/", ["kind"]),
    "purchases": ("/staff/stats/purchases/", ["page"]),
}
NOT_READ = "unknown"


@pytest.fixture
def objects(db, coordinator):
    StaffMemberFactory(user=coordinator)
    program = ProgramFactory()
    session = program.sessions.create(starts_at=timezone.now(), ends_at=timezone.now() + dt.timedelta(hours=1))
    variety = VarietyFactory()
    lot = lendable_lot(branch=BranchFactory(), variety=variety)
    report = MonthlyReport.objects.create(month=dt.date(2001, 1, 1), figures={})
    inspection = Inspection.objects.create(
        branch=BranchFactory(), month=dt.date(2001, 1, 1), due_on=dt.date(2001, 1, 31)
    )
    return {
        "inspection": inspection.pk,
        "report_month": f"{report.month:%Y-%m}",
        "report_pk": report.pk,
        "service": ServiceTypeFactory().slug,
        "program": program.slug,
        "program_pk": program.pk,
        "session": session.pk,
        "variety": variety.slug,
        "lot": lot.pk,
    }


@pytest.mark.parametrize("page", PAGES)
def test_hostile_query_strings_never_answer_500(objects, coordinator, page):
    template, parameters = PAGES[page]
    path = template.format(**objects)
    if page == "dashboard":
        # As in use, the past year is closed: the dashboard reads it frozen instead of counting it live each time.
        this_month = month_first(timezone.localdate())
        for back in range(1, 13):
            month = add_months(this_month, -back)
            figures = {"month": f"{month:%Y-%m}", "period": {"values": {}, "breakdowns": {}}, "definitions": 1}
            MonthlyReport.objects.create(month=month, figures=figures)
    client = Client(raise_request_exception=False)
    client.force_login(coordinator)
    assert client.get(path).status_code < 500, path
    for name in [*parameters, NOT_READ]:
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
        "/seeds/no-such-variety/",
        "/seeds/request/%3Cscript%3E/",
        "/seeds/request/" + "a" * 300 + "/cancel/",
        "/survey/" + "a" * 43 + "/",
        "/survey/" + "W" * 200 + ":" + "b" * 43 + "/",
        "/survey/:::/",
        "/survey/program/not-a-signed-code/",
        "/staff/seeds/lots/999999999999999999999/labels.pdf",
        "/staff/safety/inspections/999999999999999999999/",
        "/staff/safety/report/999999999999999999999/filed/",
        "/staff/stats/reports/2026-13/",
        "/staff/stats/reports/9999-99.pdf",
        "/staff/stats/reports/annual/abcd.csv",
        "/admin/stats/monthlyreport/999999999999999999999/quotes/",
    ],
)
def test_hostile_paths_answer_404_not_500(client, db, path):
    client.raise_request_exception = False
    assert client.get(path).status_code in (302, 403, 404)


# Forms posted from staff pages, with the fields each reads: every hostile value in every field gets a clear
# answer (the page again with a message, or a 4xx), never a 500.
POSTED = {
    "offer a shift": ("/staff/schedule/offer/", ["shift", "staff_member", "branch", "week"]),
    "take an offered shift": ("/staff/invitations/999999999999999999999/take/", []),
    "decline an offered shift": ("/staff/invitations/999999999999999999999/decline/", []),
    "add a safety action": ("/staff/safety/actions/all/", ["description", "owner", "due_on"]),
    "change a safety action": ("/staff/safety/actions/999999999999999999999/status/", ["status", "next"]),
    "file a safety report": (
        "/staff/safety/report/",
        ["kind", "branch", "location", "equipment", "occurred_at", "what_happened", "roles_involved", "severity"],
    ),
    "suggest a purchase": ("/suggest/", ["kind", "what", "why", "email", "website"]),
    "recommend a purchase": ("/staff/stats/purchases/recommend/", ["item", "estimated_cost", "reason", "evidence"]),
    "answer a suggestion": ("/staff/stats/purchases/suggestions/999999999999999999999/answer/", ["answer"]),
}


@pytest.mark.parametrize("form", POSTED)
def test_hostile_posts_never_answer_500(objects, coordinator, form):
    path, fields = POSTED[form]
    client = Client(raise_request_exception=False)
    client.force_login(coordinator)
    assert client.post(path).status_code < 500, path
    for name in [*fields, NOT_READ]:
        for value in HOSTILE_VALUES:
            response = client.post(path, {name: value})
            assert response.status_code < 500, (path, name, value[:40], response.status_code)
