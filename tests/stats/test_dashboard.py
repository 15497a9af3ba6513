import datetime as dt
from html import unescape

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stats.dashboard import (
    add_months,
    change_text,
    month_first,
    monthly_trend,
    months_between,
    months_figures,
    same_days_last_year,
    same_moment_last_year,
)
from stats.models import MonthlyReport, SurveysSent
from tests.factories import (
    BranchFactory,
    ServiceTypeFactory,
    SurveyResponseFactory,
    SurveysSentFactory,
    at,
    make_booking,
)
from tests.test_hostile_urls import HOSTILE_VALUES

pytestmark = pytest.mark.calendar

URL = "/staff/stats/"


def this_month() -> dt.date:
    return month_first(timezone.localdate())


def close_by_hand(month: dt.date, **values) -> MonthlyReport:
    """A closed month whose frozen figures say what the test needs, whatever the live records say."""
    figures = {"month": f"{month:%Y-%m}", "period": {"values": values, "breakdowns": {}}, "definitions": 1}
    return MonthlyReport.objects.create(month=month, figures=figures)


def answered(month: dt.date, *, count: int = 1, branch=None, learned: int = 5) -> None:
    sent = SurveysSent.objects.filter(month=month, branch=branch).first() or SurveysSentFactory(
        month=month, branch=branch, count=0
    )
    SurveysSent.objects.filter(pk=sent.pk).update(count=F("count") + count)
    SurveyResponseFactory.create_batch(count, month=month, branch=branch, learned=learned)


@pytest.mark.parametrize(
    ("value", "before", "unit", "text"),
    [
        (12, 10, "count", "up 20%"),
        (9, 10, "count", "down 10%"),
        (10, 10, "count", "no change"),
        (5, 0, "count", ""),
        (None, 3, "count", ""),
        (60.0, 75.0, "percent", "down 15 points"),
        (50.0, 0.0, "percent", "up 50 points"),
    ],
)
def test_change_from_last_year_reads_plainly(value, before, unit, text):
    assert change_text(value, before, unit) == text


def test_month_arithmetic_crosses_the_year():
    assert add_months(dt.date(2025, 11, 1), 2) == dt.date(2026, 1, 1)
    assert add_months(dt.date(2026, 1, 1), -13) == dt.date(2024, 12, 1)
    assert months_between(dt.date(2025, 12, 15), dt.date(2026, 2, 1)) == [
        dt.date(2025, 12, 1),
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 1),
    ]


@pytest.mark.django_db
def test_trend_reads_closed_months_from_their_report_and_counts_open_months_live():
    now = this_month()
    closed = add_months(now, -2)
    open_month = add_months(now, -1)
    close_by_hand(closed, **{"outcomes.responses": 99})
    answered(closed, count=2)  # a closed month does not change when answers arrive later
    answered(open_month, count=3)

    trend = monthly_trend(end=timezone.localdate())

    assert [month for month, _ in trend] == months_between(add_months(now, -12), now)
    values = dict(trend)
    assert values[closed]["outcomes.responses"] == 99
    assert values[open_month]["outcomes.responses"] == 3
    assert values[now]["outcomes.responses"] == 0


@pytest.mark.django_db
def test_one_branch_is_counted_live_because_reports_cover_the_whole_library():
    central, east = BranchFactory(name="Central"), BranchFactory(name="East")
    month = add_months(this_month(), -1)
    close_by_hand(month, **{"outcomes.responses": 99})
    answered(month, count=2, branch=central)
    answered(month, count=1, branch=east)

    assert dict(monthly_trend(months=2, end=timezone.localdate(), branch=central))[month]["outcomes.responses"] == 2
    assert dict(monthly_trend(months=2, end=timezone.localdate()))[month]["outcomes.responses"] == 99


@pytest.mark.django_db
def test_the_current_month_is_so_far_and_later_months_have_no_figures():
    now = at(dt.date(2026, 3, 8), 12)  # the day clocks go forward in Toronto
    found = months_figures([dt.date(2026, 3, 1), dt.date(2026, 4, 1)], now=now)
    assert list(found) == [dt.date(2026, 3, 1)]
    assert found[dt.date(2026, 3, 1)].so_far is True
    assert found[dt.date(2026, 3, 1)].closed is False


