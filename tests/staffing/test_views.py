"""The staff area: who may see what, each action and its refusals on the page, and fixed query counts."""

import datetime as dt
import zoneinfo
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from makerlab.formatting import time_span
from programs.models import Session
from staffing import services
from staffing.models import (
    Assignment,
    Availability,
    DecisionStatus,
    HoursEntry,
    ShiftChange,
    ShiftInvitation,
    ShiftRole,
    StaffKind,
    StaffMember,
    TimeOff,
)
from staffing.views import program_sessions_of, shift_when
from tests.factories import (
    AssignmentFactory,
    BranchFactory,
    EquipmentFactory,
    ProgramFactory,
    ShiftFactory,
    StaffMemberFactory,
    UserFactory,
    at,
)
from tests.refusals import refusal_codes

TORONTO = zoneinfo.ZoneInfo("America/Toronto")


def day_words(day: dt.date) -> str:
    text = f"{day:%A} {day.day} {day:%B}"
    return text if day.year == timezone.localdate().year else f"{text} {day.year}"


@pytest.fixture
def central(db):
    return BranchFactory(name="Central Library", slug="central", observes_statutory_holidays=False)


@pytest.fixture
def next_week():
    return timezone.localdate() + dt.timedelta(days=8)


@pytest.fixture
def me(assistant):
    assistant.first_name, assistant.last_name = "Daniel", "Okafor"
    assistant.save()
    return StaffMemberFactory(user=assistant, kind=StaffKind.LIBRARY_ASSISTANT)


@pytest.fixture
def colleague(db):
    return StaffMemberFactory(
        user=UserFactory(username="emma", first_name="Emma", last_name="Tremblay", role="Volunteer"),
        kind=StaffKind.VOLUNTEER,
    )


@pytest.fixture
def me_client(client, me):
    client.force_login(me.user)
    return client


@pytest.fixture
def colleague_client(colleague):
    client = Client()
    client.force_login(colleague.user)
    return client


@pytest.fixture
def coordinator_client(coordinator):
    client = Client()
    client.force_login(coordinator)
    return client


@pytest.fixture
def my_shift(me, central, next_week):
    return AssignmentFactory(
        staff_member=me,
        shift=ShiftFactory(branch=central, starts_at=at(next_week, 14), ends_at=at(next_week, 16)),
    )


def available_mornings(staff_member: StaffMember) -> None:
    Availability.objects.bulk_create(
        Availability(staff_member=staff_member, weekday=day, starts=dt.time(8), ends=dt.time(12)) for day in range(7)
    )


def page_text(response) -> str:
    return response.content.decode()


def refused_on_my_shifts(response) -> list[str]:
    """The codes of the refusal My shifts shows, once each of its messages is seen on the page."""
    assert response.status_code == 200
    refusal = response.context["refusal"]
    assert all(escape(message) in page_text(response) for message in refusal.messages)
    return refusal_codes(refusal)