# The page


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["assistant", "volunteer"])
def test_desk_staff_and_volunteers_may_not_read_the_dashboard(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["coordinator", "board_member"])
def test_the_coordinator_and_the_board_read_the_dashboard_from_the_menu(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{URL}" aria-current="page">Dashboard</a>' in html
    assert "Sessions attended" in html
    assert 'role="img"' in html


@pytest.mark.django_db
def test_headlines_put_the_month_so_far_beside_the_same_days_last_year(client, coordinator):
    now = this_month()
    a_year_before = add_months(now, -12)
    # Closed last year: the frozen whole month is not what a month in progress is compared with.
    close_by_hand(a_year_before, **{"outcomes.responses": 40, "outcomes.learned": 10.0})
    answered(a_year_before, count=2, learned=5)
    answered(a_year_before, count=2, learned=2)
    answered(now, count=5)
    client.force_login(coordinator)

    response = client.get(URL)

    board = response.context["board"]
    assert board.month.month == now and board.month.so_far
    row = next(h for h in board.headlines if h.key == "outcomes.responses")
    assert (row.value, row.last_year, row.change) == ("5", "4", "up 25%")
    row = next(h for h in board.headlines if h.key == "outcomes.learned")
    assert (row.value, row.last_year, row.change) == ("100%", "50%", "up 50 points")
    html = response.content.decode()
    assert f"{now:%B %Y} so far, beside the same days last year" in html


@pytest.mark.django_db
def test_trend_tables_show_the_same_numbers_as_the_charts_and_link_each_closed_report(client, board_member):
    now = this_month()
    for back, attended in ((3, 17), (2, 23)):
        close_by_hand(add_months(now, -back), **{"bookings.attended": attended, "programs.attendance": 40 + back})
    client.force_login(board_member)

    html = client.get(URL).content.decode()

    first_chart = html.split('id="chart-1-heading"')[1].split('id="chart-2-heading"')[0]
    assert f'<tr><th scope="row">{add_months(now, -3):%b %Y}</th><td class="text-end">17</td></tr>' in first_chart
    assert f'<tr><th scope="row">{add_months(now, -2):%b %Y}</th><td class="text-end">23</td></tr>' in first_chart
    assert f"{now:%b %Y} (so far)" in first_chart
    for back in (3, 2):
        month = add_months(now, -back)
        link = reverse("stats_reports:detail", kwargs={"month": f"{month:%Y-%m}"})
        assert f'<a href="{link}">Report for {month:%B %Y}</a>' in html
    assert reverse("stats_reports:list") in html


@pytest.mark.django_db
def test_filter_by_branch_and_months(client, coordinator):
    central, east = BranchFactory(name="Central", slug="central"), BranchFactory(name="East", slug="east")
    month = add_months(this_month(), -3)
    answered(month, count=2, branch=central)
    answered(month, count=6, branch=east)
    client.force_login(coordinator)

    start, end = add_months(month, -1), add_months(month, 1)
    response = client.get(URL, {"branch": "east", "start": f"{start:%Y-%m}", "end": f"{end:%Y-%m}"})

    board = response.context["board"]
    assert [m.month for m in board.months] == [start, month, end]
    assert board.month.month == end
    assert {m.month: m.values["outcomes.responses"] for m in board.months} == {start: 0, month: 6, end: 0}
    html = response.content.decode()
    assert "Maker Lab dashboard, East" in html
    assert "For East only." in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-13"}, "Enter a month as year and month, like 2026-03."),
        ({"end": "next month"}, "Enter a month as year and month, like 2026-03."),
        ({"start": "2026-01-01T00:00"}, "Enter a month as year and month, like 2026-03."),
        ({"start": "<script>alert(1)</script>"}, "Enter a month as year and month, like 2026-03."),
        ({"start": "9" * 5000}, "Enter a month as year and month, like 2026-03."),
        ({"start": "1999-12"}, "Choose a month from January 2000 on."),
        ({"end": "0001-01"}, "Choose a month from January 2000 on."),
        ({"end": "9999-12"}, "later months have no figures yet"),
        ({"start": "2026-05", "end": "2026-02"}, "The first month must come before the last one."),
        ({"start": "2020-01", "end": "2026-01"}, "Choose at most 37 months at a time."),
        ({"branch": "nowhere"}, "Choose a branch from the list."),
        ({"branch": "\x00"}, "Choose a branch from the list."),
    ],
)
def test_bad_filters_explain_themselves_and_show_the_usual_dashboard(client, coordinator, query, message):
    client.force_login(coordinator)
    before = MonthlyReport.objects.count()

    response = client.get(URL, query)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Showing the last 13 months for all branches." in html
    assert message in html
    assert "<script>alert(1)</script>" not in html
    board = response.context["board"]
    assert [m.month for m in board.months] == months_between(add_months(this_month(), -12), this_month())
    assert MonthlyReport.objects.count() == before


@pytest.mark.django_db
def test_the_dashboard_only_reads(client, coordinator):
    client.force_login(coordinator)
    assert client.post(URL).status_code == 405


def _queries_for(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.django_db
def test_queries_stay_the_same_as_the_data_grows(client, coordinator):
    """Twelve closed months are read in one query; the month so far is counted once, in SQL."""
    now = this_month()
    for back in range(1, 13):
        close_by_hand(add_months(now, -back), **{"bookings.attended": back})
    BranchFactory(slug="central")
    answered(now, count=1)
    client.force_login(coordinator)
    small = _queries_for(client)

    for back in range(0, 13):
        answered(add_months(now, -back), count=4)
    for _ in range(3):
        BranchFactory()
    cache.clear()  # live months are kept for a minute: count them again, with the login as fresh as before
    client.force_login(coordinator)
    large = _queries_for(client)

    assert small == large
    # Two months counted live: the month so far and the same days of it last year.
    assert large <= 60, large


@pytest.mark.django_db
def test_hostile_values_in_every_filter_never_answer_500(coordinator):
    now = this_month()
    for back in range(1, 13):
        close_by_hand(add_months(now, -back))
    client = Client(raise_request_exception=False)
    client.force_login(coordinator)
    for name in ("branch", "start", "end"):
        for value in [*HOSTILE_VALUES, "2026-00", "0000-01", "2026-1", " 2026-01 ", "2026-01\x00"]:
            response = client.get(URL, {name: value})
            assert response.status_code == 200, (name, value[:40], response.status_code)
    assert MonthlyReport.objects.count() == 12


def _attended(day: dt.date, count: int = 1) -> None:
    service = ServiceTypeFactory()
    for number in range(count):
        make_booking(service_type=service, starts_at=at(day, 10 + number), status="attended")


def _headline(response, key: str) -> tuple[str, str, str]:
    row = next(h for h in response.context["board"].headlines if h.key == key)
    return row.value, row.last_year, row.change


def _page_text(response) -> str:
    return " ".join(unescape(response.content.decode()).split())


@pytest.mark.django_db
@pytest.mark.time_machine(at(dt.date(2026, 12, 1), 0, 30))
def test_on_the_first_at_half_past_midnight_the_month_is_compared_with_the_first_of_last_year_not_all_of_it(
    client, coordinator
):
    _attended(dt.date(2025, 12, 9), count=5)
    _attended(dt.date(2025, 12, 20), count=3)
    client.force_login(coordinator)

    response = client.get(URL)

    assert _headline(response, "bookings.attended") == ("0", "0", "")  # nothing to compare with, not "down 100%"
    changes = [headline.change for headline in response.context["board"].headlines]
    assert not any(change.startswith("down 100") for change in changes)
    text = _page_text(response)
    assert "December 2026 so far, beside the same days last year" in text
    assert "compared with 1 December 2025 up to 12:30 a.m." in text


@pytest.mark.django_db
@pytest.mark.time_machine(at(dt.date(2026, 12, 4), 15))
def test_on_the_fourth_the_month_so_far_is_compared_with_the_first_four_days_of_last_year_to_this_hour(
    client, coordinator
):
    _attended(dt.date(2025, 12, 2), count=2)
    _attended(dt.date(2025, 12, 4), count=1)
    _attended(dt.date(2025, 12, 5), count=6)  # after the fourth: not compared
    make_booking(service_type=ServiceTypeFactory(), starts_at=at(dt.date(2025, 12, 4), 17), status="attended")
    _attended(dt.date(2026, 12, 3), count=4)
    client.force_login(coordinator)

    response = client.get(URL)

    assert _headline(response, "bookings.attended") == ("4", "3", "up 33%")
    text = _page_text(response)
    assert "compared with 1 to 4 December 2025 up to 3:00 p.m." in text
    assert '<th scope="col" class="text-end">1 to 4 December 2025</th>' in response.content.decode()
    # The trend still shows last December whole.
    trend = response.context["board"].charts[0].rows
    assert ("Dec 2025", ["10"]) in trend
    assert trend[-1] == ("Dec 2026 (so far)", ["4"])


@pytest.mark.django_db
@pytest.mark.time_machine(at(dt.date(2027, 6, 15), 12))
def test_in_mid_june_the_month_so_far_is_compared_with_the_first_half_of_last_june(client, coordinator):
    _attended(dt.date(2026, 6, 15), count=2)
    _attended(dt.date(2026, 6, 16), count=5)
    _attended(dt.date(2027, 6, 14), count=1)
    client.force_login(coordinator)

    response = client.get(URL)

    assert _headline(response, "bookings.attended") == ("1", "2", "down 50%")
    assert "compared with 1 to 15 June 2026 up to noon." in _page_text(response)


@pytest.mark.django_db
@pytest.mark.time_machine(at(dt.date(2026, 12, 4), 15))
def test_a_past_month_is_still_compared_with_the_whole_of_the_same_month_last_year(client, coordinator):
    _attended(dt.date(2025, 11, 28), count=2)
    _attended(dt.date(2026, 11, 3), count=3)
    client.force_login(coordinator)

    response = client.get(URL, {"start": "2026-01", "end": "2026-11"})

    assert _headline(response, "bookings.attended") == ("3", "2", "up 50%")
    assert "November 2026, beside November last year" in _page_text(response)


@pytest.mark.parametrize(
    ("today", "first", "last"),
    [
        (dt.date(2026, 12, 1), dt.date(2025, 12, 1), dt.date(2025, 12, 1)),
        (dt.date(2026, 12, 4), dt.date(2025, 12, 1), dt.date(2025, 12, 4)),
        (dt.date(2028, 2, 29), dt.date(2027, 2, 1), dt.date(2027, 2, 28)),
        (dt.date(2027, 1, 31), dt.date(2026, 1, 1), dt.date(2026, 1, 31)),
    ],
)
def test_the_same_days_last_year(today, first, last):
    assert same_days_last_year(today) == (first, last)


@pytest.mark.parametrize(
    ("now", "then"),
    [
        (at(dt.date(2026, 12, 4), 15, 5), at(dt.date(2025, 12, 4), 15, 5)),
        (at(dt.date(2028, 2, 29), 9), at(dt.date(2027, 3, 1), 0)),  # the whole of 28 February 2027
        (at(dt.date(2027, 3, 14), 3, 1), at(dt.date(2026, 3, 14), 3, 1)),  # just after clocks went forward
    ],
)
def test_the_same_moment_last_year(now, then):
    assert same_moment_last_year(now) == then


def close_with_branches(month: dt.date, branches: dict, **values) -> MonthlyReport:
    """A closed month with its frozen figures for the whole library and for each branch given."""
    report = close_by_hand(month, **values)
    report.figures["branches"] = {str(branch.pk): branch_values for branch, branch_values in branches.items()}
    report.save(update_fields=["figures"])
    return report


@pytest.mark.django_db
def test_one_branch_reads_its_figures_frozen_at_month_close():
    central, east = BranchFactory(name="Central"), BranchFactory(name="East")
    month = add_months(this_month(), -1)
    close_with_branches(month, {central: {"outcomes.responses": 7}}, **{"outcomes.responses": 99})
    answered(month, count=2, branch=central)
    answered(month, count=1, branch=east)

    assert dict(monthly_trend(months=2, end=timezone.localdate(), branch=central))[month]["outcomes.responses"] == 7
    # A branch the report kept nothing for (opened since) is counted from the records.
    assert dict(monthly_trend(months=2, end=timezone.localdate(), branch=east))[month]["outcomes.responses"] == 1


@pytest.mark.django_db
def test_month_close_freezes_each_branchs_shown_figures_as_counted_then(db):
    from stats.dashboard import SHOWN_KEYS
    from stats.figures import compute_figures
    from stats.services import month_close

    central, east = BranchFactory(name="Central"), BranchFactory(name="East")
    month = add_months(this_month(), -1)
    answered(month, count=2, branch=central)
    answered(month, count=1, branch=east)
    expected = {
        branch: compute_figures(start=month, end=add_months(month, 1), branch=branch, keys=SHOWN_KEYS).values
        for branch in (central, east)
    }

    report = month_close(month=month, build_pdf=False)
    answered(month, count=5, branch=east)  # later answers do not change a closed month

    assert report.figures["branches"] == {str(branch.pk): values for branch, values in expected.items()}
    found = months_figures([month], branch=east)[month]
    assert found.closed is True
    assert found.values["outcomes.responses"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize("with_branch", [False, True])
def test_the_dashboard_takes_few_queries_at_two_data_sizes_with_or_without_a_branch(client, coordinator, with_branch):
    """Closed months are read from their reports, a branch's too; only the month so far and the same days of
    last year are counted live, and only the figures shown."""
    now = this_month()
    central = BranchFactory(slug="central")
    for back in range(1, 13):
        close_with_branches(add_months(now, -back), {central: {"bookings.attended": back}}, **{"bookings.attended": 1})
    answered(now, count=1, branch=central)
    client.force_login(coordinator)
    query = {"branch": "central"} if with_branch else {}

    def queries() -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, query).status_code == 200
        return len(captured.captured_queries)

    small = queries()
    for back in range(0, 13):
        answered(add_months(now, -back), count=4, branch=central)
    service = ServiceTypeFactory(branch=central)
    for day in range(1, 4):
        make_booking(service_type=service, starts_at=at(now + dt.timedelta(days=day - 1), 10))
    large = queries()

    assert small == large
    assert large <= 30, large


@pytest.mark.django_db
def test_a_live_month_is_kept_for_a_minute_then_counted_again(client, coordinator):
    now = at(this_month() + dt.timedelta(days=1), 11)
    month = month_first(timezone.localdate(now))
    answered(month, count=1)
    assert months_figures([month], now=now)[month].values["outcomes.responses"] == 1

    answered(month, count=2)
    assert months_figures([month], now=now + dt.timedelta(seconds=30))[month].values["outcomes.responses"] == 1
    assert months_figures([month], now=now + dt.timedelta(minutes=1))[month].values["outcomes.responses"] == 3


def _figure_queries(captured) -> list[str]:
    return [query["sql"] for query in captured.captured_queries if "stats_surveyresponse" in query["sql"]]


@pytest.mark.django_db
def test_while_someone_watches_the_month_so_far_the_worker_counts_it_each_minute_before_they_look(
    client, coordinator, settings, time_machine
):
    from celery.schedules import crontab

    from stats.dashboard import WATCHED_SECONDS, live_figures_refresh
    from stats.tasks import live_figures_refresh as task

    entry = settings.CELERY_BEAT_SCHEDULE["stats-live-figures-refresh"]
    assert (entry["task"], entry["schedule"]) == ("stats.tasks.live_figures_refresh", crontab())
    BranchFactory(slug="central")
    opened = at(this_month() + dt.timedelta(days=1), 11) + dt.timedelta(seconds=20)
    month = month_first(timezone.localdate(opened))
    for back in range(1, 14):
        close_by_hand(add_months(month, -back))  # every month before this one is closed, as in a running library
    answered(month, count=1)
    time_machine.move_to(opened, tick=False)
    assert live_figures_refresh() == []  # nobody is watching: nothing is counted
    client.force_login(coordinator)
    assert client.get(URL).status_code == 200
    assert client.get(URL, {"branch": "central"}).status_code == 200

    answered(month, count=2)
    next_minute = at(this_month() + dt.timedelta(days=1), 11, 1)
    time_machine.move_to(next_minute, tick=False)
    with CaptureQueriesContext(connection) as first:
        task.delay()
    with CaptureQueriesContext(connection) as again:
        assert live_figures_refresh() == ["all", "central"]
    time_machine.move_to(next_minute + dt.timedelta(seconds=40), tick=False)
    with CaptureQueriesContext(connection) as looked:
        response = client.get(URL)

    assert _figure_queries(first)  # counted by the worker
    assert not _figure_queries(again)  # counted once in a minute, however often it runs
    assert not _figure_queries(looked)  # the page waited for no count
    assert _headline(response, "outcomes.responses")[0] == "3"
    time_machine.move_to(next_minute + dt.timedelta(seconds=40 + WATCHED_SECONDS + 1), tick=False)
    assert live_figures_refresh() == []  # no one has looked for half an hour