class TableRows(HTMLParser):
    """The text of each cell, row by row, of the tables on a page (hidden words included)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def table_rows(response) -> list[list[str]]:
    return TableRows(page_text(response)).rows


# --- Plain-language times --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "text"),
    [
        ((14, 0), (16, 0), "2:00 to 4:00 p.m."),
        ((9, 30), (11, 45), "9:30 to 11:45 a.m."),
        ((10, 0), (12, 0), "10:00 a.m. to noon"),
        ((11, 0), (13, 30), "11:00 a.m. to 1:30 p.m."),
        ((12, 0), (14, 0), "noon to 2:00 p.m."),
        ((18, 0), (0, 0), "6:00 p.m. to midnight"),
    ],
)
def test_times_read_like_a_person_would_say_them(start, end, text):
    day = dt.date(2026, 1, 12)
    assert time_span(dt.datetime.combine(day, dt.time(*start)), dt.datetime.combine(day, dt.time(*end))) == text


def test_a_shift_is_told_in_its_branchs_time_zone(db, settings):
    settings.TIME_ZONE = "UTC"
    branch = BranchFactory(time_zone="America/Vancouver")
    vancouver = zoneinfo.ZoneInfo("America/Vancouver")
    shift = ShiftFactory.build(
        branch=branch,
        starts_at=at(dt.date(2026, 1, 13), 14, zone=vancouver),
        ends_at=at(dt.date(2026, 1, 13), 16, zone=vancouver),
    )
    assert shift_when(shift, today=dt.date(2026, 1, 1)) == "Tuesday 13 January, 2:00 to 4:00 p.m."
    assert shift_when(shift, today=dt.date(2025, 12, 1)) == "Tuesday 13 January 2026, 2:00 to 4:00 p.m."


def test_summer_time_does_not_move_the_hour(db):
    branch = BranchFactory()
    shift = ShiftFactory.build(
        branch=branch, starts_at=at(dt.date(2026, 7, 14), 14), ends_at=at(dt.date(2026, 7, 14), 16)
    )
    assert shift_when(shift, today=dt.date(2026, 7, 1)) == "Tuesday 14 July, 2:00 to 4:00 p.m."


# --- Who may enter ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/staff/", "/staff/hours/", "/staff/schedule/", "/staff/changes/", "/staff/hours/approve/"]
)
def test_anonymous_visitors_are_sent_to_the_login(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(f"/accounts/login/?next={path}")


@pytest.mark.parametrize("path", ["/staff/", "/staff/hours/", "/staff/hours/community-involvement.pdf"])
def test_a_login_without_a_staff_record_gets_the_friendly_403(client, board_member, path):
    client.force_login(board_member)
    response = client.get(path)
    assert response.status_code == 403
    assert "You do not have access to this page" in page_text(response)


def test_an_inactive_staff_member_is_refused(client, me):
    me.is_active = False
    me.save()
    client.force_login(me.user)
    assert client.get("/staff/").status_code == 403
    assert "Staff area" not in page_text(client.get("/"))


def test_the_menu_links_to_the_staff_area_only_for_staff_members(me_client, client, board_member):
    assert 'href="/staff/"' in page_text(me_client.get("/"))
    other = Client()
    other.force_login(board_member)
    assert 'href="/staff/"' not in page_text(other.get("/"))


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/staff/schedule/", 200),
        ("/staff/changes/", 403),
        ("/staff/hours/approve/", 403),
    ],
)
def test_volunteers_see_the_schedule_but_approve_nothing(colleague_client, central, path, status):
    assert colleague_client.get(path).status_code == status


def test_another_persons_record_needs_the_coordinators_permission(colleague_client, me):
    assert colleague_client.get(f"/staff/people/{me.pk}/community-involvement.pdf").status_code == 403


def test_the_board_does_not_see_the_schedule(client, board_member):
    client.force_login(board_member)
    assert client.get("/staff/schedule/").status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/staff/shifts/1/give-up/",
        "/staff/shifts/1/check-in/",
        "/staff/shifts/1/check-out/",
        "/staff/offers/1/claim/",
        "/staff/offers/1/withdraw/",
        "/staff/calendar/new-address/",
        "/staff/changes/1/decide/",
        "/staff/schedule/offer/",
        "/staff/invitations/1/take/",
        "/staff/invitations/1/decline/",
    ],
)
def test_changes_are_posted_never_fetched(me_client, path):
    assert me_client.get(path).status_code == 405


def test_every_change_needs_the_csrf_token(me, my_shift):
    client = Client(enforce_csrf_checks=True)
    client.force_login(me.user)
    response = client.post(f"/staff/shifts/{my_shift.pk}/give-up/")
    assert response.status_code == 403
    assert not ShiftChange.objects.exists()


# --- My shifts --------------------------------------------------------------------------------------------


def test_my_shifts_lists_my_published_shifts_in_plain_language(me_client, me, my_shift, central, next_week):
    AssignmentFactory(
        staff_member=me,
        shift=ShiftFactory(branch=central, starts_at=at(next_week, 10), ends_at=at(next_week, 12), is_published=False),
    )
    AssignmentFactory(shift=ShiftFactory(branch=central, starts_at=at(next_week, 17), ends_at=at(next_week, 19)))
    response = me_client.get("/staff/shifts/")
    html = page_text(response)
    day = day_words(next_week)
    assert [day, "2:00 to 4:00 p.m.", "1-on-1 help desk", "Central Library", "Yours", f"Give up my shift on {day}"] in (
        table_rows(response)
    )
    assert f'Give up<span class="visually-hidden"> my shift on {day_words(next_week)}</span>' in html
    assert "10:00 a.m. to noon" not in html  # not published yet
    assert "5:00 to 7:00 p.m." not in html  # someone else's


def facilitate(staff_member: StaffMember, branch, start: dt.datetime, *, title: str, minutes: int = 90, **fields):
    program = ProgramFactory(branch=branch, title=title, room="Maker Lab", **fields)
    program.facilitators.add(staff_member)
    return Session.objects.create(program=program, starts_at=start, ends_at=start + dt.timedelta(minutes=minutes))


def test_my_shifts_lists_the_programs_i_facilitate_in_the_next_eight_weeks(me_client, me, central, next_week):
    facilitate(me, central, at(next_week, 10), title="Family 3D design", slug="family-3d-design")
    facilitate(me, central, at(next_week + dt.timedelta(days=1), 16), title="Intro to Arduino", is_published=False)
    cancelled = facilitate(me, central, at(next_week, 18), title="Sewing basics")
    Session.objects.filter(pk=cancelled.pk).update(cancelled_at=timezone.now())
    facilitate(me, central, at(timezone.localdate() + dt.timedelta(weeks=9), 10), title="Seed-starting workshop")
    facilitate(me, central, at(timezone.localdate() - dt.timedelta(days=2), 10), title="Lino printing")
    facilitate(StaffMemberFactory(), central, at(next_week, 13), title="Teen coding club")
    html = page_text(me_client.get("/staff/shifts/"))
    assert "Programs you facilitate" in html
    assert (
        f"<strong>{day_words(next_week)}, 10:00 to 11:30 a.m.:</strong> "
        '<a href="/programs/family-3d-design/">Family 3D design</a>, Central Library, Maker Lab'
    ) in html
    next_day = day_words(next_week + dt.timedelta(days=1))
    assert f"<strong>{next_day}, 4:00 to 5:30 p.m.:</strong> Intro to Arduino, Central Library" in html
    for absent in ("Sewing basics", "Seed-starting workshop", "Lino printing", "Teen coding club"):
        assert absent not in html
    assert html.index("Family 3D design") < html.index("Intro to Arduino")


def test_a_program_session_is_told_in_toronto_time_across_the_clock_change(me, central):
    # Sunday 1 November 2026, the clocks go back at 2 a.m.: a 2 p.m. session is 19:00 UTC, in October 18:00.
    facilitate(me, central, dt.datetime(2026, 11, 1, 19, tzinfo=dt.UTC), title="Family 3D design", minutes=60)
    facilitate(me, central, dt.datetime(2026, 10, 25, 18, tzinfo=dt.UTC), title="Family 3D design", minutes=60)
    now = dt.datetime(2026, 10, 20, 12, tzinfo=dt.UTC)
    rows = program_sessions_of(me, now=now, today=dt.date(2026, 10, 20))
    assert [row.when for row in rows] == [
        "Sunday 25 October, 2:00 to 3:00 p.m.",
        "Sunday 1 November, 2:00 to 3:00 p.m.",
    ]


def test_with_no_programs_the_section_is_left_out(me_client, me, my_shift):
    assert "Programs you facilitate" not in page_text(me_client.get("/staff/shifts/"))


def test_give_up_offers_the_shift_and_keeps_it_mine(me_client, me, my_shift):
    response = me_client.post(f"/staff/shifts/{my_shift.pk}/give-up/", follow=True)
    change = ShiftChange.objects.get()
    assert (change.assignment, change.offered_by, change.status) == (my_shift, me, ShiftChange.Status.OFFERED)
    html = page_text(response)
    assert "It stays yours until someone takes it" in html
    assert "Offered to others:" in html
    assert "Withdraw offer" in html
    assert Assignment.objects.get().staff_member == me


def test_giving_up_twice_is_refused_on_the_page(me_client, my_shift):
    me_client.post(f"/staff/shifts/{my_shift.pk}/give-up/")
    response = me_client.post(f"/staff/shifts/{my_shift.pk}/give-up/")
    assert refused_on_my_shifts(response) == ["already_given_up"]
    assert ShiftChange.objects.count() == 1


def test_a_started_shift_cannot_be_given_up(me_client, me, central):
    now = timezone.now()
    assignment = AssignmentFactory(
        staff_member=me,
        shift=ShiftFactory(
            branch=central, starts_at=now - dt.timedelta(minutes=5), ends_at=now + dt.timedelta(hours=2)
        ),
    )
    response = me_client.post(f"/staff/shifts/{assignment.pk}/give-up/")
    assert refused_on_my_shifts(response) == ["started"]
    assert not ShiftChange.objects.exists()


def test_someone_elses_shift_is_not_found(me_client, colleague, central, next_week):
    theirs = AssignmentFactory(staff_member=colleague, shift=ShiftFactory(branch=central, starts_at=at(next_week, 10)))
    for action in ("give-up", "check-in", "check-out"):
        assert me_client.post(f"/staff/shifts/{theirs.pk}/{action}/").status_code == 404
    assert not ShiftChange.objects.exists()


def test_withdraw_an_offer(me_client, me, my_shift):
    change = ShiftChange.objects.create(assignment=my_shift, offered_by=me)
    response = me_client.post(f"/staff/offers/{change.pk}/withdraw/", follow=True)
    change.refresh_from_db()
    assert change.status == ShiftChange.Status.WITHDRAWN
    assert "You withdrew your offer" in page_text(response)
    again = me_client.post(f"/staff/offers/{change.pk}/withdraw/")
    assert refused_on_my_shifts(again) == ["offer_closed"]


def test_another_person_sees_the_offer_and_claims_it(colleague_client, colleague, me, my_shift, next_week):
    change = ShiftChange.objects.create(assignment=my_shift, offered_by=me, note="Dentist <3")
    html = page_text(colleague_client.get("/staff/shifts/"))
    assert "Shifts you can take" in html
    assert "Given up by Daniel Okafor" in html
    assert "Dentist &lt;3" in html
    assert f'Take<span class="visually-hidden"> the shift on {day_words(next_week)}</span>' in html
    response = colleague_client.post(f"/staff/offers/{change.pk}/claim/", follow=True)
    change.refresh_from_db()
    assert (change.status, change.claimed_by) == (ShiftChange.Status.CLAIMED, colleague)
    assert "once the coordinator approves" in page_text(response)
    assert Assignment.objects.get().staff_member == me


def test_claiming_my_own_offer_is_refused(me_client, me, my_shift):
    change = ShiftChange.objects.create(assignment=my_shift, offered_by=me)
    response = me_client.post(f"/staff/offers/{change.pk}/claim/")
    assert refused_on_my_shifts(response) == ["own_offer"]
    change.refresh_from_db()
    assert change.status == ShiftChange.Status.OFFERED


def test_claiming_a_shift_already_claimed_is_refused(colleague_client, colleague, me, my_shift):
    change = ShiftChange.objects.create(assignment=my_shift, offered_by=me)
    colleague_client.post(f"/staff/offers/{change.pk}/claim/")
    third = StaffMemberFactory()
    client = Client()
    client.force_login(third.user)
    response = client.post(f"/staff/offers/{change.pk}/claim/")
    assert refused_on_my_shifts(response) == ["not_offered"]
    change.refresh_from_db()
    assert change.claimed_by == colleague
    repeat = colleague_client.post(f"/staff/offers/{change.pk}/claim/")
    assert refused_on_my_shifts(repeat) == ["not_offered"]


def test_claiming_a_shift_at_the_same_time_as_mine_is_refused(
    colleague_client, colleague, me, my_shift, central, next_week
):
    AssignmentFactory(
        staff_member=colleague,
        shift=ShiftFactory(branch=central, starts_at=at(next_week, 15), ends_at=at(next_week, 17)),
    )
    change = ShiftChange.objects.create(assignment=my_shift, offered_by=me)
    response = colleague_client.post(f"/staff/offers/{change.pk}/claim/")
    assert refused_on_my_shifts(response) == ["busy"]
    change.refresh_from_db()
    assert change.status == ShiftChange.Status.OFFERED


def test_claiming_an_unknown_offer_is_not_found(me_client):
    assert me_client.post("/staff/offers/999999/claim/").status_code == 404


@pytest.fixture
def shift_now(me, central):
    now = timezone.now()
    return AssignmentFactory(
        staff_member=me,
        shift=ShiftFactory(
            branch=central, starts_at=now - dt.timedelta(minutes=5), ends_at=now + dt.timedelta(hours=2)
        ),
    )


def test_check_in_and_out_logs_the_hours(me_client, me, shift_now):
    assert "Check in<span" in page_text(me_client.get("/staff/shifts/"))
    response = me_client.post(f"/staff/shifts/{shift_now.pk}/check-in/", follow=True)
    shift_now.refresh_from_db()
    assert shift_now.checked_in_at is not None
    html = page_text(response)
    assert "You checked in" in html
    assert "Check out<span" in html
    assert "Check in<span" not in html
    response = me_client.post(f"/staff/shifts/{shift_now.pk}/check-out/", follow=True)
    entry = HoursEntry.objects.get()
    assert (entry.staff_member, entry.source, entry.status) == (me, HoursEntry.Source.SHIFT, DecisionStatus.PENDING)
    assert "went to the coordinator for approval" in page_text(response)


def test_checking_in_twice_or_out_first_is_refused(me_client, shift_now):
    response = me_client.post(f"/staff/shifts/{shift_now.pk}/check-out/")
    assert refused_on_my_shifts(response) == ["not_checked_in"]
    me_client.post(f"/staff/shifts/{shift_now.pk}/check-in/")
    response = me_client.post(f"/staff/shifts/{shift_now.pk}/check-in/")
    assert refused_on_my_shifts(response) == ["already_checked_in"]


def test_checking_in_days_early_is_refused(me_client, my_shift):
    response = me_client.post(f"/staff/shifts/{my_shift.pk}/check-in/")
    assert refused_on_my_shifts(response) == ["not_check_in_time"]
    my_shift.refresh_from_db()
    assert my_shift.checked_in_at is None


def test_a_shift_that_just_ended_stays_until_i_check_out(me_client, me, central):
    now = timezone.now()
    assignment = AssignmentFactory(
        staff_member=me,
        shift=ShiftFactory(
            branch=central, starts_at=now - dt.timedelta(hours=3), ends_at=now - dt.timedelta(minutes=10)
        ),
        checked_in_at=now - dt.timedelta(hours=3),
    )
    assert "Check out<span" in page_text(me_client.get("/staff/shifts/"))
    me_client.post(f"/staff/shifts/{assignment.pk}/check-out/")
    assert HoursEntry.objects.filter(assignment=assignment).exists()
    assert "Check out<span" not in page_text(me_client.get("/staff/shifts/"))


def test_make_a_new_calendar_address(me_client, me):
    old = me.calendar_token
    html = page_text(me_client.get("/staff/shifts/"))
    assert f"http://testserver/staff/calendar/{old}.ics" in html
    assert f"webcal://testserver/staff/calendar/{old}.ics" in html
    response = me_client.post("/staff/calendar/new-address/", follow=True)
    me.refresh_from_db()
    assert me.calendar_token != old
    assert "The old address no longer works" in page_text(response)
    assert me_client.get(f"/staff/calendar/{old}.ics").status_code == 404


# --- My hours ---------------------------------------------------------------------------------------------


def hours_form(**overrides) -> dict[str, str]:
    data = {
        "day": (timezone.localdate() - dt.timedelta(days=2)).isoformat(),
        "hours": "2.5",
        "activity": "Seed library table at the farmers' market",
    }
    return {**data, **overrides}


def test_log_hours_by_hand(me_client, me):
    response = me_client.post("/staff/hours/", hours_form(), follow=True)
    entry = HoursEntry.objects.get()
    assert (entry.staff_member, entry.hours, entry.source, entry.status) == (
        me,
        Decimal("2.5"),
        HoursEntry.Source.MANUAL,
        DecisionStatus.PENDING,
    )
    html = page_text(response)
    assert "You logged 2.50 hours" in html
    assert "Seed library table at the farmers&#x27; market" in html
    assert "Waiting for approval" in html


@pytest.mark.parametrize(
    ("overrides", "refused"),
    [
        ({"hours": "-2"}, {"hours": ["hours_out_of_range"]}),
        ({"hours": "0"}, {"hours": ["hours_out_of_range"]}),
        ({"hours": "25"}, {"hours": ["hours_out_of_range"]}),
        ({"hours": "abc"}, {"hours": ["invalid"]}),
        ({"hours": "NaN"}, {"hours": ["invalid"]}),
        ({"hours": "1e400"}, {"hours": ["max_digits"]}),
        ({"hours": "1.234"}, {"hours": ["max_decimal_places"]}),
        ({"hours": ""}, {"hours": ["required"]}),
        ({"day": "next-year"}, {"day": ["invalid"]}),
        ({"day": "2026-02-30"}, {"day": ["invalid"]}),
        ({"day": "1900-01-01"}, {"day": ["horizon"]}),
        ({"activity": "   "}, {"activity": ["required"]}),
        ({"activity": "<script>alert(1)</script>"}, {"activity": ["markup"]}),
        ({"activity": "Helped <img src=x onerror=alert(1)>"}, {"activity": ["markup"]}),
        ({"activity": "Bell\x07 ringing"}, {"activity": ["control"]}),
        ({"activity": "Null\x00 byte"}, {"activity": ["control", "null_characters_not_allowed"]}),
        ({"activity": "x" * 5000}, {"activity": ["max_length"]}),
    ],
)
def test_bad_hours_are_refused_on_the_form(me_client, overrides, refused):
    response = me_client.post("/staff/hours/", hours_form(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()
    assert {field: [error.code for error in field_errors] for field, field_errors in errors.items()} == refused
    html = page_text(response)
    assert all(escape(message) in html for errors_of in errors.values() for e in errors_of for message in e.messages)
    assert "<script>alert(1)</script>" not in html
    assert 'class="invalid-feedback"' in html or "alert-block" in html
    assert not HoursEntry.objects.exists()


def test_an_empty_hours_form_is_refused_on_the_form(me_client):
    response = me_client.post("/staff/hours/", {})
    assert response.status_code == 200
    assert page_text(response).count("This field is required.") == 3
    assert not HoursEntry.objects.exists()


def test_hours_for_a_day_next_year_are_refused(me_client):
    next_year = timezone.localdate().replace(month=1, day=1) + dt.timedelta(days=366)
    response = me_client.post("/staff/hours/", hours_form(day=next_year.isoformat()))
    assert response.status_code == 200
    assert [error.code for error in response.context["form"].errors.as_data()["day"]] == ["future_day"]
    assert not HoursEntry.objects.exists()


def test_the_hours_error_is_tied_to_its_field(me_client):
    html = page_text(me_client.post("/staff/hours/", hours_form(hours="25")))
    assert 'id="id_hours"' in html
    assert 'aria-invalid="true"' in html
    assert 'id="error_1_id_hours"' in html


def test_a_community_service_student_sees_progress_and_the_record(client, db):
    student = StaffMemberFactory(
        user=UserFactory(username="sam", first_name="Sam", last_name="Lee", role="Volunteer"),
        kind=StaffKind.COMMUNITY_SERVICE_STUDENT,
        date_of_birth=dt.date(2010, 3, 1),
        school="Central Elgin Collegiate",
    )
    HoursEntry.objects.create(
        staff_member=student, day=timezone.localdate(), hours=Decimal("12.5"), activity="Open lab", status="approved"
    )
    client.force_login(student.user)
    html = page_text(client.get("/staff/hours/"))
    assert "12.50 of 40 hours approved." in html
    assert "27.50 hours to go." in html
    assert '<progress class="community-progress" max="40" value="12.50"' in html
    assert 'href="/staff/hours/community-involvement.pdf"' in html
    assert "Count these hours toward my community involvement hours" in html
    client.post("/staff/hours/", hours_form())  # the box left unticked
    assert HoursEntry.objects.get(activity=hours_form()["activity"]).counts_for_community_hours is False


def test_an_assistant_sees_no_community_hours(me_client):
    html = page_text(me_client.get("/staff/hours/"))
    assert "<progress" not in html
    assert "community-involvement.pdf" not in html
    assert "Count these hours" not in html
    me_client.post("/staff/hours/", hours_form())
    assert HoursEntry.objects.get().counts_for_community_hours is True


# --- The coordinator's approvals ----------------------------------------------------------------------------


@pytest.fixture
def claimed(me, colleague, my_shift):
    return ShiftChange.objects.create(
        assignment=my_shift,
        offered_by=me,
        claimed_by=colleague,
        status=ShiftChange.Status.CLAIMED,
        claimed_at=timezone.now(),
    )


def test_the_coordinator_approves_a_claim(coordinator_client, coordinator, claimed, colleague, next_week):
    html = page_text(coordinator_client.get("/staff/changes/"))
    assert "Given up by <strong>Daniel Okafor</strong>" in html
    assert "<strong>Emma Tremblay</strong> asked to take it" in html
    assert f'Approve<span class="visually-hidden"> Emma Tremblay taking the shift on {day_words(next_week)}' in html
    response = coordinator_client.post(f"/staff/changes/{claimed.pk}/decide/", {"decision": "approve"}, follow=True)
    assert "Approved: Emma Tremblay takes the shift" in page_text(response)
    claimed.refresh_from_db()
    assert (claimed.status, claimed.decided_by) == (ShiftChange.Status.APPROVED, coordinator)
    assert Assignment.objects.get().staff_member == colleague
    again = coordinator_client.post(f"/staff/changes/{claimed.pk}/decide/", {"decision": "approve"})
    assert again.status_code == 200
    (refusal,) = again.context["form"].non_field_errors().as_data()
    assert refusal.code == "not_claimed"
    assert refusal.messages[0] in page_text(again)


def test_the_coordinator_declines_a_claim(coordinator_client, claimed, me):
    response = coordinator_client.post(f"/staff/changes/{claimed.pk}/decide/", {"decision": "decline"}, follow=True)
    assert "offered to others again" in page_text(response)
    claimed.refresh_from_db()
    assert (claimed.status, claimed.claimed_by) == (ShiftChange.Status.OFFERED, None)
    assert Assignment.objects.get().staff_member == me


def test_warnings_are_shown_and_need_a_reason_to_approve(coordinator_client, coordinator, claimed, colleague, me):
    available_mornings(colleague)
    response = coordinator_client.post(f"/staff/changes/{claimed.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 200
    html = page_text(response)
    assert "Emma Tremblay is not usually available at this time." in html
    assert "Reason to approve anyway" in html
    assert "Approve anyway" in html
    claimed.refresh_from_db()
    assert claimed.status == ShiftChange.Status.CLAIMED
    assert Assignment.objects.get().staff_member == me
    response = coordinator_client.post(
        f"/staff/changes/{claimed.pk}/decide/",
        {"decision": "approve", "override_reason": "Emma swapped her Tuesday class"},
        follow=True,
    )
    assignment = Assignment.objects.get()
    assert assignment.staff_member == colleague
    assert (assignment.override_reason, assignment.overridden_by) == ("Emma swapped her Tuesday class", coordinator)
    assert "availability" in assignment.overridden_warnings


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"decision": "maybe"}, "Select a valid choice."),
        ({}, "This field is required."),
        ({"decision": "approve", "override_reason": "<script>x</script>"}, "Write plain text"),
        ({"decision": "approve", "override_reason": "y" * 5000}, "at most 250 characters"),
    ],
)
def test_bad_decisions_are_refused_on_the_page(coordinator_client, claimed, me, data, message):
    response = coordinator_client.post(f"/staff/changes/{claimed.pk}/decide/", data)
    assert response.status_code == 200
    assert message in page_text(response)
    claimed.refresh_from_db()
    assert claimed.status == ShiftChange.Status.CLAIMED
    assert Assignment.objects.get().staff_member == me


def test_deciding_an_unknown_change_is_not_found(coordinator_client):
    assert coordinator_client.post("/staff/changes/424242/decide/", {"decision": "approve"}).status_code == 404


@pytest.fixture
def pending_hours(me, colleague):
    today = timezone.localdate()
    return [
        HoursEntry.objects.create(staff_member=me, day=today, hours=Decimal(2), activity="Open lab"),
        HoursEntry.objects.create(staff_member=colleague, day=today, hours=Decimal("1.5"), activity="Seed desk"),
    ]


def test_the_coordinator_approves_hours(coordinator_client, coordinator, pending_hours):
    html = page_text(coordinator_client.get("/staff/hours/approve/"))
    assert "Emma Tremblay" in html
    assert "1.50 hours by Emma Tremblay on" in html
    first, second = pending_hours
    response = coordinator_client.post(
        "/staff/hours/approve/", {"entries": [first.pk, second.pk], "decision": "approve"}, follow=True
    )
    assert "Approved 2 entries of hours." in page_text(response)
    assert set(HoursEntry.objects.values_list("status", "decided_by")) == {(DecisionStatus.APPROVED, coordinator.pk)}
    again = coordinator_client.post("/staff/hours/approve/", {"entries": [first.pk], "decision": "decline"})
    assert again.status_code == 200
    (refusal,) = again.context["form"].errors.as_data()["entries"]
    assert refusal.code == "nothing_to_decide"
    assert refusal.messages[0] in page_text(again)
    first.refresh_from_db()
    assert first.status == DecisionStatus.APPROVED


def test_chosen_hours_stay_chosen_after_a_refusal(coordinator_client, pending_hours):
    first, second = pending_hours
    response = coordinator_client.post("/staff/hours/approve/", {"entries": [first.pk], "decision": "sure"})
    html = page_text(response)
    assert f'value="{first.pk}" id="entry-{first.pk}" checked>' in html
    assert f'value="{second.pk}" id="entry-{second.pk}">' in html


def test_the_coordinator_declines_hours(coordinator_client, pending_hours):
    first, second = pending_hours
    coordinator_client.post("/staff/hours/approve/", {"entries": [first.pk], "decision": "decline"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (DecisionStatus.DECLINED, DecisionStatus.PENDING)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"decision": "approve"}, "Choose at least one entry of hours."),
        ({"entries": ["abc"], "decision": "approve"}, "Choose hours from the list."),
        ({"entries": ["-1"], "decision": "approve"}, "Choose hours from the list."),
        ({"entries": ["99999999999999999999999"], "decision": "approve"}, "Choose hours from the list."),
        (
            {"entries": ["424242"], "decision": "approve"},
            "These hours were already approved or declined, or they are your own.",
        ),
        ({"entries": ["1"], "decision": "sure"}, "Select a valid choice."),
        ({"entries": [str(n) for n in range(1, 600)], "decision": "approve"}, "Choose at most 500 entries"),
    ],
)
def test_bad_hour_decisions_are_refused_on_the_page(coordinator_client, pending_hours, data, message):
    response = coordinator_client.post("/staff/hours/approve/", data)
    assert response.status_code == 200
    assert message in page_text(response)
    assert set(HoursEntry.objects.values_list("status", flat=True)) == {DecisionStatus.PENDING}


# --- The week's schedule ------------------------------------------------------------------------------------


@pytest.fixture
def week(central):
    today = timezone.localdate()
    return today + dt.timedelta(days=14 - today.weekday())  # the Monday after next


def test_the_schedule_shows_the_week_with_gaps_and_warnings(coordinator_client, central, week, me, colleague):
    full = ShiftFactory(branch=central, starts_at=at(week, 10), ends_at=at(week, 12), min_headcount=1)
    AssignmentFactory(shift=full, staff_member=me)
    short = ShiftFactory(
        branch=central,
        role=ShiftRole.OPEN_LAB,
        starts_at=at(week + dt.timedelta(days=2), 14),
        ends_at=at(week + dt.timedelta(days=2), 16),
        min_headcount=3,
        max_headcount=3,
    )
    AssignmentFactory(shift=short, staff_member=colleague)
    available_mornings(colleague)
    ShiftFactory(branch=central, starts_at=at(week + dt.timedelta(days=3), 10), is_published=False)
    response = coordinator_client.get(f"/staff/schedule/?branch=central&week={week.isoformat()}")
    assert response.status_code == 200
    html = page_text(response)
    assert f"Central Library: week of {week:%A} {week.day} {week:%B %Y}" in html
    assert "10:00 a.m. to noon" in html
    assert "Daniel Okafor" in html
    assert "Emma Tremblay" in html
    assert "Needs 2 more people" in html
    assert "Needs 1 more person" in html  # the draft shift has no one
    assert "Draft, not published" in html
    assert "2 shifts this week need 3 more people." in html
    assert "Warning:</span> Emma Tremblay is not usually available at this time." in html
    previous_week, next_week = week - dt.timedelta(days=7), week + dt.timedelta(days=7)
    assert f'href="?branch=central&amp;week={previous_week.isoformat()}"' in html
    assert f'href="?branch=central&amp;week={next_week.isoformat()}"' in html


def available_afternoons(staff_member: StaffMember) -> None:
    Availability.objects.bulk_create(
        Availability(staff_member=staff_member, weekday=day, starts=dt.time(12), ends=dt.time(18)) for day in range(7)
    )


@pytest.fixture
def gap(central, week, me, colleague):
    """Wednesday 2 to 4 p.m. the week after next: an open lab needing two people, with Daniel on it;
    Emma is free every afternoon."""
    shift = ShiftFactory(
        branch=central,
        role=ShiftRole.OPEN_LAB,
        starts_at=at(week + dt.timedelta(days=2), 14),
        ends_at=at(week + dt.timedelta(days=2), 16),
        min_headcount=2,
        max_headcount=2,
    )
    AssignmentFactory(shift=shift, staff_member=me)
    available_afternoons(colleague)
    return shift


def offer_data(to_shift, person, monday, **changes) -> dict:
    return {"shift": to_shift.pk, "staff_member": person.pk, "branch": "central", "week": monday.isoformat(), **changes}


def test_the_schedule_names_who_could_fill_a_gap(coordinator_client, gap, week, colleague):
    StaffMemberFactory(user=UserFactory(first_name="Noor", last_name="Haddad"))  # no availability recorded
    response = coordinator_client.get(f"/staff/schedule/?branch=central&week={week.isoformat()}")
    html = page_text(response)
    assert "Could fill it:" in html
    when = f"{day_words(gap.starts_at.date())}, 2:00 to 4:00 p.m."
    assert f'Offer to Emma Tremblay<span class="visually-hidden">: the shift on {when}</span>' in html
    assert "Volunteer, no other hours that week" in html
    assert "Offer to Noor Haddad" not in html
    assert "Offer to Daniel Okafor" not in html


def test_volunteers_see_no_one_to_offer_shifts_to(colleague_client, gap, week):
    html = page_text(colleague_client.get(f"/staff/schedule/?branch=central&week={week.isoformat()}"))
    assert "Needs 1 more person" in html
    assert "Could fill it" not in html
    assert "Offer to" not in html
    emma = StaffMember.objects.get(user__username="emma")
    assert colleague_client.post("/staff/schedule/offer/", offer_data(gap, emma, week)).status_code == 403
    assert not ShiftInvitation.objects.exists()


def test_the_coordinator_offers_a_gap_and_the_person_takes_it_on_my_shifts(
    coordinator_client, coordinator, colleague_client, gap, week, colleague
):
    response = coordinator_client.post("/staff/schedule/offer/", offer_data(gap, colleague, week), follow=True)
    invitation = ShiftInvitation.objects.get()
    assert (invitation.shift, invitation.staff_member, invitation.offered_by) == (gap, colleague, coordinator)
    html = page_text(response)
    assert response.redirect_chain[-1][0] == f"/staff/schedule/?branch=central&week={week.isoformat()}"
    assert "You offered the shift on" in html
    assert "to Emma Tremblay. It shows on their My shifts page" in html
    assert "Offered to Emma Tremblay, waiting for an answer." in html
    assert "Offer to Emma Tremblay" not in html

    mine = colleague_client.get("/staff/shifts/")
    day = day_words(gap.starts_at.date())
    assert [
        day,
        "2:00 to 4:00 p.m.",
        "Open lab",
        "Central Library",
        f"{coordinator.get_full_name()} asked you: it is yours as soon as you take it.",
        f"Take the shift on {day} No, thanks: not the shift on {day}",
    ] in table_rows(mine)
    taken = colleague_client.post(f"/staff/invitations/{invitation.pk}/take/", follow=True)
    assert "You took the shift on" in page_text(taken)
    assert set(gap.assignments.values_list("staff_member__user__username", flat=True)) == {"assistant", "emma"}
    invitation.refresh_from_db()
    assert invitation.status == ShiftInvitation.Status.TAKEN
    assert [day, "2:00 to 4:00 p.m.", "Open lab", "Central Library", "Yours", f"Give up my shift on {day}"] in (
        table_rows(taken)
    )


def test_saying_no_shows_on_the_schedule(coordinator_client, coordinator, colleague_client, gap, week, colleague):
    invitation = services.shift_invitation_create(shift=gap, staff_member=colleague, by=coordinator)
    response = colleague_client.post(f"/staff/invitations/{invitation.pk}/decline/", follow=True)
    assert "You said no to the shift on" in page_text(response)
    assert "No shifts are on offer right now." in page_text(response)
    html = page_text(coordinator_client.get(f"/staff/schedule/?branch=central&week={week.isoformat()}"))
    assert "Emma Tremblay said no." in html
    assert "Offer to Emma Tremblay" not in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"shift": "999999999"}, "That shift or person is not on the schedule any more."),
        ({"staff_member": "999999999"}, "That shift or person is not on the schedule any more."),
        ({"shift": "99999999999999999999999"}, "That shift or person is not on the schedule any more."),
        ({"shift": "-1"}, "That shift or person is not on the schedule any more."),
        ({"staff_member": "<script>alert(1)</script>"}, "That shift or person is not on the schedule any more."),
        ({"shift": ""}, "Choose a shift and a person from the schedule."),
        ({"week": "not-a-week", "shift": "abc"}, "That shift or person is not on the schedule any more."),
    ],
)
def test_a_tampered_offer_is_refused_with_a_clear_message(coordinator_client, gap, week, colleague, changes, message):
    response = coordinator_client.post("/staff/schedule/offer/", offer_data(gap, colleague, week, **changes))
    assert response.status_code == 200
    html = page_text(response)
    assert message in html
    assert "<script>alert(1)</script>" not in html
    assert 'id="error-summary"' in html
    assert not ShiftInvitation.objects.exists()


def test_offering_to_someone_not_eligible_is_refused_on_the_schedule(coordinator_client, gap, week, colleague):
    day = gap.starts_at.astimezone(TORONTO).date()
    TimeOff.objects.create(staff_member=colleague, first_day=day, last_day=day, status=DecisionStatus.APPROVED)
    unskilled = StaffMemberFactory(user=UserFactory(first_name="Noor", last_name="Haddad"))
    response = coordinator_client.post("/staff/schedule/offer/", offer_data(gap, colleague, week))
    assert response.status_code == 200
    assert "Emma Tremblay has approved time off that day." in page_text(response)
    assert f"Central Library: week of {week:%A} {week.day} {week:%B %Y}" in page_text(response)
    response = coordinator_client.post("/staff/schedule/offer/", offer_data(gap, unskilled, week))
    assert "Noor Haddad is not known to be available at this time." in page_text(response)
    daniel = gap.assignments.get().staff_member
    response = coordinator_client.post("/staff/schedule/offer/", offer_data(gap, daniel, week))
    assert "Daniel Okafor is already on this shift." in page_text(response)
    assert not ShiftInvitation.objects.exists()


def test_someone_elses_offer_cannot_be_taken_or_declined(me_client, coordinator, gap, colleague):
    invitation = services.shift_invitation_create(shift=gap, staff_member=colleague, by=coordinator)
    for action in ("take", "decline"):
        assert me_client.post(f"/staff/invitations/{invitation.pk}/{action}/").status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == ShiftInvitation.Status.OFFERED


def test_taking_a_place_since_filled_is_refused_on_my_shifts(colleague_client, coordinator, gap, colleague):
    invitation = services.shift_invitation_create(shift=gap, staff_member=colleague, by=coordinator)
    AssignmentFactory(shift=gap)
    response = colleague_client.post(f"/staff/invitations/{invitation.pk}/take/")
    assert refused_on_my_shifts(response) == ["full"]
    assert not gap.assignments.filter(staff_member=colleague).exists()


def test_volunteers_see_published_shifts_without_warnings_about_others(colleague_client, central, week, colleague):
    available_mornings(colleague)
    shift = ShiftFactory(branch=central, starts_at=at(week, 13), ends_at=at(week, 15))
    AssignmentFactory(shift=shift, staff_member=colleague)
    ShiftFactory(branch=central, starts_at=at(week, 14), ends_at=at(week, 16), is_published=False)
    html = page_text(colleague_client.get(f"/staff/schedule/?week={week.isoformat()}"))
    assert "Emma Tremblay" in html
    assert "not usually available" not in html
    assert "Draft" not in html
    assert "2:00 to 4:00 p.m." not in html
    assert "1:00 to 3:00 p.m." in html


def test_a_day_inside_the_week_shows_the_whole_week(coordinator_client, central, week):
    ShiftFactory(branch=central, starts_at=at(week, 10), ends_at=at(week, 12))
    html = page_text(
        coordinator_client.get(f"/staff/schedule/?branch=central&week={(week + dt.timedelta(days=3)).isoformat()}")
    )
    assert f"week of {week:%A} {week.day} {week:%B %Y}" in html
    assert "10:00 a.m. to noon" in html


@pytest.mark.parametrize("value", ["next-tuesday", "2026-02-30", "0001-01-01", "9999-12-31", "20260112", "' OR 1=1"])
def test_a_bad_week_shows_this_week(coordinator_client, central, value):
    response = coordinator_client.get("/staff/schedule/", {"branch": "central", "week": value})
    assert response.status_code == 200
    html = page_text(response)
    monday = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
    assert f"week of {monday:%A} {monday.day} {monday:%B %Y}" in html
    assert "We could not use the week in the address" in html


@pytest.mark.parametrize("value", ["nowhere", "<script>", "central/../x", "x" * 500])
def test_an_unknown_branch_is_not_found(coordinator_client, central, value):
    assert coordinator_client.get("/staff/schedule/", {"branch": value}).status_code == 404


def test_the_schedule_defaults_to_the_first_active_branch(coordinator_client, db):
    BranchFactory(name="Old Branch", slug="old", is_active=False, display_order=0)
    BranchFactory(name="Southside", slug="southside", display_order=1)
    response = coordinator_client.get("/staff/schedule/")
    assert "Southside: week of" in page_text(response)
    assert coordinator_client.get("/staff/schedule/?branch=old").status_code == 404


def test_the_schedule_without_any_branch_says_so(coordinator_client, db):
    response = coordinator_client.get("/staff/schedule/")
    assert response.status_code == 200
    assert "There is no branch yet." in page_text(response)


# --- Query counts -------------------------------------------------------------------------------------------


def _fill_my_shifts(me: StaffMember, branch, first_day: dt.date, count: int) -> None:
    others = [StaffMemberFactory() for _ in range(2)]
    for n in range(count):
        day = first_day + dt.timedelta(days=n)
        mine = AssignmentFactory(
            staff_member=me, shift=ShiftFactory(branch=branch, starts_at=at(day, 10), ends_at=at(day, 12))
        )
        if n % 2:
            ShiftChange.objects.create(assignment=mine, offered_by=me, claimed_by=others[0], status="claimed")
        theirs = AssignmentFactory(
            staff_member=others[n % 2], shift=ShiftFactory(branch=branch, starts_at=at(day, 14), ends_at=at(day, 16))
        )
        ShiftChange.objects.create(assignment=theirs, offered_by=others[n % 2])
        if n % 2 == 0:
            ShiftInvitation.objects.create(shift=theirs.shift, staff_member=me, offered_at=timezone.now())


def _fill_my_programs(me: StaffMember, branch, first_day: dt.date, count: int) -> None:
    printer = EquipmentFactory(branch=branch)
    for n in range(count):
        session = facilitate(me, branch, at(first_day + dt.timedelta(days=n), 18), title=f"Program {n}")
        session.program.equipment.add(printer)
        session.program.facilitators.add(StaffMemberFactory())


def test_my_shifts_costs_the_same_queries_for_2_or_20_shifts(me_client, me, central, django_assert_max_num_queries):
    # Session, user, staff member, shifts, their open changes, places the coordinator offered me, offers,
    # claims, the programs I facilitate, and the menu's two permission lookups.
    start = timezone.localdate() + dt.timedelta(days=3)
    _fill_my_shifts(me, central, start, 2)
    _fill_my_programs(me, central, start, 2)
    with django_assert_max_num_queries(11), CaptureQueriesContext(connection) as small:
        assert me_client.get("/staff/shifts/").status_code == 200
    _fill_my_shifts(me, central, start + dt.timedelta(days=10), 18)
    _fill_my_programs(me, central, start + dt.timedelta(days=10), 18)
    with django_assert_max_num_queries(11), CaptureQueriesContext(connection) as large:
        response = me_client.get("/staff/shifts/")
    assert response.status_code == 200
    assert page_text(response).count("Take<span") == 20 + 10  # given up by others, and offered by the coordinator
    assert page_text(response).count("No, thanks<span") == 10
    assert page_text(response).count("Program ") >= 20
    assert len(small) == len(large)


def _fill_week(branch, week: dt.date, count: int, people: list[StaffMember]) -> None:
    for n in range(count):
        day = week + dt.timedelta(days=n % 7)
        hour = 9 + (n // 7) * 2
        shift = ShiftFactory(
            branch=branch, starts_at=at(day, hour, 30), ends_at=at(day, hour + 2), min_headcount=2, max_headcount=4
        )
        for person in people[: 1 + n % 3]:
            AssignmentFactory(shift=shift, staff_member=person)


def test_the_schedule_costs_the_same_queries_for_2_or_20_shifts(
    coordinator_client, central, week, django_assert_max_num_queries
):
    people = [
        StaffMemberFactory(kind=StaffKind.VOLUNTEER, weekly_hour_limit=Decimal(10)),
        StaffMemberFactory(kind=StaffKind.LIBRARY_ASSISTANT),
        StaffMemberFactory(kind=StaffKind.COMMUNITY_SERVICE_STUDENT, date_of_birth=dt.date(2010, 1, 1)),
    ]
    url = f"/staff/schedule/?branch=central&week={week.isoformat()}"
    # Session, user, two permission lookups, branches, shifts, skills, people, five for the warnings,
    # the menu's staff member; one more only when a co-op student is on the week. Who could fill the gaps:
    # the active staff, six for their facts and programs, and the offers already made.
    _fill_week(central, week, 2, people)
    with django_assert_max_num_queries(23), CaptureQueriesContext(connection) as small:
        assert coordinator_client.get(url).status_code == 200
    more = [StaffMemberFactory() for _ in range(3)]
    for n in range(18):
        day = week + dt.timedelta(days=n % 7)
        hour = 13 + (n // 7)
        shift = ShiftFactory(
            branch=central, starts_at=at(day, hour, 15), ends_at=at(day, hour + 1), min_headcount=3, max_headcount=6
        )
        for person in [*people, *more][n % 2 :: 2]:
            AssignmentFactory(shift=shift, staff_member=person)
    with django_assert_max_num_queries(23), CaptureQueriesContext(connection) as large:
        response = coordinator_client.get(url)
    assert response.status_code == 200
    assert page_text(response).count('<th scope="row">') == 20
    assert len(small) == len(large)


def _fill_gaps(branch, week: dt.date, *, shifts: int, people: int, name: str, coordinator) -> None:
    """Short afternoon shifts, people free every afternoon, and some places already offered."""
    members = []
    for n in range(people):
        member = StaffMemberFactory(user=UserFactory(first_name=name, last_name=f"Number{n}"))
        available_afternoons(member)
        members.append(member)
    for n in range(shifts):
        day = week + dt.timedelta(days=n % 7)
        shift = ShiftFactory(
            branch=branch, starts_at=at(day, 12 + n // 7), ends_at=at(day, 13 + n // 7), min_headcount=2
        )
        AssignmentFactory(shift=shift, staff_member=members[n % len(members)])
        ShiftInvitation.objects.create(
            shift=shift, staff_member=members[(n + 1) % len(members)], offered_by=coordinator, offered_at=timezone.now()
        )


def test_the_schedule_with_people_to_offer_gaps_to_costs_the_same_queries_at_two_sizes(
    coordinator_client, coordinator, central, week, django_assert_max_num_queries
):
    url = f"/staff/schedule/?branch=central&week={week.isoformat()}"
    _fill_gaps(central, week, shifts=2, people=3, name="Few", coordinator=coordinator)
    with django_assert_max_num_queries(23), CaptureQueriesContext(connection) as small:
        response = coordinator_client.get(url)
    assert page_text(response).count("Offer to ") == 2
    _fill_gaps(central, week, shifts=20, people=30, name="Many", coordinator=coordinator)
    with django_assert_max_num_queries(23), CaptureQueriesContext(connection) as large:
        response = coordinator_client.get(url)
    html = page_text(response)
    assert html.count("waiting for an answer") == 22
    assert html.count("Offer to ") >= 22 * 3
    assert len(small) == len(large)


def test_a_coordinator_cannot_approve_their_own_hours(coordinator_client, coordinator):
    own = HoursEntry.objects.create(
        staff_member=StaffMemberFactory(user=coordinator, kind=StaffKind.COORDINATOR),
        day=timezone.localdate(),
        hours=Decimal("2"),
        activity="Planning the spring programs",
    )
    response = coordinator_client.post("/staff/hours/approve/", {"entries": [own.pk], "decision": "approve"})
    assert "or they are your own" in page_text(response)
    own.refresh_from_db()
    assert own.status == DecisionStatus.PENDING


def test_asking_for_time_off(me_client, me):
    first = timezone.localdate() + dt.timedelta(days=10)
    response = me_client.post(
        "/staff/time-off/",
        {"first_day": first.isoformat(), "last_day": (first + dt.timedelta(days=2)).isoformat(), "reason": "Exams"},
        follow=True,
    )
    assert "You asked for time off from" in page_text(response)
    time_off = me.time_off.get()
    assert (time_off.status, time_off.reason) == (DecisionStatus.PENDING, "Exams")
    assert "Waiting for approval" in page_text(me_client.get("/staff/time-off/"))


@pytest.mark.parametrize(
    ("first", "last", "reason", "message"),
    [
        (10, 8, "", "The last day off cannot be before the first."),
        (-5, -3, "", "Time off must be today or later."),
        (900, 901, "", "within 400 days of today"),
        (10, 11, "<script>alert(1)</script>", "Write plain text"),
        (10, 11, "x" * 300, "at most 200 characters"),
        ("soon", 11, "", "Enter a valid date."),
        ("2026-02-30", 11, "", "Enter a valid date."),
    ],
)
def test_bad_time_off_requests_are_refused_on_the_form(me_client, me, first, last, reason, message):
    today = timezone.localdate()

    def day(value):
        return (today + dt.timedelta(days=value)).isoformat() if isinstance(value, int) else value

    response = me_client.post("/staff/time-off/", {"first_day": day(first), "last_day": day(last), "reason": reason})
    assert response.status_code == 200
    assert message in page_text(response)
    assert not me.time_off.exists()


def test_time_off_page_costs_the_same_queries_for_few_or_many_requests(me_client, me, django_assert_max_num_queries):
    from staffing.models import TimeOff

    today = timezone.localdate()
    TimeOff.objects.create(staff_member=me, first_day=today, last_day=today)
    with CaptureQueriesContext(connection) as small:
        me_client.get("/staff/time-off/")
    TimeOff.objects.bulk_create(
        TimeOff(staff_member=me, first_day=today + dt.timedelta(days=i), last_day=today + dt.timedelta(days=i))
        for i in range(1, 20)
    )
    with django_assert_max_num_queries(len(small)), CaptureQueriesContext(connection) as large:
        me_client.get("/staff/time-off/")
    assert len(small) == len(large)
